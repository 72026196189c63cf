/**
 * Splits a TCP byte stream into Kafka's size-prefixed frames.
 *
 * A frame that arrives inside one socket chunk is handed out as a slice of
 * that chunk (no copy); only frames that straddle chunks are joined, once,
 * when their last byte has arrived (a 1 MiB produce request arrives in ~16
 * socket chunks: joining on every chunk copied it ~8 times over). The size
 * prefix is checked before any buffering, so an oversized or negative size
 * costs nothing but the four bytes that announced it.
 */
export type FrameResult =
  | { kind: 'frame'; frame: Buffer }
  | { kind: 'too-large'; size: number };

export class FrameSplitter {
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  /** Bytes the pending frame needs in all (size prefix included); 0 while its size prefix is incomplete. */
  private pendingFrameBytes = 0;

  constructor(private maxFrameBytes: number) {}

  /** Changes the size limit for frames not yet announced (SASL allows less before authentication). */
  setMaxFrameBytes(max: number): void {
    this.maxFrameBytes = max;
  }

  /** Bytes received but not yet part of a complete frame (for leak checks). */
  get bufferedBytes(): number {
    return this.pendingBytes;
  }

  /** Feeds a chunk; returns the complete frames it finished, in order. */
  push(chunk: Buffer): FrameResult[] {
    let buf = chunk;
    if (this.pendingBytes > 0) {
      this.pending.push(chunk);
      const total = this.pendingBytes + chunk.length;
      if (total < this.pendingFrameBytes) {
        // Still short of the frame's end: keep the chunk, join nothing yet.
        this.pendingBytes = total;
        return [];
      }
      buf = Buffer.concat(this.pending, total);
      this.pending = [];
      this.pendingBytes = 0;
      this.pendingFrameBytes = 0;
    }
    const out: FrameResult[] = [];
    let pos = 0;
    while (buf.length - pos >= 4) {
      const size = buf.readInt32BE(pos);
      if (size < 0 || size > this.maxFrameBytes) {
        out.push({ kind: 'too-large', size });
        return out;
      }
      if (buf.length - pos - 4 < size) break;
      out.push({ kind: 'frame', frame: buf.subarray(pos + 4, pos + 4 + size) });
      pos += 4 + size;
    }
    if (pos < buf.length) {
      const rest = buf.subarray(pos);
      this.pending.push(rest);
      this.pendingBytes = rest.length;
      // The loop above has already checked this size against the limit.
      this.pendingFrameBytes = rest.length >= 4 ? 4 + rest.readInt32BE(0) : 0;
    }
    return out;
  }
}
