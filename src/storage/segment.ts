import type { RecordsValue } from '../protocol/primitives/records-value';
import { BATCH_HEADER_SIZE } from '../protocol/records/batch-header';
import { type BatchInfo, type BatchProblem, checkBatch, readBatchHeader } from './batch-info';
import { WindowedReader } from './batch-reader';
import { OffsetIndex } from './offset-index';
import type { SegmentFile, StorageDir } from './storage-dir';
import { TimeIndex } from './time-index';

/** `00000000000000000042` — Kafka's 20-digit, zero-padded base offset file stem. */
export function segmentFileStem(baseOffset: number): string {
  return String(baseOffset).padStart(20, '0');
}

export const LOG_SUFFIX = '.log';
export const INDEX_SUFFIX = '.index';
export const TIME_INDEX_SUFFIX = '.timeindex';
/** Kafka renames a segment's files with this suffix before deleting them later; Weir deletes at once, and removes such files on load. */
export const DELETED_SUFFIX = '.deleted';

/** Index files up to this size are read back before a write without fsync, and left alone when unchanged (Segment.writeIndexFile). */
const COMPARED_INDEX_BYTES = 64 * 1024;

/** A batch located in a segment file. */
export interface LocatedBatch {
  position: number;
  info: BatchInfo;
}

/** What `Segment.recover` found. */
export interface SegmentRecovery {
  /** Bytes cut off the end (0 when the segment was intact). */
  truncatedBytes: number;
  /** Bytes of batches at or past the recovery point that were checked (and kept or cut); 0: everything was durable already. */
  bytesPastRecoveryPoint: number;
  problem: BatchProblem | 'offset-order' | null;
}

/**
 * One segment of a partition log: a `.log` file of record batches whose
 * offsets start at `baseOffset`, with its sparse offset and time indexes.
 *
 * Indexes of the active segment live in memory and are written out when it
 * rolls or the log closes; those of older segments are loaded lazily from
 * their files (or rebuilt from the batches when the files are missing or
 * implausible) the first time a lookup needs them.
 */
export class Segment {
  private offsetIndexLoaded: OffsetIndex | null = null;
  private timeIndexLoaded: TimeIndex | null = null;
  private bytesSinceLastIndexEntry = 0;
  private maxTimestampSoFar = -1;
  private offsetOfMaxTimestampSoFar = -1;
  /** Offset after the last batch. Exact for segments appended to or recovered; set by the Log for the others. */
  nextOffset: number;
  /** Wall-clock time of the first append, for `segment.ms` (null: nothing appended since open). */
  firstAppendTime: number | null = null;
  /** Wall-clock time the segment was created or opened, the fallback age of an empty segment. */
  readonly openedAt: number;
  private indexesDirty = false;
  private firstBatchTimestampCache: { size: number; timestamp: number } | null = null;

  private constructor(
    private readonly dir: StorageDir,
    readonly baseOffset: number,
    private readonly file: SegmentFile,
    private readonly indexIntervalBytes: number,
    now: number,
    /** '' for a live segment; '.cleaned' / '.swap' while the log cleaner builds a replacement (Kafka's names). */
    private suffix = '',
  ) {
    this.nextOffset = baseOffset;
    this.openedAt = now;
  }

  /**
   * A new empty segment (an existing file of that name is emptied). With a
   * `fileSuffix` its files are `<base>.log<suffix>`, `<base>.index<suffix>`...:
   * the log cleaner's `.cleaned` segments, invisible to loading until renamed.
   */
  static create(dir: StorageDir, baseOffset: number, indexIntervalBytes: number, now: number, fileSuffix = ''): Segment {
    const stem = segmentFileStem(baseOffset);
    const file = dir.openFile(stem + LOG_SUFFIX + fileSuffix);
    file.truncate(0);
    dir.deleteFile(stem + INDEX_SUFFIX + fileSuffix);
    dir.deleteFile(stem + TIME_INDEX_SUFFIX + fileSuffix);
    const seg = new Segment(dir, baseOffset, file, indexIntervalBytes, now, fileSuffix);
    seg.offsetIndexLoaded = new OffsetIndex(baseOffset);
    seg.timeIndexLoaded = new TimeIndex(baseOffset);
    // Written even while empty: in Kafka's layout every segment has both index files.
    seg.indexesDirty = true;
    return seg;
  }

  /** An existing segment; nothing is read until needed or `recover` is called. */
  static open(dir: StorageDir, baseOffset: number, indexIntervalBytes: number, now: number, fileSuffix = ''): Segment {
    const file = dir.openFile(segmentFileStem(baseOffset) + LOG_SUFFIX + fileSuffix);
    return new Segment(dir, baseOffset, file, indexIntervalBytes, now, fileSuffix);
  }

  get size(): number {
    return this.file.size;
  }

  get fileName(): string {
    return this.file.name;
  }

  /** Largest batch max-timestamp in the segment (-1 when none). */
  get maxTimestamp(): number {
    this.ensureIndexes();
    return this.maxTimestampSoFar;
  }

  /** Last offset of the first batch that reached `maxTimestamp`. */
  get offsetOfMaxTimestamp(): number {
    this.ensureIndexes();
    return this.offsetOfMaxTimestampSoFar;
  }

  private get offsetIndex(): OffsetIndex {
    this.ensureIndexes();
    return this.offsetIndexLoaded as OffsetIndex;
  }

  private get timeIndex(): TimeIndex {
    this.ensureIndexes();
    return this.timeIndexLoaded as TimeIndex;
  }

  /**
   * Appends batches whose offsets are already assigned. `batches[i].position`
   * is the batch's position inside `data`.
   */
  append(data: Buffer, batches: readonly LocatedBatch[], now: number): void {
    const offsetIndex = this.offsetIndex;
    const timeIndex = this.timeIndex;
    const base = this.file.append(data);
    for (const b of batches) this.indexBatch(offsetIndex, timeIndex, base + b.position, b.info);
    const last = batches[batches.length - 1];
    if (last) this.nextOffset = last.info.lastOffset + 1;
    if (this.firstAppendTime === null) this.firstAppendTime = now;
    this.indexesDirty = true;
  }

  private indexBatch(offsetIndex: OffsetIndex, timeIndex: TimeIndex, position: number, info: BatchInfo): void {
    if (info.maxTimestamp > this.maxTimestampSoFar) {
      this.maxTimestampSoFar = info.maxTimestamp;
      this.offsetOfMaxTimestampSoFar = info.lastOffset;
    }
    if (this.bytesSinceLastIndexEntry > this.indexIntervalBytes) {
      // Kafka's entry: the batch's last offset with the batch's position.
      offsetIndex.append(info.lastOffset, position);
      timeIndex.maybeAppend(this.maxTimestampSoFar, this.offsetOfMaxTimestampSoFar);
      this.bytesSinceLastIndexEntry = 0;
    }
    this.bytesSinceLastIndexEntry += info.size;
  }

  /**
   * Validates the batches from `fromOffset` (or the whole segment when null)
   * to the end — framing, magic, CRC32C, increasing offsets — truncating the
   * file at the first bad or torn batch, and rebuilds the index entries for
   * what was scanned. Sets `nextOffset`.
   *
   * Index files on disk are trusted up to the recovery point: they were
   * written when that data was flushed (roll or clean close).
   * `indexFilesOnDisk`: whether both index files exist, when the caller
   * knows from its listing of the directory (asked of the disk otherwise).
   */
  recover(fromOffset: number | null, indexFilesOnDisk?: boolean): SegmentRecovery {
    let start: { position: number; nextOffset: number } | null = null;
    const filesLoaded = fromOffset !== null && fromOffset > this.baseOffset && this.loadIndexFiles();
    if (filesLoaded) start = this.trustedPrefix(fromOffset);
    if (start === null) {
      start = { position: 0, nextOffset: this.baseOffset };
      this.offsetIndexLoaded = new OffsetIndex(this.baseOffset);
      this.timeIndexLoaded = new TimeIndex(this.baseOffset);
      this.maxTimestampSoFar = -1;
      this.offsetOfMaxTimestampSoFar = -1;
    }
    const offsetIndex = this.offsetIndexLoaded as OffsetIndex;
    const timeIndex = this.timeIndexLoaded as TimeIndex;
    this.bytesSinceLastIndexEntry = 0;
    const reader = new WindowedReader(this.file, 1024 * 1024);
    let pos = start.position;
    let expectedMin = start.nextOffset;
    let problem: SegmentRecovery['problem'] = null;
    let next = start.nextOffset;
    const size = this.file.size;
    // Below `fromOffset` the data was flushed before the recovery point was written.
    const durableBelow = fromOffset ?? this.baseOffset;
    let firstPastRecoveryPoint = size;
    while (pos < size) {
      const header = reader.header(pos);
      let checked = checkBatch(header, 0, size - pos, false);
      if (typeof checked === 'number') {
        const whole = reader.bytes(pos, checked);
        checked = checkBatch(whole, 0, whole.length, true);
      }
      if (typeof checked !== 'number') {
        problem = checked;
        break;
      }
      const info = readBatchHeader(reader.header(pos), 0);
      if (info.baseOffset < expectedMin) {
        problem = 'offset-order';
        break;
      }
      if (info.lastOffset >= durableBelow && firstPastRecoveryPoint === size) firstPastRecoveryPoint = pos;
      this.indexBatch(offsetIndex, timeIndex, pos, info);
      expectedMin = info.lastOffset + 1;
      next = info.lastOffset + 1;
      pos += checked;
    }
    const truncatedBytes = size - pos;
    const bytesPastRecoveryPoint = size - Math.min(pos, firstPastRecoveryPoint);
    if (truncatedBytes > 0) {
      this.file.truncate(pos);
      offsetIndex.truncateToPosition(pos);
      timeIndex.truncateToOffset(next);
    }
    this.nextOffset = Math.max(next, this.baseOffset);
    // Nothing past the recovery point, nothing cut, and index files on disk
    // that were written with the data below it (an idle partition after a
    // clean stop): they already say what the scan found; nothing to write.
    const filesHold = filesLoaded || (size === 0 && (indexFilesOnDisk ?? this.indexFilesExist()));
    this.indexesDirty = !(filesHold && truncatedBytes === 0 && firstPastRecoveryPoint === size);
    return { truncatedBytes, bytesPastRecoveryPoint, problem };
  }

  /**
   * Where the batches below `fromOffset` (the recovery point: flushed, so
   * trusted) end, found through the loaded index: the last entry below
   * `fromOffset` names a batch that ends there, and the scan may start right
   * after it. Null when the index has no such entry or its batch header does
   * not read back: the caller scans the whole segment.
   */
  private trustedPrefix(fromOffset: number): { position: number; nextOffset: number } | null {
    const entry = (this.offsetIndexLoaded as OffsetIndex).lookup(fromOffset - 1);
    if (entry.position === 0) return null; // no entry below it (the first batch is never indexed)
    const header = this.file.read(entry.position, BATCH_HEADER_SIZE);
    const size = checkBatch(header, 0, this.file.size - entry.position, false);
    if (typeof size !== 'number') return null;
    const info = readBatchHeader(header, 0);
    if (info.lastOffset >= fromOffset) return null;
    return { position: entry.position + size, nextOffset: info.lastOffset + 1 };
  }

  private indexFilesExist(): boolean {
    const stem = segmentFileStem(this.baseOffset);
    return this.dir.exists(stem + INDEX_SUFFIX + this.suffix) && this.dir.exists(stem + TIME_INDEX_SUFFIX + this.suffix);
  }

  /** Loads the index files; false (and nothing loaded) when missing or implausible. */
  private loadIndexFiles(): boolean {
    const stem = segmentFileStem(this.baseOffset);
    const ib = this.dir.readFile(stem + INDEX_SUFFIX + this.suffix);
    const tb = this.dir.readFile(stem + TIME_INDEX_SUFFIX + this.suffix);
    if (!ib || !tb) return false;
    const offsetIndex = OffsetIndex.fromBuffer(this.baseOffset, ib, this.file.size);
    const timeIndex = TimeIndex.fromBuffer(this.baseOffset, tb);
    if (!offsetIndex || !timeIndex) return false;
    this.offsetIndexLoaded = offsetIndex;
    this.timeIndexLoaded = timeIndex;
    const last = timeIndex.lastEntry();
    this.maxTimestampSoFar = last ? last.timestamp : -1;
    this.offsetOfMaxTimestampSoFar = last ? last.offset : -1;
    return true;
  }

  private ensureIndexes(): void {
    if (this.offsetIndexLoaded) return;
    if (this.loadIndexFiles()) return;
    // Missing or implausible: rebuild from the batch headers. The segment is
    // below the recovery point, so its contents are trusted.
    const offsetIndex = new OffsetIndex(this.baseOffset);
    const timeIndex = new TimeIndex(this.baseOffset);
    this.offsetIndexLoaded = offsetIndex;
    this.timeIndexLoaded = timeIndex;
    this.maxTimestampSoFar = -1;
    this.offsetOfMaxTimestampSoFar = -1;
    this.bytesSinceLastIndexEntry = 0;
    for (const b of this.batchesFrom(0, 1024 * 1024)) this.indexBatch(offsetIndex, timeIndex, b.position, b.info);
    timeIndex.maybeAppend(this.maxTimestampSoFar, this.offsetOfMaxTimestampSoFar);
    this.indexesDirty = true;
  }

  /** Batch headers from `position` to the end of the file. */
  *batchesFrom(position: number, windowSize = 16 * 1024): Generator<LocatedBatch> {
    // Small window by default: lookups usually stop within one index interval.
    const reader = new WindowedReader(this.file, windowSize);
    const size = this.file.size;
    let pos = position;
    while (pos < size) {
      const header = reader.header(pos);
      const checked = checkBatch(header, 0, size - pos, false);
      if (typeof checked !== 'number') return;
      yield { position: pos, info: readBatchHeader(header, 0) };
      pos += checked;
    }
  }

  /** A batch start at or before the batch holding `offset`: the indexed batch ending closest below or at it (0 when none). */
  positionOf(offset: number): number {
    return this.offsetIndex.lookup(offset).position;
  }

  /** Batch headers from the batch containing `offset` onwards. */
  batchesFromOffset(offset: number): Generator<LocatedBatch> {
    return this.batchesFrom(this.offsetIndex.lookup(offset).position);
  }

  /** The first batch whose last offset is >= `offset`, or null when none in this segment. */
  findBatch(offset: number): LocatedBatch | null {
    for (const b of this.batchesFromOffset(offset)) if (b.info.lastOffset >= offset) return b;
    return null;
  }

  /**
   * Whole batches starting with the one containing `offset`, at most
   * `maxBytes` of them, none with a base offset at or above `upperBound`.
   * When the first batch alone exceeds `maxBytes` it is returned whole if
   * `minOneBatch` (Kafka's minOneMessage), else nothing.
   * Null: this segment holds nothing at or after `offset`.
   */
  read(offset: number, maxBytes: number, upperBound: number, minOneBatch: boolean): { records: RecordsValue | null; firstOffset: number } | null {
    const first = this.findBatch(offset);
    if (!first) return null;
    const firstOffset = first.info.baseOffset;
    if (firstOffset >= upperBound) return { records: null, firstOffset };
    if (first.info.size > maxBytes && !minOneBatch) return { records: null, firstOffset };
    const start = first.position;
    const limit = start + Math.max(maxBytes, first.info.size);
    let end = start + first.info.size;
    // Jump over whole batches with the index: an entry is a batch start, so
    // everything before it is complete, and its offsets are below the entry's
    // (which is the last offset of the entry's own batch).
    const jump = this.offsetIndex.lookupByPosition(limit);
    if (jump.position > end && jump.offset < upperBound) end = jump.position;
    const reader = new WindowedReader(this.file, 16 * 1024);
    const size = this.file.size;
    while (end < size) {
      const header = reader.header(end);
      const checked = checkBatch(header, 0, size - end, false);
      if (typeof checked !== 'number') break;
      if (end + checked > limit) break;
      if (readBatchHeader(header, 0).baseOffset >= upperBound) break;
      end += checked;
    }
    return { records: this.file.region(start, end - start), firstOffset };
  }

  /** The first batch with max timestamp >= `timestamp`, or null. */
  findBatchByTimestamp(timestamp: number): LocatedBatch | null {
    if (this.maxTimestamp < timestamp) return null;
    const before = this.timeIndex.lastOffsetBefore(timestamp);
    const position = before === null ? 0 : this.offsetIndex.lookup(before).position;
    for (const b of this.batchesFrom(position)) if (b.info.maxTimestamp >= timestamp) return b;
    return null;
  }

  /** A copy of the bytes of a located batch (for inspecting records). */
  readBatch(b: LocatedBatch): Buffer {
    return this.file.read(b.position, b.info.size);
  }

  /** The bytes of this segment from `position` as a response region. */
  region(position: number, length: number): RecordsValue {
    return this.file.region(position, length);
  }

  /** Called when a newer segment takes over appends: seal the time index, persist the indexes. */
  onBecomeInactive(sync: boolean): void {
    this.timeIndex.maybeAppend(this.maxTimestampSoFar, this.offsetOfMaxTimestampSoFar);
    this.writeIndexes(sync);
  }

  /** Loads the indexes (rebuilding them from the batches when the files are missing) and writes both files durably. */
  writeIndexesNow(): void {
    this.ensureIndexes();
    this.indexesDirty = true;
    this.writeIndexes(true);
  }

  /** Writes the index files if they changed since last written. */
  writeIndexes(sync: boolean): void {
    if (!this.indexesDirty || !this.offsetIndexLoaded || !this.timeIndexLoaded) return;
    const stem = segmentFileStem(this.baseOffset);
    this.writeIndexFile(stem + INDEX_SUFFIX + this.suffix, this.offsetIndexLoaded.toBuffer(), sync);
    this.writeIndexFile(stem + TIME_INDEX_SUFFIX + this.suffix, this.timeIndexLoaded.toBuffer(), sync);
    this.indexesDirty = false;
  }

  /**
   * Replaces one index file, unless (without `sync`) a small one already
   * holds exactly `data`. The segment's flag says only that something was
   * appended: a few records add no offset index entry, and at a close only
   * the time index gets its last one. Reading a small file back costs the
   * page cache; replacing it costs a created temp file and a rename, journal
   * updates of about a millisecond each on some disks, once per partition
   * when a broker of thousands stops.
   */
  private writeIndexFile(name: string, data: Buffer, sync: boolean): void {
    if (!sync && data.length <= COMPARED_INDEX_BYTES && this.dir.readFile(name)?.equals(data)) return;
    this.dir.writeFile(name, data, { sync });
  }

  /**
   * fsyncs the index files in the thread pool (after `onBecomeInactive(false)`
   * on a roll). Files gone meanwhile (the segment deleted, or replaced by the
   * log cleaner, which makes its own files durable) are skipped.
   */
  async syncIndexFilesAsync(): Promise<void> {
    const stem = segmentFileStem(this.baseOffset);
    const suffix = this.suffix;
    await this.dir.syncFileAsync(stem + INDEX_SUFFIX + suffix);
    await this.dir.syncFileAsync(stem + TIME_INDEX_SUFFIX + suffix);
  }

  /**
   * `onBecomeInactive(true)` with the fsyncs in the thread pool (the log
   * cleaner's swap, which must not stall the event loop on the disk).
   */
  async onBecomeInactiveAsync(): Promise<void> {
    this.timeIndex.maybeAppend(this.maxTimestampSoFar, this.offsetOfMaxTimestampSoFar);
    if (!this.indexesDirty || !this.offsetIndexLoaded || !this.timeIndexLoaded) return;
    const stem = segmentFileStem(this.baseOffset);
    const suffix = this.suffix;
    const offsetIndex = this.offsetIndexLoaded.toBuffer();
    const timeIndex = this.timeIndexLoaded.toBuffer();
    this.indexesDirty = false;
    await this.dir.writeFileAsync(stem + INDEX_SUFFIX + suffix, offsetIndex);
    await this.dir.writeFileAsync(stem + TIME_INDEX_SUFFIX + suffix, timeIndex);
  }

  /** The current file suffix ('' for a live segment). */
  get fileSuffix(): string {
    return this.suffix;
  }

  /**
   * Renames the segment's files from `<base>.log<old>` to `<base>.log<newSuffix>`
   * (indexes first, the .log last: the .log's name is what recovery goes by).
   * Index files not written yet are skipped; they follow the new suffix.
   */
  changeFileSuffix(newSuffix: string): void {
    const stem = segmentFileStem(this.baseOffset);
    for (const kind of [INDEX_SUFFIX, TIME_INDEX_SUFFIX]) {
      const from = stem + kind + this.suffix;
      if (this.dir.exists(from)) this.dir.renameFile(from, stem + kind + newSuffix);
    }
    this.file.rename(stem + LOG_SUFFIX + newSuffix);
    this.suffix = newSuffix;
  }

  /** Max timestamp of the first batch (-1 when empty): max.compaction.lag.ms measures a dirty segment by it. Immutable once inactive, so cached. */
  firstBatchTimestamp(): number {
    if (this.firstBatchTimestampCache === null || this.firstBatchTimestampCache.size !== this.file.size) {
      const first = this.batchesFrom(0, 4096).next();
      this.firstBatchTimestampCache = { size: this.file.size, timestamp: first.done ? -1 : first.value.info.maxTimestamp };
    }
    return this.firstBatchTimestampCache.timestamp;
  }

  /**
   * Whole batches from `position` to the end, each with its bytes (a view
   * valid until the next step): the log cleaner's sequential read, through a
   * window of `windowSize` bytes (log.cleaner.io.buffer.size).
   */
  *batchesWithBytesFrom(position: number, windowSize: number): Generator<LocatedBatch & { bytes: Buffer }> {
    const reader = new WindowedReader(this.file, windowSize);
    const size = this.file.size;
    let pos = position;
    while (pos < size) {
      const checked = checkBatch(reader.header(pos), 0, size - pos, false);
      if (typeof checked !== 'number') return;
      const bytes = reader.bytes(pos, checked);
      yield { position: pos, info: readBatchHeader(bytes, 0), bytes };
      pos += checked;
    }
  }

  flush(): void {
    this.file.flush();
  }

  flushAsync(): Promise<void> {
    return this.file.flushAsync();
  }

  /**
   * Cuts the segment at `position` (the start of a batch) and rebuilds its
   * indexes from what is left: a follower dropping a divergent tail.
   */
  truncateAt(position: number): void {
    this.file.truncate(position);
    this.firstBatchTimestampCache = null;
    this.recover(null);
  }

  /** Closes cleanly: seals and writes the indexes, releases the file. */
  close(): void {
    if (this.offsetIndexLoaded) {
      this.timeIndex.maybeAppend(this.maxTimestampSoFar, this.offsetOfMaxTimestampSoFar);
      this.writeIndexes(false);
    }
    this.file.close();
  }

  /** Deletes the segment's files. The .log descriptor stays open while a response holds a region of it (RefCountedDescriptor). */
  delete(): void {
    const stem = segmentFileStem(this.baseOffset);
    this.file.delete();
    this.dir.deleteFile(stem + INDEX_SUFFIX + this.suffix);
    this.dir.deleteFile(stem + TIME_INDEX_SUFFIX + this.suffix);
    this.offsetIndexLoaded = null;
    this.timeIndexLoaded = null;
  }
}
