/**
 * One KIP-848 consumer group (Kafka's ConsumerGroup): the group epoch
 * (bumped by every subscription or membership change), the target
 * assignment and the epoch it was computed for, the members, which member
 * holds each partition at which epoch, and the subscribed topics' metadata
 * that the current group epoch was computed from. Bookkeeping only: the
 * rules live in ConsumerGroupCoordinator.
 *
 * State (Kafka's ConsumerGroupState): Empty without members; Assigning
 * while the target is behind the group epoch; Reconciling while some member
 * has not reached the target; Stable otherwise.
 */
import type { ConsumerGroupMember } from './consumer-group-member';
import { type TopicPartitionSet } from './topic-partitions';

export type ConsumerGroupState = 'Empty' | 'Assigning' | 'Reconciling' | 'Stable';

export interface SubscribedTopic {
  topicId: string;
  partitions: number;
}

export class ConsumerGroup {
  groupEpoch = 0;
  assignmentEpoch = 0;
  readonly members = new Map<string, ConsumerGroupMember>();
  /** instance id -> member id */
  readonly staticMembers = new Map<string, string>();
  /** member id -> target partitions */
  readonly targetAssignment = new Map<string, TopicPartitionSet>();
  /** topicId -> partition -> epoch of the member holding it (assigned or pending revocation) */
  private readonly partitionEpochs = new Map<string, Map<number, number>>();
  /** Subscribed topic name -> id and partition count, as of the group epoch. */
  subscriptionMetadata = new Map<string, SubscribedTopic>();
  /** The assignor the last target assignment was computed with. */
  assignorName = '';

  constructor(readonly groupId: string) {}

  get state(): ConsumerGroupState {
    if (this.members.size === 0) return 'Empty';
    if (this.groupEpoch > this.assignmentEpoch) return 'Assigning';
    for (const m of this.members.values()) if (!m.isReconciledTo(this.assignmentEpoch)) return 'Reconciling';
    return 'Stable';
  }

  staticMember(instanceId: string): ConsumerGroupMember | undefined {
    const memberId = this.staticMembers.get(instanceId);
    return memberId === undefined ? undefined : this.members.get(memberId);
  }

  /** The epoch of the member holding the partition, -1 when nobody does. */
  partitionEpoch(topicId: string, partition: number): number {
    return this.partitionEpochs.get(topicId)?.get(partition) ?? -1;
  }

  /** Adds or replaces a member, moving the partitions it holds to its new epoch. */
  updateMember(member: ConsumerGroupMember): void {
    const old = this.members.get(member.memberId);
    if (old) this.releasePartitions(old);
    this.members.set(member.memberId, member);
    if (member.instanceId !== null) this.staticMembers.set(member.instanceId, member.memberId);
    this.holdPartitions(member);
  }

  removeMember(memberId: string): void {
    const old = this.members.get(memberId);
    if (!old) return;
    this.releasePartitions(old);
    this.members.delete(memberId);
    this.targetAssignment.delete(memberId);
    if (old.instanceId !== null && this.staticMembers.get(old.instanceId) === memberId) this.staticMembers.delete(old.instanceId);
  }

  private holdPartitions(m: ConsumerGroupMember): void {
    for (const set of [m.assignedPartitions, m.partitionsPendingRevocation]) {
      for (const [topicId, parts] of set) {
        let epochs = this.partitionEpochs.get(topicId);
        if (!epochs) this.partitionEpochs.set(topicId, (epochs = new Map()));
        for (const p of parts) epochs.set(p, m.memberEpoch);
      }
    }
  }

  private releasePartitions(m: ConsumerGroupMember): void {
    for (const set of [m.assignedPartitions, m.partitionsPendingRevocation]) {
      for (const [topicId, parts] of set) {
        const epochs = this.partitionEpochs.get(topicId);
        if (!epochs) continue;
        for (const p of parts) epochs.delete(p);
        if (epochs.size === 0) this.partitionEpochs.delete(topicId);
      }
    }
  }

  /**
   * A copy to restore from when the records of an operation could not be
   * written (members and assignments are immutable values, the maps are copied).
   */
  snapshot(): ConsumerGroup {
    const copy = new ConsumerGroup(this.groupId);
    copy.restore(this);
    return copy;
  }

  /** Takes every field of `other` (a snapshot of this group), in place: timers keep their reference. */
  restore(other: ConsumerGroup): void {
    this.groupEpoch = other.groupEpoch;
    this.assignmentEpoch = other.assignmentEpoch;
    this.assignorName = other.assignorName;
    this.subscriptionMetadata = new Map(other.subscriptionMetadata);
    replaceMap(this.members, other.members);
    replaceMap(this.staticMembers, other.staticMembers);
    replaceMap(this.targetAssignment, other.targetAssignment);
    this.partitionEpochs.clear();
    for (const [topicId, epochs] of other.partitionEpochs) this.partitionEpochs.set(topicId, new Map(epochs));
  }

  /** How many members speak the classic protocol (JoinGroup/SyncGroup). */
  get classicMemberCount(): number {
    let n = 0;
    for (const m of this.members.values()) if (m.usesClassicProtocol) n++;
    return n;
  }

  /**
   * Whether a classic member offering these protocols may join (Kafka's
   * supportsClassicProtocols): the consumer protocol type, and, when there
   * are classic members already, one protocol all of them offer.
   */
  supportsClassicProtocols(protocolType: string, protocolNames: readonly string[]): boolean {
    if (protocolType !== 'consumer' || protocolNames.length === 0) return false;
    const classic = [...this.members.values()].filter((m) => m.usesClassicProtocol);
    return protocolNames.some((name) => classic.every((m) => m.classicMemberMetadata?.supportedProtocols.some((p) => p.name === name) ?? false));
  }

  /** Every member but `memberId` speaks the classic protocol, and `memberId` does not (Kafka's allMembersUseClassicProtocolExcept). */
  allMembersUseClassicProtocolExcept(memberId: string): boolean {
    const member = this.members.get(memberId);
    return member !== undefined && !member.usesClassicProtocol && this.classicMemberCount === this.members.size - 1;
  }

  /** Topic names some member subscribes to by name (for offset expiry and OffsetDelete). */
  isSubscribedToTopic(topic: string): boolean {
    return this.subscriptionMetadata.has(topic);
  }
}

function replaceMap<K, V>(target: Map<K, V>, source: ReadonlyMap<K, V>): void {
  target.clear();
  for (const [k, v] of source) target.set(k, v);
}
