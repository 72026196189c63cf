/**
 * The log cleaner: compacts the logs whose cleanup.policy includes `compact`,
 * in the background, one log at a time (Kafka's LogCleaner with one thread
 * and its LogCleanerManager).
 *
 * Work happens in slices (`runSlice`) of bounded bytes and time, driven by its
 * own timer (`start`): back to back (setImmediate, so I/O and requests
 * interleave) while a round is in progress, every log.cleaner.backoff.ms when
 * nothing needs cleaning. Tests and benchmarks call `runSlice` /
 * `cleanUntilIdle` directly, with their own clock.
 *
 * Under the timer nothing waits on the disk inside a slice: segment swaps
 * and checkpoint writes do their fsyncs in libuv's thread pool (a busy disk
 * makes one fsync take tens to hundreds of ms, and a swap has nine), and the
 * next slice is scheduled when they finish. Called directly, the same work
 * is done synchronously, so tests see each step's effect at once.
 *
 * Which log: among compacted logs not marked uncleanable, those whose dirty
 * ratio exceeds min.cleanable.dirty.ratio or whose oldest dirty record is past
 * max.compaction.lag.ms; the dirtiest of them. When none, a log whose kept
 * tombstones' delete horizon has passed, so they can go (KIP-534).
 *
 * How far each log is cleaned is kept in `cleaner-offset-checkpoint` (Kafka's
 * text checkpoint format) in the data directory.
 */
import type { Log } from '../log';
import { OffsetCheckpointFile, type TopicPartition, topicPartitionKey } from '../offset-checkpoint-file';
import type { StorageDir } from '../storage-dir';
import { type CleanableLog, cleanableLog } from './cleanable-log';
import type { CleaningTask, CleaningStats } from './cleaning-task';
import { type LogCleanerConfig, logCleanerConfig } from './log-cleaner-config';
import { monotonicMs } from '../../time/monotonic-clock';
import { SliceBudget } from './slice-budget';

export const CLEANER_OFFSET_CHECKPOINT = 'cleaner-offset-checkpoint';

/** The pino-compatible subset the cleaner logs through (one line per round, errors). */
export interface CleanerLogger {
  info(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

/** A finished round, for logs and tests. */
export interface CleaningRound {
  topic: string;
  partition: number;
  completed: boolean;
  abortReason: string | null;
  firstDirtyOffset: number;
  stats: CleaningStats;
}

export type SliceOutcome = 'cleaning' | 'idle';

export class LogCleaner {
  private config: LogCleanerConfig;
  private readonly checkpointFile: OffsetCheckpointFile;
  private readonly checkpoint: Map<string, number>;
  /** The latest delete horizon each log's last round left behind (Kafka keeps it in memory too). */
  private readonly latestDeleteHorizon = new Map<Log, number>();
  /** Logs whose cleaning failed; skipped until restart (Kafka's uncleanable partitions). */
  private readonly uncleanable = new Set<Log>();
  private task: CleaningTask | null = null;
  private timer: NodeJS.Timeout | NodeJS.Immediate | null = null;
  private running = false;
  private logger: CleanerLogger | null = null;
  /** Set by `start`: rounds begun under the timer swap and checkpoint off the event loop. */
  private backgroundIo = false;
  /** The background I/O the timer is waiting for, if any (a stale one is ignored). */
  private waitingFor: Promise<void> | null = null;
  /** Background checkpoint writes, one after another (they share a .tmp file). */
  private checkpointWrites: Promise<void> = Promise.resolve();
  /** Rounds finished since start, newest last (a few kept, for tests and diagnostics). */
  readonly recentRounds: CleaningRound[] = [];

  constructor(
    private readonly dir: StorageDir,
    private readonly logs: () => Iterable<Log>,
    config: Partial<LogCleanerConfig>,
    private readonly now: () => number,
  ) {
    this.config = logCleanerConfig(config);
    this.checkpointFile = new OffsetCheckpointFile(dir, CLEANER_OFFSET_CHECKPOINT);
    this.checkpoint = readCheckpointOrEmpty(this.checkpointFile);
  }

  get settings(): Readonly<LogCleanerConfig> {
    return this.config;
  }

  /**
   * New settings while running (dynamic log.cleaner.* configs): a round
   * already under way keeps its offset map; the next one uses them.
   * Turning the cleaner on or off takes a restart, as in Kafka.
   */
  reconfigure(settings: Partial<LogCleanerConfig>): void {
    this.config = logCleanerConfig({ ...this.config, ...settings, enabled: this.config.enabled });
  }

  /** The cleaner checkpoint: how far each log has been cleaned (its next first dirty offset). */
  cleanedUpTo(log: Log): number | undefined {
    return this.checkpoint.get(topicPartitionKey(log.topic, log.partition));
  }

  /** The log being cleaned right now, if any. */
  get logInProgress(): Log | null {
    return this.task?.log ?? null;
  }

  isUncleanable(log: Log): boolean {
    return this.uncleanable.has(log);
  }

  /** The dirtiness of a compacted log, as the cleaner sees it now. */
  cleanableState(log: Log, now: number = this.now()): CleanableLog {
    return cleanableLog(log, this.cleanedUpTo(log), now);
  }

  /** The log to clean next at `now`, or null when none needs it. */
  grabFilthiestLog(now: number = this.now()): CleanableLog | null {
    let best: CleanableLog | null = null;
    let horizonCandidate: CleanableLog | null = null;
    for (const log of this.logs()) {
      if (log.isClosed || !log.logConfig.compactPolicy || this.uncleanable.has(log)) continue;
      const state = this.cleanableState(log, now);
      const needsNow = state.maxCompactionDelayMs > 0 && state.cleanableBytes > 0;
      if (needsNow || state.dirtyRatio > log.logConfig.minCleanableDirtyRatio) {
        if (!best || state.dirtyRatio > best.dirtyRatio) best = state;
        continue;
      }
      const horizon = this.latestDeleteHorizon.get(log) ?? -1;
      if (horizon >= 0 && horizon <= now && (!horizonCandidate || state.dirtyRatio > horizonCandidate.dirtyRatio)) horizonCandidate = state;
    }
    return best ?? horizonCandidate;
  }

  /**
   * One bounded unit of work: continues the round in progress, or starts one
   * on the filthiest log. 'idle' when no log needs cleaning.
   */
  runSlice(now: number = this.now()): SliceOutcome {
    if (!this.task) {
      const candidate = this.grabFilthiestLog(now);
      if (!candidate) return 'idle';
      // The cleaning code loads with the first round: most brokers never compact anything (start-up time and memory).
      const { CleaningTask } = require('./cleaning-task') as typeof import('./cleaning-task');
      const { AbortedTransactionTracker } = require('./transactions') as typeof import('./transactions');
      this.task = new CleaningTask(candidate.log, candidate.firstDirtyOffset, candidate.firstUncleanableOffset, now, {
        dedupeBufferSize: this.config.dedupeBufferSize,
        loadFactor: this.config.loadFactor,
        ioBufferSize: this.config.ioBufferSize,
        maxUncompressedBytes: this.config.maxUncompressedBatchBytes,
        transactions: (log, from, to) => new AbortedTransactionTracker(log.abortedTransactions(from, to)),
        backgroundIo: this.backgroundIo,
      });
    }
    const task = this.task;
    const budget = new SliceBudget(this.config.sliceBytes, this.config.sliceMs);
    try {
      if (!task.step(budget)) return 'cleaning';
    } catch (err) {
      task.abort(`failed: ${err instanceof Error ? err.message : String(err)}`);
      this.uncleanable.add(task.log);
      this.logger?.error({ err, topic: task.log.topic, partition: task.log.partition }, 'log cleaning failed; partition marked uncleanable');
    }
    this.task = null;
    this.finishRound(task);
    return 'cleaning';
  }

  private finishRound(task: CleaningTask): void {
    const log = task.log;
    if (task.completed) {
      this.checkpoint.set(topicPartitionKey(log.topic, log.partition), task.stats.endOffset);
      this.latestDeleteHorizon.set(log, task.stats.latestDeleteHorizon);
      if (this.backgroundIo) this.writeCheckpointInBackground();
      else this.writeCheckpoint();
    }
    const round: CleaningRound = {
      topic: log.topic,
      partition: log.partition,
      completed: task.completed,
      abortReason: task.abortReason,
      firstDirtyOffset: task.firstDirtyOffset,
      stats: { ...task.stats },
    };
    this.recentRounds.push(round);
    if (this.recentRounds.length > 16) this.recentRounds.shift();
    if (task.completed) this.logger?.info({ ...round }, 'log cleaned');
    else if (!this.uncleanable.has(log)) this.logger?.info({ ...round }, 'log cleaning abandoned');
  }

  /**
   * Runs slices until no log needs cleaning (tests, benchmarks, tools).
   * Returns the rounds finished. `maxRounds` guards against a log that is
   * always dirty (a ratio of 0 makes every log eligible every time).
   */
  cleanUntilIdle(now: number = this.now(), maxRounds = 100): CleaningRound[] {
    const rounds: CleaningRound[] = [];
    while (rounds.length < maxRounds) {
      // A round begun under the timer may be waiting on the thread pool, which a loop here would never let finish.
      if (this.task?.ioInFlight) throw new Error('cleanUntilIdle: a background swap is in flight (stop the timer first)');
      if (this.runSlice(now) === 'idle') break;
      if (this.task === null) rounds.push(this.recentRounds[this.recentRounds.length - 1] as CleaningRound);
    }
    return rounds;
  }

  /** Starts the background timer (log.cleaner.enable permitting). */
  start(logger?: CleanerLogger): void {
    if (logger) this.logger = logger;
    if (!this.config.enabled || this.running) return;
    this.running = true;
    this.backgroundIo = true;
    this.schedule(0);
  }

  /** Stops the timer and abandons the round in progress (its `.cleaned` file is deleted). */
  stop(): void {
    this.running = false;
    this.backgroundIo = false;
    this.waitingFor = null;
    if (this.timer) {
      clearTimeout(this.timer as NodeJS.Timeout);
      clearImmediate(this.timer as NodeJS.Immediate);
      this.timer = null;
    }
    if (this.task) {
      this.task.abort('the cleaner stopped');
      this.task = null;
    }
  }

  /** A log is being deleted: stop cleaning it and forget its checkpoint. */
  forgetLog(log: Log): void {
    if (this.task?.log === log) {
      this.task.abort('the log is being deleted');
      this.task = null;
    }
    this.checkpoint.delete(topicPartitionKey(log.topic, log.partition));
    this.latestDeleteHorizon.delete(log);
    this.uncleanable.delete(log);
  }

  /** Writes cleaner-offset-checkpoint for the logs that exist. */
  writeCheckpoint(): void {
    const entries: [TopicPartition, number][] = [];
    for (const log of this.logs()) {
      const offset = this.checkpoint.get(topicPartitionKey(log.topic, log.partition));
      if (offset !== undefined) entries.push([{ topic: log.topic, partition: log.partition }, offset]);
    }
    this.checkpointFile.write(entries);
  }

  /**
   * `writeCheckpoint` with its fsyncs in the thread pool. A crash before it
   * is durable costs re-cleaning from the previous checkpoint, as a crash
   * between a swap and the synchronous write always did.
   */
  private writeCheckpointInBackground(): void {
    this.checkpointWrites = this.checkpointWrites.then(async () => {
      if (!this.running) return; // shutdown writes the final checkpoint synchronously
      const entries: [TopicPartition, number][] = [];
      for (const log of this.logs()) {
        const offset = this.checkpoint.get(topicPartitionKey(log.topic, log.partition));
        if (offset !== undefined) entries.push([{ topic: log.topic, partition: log.partition }, offset]);
      }
      try {
        await this.checkpointFile.writeAsync(entries);
      } catch (err) {
        // A shutdown's synchronous write can rename the shared .tmp away mid-write; that one is newer.
        if (this.running) this.logger?.error({ err }, 'writing the cleaner checkpoint failed');
      }
    });
  }

  private schedule(delayMs: number): void {
    if (!this.running) return;
    const run = (): void => {
      this.timer = null;
      this.onTimer();
    };
    if (delayMs <= 0) {
      const immediate = setImmediate(run);
      immediate.unref();
      this.timer = immediate;
    } else {
      const t = setTimeout(run, Math.min(delayMs, 2 ** 31 - 1));
      t.unref();
      this.timer = t;
    }
  }

  private onTimer(): void {
    if (!this.running) return;
    const started = monotonicMs();
    let outcome: SliceOutcome = 'idle';
    let bytes = 0;
    try {
      const before = this.task ? this.task.stats.bytesRead + this.task.stats.bytesWritten : 0;
      const task = this.task;
      outcome = this.runSlice();
      const after = (this.task ?? task)?.stats;
      bytes = after ? after.bytesRead + after.bytesWritten - before : 0;
    } catch (err) {
      this.logger?.error({ err }, 'log cleaner slice failed');
    }
    if (outcome === 'idle') {
      this.schedule(this.config.backoffMs);
      return;
    }
    const io = this.task?.ioInFlight;
    if (io) {
      // A swap's fsyncs are running in the thread pool: the next slice when they are done, not a busy loop of empty slices.
      this.waitingFor = io;
      void io.then(() => {
        if (this.waitingFor !== io) return;
        this.waitingFor = null;
        this.schedule(0);
      });
      return;
    }
    // log.cleaner.io.max.bytes.per.second: wait until the bytes just moved fit the rate.
    const rate = this.config.maxIoBytesPerSecond;
    const owed = Number.isFinite(rate) && rate > 0 ? (bytes / rate) * 1000 - (monotonicMs() - started) : 0;
    this.schedule(owed);
  }
}

/** A damaged checkpoint only costs re-cleaning from the log start (Kafka resets it too), never the broker's start. */
function readCheckpointOrEmpty(file: OffsetCheckpointFile): Map<string, number> {
  try {
    return file.read();
  } catch {
    return new Map();
  }
}
