/**
 * The cluster as a Metadata response describes it: brokers, the controller,
 * and each topic's partitions with their leaders. Partitions are sorted so
 * listings are stable.
 */
import { ErrorCode } from '../protocol/errors';
import type { MetadataResponse } from '../protocol/messages';
import { KafkaResponseError } from './errors';

export interface BrokerNode {
  nodeId: number;
  host: string;
  port: number;
  rack: string | null;
}

export interface PartitionMetadata {
  partition: number;
  errorCode: number;
  leaderId: number;
  leaderEpoch: number;
  replicas: number[];
  isr: number[];
  offlineReplicas: number[];
}

export interface TopicMetadata {
  name: string;
  topicId: string;
  errorCode: number;
  isInternal: boolean;
  partitions: PartitionMetadata[];
}

export interface ClusterMetadata {
  clusterId: string | null;
  controllerId: number;
  brokers: Map<number, BrokerNode>;
  topics: Map<string, TopicMetadata>;
}

export function toClusterMetadata(res: MetadataResponse): ClusterMetadata {
  const topics = new Map<string, TopicMetadata>();
  for (const t of res.topics) {
    if (t.name === null) continue; // only answers to by-id requests lack a name
    topics.set(t.name, {
      name: t.name,
      topicId: t.topicId,
      errorCode: t.errorCode,
      isInternal: t.isInternal,
      partitions: t.partitions
        .map((p) => ({
          partition: p.partitionIndex,
          errorCode: p.errorCode,
          leaderId: p.leaderId,
          leaderEpoch: p.leaderEpoch,
          replicas: p.replicaNodes,
          isr: p.isrNodes,
          offlineReplicas: p.offlineReplicas,
        }))
        .sort((a, b) => a.partition - b.partition),
    });
  }
  return {
    clusterId: res.clusterId,
    controllerId: res.controllerId,
    brokers: new Map(res.brokers.map((b) => [b.nodeId, { nodeId: b.nodeId, host: b.host, port: b.port, rack: b.rack }])),
    topics,
  };
}

/** True when the topic exists (no error, or only a leader election in progress). */
export function topicExists(t: TopicMetadata | undefined): boolean {
  return t !== undefined && (t.errorCode === ErrorCode.NONE || t.errorCode === ErrorCode.LEADER_NOT_AVAILABLE);
}

/** The topic's metadata, or a KafkaResponseError naming it (UNKNOWN_TOPIC_OR_PARTITION, ...). */
export function requireTopic(md: ClusterMetadata, topic: string): TopicMetadata {
  const t = md.topics.get(topic);
  if (t === undefined || !topicExists(t)) {
    throw new KafkaResponseError(t?.errorCode ?? ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `topic '${topic}'`);
  }
  return t;
}
