import type * as Lz4Module from 'lz4-napi';
import { ProtocolError } from '../primitives/protocol-error';
import { BoundedOutput } from './output-buffer';
import { xxhash32 } from './xxhash32';

/**
 * LZ4 *frame* format (lz4_Frame_format.md), which is what Kafka's "lz4" codec
 * means in every record format.
 *
 * Encoding uses lz4-napi (standard frames: version 1, independent blocks,
 * which Kafka's Java reader requires). Decoding is done here, in TypeScript,
 * because the native decoder has no output limit: a few kilobytes of hostile
 * frame could otherwise expand to gigabytes. Our decoder writes into a
 * BoundedOutput and stops at its ceiling.
 *
 * The descriptor checksum (HC byte) is not verified on decode: Kafka's magic-0
 * producers wrote a wrong one (KAFKA-3160, computed over the magic number as
 * well), and the batch CRC already covers every compressed byte. Block and
 * content checksums are skipped for the same reason.
 */

/** The native encoder, loaded on first use: a broker that never writes lz4 never loads it (start-up time, memory). */
let lz4Module: typeof Lz4Module | undefined;
const lz4 = (): typeof Lz4Module => (lz4Module ??= require('lz4-napi') as typeof Lz4Module);
const FRAME_MAGIC = 0x184d2204;
const SKIPPABLE_MAGIC_MASK = 0xfffffff0;
const SKIPPABLE_MAGIC = 0x184d2a50;
const UNCOMPRESSED_BLOCK_BIT = 0x80000000;

const FLG_VERSION_MASK = 0xc0;
const FLG_VERSION_1 = 0x40;
const FLG_BLOCK_CHECKSUM = 0x10;
const FLG_CONTENT_SIZE = 0x08;
const FLG_CONTENT_CHECKSUM = 0x04;
const FLG_RESERVED = 0x02;
const FLG_DICT_ID = 0x01;

function corrupt(message: string): ProtocolError {
  return new ProtocolError('invalid-value', `lz4: ${message}`);
}

/** Compresses `data` into one standard LZ4 frame. */
export function lz4FrameCompress(data: Buffer, brokenMagic0Checksum = false): Buffer {
  const frame = lz4().compressFrameSync(data);
  if (brokenMagic0Checksum) rewriteDescriptorChecksum(frame, true);
  return frame;
}

/**
 * Rewrites the HC byte of the frame at the start of `frame`. With `broken`,
 * the checksum covers the magic number too, as Kafka 0.8/0.9 computed it and
 * as consumers of magic-0 messages still expect it.
 */
export function rewriteDescriptorChecksum(frame: Buffer, broken: boolean): void {
  const flg = frame[4]!;
  let end = 6;
  if (flg & FLG_CONTENT_SIZE) end += 8;
  if (flg & FLG_DICT_ID) end += 4;
  const hash = xxhash32(frame.subarray(broken ? 0 : 4, end));
  frame[end] = (hash >>> 8) & 0xff;
}

/** Decompresses one or more concatenated LZ4 frames, to at most `maxBytes`. */
export function lz4FrameDecompress(src: Buffer, maxBytes: number): Buffer {
  const out = new BoundedOutput(maxBytes, src.length * 4);
  let p = 0;
  if (src.length < 4) throw corrupt('input shorter than a frame magic');
  while (p < src.length) {
    if (p + 4 > src.length) throw corrupt('truncated frame magic');
    const magic = src.readUInt32LE(p);
    if ((magic & SKIPPABLE_MAGIC_MASK) >>> 0 === SKIPPABLE_MAGIC) {
      if (p + 8 > src.length) throw corrupt('truncated skippable frame');
      const n = src.readUInt32LE(p + 4);
      if (n > src.length - p - 8) throw corrupt('truncated skippable frame');
      p += 8 + n;
      continue;
    }
    if (magic !== FRAME_MAGIC) throw corrupt(`bad frame magic 0x${magic.toString(16)}`);
    p = decodeFrame(src, p + 4, out);
  }
  return out.result();
}

function decodeFrame(src: Buffer, start: number, out: BoundedOutput): number {
  let p = start;
  if (p + 3 > src.length) throw corrupt('truncated frame descriptor');
  const flg = src[p]!;
  const bd = src[p + 1]!;
  p += 2;
  if ((flg & FLG_VERSION_MASK) !== FLG_VERSION_1) throw corrupt('unsupported frame version');
  if (flg & FLG_RESERVED || bd & 0x8f) throw corrupt('reserved descriptor bits set');
  const blockSizeId = (bd >> 4) & 0x07;
  if (blockSizeId < 4) throw corrupt(`invalid block size id ${blockSizeId}`);
  const maxBlockSize = 1 << (8 + 2 * blockSizeId);
  if (flg & FLG_CONTENT_SIZE) p += 8;
  if (flg & FLG_DICT_ID) throw corrupt('dictionaries are not supported');
  p += 1; // HC, see the file comment
  const blockChecksum = (flg & FLG_BLOCK_CHECKSUM) !== 0;
  const frameStart = out.length;
  for (;;) {
    if (p + 4 > src.length) throw corrupt('truncated block size');
    const word = src.readUInt32LE(p);
    p += 4;
    if (word === 0) break;
    const size = (word & ~UNCOMPRESSED_BLOCK_BIT) >>> 0;
    if (size > maxBlockSize) throw corrupt(`block of ${size} bytes exceeds the frame maximum ${maxBlockSize}`);
    if (size > src.length - p) throw corrupt('truncated block');
    if (word & UNCOMPRESSED_BLOCK_BIT) {
      out.append(src, p, p + size);
    } else {
      decodeBlock(src, p, p + size, out, frameStart, maxBlockSize);
    }
    p += size + (blockChecksum ? 4 : 0);
  }
  if (flg & FLG_CONTENT_CHECKSUM) p += 4;
  if (p > src.length) throw corrupt('truncated frame end');
  return p;
}

/**
 * One LZ4 block (sequences of literals + back-references). Matches may reach
 * back into earlier blocks of the same frame (linked blocks), never before it.
 */
function decodeBlock(src: Buffer, start: number, end: number, out: BoundedOutput, frameStart: number, maxBlockSize: number): void {
  const blockEnd = out.length + maxBlockSize;
  let s = start;
  for (;;) {
    if (s >= end) throw corrupt('block ends without literals');
    const token = src[s++]!;
    let litLen = token >>> 4;
    if (litLen === 15) {
      let b: number;
      do {
        if (s >= end) throw corrupt('truncated literal length');
        b = src[s++]!;
        litLen += b;
      } while (b === 255);
    }
    if (litLen > end - s) throw corrupt('literals run past the block');
    if (out.length + litLen > blockEnd) throw corrupt('block decodes past its maximum size');
    out.append(src, s, s + litLen);
    s += litLen;
    if (s === end) return; // the last sequence carries literals only
    if (s + 2 > end) throw corrupt('truncated match offset');
    const offset = src[s]! | (src[s + 1]! << 8);
    s += 2;
    if (offset === 0 || offset > out.length - frameStart) throw corrupt(`invalid match offset ${offset}`);
    let matchLen = token & 0x0f;
    if (matchLen === 15) {
      let b: number;
      do {
        if (s >= end) throw corrupt('truncated match length');
        b = src[s++]!;
        matchLen += b;
      } while (b === 255);
    }
    matchLen += 4;
    if (out.length + matchLen > blockEnd) throw corrupt('block decodes past its maximum size');
    out.reserve(matchLen);
    const buf = out.bytes;
    let d = out.length;
    const from = d - offset;
    if (offset >= matchLen) {
      buf.copyWithin(d, from, from + matchLen);
    } else {
      // Overlapping copy: the match repeats bytes it is itself producing.
      for (let i = 0; i < matchLen; i++) buf[d + i] = buf[from + i]!;
    }
    d += matchLen;
    out.length = d;
  }
}
