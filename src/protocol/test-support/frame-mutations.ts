/**
 * Deterministic ways to damage a valid frame, for fuzzing decoders: the
 * kinds of corruption that trip length and varint handling, not just noise.
 */

/** A small seeded PRNG (mulberry32), so a failing mutant can be reproduced. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export type Mutation = (frame: Buffer, random: () => number) => Buffer;

const at = (frame: Buffer, random: () => number): number => Math.floor(random() * frame.length);

/** Overwrites bytes at `pos` (clipped to the frame) with `bytes`. */
function overwrite(frame: Buffer, pos: number, bytes: Buffer): Buffer {
  const out = Buffer.from(frame);
  bytes.copy(out, pos, 0, Math.min(bytes.length, out.length - pos));
  return out;
}

export const MUTATIONS: Readonly<Record<string, Mutation>> = {
  flipBits: (f, r) => {
    const out = Buffer.from(f);
    if (out.length === 0) return out;
    const n = 1 + Math.floor(r() * 3);
    for (let i = 0; i < n; i++) out[at(f, r)]! ^= 1 << Math.floor(r() * 8);
    return out;
  },
  randomByte: (f, r) => {
    const out = Buffer.from(f);
    if (out.length > 0) out[at(f, r)] = Math.floor(r() * 256);
    return out;
  },
  // A huge int32 where an array, bytes or records length may be.
  hugeInt32: (f, r) => overwrite(f, at(f, r), Buffer.from([0x7f, 0xff, 0xff, 0xff])),
  negativeInt32: (f, r) => overwrite(f, at(f, r), Buffer.from([0xff, 0xff, 0xff, 0xfe])),
  // A huge int16 where a classic string length may be.
  hugeInt16: (f, r) => overwrite(f, at(f, r), Buffer.from([0x7f, 0xff])),
  // A maximal 5-byte uvarint where a compact length or tag count may be.
  hugeUvarint: (f, r) => overwrite(f, at(f, r), Buffer.from([0xff, 0xff, 0xff, 0xff, 0x07])),
  // Continuation bits that never stop: an overlong varint.
  overlongVarint: (f, r) => {
    const pos = at(f, r);
    return Buffer.concat([f.subarray(0, pos), Buffer.alloc(11, 0xff), f.subarray(pos)]);
  },
  truncateTail: (f, r) => f.subarray(0, at(f, r)),
  duplicateSpan: (f, r) => {
    const pos = at(f, r);
    return Buffer.concat([f.subarray(0, pos), f.subarray(pos, pos + 8), f.subarray(pos)]);
  },
};
