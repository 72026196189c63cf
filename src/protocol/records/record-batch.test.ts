import * as fc from 'fast-check';
import { ProtocolError } from '../primitives/protocol-error';
import { BATCH_HEADER_SIZE, CRC, readBatchHeader } from './batch-header';
import { forEachBatch, iterateBatches } from './batch-iterator';
import { Codec } from './compression';
import { crc32Of, crc32cOf, verifyBatchCrc } from './crc';
import { RecordInput } from './record';
import { decodeRecordBatch, decodeRecordBatches, encodeRecordBatch } from './record-batch';

const CODECS = [Codec.None, Codec.Gzip, Codec.Snappy, Codec.Lz4, Codec.Zstd] as const;

const bytesOrNull = fc.option(fc.uint8Array({ maxLength: 64 }).map((a) => Buffer.from(a)), { nil: null });
const recordArb: fc.Arbitrary<RecordInput> = fc.record({
  key: bytesOrNull,
  value: bytesOrNull,
  headers: fc.array(fc.record({ key: fc.string({ maxLength: 10 }), value: bytesOrNull }), { maxLength: 3 }),
  timestamp: fc.bigInt({ min: -1n, max: 2n ** 50n }),
});

/** A one-record batch written field by field from the Kafka format description. */
function handBuiltBatch(): Buffer {
  const record = Buffer.from([
    0x10, // length 8, zig-zag
    0x00, // attributes
    0x00, // timestampDelta 0
    0x00, // offsetDelta 0
    0x02, 0x6b, // key length 1, "k"
    0x02, 0x76, // value length 1, "v"
    0x00, // no headers
  ]);
  const b = Buffer.alloc(BATCH_HEADER_SIZE + record.length);
  b.writeBigInt64BE(0n, 0); // baseOffset
  b.writeInt32BE(b.length - 12, 8); // batchLength
  b.writeInt32BE(-1, 12); // partitionLeaderEpoch
  b.writeInt8(2, 16); // magic
  b.writeInt16BE(0, 21); // attributes
  b.writeInt32BE(0, 23); // lastOffsetDelta
  b.writeBigInt64BE(1000n, 27); // baseTimestamp
  b.writeBigInt64BE(1000n, 35); // maxTimestamp
  b.writeBigInt64BE(-1n, 43); // producerId
  b.writeInt16BE(-1, 51); // producerEpoch
  b.writeInt32BE(-1, 53); // baseSequence
  b.writeInt32BE(1, 57); // recordCount
  record.copy(b, 61);
  b.writeUInt32BE(crc32cOf(b, 21), 17);
  return b;
}

function stripOffsets(rs: RecordInput[]): unknown[] {
  return rs.map((r) => ({ key: r.key ?? null, value: r.value ?? null, headers: r.headers ?? [], timestamp: r.timestamp }));
}

describe('CRC', () => {
  it('matches the standard check values', () => {
    const check = Buffer.from('123456789');
    expect(crc32cOf(check)).toBe(0xe3069283);
    expect(crc32Of(check)).toBe(0xcbf43926);
  });
});

describe('RecordBatch v2', () => {
  it('decodes a hand-built batch and encodes the same bytes', () => {
    const fixture = handBuiltBatch();
    expect(verifyBatchCrc(fixture)).toBe(true);
    const batch = decodeRecordBatch(fixture);
    expect(batch.header.recordCount).toBe(1);
    expect(batch.records).toEqual([
      { offset: 0n, offsetDelta: 0, timestamp: 1000n, timestampDelta: 0n, key: Buffer.from('k'), value: Buffer.from('v'), headers: [] },
    ]);
    const encoded = encodeRecordBatch([{ key: Buffer.from('k'), value: Buffer.from('v'), timestamp: 1000n }]);
    expect(encoded.toString('hex')).toBe(fixture.toString('hex'));
  });

  it('round-trips records with every codec', () => {
    fc.assert(
      fc.property(fc.array(recordArb, { minLength: 1, maxLength: 20 }), fc.constantFrom(...CODECS), fc.bigInt({ min: 0n, max: 2n ** 40n }), (records, codec, baseOffset) => {
        const buf = encodeRecordBatch(records, { compression: codec, baseOffset, producerId: 7n, producerEpoch: 3, baseSequence: 11 });
        expect(verifyBatchCrc(buf)).toBe(true);
        const batch = decodeRecordBatch(buf);
        expect(batch.compression).toBe(codec);
        expect(batch.header.baseOffset).toBe(Number(baseOffset));
        expect(batch.header.lastOffsetDelta).toBe(records.length - 1);
        expect(batch.header.producerId).toBe(7);
        expect(batch.header.baseSequence).toBe(11);
        const max = records.reduce((m, r) => (r.timestamp! > m ? r.timestamp! : m), -1n);
        expect(batch.header.maxTimestamp).toBe(Number(max));
        expect(batch.records.map((r) => r.offset)).toEqual(records.map((_, i) => baseOffset + BigInt(i)));
        expect(stripOffsets(batch.records)).toEqual(stripOffsets(records));
      }),
      { numRuns: 150 },
    );
  });

  it('gives LogAppendTime batches the append time on every record', () => {
    const buf = encodeRecordBatch([{ value: Buffer.from('a'), timestamp: 5n }], { timestampType: 'log-append', logAppendTime: 99n });
    const batch = decodeRecordBatch(buf);
    expect(batch.timestampType).toBe('log-append');
    expect(batch.records[0]!.timestamp).toBe(99n);
  });

  it('detects any single-byte change through the CRC', () => {
    const buf = encodeRecordBatch([{ key: Buffer.from('key'), value: Buffer.from('value'), timestamp: 1n }]);
    for (let i = 21; i < buf.length; i++) {
      const bad = Buffer.from(buf);
      bad[i] = bad[i]! ^ 0x01;
      expect(verifyBatchCrc(bad)).toBe(false);
      expect(() => decodeRecordBatch(bad)).toThrow(ProtocolError);
    }
    // baseOffset and partitionLeaderEpoch are outside the CRC on purpose.
    const moved = Buffer.from(buf);
    moved.writeBigInt64BE(1234n, 0);
    expect(verifyBatchCrc(moved)).toBe(true);
  });

  it('throws only ProtocolError for truncated or mutated batches, CRC unchecked', () => {
    const buf = encodeRecordBatch([
      { key: Buffer.from('a'), value: Buffer.alloc(100, 1), headers: [{ key: 'h', value: Buffer.from('x') }], timestamp: 10n },
      { key: null, value: Buffer.from('b'), timestamp: 11n },
    ]);
    fc.assert(
      fc.property(fc.nat(buf.length - 1), fc.integer({ min: 1, max: 255 }), fc.nat(buf.length), (at, xor, cut) => {
        const bad = Buffer.from(buf);
        bad[at] = bad[at]! ^ xor;
        for (const input of [bad, buf.subarray(0, cut)]) {
          try {
            decodeRecordBatch(input, 0, { verifyCrc: false });
          } catch (e) {
            expect(e).toBeInstanceOf(ProtocolError);
          }
        }
      }),
      { numRuns: 1000 },
    );
  });

  it('rejects a batch whose compressed records would exceed the limit', () => {
    const buf = encodeRecordBatch([{ value: Buffer.alloc(1_000_000) }], { compression: Codec.Gzip });
    expect(() => decodeRecordBatch(buf, 0, { maxUncompressedBytes: 100_000 })).toThrow(ProtocolError);
  });

  it('rejects a record count that cannot fit the bytes, before looping', () => {
    const buf = encodeRecordBatch([{ value: Buffer.from('a') }]);
    buf.writeInt32BE(0x7fffffff, 57);
    expect(() => decodeRecordBatch(buf, 0, { verifyCrc: false })).toThrow(ProtocolError);
  });

  it('iterates concatenated batches and handles a partial tail', () => {
    const a = encodeRecordBatch([{ value: Buffer.from('1') }], { baseOffset: 0n });
    const b = encodeRecordBatch([{ value: Buffer.from('2') }, { value: Buffer.from('3') }], { baseOffset: 1n });
    const all = Buffer.concat([a, b]);
    const seen: number[] = [];
    forEachBatch(all, (loc) => seen.push(loc.position));
    expect(seen).toEqual([0, a.length]);
    const cut = all.subarray(0, all.length - 5);
    expect([...iterateBatches(cut, { allowPartialTail: true })].map((l) => l.header.baseOffset)).toEqual([0]);
    expect(() => [...iterateBatches(cut)]).toThrow(ProtocolError);
    expect(decodeRecordBatches(cut, { allowPartialTail: true })).toHaveLength(1);
    expect(decodeRecordBatches(all).map((x) => x.records.map((r) => r.offset))).toEqual([[0n], [1n, 2n]]);
    expect(readBatchHeader(all, a.length).crc).toBe(all.readUInt32BE(a.length + CRC));
  });

  it('iterator rejects a length below the header size instead of looping', () => {
    const buf = encodeRecordBatch([{ value: Buffer.from('x') }]);
    buf.writeInt32BE(0, 8);
    expect(() => [...iterateBatches(buf, { allowPartialTail: true })]).toThrow(ProtocolError);
  });
});
