import * as fc from 'fast-check';
import { ProtocolError } from '../primitives/protocol-error';
import { Codec } from './compression';
import { encodeEndTxnMarkerBatch, ControlRecordType } from './control-record';
import { containsZstdBatch, downConvertBatches, upConvertMessageSet } from './convert';
import { LegacyMagic, decodeMessageSet, encodeMessageSet } from './message-set';
import { decodeRecordBatch, encodeRecordBatch } from './record-batch';

const LEGACY_CODECS = [Codec.None, Codec.Gzip, Codec.Snappy, Codec.Lz4] as const;
const bytesOrNull = fc.option(fc.uint8Array({ maxLength: 30 }).map((a) => Buffer.from(a)), { nil: null });
const rowArb = fc.record({ key: bytesOrNull, value: bytesOrNull, timestamp: fc.bigInt({ min: 0n, max: 2n ** 45n }) });

describe('up-conversion (Produce v0–2)', () => {
  it('turns a legacy set into one v2 batch, keeping data, timestamps and codec, reassigning offsets', () => {
    fc.assert(
      fc.property(fc.array(rowArb, { minLength: 1, maxLength: 10 }), fc.constantFrom<LegacyMagic>(0, 1), fc.constantFrom(...LEGACY_CODECS), (rows, magic, codec) => {
        // Producers put arbitrary offsets in; the broker ignores them.
        const set = encodeMessageSet(rows.map((r, i) => ({ ...r, offset: BigInt(i * 7) })), { magic, compression: codec });
        const up = upConvertMessageSet(set, { baseOffset: 500n });
        expect(up.recordCount).toBe(rows.length);
        expect(up.compression).toBe(codec);
        const batch = decodeRecordBatch(up.batch);
        expect(batch.compression).toBe(codec);
        expect(batch.header.lastOffsetDelta).toBe(rows.length - 1);
        expect(batch.records.map((r) => [r.offset, r.timestamp, r.key, r.value])).toEqual(
          rows.map((r, i) => [500n + BigInt(i), magic === 0 ? -1n : r.timestamp, r.key, r.value]),
        );
      }),
      { numRuns: 100 },
    );
  });

  it('collects several wrappers into one batch with the last wrapper codec', () => {
    const a = encodeMessageSet([{ offset: 0n, timestamp: 1n, key: null, value: Buffer.from('a') }], { magic: 1, compression: Codec.Gzip });
    const b = encodeMessageSet([{ offset: 0n, timestamp: 2n, key: null, value: Buffer.from('b') }], { magic: 1, compression: Codec.Snappy });
    const up = upConvertMessageSet(Buffer.concat([a, b]));
    expect(up.compression).toBe(Codec.Snappy);
    expect(decodeRecordBatch(up.batch).records.map((r) => r.value!.toString())).toEqual(['a', 'b']);
  });

  it('throws ProtocolError for a truncated produced set', () => {
    const set = encodeMessageSet([{ offset: 0n, key: null, value: Buffer.from('abc') }], { magic: 0 });
    expect(() => upConvertMessageSet(set.subarray(0, set.length - 1))).toThrow(ProtocolError);
  });
});

describe('down-conversion (Fetch v0–3)', () => {
  it('keeps offsets, keys, values and codecs; drops headers and control batches', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.array(rowArb, { minLength: 1, maxLength: 6 }), fc.constantFrom(...LEGACY_CODECS)), { minLength: 1, maxLength: 4 }),
        fc.constantFrom<LegacyMagic>(0, 1),
        (batches, magic) => {
          let next = 40n;
          const stored: Buffer[] = [];
          const expected: [bigint, bigint, Buffer | null, Buffer | null][] = [];
          for (const [rows, codec] of batches) {
            stored.push(
              encodeRecordBatch(
                rows.map((r) => ({ ...r, headers: [{ key: 'dropped', value: null }] })),
                { baseOffset: next, compression: codec },
              ),
            );
            rows.forEach((r, i) => expected.push([next + BigInt(i), magic === 0 ? -1n : r.timestamp, r.key, r.value]));
            next += BigInt(rows.length);
            stored.push(encodeEndTxnMarkerBatch(ControlRecordType.Commit, { producerId: 1n, producerEpoch: 0, coordinatorEpoch: 0, timestamp: 0n, baseOffset: next }));
            next += 1n;
          }
          const legacy = downConvertBatches(Buffer.concat(stored), magic);
          const decoded = decodeMessageSet(legacy, { mode: 'fetch' });
          expect(decoded.records.every((r) => r.magic === magic)).toBe(true);
          expect(decoded.records.map((r) => [r.offset, r.timestamp, r.key, r.value])).toEqual(expected);
          expect(decoded.entries.map((e) => e.codec)).toEqual(
            batches.flatMap(([rows, codec]) => (codec === Codec.None ? rows.map(() => Codec.None) : [codec])),
          );
        },
      ),
      { numRuns: 80 },
    );
  });

  it('keeps offsets across a gap (compacted batch) in a compressed v1 wrapper', () => {
    const batch = encodeRecordBatch(
      [
        { offsetDelta: 0, value: Buffer.from('a'), timestamp: 1n },
        { offsetDelta: 5, value: Buffer.from('b'), timestamp: 2n },
      ],
      { baseOffset: 100n, compression: Codec.Lz4 },
    );
    const legacy = downConvertBatches(batch, 1);
    expect(decodeMessageSet(legacy, { mode: 'fetch' }).records.map((r) => r.offset)).toEqual([100n, 105n]);
  });

  it('drops uncompressed records below the fetch offset', () => {
    const batch = encodeRecordBatch([{ value: Buffer.from('a') }, { value: Buffer.from('b') }, { value: Buffer.from('c') }], { baseOffset: 10n });
    const legacy = downConvertBatches(batch, 0, { firstOffset: 11n });
    expect(decodeMessageSet(legacy, { mode: 'fetch' }).records.map((r) => r.offset)).toEqual([11n, 12n]);
  });

  it('carries LogAppendTime into magic 1', () => {
    const batch = encodeRecordBatch([{ value: Buffer.from('a'), timestamp: 1n }], { timestampType: 'log-append', logAppendTime: 77n });
    const [rec] = decodeMessageSet(downConvertBatches(batch, 1), { mode: 'fetch' }).records;
    expect([rec!.timestamp, rec!.timestampType]).toEqual([77n, 'log-append']);
  });

  it('ignores a partial trailing batch and refuses zstd', () => {
    const a = encodeRecordBatch([{ value: Buffer.from('a') }]);
    const b = encodeRecordBatch([{ value: Buffer.from('b') }], { baseOffset: 1n });
    const legacy = downConvertBatches(Buffer.concat([a, b.subarray(0, 30)]), 1);
    expect(decodeMessageSet(legacy, { mode: 'fetch' }).records).toHaveLength(1);
    const z = encodeRecordBatch([{ value: Buffer.from('z') }], { compression: Codec.Zstd });
    expect(containsZstdBatch(Buffer.concat([a, z]))).toBe(true);
    expect(containsZstdBatch(a)).toBe(false);
    expect(() => downConvertBatches(z, 1)).toThrow(ProtocolError);
  });

  it('round-trips v2 -> legacy -> v2 with the same records', () => {
    const original = encodeRecordBatch(
      [
        { key: Buffer.from('k1'), value: Buffer.from('v1'), timestamp: 10n },
        { key: null, value: Buffer.from('v2'), timestamp: 12n },
      ],
      { compression: Codec.Gzip },
    );
    const back = decodeRecordBatch(upConvertMessageSet(downConvertBatches(original, 1)).batch);
    expect(back.records).toEqual(decodeRecordBatch(original).records);
    expect(back.compression).toBe(Codec.Gzip);
  });
});
