import * as fc from 'fast-check';
import { compressFrameSync } from 'lz4-napi';
import { compressSync as snappyRaw } from 'snappy';
import { compress as zstdNative } from 'zstd-napi';
import { CompressStream } from 'zstd-napi';
import { ProtocolError } from '../primitives/protocol-error';
import { Codec, compress, decompress } from './compression';
import { lz4FrameCompress, rewriteDescriptorChecksum } from './lz4-frame';
import { xxhash32 } from './xxhash32';

const CODECS = [Codec.None, Codec.Gzip, Codec.Snappy, Codec.Lz4, Codec.Zstd] as const;

describe('compression', () => {
  it('round-trips every codec', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200_000 }), fc.constantFrom(...CODECS), (bytes, codec) => {
        const data = Buffer.from(bytes);
        expect(decompress(codec, compress(codec, data), data.length).equals(data)).toBe(true);
      }),
      { numRuns: 60 },
    );
  });

  it('round-trips compressible data larger than a block', () => {
    const data = Buffer.from('kafka '.repeat(200_000));
    for (const codec of CODECS) expect(decompress(codec, compress(codec, data), data.length).equals(data)).toBe(true);
  });

  it('refuses output over the limit for every codec (no zip bombs)', () => {
    const data = Buffer.alloc(5_000_000, 0x61);
    for (const codec of CODECS) {
      const packed = compress(codec, data);
      expect(() => decompress(codec, packed, 1_000_000)).toThrow(ProtocolError);
      expect(decompress(codec, packed, 5_000_000).length).toBe(5_000_000);
    }
  });

  it('rejects unknown codec ids', () => {
    expect(() => compress(5, Buffer.alloc(1))).toThrow(ProtocolError);
    expect(() => decompress(7, Buffer.alloc(1), 10)).toThrow(ProtocolError);
  });

  it('turns garbage into ProtocolError for every codec', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 0, maxLength: 300 }), fc.constantFrom(Codec.Gzip, Codec.Snappy, Codec.Lz4, Codec.Zstd), (bytes, codec) => {
        try {
          decompress(codec, Buffer.from(bytes), 1 << 20);
        } catch (e) {
          expect(e).toBeInstanceOf(ProtocolError);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('turns mutated and truncated compressed data into ProtocolError or some output', () => {
    const data = Buffer.from('the quick brown fox jumps over the lazy dog '.repeat(500));
    for (const codec of [Codec.Gzip, Codec.Snappy, Codec.Lz4, Codec.Zstd]) {
      const packed = compress(codec, data);
      fc.assert(
        fc.property(fc.nat(packed.length - 1), fc.integer({ min: 1, max: 255 }), fc.boolean(), (at, xor, truncate) => {
          const bad = Buffer.from(packed);
          const input = truncate ? bad.subarray(0, at) : bad;
          if (!truncate) bad[at] = bad[at]! ^ xor;
          try {
            const out = decompress(codec, input, 1 << 20);
            expect(out.length).toBeLessThanOrEqual(1 << 20);
          } catch (e) {
            expect(e).toBeInstanceOf(ProtocolError);
          }
        }),
        { numRuns: 200 },
      );
    }
  });

  it('decodes raw (unframed) snappy and writes xerial framing', () => {
    const data = Buffer.from('hello hello hello snappy');
    expect(decompress(Codec.Snappy, snappyRaw(data), 100).equals(data)).toBe(true);
    const framed = compress(Codec.Snappy, data);
    expect(framed.subarray(0, 8).equals(Buffer.from([0x82, 0x53, 0x4e, 0x41, 0x50, 0x50, 0x59, 0x00]))).toBe(true);
    expect(framed.readInt32BE(8)).toBe(1);
    expect(framed.readInt32BE(12)).toBe(1);
  });

  it('decodes a hand-built xerial stream with two blocks', () => {
    const a = Buffer.from('first block ');
    const b = Buffer.from('second block');
    const ca = snappyRaw(a);
    const cb = snappyRaw(b);
    const header = Buffer.from([0x82, 0x53, 0x4e, 0x41, 0x50, 0x50, 0x59, 0x00, 0, 0, 0, 1, 0, 0, 0, 1]);
    const len = (n: number): Buffer => {
      const l = Buffer.alloc(4);
      l.writeInt32BE(n);
      return l;
    };
    const stream = Buffer.concat([header, len(ca.length), ca, len(cb.length), cb]);
    expect(decompress(Codec.Snappy, stream, 100).toString()).toBe('first block second block');
    expect(() => decompress(Codec.Snappy, stream, 10)).toThrow(ProtocolError);
  });

  it('decodes zstd frames without a declared content size', () => {
    const data = Buffer.from('streamed by librdkafka '.repeat(10_000));
    const cs = new CompressStream();
    const parts: Buffer[] = [];
    cs.on('data', (c: Buffer) => parts.push(c));
    cs.write(data);
    cs.end();
    return new Promise<void>((resolve) => {
      cs.on('end', () => {
        const frame = Buffer.concat(parts);
        expect(decompress(Codec.Zstd, frame, data.length).equals(data)).toBe(true);
        expect(() => decompress(Codec.Zstd, frame, data.length - 1)).toThrow(ProtocolError);
        expect(() => decompress(Codec.Zstd, frame.subarray(0, frame.length - 3), data.length)).toThrow(ProtocolError);
        resolve();
      });
    });
  });

  it('decodes two concatenated zstd frames', () => {
    const frames = Buffer.concat([zstdNative(Buffer.from('abc')), zstdNative(Buffer.from('def'))]);
    expect(decompress(Codec.Zstd, frames, 6).toString()).toBe('abcdef');
  });

  /** A zstd frame header: magic, then a descriptor with no content size and a window byte. */
  const zstdFrameStart = (windowDescriptor: number, descriptor = 0): Buffer => Buffer.from([0x28, 0xb5, 0x2f, 0xfd, descriptor, windowDescriptor]);
  /** A 3-byte zstd block header. */
  const zstdBlock = (type: number, size: number, last: boolean): Buffer => {
    const b = Buffer.alloc(3);
    b.writeUIntLE((size << 3) | (type << 1) | (last ? 1 : 0), 0, 3);
    return b;
  };

  it('refuses a zstd bomb from its block headers, before decoding anything', () => {
    // 4,000 RLE blocks of 128 KiB (500 MiB of output) in 16 KB of input.
    const blocks: Buffer[] = [];
    for (let i = 0; i < 4000; i++) blocks.push(zstdBlock(1, 128 * 1024, i === 3999), Buffer.from([0x41]));
    const bomb = Buffer.concat([zstdFrameStart(0x38), ...blocks]); // window 2^(10+7) = 128 KiB
    expect(() => decompress(Codec.Zstd, bomb, 1 << 20)).toThrow(/exceeds the limit of 1048576 bytes/);
    // Within its limit the same frame decodes, so the refusal above was the limit's.
    const small = Buffer.concat([zstdFrameStart(0x38), zstdBlock(1, 5, false), Buffer.from([0x41]), zstdBlock(0, 3, true), Buffer.from('xyz')]);
    expect(decompress(Codec.Zstd, small, 8).toString()).toBe('AAAAAxyz');
  });

  it('refuses zstd frames that need a dictionary, a window over the limit, or a reserved block type', () => {
    const rawBlock = Buffer.concat([zstdBlock(0, 1, true), Buffer.from('x')]);
    // Dictionary_ID_flag 1, dictionary id 7.
    expect(() => decompress(Codec.Zstd, Buffer.concat([zstdFrameStart(0x38, 0x01), Buffer.from([7]), rawBlock]), 100)).toThrow(/dictionary/);
    // Window 2^(10+21) = 2 GiB, over the 128 MiB zstd allows by default.
    expect(() => decompress(Codec.Zstd, Buffer.concat([zstdFrameStart(21 << 3), rawBlock]), 100)).toThrow(/window/);
    expect(() => decompress(Codec.Zstd, Buffer.concat([zstdFrameStart(0x38), zstdBlock(3, 1, true), Buffer.from('x')]), 100)).toThrow(ProtocolError);
    expect(decompress(Codec.Zstd, Buffer.concat([zstdFrameStart(0x38), rawBlock]), 100).toString()).toBe('x');
  });

  it('skips skippable zstd frames', () => {
    const skippable = Buffer.from([0x50, 0x2a, 0x4d, 0x18, 3, 0, 0, 0, 1, 2, 3]);
    expect(decompress(Codec.Zstd, Buffer.concat([skippable, zstdNative(Buffer.from('after'))]), 5).toString()).toBe('after');
  });

  it('decodes zstd the same whether the native or the bounded streaming decoder runs', () => {
    // A limit of exactly the output size is below the block-header bound of
    // any frame with a short compressed block, so it takes the streaming path;
    // a generous limit takes the native one.
    fc.assert(
      fc.property(fc.array(fc.constantFrom('kafka ', 'broker ', 'record ', 'x', '\n'), { maxLength: 60_000 }), fc.boolean(), (words, streamed) => {
        const data = Buffer.from(words.join(''));
        // Weir's own encoder streams (no content size); zstd-napi's one-shot declares it.
        const frame = streamed ? compress(Codec.Zstd, data) : zstdNative(data);
        const viaNative = decompress(Codec.Zstd, frame, 64 << 20);
        const viaStreaming = decompress(Codec.Zstd, frame, data.length);
        expect(viaNative.equals(data)).toBe(true);
        expect(viaStreaming.equals(data)).toBe(true);
      }),
      { numRuns: 40 },
    );
  });

  it('writes standard LZ4 frames (independent blocks) with a correct header checksum', () => {
    const frame = lz4FrameCompress(Buffer.from('x'.repeat(1000)));
    expect(frame.readUInt32LE(0)).toBe(0x184d2204);
    expect(frame[4]! & 0xc0).toBe(0x40); // version 1
    expect(frame[4]! & 0x20).toBe(0x20); // independent blocks: Kafka's Java reader needs them
    const native = compressFrameSync(Buffer.from('x'.repeat(1000)));
    const copy = Buffer.from(native);
    rewriteDescriptorChecksum(copy, false);
    expect(copy.equals(native)).toBe(true);
  });

  it('reads LZ4 frames carrying the KAFKA-3160 header checksum', () => {
    const data = Buffer.from('magic zero lz4 '.repeat(100));
    const broken = compress(Codec.Lz4, data, { legacyLz4Checksum: true });
    const good = compress(Codec.Lz4, data);
    expect(broken[6]).not.toBe(good[6]);
    expect(decompress(Codec.Lz4, broken, data.length).equals(data)).toBe(true);
  });

  it('decodes LZ4 frames with content size, checksums and linked blocks (hand-built)', () => {
    // One frame, FLG = version 1 | block checksum | content size | content checksum, linked blocks.
    // Block 1 literal "abcd"; block 2 a pure back-reference into block 1 ("abcdabcd").
    const header = Buffer.from([0x04, 0x22, 0x4d, 0x18, 0x40 | 0x10 | 0x08 | 0x04, 0x40, 12, 0, 0, 0, 0, 0, 0, 0, 0]);
    const block1 = Buffer.from([0x40, 0x61, 0x62, 0x63, 0x64]); // 4 literals, end of block
    const block2 = Buffer.from([0x04, 0x04, 0x00, 0x00]); // 0 literals, offset 4, match 8, then empty literal run
    const size = (n: number): Buffer => {
      const b = Buffer.alloc(4);
      b.writeUInt32LE(n);
      return b;
    };
    const frame = Buffer.concat([header, size(block1.length), block1, Buffer.alloc(4), size(block2.length), block2, Buffer.alloc(4), Buffer.alloc(4), Buffer.alloc(4)]);
    expect(decompress(Codec.Lz4, frame, 100).toString()).toBe('abcdabcdabcd');
  });

  it('computes xxhash32 like the reference', () => {
    expect(xxhash32(Buffer.alloc(0))).toBe(0x02cc5d05);
    expect(xxhash32(Buffer.from('a'))).toBe(0x550d7456);
    expect(xxhash32(Buffer.from('abc'))).toBe(0x32d153ff);
    expect(xxhash32(Buffer.from('Nobody inspects the spammish repetition'))).toBe(0xe2293b2f);
  });
});
