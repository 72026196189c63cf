import { ATTRIBUTES, BASE_OFFSET, BASE_TIMESTAMP, BATCH_HEADER_SIZE, COMPRESSION_MASK, RECORD_COUNT } from '../protocol/records/batch-header';
import { readInt64 } from './batch-info';

/** Finds, in one whole batch, the first record whose timestamp is >= a target. */
export type RecordTimestampLocator = (batch: Buffer, targetTimestamp: number) => { offset: number; timestamp: number } | null;

/**
 * The built-in locator for uncompressed batches: walks the records' varint
 * prefixes (length, attributes, timestamp delta, offset delta) without
 * decoding keys or values. Returns undefined for compressed batches, which
 * need the records codec: the broker passes its own locator for those.
 */
export function firstRecordAtOrAfterUncompressed(batch: Buffer, target: number): { offset: number; timestamp: number } | null | undefined {
  if ((batch.readInt16BE(ATTRIBUTES) & COMPRESSION_MASK) !== 0) return undefined;
  const baseOffset = readInt64(batch, BASE_OFFSET);
  const baseTimestamp = readInt64(batch, BASE_TIMESTAMP);
  const count = batch.readInt32BE(RECORD_COUNT);
  let pos = BATCH_HEADER_SIZE;
  for (let i = 0; i < count && pos < batch.length; i++) {
    const length = readVarlong(batch, pos);
    const recordStart = length.next;
    let p = recordStart + 1; // attributes
    const tsDelta = readVarlong(batch, p);
    p = tsDelta.next;
    const offsetDelta = readVarlong(batch, p);
    const timestamp = baseTimestamp + tsDelta.value;
    if (timestamp >= target) return { offset: baseOffset + offsetDelta.value, timestamp };
    pos = recordStart + length.value;
  }
  return null;
}

/** A zigzag varlong as a JS number (exact below 2^53). */
function readVarlong(buf: Buffer, pos: number): { value: number; next: number } {
  let raw = 0;
  let scale = 1;
  let p = pos;
  for (;;) {
    const byte = buf[p++];
    if (byte === undefined) throw new RangeError('truncated varint');
    raw += (byte & 0x7f) * scale;
    if ((byte & 0x80) === 0) break;
    scale *= 128;
    if (scale > 2 ** 63) throw new RangeError('varint too long');
  }
  const value = raw % 2 === 0 ? raw / 2 : -(raw + 1) / 2;
  return { value, next: p };
}
