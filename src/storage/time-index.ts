import { readInt64, writeInt64 } from './batch-info';

/**
 * Sparse map from timestamp to offset within one segment, Kafka's
 * `.timeindex` layout: 12-byte entries, big-endian int64 timestamp then int32
 * relative offset. An entry (T, O) says: the largest timestamp among batches
 * up to and including the one holding offset O is T, and O's batch is the
 * first to reach it. Entries are added only when the maximum grows, at the
 * offset index's interval, plus one final entry when the segment is closed so
 * the last entry always carries the segment's largest timestamp.
 */
export class TimeIndex {
  static readonly ENTRY_SIZE = 12;

  private timestamps: number[] = [];
  private relOffsets: number[] = [];

  constructor(readonly baseOffset: number) {}

  get entries(): number {
    return this.timestamps.length;
  }

  lastEntry(): { timestamp: number; offset: number } | null {
    const n = this.timestamps.length;
    if (n === 0) return null;
    return { timestamp: this.timestamps[n - 1] ?? -1, offset: this.baseOffset + (this.relOffsets[n - 1] ?? 0) };
  }

  maybeAppend(timestamp: number, offset: number): void {
    const last = this.lastEntry();
    if (last && (timestamp <= last.timestamp || offset < last.offset)) return;
    if (timestamp < 0) return;
    this.timestamps.push(timestamp);
    this.relOffsets.push(offset - this.baseOffset);
  }

  /**
   * The offset of the last entry whose timestamp is strictly below `timestamp`:
   * every batch up to that offset is older than `timestamp`, so a search for
   * the first batch at or after it may start there. Null: start at the segment start.
   */
  lastOffsetBefore(timestamp: number): number | null {
    let lo = 0;
    let hi = this.timestamps.length - 1;
    let found = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      if ((this.timestamps[mid] ?? 0) < timestamp) {
        found = mid;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    return found < 0 ? null : this.baseOffset + (this.relOffsets[found] ?? 0);
  }

  /** Drops entries whose offset is at or after `offset`. */
  truncateToOffset(offset: number): void {
    while (this.relOffsets.length > 0 && this.baseOffset + (this.relOffsets[this.relOffsets.length - 1] ?? 0) >= offset) {
      this.relOffsets.pop();
      this.timestamps.pop();
    }
  }

  toBuffer(): Buffer {
    const buf = Buffer.allocUnsafe(this.timestamps.length * TimeIndex.ENTRY_SIZE);
    for (let i = 0; i < this.timestamps.length; i++) {
      writeInt64(buf, this.timestamps[i] ?? 0, i * 12);
      buf.writeInt32BE(this.relOffsets[i] ?? 0, i * 12 + 8);
    }
    return buf;
  }

  /** Parses a time index file; null when implausible (the caller rebuilds). */
  static fromBuffer(baseOffset: number, buf: Buffer): TimeIndex | null {
    if (buf.length % TimeIndex.ENTRY_SIZE !== 0) return null;
    const index = new TimeIndex(baseOffset);
    for (let i = 0; i < buf.length; i += 12) {
      const ts = readInt64(buf, i);
      const rel = buf.readInt32BE(i + 8);
      const before = index.entries;
      if (rel < 0) return null;
      index.maybeAppend(ts, baseOffset + rel);
      if (index.entries === before) return null;
    }
    return index;
  }
}
