/**
 * Walking the records of a batch without decoding them into objects: the
 * cleaner looks at every record twice (mapping, then filtering) and needs
 * only its offset delta, its key bytes and whether its value is null; a full
 * decode (BigInt offsets and timestamps, header strings, one object per
 * record) costs more than the MD5 of the key. Kept records are copied as the
 * raw bytes found here.
 */
import { BATCH_HEADER_SIZE, COMPRESSION_MASK, ATTRIBUTES } from '../../protocol/records/batch-header';
import { decompress } from '../../protocol/records/compression';
import type { BatchInfo } from '../batch-info';

/** One record in a records section (positions in that section). Reused between calls: copy what must outlive the visit. */
export interface RawRecord {
  /** Start of the record's length varint. */
  start: number;
  /** End of the record. */
  end: number;
  timestampDelta: number;
  offsetDelta: number;
  /** Start of the key length varint: key, value and headers run from here to `end` unchanged by any rewrite. */
  keySectionStart: number;
  keyStart: number;
  /** -1: null key. */
  keyLength: number;
  valueIsNull: boolean;
}

/** The batch's records section, decompressed when the batch is compressed. */
export function recordsSection(batch: Buffer, maxUncompressedBytes: number): Buffer {
  const body = batch.subarray(BATCH_HEADER_SIZE);
  const codec = batch.readInt16BE(ATTRIBUTES) & COMPRESSION_MASK;
  return codec === 0 ? body : decompress(codec, body, maxUncompressedBytes);
}

/** Calls `visit` for each of the batch's records, in order. Throws on malformed records. */
export function forEachRawRecord(data: Buffer, info: BatchInfo, visit: (r: RawRecord) => void): void {
  const cursor = new VarintCursor(data);
  const r: RawRecord = { start: 0, end: 0, timestampDelta: 0, offsetDelta: 0, keySectionStart: 0, keyStart: 0, keyLength: -1, valueIsNull: false };
  for (let i = 0; i < info.recordCount; i++) {
    r.start = cursor.pos;
    const length = cursor.varint();
    const bodyStart = cursor.pos;
    r.end = bodyStart + length;
    if (length < 6 || r.end > data.length) throw new Error(`record ${i} of the batch at offset ${info.baseOffset} has a bad length ${length}`);
    cursor.pos++; // attributes
    r.timestampDelta = cursor.varlong();
    r.offsetDelta = cursor.varint();
    r.keySectionStart = cursor.pos;
    r.keyLength = cursor.varint();
    r.keyStart = cursor.pos;
    if (r.keyLength > 0) cursor.pos += r.keyLength;
    r.valueIsNull = cursor.varint() < 0;
    if (cursor.pos > r.end) throw new Error(`record ${i} of the batch at offset ${info.baseOffset} overruns its length`);
    visit(r);
    cursor.pos = r.end;
  }
}

/** Zigzag varints / varlongs as numbers (timestamps and offsets stay below 2^53). */
class VarintCursor {
  pos = 0;
  constructor(private readonly buf: Buffer) {}

  varint(): number {
    let shift = 0;
    let n = 0;
    for (;;) {
      if (this.pos >= this.buf.length || shift > 28) throw new Error('malformed varint in a record');
      const b = this.buf[this.pos++] as number;
      n |= (b & 0x7f) << shift;
      if ((b & 0x80) === 0) break;
      shift += 7;
    }
    return (n >>> 1) ^ -(n & 1);
  }

  varlong(): number {
    let multiplier = 1;
    let n = 0;
    for (let i = 0; ; i++) {
      if (this.pos >= this.buf.length || i >= 10) throw new Error('malformed varlong in a record');
      const b = this.buf[this.pos++] as number;
      n += (b & 0x7f) * multiplier;
      if ((b & 0x80) === 0) break;
      multiplier *= 128;
    }
    return n % 2 === 0 ? n / 2 : -(n + 1) / 2;
  }
}
