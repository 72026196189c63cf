import { ErrorCode } from '../protocol/errors';
import type { RecordsValue } from '../protocol/primitives/records-value';
import { ATTRIBUTES, BASE_OFFSET, type BatchHeader, MAX_TIMESTAMP, PARTITION_LEADER_EPOCH, TIMESTAMP_TYPE_LOG_APPEND } from '../protocol/records/batch-header';
import { writeBatchCrc } from '../protocol/records/crc';
import { type BatchInfo, checkBatch, isLogAppendTime, readBatchHeader, writeInt64 } from './batch-info';
import { recoverInterruptedSwaps, swapInCleanedSegment } from './cleaner/segment-swap';
import { type LogConfig, logConfig, maxSegmentMs } from './log-config';
import { endTxnMarkerAt } from './control-batch';
import { LeaderEpochCache } from './leader-epoch-cache';
import { LEADER_EPOCH_CHECKPOINT } from './leader-epoch-checkpoint-file';
import { type AppendOrigin, type CompletedTxn, type ProducerStateEntry, ProducerStateManager } from './producer-state-manager';
import {
  decodeProducerSnapshot,
  encodeKafkaProducerSnapshot,
  encodeRetainedBatches,
  PRODUCER_BATCHES_SUFFIX,
  PRODUCER_SNAPSHOT_SUFFIX,
} from './producer-snapshot';
import { firstRecordAtOrAfterUncompressed, type RecordTimestampLocator } from './record-timestamps';
import { TEMP_FILE_SUFFIX } from './atomic-file';
import { DirListing } from './dir-listing';
import { PARTITION_METADATA_FILE, PartitionMetadataFile } from './partition-metadata-file';
import { DELETED_SUFFIX, INDEX_SUFFIX, type LocatedBatch, LOG_SUFFIX, Segment, TIME_INDEX_SUFFIX, segmentFileStem } from './segment';
import type { StorageDir } from './storage-dir';
import { type AbortedTxn, TransactionIndex } from './transaction-index';
import { ControlRecordType } from '../protocol/records/control-record';

export interface LogOptions {
  topic: string;
  partition: number;
  config?: Partial<LogConfig>;
  /** From `recovery-point-offset-checkpoint`: data below it was flushed and is trusted. 0 = check everything. */
  recoveryPoint?: number;
  /** From `log-start-offset-checkpoint`. */
  logStartOffset?: number;
  /** Wall clock in ms (injected by tests). */
  now?: () => number;
  /**
   * The directory may hold an earlier Weir's files: `.index` files whose
   * entries named a batch's first offset where Kafka names its last, and
   * `.snapshot` files in Weir's old layout. Drop both; every segment's
   * indexes are written anew from its batches, and the producer state is
   * rebuilt by replaying them (once, on start).
   */
  convertEarlierWeirFiles?: boolean;
  /**
   * A new log's directory that the caller made in the thread pool
   * (LogManager.prepareLogsAsync): the files it holds (FILES_OF_A_NEW_LOG,
   * and `partition.metadata` when `topicId` is given), known without
   * listing it, and the topic id that file records. The load lists and
   * reads nothing.
   */
  madeDir?: { readonly files: readonly string[]; readonly topicId: string | null };
}

export interface AppendOptions {
  /** Written into each batch's partitionLeaderEpoch. */
  leaderEpoch: number;
  /** Wall clock for segment.ms and flush.ms (defaults to the log's clock). */
  now?: number;
  /** 'coordinator' for the coordinators' own writes (no sequence numbers to check); default 'client'. */
  origin?: AppendOrigin;
  /**
   * The batches of `data`, already parsed and checked by the caller (produce
   * validation reads each header once); parsed here when absent.
   */
  batches?: readonly { position: number; header: BatchHeader }[];
  /**
   * LogAppendTime: the append time, written into each batch's max timestamp
   * and attributes (CRC recomputed) once every check has passed.
   */
  logAppendTime?: number;
}

/**
 * The outcome of `Log.append`. On success or duplicate `errorCode` is NONE;
 * `duplicate` says the batch was a producer retry and was not stored again
 * (offsets are the original ones). On error nothing was written and the
 * offsets are -1.
 */
export interface AppendResult {
  errorCode: ErrorCode;
  errorMessage: string | null;
  baseOffset: number;
  lastOffset: number;
  /** The batch's append time when the batch uses LogAppendTime, else -1 (Kafka's produce response field). */
  logAppendTime: number;
  logStartOffset: number;
  duplicate: boolean;
}

/** The outcome of `Log.appendAsFollower`: the batches' own offsets, or the error (nothing written). */
export interface FollowerAppendResult {
  errorCode: ErrorCode;
  errorMessage: string | null;
  baseOffset: number;
  lastOffset: number;
  logStartOffset: number;
}

export interface ReadOptions {
  /** Exclusive bound: no batch with a base offset at or above it (the partition's high watermark or LSO). Default: log end. */
  upperBoundOffset?: number;
  /** Return the first batch whole even when it exceeds maxBytes (Kafka's minOneMessage). Default true. */
  minOneBatch?: boolean;
}

export interface ReadResult {
  /** NONE, or OFFSET_OUT_OF_RANGE when offset < logStartOffset or > logEndOffset. */
  errorCode: ErrorCode;
  /** Whole batches starting with the one containing the offset; null when there is nothing to send. */
  records: RecordsValue | null;
  logStartOffset: number;
  logEndOffset: number;
}

export interface TimestampAndOffset {
  offset: number;
  timestamp: number;
}

const INT32_MAX = 0x7fffffff;
const SNAPSHOTS_KEPT = 2;

/**
 * One partition's log: an ordered list of segments, the last one active.
 *
 * Single-threaded and synchronous: an append is written (to the page cache)
 * before `append` returns, so a read never sees half a batch. fsync happens on
 * roll (off the event loop), on `flush` (flush.messages / flush.ms / close) and
 * never otherwise; the recovery point records how far the log is known durable.
 *
 * The log knows nothing of replication: its high watermark belongs to the
 * Partition that owns it (cluster/partition.ts), which passes it as the read
 * bound. What the log keeps for the partition is the state that must match
 * its bytes: the producers' idempotence and transaction state (private: the
 * log checks and updates it on append) and the leader-epoch cache.
 */
export class Log {
  readonly topic: string;
  readonly partition: number;
  private readonly producerState = new ProducerStateManager();
  /** Which leader epoch wrote which offsets (`leader-epoch-checkpoint`). */
  private epochs: LeaderEpochCache = LeaderEpochCache.inMemory();
  private config: LogConfig;
  private segments: Segment[] = [];
  private currentLogStartOffset = 0;
  private currentRecoveryPoint = 0;
  private unflushedMessages = 0;
  private lastFlushTime: number;
  /** Aborted transactions (`.txnindex`), loaded with the log. */
  private txnIndex: TransactionIndex | null = null;
  private flushChain: Promise<void> = Promise.resolve();
  /**
   * The offset of the newest producer snapshot on disk (the first segment's
   * base when there is none: loading replays from there). A close writes a
   * new one only when the log end has moved past it, as Kafka's does.
   */
  private producerSnapshotOffset = 0;
  /**
   * Truncations so far, and how many of them a flush has made durable: a
   * truncation since the last flush must be fsynced even with nothing past
   * the recovery point.
   */
  private truncations = 0;
  private truncationsFlushed = 0;
  private closed = false;
  /** What recovery found when the log was opened (for the broker's startup log line). */
  recoveryReport: { truncatedBytes: number; deletedSegments: number; completedCleanerSwaps: number; rewrittenIndexes: number } = {
    truncatedBytes: 0,
    deletedSegments: 0,
    completedCleanerSwaps: 0,
    rewrittenIndexes: 0,
  };
  /** Set when a background fsync (on roll) failed; the recovery point did not advance. */
  lastFlushError: Error | null = null;
  /** `partition.metadata`: which topic (by id) this directory belongs to. */
  private readonly partitionMetadata: PartitionMetadataFile;
  private currentTopicId: string | null = null;
  private topicIdWrite: Promise<void> = Promise.resolve();
  /** Set when writing `partition.metadata` failed: the file is missing until the next start assigns the log again. */
  partitionMetadataError: Error | null = null;

  private constructor(
    readonly dir: StorageDir,
    options: LogOptions,
    private readonly time: () => number,
  ) {
    this.topic = options.topic;
    this.partition = options.partition;
    this.config = logConfig(options.config);
    this.lastFlushTime = time();
    this.partitionMetadata = new PartitionMetadataFile(dir);
  }

  /**
   * The files a new log has once closed, which may exist (empty) before it
   * opens: its first segment's, with both of its index files (an empty
   * index is an empty file). An empty first segment already there, with
   * its index files, is opened as the one it would have created, and has
   * nothing to write at close (see LogManager.prepareLogsAsync): a log that
   * never got a record, else, created both files at the close, about a
   * millisecond each on some disks, seconds for a topic of thousands.
   */
  static readonly FILES_OF_A_NEW_LOG: readonly string[] = [LOG_SUFFIX, INDEX_SUFFIX, TIME_INDEX_SUFFIX].map((suffix) => segmentFileStem(0) + suffix);

  /** Opens (creating when empty) the log in `dir`, recovering anything past the recovery point. */
  static open(dir: StorageDir, options: LogOptions): Log {
    const log = new Log(dir, options, options.now ?? Date.now);
    log.load(options.recoveryPoint ?? 0, options.logStartOffset, options.convertEarlierWeirFiles ?? false, options.madeDir);
    return log;
  }

  /**
   * The id of the topic this log belongs to (dashed hex), from its
   * `partition.metadata`; null for a log written before topic ids were
   * recorded (or whose file a crash kept from being written).
   */
  get topicId(): string | null {
    return this.currentTopicId;
  }

  /**
   * Records the topic this log belongs to (Kafka's UnifiedLog.assignTopicId):
   * a log without one gets `partition.metadata` written, its fsyncs in the
   * thread pool (see PartitionMetadataFile.writeAsync); the same id again
   * does nothing; another id is an error, since the log holds another
   * topic's records.
   */
  assignTopicId(topicId: string): void {
    if (this.currentTopicId === topicId) return;
    if (this.currentTopicId !== null) {
      throw new Error(`${this.dir.path}: cannot assign topic id ${topicId}, the log belongs to topic id ${this.currentTopicId}`);
    }
    this.currentTopicId = topicId;
    this.partitionMetadataError = null;
    // Given up once the log is closed or deleted: its directory may be gone, or another log's by then.
    this.topicIdWrite = this.partitionMetadata.writeAsync(topicId, () => !this.closed).catch((err: unknown) => {
      // A log deleted or closed meanwhile has no file to write.
      if (!this.closed) this.partitionMetadataError = err instanceof Error ? err : new Error(String(err));
    });
  }

  /** Resolves once the `partition.metadata` write asked for last has finished (or failed: see partitionMetadataError). */
  whenTopicIdWritten(): Promise<void> {
    return this.topicIdWrite;
  }

  get logStartOffset(): number {
    return this.currentLogStartOffset;
  }

  get logEndOffset(): number {
    return this.activeSegment.nextOffset;
  }

  get recoveryPoint(): number {
    return this.currentRecoveryPoint;
  }

  /** Total bytes of all segments. */
  get size(): number {
    let n = 0;
    for (const s of this.segments) n += s.size;
    return n;
  }

  get numberOfSegments(): number {
    return this.segments.length;
  }

  /** Base offsets of the segments, oldest first. */
  segmentBaseOffsets(): number[] {
    return this.segments.map((s) => s.baseOffset);
  }

  get logConfig(): Readonly<LogConfig> {
    return this.config;
  }

  updateConfig(overrides: Partial<LogConfig>): void {
    this.config = logConfig(overrides);
  }

  private get activeSegment(): Segment {
    const s = this.segments[this.segments.length - 1];
    if (!s) throw new Error(`${this.dir.path}: log has no segment`);
    return s;
  }

  // ---- loading and recovery ------------------------------------------------

  /**
   * The directory is listed once, here, and every step reads that listing
   * (see DirListing). The steps up to the segments' loading delete and
   * rename files through the listing, keeping it true. From the segments'
   * loading on, Segment creates, rewrites and deletes segment files (.log,
   * .index, .timeindex) by itself, so nothing after it asks the listing about
   * those: the transaction index reads `.txnindex` names, the producer
   * state `.snapshot` and `.producer-batches` names, and the leader epochs
   * whether `leader-epoch-checkpoint` is there; no step before them creates
   * or deletes any of these other than through the listing.
   */
  private load(recoveryPoint: number, checkpointedLogStart: number | undefined, convertEarlierWeirFiles: boolean, madeDir?: LogOptions['madeDir']): void {
    const now = this.time();
    const listing = new DirListing(this.dir, madeDir?.files);
    // A malformed file stops the load: which topic these records belong to is unknown.
    this.currentTopicId = madeDir ? madeDir.topicId : listing.has(PARTITION_METADATA_FILE) ? this.partitionMetadata.read() : null;
    // Leftovers: half-written replacements, and segments Kafka had renamed for deletion.
    for (const f of listing.files()) if (f.endsWith(TEMP_FILE_SUFFIX) || f.endsWith(DELETED_SUFFIX)) listing.deleteFile(f);
    // A cleaning interrupted by a crash: finish its swap or discard it, before
    // anything looks at the segment files.
    this.recoveryReport.completedCleanerSwaps = recoverInterruptedSwaps(listing, this.config.indexIntervalBytes, now).completedSwaps;
    if (convertEarlierWeirFiles) {
      for (const f of listing.files()) if (/^\d{20}\.(index|snapshot)$/.test(f)) listing.deleteFile(f);
    }
    const bases = listing
      .files()
      .filter((f) => /^\d{20}\.log$/.test(f))
      .map((f) => Number(f.slice(0, 20)))
      .sort((a, b) => a - b);
    const interval = this.config.indexIntervalBytes;
    this.segments = bases.map((b) => Segment.open(this.dir, b, interval, now));
    // Whether each opened segment's index files are there, asked of the
    // listing now, before any segment creates or deletes one.
    const indexFilesListed = new Map(bases.map((b) => [b, listing.has(segmentFileStem(b) + INDEX_SUFFIX) && listing.has(segmentFileStem(b) + TIME_INDEX_SUFFIX)]));
    if (this.segments.length === 0) {
      this.segments.push(Segment.create(this.dir, checkpointedLogStart ?? 0, interval, now));
    }

    // Segments from the one holding the recovery point onwards are checked
    // batch by batch; the first damaged one is truncated and every later one
    // deleted (their offsets would no longer follow on).
    let first = 0;
    for (let i = 0; i < this.segments.length; i++) if ((this.segments[i] as Segment).baseOffset <= recoveryPoint) first = i;
    for (let i = 0; i < this.segments.length; i++) {
      const seg = this.segments[i] as Segment;
      const next = this.segments[i + 1];
      if (i < first) {
        seg.nextOffset = next ? next.baseOffset : seg.baseOffset;
        continue;
      }
      const result = seg.recover(i === first ? recoveryPoint : null, indexFilesListed.get(seg.baseOffset));
      this.recoveryReport.truncatedBytes += result.truncatedBytes;
      // What recovery found past the recovery point becomes trusted: make it
      // durable. Nothing there (a clean shutdown, a new log): nothing to fsync,
      // sparing the start-up (and CreateTopics) of N partitions N fsyncs.
      if (result.bytesPastRecoveryPoint > 0) seg.flush();
      if (result.problem !== null && i < this.segments.length - 1) {
        for (const later of this.segments.splice(i + 1)) {
          later.delete();
          this.recoveryReport.deletedSegments++;
        }
        break;
      }
    }

    const firstBase = (this.segments[0] as Segment).baseOffset;
    this.currentLogStartOffset = Math.max(checkpointedLogStart ?? firstBase, firstBase);
    if (this.currentLogStartOffset > this.logEndOffset) {
      // The log start was moved past what survived: start over, empty, at the log start.
      const start = this.currentLogStartOffset;
      for (const s of this.segments.splice(0)) s.delete();
      this.segments.push(Segment.create(this.dir, start, interval, now));
    }
    this.currentRecoveryPoint = this.logEndOffset;
    if (convertEarlierWeirFiles) {
      for (const seg of this.segments) seg.writeIndexesNow();
      this.recoveryReport.rewrittenIndexes = this.segments.length;
    }
    // Segment files are not asked about from here on (see above).
    const files = listing.files();
    this.txnIndex = TransactionIndex.load(this.dir, this.currentLogStartOffset, this.segmentBaseOffsets(), this.logEndOffset, files);
    this.loadProducerState(files);
    // No step of the load writes or deletes the checkpoint before this: the listing still knows whether it is there.
    this.loadLeaderEpochs(recoveryPoint, listing.has(LEADER_EPOCH_CHECKPOINT));
  }

  /**
   * The leader-epoch checkpoint, trimmed to what recovery left of the log. A
   * log written before Weir kept one (every batch then carried epoch 0) gets
   * one entry: the first batch's epoch from the log start.
   */
  private loadLeaderEpochs(recoveryPoint: number, hadCheckpoint: boolean): void {
    this.epochs = hadCheckpoint ? LeaderEpochCache.load(this.dir) : LeaderEpochCache.withoutCheckpoint(this.dir);
    this.epochs.truncateFromEnd(this.logEndOffset);
    this.epochs.truncateFromStart(this.currentLogStartOffset);
    if (!hadCheckpoint && this.logEndOffset > this.currentLogStartOffset) {
      const seg = this.segments[this.segmentIndexFor(this.currentLogStartOffset)] as Segment;
      const first = seg.findBatch(this.currentLogStartOffset);
      if (first && first.info.partitionLeaderEpoch >= 0) this.epochs.assign(first.info.partitionLeaderEpoch, this.currentLogStartOffset);
    }
    // Past the recovery point the checkpoint may lag the batches (it is
    // fsynced with the data): the batches' own epochs say where each began.
    const from = Math.max(recoveryPoint, this.currentLogStartOffset);
    if (from >= this.logEndOffset) return;
    for (let i = this.segmentIndexFor(from); i < this.segments.length; i++) {
      for (const b of (this.segments[i] as Segment).batchesFromOffset(from)) {
        if (b.info.lastOffset < from || b.info.partitionLeaderEpoch < 0) continue;
        const latest = this.epochs.latestEpoch;
        if (latest === null || b.info.partitionLeaderEpoch > latest) this.epochs.assign(b.info.partitionLeaderEpoch, Math.max(b.info.baseOffset, from));
      }
    }
    this.epochs.sync(this.logEndOffset);
  }

  /** Offsets of the producer snapshots among `files` (by default, the directory listed now), oldest first. */
  private snapshotOffsets(files: readonly string[] = this.dir.listFiles()): number[] {
    return files
      .filter((f) => /^\d{20}\.snapshot$/.test(f))
      .map((f) => Number(f.slice(0, 20)))
      .sort((a, b) => a - b);
  }

  /** Deletes a producer snapshot: Kafka's file and Weir's retained batches beside it. */
  private deleteProducerSnapshot(offset: number): void {
    const stem = segmentFileStem(offset);
    this.dir.deleteFile(stem + PRODUCER_SNAPSHOT_SUFFIX);
    this.dir.deleteFile(stem + PRODUCER_BATCHES_SUFFIX);
  }

  /**
   * The latest usable snapshot, then the batch headers after it. `files` is
   * a listing of the directory that is still true for `.snapshot` and
   * `.producer-batches` files: nothing changed them since it was taken.
   */
  private loadProducerState(files: readonly string[]): void {
    const leo = this.logEndOffset;
    let from = (this.segments[0] as Segment).baseOffset;
    this.producerState.clear();
    // Retained-batch files whose Kafka snapshot is gone (a crash between the two writes).
    const snapshots = new Set(this.snapshotOffsets(files));
    for (const f of files) {
      if (f.endsWith(PRODUCER_BATCHES_SUFFIX) && !snapshots.has(Number(f.slice(0, 20)))) this.dir.deleteFile(f);
    }
    for (const offset of [...snapshots].reverse()) {
      if (offset > leo) {
        this.deleteProducerSnapshot(offset); // describes data that recovery cut off
        continue;
      }
      const stem = segmentFileStem(offset);
      const buf = this.dir.readFile(stem + PRODUCER_SNAPSHOT_SUFFIX);
      const entries = buf && decodeProducerSnapshot(buf, this.dir.readFile(stem + PRODUCER_BATCHES_SUFFIX));
      if (entries) {
        this.producerState.loadEntries(entries);
        from = offset;
        break;
      }
      this.deleteProducerSnapshot(offset);
    }
    this.producerSnapshotOffset = from;
    for (const seg of this.segments) {
      if (seg.nextOffset <= from) continue;
      for (const b of seg.batchesFromOffset(from)) {
        if (b.info.baseOffset < from) continue;
        const completed = this.producerState.replay(b.info);
        // A marker whose index entry was lost with the crash: rebuild it.
        if (completed && !this.txnIndex?.has(completed.producerId, completed.lastOffset)) {
          this.indexCompletedTxn(seg, completed, endTxnMarkerAt(seg.readBatch(b), 0)?.type);
        }
      }
    }
  }

  /** Kafka's `.snapshot` at `offset`, Weir's retained batches written before it (see producer-snapshot.ts). */
  private writeProducerSnapshot(offset: number): void {
    const stem = segmentFileStem(offset);
    const entries = this.producerState.snapshotEntries();
    const retained = encodeRetainedBatches(entries);
    if (retained) this.dir.writeFile(stem + PRODUCER_BATCHES_SUFFIX, retained, { sync: false });
    else this.dir.deleteFile(stem + PRODUCER_BATCHES_SUFFIX);
    this.dir.writeFile(stem + PRODUCER_SNAPSHOT_SUFFIX, encodeKafkaProducerSnapshot(entries), { sync: false });
    this.producerSnapshotOffset = offset;
    const offsets = this.snapshotOffsets();
    const firstBase = (this.segments[0] as Segment).baseOffset;
    offsets.forEach((o, i) => {
      if (i < offsets.length - SNAPSHOTS_KEPT || (o < firstBase && o !== offset)) this.deleteProducerSnapshot(o);
    });
  }

  // ---- append --------------------------------------------------------------

  /**
   * Appends one or more v2 batches (their CRC and magic checked by the
   * caller). The producer-state checks run on the headers first; only when
   * they pass is the buffer touched: LogAppendTime (when asked) written in,
   * then each batch's baseOffset and partitionLeaderEpoch — both outside the
   * CRC — and the buffer written as is. Idempotent-producer rules apply.
   */
  append(data: Buffer, options: AppendOptions): AppendResult {
    if (this.closed) throw new Error(`${this.dir.path}: append to a closed log`);
    const now = options.now ?? this.time();
    const batches: LocatedBatch[] = [];
    if (options.batches) {
      for (const b of options.batches) batches.push({ position: b.position, info: b.header });
    } else {
      for (let pos = 0; pos < data.length; ) {
        const size = checkBatch(data, pos, data.length - pos, false);
        if (typeof size !== 'number') return this.failed(ErrorCode.CORRUPT_MESSAGE, `batch at byte ${pos} is unusable (${size})`);
        batches.push({ position: pos, info: readBatchHeader(data, pos) });
        pos += size;
      }
    }
    if (batches.length === 0) return this.failed(ErrorCode.CORRUPT_MESSAGE, 'no record batch to append');
    const appendTime = options.logAppendTime;
    if (appendTime !== undefined) {
      // The producer state records the time the batch will carry.
      for (const b of batches) {
        b.info.maxTimestamp = appendTime;
        b.info.attributes |= TIMESTAMP_TYPE_LOG_APPEND;
      }
    }
    const leo = this.logEndOffset;
    const check = this.producerState.checkAppend(
      batches.map((b) => b.info),
      leo,
      options.origin ?? 'client',
    );
    if (check.kind === 'error') return this.failed(check.errorCode, check.message);
    if (check.kind === 'duplicate') {
      return {
        errorCode: ErrorCode.NONE,
        errorMessage: null,
        baseOffset: check.batch.firstOffset,
        lastOffset: check.batch.lastOffset,
        logAppendTime: -1,
        logStartOffset: this.currentLogStartOffset,
        duplicate: true,
      };
    }

    let next = leo;
    let records = 0;
    for (const b of batches) {
      if (appendTime !== undefined) {
        // Both fields are under the CRC, so it is recomputed.
        writeInt64(data, appendTime, b.position + MAX_TIMESTAMP);
        data.writeInt16BE(b.info.attributes, b.position + ATTRIBUTES);
        writeBatchCrc(data, b.position);
      }
      writeInt64(data, next, b.position + BASE_OFFSET);
      data.writeInt32BE(options.leaderEpoch, b.position + PARTITION_LEADER_EPOCH);
      const info: BatchInfo = b.info;
      info.baseOffset = next;
      info.lastOffset = next + info.lastOffsetDelta;
      info.partitionLeaderEpoch = options.leaderEpoch;
      next = info.lastOffset + 1;
      records += info.recordCount;
    }
    const lastOffset = next - 1;
    if (this.shouldRoll(data.length, lastOffset, now)) this.roll(now);
    this.activeSegment.append(data, batches, now);
    this.epochs.assign(options.leaderEpoch, leo);
    check.commit();
    for (const completed of check.completedTxns) {
      const marker = batches.find((b) => b.info.baseOffset === completed.lastOffset);
      const read = marker ? endTxnMarkerAt(data, marker.position) : null;
      if (read) this.producerState.recordCoordinatorEpoch(completed.producerId, read.coordinatorEpoch);
      this.indexCompletedTxn(this.activeSegment, completed, read?.type);
    }

    this.unflushedMessages += records;
    if (this.unflushedMessages >= this.config.flushMessages) this.flush(now);
    const first = batches[0] as LocatedBatch;
    const result: AppendResult = {
      errorCode: ErrorCode.NONE,
      errorMessage: null,
      baseOffset: leo,
      lastOffset,
      logAppendTime: isLogAppendTime(first.info) ? first.info.maxTimestamp : -1,
      logStartOffset: this.currentLogStartOffset,
      duplicate: false,
    };
    return result;
  }

  /**
   * Appends batches that already carry their offsets and leader epochs (a
   * follower copying its leader): nothing is assigned or checked beyond the
   * framing, the CRC and increasing offsets from the log end; producer
   * state and the leader-epoch cache follow the batches, as Kafka's
   * appendAsFollower does.
   */
  appendAsFollower(data: Buffer, now: number = this.time()): FollowerAppendResult {
    if (this.closed) throw new Error(`${this.dir.path}: append to a closed log`);
    const batches: LocatedBatch[] = [];
    let expected = this.logEndOffset;
    // An empty log that starts inside the first batch (the leader's log
    // start was moved into a batch by DeleteRecords, and the follower
    // started over there): it starts at the batch instead, as Kafka's
    // follower does; the log start offset follows the leader's afterwards.
    if (data.length >= 61 && expected === this.currentLogStartOffset) {
      const first = readBatchHeader(data, 0);
      if (first.baseOffset < expected && first.lastOffset >= expected) {
        this.truncateFullyAndStartAt(first.baseOffset);
        expected = first.baseOffset;
      }
    }
    for (let pos = 0; pos < data.length; ) {
      const size = checkBatch(data, pos, data.length - pos, true);
      if (typeof size !== 'number') return this.followerFailed(ErrorCode.CORRUPT_MESSAGE, `batch at byte ${pos} is unusable (${size})`);
      const info = readBatchHeader(data, pos);
      if (info.baseOffset < expected) {
        return this.followerFailed(ErrorCode.UNKNOWN_SERVER_ERROR, `batch at offset ${info.baseOffset} is below the expected offset ${expected}`);
      }
      batches.push({ position: pos, info });
      expected = info.lastOffset + 1;
      pos += size;
    }
    const first = batches[0];
    if (!first) return this.followerFailed(ErrorCode.CORRUPT_MESSAGE, 'no record batch to append');
    const lastOffset = expected - 1;
    if (this.shouldRoll(data.length, lastOffset, now)) this.roll(now);
    this.activeSegment.append(data, batches, now);
    let records = 0;
    for (const b of batches) {
      if (b.info.partitionLeaderEpoch >= 0) this.epochs.assign(b.info.partitionLeaderEpoch, b.info.baseOffset);
      const completed = this.producerState.replay(b.info);
      if (completed) {
        const read = endTxnMarkerAt(data, b.position);
        if (read) this.producerState.recordCoordinatorEpoch(completed.producerId, read.coordinatorEpoch);
        this.indexCompletedTxn(this.activeSegment, completed, read?.type);
      }
      records += b.info.recordCount;
    }
    this.unflushedMessages += records;
    if (this.unflushedMessages >= this.config.flushMessages) this.flush(now);
    return { errorCode: ErrorCode.NONE, errorMessage: null, baseOffset: first.info.baseOffset, lastOffset, logStartOffset: this.currentLogStartOffset };
  }

  private followerFailed(errorCode: ErrorCode, errorMessage: string): FollowerAppendResult {
    return { errorCode, errorMessage, baseOffset: -1, lastOffset: -1, logStartOffset: this.currentLogStartOffset };
  }

  /**
   * Removes every batch from the one holding `offset` on (Kafka's
   * truncateTo: a follower whose tail diverged from its new leader's). The
   * segments past it are deleted, the one holding it is cut at that batch
   * and re-indexed, and the producer state, the aborted-transaction index
   * and the leader-epoch cache are rebuilt for the shorter log. Returns
   * whether anything was removed.
   */
  truncateTo(offset: number): boolean {
    if (this.closed) throw new Error(`${this.dir.path}: truncation of a closed log`);
    if (offset >= this.logEndOffset) return false;
    if (offset <= (this.segments[0] as Segment).baseOffset) {
      // Nothing below `offset` survives: start over, empty, at it.
      this.truncateFullyAndStartAt(Math.max(offset, 0));
      return true;
    }
    const i = this.segmentIndexFor(offset);
    for (const later of this.segments.splice(i + 1)) later.delete();
    const seg = this.segments[i] as Segment;
    const cut = seg.findBatch(offset);
    if (cut) seg.truncateAt(cut.position);
    this.afterTruncation();
    return true;
  }

  /**
   * Deletes every segment and starts the log over, empty, at `offset`
   * (Kafka's truncateFullyAndStartAt): a follower whose log ends below its
   * leader's log start offset cannot catch up by fetching, and begins
   * where the leader's log begins.
   */
  truncateFullyAndStartAt(offset: number): void {
    if (this.closed) throw new Error(`${this.dir.path}: truncation of a closed log`);
    for (const s of this.segments.splice(0)) s.delete();
    // Nothing written before describes the new log: no producer snapshot may be loaded for it.
    for (const o of this.snapshotOffsets()) this.deleteProducerSnapshot(o);
    this.segments.push(Segment.create(this.dir, offset, this.config.indexIntervalBytes, this.time()));
    this.currentLogStartOffset = offset;
    this.currentRecoveryPoint = offset;
    this.epochs.clear();
    this.afterTruncation();
  }

  /** The state derived from the log's tail, rebuilt for a shorter log. */
  private afterTruncation(): void {
    this.truncations++;
    const leo = this.logEndOffset;
    this.currentRecoveryPoint = Math.min(this.currentRecoveryPoint, leo);
    this.txnIndex?.close();
    // One listing for both: the transaction index changes only .txnindex files, which the producer state does not read.
    const files = this.dir.listFiles();
    this.txnIndex = TransactionIndex.load(this.dir, this.currentLogStartOffset, this.segmentBaseOffsets(), leo, files);
    this.loadProducerState(files);
    this.epochs.truncateFromEnd(leo);
  }

  private failed(errorCode: ErrorCode, message: string): AppendResult {
    return {
      errorCode,
      errorMessage: message,
      baseOffset: -1,
      lastOffset: -1,
      logAppendTime: -1,
      logStartOffset: this.currentLogStartOffset,
      duplicate: false,
    };
  }

  private shouldRoll(bytes: number, lastOffset: number, now: number): boolean {
    const active = this.activeSegment;
    if (active.size === 0) return false;
    if (active.size + bytes > this.config.segmentBytes) return true;
    if (now - (active.firstAppendTime ?? active.openedAt) >= maxSegmentMs(this.config)) return true;
    // Index entries hold offsets relative to the segment base as int32.
    return lastOffset - active.baseOffset > INT32_MAX;
  }

  /**
   * Starts a new active segment at the log end offset. The old one's indexes
   * are written now (to the page cache); its data, then its index files and
   * the directory, are fsynced in the background, and the recovery point
   * moves to the new base once those fsyncs complete. Nothing here waits for
   * the disk: a roll happens inside a produce request, and an fsync on the
   * event loop stalled every connection for as long as the disk took
   * (hundreds of ms behind a busy log cleaner). Recovery trusts a segment's
   * index files only below the recovery point, so a crash before the fsyncs
   * finish rebuilds them from the data.
   */
  roll(now: number = this.time()): void {
    const old = this.activeSegment;
    if (old.size === 0) return;
    const base = this.logEndOffset;
    old.onBecomeInactive(false);
    this.segments.push(Segment.create(this.dir, base, this.config.indexIntervalBytes, now));
    this.writeProducerSnapshot(base);
    this.flushChain = this.flushChain
      .then(() => old.flushAsync())
      .then(() => old.syncIndexFilesAsync())
      .then(() => this.dir.syncDirectoryAsync())
      .then(() => this.epochs.syncAsync(this.logEndOffset))
      .then(
        () => {
          if (this.currentRecoveryPoint < base) this.currentRecoveryPoint = base;
        },
        (err: unknown) => {
          this.lastFlushError = err instanceof Error ? err : new Error(String(err));
        },
      );
  }

  /** Resolves when the background fsyncs started by rolls so far have finished. */
  whenRollsFlushed(): Promise<void> {
    return this.flushChain;
  }

  // ---- read ----------------------------------------------------------------

  /**
   * Reads whole batches from the batch containing `offset`, within one
   * segment, like Kafka. Offsets past the upper bound are not returned.
   */
  read(offset: number, maxBytes: number, options: ReadOptions = {}): ReadResult {
    const leo = this.logEndOffset;
    const result: ReadResult = {
      errorCode: ErrorCode.NONE,
      records: null,
      logStartOffset: this.currentLogStartOffset,
      logEndOffset: leo,
    };
    if (offset < this.currentLogStartOffset || offset > leo) {
      result.errorCode = ErrorCode.OFFSET_OUT_OF_RANGE;
      return result;
    }
    const upper = Math.min(options.upperBoundOffset ?? leo, leo);
    if (offset >= upper) return result;
    const minOneBatch = options.minOneBatch ?? true;
    for (let i = this.segmentIndexFor(offset); i < this.segments.length; i++) {
      const seg = this.segments[i] as Segment;
      if (seg.baseOffset >= upper) break;
      const r = seg.read(offset, maxBytes, upper, minOneBatch);
      if (r) {
        result.records = r.records;
        return result;
      }
    }
    return result;
  }

  /** Index of the last segment whose base offset is <= `offset` (0 if none). */
  private segmentIndexFor(offset: number): number {
    let lo = 0;
    let hi = this.segments.length - 1;
    let found = 0;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      if ((this.segments[mid] as Segment).baseOffset <= offset) {
        found = mid;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    return found;
  }

  // ---- timestamps ----------------------------------------------------------

  /**
   * ListOffsets by timestamp: the first record with timestamp >= `timestamp`
   * (never below the log start offset), or null when there is none (Kafka
   * answers offset -1). The time index finds the batch; `locate` finds the
   * record inside it — uncompressed batches are handled here, compressed
   * ones need the broker's locator, else the batch's base offset is given.
   */
  offsetForTimestamp(timestamp: number, locate?: RecordTimestampLocator): TimestampAndOffset | null {
    for (const seg of this.segments) {
      if (seg.nextOffset <= this.currentLogStartOffset && seg !== this.activeSegment) continue;
      if (seg.maxTimestamp < timestamp) continue;
      const b = seg.findBatchByTimestamp(timestamp);
      if (!b) continue;
      const found = this.locateInBatch(seg, b, timestamp, locate);
      return { offset: Math.max(found.offset, this.currentLogStartOffset), timestamp: found.timestamp };
    }
    return null;
  }

  /**
   * ListOffsets -3 (MAX_TIMESTAMP): the offset and timestamp of the first
   * record carrying the largest timestamp in the log; null when the log has none.
   */
  maxTimestampAndOffset(locate?: RecordTimestampLocator): TimestampAndOffset | null {
    let best: Segment | null = null;
    for (const seg of this.segments) if (seg.maxTimestamp >= 0 && (!best || seg.maxTimestamp > best.maxTimestamp)) best = seg;
    if (!best) return null;
    const b = best.findBatch(best.offsetOfMaxTimestamp);
    if (!b) return null;
    return this.locateInBatch(best, b, best.maxTimestamp, locate);
  }

  private locateInBatch(seg: Segment, b: LocatedBatch, timestamp: number, locate?: RecordTimestampLocator): TimestampAndOffset {
    const fallback = { offset: b.info.baseOffset, timestamp: b.info.maxTimestamp };
    // LogAppendTime: every record carries the batch's max timestamp.
    if (isLogAppendTime(b.info)) return fallback;
    const bytes = seg.readBatch(b);
    const own = firstRecordAtOrAfterUncompressed(bytes, timestamp);
    if (own !== undefined) return own ?? fallback;
    return (locate && locate(bytes, timestamp)) ?? fallback;
  }

  // ---- deletion ------------------------------------------------------------

  /**
   * DeleteRecords: moves the log start offset to `offset` and deletes the
   * segments wholly below it. OFFSET_OUT_OF_RANGE past the log end (the
   * partition refuses offsets past its high watermark before this).
   */
  deleteRecordsBefore(offset: number): { errorCode: ErrorCode; lowWatermark: number } {
    if (offset > this.logEndOffset || offset < 0) {
      return { errorCode: ErrorCode.OFFSET_OUT_OF_RANGE, lowWatermark: this.currentLogStartOffset };
    }
    if (offset > this.currentLogStartOffset) {
      this.currentLogStartOffset = offset;
      this.producerState.onLogStartOffsetIncremented(offset);
      this.epochs.truncateFromStart(offset);
      this.txnIndex?.removeBefore(offset, (this.segments[0] as Segment).baseOffset);
      this.deleteOldestWhile((seg, next) => next !== undefined && next.baseOffset <= this.currentLogStartOffset);
    }
    return { errorCode: ErrorCode.NONE, lowWatermark: this.currentLogStartOffset };
  }

  /**
   * Retention, called periodically by the LogManager: deletes the oldest whole
   * segments whose newest timestamp is older than retention.ms, then while the
   * log is larger than retention.bytes — both only when the cleanup policy
   * includes `delete` — then any below the log start offset.
   * Returns how many segments were deleted.
   */
  deleteRetentionExpired(now: number = this.time()): number {
    let deleted = 0;
    const { retentionMs, retentionBytes } = this.config;
    const deletePolicy = this.config.deletePolicy;
    if (deletePolicy && retentionMs >= 0 && Number.isFinite(retentionMs)) {
      deleted += this.deleteOldestWhile((seg) => now - this.segmentAge(seg) > retentionMs);
    }
    if (deletePolicy && retentionBytes >= 0 && Number.isFinite(retentionBytes)) {
      let excess = this.size - retentionBytes;
      deleted += this.deleteOldestWhile((seg) => {
        if (excess - seg.size < 0) return false;
        excess -= seg.size;
        return true;
      });
    }
    deleted += this.deleteOldestWhile((seg, next) => next !== undefined && next.baseOffset <= this.currentLogStartOffset);
    return deleted;
  }

  /** The timestamp retention.ms measures a segment by: its newest record, or when it was last written. */
  private segmentAge(seg: Segment): number {
    const ts = seg.maxTimestamp;
    return ts >= 0 ? ts : (seg.firstAppendTime ?? seg.openedAt);
  }

  /**
   * Deletes segments from the oldest while `predicate` holds, never an empty
   * active segment and never data above the high watermark. When every
   * segment goes, a new empty one is rolled first at the log end offset.
   */
  private deleteOldestWhile(predicate: (seg: Segment, next: Segment | undefined) => boolean): number {
    let n = 0;
    while (n < this.segments.length) {
      const seg = this.segments[n] as Segment;
      const next = this.segments[n + 1];
      const isLast = next === undefined;
      if (isLast && seg.size === 0) break;
      if (!predicate(seg, next)) break;
      n++;
    }
    if (n === 0) return 0;
    if (n === this.segments.length) this.roll();
    const doomed = this.segments.splice(0, n);
    for (const seg of doomed) seg.delete();
    const firstBase = (this.segments[0] as Segment).baseOffset;
    if (firstBase > this.currentLogStartOffset) {
      this.currentLogStartOffset = firstBase;
      this.producerState.onLogStartOffsetIncremented(firstBase);
      this.epochs.truncateFromStart(firstBase);
    }
    this.txnIndex?.removeBefore(this.currentLogStartOffset, firstBase);
    return n;
  }

  // ---- for the log cleaner -------------------------------------------------

  /** The segments, oldest first, the last one active (a copy: the log's own list changes). */
  segmentList(): Segment[] {
    return this.segments.slice();
  }

  /** Base offset of the active segment, which the cleaner never touches. */
  get activeSegmentBaseOffset(): number {
    return this.activeSegment.baseOffset;
  }

  /**
   * The first offset of the oldest open transaction, beyond which nothing may
   * be cleaned (Kafka's firstUnstableOffset). Null when no transaction is open.
   */
  get firstUnstableOffset(): number | null {
    return this.producerState.firstUnstableOffset();
  }

  /**
   * The last stable offset of what the log holds: below it every
   * transaction is decided (the first offset of the oldest open transaction,
   * else the log end). The partition bounds it by its high watermark.
   */
  get lastStableOffset(): number {
    const unstable = this.producerState.firstUnstableOffset();
    return unstable === null ? this.logEndOffset : Math.min(unstable, this.logEndOffset);
  }

  // ---- producers (idempotence and transactions) ----------------------------

  /** What the partition remembers about a producer (a copy; DescribeProducers, tests). */
  producerEntry(producerId: number): Readonly<ProducerStateEntry> | undefined {
    const e = this.producerState.entry(producerId);
    return e ? { ...e, batches: e.batches.slice() } : undefined;
  }

  /** Every producer the partition remembers (copies). */
  producerEntries(): Readonly<ProducerStateEntry>[] {
    return [...this.producerState.entries()].map((e) => ({ ...e, batches: e.batches.slice() }));
  }

  /** True when the producer, at this epoch, has a transaction open in this partition. */
  hasOngoingTransaction(producerId: number, producerEpoch: number): boolean {
    const e = this.producerState.entry(producerId);
    return e !== undefined && e.currentTxnFirstOffset !== null && e.producerEpoch === producerEpoch;
  }

  // ---- leader epochs -------------------------------------------------------

  /** The newest leader epoch that wrote (or will write, once assigned) to this log; null when none. */
  get latestLeaderEpoch(): number | null {
    return this.epochs.latestEpoch;
  }

  /** A leader's epoch starts at `offset` (Kafka's maybeAssignEpochStartOffset, on becoming leader). */
  assignEpochStartOffset(epoch: number, offset: number): void {
    this.epochs.assign(epoch, offset);
  }

  /** OffsetForLeaderEpoch: the largest epoch <= `epoch` and where it ends; (-1, -1) when unknown. */
  endOffsetForEpoch(epoch: number): { epoch: number; endOffset: number } {
    return this.epochs.endOffsetFor(epoch, this.logEndOffset);
  }

  /** The leader-epoch entries (epoch, start offset), oldest first. */
  leaderEpochEntries(): readonly { epoch: number; startOffset: number }[] {
    return this.epochs.list();
  }

  /** The aborted transactions a read_committed read of [fetchOffset, upperBoundOffset) must report. */
  abortedTransactions(fetchOffset: number, upperBoundOffset: number): AbortedTxn[] {
    return this.txnIndex?.collect(fetchOffset, upperBoundOffset) ?? [];
  }

  /** An ABORT marker's transaction goes into the aborted-transaction index; a COMMIT needs nothing. */
  private indexCompletedTxn(segment: Segment, completed: CompletedTxn, type: ControlRecordType | undefined): void {
    if (type !== ControlRecordType.Abort || !this.txnIndex) return;
    this.txnIndex.append(segment.baseOffset, { ...completed, lastStableOffset: this.producerState.lastStableOffsetAfter(completed) });
  }

  /** True when every one of `segments` is still one of this log's segments (retention or deletion did not take it). */
  hasSegments(segments: readonly Segment[]): boolean {
    if (this.closed) return false;
    const live = new Set(this.segments);
    return segments.every((s) => live.has(s));
  }

  /**
   * For each producer the log remembers, the last offset of its last data
   * batch (-1: none retained): the cleaner keeps that batch (empty if need
   * be) so the producer's sequence numbers survive a restart, and the markers
   * after it, which may hold its latest epoch.
   */
  lastBatchOffsetsOfProducers(): Map<number, number> {
    const result = new Map<number, number>();
    for (const e of this.producerState.entries()) result.set(e.producerId, e.batches[e.batches.length - 1]?.lastOffset ?? -1);
    return result;
  }

  /**
   * Replaces `oldSegments` — consecutive, inactive, still this log's — with
   * `cleaned`, a `.cleaned` segment holding what survived of them, crash-safely
   * (see cleaner/segment-swap). Offsets do not change, so readers simply find
   * gaps where records were removed.
   */
  replaceSegments(oldSegments: readonly Segment[], cleaned: Segment): void {
    const end = this.replaceableRangeEnd(oldSegments, cleaned);
    swapInCleanedSegment(this.dir, cleaned, oldSegments, end);
    this.installCleanedSegment(oldSegments, cleaned, end);
  }

  /**
   * Where `oldSegments` end (the next segment's base offset), after checking
   * they are still consecutive inactive segments of this log that `cleaned`
   * may replace; throws when they are not.
   */
  replaceableRangeEnd(oldSegments: readonly Segment[], cleaned: Segment): number {
    const first = this.segments.indexOf(oldSegments[0] as Segment);
    const count = oldSegments.length;
    if (first < 0 || count === 0 || oldSegments.some((s, i) => this.segments[first + i] !== s)) {
      throw new Error(`${this.dir.path}: segments to replace are no longer consecutive segments of the log`);
    }
    const next = this.segments[first + count];
    if (!next) throw new Error(`${this.dir.path}: the active segment cannot be replaced`);
    if (cleaned.baseOffset !== (oldSegments[0] as Segment).baseOffset) throw new Error(`${this.dir.path}: cleaned segment base ${cleaned.baseOffset} differs`);
    return next.baseOffset;
  }

  /**
   * The in-memory half of `replaceSegments`, for a swap the cleaner did on
   * disk itself in the background (its fsyncs off the event loop); `end` is
   * `replaceableRangeEnd`'s answer, checked again here.
   */
  installCleanedSegment(oldSegments: readonly Segment[], cleaned: Segment, end: number): void {
    if (this.replaceableRangeEnd(oldSegments, cleaned) !== end) throw new Error(`${this.dir.path}: the segment after the cleaned group changed`);
    cleaned.nextOffset = end;
    this.segments.splice(this.segments.indexOf(oldSegments[0] as Segment), oldSegments.length, cleaned);
  }

  // ---- flush and close -----------------------------------------------------

  /** fsyncs every segment holding data past the recovery point; the recovery point becomes the log end. */
  flush(now: number = this.time()): void {
    const leo = this.logEndOffset;
    const truncations = this.truncations;
    for (const seg of this.unflushedSegments()) seg.flush();
    this.truncationsFlushed = truncations;
    this.epochs.sync(leo);
    this.currentRecoveryPoint = Math.max(this.currentRecoveryPoint, leo);
    this.unflushedMessages = 0;
    this.lastFlushTime = now;
  }

  /** The segments holding data past the recovery point (or cut by a truncation since the last flush). */
  private unflushedSegments(): Segment[] {
    if (this.logEndOffset <= this.currentRecoveryPoint && this.truncations === this.truncationsFlushed) return [];
    return this.segments.slice(this.segmentIndexFor(this.currentRecoveryPoint));
  }

  /** flush.ms: flushes when the last flush is at least that old and something was appended since. */
  maybeFlush(now: number = this.time()): boolean {
    if (this.unflushedMessages === 0 || now - this.lastFlushTime < this.config.flushMs) return false;
    this.flush(now);
    return true;
  }

  /** producer.id.expiration.ms housekeeping. */
  removeExpiredProducers(now: number = this.time()): void {
    this.producerState.removeExpiredProducers(now, this.config.producerIdExpirationMs);
  }

  /**
   * `flush` with its fsyncs in libuv's thread pool. A shutdown flushes every
   * log this way, many at once, before it closes them: one after another,
   * each fsync waited for a journal commit of its own (20 s to stop a broker
   * of 3,000 idle partitions); in flight together, the file system commits
   * them in groups.
   */
  async flushAsync(now: number = this.time()): Promise<void> {
    const leo = this.logEndOffset;
    const truncations = this.truncations;
    const unflushed = this.unflushedSegments();
    for (const seg of unflushed) await seg.flushAsync();
    this.truncationsFlushed = Math.max(this.truncationsFlushed, truncations);
    await this.epochs.syncAsync(leo);
    this.currentRecoveryPoint = Math.max(this.currentRecoveryPoint, leo);
    this.unflushedMessages = 0;
    this.lastFlushTime = now;
  }

  /**
   * Clean close: fsync, snapshot the producer state (when the log end moved
   * since the last snapshot), write the indexes, release the files.
   */
  close(): void {
    if (this.closed) return;
    this.flush();
    if (this.logEndOffset !== this.producerSnapshotOffset) this.writeProducerSnapshot(this.logEndOffset);
    for (const seg of this.segments) seg.close();
    // Files of segments the cleaner merged go to the segment holding their markers (Kafka would delete them as orphans).
    this.txnIndex?.consolidate(this.segmentBaseOffsets());
    this.txnIndex?.close();
    this.closed = true;
  }

  /** Deletes every file of this log (the directory itself is the manager's). */
  delete(): void {
    for (const seg of this.segments.splice(0)) seg.delete();
    for (const f of this.dir.listFiles()) this.dir.deleteFile(f);
    this.closed = true;
  }

  get isClosed(): boolean {
    return this.closed;
  }
}

