/**
 * How dirty a compacted log is and how much of it may be cleaned now —
 * Kafka's LogCleanerManager.cleanableOffsets, maxCompactionDelay and
 * LogToClean.cleanableRatio.
 */
import type { Log } from '../log';
import type { Segment } from '../segment';

export interface CleanableLog {
  log: Log;
  /** Where the dirty (never cleaned) section starts. */
  firstDirtyOffset: number;
  /** Where cleaning must stop: the active segment, an open transaction, or a segment younger than min.compaction.lag.ms. */
  firstUncleanableOffset: number;
  /** Bytes of segments below the dirty section. */
  cleanBytes: number;
  /** Bytes of segments in [firstDirtyOffset, firstUncleanableOffset). */
  cleanableBytes: number;
  /** cleanableBytes / (cleanBytes + cleanableBytes); compared with min.cleanable.dirty.ratio. */
  dirtyRatio: number;
  /** How long past max.compaction.lag.ms the oldest dirty record is (0: not overdue). Positive forces cleaning. */
  maxCompactionDelayMs: number;
}

/**
 * The cleanable range of `log` at `now`, given the cleaner checkpoint's
 * offset for it (undefined: never cleaned). A checkpoint outside the log
 * (retention moved the start past it, or the log was truncated) restarts
 * from the log start.
 */
export function cleanableLog(log: Log, checkpointedOffset: number | undefined, now: number): CleanableLog {
  const segments = log.segmentList();
  const active = segments.pop() as Segment;
  const logStart = log.logStartOffset;
  let firstDirty = checkpointedOffset ?? logStart;
  if (firstDirty < logStart || firstDirty > log.logEndOffset) firstDirty = logStart;
  const config = log.logConfig;

  const endOf = (i: number): number => segments[i + 1]?.baseOffset ?? active.baseOffset;
  const dirtyInactive = segments.filter((_, i) => endOf(i) > firstDirty);

  let firstUncleanable = active.baseOffset;
  const unstable = log.firstUnstableOffset;
  if (unstable !== null) firstUncleanable = Math.min(firstUncleanable, unstable);
  const minLag = Math.max(config.minCompactionLagMs, 0);
  if (minLag > 0) {
    // The first segment holding a record younger than the lag, and all after it, wait.
    const young = dirtyInactive.find((s) => s.maxTimestamp > now - minLag);
    if (young) firstUncleanable = Math.min(firstUncleanable, young.baseOffset);
  }
  firstUncleanable = Math.max(firstUncleanable, firstDirty);

  let cleanBytes = 0;
  let cleanableBytes = 0;
  segments.forEach((s, i) => {
    if (s.baseOffset < firstDirty) cleanBytes += s.size;
    if (s.baseOffset < firstUncleanable && endOf(i) > firstDirty) cleanableBytes += s.size;
  });
  const total = cleanBytes + cleanableBytes;

  let maxCompactionDelayMs = 0;
  const maxLag = Math.max(config.maxCompactionLagMs, 0);
  if (Number.isFinite(maxLag)) {
    // Kafka measures a dirty segment by its first batch's timestamp; batches without one (<= 0) do not count.
    let earliest = Infinity;
    for (const s of dirtyInactive) {
      const t = s.firstBatchTimestamp();
      if (t > 0 && t < earliest) earliest = t;
    }
    const cleanUntil = now - maxLag;
    if (earliest < cleanUntil) maxCompactionDelayMs = cleanUntil - earliest;
  }

  return {
    log,
    firstDirtyOffset: firstDirty,
    firstUncleanableOffset: firstUncleanable,
    cleanBytes,
    cleanableBytes,
    dirtyRatio: total > 0 ? cleanableBytes / total : 0,
    maxCompactionDelayMs,
  };
}
