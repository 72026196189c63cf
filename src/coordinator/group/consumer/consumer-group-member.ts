/**
 * One member of a KIP-848 consumer group (Kafka's ConsumerGroupMember):
 * who it is, what it subscribes to, and where its reconciliation stands —
 * its member epoch, the partitions it may own now, and the partitions it
 * must give up before it moves on (revocation before reassignment).
 *
 * Members are replaced, not mutated, by the coordinator's heartbeat logic
 * (`with`), so a request that fails validation half way changes nothing.
 */
import { type TopicPartitionSet, emptyPartitions } from './topic-partitions';

/**
 * stable: owns exactly its target (for its epoch);
 * unrevoked_partitions: waits for the member to acknowledge revoked partitions;
 * unreleased_partitions: waits for other members to release partitions it is due.
 */
export type MemberState = 'stable' | 'unrevoked_partitions' | 'unreleased_partitions';

/** The member epoch of a static member that left temporarily (it may come back under a new member id). */
export const LEAVE_GROUP_STATIC_MEMBER_EPOCH = -2;
export const LEAVE_GROUP_MEMBER_EPOCH = -1;

/** A protocol a classic member offers in its JoinGroup (name and ConsumerProtocolSubscription bytes). */
export interface ClassicProtocol {
  readonly name: string;
  readonly metadata: Buffer;
}

/**
 * What a member speaking the classic protocol (JoinGroup/SyncGroup/Heartbeat)
 * inside a consumer group carries besides a KIP-848 member's fields
 * (ConsumerGroupMemberMetadataValue.ClassicMemberMetadata): its session
 * timeout and the protocols it offered, in preference order.
 */
export interface ClassicMemberMetadata {
  readonly sessionTimeoutMs: number;
  readonly supportedProtocols: readonly ClassicProtocol[];
}

export interface ConsumerGroupMemberFields {
  readonly memberId: string;
  readonly instanceId: string | null;
  readonly rackId: string | null;
  readonly clientId: string;
  readonly clientHost: string;
  readonly rebalanceTimeoutMs: number;
  /** Topic names the member subscribes to ([] = none). */
  readonly subscribedTopicNames: readonly string[];
  /** The member's regex subscription, null when none. */
  readonly subscribedTopicRegex: string | null;
  /** ServerAssignor the member asked for, null = the group's default. */
  readonly serverAssignor: string | null;
  readonly memberEpoch: number;
  readonly previousMemberEpoch: number;
  readonly state: MemberState;
  /** Partitions the member may own at its epoch. */
  readonly assignedPartitions: TopicPartitionSet;
  /** Partitions the member still has to revoke (acknowledge) before its epoch can advance. */
  readonly partitionsPendingRevocation: TopicPartitionSet;
  /** Set for a member that uses the classic protocol (JoinGroup/SyncGroup), null for a KIP-848 one. */
  readonly classicMemberMetadata: ClassicMemberMetadata | null;
}

export class ConsumerGroupMember implements ConsumerGroupMemberFields {
  readonly memberId!: string;
  readonly instanceId!: string | null;
  readonly rackId!: string | null;
  readonly clientId!: string;
  readonly clientHost!: string;
  readonly rebalanceTimeoutMs!: number;
  readonly subscribedTopicNames!: readonly string[];
  readonly subscribedTopicRegex!: string | null;
  readonly serverAssignor!: string | null;
  readonly memberEpoch!: number;
  readonly previousMemberEpoch!: number;
  readonly state!: MemberState;
  readonly assignedPartitions!: TopicPartitionSet;
  readonly partitionsPendingRevocation!: TopicPartitionSet;
  readonly classicMemberMetadata!: ClassicMemberMetadata | null;

  private constructor(fields: ConsumerGroupMemberFields) {
    Object.assign(this, fields);
  }

  /** A member that just joined: epoch 0, nothing assigned. */
  static create(memberId: string): ConsumerGroupMember {
    return new ConsumerGroupMember({
      memberId,
      instanceId: null,
      rackId: null,
      clientId: '',
      clientHost: '',
      rebalanceTimeoutMs: -1,
      subscribedTopicNames: [],
      subscribedTopicRegex: null,
      serverAssignor: null,
      memberEpoch: 0,
      previousMemberEpoch: -1,
      state: 'stable',
      assignedPartitions: emptyPartitions(),
      partitionsPendingRevocation: emptyPartitions(),
      classicMemberMetadata: null,
    });
  }

  with(changes: Partial<ConsumerGroupMemberFields>): ConsumerGroupMember {
    return new ConsumerGroupMember({ ...this.fields(), ...changes });
  }

  /** A new epoch: the old one becomes the previous epoch (a lost response may still come back with it). */
  withEpoch(memberEpoch: number, changes: Partial<ConsumerGroupMemberFields>): ConsumerGroupMember {
    return this.with({ ...changes, memberEpoch, previousMemberEpoch: this.memberEpoch });
  }

  fields(): ConsumerGroupMemberFields {
    return {
      memberId: this.memberId,
      instanceId: this.instanceId,
      rackId: this.rackId,
      clientId: this.clientId,
      clientHost: this.clientHost,
      rebalanceTimeoutMs: this.rebalanceTimeoutMs,
      subscribedTopicNames: this.subscribedTopicNames,
      subscribedTopicRegex: this.subscribedTopicRegex,
      serverAssignor: this.serverAssignor,
      memberEpoch: this.memberEpoch,
      previousMemberEpoch: this.previousMemberEpoch,
      state: this.state,
      assignedPartitions: this.assignedPartitions,
      partitionsPendingRevocation: this.partitionsPendingRevocation,
      classicMemberMetadata: this.classicMemberMetadata,
    };
  }

  /** The member speaks the classic protocol (JoinGroup/SyncGroup/Heartbeat/LeaveGroup). */
  get usesClassicProtocol(): boolean {
    return this.classicMemberMetadata !== null;
  }

  /** The classic protocol the member is answered with: the first it offered (Kafka's choice for a classic member of a consumer group). */
  get classicProtocolName(): string {
    return this.classicMemberMetadata?.supportedProtocols[0]?.name ?? '';
  }

  get isStatic(): boolean {
    return this.instanceId !== null;
  }

  isReconciledTo(targetEpoch: number): boolean {
    return this.state === 'stable' && this.memberEpoch === targetEpoch;
  }
}
