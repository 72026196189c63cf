/**
 * Which records of a batch survive a cleaning, and what the batch becomes —
 * Kafka's LogCleaner.shouldRetainRecord and checkBatchRetention, for v2
 * batches (the only format Weir stores).
 */
import { type BatchInfo, isControl } from '../batch-info';
import { deleteHorizonOf, emptyBatchOf, type KeptRecord, rewriteBatch } from './batch-rewriter';
import type { OffsetMap } from './offset-map';
import { forEachRawRecord, type RawRecord, recordsSection } from './record-scanner';
import { type CleanerTransactions, markerKindOf } from './transactions';

export interface RecordFilterContext {
  /** Key -> latest offset over the mapped part of the dirty section. */
  offsetMap: OffsetMap;
  /** Records at or past this offset were not mapped (the map filled up): all kept. */
  endOffset: number;
  /** The cleaning's start time: delete horizons are set from it and compared with it. */
  now: number;
  deleteRetentionMs: number;
  /** producer id -> last offset of its last data batch (-1: none), for every producer the log still remembers. */
  lastBatchOfProducer: ReadonlyMap<number, number>;
  transactions: CleanerTransactions;
  /** Ceiling for a decompressed batch. */
  maxUncompressedBytes: number;
}

/** What became of one batch. */
export interface FilteredBatch {
  /** The bytes to write: the original (`unchanged`), a rewrite, an empty header, or null to drop it. */
  output: Buffer | null;
  unchanged: boolean;
  recordsRemoved: number;
  /** The delete horizon the written batch carries (-1: none). */
  deleteHorizonMs: number;
}

/**
 * Decides the fate of the batch `bytes` (whole, header described by `info`).
 * `bytes` may be a view into a reusable window: when kept unchanged, the
 * caller copies it before the window moves.
 */
export function filterBatch(bytes: Buffer, info: BatchInfo, ctx: RecordFilterContext): FilteredBatch {
  const horizon = deleteHorizonOf(bytes);
  const lastDataOffset = info.producerId >= 0 ? ctx.lastBatchOfProducer.get(info.producerId) : undefined;
  const isLastOfProducer = lastDataOffset === info.lastOffset;

  if (isControl(info)) {
    // Markers are kept until their transaction has no records left and their
    // delete horizon has passed (piggy-backing on tombstone retention). A
    // marker after a live producer's last data batch may be its latest entry,
    // holding its epoch: kept too.
    const canDiscard = ctx.transactions.onMarker(info, markerKindOf(bytes, info));
    const mayBeLastOfProducer = lastDataOffset !== undefined && lastDataOffset < info.baseOffset;
    if (canDiscard && horizon !== null && horizon <= ctx.now && !mayBeLastOfProducer) {
      return { output: null, unchanged: false, recordsRemoved: info.recordCount, deleteHorizonMs: -1 };
    }
    if (canDiscard && horizon === null) {
      const records = recordsSection(bytes, ctx.maxUncompressedBytes);
      const all: KeptRecord[] = [];
      forEachRawRecord(records, info, (r) => all.push(keptRecord(r)));
      const newHorizon = ctx.now + ctx.deleteRetentionMs;
      return { output: rewriteBatch(bytes, records, all, newHorizon), unchanged: false, recordsRemoved: 0, deleteHorizonMs: newHorizon };
    }
    return { output: bytes, unchanged: true, recordsRemoved: 0, deleteHorizonMs: horizon ?? -1 };
  }

  const aborted = ctx.transactions.isAborted(info);
  const records = recordsSection(bytes, ctx.maxUncompressedBytes);
  const kept: KeptRecord[] = [];
  let retainsTombstone = false;
  forEachRawRecord(records, info, (r) => {
    if (aborted || !shouldRetainRecord(records, r, info.baseOffset + r.offsetDelta, horizon, ctx)) return;
    kept.push(keptRecord(r));
    if (r.valueIsNull) retainsTombstone = true;
  });
  const removed = info.recordCount - kept.length;
  // A tombstone's clock starts the first time a cleaning keeps it (KIP-534).
  const needsHorizon = retainsTombstone && horizon === null;
  if (removed === 0 && !needsHorizon) return { output: bytes, unchanged: true, recordsRemoved: 0, deleteHorizonMs: horizon ?? -1 };
  if (kept.length === 0) {
    if (isLastOfProducer) return { output: emptyBatchOf(bytes), unchanged: false, recordsRemoved: removed, deleteHorizonMs: -1 };
    return { output: null, unchanged: false, recordsRemoved: removed, deleteHorizonMs: -1 };
  }
  const newHorizon = horizon ?? (needsHorizon ? ctx.now + ctx.deleteRetentionMs : null);
  return { output: rewriteBatch(bytes, records, kept, newHorizon), unchanged: false, recordsRemoved: removed, deleteHorizonMs: newHorizon ?? -1 };
}

function keptRecord(r: RawRecord): KeptRecord {
  return { start: r.start, end: r.end, timestampDelta: r.timestampDelta, offsetDelta: r.offsetDelta, keySectionStart: r.keySectionStart };
}

/**
 * A record stays when it was not mapped (past the map's end), or it is the
 * latest for its key and either has a value or is a tombstone whose delete
 * horizon has not passed (or not been set yet). Records without a key go:
 * a compacted topic cannot hold them (Kafka counts them as invalid).
 */
function shouldRetainRecord(records: Buffer, r: RawRecord, offset: number, horizon: number | null, ctx: RecordFilterContext): boolean {
  if (offset >= ctx.endOffset) return true;
  if (r.keyLength < 0) return false;
  if (offset < ctx.offsetMap.get(records.subarray(r.keyStart, r.keyStart + r.keyLength))) return false;
  if (!r.valueIsNull) return true;
  return horizon === null || ctx.now < horizon;
}
