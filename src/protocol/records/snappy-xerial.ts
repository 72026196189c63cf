import type * as SnappyModule from 'snappy';
import { ProtocolError } from '../primitives/protocol-error';
import { BoundedOutput } from './output-buffer';

/**
 * Snappy as Kafka clients write it.
 *
 * The Java client (through snappy-java's SnappyOutputStream) writes the
 * "xerial" framing: an 8-byte magic `\x82SNAPPY\0`, int32 version and int32
 * compatible-version, then blocks of [int32 compressed length][raw snappy].
 * librdkafka reads and writes the same framing; some older clients write a
 * single raw snappy block. We decode both and encode xerial, which every
 * client reads.
 */
/** The native codec, loaded on first use: a broker that never sees snappy never loads it (start-up time, memory). */
let snappyModule: typeof SnappyModule | undefined;
const snappy = (): typeof SnappyModule => (snappyModule ??= require('snappy') as typeof SnappyModule);

const XERIAL_MAGIC = Buffer.from([0x82, 0x53, 0x4e, 0x41, 0x50, 0x50, 0x59, 0x00]);
const XERIAL_HEADER_SIZE = 16;
const XERIAL_VERSION = 1;
const XERIAL_COMPATIBLE_VERSION = 1;
/** snappy-java's default block size, which Kafka producers use. */
const XERIAL_BLOCK_SIZE = 32 * 1024;

function corrupt(message: string): ProtocolError {
  return new ProtocolError('invalid-value', `snappy: ${message}`);
}

export function isXerialFramed(src: Buffer): boolean {
  return src.length >= XERIAL_HEADER_SIZE && src.subarray(0, XERIAL_MAGIC.length).equals(XERIAL_MAGIC);
}

export function snappyXerialCompress(data: Buffer): Buffer {
  const parts: Buffer[] = [];
  const header = Buffer.allocUnsafe(XERIAL_HEADER_SIZE);
  XERIAL_MAGIC.copy(header, 0);
  header.writeInt32BE(XERIAL_VERSION, 8);
  header.writeInt32BE(XERIAL_COMPATIBLE_VERSION, 12);
  parts.push(header);
  for (let p = 0; p < data.length; p += XERIAL_BLOCK_SIZE) {
    const block = snappy().compressSync(data.subarray(p, Math.min(data.length, p + XERIAL_BLOCK_SIZE)));
    const len = Buffer.allocUnsafe(4);
    len.writeInt32BE(block.length, 0);
    parts.push(len, block);
  }
  return Buffer.concat(parts);
}

/**
 * The uncompressed length a raw snappy block announces in its leading
 * uvarint; read first so that we never let the native decoder allocate more
 * than we allow.
 */
function rawUncompressedLength(src: Buffer, start: number, end: number): number {
  let result = 0;
  for (let i = 0; i < 5; i++) {
    if (start + i >= end) throw corrupt('truncated length preamble');
    const b = src[start + i]!;
    result += (b & 0x7f) * 2 ** (7 * i);
    if ((b & 0x80) === 0) return result;
  }
  throw corrupt('length preamble longer than 5 bytes');
}

function decodeRawBlock(src: Buffer, start: number, end: number, out: BoundedOutput): void {
  const announced = rawUncompressedLength(src, start, end);
  out.reserve(announced);
  let block: string | Buffer;
  try {
    block = snappy().uncompressSync(src.subarray(start, end), { asBuffer: true });
  } catch (e) {
    throw corrupt(e instanceof Error ? e.message : 'invalid block');
  }
  if (!Buffer.isBuffer(block) || block.length !== announced) throw corrupt('block length differs from its preamble');
  out.append(block);
}

export function snappyDecompress(src: Buffer, maxBytes: number): Buffer {
  const out = new BoundedOutput(maxBytes, src.length * 2);
  if (!isXerialFramed(src)) {
    decodeRawBlock(src, 0, src.length, out);
    return out.result();
  }
  let p = XERIAL_HEADER_SIZE;
  while (p < src.length) {
    if (p + 4 > src.length) throw corrupt('truncated xerial block length');
    const n = src.readInt32BE(p);
    p += 4;
    if (n < 0 || n > src.length - p) throw corrupt(`xerial block length ${n} out of bounds`);
    decodeRawBlock(src, p, p + n, out);
    p += n;
  }
  return out.result();
}
