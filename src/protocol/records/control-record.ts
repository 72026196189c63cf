import { ProtocolError } from '../primitives/protocol-error';
import { encodeRecordBatch, NO_SEQUENCE } from './record-batch';
import { Record } from './record';

/**
 * Control records: what a transaction coordinator writes into each data
 * partition to end a transaction. They live alone in a batch whose
 * attributes carry both the transactional and the control flag.
 *
 *   key   = version int16 (0) | type int16 (0 ABORT, 1 COMMIT)
 *   value = version int16 (0) | coordinatorEpoch int32   (EndTransactionMarker)
 */
export const ControlRecordType = {
  Abort: 0,
  Commit: 1,
} as const;
export type ControlRecordType = (typeof ControlRecordType)[keyof typeof ControlRecordType];

const CONTROL_KEY_VERSION = 0;
const CONTROL_KEY_SIZE = 4;
const END_TXN_MARKER_VERSION = 0;
const END_TXN_MARKER_SIZE = 6;

export function encodeControlKey(type: ControlRecordType): Buffer {
  const b = Buffer.allocUnsafe(CONTROL_KEY_SIZE);
  b.writeInt16BE(CONTROL_KEY_VERSION, 0);
  b.writeInt16BE(type, 2);
  return b;
}

export function encodeEndTxnMarkerValue(coordinatorEpoch: number): Buffer {
  const b = Buffer.allocUnsafe(END_TXN_MARKER_SIZE);
  b.writeInt16BE(END_TXN_MARKER_VERSION, 0);
  b.writeInt32BE(coordinatorEpoch, 2);
  return b;
}

/**
 * The type in a control record key. Kafka reads only the version and type and
 * tolerates trailing bytes from newer versions; so do we. Types other than
 * ABORT/COMMIT (e.g. KRaft's) are returned as they are, for the caller to
 * skip.
 */
export function decodeControlKey(key: Buffer | null): { version: number; type: number } {
  if (key === null || key.length < CONTROL_KEY_SIZE) {
    throw new ProtocolError('invalid-value', `control record key of ${key === null ? 'null' : key.length} bytes`);
  }
  const version = key.readInt16BE(0);
  if (version < 0) throw new ProtocolError('invalid-value', `control record key version ${version}`);
  return { version, type: key.readInt16BE(2) };
}

export function decodeEndTxnMarkerValue(value: Buffer | null): { version: number; coordinatorEpoch: number } {
  if (value === null || value.length < END_TXN_MARKER_SIZE) {
    throw new ProtocolError('invalid-value', `end transaction marker of ${value === null ? 'null' : value.length} bytes`);
  }
  const version = value.readInt16BE(0);
  if (version < 0) throw new ProtocolError('invalid-value', `end transaction marker version ${version}`);
  return { version, coordinatorEpoch: value.readInt32BE(2) };
}

export interface EndTxnMarker {
  type: ControlRecordType;
  coordinatorEpoch: number;
}

/** The marker a decoded control record carries, or null if it is not ABORT/COMMIT. */
export function readEndTxnMarker(record: Pick<Record, 'key' | 'value'>): EndTxnMarker | null {
  const { type } = decodeControlKey(record.key);
  if (type !== ControlRecordType.Abort && type !== ControlRecordType.Commit) return null;
  return { type, coordinatorEpoch: decodeEndTxnMarkerValue(record.value).coordinatorEpoch };
}

export interface ControlBatchOptions {
  producerId: bigint;
  producerEpoch: number;
  coordinatorEpoch: number;
  /** The time the marker is written (ms since epoch). */
  timestamp: bigint;
  baseOffset?: bigint;
  partitionLeaderEpoch?: number;
}

/** One control batch holding one end-transaction marker. */
export function encodeEndTxnMarkerBatch(type: ControlRecordType, options: ControlBatchOptions): Buffer {
  return encodeRecordBatch(
    [{ key: encodeControlKey(type), value: encodeEndTxnMarkerValue(options.coordinatorEpoch), timestamp: options.timestamp }],
    {
      baseOffset: options.baseOffset ?? 0n,
      partitionLeaderEpoch: options.partitionLeaderEpoch,
      transactional: true,
      control: true,
      producerId: options.producerId,
      producerEpoch: options.producerEpoch,
      baseSequence: NO_SEQUENCE,
    },
  );
}
