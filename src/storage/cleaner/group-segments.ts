import type { Segment } from '../segment';

const INT32_MAX = 0x7fffffff;
/** Bytes per entry of the larger of the two indexes (.timeindex: int64 timestamp + int32 relative offset). */
const TIME_INDEX_ENTRY_BYTES = 12;

export interface SegmentGroupLimits {
  /** segment.bytes: a merged segment is no larger. */
  segmentBytes: number;
  /** segment.index.bytes: nor is its index. */
  segmentIndexBytes: number;
  /** index.interval.bytes, to estimate how many index entries a segment has. */
  indexIntervalBytes: number;
}

/**
 * Splits consecutive segments (oldest first, none active) into groups the
 * cleaner merges into one segment each — Kafka's groupSegmentsBySize: a group
 * grows while its total size stays within segment.bytes, its index within
 * segment.index.bytes, and its offsets within the int32 an index entry holds
 * relative to the group's base offset. Small segments left by earlier
 * cleanings so fold into their neighbours.
 */
export function groupSegmentsBySize(segments: readonly Segment[], limits: SegmentGroupLimits): Segment[][] {
  const groups: Segment[][] = [];
  let i = 0;
  while (i < segments.length) {
    const first = segments[i] as Segment;
    const group = [first];
    let bytes = first.size;
    let indexBytes = estimatedIndexBytes(first, limits.indexIntervalBytes);
    i++;
    while (i < segments.length) {
      const next = segments[i] as Segment;
      const nextIndexBytes = estimatedIndexBytes(next, limits.indexIntervalBytes);
      if (bytes + next.size > limits.segmentBytes) break;
      if (indexBytes + nextIndexBytes > limits.segmentIndexBytes) break;
      if (next.nextOffset - 1 - first.baseOffset > INT32_MAX) break;
      group.push(next);
      bytes += next.size;
      indexBytes += nextIndexBytes;
      i++;
    }
    groups.push(group);
  }
  return groups;
}

/** An upper bound: one entry per index interval, plus the time index's closing entry. */
function estimatedIndexBytes(segment: Segment, indexIntervalBytes: number): number {
  return (Math.floor(segment.size / Math.max(1, indexIntervalBytes)) + 1) * TIME_INDEX_ENTRY_BYTES;
}
