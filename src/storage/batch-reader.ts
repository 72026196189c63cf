import { BATCH_HEADER_SIZE } from '../protocol/records/batch-header';
import type { SegmentFile } from './storage-dir';

/**
 * Reads a segment file through a window so that walking batch headers costs
 * one read per window rather than one per batch.
 */
export class WindowedReader {
  private window: Buffer = Buffer.alloc(0);
  private windowStart = 0;

  constructor(
    private readonly file: SegmentFile,
    private readonly windowSize = 256 * 1024,
  ) {}

  /**
   * Bytes [position, position+length) clipped at the end of the file. The
   * result is a view into the window, valid until the next call.
   */
  bytes(position: number, length: number): Buffer {
    const end = Math.min(position + length, this.file.size);
    if (position >= this.windowStart && end <= this.windowStart + this.window.length) {
      return this.window.subarray(position - this.windowStart, end - this.windowStart);
    }
    this.window = this.file.read(position, Math.max(end - position, this.windowSize));
    this.windowStart = position;
    return this.window.subarray(0, end - position);
  }

  /** The header of the batch at `position` (may be shorter than 61 bytes at a torn end). */
  header(position: number): Buffer {
    return this.bytes(position, BATCH_HEADER_SIZE);
  }
}
