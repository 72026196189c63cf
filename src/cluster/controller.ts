/**
 * The single-node controller: creates, deletes and grows topics, keeping the
 * metadata image (TopicRegistry) and the partition logs in step, and owns
 * each topic's resolved configuration.
 *
 * Validation follows Kafka's CreateTopics / CreatePartitions rules and
 * messages, so admin tools report the errors users expect.
 */
import type { BrokerConfig, TopicConfig } from '../config';
import { resolveTopicConfig, validateTopicOverrides } from '../config';
import { ErrorCode } from '../protocol/errors';
import type { LogManager } from '../storage/log-manager';
import type { LogConfig } from '../storage/log-config';
import type { LogCleanerConfig } from '../storage/cleaner/log-cleaner-config';
import { isInternalTopic, topicNameProblem } from './topic-name';
import type { TopicInfo, TopicRegistry } from './topic-registry';

export interface TopicError {
  errorCode: ErrorCode;
  errorMessage: string;
}

export interface CreateTopicRequest {
  name: string;
  /** -1: num.partitions */
  numPartitions: number;
  /** -1: default.replication.factor */
  replicationFactor: number;
  /** Manual replica assignment: partition -> broker ids (empty if none). */
  assignments: { partitionIndex: number; brokerIds: number[] }[];
  configs: Record<string, string>;
}

const LIVE_BROKERS = 1;

export class Controller {
  private readonly topicConfigs = new Map<string, TopicConfig>();

  constructor(
    private readonly nodeId: number,
    private readonly registry: TopicRegistry,
    private readonly logs: LogManager,
    private readonly broker: BrokerConfig,
  ) {
    for (const t of registry.list()) this.openPartitions(t, 0);
  }

  /** A topic's effective configuration (overrides, then broker defaults). */
  topicConfig(name: string): TopicConfig {
    let c = this.topicConfigs.get(name);
    if (!c) {
      c = resolveTopicConfig(this.registry.get(name)?.configs ?? {}, this.broker);
      this.topicConfigs.set(name, c);
    }
    return c;
  }

  /** Checks a CreateTopics entry; returns the topic that would be created, or the error. */
  validateCreate(req: CreateTopicRequest): TopicError | { partitions: number; configs: Record<string, string> } {
    const nameProblem = topicNameProblem(req.name);
    if (nameProblem) return { errorCode: ErrorCode.INVALID_TOPIC_EXCEPTION, errorMessage: nameProblem };
    if (this.registry.get(req.name)) {
      return { errorCode: ErrorCode.TOPIC_ALREADY_EXISTS, errorMessage: `Topic '${req.name}' already exists.` };
    }
    let partitions: number;
    if (req.assignments.length > 0) {
      if (req.numPartitions !== -1 || req.replicationFactor !== -1) {
        return { errorCode: ErrorCode.INVALID_REQUEST, errorMessage: 'Both numPartitions or replicationFactor and replicasAssignments were set. Both cannot be used at the same time.' };
      }
      const problem = this.checkAssignments(req.assignments, 0);
      if (problem) return problem;
      partitions = req.assignments.length;
    } else {
      partitions = req.numPartitions === -1 ? this.broker.number('num.partitions') : req.numPartitions;
      if (partitions <= 0) {
        return { errorCode: ErrorCode.INVALID_PARTITIONS, errorMessage: 'Number of partitions was set to an invalid non-positive value.' };
      }
      const rf = req.replicationFactor === -1 ? this.broker.number('default.replication.factor') : req.replicationFactor;
      if (rf <= 0) {
        return { errorCode: ErrorCode.INVALID_REPLICATION_FACTOR, errorMessage: 'Replication factor must be larger than 0, or -1 to use the default value.' };
      }
      if (rf > LIVE_BROKERS) {
        return {
          errorCode: ErrorCode.INVALID_REPLICATION_FACTOR,
          errorMessage: `Unable to replicate the partition ${rf} time(s): The target replication factor of ${rf} cannot be reached because only ${LIVE_BROKERS} broker(s) are registered.`,
        };
      }
    }
    const configs = validateTopicOverrides(req.configs, this.broker);
    if (!configs.ok) return { errorCode: ErrorCode.INVALID_CONFIG, errorMessage: configs.error.message };
    return { partitions, configs: req.configs };
  }

  createTopic(req: CreateTopicRequest): TopicError | TopicInfo {
    const checked = this.validateCreate(req);
    if ('errorCode' in checked) return checked;
    const t = this.registry.create(req.name, checked.partitions, checked.configs);
    this.openPartitions(t, 0);
    return t;
  }

  /** Metadata's auto-creation: num.partitions, broker defaults. */
  autoCreateTopic(name: string): TopicInfo {
    const t = this.registry.create(name, this.broker.number('num.partitions'));
    this.openPartitions(t, 0);
    return t;
  }

  /** Creates an internal topic if missing (coordinators' __consumer_offsets etc.). */
  ensureInternalTopic(name: string, partitions: number, configs: Record<string, string>): TopicInfo {
    const existing = this.registry.get(name);
    if (existing) return existing;
    const t = this.registry.create(name, partitions, configs);
    this.openPartitions(t, 0);
    return t;
  }

  deleteTopic(name: string): TopicError | TopicInfo {
    const t = this.registry.get(name);
    if (!t) return { errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, errorMessage: 'This server does not host this topic-partition.' };
    if (!this.broker.boolean('delete.topic.enable')) {
      return { errorCode: ErrorCode.TOPIC_DELETION_DISABLED, errorMessage: 'Topic deletion is disabled.' };
    }
    if (isInternalTopic(name)) {
      return { errorCode: ErrorCode.INVALID_TOPIC_EXCEPTION, errorMessage: `Cannot delete internal topic ${name}` };
    }
    this.registry.delete(name);
    this.topicConfigs.delete(name);
    for (let p = 0; p < t.partitions; p++) this.logs.deleteLog(name, p);
    return t;
  }

  /** CreatePartitions: grow `name` to `count` partitions. */
  validateCreatePartitions(name: string, count: number, assignments: { brokerIds: number[] }[] | null): TopicError | TopicInfo {
    const t = this.registry.get(name);
    if (!t) return { errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, errorMessage: `The topic '${name}' does not exist.` };
    if (count < t.partitions) {
      return { errorCode: ErrorCode.INVALID_PARTITIONS, errorMessage: `The topic ${name} currently has ${t.partitions} partition(s); ${count} would not be an increase.` };
    }
    if (count === t.partitions) {
      return { errorCode: ErrorCode.INVALID_PARTITIONS, errorMessage: `Topic already has ${t.partitions} partition(s).` };
    }
    if (assignments !== null) {
      if (assignments.length !== count - t.partitions) {
        return { errorCode: ErrorCode.INVALID_REPLICA_ASSIGNMENT, errorMessage: `Increasing the number of partitions by ${count - t.partitions} but ${assignments.length} assignments provided.` };
      }
      const problem = this.checkAssignments(assignments.map((a, i) => ({ partitionIndex: t.partitions + i, brokerIds: a.brokerIds })), t.partitions);
      if (problem) return problem;
    }
    return t;
  }

  createPartitions(name: string, count: number, assignments: { brokerIds: number[] }[] | null): TopicError | TopicInfo {
    const checked = this.validateCreatePartitions(name, count, assignments);
    if ('errorCode' in checked) return checked;
    const before = checked.partitions;
    const t = this.registry.setPartitionCount(name, count);
    this.openPartitions(t, before);
    return t;
  }

  /** Replaces a topic's overrides (already validated) and applies them to its logs. */
  setTopicConfigs(name: string, configs: Record<string, string>): void {
    this.registry.setConfigs(name, configs);
    this.topicConfigs.delete(name);
    this.logs.updateTopicConfig(name, logConfigOf(this.topicConfig(name), this.broker));
  }

  private checkAssignments(assignments: { partitionIndex: number; brokerIds: number[] }[], firstPartition: number): TopicError | null {
    const sorted = [...assignments].sort((a, b) => a.partitionIndex - b.partitionIndex);
    for (let i = 0; i < sorted.length; i++) {
      const a = sorted[i]!;
      if (a.partitionIndex !== firstPartition + i) {
        return { errorCode: ErrorCode.INVALID_REPLICA_ASSIGNMENT, errorMessage: 'Partitions should be a consecutive 0-based integer sequence' };
      }
      if (a.brokerIds.length === 0) {
        return { errorCode: ErrorCode.INVALID_REPLICA_ASSIGNMENT, errorMessage: `Partition ${a.partitionIndex} has no replicas.` };
      }
      if (new Set(a.brokerIds).size !== a.brokerIds.length) {
        return { errorCode: ErrorCode.INVALID_REPLICA_ASSIGNMENT, errorMessage: `Duplicate brokers not allowed in replica assignment: ${a.brokerIds.join(', ')} for partition id ${a.partitionIndex}.` };
      }
      const unknown = a.brokerIds.filter((b) => b !== this.nodeId);
      if (unknown.length > 0) {
        return { errorCode: ErrorCode.BROKER_NOT_AVAILABLE, errorMessage: `Some brokers specified for partition id ${a.partitionIndex} are not available. Specified brokers: ${a.brokerIds.join(', ')}, available brokers: ${this.nodeId}.` };
      }
    }
    return null;
  }

  private openPartitions(t: TopicInfo, from: number): void {
    const config = logConfigOf(this.topicConfig(t.name), this.broker);
    for (let p = from; p < t.partitions; p++) this.logs.getOrCreateLog(t.name, p, config);
  }
}

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
