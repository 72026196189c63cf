/**
 * Topic and broker configs turned into what storage acts on: a topic's
 * resolved configuration into its logs' LogConfig, the broker's
 * log.cleaner.* settings into the cleaner's. Storage knows nothing of
 * Kafka's config names; this is where they meet.
 */
import { type BrokerConfig, TOPIC_BROKER_SYNONYMS, type TopicConfig } from '../config';
import type { LogCleanerConfig } from '../storage/cleaner/log-cleaner-config';
import type { LogConfig } from '../storage/log-config';

/** The storage settings of a topic's partitions, from its resolved configuration. */
export function logConfigOf(c: TopicConfig, broker: BrokerConfig): Partial<LogConfig> {
  const never = (v: number) => (v >= Number.MAX_SAFE_INTEGER ? Infinity : v);
  return {
    segmentBytes: c.segmentBytes,
    segmentMs: c.segmentMs,
    indexIntervalBytes: c.indexIntervalBytes,
    retentionMs: c.retentionMs,
    retentionBytes: c.retentionBytes,
    flushMessages: never(c.flushMessages),
    flushMs: never(c.flushMs),
    producerIdExpirationMs: broker.number('producer.id.expiration.ms'),
    deletePolicy: c.delete,
    compactPolicy: c.compact,
    minCleanableDirtyRatio: c.minCleanableDirtyRatio,
    minCompactionLagMs: c.minCompactionLagMs,
    maxCompactionLagMs: never(c.maxCompactionLagMs),
    deleteRetentionMs: never(c.deleteRetentionMs),
    segmentIndexBytes: c.segmentIndexBytes,
  };
}

/** The broker-wide log cleaner settings (log.cleaner.*). */
export function logCleanerConfigOf(broker: BrokerConfig): Partial<LogCleanerConfig> {
  const unlimited = (v: number) => (v >= Number.MAX_VALUE ? Infinity : v);
  return {
    enabled: broker.boolean('log.cleaner.enable'),
    dedupeBufferSize: broker.number('log.cleaner.dedupe.buffer.size'),
    ioBufferSize: broker.number('log.cleaner.io.buffer.size'),
    loadFactor: broker.number('log.cleaner.io.buffer.load.factor'),
    maxIoBytesPerSecond: unlimited(broker.number('log.cleaner.io.max.bytes.per.second')),
    backoffMs: broker.number('log.cleaner.backoff.ms'),
  };
}

/**
 * The broker configs that reach the logs through their topics' resolved
 * configuration (the first broker synonym of each topic config, Kafka's
 * DynamicLogConfig.ReconfigurableConfigs) plus producer.id.expiration.ms:
 * a dynamic change to any of them is applied by resolving every topic again.
 * Left out: log.message.format.version (not dynamic in Kafka either) and
 * log.segment.delete.delay.ms (Weir's storage reads it once, at start).
 */
export const LOG_DEFAULT_BROKER_KEYS: ReadonlySet<string> = new Set([
  ...[...TOPIC_BROKER_SYNONYMS.values()]
    .map((synonyms) => synonyms[0]?.name ?? '')
    .filter((name) => name !== '' && name !== 'log.message.format.version' && name !== 'log.segment.delete.delay.ms'),
  'producer.id.expiration.ms',
]);

/** The log.cleaner.* configs the running cleaner takes (log.cleaner.enable and .threads are not among them). */
export const LOG_CLEANER_BROKER_KEYS: ReadonlySet<string> = new Set([
  'log.cleaner.dedupe.buffer.size',
  'log.cleaner.io.buffer.size',
  'log.cleaner.io.buffer.load.factor',
  'log.cleaner.io.max.bytes.per.second',
  'log.cleaner.backoff.ms',
]);
