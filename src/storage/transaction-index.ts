/**
 * The aborted-transaction index of one partition: for every transaction an
 * ABORT marker ended, the producer id, the transaction's first and last
 * offset, and the last stable offset when it was aborted. A read_committed
 * Fetch hands the entries overlapping its range to the client, which drops
 * those producers' records between firstOffset and the marker.
 *
 * On disk, Kafka's `.txnindex` layout: one file per segment (named after the
 * segment that was active when the marker was written), a sequence of
 * 34-byte entries
 *
 *   int16 version (0) | int64 producerId | int64 firstOffset
 *   | int64 lastOffset | int64 lastStableOffset
 *
 * appended as markers are written. In memory all live entries are kept in
 * marker order, which is lastOffset order.
 *
 * As in Kafka, each file belongs to the segment of its base offset and holds
 * the transactions whose marker lies in that segment. While the broker runs,
 * a cleaned segment that swallowed several segments leaves their files in
 * place (their entries are still valid); `consolidate`, at load and at clean
 * close, merges such files into the file of the segment that now holds their
 * markers — a Kafka broker deletes a `.txnindex` without a `.log` of the same
 * base as an orphan, and with it the knowledge of what was aborted. A file
 * is deleted once every segment at or after its base is gone.
 */
import { readInt64, writeInt64 } from './batch-info';
import { segmentFileStem } from './segment';
import type { SegmentFile, StorageDir } from './storage-dir';

export const TXN_INDEX_SUFFIX = '.txnindex';
export const ABORTED_TXN_SIZE = 34;
const ABORTED_TXN_VERSION = 0;
const TXN_INDEX_FILE = /^(\d{20})\.txnindex$/;

export interface AbortedTxn {
  producerId: number;
  firstOffset: number;
  /** The offset of the ABORT marker. */
  lastOffset: number;
  /** The partition's last stable offset once this transaction was aborted. */
  lastStableOffset: number;
}

export function encodeAbortedTxn(e: AbortedTxn): Buffer {
  const b = Buffer.alloc(ABORTED_TXN_SIZE);
  b.writeInt16BE(ABORTED_TXN_VERSION, 0);
  writeInt64(b, e.producerId, 2);
  writeInt64(b, e.firstOffset, 10);
  writeInt64(b, e.lastOffset, 18);
  writeInt64(b, e.lastStableOffset, 26);
  return b;
}

/** Whole entries of a file; a torn tail (a crash mid-write) and unknown versions end the list. */
export function decodeAbortedTxns(buf: Buffer): AbortedTxn[] {
  const out: AbortedTxn[] = [];
  for (let p = 0; p + ABORTED_TXN_SIZE <= buf.length; p += ABORTED_TXN_SIZE) {
    if (buf.readInt16BE(p) !== ABORTED_TXN_VERSION) break;
    out.push({
      producerId: readInt64(buf, p + 2),
      firstOffset: readInt64(buf, p + 10),
      lastOffset: readInt64(buf, p + 18),
      lastStableOffset: readInt64(buf, p + 26),
    });
  }
  return out;
}

/** Both lists' entries in marker order, each transaction once (a crash during `consolidate` may leave one in two files). */
function mergeEntries(a: readonly AbortedTxn[], b: readonly AbortedTxn[]): AbortedTxn[] {
  const sorted = [...a, ...b].sort((x, y) => x.lastOffset - y.lastOffset || x.producerId - y.producerId);
  return sorted.filter((e, i) => i === 0 || e.lastOffset !== (sorted[i - 1] as AbortedTxn).lastOffset || e.producerId !== (sorted[i - 1] as AbortedTxn).producerId);
}

interface IndexFile {
  base: number;
  file: SegmentFile | null;
  entries: AbortedTxn[];
}

export class TransactionIndex {
  private readonly files = new Map<number, IndexFile>();
  /** Every live entry, in lastOffset order. */
  private entries: AbortedTxn[] = [];
  /** Entries whose marker is below this (the log start offset) are dead. */
  private floor = 0;

  private constructor(private readonly dir: StorageDir) {}

  /**
   * Reads every `.txnindex` file of the log, keeping entries whose marker
   * survived recovery (lastOffset < logEndOffset) and is not below the log
   * start; files that lost entries are rewritten. `fileNames` is the
   * directory's listing when the caller has one (a log's load lists once
   * for all its steps); without it the directory is listed here.
   */
  static load(
    dir: StorageDir,
    logStartOffset: number,
    segmentBases: readonly number[],
    logEndOffset: number,
    fileNames: readonly string[] = dir.listFiles(),
  ): TransactionIndex {
    const index = new TransactionIndex(dir);
    for (const name of fileNames) {
      const m = TXN_INDEX_FILE.exec(name);
      if (!m) continue;
      const base = Number(m[1]);
      const raw = dir.readFile(name) ?? Buffer.alloc(0);
      const all = decodeAbortedTxns(raw);
      const kept = all.filter((e) => e.lastOffset < logEndOffset);
      const f: IndexFile = { base, file: null, entries: kept };
      if (kept.length !== all.length || raw.length !== all.length * ABORTED_TXN_SIZE) index.rewrite(f);
      index.files.set(base, f);
    }
    index.rebuildEntries();
    index.removeBefore(logStartOffset, segmentBases[0] ?? 0);
    index.consolidate(segmentBases);
    return index;
  }

  get size(): number {
    return this.entries.length;
  }

  /** Every live entry, oldest first (tests and tools). */
  all(): readonly AbortedTxn[] {
    return this.entries;
  }

  has(producerId: number, lastOffset: number): boolean {
    const i = this.firstAtOrAfter(lastOffset);
    for (let j = i; j < this.entries.length && (this.entries[j] as AbortedTxn).lastOffset === lastOffset; j++) {
      if ((this.entries[j] as AbortedTxn).producerId === producerId) return true;
    }
    return false;
  }

  /** Records an aborted transaction whose marker went into the segment based at `segmentBase`. */
  append(segmentBase: number, entry: AbortedTxn): void {
    let f = this.files.get(segmentBase);
    if (!f) {
      f = { base: segmentBase, file: null, entries: [] };
      this.files.set(segmentBase, f);
    }
    f.entries.push(entry);
    this.openFile(f).append(encodeAbortedTxn(entry));
    const last = this.entries[this.entries.length - 1];
    if (!last || last.lastOffset <= entry.lastOffset) this.entries.push(entry);
    else this.rebuildEntries(); // a rebuilt entry from recovery, older than the newest
  }

  /**
   * The aborted transactions a read of [fetchOffset, upperBoundOffset) must
   * report: those that end at or after the fetch offset and begin below the
   * bound. Scanning stops at an entry whose last stable offset is past the
   * bound: every later transaction started after it (Kafka's collectAbortedTxns).
   */
  collect(fetchOffset: number, upperBoundOffset: number): AbortedTxn[] {
    const out: AbortedTxn[] = [];
    for (let i = this.firstAtOrAfter(fetchOffset); i < this.entries.length; i++) {
      const e = this.entries[i] as AbortedTxn;
      if (e.firstOffset < upperBoundOffset) out.push(e);
      if (e.lastStableOffset >= upperBoundOffset) break;
    }
    return out;
  }

  /**
   * Forgets entries whose marker is below the log start offset, and deletes
   * the files of segments that are gone (every file based below the first
   * remaining segment holds only markers below it).
   */
  removeBefore(logStartOffset: number, firstSegmentBase: number): void {
    this.floor = Math.max(this.floor, logStartOffset);
    for (const f of [...this.files.values()]) {
      if (f.base >= firstSegmentBase) continue;
      f.file?.close();
      this.dir.deleteFile(segmentFileStem(f.base) + TXN_INDEX_SUFFIX);
      this.files.delete(f.base);
    }
    this.rebuildEntries();
  }

  /**
   * Merges each file whose base is not one of `segmentBases` (the log's
   * segments, oldest first) into the file of the segment holding its base:
   * the merged file is written durably before the old one is deleted, and a
   * crash in between only leaves entries twice, merged again next time.
   */
  consolidate(segmentBases: readonly number[]): void {
    const live = new Set(segmentBases);
    const orphans = [...this.files.values()].filter((f) => !live.has(f.base)).sort((a, b) => a.base - b.base);
    for (const orphan of orphans) {
      let owner: number | undefined;
      for (const base of segmentBases) if (base <= orphan.base) owner = base;
      if (owner === undefined) continue; // below every segment: removeBefore's
      let target = this.files.get(owner);
      if (!target) {
        target = { base: owner, file: null, entries: [] };
        this.files.set(owner, target);
      }
      target.entries = mergeEntries(target.entries, orphan.entries);
      this.rewrite(target);
      orphan.file?.close();
      this.dir.deleteFile(segmentFileStem(orphan.base) + TXN_INDEX_SUFFIX);
      this.files.delete(orphan.base);
    }
    if (orphans.length > 0) this.rebuildEntries();
  }

  close(): void {
    for (const f of this.files.values()) {
      f.file?.close();
      f.file = null;
    }
  }

  private openFile(f: IndexFile): SegmentFile {
    f.file ??= this.dir.openFile(segmentFileStem(f.base) + TXN_INDEX_SUFFIX);
    return f.file;
  }

  /** Replaces a file's content with its entries, atomically and durably; appends then go to the new file. */
  private rewrite(f: IndexFile): void {
    f.file?.close();
    f.file = null;
    this.dir.writeFile(segmentFileStem(f.base) + TXN_INDEX_SUFFIX, Buffer.concat(f.entries.map(encodeAbortedTxn)), { sync: true });
  }

  private rebuildEntries(): void {
    this.entries = mergeEntries(
      [...this.files.values()].flatMap((f) => f.entries),
      [],
    ).filter((e) => e.lastOffset >= this.floor);
  }

  /** Index of the first entry with lastOffset >= offset. */
  private firstAtOrAfter(offset: number): number {
    let lo = 0;
    let hi = this.entries.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((this.entries[mid] as AbortedTxn).lastOffset < offset) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}
