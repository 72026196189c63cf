import * as fc from 'fast-check';
import { crc32 as referenceCrc32 } from '@node-rs/crc32';
import { crc32, crc32For, nodeRsCrc32 } from './crc32';

const POOL = Buffer.alloc(20_000);
for (let i = 0; i < POOL.length; i++) POOL[i] = Math.floor(Math.random() * 256);

describe.each([
  ['crc32 (what src/ uses)', crc32],
  ['the @node-rs/crc32 fallback', nodeRsCrc32],
])('%s', (_name, crc) => {
  it('gives the published check value', () => {
    expect(crc(Buffer.from('123456789'))).toBe(0xcbf43926);
    expect(crc(new Uint8Array(0))).toBe(0);
  });

  it('equals @node-rs/crc32 on random lengths at random offsets', () => {
    fc.assert(
      fc.property(fc.nat(10_000), fc.nat(9_999), (length, offset) => {
        const bytes = POOL.subarray(offset, offset + length);
        expect(crc(bytes)).toBe(referenceCrc32(bytes));
      }),
      { numRuns: 200 },
    );
  });
});

describe('the choice of implementation', () => {
  it("is zlib's where Node has zlib.crc32 (20.15 and later), @node-rs/crc32's before", () => {
    expect(crc32For(undefined)).toBe(nodeRsCrc32);
    expect(crc32For(() => 7)(Buffer.from('x'))).toBe(7);
  });
});
