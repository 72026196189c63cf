/**
 * Topic-level configs: Kafka 3.9's LogConfig set, with its types, defaults and
 * validators, and for each one the broker config(s) it falls back to
 * (Kafka's ServerTopicConfigSynonyms), in precedence order.
 *
 * All topic configs are dynamic (alterable at runtime), as in Kafka.
 */
import {
  JAVA_LONG_MAX,
  defineBoolean,
  defineDouble,
  defineInt,
  defineList,
  defineLong,
  defineString,
  indexConfigKeys,
  type ConfigKey,
} from './config-def';
import {
  atLeast,
  between,
  listOf,
  metadataVersionString,
  oneOf,
  rangeOrExactly,
  throttledReplicaList,
} from './validators';

/** Unit of a broker synonym; its value is converted to the topic config's unit (ms) by this. */
export type SynonymUnit = 'same' | 'minutes' | 'hours';

export interface BrokerSynonym {
  readonly name: string;
  readonly unit: SynonymUnit;
}

export const MS_PER_MINUTE = 60_000;
export const MS_PER_HOUR = 3_600_000;

/** Convert a broker synonym's numeric value into the topic config's unit. */
export function convertSynonymValue(unit: SynonymUnit, value: number): number {
  if (unit === 'minutes') return value * MS_PER_MINUTE;
  if (unit === 'hours') return value * MS_PER_HOUR;
  return value;
}

export const COMPRESSION_TYPES = ['uncompressed', 'zstd', 'lz4', 'snappy', 'gzip', 'producer'] as const;
export type BrokerCompressionType = (typeof COMPRESSION_TYPES)[number];
export const TIMESTAMP_TYPES = ['CreateTime', 'LogAppendTime'] as const;
export type TimestampTypeName = (typeof TIMESTAMP_TYPES)[number];
export const CLEANUP_POLICIES = ['compact', 'delete'] as const;
export type CleanupPolicy = (typeof CLEANUP_POLICIES)[number];

/** Kafka's legacy record overhead (v0): the smallest allowed segment.bytes. */
const LEGACY_RECORD_OVERHEAD_V0 = 14;
const WEEK_MS = 7 * 24 * MS_PER_HOUR;
const DAY_MS = 24 * MS_PER_HOUR;
/** 1 MiB + the 12-byte log overhead. */
export const DEFAULT_MAX_MESSAGE_BYTES = 1024 * 1024 + 12;

const topic = { dynamic: true } as const;

export const TOPIC_CONFIG_KEYS = [
  defineList('cleanup.policy', ['delete'], { ...topic, validator: listOf(...CLEANUP_POLICIES) }),
  defineString('compression.type', 'producer', { ...topic, validator: oneOf(...COMPRESSION_TYPES) }),
  defineInt('compression.gzip.level', -1, { ...topic, validator: rangeOrExactly(1, 9, -1) }),
  defineInt('compression.lz4.level', 9, { ...topic, validator: between(1, 17) }),
  defineInt('compression.zstd.level', 3, { ...topic, validator: between(-131072, 22) }),
  defineLong('delete.retention.ms', DAY_MS, { ...topic, validator: atLeast(0) }),
  defineLong('file.delete.delay.ms', 60_000, { ...topic, validator: atLeast(0), support: 'ignored' }), // see log.segment.delete.delay.ms
  defineLong('flush.messages', JAVA_LONG_MAX, { ...topic, validator: atLeast(1) }),
  defineLong('flush.ms', JAVA_LONG_MAX, { ...topic, validator: atLeast(0) }),
  defineList('follower.replication.throttled.replicas', [], { ...topic, validator: throttledReplicaList, support: 'ignored' }),
  defineInt('index.interval.bytes', 4096, { ...topic, validator: atLeast(0) }),
  defineList('leader.replication.throttled.replicas', [], { ...topic, validator: throttledReplicaList, support: 'ignored' }),
  defineLong('local.retention.bytes', -2, { ...topic, validator: atLeast(-2), support: 'ignored' }),
  defineLong('local.retention.ms', -2, { ...topic, validator: atLeast(-2), support: 'ignored' }),
  defineLong('max.compaction.lag.ms', JAVA_LONG_MAX, { ...topic, validator: atLeast(1) }),
  defineInt('max.message.bytes', DEFAULT_MAX_MESSAGE_BYTES, { ...topic, validator: atLeast(0) }),
  defineBoolean('message.downconversion.enable', true, topic),
  // Deprecated in Kafka 3.x and ignored with inter.broker.protocol.version >= 3.0.
  defineString('message.format.version', '3.0-IV1', { ...topic, validator: metadataVersionString, support: 'ignored' }),
  defineLong('message.timestamp.after.max.ms', JAVA_LONG_MAX, { ...topic, validator: atLeast(0) }),
  defineLong('message.timestamp.before.max.ms', JAVA_LONG_MAX, { ...topic, validator: atLeast(0) }),
  // Deprecated: used for before/after when those are left at their default (as Kafka 3.9 does).
  defineLong('message.timestamp.difference.max.ms', JAVA_LONG_MAX, { ...topic, validator: atLeast(0) }),
  defineString('message.timestamp.type', 'CreateTime', { ...topic, validator: oneOf(...TIMESTAMP_TYPES) }),
  defineDouble('min.cleanable.dirty.ratio', 0.5, { ...topic, validator: between(0, 1) }),
  defineLong('min.compaction.lag.ms', 0, { ...topic, validator: atLeast(0) }),
  defineInt('min.insync.replicas', 1, { ...topic, validator: atLeast(1) }),
  defineBoolean('preallocate', false, topic),
  defineBoolean('remote.log.copy.disable', false, { ...topic, support: 'ignored' }),
  defineBoolean('remote.log.delete.on.disable', false, { ...topic, support: 'ignored' }),
  defineBoolean('remote.storage.enable', false, { ...topic, support: 'ignored' }),
  // Can be negative: -1 means no size limit.
  defineLong('retention.bytes', -1, topic),
  // -1 means no time limit.
  defineLong('retention.ms', WEEK_MS, { ...topic, validator: atLeast(-1) }),
  defineInt('segment.bytes', 1024 * 1024 * 1024, { ...topic, validator: atLeast(LEGACY_RECORD_OVERHEAD_V0) }),
  defineInt('segment.index.bytes', 10 * 1024 * 1024, { ...topic, validator: atLeast(4) }),
  defineLong('segment.jitter.ms', 0, { ...topic, validator: atLeast(0) }),
  defineLong('segment.ms', WEEK_MS, { ...topic, validator: atLeast(1) }),
  defineBoolean('unclean.leader.election.enable', false, topic),
] as const;

export type TopicConfigName = (typeof TOPIC_CONFIG_KEYS)[number]['name'];

export const TOPIC_CONFIGS: ReadonlyMap<string, ConfigKey> = indexConfigKeys<ConfigKey>(TOPIC_CONFIG_KEYS);

const same = (name: string): BrokerSynonym => ({ name, unit: 'same' });

/**
 * Topic config -> broker configs it inherits from, highest precedence first
 * (Kafka's ServerTopicConfigSynonyms). Topic configs absent here have no
 * broker-wide default and always resolve to their own default.
 */
export const TOPIC_BROKER_SYNONYMS: ReadonlyMap<string, readonly BrokerSynonym[]> = new Map<TopicConfigName, readonly BrokerSynonym[]>([
  ['segment.bytes', [same('log.segment.bytes')]],
  ['segment.ms', [same('log.roll.ms'), { name: 'log.roll.hours', unit: 'hours' }]],
  ['segment.jitter.ms', [same('log.roll.jitter.ms'), { name: 'log.roll.jitter.hours', unit: 'hours' }]],
  ['segment.index.bytes', [same('log.index.size.max.bytes')]],
  ['flush.messages', [same('log.flush.interval.messages')]],
  ['flush.ms', [same('log.flush.interval.ms'), same('log.flush.scheduler.interval.ms')]],
  ['retention.bytes', [same('log.retention.bytes')]],
  [
    'retention.ms',
    [same('log.retention.ms'), { name: 'log.retention.minutes', unit: 'minutes' }, { name: 'log.retention.hours', unit: 'hours' }],
  ],
  ['max.message.bytes', [same('message.max.bytes')]],
  ['index.interval.bytes', [same('log.index.interval.bytes')]],
  ['delete.retention.ms', [same('log.cleaner.delete.retention.ms')]],
  ['min.compaction.lag.ms', [same('log.cleaner.min.compaction.lag.ms')]],
  ['max.compaction.lag.ms', [same('log.cleaner.max.compaction.lag.ms')]],
  ['file.delete.delay.ms', [same('log.segment.delete.delay.ms')]],
  ['min.cleanable.dirty.ratio', [same('log.cleaner.min.cleanable.ratio')]],
  ['cleanup.policy', [same('log.cleanup.policy')]],
  ['unclean.leader.election.enable', [same('unclean.leader.election.enable')]],
  ['min.insync.replicas', [same('min.insync.replicas')]],
  ['compression.type', [same('compression.type')]],
  ['compression.gzip.level', [same('compression.gzip.level')]],
  ['compression.lz4.level', [same('compression.lz4.level')]],
  ['compression.zstd.level', [same('compression.zstd.level')]],
  ['preallocate', [same('log.preallocate')]],
  ['message.format.version', [same('log.message.format.version')]],
  ['message.timestamp.type', [same('log.message.timestamp.type')]],
  ['message.timestamp.difference.max.ms', [same('log.message.timestamp.difference.max.ms')]],
  ['message.timestamp.before.max.ms', [same('log.message.timestamp.before.max.ms')]],
  ['message.timestamp.after.max.ms', [same('log.message.timestamp.after.max.ms')]],
  ['message.downconversion.enable', [same('log.message.downconversion.enable')]],
  ['local.retention.ms', [same('log.local.retention.ms')]],
  ['local.retention.bytes', [same('log.local.retention.bytes')]],
]);

/** Broker configs named as a topic config's first (primary) synonym, e.g. log.retention.ms. */
export function primaryBrokerSynonym(topicConfigName: string): string | undefined {
  return TOPIC_BROKER_SYNONYMS.get(topicConfigName)?.[0]?.name;
}
