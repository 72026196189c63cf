/**
 * One cleaning round of one log, done in slices (Kafka's Cleaner.doClean):
 *
 *   map:   read the dirty section [firstDirtyOffset, firstUncleanableOffset)
 *          and record each key's latest offset, until the offset map is full;
 *          the round's end offset is where mapping stopped.
 *   clean: rewrite every segment below the end offset, in groups merged up to
 *          segment.bytes, keeping only what `filterBatch` keeps, each group
 *          into a `.cleaned` segment swapped in crash-safely.
 *
 * `step` does at most one slice's worth of work and returns; between slices
 * the log keeps serving and appending (to its active segment, never cleaned).
 * If retention, DeleteRecords, deletion or a policy change takes the log or
 * one of the segments away meanwhile, the round is abandoned and its
 * `.cleaned` file deleted; the swaps already done stay (each is complete).
 *
 * With `backgroundIo` (the broker's cleaner timer) a group's swap runs as a
 * `BackgroundSegmentSwap`, its fsyncs in the thread pool: `step` returns at
 * once while it is in flight (`ioInFlight` says when to try again), so no
 * slice ever waits on the disk. Without it (tests, tools) the swap is done
 * synchronously inside the slice, as before.
 */
import { type BatchInfo, readBatchHeader } from '../batch-info';
import type { Log } from '../log';
import { type LocatedBatch, Segment } from '../segment';
import { groupSegmentsBySize } from './group-segments';
import { OffsetMap } from './offset-map';
import { filterBatch, type RecordFilterContext } from './record-filter';
import { forEachRawRecord, recordsSection } from './record-scanner';
import { BackgroundSegmentSwap, CLEANED_SUFFIX } from './segment-swap';
import type { SliceBudget } from './slice-budget';
import { type CleanerTransactions, markerKindOf } from './transactions';
import { isControl } from '../batch-info';

export interface CleaningTaskOptions {
  /** log.cleaner.dedupe.buffer.size: the offset map's memory. */
  dedupeBufferSize: number;
  /** log.cleaner.io.buffer.load.factor. */
  loadFactor: number;
  /** log.cleaner.io.buffer.size: read window and write batching. */
  ioBufferSize: number;
  /** Ceiling for one decompressed batch. */
  maxUncompressedBytes: number;
  /** A fresh view of the log's transactions for a pass over [from, to). */
  transactions: (log: Log, from: number, to: number) => CleanerTransactions;
  /** Swap cleaned segments with the fsyncs off the event loop (see the header). */
  backgroundIo?: boolean;
}

export interface CleaningStats {
  bytesRead: number;
  bytesWritten: number;
  recordsRemoved: number;
  /** Keys in the offset map when mapping ended. */
  mappedKeys: number;
  /** The offset map's table size in bytes. */
  mapMemoryBytes: number;
  /** Groups of segments replaced by a cleaned segment. */
  segmentsSwapped: number;
  /** Where this round's cleaning ended: the next round's first dirty offset. -1 until mapping is done. */
  endOffset: number;
  /** The latest delete horizon among the batches kept (-1: none): when it passes, another round can remove tombstones. */
  latestDeleteHorizon: number;
}

type Phase = 'map' | 'clean' | 'done' | 'aborted';

interface WrittenBatch extends LocatedBatch {
  bytes: Buffer;
}

export class CleaningTask {
  private phase: Phase = 'map';
  readonly stats: CleaningStats = {
    bytesRead: 0,
    bytesWritten: 0,
    recordsRemoved: 0,
    mappedKeys: 0,
    mapMemoryBytes: 0,
    segmentsSwapped: 0,
    endOffset: -1,
    latestDeleteHorizon: -1,
  };
  /** Why the round was abandoned, when it was. */
  abortReason: string | null = null;
  private readonly offsetMap: OffsetMap;
  private readonly mapTransactions: CleanerTransactions;

  // map phase
  private readonly dirtySegments: Segment[];
  private mapIndex = 0;
  private mapIterator: Generator<LocatedBatch & { bytes: Buffer }> | null = null;

  // clean phase
  private filterContext: RecordFilterContext | null = null;
  private groups: Segment[][] = [];
  private groupIndex = 0;
  private sourceIndex = 0;
  private cleanIterator: Generator<LocatedBatch & { bytes: Buffer }> | null = null;
  private cleaned: Segment | null = null;
  private groupChanged = false;
  private pending: WrittenBatch[] = [];
  private pendingBytes = 0;
  /** The group's swap while it runs in the background. */
  private swap: BackgroundSegmentSwap | null = null;
  /** Settles when `swap` does; the cleaner schedules the next slice on it. */
  private swapSettled: Promise<void> | null = null;
  /** How the background swap ended, once it has: picked up by the next step. */
  private swapResult: { outcome: 'swapped' | 'abandoned' } | { error: unknown } | null = null;

  constructor(
    readonly log: Log,
    readonly firstDirtyOffset: number,
    readonly firstUncleanableOffset: number,
    /** The round's clock: delete horizons are set from and compared with it. */
    readonly now: number,
    private readonly options: CleaningTaskOptions,
  ) {
    const segments = log.segmentList();
    segments.pop(); // the active segment
    this.dirtySegments = segments.filter((s, i) => {
      const end = segments[i + 1]?.baseOffset ?? log.activeSegmentBaseOffset;
      return end > firstDirtyOffset && s.baseOffset < firstUncleanableOffset;
    });
    // Sized for the worst case of one key per offset in the dirty section, capped by the dedupe buffer.
    this.offsetMap = OffsetMap.sized(options.dedupeBufferSize, options.loadFactor, firstUncleanableOffset - firstDirtyOffset);
    this.stats.mapMemoryBytes = this.offsetMap.memoryBytes;
    this.mapTransactions = options.transactions(log, firstDirtyOffset, firstUncleanableOffset);
  }

  get finished(): boolean {
    return this.phase === 'done' || this.phase === 'aborted';
  }

  get completed(): boolean {
    return this.phase === 'done';
  }

  get currentPhase(): Phase {
    return this.phase;
  }

  /** While a background swap is in flight: settles when it is over (never rejects). Stepping before then does nothing. */
  get ioInFlight(): Promise<void> | null {
    return this.swap && !this.swapResult ? this.swapSettled : null;
  }

  /** One slice of work. True when the round is over (done or abandoned). */
  step(budget: SliceBudget): boolean {
    if (this.finished) return true;
    if (this.swap) {
      if (!this.swapResult) return false;
      this.takeSwapResult(this.swapResult);
      if (this.finished) return true;
    }
    const problem = this.checkLogStillCleanable();
    if (problem) {
      this.abort(problem);
      return true;
    }
    while (budget.remains && !this.finished && !this.swap) {
      if (this.phase === 'map') this.mapStep(budget);
      else this.cleanStep(budget);
    }
    return this.finished;
  }

  /** Abandons the round: the `.cleaned` segment being written is deleted. Swaps already done stay. */
  abort(reason: string): void {
    if (this.finished) return;
    this.abortReason = reason;
    this.phase = 'aborted';
    this.cleanIterator = null;
    this.mapIterator = null;
    this.pending = [];
    this.swap?.abandon();
    this.swap = null;
    if (this.cleaned) {
      this.cleaned.delete();
      this.cleaned = null;
    }
  }

  private checkLogStillCleanable(): string | null {
    if (this.log.isClosed) return 'the log was closed or deleted';
    if (!this.log.logConfig.compactPolicy) return 'cleanup.policy no longer includes compact';
    const inUse = this.phase === 'map' ? this.dirtySegments.slice(this.mapIndex) : this.groups.slice(this.groupIndex).flat();
    if (!this.log.hasSegments(inUse)) return 'segments were deleted while being cleaned (retention or DeleteRecords)';
    return null;
  }

  // ---- map -----------------------------------------------------------------

  private mapStep(budget: SliceBudget): void {
    if (!this.mapIterator) {
      const segment = this.dirtySegments[this.mapIndex];
      if (!segment) {
        this.startCleaning(this.firstUncleanableOffset);
        return;
      }
      const from = segment.baseOffset < this.firstDirtyOffset ? segment.positionOf(this.firstDirtyOffset) : 0;
      this.mapIterator = segment.batchesWithBytesFrom(from, this.options.ioBufferSize);
    }
    const next = this.mapIterator.next();
    if (next.done) {
      this.mapIterator = null;
      this.mapIndex++;
      return;
    }
    const { info, bytes } = next.value;
    budget.spend(info.size);
    this.stats.bytesRead += info.size;
    if (info.lastOffset < this.firstDirtyOffset || info.baseOffset >= this.firstUncleanableOffset) return;
    if (isControl(info)) {
      this.mapTransactions.onMarker(info, markerKindOf(bytes, info));
      return;
    }
    if (this.mapTransactions.isAborted(info)) return;
    const stoppedAt = this.mapBatch(bytes, info);
    if (stoppedAt !== null) this.startCleaning(stoppedAt);
  }

  /** Puts the batch's keys in the map; the offset of the first record that did not fit, or null. */
  private mapBatch(bytes: Buffer, info: BatchInfo): number | null {
    const records = recordsSection(bytes, this.options.maxUncompressedBytes);
    let stoppedAt: number | null = null;
    forEachRawRecord(records, info, (r) => {
      if (stoppedAt !== null || r.keyLength < 0) return;
      const offset = info.baseOffset + r.offsetDelta;
      if (offset < this.firstDirtyOffset || offset >= this.firstUncleanableOffset) return;
      if (!this.offsetMap.put(records.subarray(r.keyStart, r.keyStart + r.keyLength), offset)) stoppedAt = offset;
    });
    return stoppedAt;
  }

  // ---- clean ---------------------------------------------------------------

  private startCleaning(endOffset: number): void {
    this.phase = 'clean';
    this.mapIterator = null;
    this.stats.endOffset = endOffset;
    this.stats.mappedKeys = this.offsetMap.size;
    const config = this.log.logConfig;
    this.filterContext = {
      offsetMap: this.offsetMap,
      endOffset,
      now: this.now,
      deleteRetentionMs: config.deleteRetentionMs,
      lastBatchOfProducer: this.log.lastBatchOffsetsOfProducers(),
      transactions: this.options.transactions(this.log, this.log.logStartOffset, endOffset),
      maxUncompressedBytes: this.options.maxUncompressedBytes,
    };
    const segments = this.log.segmentList();
    segments.pop();
    this.groups = groupSegmentsBySize(
      segments.filter((s) => s.baseOffset < endOffset),
      { segmentBytes: config.segmentBytes, segmentIndexBytes: config.segmentIndexBytes, indexIntervalBytes: config.indexIntervalBytes },
    );
    if (this.groups.length === 0) this.phase = 'done';
  }

  private cleanStep(budget: SliceBudget): void {
    const group = this.groups[this.groupIndex];
    if (!group) {
      this.phase = 'done';
      return;
    }
    if (!this.cleaned) {
      const first = group[0] as Segment;
      this.cleaned = Segment.create(this.log.dir, first.baseOffset, this.log.logConfig.indexIntervalBytes, this.now, CLEANED_SUFFIX);
      this.sourceIndex = 0;
      this.groupChanged = group.length > 1;
    }
    if (!this.cleanIterator) {
      const source = group[this.sourceIndex];
      if (!source) {
        this.finishGroup(group);
        return;
      }
      this.cleanIterator = source.batchesWithBytesFrom(0, this.options.ioBufferSize);
    }
    const next = this.cleanIterator.next();
    if (next.done) {
      this.cleanIterator = null;
      this.sourceIndex++;
      return;
    }
    const { info, bytes } = next.value;
    budget.spend(info.size);
    this.stats.bytesRead += info.size;
    const result = filterBatch(bytes, info, this.filterContext as RecordFilterContext);
    this.stats.recordsRemoved += result.recordsRemoved;
    if (result.deleteHorizonMs > this.stats.latestDeleteHorizon) this.stats.latestDeleteHorizon = result.deleteHorizonMs;
    if (!result.unchanged) this.groupChanged = true;
    if (result.output) {
      // An unchanged batch is a view into the read window: copy it before the window moves.
      const out = result.unchanged ? Buffer.from(result.output) : result.output;
      this.pending.push({ position: 0, info: result.unchanged ? info : readBatchHeader(out, 0), bytes: out });
      this.pendingBytes += out.length;
      if (this.pendingBytes >= this.options.ioBufferSize) this.writePending();
    }
  }

  private writePending(): void {
    if (this.pending.length === 0 || !this.cleaned) return;
    const data = Buffer.concat(
      this.pending.map((b) => b.bytes),
      this.pendingBytes,
    );
    let position = 0;
    const located: LocatedBatch[] = this.pending.map((b) => {
      const l = { position, info: b.info };
      position += b.bytes.length;
      return l;
    });
    this.cleaned.append(data, located, this.now);
    this.stats.bytesWritten += data.length;
    this.pending = [];
    this.pendingBytes = 0;
  }

  private finishGroup(group: Segment[]): void {
    this.writePending();
    const cleaned = this.cleaned as Segment;
    this.cleaned = null;
    this.groupIndex++;
    if (!this.groupChanged) {
      // A lone segment with nothing removed: the original stays, no swap needed.
      this.stats.bytesWritten -= cleaned.size;
      cleaned.delete();
      return;
    }
    if (!this.options.backgroundIo) {
      this.log.replaceSegments(group, cleaned);
      this.stats.segmentsSwapped++;
      return;
    }
    const log = this.log;
    const end = log.replaceableRangeEnd(group, cleaned);
    const swap = new BackgroundSegmentSwap(log.dir, cleaned, group, end, {
      stillReplaceable: () => {
        if (log.isClosed || !log.hasSegments(group)) return false;
        try {
          return log.replaceableRangeEnd(group, cleaned) === end;
        } catch {
          return false;
        }
      },
      install: () => log.installCleanedSegment(group, cleaned, end),
    });
    this.swap = swap;
    this.swapResult = null;
    this.swapSettled = swap.done.then(
      (outcome) => {
        if (this.swap === swap) this.swapResult = { outcome };
      },
      (error: unknown) => {
        if (this.swap === swap) this.swapResult = { error };
      },
    );
  }

  /** A background swap is over: count it, or end the round as the synchronous swap would have. */
  private takeSwapResult(result: { outcome: 'swapped' | 'abandoned' } | { error: unknown }): void {
    this.swap = null;
    this.swapResult = null;
    this.swapSettled = null;
    if ('error' in result) throw result.error;
    if (result.outcome === 'swapped') this.stats.segmentsSwapped++;
    else this.abort(this.checkLogStillCleanable() ?? 'the segments to replace changed while being swapped');
  }
}
