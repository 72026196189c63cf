import {
  ATTRIBUTES,
  BASE_OFFSET,
  BASE_SEQUENCE,
  BATCH_HEADER_SIZE,
  BATCH_LENGTH,
  CONTROL_FLAG,
  CRC,
  LAST_OFFSET_DELTA,
  LOG_OVERHEAD,
  MAGIC,
  MAX_TIMESTAMP,
  PARTITION_LEADER_EPOCH,
  PRODUCER_EPOCH,
  PRODUCER_ID,
  RECORD_COUNT,
  TIMESTAMP_TYPE_LOG_APPEND,
  TRANSACTIONAL_FLAG,
} from '../protocol/records/batch-header';
import { crc32c } from '@node-rs/crc32';

/**
 * The header fields storage needs, as plain numbers (offsets, producer ids and
 * timestamps are below 2^53 in practice; storage works in `number`s and the
 * broker converts at the protocol edge).
 */
export interface BatchInfo {
  baseOffset: number;
  lastOffset: number;
  /** Total bytes: LOG_OVERHEAD + batchLength. */
  size: number;
  partitionLeaderEpoch: number;
  attributes: number;
  maxTimestamp: number;
  producerId: number;
  producerEpoch: number;
  baseSequence: number;
  lastOffsetDelta: number;
  recordCount: number;
}

/** Reads an int64 as a JS number without a BigInt allocation. */
export function readInt64(buf: Buffer, pos: number): number {
  return buf.readInt32BE(pos) * 0x1_0000_0000 + buf.readUInt32BE(pos + 4);
}

/** Writes a (safe-integer) number as an int64. */
export function writeInt64(buf: Buffer, value: number, pos: number): void {
  const hi = Math.floor(value / 0x1_0000_0000);
  buf.writeInt32BE(hi, pos);
  buf.writeUInt32BE(value - hi * 0x1_0000_0000, pos + 4);
}

export function readBatchInfo(buf: Buffer, pos: number): BatchInfo {
  const baseOffset = readInt64(buf, pos + BASE_OFFSET);
  const lastOffsetDelta = buf.readInt32BE(pos + LAST_OFFSET_DELTA);
  return {
    baseOffset,
    lastOffset: baseOffset + lastOffsetDelta,
    size: LOG_OVERHEAD + buf.readInt32BE(pos + BATCH_LENGTH),
    partitionLeaderEpoch: buf.readInt32BE(pos + PARTITION_LEADER_EPOCH),
    attributes: buf.readInt16BE(pos + ATTRIBUTES),
    maxTimestamp: readInt64(buf, pos + MAX_TIMESTAMP),
    producerId: readInt64(buf, pos + PRODUCER_ID),
    producerEpoch: buf.readInt16BE(pos + PRODUCER_EPOCH),
    baseSequence: buf.readInt32BE(pos + BASE_SEQUENCE),
    lastOffsetDelta,
    recordCount: buf.readInt32BE(pos + RECORD_COUNT),
  };
}

export const isTransactional = (b: BatchInfo): boolean => (b.attributes & TRANSACTIONAL_FLAG) !== 0;
export const isControl = (b: BatchInfo): boolean => (b.attributes & CONTROL_FLAG) !== 0;
export const isLogAppendTime = (b: BatchInfo): boolean => (b.attributes & TIMESTAMP_TYPE_LOG_APPEND) !== 0;

/** Why a batch cannot be accepted as-is (recovery truncates at the first one). */
export type BatchProblem = 'torn' | 'bad-length' | 'bad-magic' | 'bad-crc';

/**
 * Checks the framing of the batch at `pos` given `available` bytes from `pos`:
 * returns its size, or why it is unusable. `checkCrc` also verifies the CRC32C
 * over bytes 21..end (needs the whole batch in `buf`).
 */
export function checkBatch(buf: Buffer, pos: number, available: number, checkCrc: boolean): number | BatchProblem {
  if (available < BATCH_HEADER_SIZE) return 'torn';
  const batchLength = buf.readInt32BE(pos + BATCH_LENGTH);
  if (batchLength < BATCH_HEADER_SIZE - LOG_OVERHEAD) return 'bad-length';
  const size = LOG_OVERHEAD + batchLength;
  if (buf.readInt8(pos + MAGIC) !== 2) return 'bad-magic';
  if (buf.readInt32BE(pos + LAST_OFFSET_DELTA) < 0) return 'bad-length';
  if (size > available) return 'torn';
  if (checkCrc && crc32c(buf.subarray(pos + ATTRIBUTES, pos + size)) !== buf.readUInt32BE(pos + CRC)) return 'bad-crc';
  return size;
}

/** Kafka's sequence arithmetic: sequences wrap from Int32 max to 0. */
export function lastSequenceOf(b: BatchInfo): number {
  if (b.baseSequence < 0) return -1;
  const max = 0x7fffffff;
  return b.baseSequence > max - b.lastOffsetDelta ? b.lastOffsetDelta - (max - b.baseSequence) - 1 : b.baseSequence + b.lastOffsetDelta;
}
