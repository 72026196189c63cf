/**
 * Sparse map from offset to file position within one segment, Kafka's
 * `.index` layout: 8-byte entries, big-endian int32 relative offset (offset -
 * segment base) then int32 position. An entry is added every
 * `index.interval.bytes` of appended data and, as Kafka writes it, names the
 * **last** offset of a batch with the position where that batch starts
 * (Kafka's DumpLogSegments checks exactly this). Both offsets and positions
 * are strictly increasing.
 *
 * What a lookup guarantees: the entry found for an offset O ends at or
 * before O, so the batch holding O starts at or after the entry's position,
 * and a scan from there finds it. (Indexes of earlier Weir versions, whose
 * entries named a batch's base offset, keep that guarantee too; they are
 * rewritten once on start anyway, see log-format.ts.)
 *
 * Kept in memory (typed arrays that grow) and written out whole when the
 * segment stops being active or the log closes; rebuilt by scanning the
 * segment when missing or implausible.
 */
export class OffsetIndex {
  static readonly ENTRY_SIZE = 8;

  private relOffsets: Int32Array;
  private positions: Int32Array;
  private count = 0;

  constructor(readonly baseOffset: number) {
    this.relOffsets = new Int32Array(64);
    this.positions = new Int32Array(64);
  }

  get entries(): number {
    return this.count;
  }

  append(offset: number, position: number): void {
    const rel = offset - this.baseOffset;
    if (this.count > 0) {
      const lastRel = this.relOffsets[this.count - 1] ?? 0;
      const lastPos = this.positions[this.count - 1] ?? 0;
      if (rel <= lastRel || position <= lastPos) return;
    }
    if (this.count === this.relOffsets.length) {
      const r = new Int32Array(this.count * 2);
      r.set(this.relOffsets);
      this.relOffsets = r;
      const p = new Int32Array(this.count * 2);
      p.set(this.positions);
      this.positions = p;
    }
    this.relOffsets[this.count] = rel;
    this.positions[this.count] = position;
    this.count++;
  }

  /** The last entry with offset <= `offset` (its batch ends at or before `offset`), or the segment start. */
  lookup(offset: number): { offset: number; position: number } {
    const rel = offset - this.baseOffset;
    let lo = 0;
    let hi = this.count - 1;
    let found = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      if ((this.relOffsets[mid] ?? 0) <= rel) {
        found = mid;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    if (found < 0) return { offset: this.baseOffset, position: 0 };
    return { offset: this.baseOffset + (this.relOffsets[found] ?? 0), position: this.positions[found] ?? 0 };
  }

  /** The last entry with position <= `position`, or the segment start. */
  lookupByPosition(position: number): { offset: number; position: number } {
    let lo = 0;
    let hi = this.count - 1;
    let found = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      if ((this.positions[mid] ?? 0) <= position) {
        found = mid;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    if (found < 0) return { offset: this.baseOffset, position: 0 };
    return { offset: this.baseOffset + (this.relOffsets[found] ?? 0), position: this.positions[found] ?? 0 };
  }

  /** Drops entries at or after `position` (the segment was truncated there). */
  truncateToPosition(position: number): void {
    while (this.count > 0 && (this.positions[this.count - 1] ?? 0) >= position) this.count--;
  }

  toBuffer(): Buffer {
    const buf = Buffer.allocUnsafe(this.count * OffsetIndex.ENTRY_SIZE);
    for (let i = 0; i < this.count; i++) {
      buf.writeInt32BE(this.relOffsets[i] ?? 0, i * 8);
      buf.writeInt32BE(this.positions[i] ?? 0, i * 8 + 4);
    }
    return buf;
  }

  /**
   * Parses an index file; null when it is not plausible for a segment of
   * `segmentSize` bytes (odd length, entries not increasing, positions beyond
   * the data) — the caller then rebuilds it from the segment.
   */
  static fromBuffer(baseOffset: number, buf: Buffer, segmentSize: number): OffsetIndex | null {
    if (buf.length % OffsetIndex.ENTRY_SIZE !== 0) return null;
    const index = new OffsetIndex(baseOffset);
    let lastRel = -1;
    let lastPos = -1;
    for (let i = 0; i < buf.length; i += 8) {
      const rel = buf.readInt32BE(i);
      const pos = buf.readInt32BE(i + 4);
      if (rel <= lastRel || pos <= lastPos || pos >= segmentSize || rel < 0) return null;
      index.append(baseOffset + rel, pos);
      lastRel = rel;
      lastPos = pos;
    }
    return index;
  }
}
