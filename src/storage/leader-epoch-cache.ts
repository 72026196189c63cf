/**
 * Which leader epoch each range of a partition's offsets was written in:
 * a list of (epoch, start offset) entries, both strictly increasing, kept in
 * the partition directory as Kafka's `leader-epoch-checkpoint` file
 * (leader-epoch-checkpoint-file.ts):
 *
 *   0            <- format version
 *   2            <- number of entries
 *   0 0          <- epoch 0 starts at offset 0
 *   3 1200       <- epoch 3 starts at offset 1200
 *
 * It answers OffsetForLeaderEpoch (KIP-101/279/320): where an epoch ends is
 * where the next one starts, or the log end for the latest epoch. The rules
 * are Kafka's LeaderEpochFileCache: an entry is added only for a newer epoch
 * (or an earlier start of the latest one), entries that would break the
 * order are dropped first, and truncating the log at either end trims the
 * entries with it.
 *
 * Changes are written (atomically, fsynced) with the log's data, by `sync`
 * from the log's flush, roll and close: an entry for records below the
 * recovery point is durable with them, and one for records past it is
 * rebuilt by recovery from the batches' own epochs. A new partition thus
 * costs no file write of its own. An entry starting at or past the log end
 * is dropped by every load, so it is written only once records follow it:
 * a partition that never got a record has no checkpoint, and one idle
 * since its last write rewrites nothing when a restart assigns it its
 * epoch again.
 */
import type { CheckpointFile } from './checkpoint-file';
import { type EpochEntry, leaderEpochCheckpointFile } from './leader-epoch-checkpoint-file';
import type { StorageDir } from './storage-dir';

/** Kafka's UNDEFINED_EPOCH / UNDEFINED_EPOCH_OFFSET. */
export const UNDEFINED_EPOCH = -1;
export const UNDEFINED_EPOCH_OFFSET = -1;

export class LeaderEpochCache {
  private entries: EpochEntry[];
  /** Changed since the file was last written. */
  private unsynced = false;
  /** What the file holds, as read or last written; null while unknown (a write in flight, or failed). */
  private onDisk: readonly EpochEntry[] | null;
  /** Writes started so far: an asynchronous one records what it wrote only if no other started meanwhile. */
  private writesStarted = 0;

  private constructor(
    private readonly file: CheckpointFile<EpochEntry> | null,
    entries: EpochEntry[],
  ) {
    this.entries = entries;
    this.onDisk = [...entries];
  }

  /** Loads the checkpoint in `dir` (empty when missing). Throws on a malformed file. */
  static load(dir: StorageDir): LeaderEpochCache {
    const file = leaderEpochCheckpointFile(dir);
    return new LeaderEpochCache(file, file.read());
  }

  /** The cache of a directory that has no checkpoint yet: empty, written there on `sync` once it has an entry to keep. */
  static withoutCheckpoint(dir: StorageDir): LeaderEpochCache {
    return new LeaderEpochCache(leaderEpochCheckpointFile(dir), []);
  }

  /** A cache that writes nothing (tests, logs that keep no epochs). */
  static inMemory(entries: EpochEntry[] = []): LeaderEpochCache {
    return new LeaderEpochCache(null, [...entries]);
  }

  list(): readonly Readonly<EpochEntry>[] {
    return this.entries;
  }

  get latestEpoch(): number | null {
    return this.entries[this.entries.length - 1]?.epoch ?? null;
  }

  get isEmpty(): boolean {
    return this.entries.length === 0;
  }

  /** Records that `epoch` starts at `startOffset` (Kafka's assign). Returns whether anything changed. */
  assign(epoch: number, startOffset: number): boolean {
    if (epoch < 0 || startOffset < 0) throw new Error(`invalid leader epoch entry (${epoch}, ${startOffset})`);
    const latest = this.entries[this.entries.length - 1];
    if (latest && latest.epoch === epoch && latest.startOffset <= startOffset) return false;
    // Entries at or after the new one, by epoch or by offset, would break the order.
    while (this.entries.length > 0) {
      const last = this.entries[this.entries.length - 1] as EpochEntry;
      if (last.epoch >= epoch || last.startOffset >= startOffset) this.entries.pop();
      else break;
    }
    this.entries.push({ epoch, startOffset });
    this.write();
    return true;
  }

  /**
   * OffsetForLeaderEpoch: the largest epoch <= `requested` and the offset
   * where it ends (the next epoch's start, or the log end for the latest),
   * or (-1, -1) when the epoch is undefined or newer than any known. An
   * epoch older than every entry ends where the first entry starts.
   */
  endOffsetFor(requested: number, logEndOffset: number): { epoch: number; endOffset: number } {
    const undefinedAnswer = { epoch: UNDEFINED_EPOCH, endOffset: UNDEFINED_EPOCH_OFFSET };
    if (requested === UNDEFINED_EPOCH) return undefinedAnswer;
    if (this.latestEpoch === requested) return { epoch: requested, endOffset: logEndOffset };
    const higher = this.entries.findIndex((e) => e.epoch > requested);
    if (higher < 0) return undefinedAnswer;
    const next = this.entries[higher] as EpochEntry;
    const floor = higher > 0 ? (this.entries[higher - 1] as EpochEntry) : null;
    return { epoch: floor ? floor.epoch : requested, endOffset: next.startOffset };
  }

  /** The log was truncated to end at `endOffset`: entries starting at or after it go. */
  truncateFromEnd(endOffset: number): void {
    const before = this.entries.length;
    this.entries = this.entries.filter((e) => e.startOffset < endOffset);
    if (this.entries.length !== before) this.write();
  }

  /** The log was emptied (a follower starting over at its leader's log start): every entry goes. */
  clear(): void {
    if (this.entries.length === 0) return;
    this.entries = [];
    this.write();
  }

  /**
   * The log now starts at `startOffset`: entries wholly below it go, and the
   * epoch in force there starts there.
   */
  truncateFromStart(startOffset: number): void {
    let floor = -1;
    for (let i = 0; i < this.entries.length; i++) if ((this.entries[i] as EpochEntry).startOffset <= startOffset) floor = i;
    if (floor < 0) return;
    const kept = this.entries.slice(floor);
    const first = kept[0] as EpochEntry;
    if (floor === 0 && first.startOffset === startOffset) return;
    kept[0] = { epoch: first.epoch, startOffset };
    this.entries = kept;
    this.write();
  }

  /**
   * Makes the checkpoint durable if it changed since it last was (the log's
   * flush), with the log ending at `logEndOffset`: see `fileSaysTheSame`
   * for the changes that need no write.
   */
  sync(logEndOffset: number): void {
    if (this.file === null || !this.unsynced || this.fileSaysTheSame(logEndOffset)) return;
    this.unsynced = false;
    const entries = [...this.entries];
    this.writesStarted++;
    this.onDisk = null;
    this.file.write(entries);
    this.onDisk = entries;
  }

  /** `sync` off the event loop (after a roll's background segment fsync, and a shutdown's flush). */
  async syncAsync(logEndOffset: number): Promise<void> {
    if (this.file === null || !this.unsynced || this.fileSaysTheSame(logEndOffset)) return;
    this.unsynced = false;
    const entries = [...this.entries];
    const write = ++this.writesStarted;
    this.onDisk = null;
    await this.file.writeAsync(entries);
    if (this.writesStarted === write) this.onDisk = entries;
  }

  /**
   * Whether the file already says what the entries say, for a log ending at
   * `logEndOffset`. Loading a log drops every entry that starts at or past
   * its end (truncateFromEnd, as Kafka's load does), so such an entry is no
   * reason to write: a leader's epoch on a partition that has no record in
   * it yet. Without this, every partition of a broker that never got a
   * record wrote its checkpoint at each stop: the load had dropped the
   * entry, and becoming leader assigned it again. A temp file, a rename and
   * two fsyncs each, seconds for thousands.
   */
  private fileSaysTheSame(logEndOffset: number): boolean {
    if (this.onDisk === null) return false;
    const below = (entries: readonly EpochEntry[]): EpochEntry[] => entries.filter((e) => e.startOffset < logEndOffset);
    if (!sameEntries(below(this.onDisk), below(this.entries))) return false;
    // The entries past the end stay to be written (still marked unsynced)
    // once records make them count, unless the file has them already.
    if (sameEntries(this.onDisk, this.entries)) this.unsynced = false;
    return true;
  }

  /** Marks the entries changed; the file follows at the next `sync`. */
  private write(): void {
    this.unsynced = true;
  }
}

function sameEntries(a: readonly EpochEntry[], b: readonly EpochEntry[]): boolean {
  return a.length === b.length && a.every((e, i) => e.epoch === b[i]?.epoch && e.startOffset === b[i]?.startOffset);
}
