import type { Decoder, Encoder } from '@toondepauw/node-zstd';
import type * as FzstdModule from 'fzstd';
import { ProtocolError } from '../primitives/protocol-error';
import { BoundedOutput } from './output-buffer';

/**
 * Zstandard, bounded on decode.
 *
 * The native codec (@toondepauw/node-zstd: libzstd through N-API, shipped as
 * prebuilt binaries, so installing Weir compiles nothing) decodes a whole
 * input at once and cannot stop at a limit. So before it sees anything, the
 * frames are walked here, header by header and block by block (never byte by
 * byte): that checks the framing, refuses windows and declared sizes over the
 * limit, and gives an upper bound on the output, since a raw or RLE block
 * says exactly what it produces and a compressed block produces at most
 * min(window, 128 KiB) (libzstd enforces that bound). When the bound is
 * within the limit, which is every well-formed batch of ordinary data, the
 * native decoder runs and cannot overshoot. Otherwise (a "zip bomb", or
 * output within one block per frame of the limit) fzstd, a pure-JavaScript
 * decoder that streams block by block, decodes into a BoundedOutput that
 * fails as soon as the limit is passed.
 */
const MIN_WINDOW_LOG = 24; // 16 MiB: enough for every level's default window
const MAX_WINDOW_LOG = 27; // zstd's own default limit
const MAX_BLOCK = 128 * 1024;
const FRAME_MAGIC = 0xfd2fb528;
const SKIPPABLE_MAGIC_MASK = 0xfffffff0;
const SKIPPABLE_MAGIC = 0x184d2a50;
const ZSTD_LEVEL = 3; // zstd's default, as librdkafka and the Java client use

/** The codecs load on first use: a broker that never sees zstd never loads them (start-up time, memory). */
const nativeZstd = (): typeof import('@toondepauw/node-zstd') => require('@toondepauw/node-zstd') as typeof import('@toondepauw/node-zstd');
let encoder: Encoder | null = null;
let decoder: Decoder | null = null;

function corrupt(message: string): ProtocolError {
  return new ProtocolError('invalid-value', `zstd: ${message}`);
}

function overLimit(maxBytes: number): ProtocolError {
  return new ProtocolError('invalid-length', `decompressed data exceeds the limit of ${maxBytes} bytes`);
}

export function zstdCompress(data: Buffer): Buffer {
  return (encoder ??= new (nativeZstd().Encoder)(ZSTD_LEVEL)).encodeSync(data);
}

export function zstdDecompress(src: Buffer, maxBytes: number): Buffer {
  const windowLog = Math.min(MAX_WINDOW_LOG, Math.max(MIN_WINDOW_LOG, Math.ceil(Math.log2(Math.max(1, maxBytes)))));
  const bound = outputBound(src, maxBytes, 2 ** windowLog);
  if (bound <= maxBytes) {
    let out: Buffer;
    try {
      out = (decoder ??= new (nativeZstd().Decoder)()).decodeSync(src);
    } catch (e) {
      throw corrupt(e instanceof Error ? e.message : 'invalid frame');
    }
    // Cannot happen (the bound holds), but the limit is the contract.
    if (out.length > maxBytes) throw overLimit(maxBytes);
    return out;
  }
  return streamDecompress(src, maxBytes, bound);
}

/**
 * Walks every frame of `src` (zstd frames and skippable frames, as many as
 * are concatenated) and returns the most bytes decoding can produce. Throws
 * a ProtocolError for truncated or malformed framing, a dictionary (Kafka
 * never uses one), a window over `maxWindow`, or a declared content size
 * over `maxBytes`.
 */
export function outputBound(src: Buffer, maxBytes: number, maxWindow: number): number {
  if (src.length === 0) throw corrupt('empty input');
  let pos = 0;
  let bound = 0;
  while (pos < src.length) {
    if (pos + 4 > src.length) throw corrupt('truncated frame');
    const magic = src.readUInt32LE(pos);
    if ((magic & SKIPPABLE_MAGIC_MASK) >>> 0 === SKIPPABLE_MAGIC) {
      if (pos + 8 > src.length) throw corrupt('truncated skippable frame');
      pos += 8 + src.readUInt32LE(pos + 4);
      if (pos > src.length) throw corrupt('truncated skippable frame');
      continue;
    }
    if (magic !== FRAME_MAGIC) throw corrupt('unknown frame magic');
    pos += 4;
    const frame = readFrameHeader(src, pos, maxBytes, maxWindow);
    pos = frame.end;
    const blockMax = Math.min(frame.windowSize, MAX_BLOCK);
    for (let last = false; !last; ) {
      if (pos + 3 > src.length) throw corrupt('truncated block header');
      const header = src.readUIntLE(pos, 3);
      pos += 3;
      last = (header & 1) === 1;
      const type = (header >>> 1) & 3;
      const size = header >>> 3;
      if (type === 3) throw corrupt('reserved block type');
      if (size > blockMax) throw corrupt('block larger than the frame allows');
      if (type === 0) {
        bound += size; // raw: the bytes themselves
        pos += size;
      } else if (type === 1) {
        bound += size; // RLE: one byte, repeated `size` times
        pos += 1;
      } else {
        bound += blockMax; // compressed: at most one full block
        pos += size;
      }
      if (pos > src.length) throw corrupt('truncated block');
    }
    if (frame.checksum) {
      pos += 4;
      if (pos > src.length) throw corrupt('truncated checksum');
    }
  }
  return bound;
}

interface FrameHeader {
  /** Offset of the first block header. */
  readonly end: number;
  readonly windowSize: number;
  readonly checksum: boolean;
}

/** Reads the frame header that starts at `pos` (just after the magic number). */
function readFrameHeader(src: Buffer, pos: number, maxBytes: number, maxWindow: number): FrameHeader {
  if (pos >= src.length) throw corrupt('truncated frame header');
  const descriptor = src[pos]!;
  const fcsFlag = descriptor >>> 6;
  const singleSegment = (descriptor & 0x20) !== 0;
  if ((descriptor & 0x08) !== 0) throw corrupt('reserved bit set in the frame header');
  const checksum = (descriptor & 0x04) !== 0;
  const dictIdBytes = [0, 1, 2, 4][descriptor & 3]!;
  const fcsBytes = fcsFlag === 0 ? (singleSegment ? 1 : 0) : [0, 2, 4, 8][fcsFlag]!;
  const headerEnd = pos + 1 + (singleSegment ? 0 : 1) + dictIdBytes + fcsBytes;
  if (headerEnd > src.length) throw corrupt('truncated frame header');
  let p = pos + 1;
  let windowSize = 0;
  if (!singleSegment) {
    const wd = src[p++]!;
    const windowBase = 2 ** (10 + (wd >>> 3));
    windowSize = windowBase + (windowBase / 8) * (wd & 7);
  }
  if (dictIdBytes > 0) {
    if (src.readUIntLE(p, dictIdBytes) !== 0) throw corrupt('frame needs a dictionary');
    p += dictIdBytes;
  }
  let contentSize: number | null = null;
  if (fcsBytes === 8) {
    const big = src.readBigUInt64LE(p);
    contentSize = big > BigInt(Number.MAX_SAFE_INTEGER) ? Number.MAX_SAFE_INTEGER : Number(big);
  } else if (fcsBytes > 0) {
    contentSize = src.readUIntLE(p, fcsBytes) + (fcsBytes === 2 ? 256 : 0);
  }
  if (contentSize !== null && contentSize > maxBytes) throw overLimit(maxBytes);
  if (singleSegment) windowSize = contentSize ?? 0;
  else if (windowSize > maxWindow) throw corrupt(`frame window of ${windowSize} bytes is over the limit of ${maxWindow}`);
  return { end: headerEnd, windowSize, checksum };
}

function streamDecompress(src: Buffer, maxBytes: number, bound: number): Buffer {
  const out = new BoundedOutput(maxBytes, Math.min(bound, src.length * 4));
  const { Decompress: StreamingDecoder } = require('fzstd') as typeof FzstdModule;
  const stream = new StreamingDecoder((chunk) => out.append(chunk));
  try {
    stream.push(src, true);
  } catch (e) {
    if (e instanceof ProtocolError) throw e;
    throw corrupt(e instanceof Error ? e.message : 'invalid frame');
  }
  return out.result();
}
