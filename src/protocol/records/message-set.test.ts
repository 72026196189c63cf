import * as fc from 'fast-check';
import { crc32 } from '@node-rs/crc32';
import { ProtocolError } from '../primitives/protocol-error';
import { Codec, compress } from './compression';
import { LegacyMagic, decodeMessageSet, encodeMessageSet, readMessageSetEntries } from './message-set';

const LEGACY_CODECS = [Codec.None, Codec.Gzip, Codec.Snappy, Codec.Lz4] as const;
const bytesOrNull = fc.option(fc.uint8Array({ maxLength: 40 }).map((a) => Buffer.from(a)), { nil: null });

function message(offset: bigint, magic: LegacyMagic, attributes: number, timestamp: bigint, key: Buffer | null, value: Buffer | null): Buffer {
  const body = Buffer.concat([
    Buffer.from([magic, attributes]),
    magic === 1 ? Buffer.from(timestamp.toString(16).padStart(16, '0'), 'hex') : Buffer.alloc(0),
    int32(key?.length ?? -1),
    key ?? Buffer.alloc(0),
    int32(value?.length ?? -1),
    value ?? Buffer.alloc(0),
  ]);
  const head = Buffer.alloc(16);
  head.writeBigInt64BE(offset, 0);
  head.writeInt32BE(body.length + 4, 8);
  head.writeUInt32BE(crc32(body) >>> 0, 12);
  return Buffer.concat([head, body]);
}

function int32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeInt32BE(n);
  return b;
}

describe('legacy MessageSet', () => {
  it('decodes a hand-built magic 1 message and encodes the same bytes', () => {
    const fixture = message(5n, 1, 0, 42n, null, Buffer.from('hi'));
    expect(fixture.length).toBe(12 + 24);
    const decoded = decodeMessageSet(fixture, { mode: 'produce' });
    expect(decoded.records).toEqual([{ offset: 5n, magic: 1, timestamp: 42n, timestampType: 'create', key: null, value: Buffer.from('hi') }]);
    expect(encodeMessageSet([{ offset: 5n, timestamp: 42n, key: null, value: Buffer.from('hi') }], { magic: 1 }).equals(fixture)).toBe(true);
  });

  it('decodes a hand-built magic 1 gzip wrapper with relative inner offsets', () => {
    const inner = Buffer.concat([message(0n, 1, 0, 10n, null, Buffer.from('a')), message(1n, 1, 0, 11n, null, Buffer.from('b'))]);
    const wrapper = message(101n, 1, Codec.Gzip, 11n, null, compress(Codec.Gzip, inner));
    const decoded = decodeMessageSet(wrapper, { mode: 'produce' });
    expect(decoded.compression).toBe(Codec.Gzip);
    expect(decoded.records.map((r) => [r.offset, r.timestamp, r.value!.toString()])).toEqual([
      [100n, 10n, 'a'],
      [101n, 11n, 'b'],
    ]);
  });

  it('uses absolute inner offsets in magic 0 wrappers', () => {
    const inner = Buffer.concat([message(7n, 0, 0, 0n, null, Buffer.from('a')), message(8n, 0, 0, 0n, null, Buffer.from('b'))]);
    const wrapper = message(8n, 0, Codec.Snappy, 0n, null, compress(Codec.Snappy, inner));
    expect(decodeMessageSet(wrapper, { mode: 'produce' }).records.map((r) => [r.offset, r.timestamp])).toEqual([
      [7n, -1n],
      [8n, -1n],
    ]);
  });

  it('gives inner records the wrapper timestamp under LogAppendTime', () => {
    const set = encodeMessageSet(
      [
        { offset: 3n, timestamp: 1n, key: null, value: Buffer.from('x') },
        { offset: 4n, timestamp: 2n, key: null, value: Buffer.from('y') },
      ],
      { magic: 1, compression: Codec.Lz4, timestampType: 'log-append', logAppendTime: 500n },
    );
    expect(decodeMessageSet(set, { mode: 'produce' }).records.map((r) => [r.offset, r.timestamp, r.timestampType])).toEqual([
      [3n, 500n, 'log-append'],
      [4n, 500n, 'log-append'],
    ]);
  });

  it('round-trips both magics with every legacy codec, offsets included', () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ key: bytesOrNull, value: bytesOrNull, timestamp: fc.bigInt({ min: 0n, max: 2n ** 45n }), gap: fc.integer({ min: 1, max: 3 }) }), { minLength: 1, maxLength: 10 }),
        fc.constantFrom<LegacyMagic>(0, 1),
        fc.constantFrom(...LEGACY_CODECS),
        (rows, magic, codec) => {
          let offset = 1000n;
          const records = rows.map((r) => ({ offset: (offset += BigInt(r.gap)), timestamp: r.timestamp, key: r.key, value: r.value }));
          const set = encodeMessageSet(records, { magic, compression: codec });
          const decoded = decodeMessageSet(set, { mode: 'produce' });
          expect(decoded.records.map((r) => ({ offset: r.offset, timestamp: r.timestamp, key: r.key, value: r.value }))).toEqual(
            records.map((r) => ({ ...r, timestamp: magic === 0 ? -1n : r.timestamp })),
          );
        },
      ),
      { numRuns: 150 },
    );
  });

  it('stops quietly at a partial trailing message in fetched data, refuses it in produce', () => {
    const set = encodeMessageSet(
      [
        { offset: 0n, key: null, value: Buffer.from('one') },
        { offset: 1n, key: null, value: Buffer.from('two') },
      ],
      { magic: 0 },
    );
    for (let cut = 1; cut < set.length / 2; cut++) {
      const partial = set.subarray(0, set.length - cut);
      expect(decodeMessageSet(partial, { mode: 'fetch' }).records).toHaveLength(1);
      expect(() => decodeMessageSet(partial, { mode: 'produce' })).toThrow(ProtocolError);
    }
  });

  it('detects CRC mismatches', () => {
    const set = encodeMessageSet([{ offset: 0n, key: Buffer.from('k'), value: Buffer.from('v') }], { magic: 1 });
    set[set.length - 1] = set[set.length - 1]! ^ 1;
    expect(() => readMessageSetEntries(set, { mode: 'produce' })).toThrow(ProtocolError);
  });

  it('throws only ProtocolError for mutated or truncated sets', () => {
    const set = encodeMessageSet(
      [
        { offset: 0n, timestamp: 5n, key: Buffer.from('k'), value: Buffer.alloc(50, 2) },
        { offset: 1n, timestamp: 6n, key: null, value: Buffer.from('v') },
      ],
      { magic: 1, compression: Codec.Gzip },
    );
    fc.assert(
      fc.property(fc.nat(set.length - 1), fc.integer({ min: 1, max: 255 }), fc.nat(set.length), fc.constantFrom<'fetch' | 'produce'>('fetch', 'produce'), (at, xor, cut, mode) => {
        const bad = Buffer.from(set);
        bad[at] = bad[at]! ^ xor;
        for (const input of [bad, set.subarray(0, cut)]) {
          try {
            decodeMessageSet(input, { mode, verifyCrc: false });
          } catch (e) {
            expect(e).toBeInstanceOf(ProtocolError);
          }
        }
      }),
      { numRuns: 500 },
    );
  });

  it('refuses zstd in legacy messages and compressed inner messages', () => {
    expect(() => encodeMessageSet([{ offset: 0n, key: null, value: null }], { magic: 1, compression: Codec.Zstd })).toThrow(ProtocolError);
    const zstdAttr = message(0n, 1, Codec.Zstd, 0n, null, Buffer.from('x'));
    expect(() => decodeMessageSet(zstdAttr, { mode: 'produce' })).toThrow(ProtocolError);
    const nested = message(0n, 1, Codec.Gzip, 0n, null, compress(Codec.Gzip, message(0n, 1, Codec.Gzip, 0n, null, Buffer.from('x'))));
    expect(() => decodeMessageSet(nested, { mode: 'produce' })).toThrow(ProtocolError);
  });
});
