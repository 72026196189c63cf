/**
 * Reusable buffers that file regions are read into on their way to a socket.
 *
 * A fresh Buffer per region read cost the fetch path dearly: each one is
 * memory the kernel must map and zero on first touch, external memory that
 * drives V8 into extra garbage collections, and a free at the end. A buffer
 * from here goes back once the socket write that carried it has completed,
 * and is reused for the next read.
 *
 * Two sizes: large reads (a consumer catching up, up to `LARGE` per read)
 * and small ones (a consumer at the tail of a partition reading what was
 * just produced), so a thousand tail consumers do not each pin a large
 * buffer. Each connection has at most two buffers out at a time (one being
 * read into, one being written: see ResponseWriter), and the pool keeps a
 * bounded number of free ones, so idle memory stays small.
 */
export const SMALL_READ_BUFFER = 64 * 1024;
export const LARGE_READ_BUFFER = 1024 * 1024;

/** Free buffers kept per size: what a few busy connections reuse. */
const MAX_FREE_SMALL = 64;
const MAX_FREE_LARGE = 8;

export class ReadBufferPool {
  private readonly small: Buffer[] = [];
  private readonly large: Buffer[] = [];

  /** A buffer of at least `min(want, LARGE_READ_BUFFER)` bytes; its size decides where `give` files it. */
  take(want: number): Buffer {
    if (want <= SMALL_READ_BUFFER) return this.small.pop() ?? Buffer.allocUnsafeSlow(SMALL_READ_BUFFER);
    return this.large.pop() ?? Buffer.allocUnsafeSlow(LARGE_READ_BUFFER);
  }

  /** Returns a buffer taken from this pool; its previous contents are garbage to the next taker. */
  give(buf: Buffer): void {
    if (buf.length === SMALL_READ_BUFFER) {
      if (this.small.length < MAX_FREE_SMALL) this.small.push(buf);
    } else if (this.large.length < MAX_FREE_LARGE) {
      this.large.push(buf);
    }
  }

  /** Free buffers held (for tests and memory accounting). */
  get freeBytes(): number {
    return this.small.length * SMALL_READ_BUFFER + this.large.length * LARGE_READ_BUFFER;
  }
}

/** The process-wide pool: every connection's writer shares it. */
export const readBufferPool = new ReadBufferPool();
