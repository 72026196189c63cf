import { ProtocolError } from './protocol-error';
import { RecordsChunk, RecordsValue, isFileRegion, recordsLength } from './records-value';

/**
 * Exact byte counts for a message about to be written: `inline` bytes go into
 * the one buffer the Writer allocates, `external` bytes are record payloads
 * passed through as their own chunks (never copied).
 */
export class Size {
  inline = 0;
  external = 0;

  get total(): number {
    return this.inline + this.external;
  }
}

export function uvarintSize(v: number): number {
  if (v < 0x80) return 1;
  if (v < 0x4000) return 2;
  if (v < 0x200000) return 3;
  if (v < 0x10000000) return 4;
  return 5;
}

export function varintSize(v: number): number {
  return uvarintSize(((v << 1) ^ (v >> 31)) >>> 0);
}

export function varlongSize(v: bigint): number {
  let u = BigInt.asUintN(64, (v << 1n) ^ (v >> 63n));
  let n = 1;
  while (u >= 0x80n) {
    u >>= 7n;
    n++;
  }
  return n;
}

const UUID_RE = /^[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12}$/;

/**
 * Writes one message into a buffer of exactly the size computed beforehand.
 * Record payloads are not copied: each one ends the current slice of the
 * buffer and is emitted as its own chunk.
 */
export class Writer {
  readonly buf: Buffer;
  offset = 0;
  private chunks: RecordsChunk[] | null = null;
  private sliceStart = 0;

  constructor(size: Size | number) {
    this.buf = Buffer.allocUnsafe(typeof size === 'number' ? size : size.inline);
  }

  int8(v: number): void {
    this.buf.writeInt8(v, this.offset++);
  }

  uint8(v: number): void {
    this.buf[this.offset++] = v;
  }

  bool(v: boolean): void {
    this.buf[this.offset++] = v ? 1 : 0;
  }

  int16(v: number): void {
    this.offset = this.buf.writeInt16BE(v, this.offset);
  }

  uint16(v: number): void {
    this.offset = this.buf.writeUInt16BE(v, this.offset);
  }

  int32(v: number): void {
    this.offset = this.buf.writeInt32BE(v, this.offset);
  }

  uint32(v: number): void {
    this.offset = this.buf.writeUInt32BE(v, this.offset);
  }

  int64(v: bigint): void {
    this.offset = this.buf.writeBigInt64BE(v, this.offset);
  }

  float64(v: number): void {
    this.offset = this.buf.writeDoubleBE(v, this.offset);
  }

  uvarint(v: number): void {
    while (v >= 0x80) {
      this.buf[this.offset++] = (v & 0x7f) | 0x80;
      v = Math.floor(v / 128);
    }
    this.buf[this.offset++] = v;
  }

  varint(v: number): void {
    this.uvarint(((v << 1) ^ (v >> 31)) >>> 0);
  }

  varlong(v: bigint): void {
    let u = BigInt.asUintN(64, (v << 1n) ^ (v >> 63n));
    while (u >= 0x80n) {
      this.buf[this.offset++] = Number(u & 0x7fn) | 0x80;
      u >>= 7n;
    }
    this.buf[this.offset++] = Number(u);
  }

  uuid(v: string): void {
    if (!UUID_RE.test(v)) throw new ProtocolError('unencodable', `not a uuid: ${v}`);
    this.offset += this.buf.write(v.replace(/-/g, ''), this.offset, 16, 'hex');
  }

  /** Raw bytes copied into the frame (small values: keys, metadata blobs). */
  raw(b: Buffer): void {
    this.offset += b.copy(this.buf, this.offset);
  }

  /** UTF-8 text whose byte length the caller has already written. */
  utf8(s: string): void {
    this.offset += this.buf.write(s, this.offset, 'utf8');
  }

  /** Record payload: passed through as chunks, not copied. */
  records(v: RecordsValue): void {
    if (recordsLength(v) === 0) return;
    const chunks = (this.chunks ??= []);
    if (this.offset > this.sliceStart) chunks.push(this.buf.subarray(this.sliceStart, this.offset));
    this.sliceStart = this.offset;
    if (Buffer.isBuffer(v) || isFileRegion(v)) chunks.push(v);
    else for (const c of v) if (c.length > 0) chunks.push(c);
  }

  /** The written message: one buffer, or buffers and file regions in order. */
  finish(): RecordsChunk[] {
    if (this.offset !== this.buf.length) {
      throw new ProtocolError('unencodable', `wrote ${this.offset} bytes into a ${this.buf.length}-byte message`);
    }
    if (this.chunks === null) return [this.buf];
    if (this.offset > this.sliceStart) this.chunks.push(this.buf.subarray(this.sliceStart, this.offset));
    return this.chunks;
  }
}
