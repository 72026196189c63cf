/**
 * Per-partition log settings, Kafka's topic configs by their property names
 * (camelCased) and Kafka's defaults. "Never" is Infinity; Kafka's -1
 * ("unlimited") for retention is also accepted.
 */
export interface LogConfig {
  /** segment.bytes: roll when the active segment would exceed this. */
  segmentBytes: number;
  /** segment.ms: roll when the active segment's first append is this old. */
  segmentMs: number;
  /** index.interval.bytes: bytes between offset/time index entries. */
  indexIntervalBytes: number;
  /** retention.ms: delete segments whose newest timestamp is older (-1: forever). */
  retentionMs: number;
  /** retention.bytes: delete oldest segments while the log is larger (-1: unlimited). */
  retentionBytes: number;
  /** flush.messages: fsync after this many messages (Infinity: leave it to the OS). */
  flushMessages: number;
  /** flush.ms: fsync when the last flush is this old (Infinity: leave it to the OS). */
  flushMs: number;
  /** producer.id.expiration.ms (a broker config in Kafka): forget idle producers after this. */
  producerIdExpirationMs: number;
  /** cleanup.policy contains `delete`: retention.ms / retention.bytes apply. */
  deletePolicy: boolean;
  /** cleanup.policy contains `compact`: the log cleaner keeps the latest record per key. */
  compactPolicy: boolean;
  /** min.cleanable.dirty.ratio: clean once dirty bytes / all cleanable bytes exceed this. */
  minCleanableDirtyRatio: number;
  /** min.compaction.lag.ms: a record stays uncompacted at least this long. */
  minCompactionLagMs: number;
  /** max.compaction.lag.ms: a record becomes eligible for compaction at most this long after it was written (Infinity: never forced). */
  maxCompactionLagMs: number;
  /** delete.retention.ms: how long a tombstone survives after the cleaner first saw it. */
  deleteRetentionMs: number;
  /** segment.index.bytes: the largest index a segment may have (bounds how many segments the cleaner merges). */
  segmentIndexBytes: number;
}

export const DEFAULT_LOG_CONFIG: Readonly<LogConfig> = Object.freeze({
  segmentBytes: 1024 * 1024 * 1024,
  segmentMs: 7 * 24 * 60 * 60 * 1000,
  indexIntervalBytes: 4096,
  retentionMs: 7 * 24 * 60 * 60 * 1000,
  retentionBytes: -1,
  flushMessages: Infinity,
  flushMs: Infinity,
  producerIdExpirationMs: 24 * 60 * 60 * 1000,
  deletePolicy: true,
  compactPolicy: false,
  minCleanableDirtyRatio: 0.5,
  minCompactionLagMs: 0,
  maxCompactionLagMs: Infinity,
  deleteRetentionMs: 24 * 60 * 60 * 1000,
  segmentIndexBytes: 10 * 1024 * 1024,
});

export function logConfig(overrides: Partial<LogConfig> = {}): LogConfig {
  return { ...DEFAULT_LOG_CONFIG, ...overrides };
}

/**
 * Kafka's LogConfig.maxSegmentMs: a compacted log with a max.compaction.lag.ms
 * rolls at least that often, since the active segment is never cleaned.
 */
export function maxSegmentMs(config: LogConfig): number {
  return config.compactPolicy ? Math.min(config.segmentMs, config.maxCompactionLagMs) : config.segmentMs;
}
