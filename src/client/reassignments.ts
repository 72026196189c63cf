/**
 * Partition leadership and placement: ElectLeaders (preferred or unclean),
 * AlterPartitionReassignments (start, or cancel with null replicas) and
 * ListPartitionReassignments, sent to the controller as Kafka's admin
 * client does (KRaft brokers forward them anyway), and DescribeLogDirs, sent
 * to one broker (each broker reports the replicas it holds).
 *
 * Per-partition outcomes are returned, not thrown: an election or a
 * reassignment is judged partition by partition (ELECTION_NOT_NEEDED is
 * success for a caller who wants the preferred leader); a top-level error
 * (CLUSTER_AUTHORIZATION_FAILED) is thrown.
 */
import { ErrorCode } from '../protocol/errors';
import { ClientApis } from './client-apis';
import type { KafkaClient, Target } from './client';
import { KafkaResponseError } from './errors';

export type ElectionKind = 'preferred' | 'unclean';

export interface PartitionOutcome {
  topic: string;
  partition: number;
  errorCode: number;
  errorMessage: string | null;
}

export interface TopicPartitionList {
  topic: string;
  partitions: number[];
}

/**
 * ElectLeaders; null partitions: every partition (those needing no election
 * are left out of the answer). Sent to the controller unless `target` says
 * otherwise (any broker of a KRaft or Weir cluster forwards it).
 */
export async function electLeaders(
  client: KafkaClient,
  kind: ElectionKind,
  partitions: readonly TopicPartitionList[] | null,
  options: { timeoutMs?: number; target?: Target } = {},
): Promise<PartitionOutcome[]> {
  const api = ClientApis.ElectLeaders;
  const timeoutMs = options.timeoutMs ?? 30_000;
  const res = await client.send(options.target ?? 'controller', api, (v) => {
    if (v === 0 && kind !== 'preferred') throw new KafkaResponseError(ErrorCode.UNSUPPORTED_VERSION, 'unclean election (the broker knows only ElectLeaders v0)');
    return {
      electionType: kind === 'preferred' ? 0 : 1,
      topicPartitions: partitions === null ? null : partitions.map((t) => ({ topic: t.topic, partitions: [...t.partitions] })),
      timeoutMs,
    };
  });
  if (res.errorCode !== ErrorCode.NONE) throw new KafkaResponseError(res.errorCode, 'electing leaders');
  return res.replicaElectionResults.flatMap((t) => t.partitionResult.map((p) => ({ topic: t.topic, partition: p.partitionId, errorCode: p.errorCode, errorMessage: p.errorMessage })));
}

export interface PartitionReassignment {
  topic: string;
  partition: number;
  /** The target replicas; null cancels the partition's reassignment. */
  replicas: number[] | null;
}

/** AlterPartitionReassignments: starts (or cancels) reassignments; one outcome per partition. */
export async function alterPartitionReassignments(client: KafkaClient, reassignments: readonly PartitionReassignment[], timeoutMs = 30_000): Promise<PartitionOutcome[]> {
  const byTopic = new Map<string, { partitionIndex: number; replicas: number[] | null }[]>();
  for (const r of reassignments) {
    let list = byTopic.get(r.topic);
    if (!list) byTopic.set(r.topic, (list = []));
    list.push({ partitionIndex: r.partition, replicas: r.replicas === null ? null : [...r.replicas] });
  }
  const res = await client.send('controller', ClientApis.AlterPartitionReassignments, () => ({
    timeoutMs,
    topics: [...byTopic].map(([name, partitions]) => ({ name, partitions })),
  }));
  if (res.errorCode !== ErrorCode.NONE) throw new KafkaResponseError(res.errorCode, 'reassigning partitions', res.errorMessage);
  return res.responses.flatMap((t) => t.partitions.map((p) => ({ topic: t.name, partition: p.partitionIndex, errorCode: p.errorCode, errorMessage: p.errorMessage })));
}

export interface OngoingReassignment {
  topic: string;
  partition: number;
  /** The target replicas first, then those being removed. */
  replicas: number[];
  addingReplicas: number[];
  removingReplicas: number[];
}

/** ListPartitionReassignments: the reassignments in progress (of these partitions, or all). */
export async function listPartitionReassignments(client: KafkaClient, partitions: readonly TopicPartitionList[] | null = null): Promise<OngoingReassignment[]> {
  const res = await client.send('controller', ClientApis.ListPartitionReassignments, () => ({
    timeoutMs: 30_000,
    topics: partitions === null ? null : partitions.map((t) => ({ name: t.topic, partitionIndexes: [...t.partitions] })),
  }));
  if (res.errorCode !== ErrorCode.NONE) throw new KafkaResponseError(res.errorCode, 'listing partition reassignments', res.errorMessage);
  return res.topics
    .flatMap((t) => t.partitions.map((p) => ({ topic: t.name, partition: p.partitionIndex, replicas: p.replicas, addingReplicas: p.addingReplicas, removingReplicas: p.removingReplicas })))
    .sort((a, b) => a.topic.localeCompare(b.topic) || a.partition - b.partition);
}

export interface ReplicaLogDir {
  logDir: string;
  topic: string;
  partition: number;
  sizeBytes: number;
}

/** DescribeLogDirs of one broker: every replica it holds, with its log dir and size. */
export async function describeLogDirs(client: KafkaClient, broker: Target): Promise<ReplicaLogDir[]> {
  const res = await client.send(broker, ClientApis.DescribeLogDirs, () => ({ topics: null }));
  if (res.errorCode !== ErrorCode.NONE) throw new KafkaResponseError(res.errorCode, `describing the log dirs of broker ${String(broker)}`);
  return res.results.flatMap((d) => d.topics.flatMap((t) => t.partitions.map((p) => ({ logDir: d.logDir, topic: t.name, partition: p.partitionIndex, sizeBytes: Number(p.partitionSize) }))));
}
