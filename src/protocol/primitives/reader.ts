import { ProtocolError } from './protocol-error';

const EMPTY = Buffer.alloc(0);

/**
 * A cursor over one received message.
 *
 * Every variable-length read checks the claimed length against the bytes that
 * are really left *before* it allocates or slices, so a hostile length can
 * never make us allocate more than the frame we already hold. `bytes()` and
 * `records()` return slices of the frame (no copy): the frame must not be
 * reused by the network layer while a decoded message is alive.
 */
export class Reader {
  readonly buf: Buffer;
  offset: number;
  private readonly end: number;

  constructor(buf: Buffer, offset = 0, end = buf.length) {
    this.buf = buf;
    this.offset = offset;
    this.end = end;
  }

  get remaining(): number {
    return this.end - this.offset;
  }

  private need(n: number): void {
    if (n > this.end - this.offset) {
      throw new ProtocolError('truncated', `need ${n} bytes at offset ${this.offset}, have ${this.end - this.offset}`);
    }
  }

  int8(): number {
    this.need(1);
    return this.buf.readInt8(this.offset++);
  }

  uint8(): number {
    this.need(1);
    return this.buf[this.offset++]!;
  }

  bool(): boolean {
    return this.int8() !== 0;
  }

  int16(): number {
    this.need(2);
    const v = this.buf.readInt16BE(this.offset);
    this.offset += 2;
    return v;
  }

  uint16(): number {
    this.need(2);
    const v = this.buf.readUInt16BE(this.offset);
    this.offset += 2;
    return v;
  }

  int32(): number {
    this.need(4);
    const v = this.buf.readInt32BE(this.offset);
    this.offset += 4;
    return v;
  }

  uint32(): number {
    this.need(4);
    const v = this.buf.readUInt32BE(this.offset);
    this.offset += 4;
    return v;
  }

  int64(): bigint {
    this.need(8);
    const v = this.buf.readBigInt64BE(this.offset);
    this.offset += 8;
    return v;
  }

  float64(): number {
    this.need(8);
    const v = this.buf.readDoubleBE(this.offset);
    this.offset += 8;
    return v;
  }

  /** Unsigned LEB128, at most 5 bytes (a uint32). */
  uvarint(): number {
    let result = 0;
    let shift = 0;
    for (let i = 0; i < 5; i++) {
      this.need(1);
      const b = this.buf[this.offset++]!;
      result += (b & 0x7f) * 2 ** shift;
      if ((b & 0x80) === 0) {
        // A fifth byte carries 7 bits, 3 more than a uint32 has room for.
        if (result > 0xffffffff) throw new ProtocolError('invalid-varint', `varint exceeds 32 bits at offset ${this.offset - i - 1}`);
        return result;
      }
      shift += 7;
    }
    throw new ProtocolError('invalid-varint', `varint longer than 5 bytes at offset ${this.offset - 5}`);
  }

  /** Zig-zag signed varint (int32), as record fields use. */
  varint(): number {
    const u = this.uvarint();
    return (u >>> 1) ^ -(u & 1);
  }

  /** Zig-zag signed varlong (int64), as record timestamp and offset deltas use. */
  varlong(): bigint {
    let result = 0n;
    let shift = 0n;
    for (let i = 0; i < 10; i++) {
      this.need(1);
      const b = this.buf[this.offset++]!;
      result |= BigInt(b & 0x7f) << shift;
      if ((b & 0x80) === 0) {
        // A tenth byte carries 7 bits, 6 more than an int64 has room for; an
        // out-of-range bigint would only fail later, as a RangeError.
        if (result > 0xffffffffffffffffn) throw new ProtocolError('invalid-varint', `varlong exceeds 64 bits at offset ${this.offset - i - 1}`);
        return (result >> 1n) ^ -(result & 1n);
      }
      shift += 7n;
    }
    throw new ProtocolError('invalid-varint', `varlong longer than 10 bytes at offset ${this.offset - 10}`);
  }

  uuid(): string {
    this.need(16);
    const hex = this.buf.toString('hex', this.offset, this.offset + 16);
    this.offset += 16;
    return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
  }

  /** Checks a declared length against what is left; -1 stays null. */
  private length(n: number, what: string): number {
    if (n < -1 || n > this.end - this.offset) {
      throw new ProtocolError('invalid-length', `${what} length ${n} at offset ${this.offset} with ${this.end - this.offset} bytes left`);
    }
    return n;
  }

  private utf8(n: number): string {
    const s = this.buf.toString('utf8', this.offset, this.offset + n);
    this.offset += n;
    return s;
  }

  private slice(n: number): Buffer {
    const b = n === 0 ? EMPTY : this.buf.subarray(this.offset, this.offset + n);
    this.offset += n;
    return b;
  }

  /** int16 length, then UTF-8; length -1 is null. */
  nullableString(): string | null {
    const n = this.length(this.int16(), 'string');
    return n < 0 ? null : this.utf8(n);
  }

  /** uvarint length+1, then UTF-8; 0 is null. */
  compactNullableString(): string | null {
    const n = this.length(this.uvarint() - 1, 'compact string');
    return n < 0 ? null : this.utf8(n);
  }

  nullableBytes(): Buffer | null {
    const n = this.length(this.int32(), 'bytes');
    return n < 0 ? null : this.slice(n);
  }

  compactNullableBytes(): Buffer | null {
    const n = this.length(this.uvarint() - 1, 'compact bytes');
    return n < 0 ? null : this.slice(n);
  }

  /** A varint length (zig-zag, as inside records), -1 is null. */
  varintBytes(): Buffer | null {
    const n = this.length(this.varint(), 'varint bytes');
    return n < 0 ? null : this.slice(n);
  }

  /** Exactly `n` bytes as a slice of the frame. */
  raw(n: number): Buffer {
    this.need(n);
    return this.slice(n);
  }

  /**
   * An array length: int32 (classic) or uvarint+1 (compact), -1 is null.
   * The length is bounded by the bytes left, as every element takes at least
   * one byte in any version we decode.
   */
  arrayLength(compact: boolean): number {
    const n = compact ? this.uvarint() - 1 : this.int32();
    return this.length(n, 'array');
  }

  skip(n: number): void {
    this.need(n);
    this.offset += n;
  }
}
