/**
 * Test helper (not a test): builds RecordBatch v2 bytes with a correct
 * CRC32C, uncompressed, with real (minimal) records so timestamp lookups can
 * walk them. Independent of src/protocol/records on purpose.
 */
import { readSync } from 'node:fs';
import { crc32c } from '@node-rs/crc32';
import { isFileRegion, type RecordsChunk, type RecordsValue, releaseRecords } from '../protocol/primitives/records-value';
import { ATTRIBUTES, BATCH_HEADER_SIZE, CRC } from '../protocol/records/batch-header';
import { writeInt64 } from './batch-info';

export interface TestBatchOptions {
  records?: number;
  /** Timestamp of the first record; record i has timestamp + i * timestampStep. */
  timestamp?: number;
  timestampStep?: number;
  producerId?: number;
  producerEpoch?: number;
  baseSequence?: number;
  /** Bytes of value per record (padding, to make batches big). */
  valueSize?: number;
  attributes?: number;
  baseOffset?: number;
}

function zigzagVarint(n: number): number[] {
  let z = n >= 0 ? n * 2 : -n * 2 - 1;
  const out: number[] = [];
  while (z >= 0x80) {
    out.push((z % 128) | 0x80);
    z = Math.floor(z / 128);
  }
  out.push(z);
  return out;
}

export function makeBatch(o: TestBatchOptions = {}): Buffer {
  const count = o.records ?? 1;
  const ts = o.timestamp ?? 1_000;
  const step = o.timestampStep ?? 0;
  const valueSize = o.valueSize ?? 10;
  const records: Buffer[] = [];
  for (let i = 0; i < count; i++) {
    const body = Buffer.from([
      0, // attributes
      ...zigzagVarint(i * step), // timestamp delta
      ...zigzagVarint(i), // offset delta
      ...zigzagVarint(-1), // null key
      ...zigzagVarint(valueSize),
      ...Buffer.alloc(valueSize, 0x61 + (i % 26)),
      ...zigzagVarint(0), // no headers
    ]);
    records.push(Buffer.concat([Buffer.from(zigzagVarint(body.length)), body]));
  }
  const payload = Buffer.concat(records);
  const buf = Buffer.alloc(BATCH_HEADER_SIZE + payload.length);
  writeInt64(buf, o.baseOffset ?? 0, 0);
  buf.writeInt32BE(buf.length - 12, 8);
  buf.writeInt32BE(-1, 12);
  buf.writeInt8(2, 16);
  buf.writeInt16BE(o.attributes ?? 0, 21);
  buf.writeInt32BE(count - 1, 23);
  writeInt64(buf, ts, 27);
  writeInt64(buf, ts + (count - 1) * step, 35);
  writeInt64(buf, o.producerId ?? -1, 43);
  buf.writeInt16BE(o.producerEpoch ?? -1, 51);
  buf.writeInt32BE(o.baseSequence ?? -1, 53);
  buf.writeInt32BE(count, 57);
  payload.copy(buf, BATCH_HEADER_SIZE);
  buf.writeUInt32BE(crc32c(buf.subarray(ATTRIBUTES)), CRC);
  return buf;
}

/**
 * Reads a RecordsValue back into one Buffer (file regions through their fd)
 * and releases its file regions: a test that reads records owns them, as a
 * Fetch response does.
 */
export function collectRecords(v: RecordsValue | null): Buffer {
  if (v === null) return Buffer.alloc(0);
  const chunks: readonly RecordsChunk[] = Buffer.isBuffer(v) || isFileRegion(v) ? [v] : v;
  try {
    return Buffer.concat(
      chunks.map((c) => {
        if (Buffer.isBuffer(c)) return c;
        const b = Buffer.alloc(c.length);
        readSync(c.fd, b, 0, c.length, c.position);
        return b;
      }),
    );
  } finally {
    releaseRecords(v);
  }
}

/** Base offsets of the batches in a buffer of concatenated batches. */
export function batchBaseOffsets(buf: Buffer): number[] {
  const out: number[] = [];
  for (let p = 0; p < buf.length; p += 12 + buf.readInt32BE(p + 8)) out.push(Number(buf.readBigInt64BE(p)));
  return out;
}
