import { ProtocolError } from '../primitives/protocol-error';

/**
 * A byte buffer that grows by doubling but never past a fixed ceiling.
 *
 * Decompressors write into it so that a hostile "zip bomb" batch fails with a
 * ProtocolError as soon as it would pass the ceiling, instead of making us
 * allocate whatever its headers claim.
 */
export class BoundedOutput {
  private buf: Buffer;
  length = 0;
  readonly maxBytes: number;

  constructor(maxBytes: number, sizeHint: number) {
    this.maxBytes = maxBytes;
    this.buf = Buffer.allocUnsafe(Math.max(0, Math.min(maxBytes, Math.max(sizeHint, 64))));
  }

  /** Makes room for `n` more bytes, or throws if that would pass the ceiling. */
  reserve(n: number): void {
    const needed = this.length + n;
    if (needed > this.maxBytes) {
      throw new ProtocolError('invalid-length', `decompressed data exceeds the limit of ${this.maxBytes} bytes`);
    }
    if (needed <= this.buf.length) return;
    const grown = Buffer.allocUnsafe(Math.min(this.maxBytes, Math.max(needed, this.buf.length * 2)));
    this.buf.copy(grown, 0, 0, this.length);
    this.buf = grown;
  }

  /** The backing buffer; valid until the next `reserve`. */
  get bytes(): Buffer {
    return this.buf;
  }

  append(src: Uint8Array, start = 0, end = src.length): void {
    const n = end - start;
    this.reserve(n);
    this.buf.set(src.subarray(start, end), this.length);
    this.length += n;
  }

  /** The written bytes (a view, not a copy). */
  result(): Buffer {
    return this.buf.subarray(0, this.length);
  }
}
