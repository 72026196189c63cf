import { crc32 } from '../../checksum/crc32';
import { crc32c } from '../../checksum/crc32c';
import { ATTRIBUTES, BATCH_HEADER_SIZE, CRC, LOG_OVERHEAD, BATCH_LENGTH } from './batch-header';

/**
 * The two checksums Kafka's record formats use.
 *
 * RecordBatch v2 carries a CRC32C (Castagnoli) of everything from
 * `attributes` to the end of the batch, so the base offset and the partition
 * leader epoch can be rewritten by the broker without recomputing it.
 * Legacy messages (magic 0/1) carry an IEEE CRC32 of everything after the
 * crc field itself (magic, attributes, [timestamp], key, value).
 */

/** CRC32C of `buf[start, end)`, as an unsigned 32-bit number. */
export function crc32cOf(buf: Buffer, start = 0, end = buf.length): number {
  return crc32c(buf.subarray(start, end));
}

/** IEEE CRC32 of `buf[start, end)`, as an unsigned 32-bit number. */
export function crc32Of(buf: Buffer, start = 0, end = buf.length): number {
  return crc32(buf.subarray(start, end));
}

/**
 * The CRC32C a RecordBatch v2 at `pos` should carry, computed over the bytes
 * its own `batchLength` says it has. The caller must already know the whole
 * batch is inside `buf` (see `verifyBatchCrc`).
 */
export function computeBatchCrc(buf: Buffer, pos = 0): number {
  const end = pos + LOG_OVERHEAD + buf.readInt32BE(pos + BATCH_LENGTH);
  return crc32cOf(buf, pos + ATTRIBUTES, end);
}

/**
 * True when the batch at `pos` is complete inside `buf` and its stored CRC
 * matches. A batch whose length runs past the buffer, or is too short to hold
 * a header, is reported as not matching rather than throwing.
 */
export function verifyBatchCrc(buf: Buffer, pos = 0): boolean {
  if (pos < 0 || pos + BATCH_HEADER_SIZE > buf.length) return false;
  const size = LOG_OVERHEAD + buf.readInt32BE(pos + BATCH_LENGTH);
  if (size < BATCH_HEADER_SIZE || pos + size > buf.length) return false;
  return buf.readUInt32BE(pos + CRC) === crc32cOf(buf, pos + ATTRIBUTES, pos + size);
}

/** Recomputes and stores the CRC of the complete batch at `pos`. */
export function writeBatchCrc(buf: Buffer, pos = 0): void {
  buf.writeUInt32BE(computeBatchCrc(buf, pos), pos + CRC);
}
