/**
 * Putting a cleaned segment in place of the segments it was made from, so
 * that a crash at any point leaves either the old segments or the new one,
 * never a mix — Kafka's protocol, with its file names:
 *
 *   1. the cleaner writes `<base>.log.cleaned` (+ `.index.cleaned`,
 *      `.timeindex.cleaned`) and fsyncs it;
 *   2. it writes `<base>.swap-end` holding the offset where the replaced
 *      segments end (Weir's addition, see below);
 *   3. it renames the `.cleaned` files to `.swap`, the `.log` last: from the
 *      moment `<base>.log.swap` exists the new data is complete, and the swap
 *      will be finished rather than undone;
 *   4. it deletes the old segments;
 *   5. it renames the `.swap` files to their final names, the `.log` last,
 *      and removes `<base>.swap-end`.
 *
 * `swapInCleanedSegment` does steps 2–5 at once (tests, tools);
 * `BackgroundSegmentSwap` does the same steps with the fsyncs off the event
 * loop (the broker's cleaner timer).
 *
 * On opening a log, `recoverInterruptedSwaps` deletes `.cleaned` files (a
 * cleaning that had not committed) and finishes every `.swap`: deletes the old
 * segments in its range and renames it into place.
 *
 * Why `.swap-end`: Kafka finds the replaced range from the swap segment's own
 * offsets, [base, last offset + 1). When cleaning removed the tail of the
 * group, a replaced segment may start past that last offset and would survive
 * a crash between steps 3 and 4, leaving old, already-cleaned data behind the
 * new segment. The marker gives the exact end; without it (a directory
 * written by Kafka) the swap's own range is used, as Kafka does.
 */
import { INDEX_SUFFIX, LOG_SUFFIX, Segment, segmentFileStem, TIME_INDEX_SUFFIX } from '../segment';
import type { DirListing } from '../dir-listing';
import type { StorageDir } from '../storage-dir';

export const CLEANED_SUFFIX = '.cleaned';
export const SWAP_SUFFIX = '.swap';
export const SWAP_END_SUFFIX = '.swap-end';

const SEGMENT_FILE = /^(\d{20})\.(log|index|timeindex)$/;
const LOG_SWAP_FILE = /^(\d{20})\.log\.swap$/;

/**
 * Steps 2–5 for a cleaned segment whose `.cleaned` files are written (step 1
 * is `cleaned` having been built with CLEANED_SUFFIX). `oldSegments` are the
 * segments it replaces, oldest first; `groupEnd` the offset after the last of
 * them (the next segment's base offset).
 */
export function swapInCleanedSegment(dir: StorageDir, cleaned: Segment, oldSegments: readonly Segment[], groupEnd: number): void {
  if (cleaned.fileSuffix !== CLEANED_SUFFIX) throw new Error(`${dir.path}: segment ${cleaned.baseOffset} is not a .cleaned segment`);
  const endMarker = segmentFileStem(cleaned.baseOffset) + SWAP_END_SUFFIX;
  cleaned.onBecomeInactive(true);
  cleaned.flush();
  dir.writeFile(endMarker, Buffer.from(`${groupEnd}\n`, 'utf8'), { sync: true });
  cleaned.changeFileSuffix(SWAP_SUFFIX);
  dir.syncDirectory();
  for (const old of oldSegments) old.delete();
  cleaned.changeFileSuffix('');
  dir.deleteFile(endMarker);
  dir.syncDirectory();
}

/** What `recoverInterruptedSwaps` found. */
export interface SwapRecovery {
  /** `.swap` segments renamed into place. */
  completedSwaps: number;
  /** Files of unfinished cleanings deleted. */
  discardedFiles: number;
}

/**
 * Run before a log's segments are taken from `listing`: removes what an
 * unfinished cleaning left (`*.cleaned`, stray `.swap` indexes and markers)
 * and completes every committed swap (a `<base>.log.swap`). Every file it
 * deletes or renames goes through `listing`, which stays the directory's
 * true listing for the steps after it.
 */
export function recoverInterruptedSwaps(listing: DirListing, indexIntervalBytes: number, now: number): SwapRecovery {
  const dir = listing.dir;
  const result: SwapRecovery = { completedSwaps: 0, discardedFiles: 0 };
  for (const f of listing.files()) {
    if (f.endsWith(CLEANED_SUFFIX)) {
      listing.deleteFile(f);
      result.discardedFiles++;
    }
  }
  const swapBases = listing
    .files()
    .map((f) => LOG_SWAP_FILE.exec(f))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => Number(m[1]))
    .sort((a, b) => a - b);
  for (const base of swapBases) {
    const stem = segmentFileStem(base);
    // swapSegmentEnd only reads the .swap segment: it creates no file.
    const end = readSwapEnd(dir, stem + SWAP_END_SUFFIX) ?? swapSegmentEnd(dir, base, indexIntervalBytes, now);
    for (const f of listing.files()) {
      const m = SEGMENT_FILE.exec(f);
      if (!m) continue;
      const segmentBase = Number(m[1]);
      if (segmentBase >= base && segmentBase < end) listing.deleteFile(f);
    }
    for (const kind of [INDEX_SUFFIX, TIME_INDEX_SUFFIX, LOG_SUFFIX]) {
      if (listing.has(stem + kind + SWAP_SUFFIX)) listing.renameFile(stem + kind + SWAP_SUFFIX, stem + kind);
    }
    listing.deleteFile(stem + SWAP_END_SUFFIX);
    result.completedSwaps++;
  }
  // Index swaps and markers whose .log never became a .swap: the cleaning did not commit.
  for (const f of listing.files()) {
    if (f.endsWith(SWAP_SUFFIX) || f.endsWith(SWAP_END_SUFFIX)) {
      listing.deleteFile(f);
      result.discardedFiles++;
    }
  }
  if (result.completedSwaps > 0 || result.discardedFiles > 0) dir.syncDirectory();
  return result;
}

function readSwapEnd(dir: StorageDir, name: string): number | null {
  const buf = dir.readFile(name);
  if (!buf) return null;
  const end = Number(buf.toString('utf8').trim());
  return Number.isSafeInteger(end) && end >= 0 ? end : null;
}

/** Kafka's rule without a marker: the swap replaces the segments within its own offsets. */
function swapSegmentEnd(dir: StorageDir, base: number, indexIntervalBytes: number, now: number): number {
  const swap = Segment.open(dir, base, indexIntervalBytes, now, SWAP_SUFFIX);
  let end = base + 1;
  for (const b of swap.batchesFrom(0, 1024 * 1024)) end = b.info.lastOffset + 1;
  swap.close();
  return end;
}

/** What the log does for a background swap: say whether it still may happen, and take the result. */
export interface SwapTarget {
  /** The old segments are still consecutive, inactive segments of a live log, ending where the swap says. */
  stillReplaceable(): boolean;
  /** Puts the cleaned segment in place of the old ones in memory (the files are already swapped). */
  install(): void;
}

export type BackgroundSwapOutcome = 'swapped' | 'abandoned';

/**
 * Steps 2–5 of `swapInCleanedSegment` for the broker's background cleaner:
 * the same file operations in the same order, each fsync awaited in libuv's
 * thread pool so the event loop keeps serving while the disk works (a
 * synchronous swap is 9 fsyncs, tens to hundreds of ms on a busy disk).
 *
 * Between awaits the log may change (retention, DeleteRecords, deletion,
 * shutdown). Until the first old segment is deleted they are all intact, so
 * a swap no longer wanted is undone by deleting the new files (`.cleaned` or
 * `.swap`, the end marker last), which is the state before cleaning; a crash
 * at any await leaves what a crash between the same steps of the synchronous
 * swap leaves. From the deletion of the old segments to the in-memory install
 * nothing awaits.
 */
export class BackgroundSegmentSwap {
  private abandoned = false;
  private installed = false;
  private readonly endMarker: string;
  /** Settles when the swap is over: done, undone, or failed (rejects; the new files are removed first). */
  readonly done: Promise<BackgroundSwapOutcome>;

  constructor(
    private readonly dir: StorageDir,
    private readonly cleaned: Segment,
    private readonly oldSegments: readonly Segment[],
    private readonly groupEnd: number,
    private readonly target: SwapTarget,
  ) {
    if (cleaned.fileSuffix !== CLEANED_SUFFIX) throw new Error(`${dir.path}: segment ${cleaned.baseOffset} is not a .cleaned segment`);
    this.endMarker = segmentFileStem(cleaned.baseOffset) + SWAP_END_SUFFIX;
    this.done = this.run();
  }

  /**
   * Stops the swap (the round was abandoned): the new files are deleted now
   * and again when the operation in flight returns (it may create one). No
   * effect once the swap is installed.
   */
  abandon(): void {
    if (this.installed) return;
    this.abandoned = true;
    this.discard();
  }

  private async run(): Promise<BackgroundSwapOutcome> {
    const { dir, cleaned } = this;
    try {
      await cleaned.onBecomeInactiveAsync();
      if (!this.wanted()) return this.undo();
      await cleaned.flushAsync();
      if (!this.wanted()) return this.undo();
      await dir.writeFileAsync(this.endMarker, Buffer.from(`${this.groupEnd}\n`, 'utf8'));
      if (!this.wanted()) return this.undo();
      cleaned.changeFileSuffix(SWAP_SUFFIX);
      await dir.syncDirectoryAsync();
      if (!this.wanted()) return this.undo();
      for (const old of this.oldSegments) old.delete();
      cleaned.changeFileSuffix('');
      dir.deleteFile(this.endMarker);
      this.installed = true;
      this.target.install();
    } catch (err) {
      if (!this.installed) this.undo();
      throw err;
    }
    await dir.syncDirectoryAsync();
    return 'swapped';
  }

  private wanted(): boolean {
    return !this.abandoned && this.target.stillReplaceable();
  }

  private undo(): BackgroundSwapOutcome {
    this.abandoned = true;
    this.discard();
    return 'abandoned';
  }

  /** The new segment's files (whatever their suffix), then the marker: a `.log.swap` never outlives its marker. */
  private discard(): void {
    try {
      this.cleaned.delete();
      this.dir.deleteFile(this.endMarker);
    } catch {
      // Best effort: what is left is what a crash leaves, and the log's next opening removes it.
    }
  }
}
