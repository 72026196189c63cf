/**
 * The replication and controller numbers an operator of Kafka watches,
 * computed from state when scraped, with Kafka's definitions:
 *
 * - per broker, over the replicas it holds (kafka.server:type=ReplicaManager,
 *   each partition's test being Kafka's Partition.isUnderReplicated,
 *   isUnderMinIsr and isAtMinIsr): LeaderCount, UnderReplicatedPartitions,
 *   UnderMinIsrPartitionCount, AtMinIsrPartitionCount;
 * - for the whole cluster, from the metadata image (what KRaft's
 *   ControllerMetadataMetrics count): GlobalTopicCount,
 *   GlobalPartitionCount, OfflinePartitionsCount,
 *   PreferredReplicaImbalanceCount, FencedBrokerCount, ActiveBrokerCount.
 */
import { type MetadataImage, NO_LEADER } from '../cluster/metadata/metadata-image';

/** What the ReplicaManager gauges read of one replica this broker holds. */
export interface ReplicaView {
  /** This broker leads the partition (and has not resigned). */
  readonly isLeader: boolean;
  readonly replicas: readonly number[];
  /** Replicas a reassignment is adding: not part of the replication factor yet. */
  readonly addingReplicas: readonly number[];
  /** The committed ISR. */
  readonly isr: readonly number[];
  /** The topic's min.insync.replicas (its override or the broker's default). */
  readonly minInsyncReplicas: number;
}

export interface ReplicaCounts {
  leaders: number;
  underReplicated: number;
  underMinIsr: number;
  atMinIsr: number;
}

/**
 * The replication factor Kafka compares the ISR with: during a reassignment
 * the replicas being added do not count (the original set's size), so a
 * reassignment alone does not make a partition under-replicated.
 */
export function replicationFactor(r: ReplicaView): number {
  if (r.addingReplicas.length === 0) return r.replicas.length;
  return r.replicas.filter((id) => !r.addingReplicas.includes(id)).length;
}

/**
 * min.insync.replicas as it can be met: never more than the replicas there
 * are (a topic may set a larger value; Kafka's effectiveMinIsr).
 */
export function effectiveMinIsr(r: ReplicaView): number {
  return Math.min(r.minInsyncReplicas, r.replicas.length);
}

/** Leaders only: a follower's view of the ISR may be stale, so only the leader reports a partition. */
export function isUnderReplicated(r: ReplicaView): boolean {
  return r.isLeader && r.isr.length < replicationFactor(r);
}

export function isUnderMinIsr(r: ReplicaView): boolean {
  return r.isLeader && r.isr.length < effectiveMinIsr(r);
}

export function isAtMinIsr(r: ReplicaView): boolean {
  return r.isLeader && r.isr.length === effectiveMinIsr(r);
}

export function countReplicas(replicas: Iterable<ReplicaView>): ReplicaCounts {
  const c: ReplicaCounts = { leaders: 0, underReplicated: 0, underMinIsr: 0, atMinIsr: 0 };
  for (const r of replicas) {
    if (!r.isLeader) continue;
    c.leaders++;
    if (isUnderReplicated(r)) c.underReplicated++;
    if (isUnderMinIsr(r)) c.underMinIsr++;
    if (isAtMinIsr(r)) c.atMinIsr++;
  }
  return c;
}

export interface ClusterCounts {
  topics: number;
  partitions: number;
  /** Partitions with no leader. */
  offline: number;
  /** Partitions not led by their preferred (first) replica; offline ones included, as in KRaft. */
  preferredReplicaImbalance: number;
  fencedBrokers: number;
  /** Registered and not fenced (a broker in controlled shutdown still counts, as in KRaft). */
  activeBrokers: number;
}

/** Counted once per image: images are immutable, and every gauge of a scrape reads the same one. */
const countedImages = new WeakMap<MetadataImage, ClusterCounts>();

export function countCluster(image: MetadataImage): ClusterCounts {
  const known = countedImages.get(image);
  if (known) return known;
  const c: ClusterCounts = { topics: image.topics.size, partitions: 0, offline: 0, preferredReplicaImbalance: 0, fencedBrokers: 0, activeBrokers: 0 };
  for (const t of image.topics.byId.values()) {
    for (const p of t.partitions.values()) {
      c.partitions++;
      if (p.leader === NO_LEADER) c.offline++;
      const preferred = p.replicas.length === 0 ? NO_LEADER : p.replicas[0];
      if (p.leader !== preferred) c.preferredReplicaImbalance++;
    }
  }
  for (const b of image.brokers.values()) {
    if (b.fenced) c.fencedBrokers++;
    else c.activeBrokers++;
  }
  countedImages.set(image, c);
  return c;
}
