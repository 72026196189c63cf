/**
 * The key and value formats of `__transaction_state` records, as Kafka
 * writes them (TransactionLogKey v0, TransactionLogValue v0/v1), so Kafka's
 * tools can read the topic. Both start with an int16 version.
 *
 *   key   v0: transactionalId string
 *   value v0: producerId int64 | producerEpoch int16 | transactionTimeoutMs int32
 *             | transactionStatus int8 | transactionPartitions nullable array of
 *               { topic string | partitionIds array int32 }
 *             | transactionLastUpdateTimestampMs int64 | transactionStartTimestampMs int64
 *   value v1: the same, flexible (compact strings/arrays, tagged fields)
 *
 * We write v0 and read both. Partitions are null in Empty, as Kafka writes
 * them. A null value (tombstone) is an expired transactional id.
 */
import { Reader } from '../../protocol/primitives/reader';
import { type TransactionState, transactionStateFromId, transactionStateId } from './transaction-state';

const KEY_VERSION = 0;
const VALUE_VERSION = 0;

export interface TransactionLogValue {
  producerId: number;
  producerEpoch: number;
  transactionTimeoutMs: number;
  state: TransactionState;
  /** topic -> partitions. */
  partitions: Map<string, number[]>;
  lastUpdateTimestampMs: number;
  startTimestampMs: number;
}

function str(s: string): Buffer {
  const body = Buffer.from(s, 'utf8');
  const b = Buffer.allocUnsafe(2 + body.length);
  b.writeInt16BE(body.length, 0);
  body.copy(b, 2);
  return b;
}

function int(bytes: 1 | 2 | 4 | 8, v: number): Buffer {
  const b = Buffer.alloc(bytes);
  if (bytes === 1) b.writeInt8(v);
  else if (bytes === 2) b.writeInt16BE(v);
  else if (bytes === 4) b.writeInt32BE(v);
  else b.writeBigInt64BE(BigInt(v));
  return b;
}

export function encodeTransactionLogKey(transactionalId: string): Buffer {
  return Buffer.concat([int(2, KEY_VERSION), str(transactionalId)]);
}

/** The transactional id of a key, or null for a key version we do not know. */
export function decodeTransactionLogKey(key: Buffer): string | null {
  const r = new Reader(key);
  if (r.int16() !== KEY_VERSION) return null;
  return r.nullableString();
}

export function encodeTransactionLogValue(v: TransactionLogValue): Buffer {
  const parts = [int(2, VALUE_VERSION), int(8, v.producerId), int(2, v.producerEpoch), int(4, v.transactionTimeoutMs), int(1, transactionStateId(v.state))];
  if (v.state === 'Empty') {
    parts.push(int(4, -1));
  } else {
    parts.push(int(4, v.partitions.size));
    for (const [topic, ids] of v.partitions) {
      parts.push(str(topic), int(4, ids.length));
      for (const id of ids) parts.push(int(4, id));
    }
  }
  parts.push(int(8, v.lastUpdateTimestampMs), int(8, v.startTimestampMs));
  return Buffer.concat(parts);
}

function skipTaggedFields(r: Reader): void {
  const count = r.uvarint();
  for (let i = 0; i < count; i++) {
    r.uvarint();
    r.skip(r.uvarint());
  }
}

export function decodeTransactionLogValue(value: Buffer): TransactionLogValue {
  const r = new Reader(value);
  const version = r.int16();
  if (version < 0 || version > 1) throw new Error(`unknown TransactionLogValue version ${version}`);
  const flexible = version >= 1;
  const string = (): string => (flexible ? r.compactNullableString() : r.nullableString()) ?? '';
  const producerId = Number(r.int64());
  const producerEpoch = r.int16();
  const transactionTimeoutMs = r.int32();
  const state = transactionStateFromId(r.int8());
  const partitions = new Map<string, number[]>();
  const topics = r.arrayLength(flexible);
  for (let i = 0; i < topics; i++) {
    const topic = string();
    const n = r.arrayLength(flexible);
    const ids: number[] = [];
    for (let j = 0; j < n; j++) ids.push(r.int32());
    if (flexible) skipTaggedFields(r);
    partitions.set(topic, ids);
  }
  const lastUpdateTimestampMs = Number(r.int64());
  const startTimestampMs = Number(r.int64());
  return { producerId, producerEpoch, transactionTimeoutMs, state, partitions, lastUpdateTimestampMs, startTimestampMs };
}
