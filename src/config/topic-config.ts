/**
 * A topic's effective configuration: its override if it has one, else the
 * value it inherits from the broker (BrokerConfig.topicDefault), else the
 * topic config's own default. Also the validation every topic override goes
 * through (CreateTopics, AlterConfigs, IncrementalAlterConfigs).
 */
import type { BrokerConfig, RawConfigs } from './broker-config';
import { JAVA_LONG_MAX, type ConfigValue } from './config-def';
import { fail, invalidConfig, ok, type ConfigError, type ConfigResult } from './config-error';
import { ConfigSource, type ConfigSourceId } from './config-source';
import { formatConfigValue, parseAndValidate } from './config-value';
import { TOPIC_CONFIGS, type BrokerCompressionType, type CleanupPolicy, type TimestampTypeName } from './topic-configs';

export interface TopicSetting {
  readonly value: ConfigValue;
  readonly source: ConfigSourceId;
}

/** Typed view of the values storage and the request handlers act on. */
export interface TopicConfig {
  readonly cleanupPolicy: readonly CleanupPolicy[];
  readonly compact: boolean;
  readonly delete: boolean;
  readonly compressionType: BrokerCompressionType;
  readonly compressionGzipLevel: number;
  readonly compressionLz4Level: number;
  readonly compressionZstdLevel: number;
  readonly deleteRetentionMs: number;
  readonly fileDeleteDelayMs: number;
  readonly flushMessages: number;
  readonly flushMs: number;
  readonly indexIntervalBytes: number;
  readonly maxCompactionLagMs: number;
  readonly maxMessageBytes: number;
  readonly messageDownconversionEnable: boolean;
  /** Effective: message.timestamp.difference.max.ms when before.max.ms is left at its default (Kafka 3.9). */
  readonly messageTimestampBeforeMaxMs: number;
  /** Effective: message.timestamp.difference.max.ms when after.max.ms is left at its default (Kafka 3.9). */
  readonly messageTimestampAfterMaxMs: number;
  readonly messageTimestampType: TimestampTypeName;
  readonly minCleanableDirtyRatio: number;
  readonly minCompactionLagMs: number;
  readonly minInsyncReplicas: number;
  readonly preallocate: boolean;
  readonly remoteStorageEnable: boolean;
  readonly retentionBytes: number;
  /** -1: no time limit. */
  readonly retentionMs: number;
  /** Effective: -2 resolves to retention.bytes. */
  readonly localRetentionBytes: number;
  /** Effective: -2 resolves to retention.ms. */
  readonly localRetentionMs: number;
  readonly segmentBytes: number;
  readonly segmentIndexBytes: number;
  readonly segmentJitterMs: number;
  readonly segmentMs: number;
  readonly uncleanLeaderElectionEnable: boolean;
  /** Every topic config's effective value, by Kafka name. */
  readonly values: ReadonlyMap<string, ConfigValue>;
  /** Names the topic overrides. */
  readonly overridden: ReadonlySet<string>;
}

function toMap(raw: RawConfigs): ReadonlyMap<string, string> {
  return raw instanceof Map ? (raw as ReadonlyMap<string, string>) : new Map(Object.entries(raw));
}

/** One topic config's effective value and source. Overrides are assumed valid (see validateTopicOverrides). */
export function topicSetting(name: string, overrides: RawConfigs, broker: BrokerConfig): TopicSetting | undefined {
  const key = TOPIC_CONFIGS.get(name);
  if (key === undefined) return undefined;
  const raw = toMap(overrides).get(name);
  if (raw !== undefined) {
    const parsed = parseAndValidate(key, raw);
    if (parsed.ok) return { value: parsed.value, source: ConfigSource.DYNAMIC_TOPIC_CONFIG };
  }
  return broker.topicDefault(name) ?? { value: key.default, source: ConfigSource.DEFAULT_CONFIG };
}

function num(values: ReadonlyMap<string, ConfigValue>, name: string): number {
  const value = values.get(name);
  if (typeof value !== 'number') throw new Error(`topic config ${name} is not a number`);
  return value;
}

function bool(values: ReadonlyMap<string, ConfigValue>, name: string): boolean {
  return values.get(name) === true;
}

function str(values: ReadonlyMap<string, ConfigValue>, name: string): string {
  const value = values.get(name);
  return typeof value === 'string' ? value : '';
}

/** Resolve a topic's full configuration from its overrides and the broker's settings. */
export function resolveTopicConfig(overrides: RawConfigs, broker: BrokerConfig): TopicConfig {
  const overrideMap = toMap(overrides);
  const values = new Map<string, ConfigValue>();
  const overridden = new Set<string>();
  for (const name of TOPIC_CONFIGS.keys()) {
    const setting = topicSetting(name, overrideMap, broker);
    values.set(name, setting?.value ?? null);
    if (setting?.source === ConfigSource.DYNAMIC_TOPIC_CONFIG) overridden.add(name);
  }
  const policy = values.get('cleanup.policy');
  const cleanupPolicy = (Array.isArray(policy) ? policy : []).map((p) => p.toLowerCase()) as CleanupPolicy[];
  const difference = num(values, 'message.timestamp.difference.max.ms');
  const before = num(values, 'message.timestamp.before.max.ms');
  const after = num(values, 'message.timestamp.after.max.ms');
  const retentionMs = num(values, 'retention.ms');
  const retentionBytes = num(values, 'retention.bytes');
  const localMs = num(values, 'local.retention.ms');
  const localBytes = num(values, 'local.retention.bytes');
  return {
    cleanupPolicy,
    compact: cleanupPolicy.includes('compact'),
    delete: cleanupPolicy.includes('delete'),
    compressionType: str(values, 'compression.type') as BrokerCompressionType,
    compressionGzipLevel: num(values, 'compression.gzip.level'),
    compressionLz4Level: num(values, 'compression.lz4.level'),
    compressionZstdLevel: num(values, 'compression.zstd.level'),
    deleteRetentionMs: num(values, 'delete.retention.ms'),
    fileDeleteDelayMs: num(values, 'file.delete.delay.ms'),
    flushMessages: num(values, 'flush.messages'),
    flushMs: num(values, 'flush.ms'),
    indexIntervalBytes: num(values, 'index.interval.bytes'),
    maxCompactionLagMs: num(values, 'max.compaction.lag.ms'),
    maxMessageBytes: num(values, 'max.message.bytes'),
    messageDownconversionEnable: bool(values, 'message.downconversion.enable'),
    messageTimestampBeforeMaxMs: before >= JAVA_LONG_MAX ? difference : before,
    messageTimestampAfterMaxMs: after >= JAVA_LONG_MAX ? difference : after,
    messageTimestampType: str(values, 'message.timestamp.type') as TimestampTypeName,
    minCleanableDirtyRatio: num(values, 'min.cleanable.dirty.ratio'),
    minCompactionLagMs: num(values, 'min.compaction.lag.ms'),
    minInsyncReplicas: num(values, 'min.insync.replicas'),
    preallocate: bool(values, 'preallocate'),
    remoteStorageEnable: bool(values, 'remote.storage.enable'),
    retentionBytes,
    retentionMs,
    localRetentionBytes: localBytes === -2 ? retentionBytes : localBytes,
    localRetentionMs: localMs === -2 ? retentionMs : localMs,
    segmentBytes: num(values, 'segment.bytes'),
    segmentIndexBytes: num(values, 'segment.index.bytes'),
    segmentJitterMs: num(values, 'segment.jitter.ms'),
    segmentMs: num(values, 'segment.ms'),
    uncleanLeaderElectionEnable: bool(values, 'unclean.leader.election.enable'),
    values,
    overridden,
  };
}

/**
 * Check a complete set of topic overrides as Kafka does before accepting it:
 * every name known, every value parses and passes its validator, and the
 * combined effective values are consistent. Returns the first problem.
 */
export function validateTopicOverrides(overrides: RawConfigs, broker: BrokerConfig): ConfigResult<ReadonlyMap<string, string>> {
  const map = toMap(overrides);
  for (const [name, raw] of map) {
    const key = TOPIC_CONFIGS.get(name);
    if (key === undefined) return fail(invalidConfig(`Unknown topic config name: ${name}`, name));
    const parsed = parseAndValidate(key, raw);
    if (!parsed.ok) return fail(parsed.error);
  }
  const crossCheck = checkTopicConsistency(map, broker);
  return crossCheck === undefined ? ok(map) : fail(crossCheck);
}

function checkTopicConsistency(overrides: ReadonlyMap<string, string>, broker: BrokerConfig): ConfigError | undefined {
  const value = (name: string): ConfigValue => topicSetting(name, overrides, broker)?.value ?? null;
  const minLag = value('min.compaction.lag.ms');
  const maxLag = value('max.compaction.lag.ms');
  if (typeof minLag === 'number' && typeof maxLag === 'number' && minLag > maxLag) {
    const show = (name: string): string => {
      const key = TOPIC_CONFIGS.get(name);
      return overrides.get(name)?.trim() ?? (key === undefined ? '' : (formatConfigValue(key, value(name)) ?? ''));
    };
    return invalidConfig(
      `conflict topic config setting min.compaction.lag.ms (${show('min.compaction.lag.ms')}) > max.compaction.lag.ms (${show('max.compaction.lag.ms')})`,
      'min.compaction.lag.ms',
    );
  }
  // Weir has no tiered storage; Kafka answers the same way when it is disabled.
  if (value('remote.storage.enable') === true) {
    return invalidConfig(
      'Tiered Storage functionality is disabled in the broker. Topic cannot be configured with remote log storage.',
      'remote.storage.enable',
    );
  }
  return undefined;
}
