import { randomUUID } from 'node:crypto';
import { type CleanerLogger, LogCleaner } from './cleaner/log-cleaner';
import type { LogCleanerConfig } from './cleaner/log-cleaner-config';
import { lockDataDir } from './dir-lock';
import { DiskStorageDir } from './disk-storage-dir';
import { Log } from './log';
import { type LogConfig, logConfig } from './log-config';
import { MemoryStorageDir } from './memory-storage-dir';
import { OffsetCheckpointFile, type TopicPartition, topicPartitionKey } from './offset-checkpoint-file';
import { PARTITION_METADATA_FILE, encodePartitionMetadata } from './partition-metadata-file';
import type { StorageDir } from './storage-dir';

/**
 * Logs flushing at once when a broker stops: enough fsyncs in flight for the
 * file system to commit them in groups (libuv runs four at a time by default).
 */
const FLUSHES_IN_FLIGHT = 16;
/** Log directories being made at once in the thread pool (prepareLogsAsync). */
const CREATES_IN_FLIGHT = 16;

export const RECOVERY_POINT_CHECKPOINT = 'recovery-point-offset-checkpoint';
export const LOG_START_OFFSET_CHECKPOINT = 'log-start-offset-checkpoint';
/** Kafka's suffix of a log directory set aside as stray (`<topic>-<partition>.<unique id>-stray`). */
export const STRAY_DIR_SUFFIX = '-stray';
/** Kafka's metadata topic; its directory in a data dir belongs to the metadata store. */
export const METADATA_TOPIC_NAME = '__cluster_metadata';

export interface LogManagerOptions {
  /** Disk mode: the data directory (Kafka's `log.dirs`, one dir). Ignored when `dir` is given. */
  dataDir?: string;
  /** Memory mode (`--memory`): nothing touches the disk. */
  memory?: boolean;
  /** Any StorageDir (a data dir the broker claimed; tests reopen a MemoryStorageDir to exercise recovery). */
  dir?: StorageDir;
  /** With `dir`: called when the manager closes (the caller's data dir lock). */
  release?: () => void;
  /** Broker-wide log config defaults (topic configs override per log). */
  defaults?: Partial<LogConfig>;
  /** Broker-wide log cleaner settings (log.cleaner.*). */
  cleaner?: Partial<LogCleanerConfig>;
  /**
   * The data dir was written by an earlier Weir: every loaded log rewrites
   * its indexes and producer snapshots in Kafka's layout (see
   * `LogOptions.convertEarlierWeirFiles`).
   */
  convertEarlierWeirFiles?: boolean;
  now?: () => number;
}

/** What one `tick` did. */
export interface LogManagerTickResult {
  deletedSegments: number;
  flushedLogs: number;
}

/**
 * All partition logs of a data directory: `<dir>/<topic>-<partition>/`.
 * Loads (and recovers) every log at open, holds the directory lock, writes
 * Kafka's recovery-point and log-start-offset checkpoints, and runs the
 * periodic housekeeping when the broker calls `tick`. The metadata log's
 * directory (`__cluster_metadata-0`) is not a partition log: it is left to
 * the metadata store, as Kafka's LogManager leaves KRaft's.
 */
export class LogManager {
  private readonly logsByKey = new Map<string, Log>();
  /**
   * Directories prepareLogsAsync made, with the topic id it wrote into
   * their `partition.metadata` (null: none written). They hold
   * Log.FILES_OF_A_NEW_LOG, that file, and nothing else, since no log owns
   * them yet: their log opens without checking, listing or reading them.
   */
  private readonly madeDirs = new Map<string, string | null>();
  private readonly defaults: LogConfig;
  private readonly now: () => number;
  private readonly recoveryCheckpoint: OffsetCheckpointFile;
  private readonly logStartCheckpoint: OffsetCheckpointFile;
  private closed = false;
  /** Segments whose index files were rewritten at open (`convertEarlierWeirFiles`), for the broker's start-up log line. */
  rewrittenIndexSegments = 0;
  private checkpointWrites: Promise<void> = Promise.resolve();
  /** Set when a background checkpoint write failed (the next tick tries again). */
  lastCheckpointError: Error | null = null;
  /** Compacts the logs whose cleanup.policy includes `compact`; its timer runs once `startCleaner` is called. */
  readonly cleaner: LogCleaner;

  private constructor(
    readonly dir: StorageDir,
    options: LogManagerOptions,
    private readonly releaseLock: () => void,
  ) {
    this.defaults = logConfig(options.defaults);
    this.now = options.now ?? Date.now;
    this.recoveryCheckpoint = new OffsetCheckpointFile(dir, RECOVERY_POINT_CHECKPOINT);
    this.logStartCheckpoint = new OffsetCheckpointFile(dir, LOG_START_OFFSET_CHECKPOINT);
    this.cleaner = new LogCleaner(dir, () => this.logsByKey.values(), options.cleaner ?? {}, this.now);
  }

  /**
   * Opens a data directory (disk: takes the `.lock`, throwing
   * DataDirLockedError when another live broker holds it) and loads every log.
   * `topicConfigs` gives the config overrides of known topics.
   */
  static open(options: LogManagerOptions, topicConfigs: (topic: string) => Partial<LogConfig> = () => ({})): LogManager {
    const now = options.now ?? Date.now;
    let dir: StorageDir;
    let release = options.release ?? ((): void => {});
    if (options.dir) dir = options.dir;
    else if (options.memory) dir = new MemoryStorageDir();
    else if (options.dataDir) {
      release = lockDataDir(options.dataDir);
      dir = new DiskStorageDir(options.dataDir);
    } else throw new Error('LogManager needs dataDir, memory or dir');
    const manager = new LogManager(dir, options, release);
    try {
      manager.loadLogs(topicConfigs, options.convertEarlierWeirFiles ?? false);
    } catch (e) {
      release();
      throw e;
    }
    return manager;
  }

  private loadLogs(topicConfigs: (topic: string) => Partial<LogConfig>, convertEarlierWeirFiles: boolean): void {
    const recoveryPoints = this.recoveryCheckpoint.read();
    const logStarts = this.logStartCheckpoint.read();
    for (const name of this.dir.listDirs()) {
      if (name.endsWith('-delete')) {
        this.dir.removeDir(name); // a deletion interrupted by a crash
        continue;
      }
      if (name.endsWith(STRAY_DIR_SUFFIX)) continue; // set aside by `markStray`: kept, never served
      const tp = parsePartitionDirName(name);
      if (!tp || tp.topic === METADATA_TOPIC_NAME) continue;
      const log = Log.open(this.dir.listedDir(name), {
        topic: tp.topic,
        partition: tp.partition,
        config: { ...this.defaults, ...topicConfigs(tp.topic) },
        recoveryPoint: recoveryPoints.get(name) ?? 0,
        logStartOffset: logStarts.get(name),
        now: this.now,
        convertEarlierWeirFiles,
      });
      this.rewrittenIndexSegments += log.recoveryReport.rewrittenIndexes;
      this.logsByKey.set(name, log);
    }
    this.writeCheckpoints();
  }

  getLog(topic: string, partition: number): Log | undefined {
    return this.logsByKey.get(topicPartitionKey(topic, partition));
  }

  /** The partition's log, created empty (with `config` overrides) when it does not exist yet. */
  getOrCreateLog(topic: string, partition: number, config: Partial<LogConfig> = {}): Log {
    this.assertOpen();
    const key = topicPartitionKey(topic, partition);
    const existing = this.logsByKey.get(key);
    if (existing) return existing;
    const madeWith = this.madeDirs.get(key);
    this.madeDirs.delete(key);
    const made = madeWith !== undefined;
    const log = Log.open(made ? this.dir.listedDir(key) : this.dir.dir(key), {
      topic,
      partition,
      config: { ...this.defaults, ...config },
      now: this.now,
      madeDir: made ? { files: madeWith === null ? Log.FILES_OF_A_NEW_LOG : [...Log.FILES_OF_A_NEW_LOG, PARTITION_METADATA_FILE], topicId: madeWith } : undefined,
    });
    this.logsByKey.set(key, log);
    return log;
  }

  /**
   * Makes the directories and first segment files of logs about to be
   * created (by `getOrCreateLog`) in the thread pool, up to
   * CREATES_IN_FLIGHT at a time, so that the synchronous creation finds
   * them made: the broker creates a new topic's logs inside the metadata
   * update, and thousands of file-system creates there (about a millisecond
   * each on some disks) would hold every client. With a partition's
   * `topicId`, its `partition.metadata` is written there too (whole or
   * absent after a crash, see StorageDir.createDirAsync; a log that finds
   * it absent at start is assigned its id again), so the log opens with
   * its topic id.
   * Null when there is nothing to make (logs that exist, or storage in
   * memory). It never rejects: what fails here fails again, and is
   * reported, where the log is created.
   */
  prepareLogsAsync(partitions: readonly (TopicPartition & { topicId?: string })[]): Promise<void> | null {
    if (this.closed) return null;
    const topicIds = new Map<string, string | null>();
    for (const p of partitions) {
      const key = topicPartitionKey(p.topic, p.partition);
      if (!this.logsByKey.has(key)) topicIds.set(key, p.topicId ?? null);
    }
    const keys = [...topicIds.keys()];
    if (keys.length === 0) return null;
    const make = (key: string): Promise<void> | null => {
      const topicId = topicIds.get(key) ?? null;
      const written = topicId === null ? undefined : { name: PARTITION_METADATA_FILE, data: encodePartitionMetadata(topicId) };
      return (
        this.dir.createDirAsync(key, Log.FILES_OF_A_NEW_LOG, written)?.then(
          (made) => {
            if (made) this.madeDirs.set(key, topicId);
          },
          () => undefined,
        ) ?? null
      );
    };
    const first = make(keys[0] as string);
    if (first === null) return null;
    let next = 1;
    const makeNext = async (): Promise<void> => {
      while (next < keys.length) await make(keys[next++] as string);
    };
    return Promise.all([first, ...Array.from({ length: Math.min(CREATES_IN_FLIGHT, keys.length) - 1 }, makeNext)]).then(() => undefined);
  }

  /** Deletes a partition's log and directory; false when it did not exist. */
  deleteLog(topic: string, partition: number): boolean {
    const key = topicPartitionKey(topic, partition);
    this.madeDirs.delete(key);
    const log = this.logsByKey.get(key);
    if (!log) return false;
    this.logsByKey.delete(key);
    this.cleaner.forgetLog(log);
    log.delete();
    this.dir.removeDir(key);
    return true;
  }

  /**
   * Sets a partition's log aside as Kafka 3.9 sets a stray replica aside
   * (a log of a topic the metadata no longer has here, or of an older topic
   * of the same name): closed, forgotten, and its directory renamed to
   * `<topic>-<partition>.<unique id>-stray`, kept on disk for an operator
   * to inspect or remove, never loaded or served again. Returns the new
   * directory name; null when there was no such log.
   */
  markStray(topic: string, partition: number): string | null {
    const key = topicPartitionKey(topic, partition);
    const log = this.logsByKey.get(key);
    if (!log) return null;
    this.logsByKey.delete(key);
    this.cleaner.forgetLog(log);
    log.close();
    const strayName = strayDirName(topic, partition);
    this.dir.renameDir(key, strayName);
    return strayName;
  }

  /** Applies new topic config overrides to the topic's open logs. */
  updateTopicConfig(topic: string, config: Partial<LogConfig>): void {
    for (const log of this.logsByKey.values()) if (log.topic === topic) log.updateConfig({ ...this.defaults, ...config });
  }

  logs(): IterableIterator<Log> {
    return this.logsByKey.values();
  }

  /**
   * Every housekeeping task at once: retention and flush.ms, producer id
   * expiration, both checkpoints — with their fsyncs in the thread pool when
   * `checkpointsInBackground` (the event loop serving requests must not wait
   * for the disk; a crash before they are durable recovers from the previous
   * checkpoints, which only costs re-checking more of the log). The broker
   * runs each task on its own interval, as Kafka's LogManager schedules them
   * (broker/housekeeping.ts); tools and tests call this.
   */
  tick(now: number = this.now(), options: { checkpointsInBackground?: boolean } = {}): LogManagerTickResult {
    const result = this.applyRetentionAndFlush(now);
    this.removeExpiredProducers(now);
    if (options.checkpointsInBackground) {
      this.writeRecoveryPointCheckpointInBackground();
      this.writeLogStartOffsetCheckpointInBackground();
    } else this.writeCheckpoints();
    return result;
  }

  /** Every log.retention.check.interval.ms: retention and flush.ms. */
  applyRetentionAndFlush(now: number = this.now()): LogManagerTickResult {
    this.assertOpen();
    let deletedSegments = 0;
    let flushedLogs = 0;
    for (const log of this.logsByKey.values()) {
      deletedSegments += log.deleteRetentionExpired(now);
      if (log.maybeFlush(now)) flushedLogs++;
    }
    return { deletedSegments, flushedLogs };
  }

  /** Every producer.id.expiration.check.interval.ms: producers idle past producer.id.expiration.ms are forgotten. */
  removeExpiredProducers(now: number = this.now()): void {
    this.assertOpen();
    for (const log of this.logsByKey.values()) log.removeExpiredProducers(now);
  }

  /** Writes recovery-point-offset-checkpoint and log-start-offset-checkpoint. */
  writeCheckpoints(): void {
    this.recoveryCheckpoint.write(this.recoveryPoints());
    this.logStartCheckpoint.write(this.logStartOffsets());
  }

  /** Every log.flush.offset.checkpoint.interval.ms: how far each log is known durable (fsyncs off the event loop). */
  writeRecoveryPointCheckpointInBackground(): void {
    const entries = this.recoveryPoints();
    this.inBackground(() => this.recoveryCheckpoint.writeAsync(entries));
  }

  /** Every log.flush.start.offset.checkpoint.interval.ms: where each log starts (fsyncs off the event loop). */
  writeLogStartOffsetCheckpointInBackground(): void {
    const entries = this.logStartOffsets();
    this.inBackground(() => this.logStartCheckpoint.writeAsync(entries));
  }

  /**
   * One background checkpoint write at a time. The contents are taken when
   * the write is asked for; a shutdown's synchronous write (always newer)
   * wins over one still in flight.
   */
  private inBackground(write: () => Promise<void>): void {
    this.checkpointWrites = this.checkpointWrites
      .then(async () => {
        if (!this.closed) await write();
      })
      .catch((err: unknown) => {
        if (!this.closed) this.lastCheckpointError = err instanceof Error ? err : new Error(String(err));
      });
  }

  private recoveryPoints(): [TopicPartition, number][] {
    return [...this.logsByKey.values()].map((log) => [{ topic: log.topic, partition: log.partition }, log.recoveryPoint]);
  }

  private logStartOffsets(): [TopicPartition, number][] {
    return [...this.logsByKey.values()].map((log) => [{ topic: log.topic, partition: log.partition }, log.logStartOffset]);
  }

  /** Resolves when the background checkpoint writes asked for so far have finished. */
  whenCheckpointsWritten(): Promise<void> {
    return this.checkpointWrites;
  }

  /** Starts the background log cleaner (log.cleaner.enable permitting). */
  startCleaner(logger?: CleanerLogger): void {
    this.assertOpen();
    this.cleaner.start(logger);
  }

  /**
   * Flushes every log with its fsyncs in the thread pool, up to
   * FLUSHES_IN_FLIGHT logs at a time (see Log.flushAsync). A shutdown runs
   * this before `close`, which then has no fsync left to wait for but the
   * checkpoints'.
   */
  async flushAllAsync(): Promise<void> {
    this.assertOpen();
    const logs = [...this.logsByKey.values()];
    let next = 0;
    const flushNext = async (): Promise<void> => {
      while (next < logs.length) {
        const log = logs[next++] as Log;
        if (!log.isClosed) await log.flushAsync();
      }
    };
    await Promise.all(Array.from({ length: Math.min(FLUSHES_IN_FLIGHT, logs.length) }, flushNext));
  }

  /**
   * Clean shutdown: flush and close every log, write the checkpoints, release
   * the lock. A segment's descriptor closes with its log unless a response
   * still holds a region of it (the server closes first, so that is only a
   * read finishing in the thread pool).
   */
  close(): void {
    if (this.closed) return;
    this.cleaner.stop();
    this.cleaner.writeCheckpoint();
    for (const log of this.logsByKey.values()) log.close();
    this.writeCheckpoints();
    this.closed = true;
    this.logsByKey.clear();
    this.releaseLock();
  }

  private assertOpen(): void {
    if (this.closed) throw new Error('LogManager is closed');
  }
}

/**
 * Kafka's name for a stray log's directory: `<topic>-<partition>.<32 hex
 * digits>-stray`, the topic cut short so that the name fits in 255 bytes.
 */
export function strayDirName(topic: string, partition: number): string {
  const suffix = `-${partition}.${randomUUID().replace(/-/g, '')}${STRAY_DIR_SUFFIX}`;
  return topic.slice(0, Math.max(0, 255 - suffix.length)) + suffix;
}

/** `my.topic-3` -> { topic: 'my.topic', partition: 3 }; null for anything else. */
export function parsePartitionDirName(name: string): TopicPartition | null {
  const m = /^(.+)-(\d+)$/.exec(name);
  if (!m) return null;
  return { topic: m[1] as string, partition: Number(m[2]) };
}
