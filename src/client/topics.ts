/**
 * Topic administration: create, delete, list, describe, add partitions.
 * Admin requests go to the controller (older Kafka requires it; KRaft
 * brokers forward them anyway). Per-topic errors become KafkaResponseErrors
 * carrying the broker's own message.
 */
import { ErrorCode } from '../protocol/errors';
import { ClientApis } from './client-apis';
import type { KafkaClient } from './client';
import { KafkaResponseError } from './errors';
import { TopicMetadata, requireTopic } from './metadata';

const ZERO_UUID = '00000000-0000-0000-0000-000000000000';

export interface NewTopic {
  name: string;
  /** Default: the broker's num.partitions. */
  partitions?: number;
  /** Default: the broker's default.replication.factor. */
  replicationFactor?: number;
  configs?: Record<string, string>;
}

export interface CreateTopicsOptions {
  timeoutMs?: number;
  validateOnly?: boolean;
  /** Treat TOPIC_ALREADY_EXISTS as success. */
  ifNotExists?: boolean;
}

export async function createTopics(client: KafkaClient, topics: readonly NewTopic[], options: CreateTopicsOptions = {}): Promise<void> {
  const api = ClientApis.CreateTopics;
  const res = await client.send('controller', api, (v) => ({
    topics: topics.map((t) => ({
      name: t.name,
      // "Use the broker default" (-1) exists from v4; before, 1 is the usual default.
      numPartitions: t.partitions ?? (v >= 4 ? -1 : 1),
      replicationFactor: t.replicationFactor ?? (v >= 4 ? -1 : 1),
      assignments: [],
      configs: Object.entries(t.configs ?? {}).map(([name, value]) => ({ name, value })),
    })),
    timeoutMs: options.timeoutMs ?? 30_000,
    validateOnly: options.validateOnly ?? false,
  }));
  for (const r of res.topics) {
    if (r.errorCode === ErrorCode.NONE) continue;
    if (r.errorCode === ErrorCode.TOPIC_ALREADY_EXISTS && options.ifNotExists) continue;
    throw new KafkaResponseError(r.errorCode, `creating topic '${r.name}'`, r.errorMessage);
  }
}

export interface DeleteTopicsOptions {
  timeoutMs?: number;
  /** Treat UNKNOWN_TOPIC_OR_PARTITION as success. */
  ifExists?: boolean;
}

export async function deleteTopics(client: KafkaClient, names: readonly string[], options: DeleteTopicsOptions = {}): Promise<void> {
  const api = ClientApis.DeleteTopics;
  const res = await client.send('controller', api, (v) => ({
    ...api.request.defaults(),
    // v6 names topics in `topics` (name or id); earlier versions in `topicNames`.
    topics: v >= 6 ? names.map((name) => ({ name, topicId: ZERO_UUID })) : [],
    topicNames: v >= 6 ? [] : [...names],
    timeoutMs: options.timeoutMs ?? 30_000,
  }));
  for (const r of res.responses) {
    if (r.errorCode === ErrorCode.NONE) continue;
    if (r.errorCode === ErrorCode.UNKNOWN_TOPIC_OR_PARTITION && options.ifExists) continue;
    throw new KafkaResponseError(r.errorCode, `deleting topic '${r.name ?? r.topicId}'`, r.errorMessage);
  }
}

/** Every topic, sorted by name; internal ones (`__consumer_offsets`) only when asked. */
export async function listTopics(client: KafkaClient, includeInternal = false): Promise<TopicMetadata[]> {
  const md = await client.metadata(null);
  return [...md.topics.values()].filter((t) => includeInternal || !t.isInternal).sort((a, b) => a.name.localeCompare(b.name));
}

export async function describeTopic(client: KafkaClient, topic: string): Promise<TopicMetadata> {
  return requireTopic(await client.metadata([topic]), topic);
}

/** Raises the partition count to `count` (Kafka cannot lower it). */
export async function createPartitions(client: KafkaClient, topic: string, count: number): Promise<void> {
  const api = ClientApis.CreatePartitions;
  const res = await client.send('controller', api, () => ({
    topics: [{ name: topic, count, assignments: null }],
    timeoutMs: 30_000,
    validateOnly: false,
  }));
  for (const r of res.results) {
    if (r.errorCode !== ErrorCode.NONE) throw new KafkaResponseError(r.errorCode, `adding partitions to '${r.name}'`, r.errorMessage);
  }
}
