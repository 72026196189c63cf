import {
  ATTRIBUTES,
  type BatchHeader,
  BATCH_HEADER_SIZE,
  BATCH_LENGTH,
  CONTROL_FLAG,
  CRC,
  LAST_OFFSET_DELTA,
  LOG_OVERHEAD,
  MAGIC,
  TIMESTAMP_TYPE_LOG_APPEND,
  TRANSACTIONAL_FLAG,
} from '../protocol/records/batch-header';
import { crc32c } from '../checksum/crc32c';

/**
 * What storage reads of a batch: the protocol's one numeric header view.
 * (The int64 helpers are the protocol's too, shared by the index files.)
 */
export type BatchInfo = BatchHeader;
export { readBatchHeader, readInt64, writeInt64 } from '../protocol/records/batch-header';

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
