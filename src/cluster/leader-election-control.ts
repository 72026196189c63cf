/**
 * Leader elections an operator asks for (ElectLeaders) and the controller's
 * own preferred-leader rebalance (`auto.leader.rebalance.enable`), validated
 * on the metadata image and turned into PartitionChangeRecords
 * (partition-change.ts), as Kafka's ReplicationControlManager.electLeaders
 * and its controller's auto-rebalance task do.
 *
 * ElectLeaders, per partition: an unknown topic or partition is
 * UNKNOWN_TOPIC_OR_PARTITION (with Kafka's message); a preferred election
 * where the first replica already leads, or an unclean one where the
 * partition has a leader, is ELECTION_NOT_NEEDED; an election that finds
 * nobody is PREFERRED_LEADER_NOT_AVAILABLE (the preferred replica is not in
 * the ISR or not live, and the current leader stays) or
 * ELIGIBLE_LEADERS_NOT_AVAILABLE (no live replica at all). With no
 * partitions named (null), every partition is tried and those that needed
 * no election are left out of the answer.
 *
 * The rebalance: per broker, the partitions whose preferred replica it is;
 * when more than `leader.imbalance.per.broker.percentage` of them are led by
 * another broker, each of those whose preferred replica can lead (live and
 * in the ISR) and that is not being reassigned gets a preferred election
 * (Kafka's checkAndTriggerAutoLeaderRebalance).
 */
import { ErrorCode } from '../protocol/errors';
import type { MetadataImage, PartitionRegistration } from './metadata/metadata-image';
import type { MetadataRecord } from './metadata/metadata-record';
import { buildPartitionChange, isReassigning, type LeaderAcceptor } from './partition-change';

/** ElectLeaders' ElectionType: 0 preferred, 1 unclean. */
export enum ElectionType {
  PREFERRED = 0,
  UNCLEAN = 1,
}

export interface TopicPartitions {
  topic: string;
  partitions: readonly number[];
}

export interface PartitionElectionResult {
  partition: number;
  errorCode: ErrorCode;
  errorMessage: string | null;
}

export interface TopicElectionResult {
  topic: string;
  partitions: PartitionElectionResult[];
}

interface Outcome<T> {
  records: MetadataRecord[];
  result: T;
}

/** Kafka's LeaderAcceptor: the broker is registered, unfenced and not in controlled shutdown. */
export function activeBrokers(image: MetadataImage): LeaderAcceptor {
  return (id) => {
    const b = image.brokers.get(id);
    return b !== undefined && !b.fenced && !b.inControlledShutdown;
  };
}

export function electLeadersOutcome(image: MetadataImage, type: ElectionType, wanted: readonly TopicPartitions[] | null): Outcome<TopicElectionResult[]> {
  const records: MetadataRecord[] = [];
  const elected = new Set<string>();
  const acceptable = activeBrokers(image);
  const electOne = (topic: string, partition: number): PartitionElectionResult => {
    const answer = (errorCode: ErrorCode, errorMessage: string | null = null) => ({ partition, errorCode, errorMessage });
    const t = image.topics.get(topic);
    if (!t) return answer(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `No such topic as ${topic}`);
    const p = t.partitions.get(partition);
    if (!p) return answer(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `No such partition as ${topic}-${partition}`);
    // Named twice in one request: the first one's record stands.
    if (elected.has(`${topic}\u0000${partition}`)) return answer(ErrorCode.NONE);
    if (type === ElectionType.PREFERRED ? p.leader === p.replicas[0] : p.leader >= 0) return answer(ErrorCode.ELECTION_NOT_NEEDED);
    const record = buildPartitionChange(p, t.id, partition, { election: type === ElectionType.PREFERRED ? 'preferred' : 'unclean' }, acceptable);
    if (record === null) return answer(type === ElectionType.PREFERRED ? ErrorCode.PREFERRED_LEADER_NOT_AVAILABLE : ErrorCode.ELIGIBLE_LEADERS_NOT_AVAILABLE);
    records.push({ type: 'PartitionChangeRecord', data: record });
    elected.add(`${topic}\u0000${partition}`);
    return answer(ErrorCode.NONE);
  };
  if (wanted === null) {
    const result = image.topics.list().map((t) => ({
      topic: t.name,
      partitions: [...t.partitions.keys()].map((p) => electOne(t.name, p)).filter((r) => r.errorCode !== ErrorCode.ELECTION_NOT_NEEDED),
    }));
    return { records, result };
  }
  return { records, result: wanted.map((t) => ({ topic: t.topic, partitions: t.partitions.map((p) => electOne(t.topic, p)) })) };
}

/** The preferred elections that bring every broker's leader imbalance back within `imbalancePercentage`. */
export function leaderRebalanceOutcome(image: MetadataImage, imbalancePercentage: number): Outcome<number> {
  const acceptable = activeBrokers(image);
  interface Preferred {
    topicId: string;
    partition: number;
    p: PartitionRegistration;
  }
  const byPreferred = new Map<number, Preferred[]>();
  for (const t of image.topics.list()) {
    for (const [partition, p] of t.partitions) {
      const preferred = p.replicas[0];
      if (preferred === undefined) continue;
      let list = byPreferred.get(preferred);
      if (!list) byPreferred.set(preferred, (list = []));
      list.push({ topicId: t.id, partition, p });
    }
  }
  const records: MetadataRecord[] = [];
  for (const [broker, partitions] of byPreferred) {
    const elsewhere = partitions.filter(({ p }) => p.leader !== broker);
    if (elsewhere.length / partitions.length <= imbalancePercentage / 100) continue;
    for (const { topicId, partition, p } of elsewhere) {
      if (isReassigning(p) || !p.isr.includes(broker) || !acceptable(broker)) continue;
      const record = buildPartitionChange(p, topicId, partition, { election: 'preferred' }, acceptable);
      if (record) records.push({ type: 'PartitionChangeRecord', data: record });
    }
  }
  return { records, result: records.length };
}
