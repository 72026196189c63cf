/**
 * Weir's CRC32C against @node-rs/crc32, a separate implementation (Rust),
 * over random bytes of every size class the C code treats differently:
 * unaligned heads, 8-byte words, tails, and rounds of three 256-byte and
 * three 8 KiB parts. The addon's portable code is checked the same way,
 * though this machine's CPU may never choose it.
 */
import * as fs from 'node:fs';
import * as fc from 'fast-check';
import { crc32c as referenceCrc32c } from '@node-rs/crc32';
import { type NativeAddon, nativeAddon } from '../native/addon';
import { type Crc32c, crc32c, crc32cFor, crc32cMethod, nodeRsCrc32c } from './crc32c';

/** Random bytes that every case takes its input from, at any offset. */
const POOL = Buffer.alloc(80_000);
for (let i = 0; i < POOL.length; i++) POOL[i] = Math.floor(Math.random() * 256);

const addon = nativeAddon();

/** The implementations under test, by name. */
const IMPLEMENTATIONS: [string, Crc32c][] = [
  ['crc32c (what src/ uses)', crc32c],
  ['the @node-rs/crc32 fallback', nodeRsCrc32c],
  ...(addon === null
    ? []
    : ([
        [`the addon's ${addon.crc32cMethod} code`, addon.crc32c],
        ["the addon's portable code", addon.crc32cPortable],
      ] as [string, Crc32c][])),
];

/** Lengths at and around each boundary of the C code (8-byte words, rounds of 3 x 256 and 3 x 8192 bytes). */
const EDGE_LENGTHS = [
  ...Array.from({ length: 80 }, (_, i) => i),
  ...[767, 768, 769, 775, 776, 777, 1023, 1024, 1025, 1536, 1543, 1544],
  ...[24_575, 24_576, 24_577, 24_583, 24_584, 24_576 + 768, 24_576 + 775, 49_152, 49_160, 70_000],
];

test('the addon is loaded on Linux (`npm ci` builds it) and computes crc32c, with the CRC instruction on a CPU that has one', () => {
  expect(addon !== null).toBe(process.platform === 'linux');
  if (addon === null) return;
  expect(crc32c).toBe(addon.crc32c);
  expect(crc32cMethod).toBe(addon.crc32cMethod);
  if (process.arch === 'x64') {
    const sse42 = /\bsse4_2\b/.test(fs.readFileSync('/proc/cpuinfo', 'utf8'));
    expect(addon.crc32cMethod).toBe(sse42 ? 'sse4.2' : 'slice-by-8');
  }
});

describe.each(IMPLEMENTATIONS)('%s', (_name, crc) => {
  it('gives the published check values', () => {
    expect(crc(Buffer.from('123456789'))).toBe(0xe3069283);
    expect(crc(new Uint8Array(0))).toBe(0);
    // iSCSI's (RFC 3720, B.4): 32 bytes of 0x00, of 0xff, ascending, descending.
    expect(crc(Buffer.alloc(32))).toBe(0x8a9136aa);
    expect(crc(Buffer.alloc(32, 0xff))).toBe(0x62a8ab43);
    expect(crc(Buffer.from(Array.from({ length: 32 }, (_, i) => i)))).toBe(0x46dd794e);
    expect(crc(Buffer.from(Array.from({ length: 32 }, (_, i) => 31 - i)))).toBe(0x113fdb5c);
  });

  it('equals @node-rs/crc32 at every length around the boundaries of the C code, at each alignment', () => {
    for (const length of EDGE_LENGTHS) {
      for (let offset = 0; offset < 8; offset++) {
        const bytes = POOL.subarray(offset, offset + length);
        expect([length, offset, crc(bytes)]).toEqual([length, offset, referenceCrc32c(bytes)]);
      }
    }
  });

  it('equals @node-rs/crc32 on random lengths 0..70,000 at random offsets, continuing from random CRCs', () => {
    fc.assert(
      fc.property(fc.nat(70_000), fc.nat(9_999), fc.option(fc.nat(0xffffffff), { nil: undefined }), (length, offset, initial) => {
        const bytes = POOL.subarray(offset, offset + length);
        expect(crc(bytes, initial)).toBe(referenceCrc32c(bytes, initial));
      }),
      { numRuns: 300 },
    );
  });

  it('continues a CRC: the CRC of a then b is crc(b, crc(a))', () => {
    fc.assert(
      fc.property(fc.nat(30_000), fc.nat(30_000), (split, length) => {
        const whole = POOL.subarray(3, 3 + split + length);
        expect(crc(whole.subarray(split), crc(whole.subarray(0, split)))).toBe(crc(whole));
      }),
      { numRuns: 100 },
    );
  });

  it('reads the view it is given: a Buffer inside a shared pool, a plain Uint8Array over part of an ArrayBuffer', () => {
    const pooled = Buffer.from('123456789'); // small Buffers share one slab, at an offset
    expect(crc(pooled)).toBe(0xe3069283);
    const backing = new ArrayBuffer(64);
    const view = new Uint8Array(backing, 13, 9);
    view.set(Buffer.from('123456789'));
    expect(crc(view)).toBe(0xe3069283);
  });

  it('takes an initial CRC modulo 2^32, as @node-rs/crc32 does', () => {
    const bytes = POOL.subarray(0, 100);
    expect(crc(bytes, -1)).toBe(referenceCrc32c(bytes, 0xffffffff));
    expect(crc(bytes, 0xffffffff)).toBe(referenceCrc32c(bytes, 0xffffffff));
    expect(crc(new Uint8Array(0), 0x12345678)).toBe(0x12345678);
  });
});

describe('the choice of implementation', () => {
  it('is @node-rs/crc32 without the addon', () => {
    expect(crc32cFor(null)).toBe(nodeRsCrc32c);
  });

  it("is the addon's crc32c when there is one", () => {
    const fake = { crc32c: () => 7 } as unknown as NativeAddon;
    expect(crc32cFor(fake)(Buffer.from('x'))).toBe(7);
  });
});

(addon === null ? describe.skip : describe)('the addon', () => {
  it('refuses what is not a Uint8Array, rather than reading the wrong bytes', () => {
    const native = addon as NativeAddon;
    // (A TypeError, from Node's realm: not the test realm's TypeError, so matched by message.)
    expect(() => native.crc32c('123456789' as unknown as Uint8Array)).toThrow('bytes must be a Uint8Array or Buffer');
    expect(() => native.crc32c(new Uint16Array(4) as unknown as Uint8Array)).toThrow('bytes must be a Uint8Array or Buffer');
    expect(() => native.crc32c(Buffer.from('1'), '1' as unknown as number)).toThrow('initial must be a number');
  });
});
