import type * as Zlib from 'zlib';
import { ProtocolError } from '../primitives/protocol-error';
import type * as Lz4Frame from './lz4-frame';
import type * as SnappyXerial from './snappy-xerial';
import type * as Zstd from './zstd';

/**
 * The record compression codecs, by the id Kafka stores in the low three
 * bits of batch (and legacy message) attributes.
 */
/** zlib, loaded on first use (gzip is rare; start-up time). */
let zlibModule: typeof Zlib | undefined;
const zlib = (): typeof Zlib => (zlibModule ??= require('zlib') as typeof Zlib);
// Likewise each codec's framing (and, under it, its native addon): loaded with the first batch that uses it.
let lz4Module: typeof Lz4Frame | undefined;
const lz4 = (): typeof Lz4Frame => (lz4Module ??= require('./lz4-frame') as typeof Lz4Frame);
let snappyModule: typeof SnappyXerial | undefined;
const snappy = (): typeof SnappyXerial => (snappyModule ??= require('./snappy-xerial') as typeof SnappyXerial);
let zstdModule: typeof Zstd | undefined;
const zstd = (): typeof Zstd => (zstdModule ??= require('./zstd') as typeof Zstd);

export const Codec = {
  None: 0,
  Gzip: 1,
  Snappy: 2,
  Lz4: 3,
  Zstd: 4,
} as const;
export type Codec = (typeof Codec)[keyof typeof Codec];

export const CODEC_NAMES: Readonly<Record<Codec, string>> = {
  0: 'none',
  1: 'gzip',
  2: 'snappy',
  3: 'lz4',
  4: 'zstd',
};

export function isCodec(id: number): id is Codec {
  return Number.isInteger(id) && id >= 0 && id <= 4;
}

export function toCodec(id: number): Codec {
  if (!isCodec(id)) throw new ProtocolError('invalid-value', `unknown compression codec id ${id}`);
  return id;
}

export interface CompressOptions {
  /** Write LZ4 frames with the pre-0.10 header checksum, for magic-0 messages. */
  legacyLz4Checksum?: boolean;
}

export function compress(codec: number, data: Buffer, options: CompressOptions = {}): Buffer {
  switch (toCodec(codec)) {
    case Codec.None:
      return data;
    case Codec.Gzip:
      return zlib().gzipSync(data);
    case Codec.Snappy:
      return snappy().snappyXerialCompress(data);
    case Codec.Lz4:
      return lz4().lz4FrameCompress(data, options.legacyLz4Checksum === true);
    case Codec.Zstd:
      return zstd().zstdCompress(data);
  }
}

/**
 * Decompresses `data`, producing at most `maxBytes` bytes. Anything wrong
 * (unknown codec, corrupt input, output over the limit) is a ProtocolError.
 */
export function decompress(codec: number, data: Buffer, maxBytes: number): Buffer {
  switch (toCodec(codec)) {
    case Codec.None:
      if (data.length > maxBytes) throw new ProtocolError('invalid-length', `data exceeds the limit of ${maxBytes} bytes`);
      return data;
    case Codec.Gzip:
      return gunzipBounded(data, maxBytes);
    case Codec.Snappy:
      return snappy().snappyDecompress(data, maxBytes);
    case Codec.Lz4:
      return lz4().lz4FrameDecompress(data, maxBytes);
    case Codec.Zstd:
      return zstd().zstdDecompress(data, maxBytes);
  }
}

function gunzipBounded(data: Buffer, maxBytes: number): Buffer {
  try {
    const out = zlib().gunzipSync(data, { maxOutputLength: Math.max(1, maxBytes) });
    if (out.length > maxBytes) throw new ProtocolError('invalid-length', `decompressed data exceeds the limit of ${maxBytes} bytes`);
    return out;
  } catch (e) {
    if (e instanceof ProtocolError) throw e;
    const code = (e as { code?: unknown }).code;
    if (code === 'ERR_BUFFER_TOO_LARGE') {
      throw new ProtocolError('invalid-length', `decompressed data exceeds the limit of ${maxBytes} bytes`);
    }
    throw new ProtocolError('invalid-value', `gzip: ${e instanceof Error ? e.message : 'invalid stream'}`);
  }
}
