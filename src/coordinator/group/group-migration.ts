/**
 * Online migration between the two kinds of group (KIP-848's upgrade and
 * downgrade, Kafka 4.0's ConsumerGroup.fromClassicGroup and
 * ClassicGroup.fromConsumerGroup), as pure functions from one kind's state
 * to the other kind's members: the coordinator writes the old kind's
 * tombstones and the new kind's records built from these, in one batch,
 * and the replay of that batch is the conversion.
 *
 * `group.consumer.migration.policy` says which directions are allowed for
 * a group with members (an empty group changes kind whatever the policy).
 */
import { ClassicGroup, CONSUMER_PROTOCOL_TYPE } from './classic-group';
import { ClassicGroupMember } from './classic-group-member';
import { type ClassicGroupRecord, groupMetadataRecord } from './classic-group-replay';
import { consumerProtocolVersion, decodeConsumerAssignment, decodeConsumerSubscription, encodeConsumerAssignment } from './consumer-protocol';
import type { ConsumerGroup } from './consumer/consumer-group';
import type { TopicCatalog } from './consumer/consumer-group-coordinator';
import { ConsumerGroupMember } from './consumer/consumer-group-member';
import { type TopicPartitionSet, addPartition, toWire } from './consumer/topic-partitions';

export type MigrationPolicy = 'bidirectional' | 'upgrade' | 'downgrade' | 'disabled';

export const MIGRATION_POLICIES: readonly MigrationPolicy[] = ['bidirectional', 'upgrade', 'downgrade', 'disabled'];

export function parseMigrationPolicy(value: string): MigrationPolicy {
  const policy = MIGRATION_POLICIES.find((p) => p === value.trim().toLowerCase());
  if (policy === undefined) throw new Error(`group.consumer.migration.policy: unknown policy ${value} (known: ${MIGRATION_POLICIES.join(', ')})`);
  return policy;
}

export function isUpgradeEnabled(policy: MigrationPolicy): boolean {
  return policy === 'bidirectional' || policy === 'upgrade';
}

export function isDowngradeEnabled(policy: MigrationPolicy): boolean {
  return policy === 'bidirectional' || policy === 'downgrade';
}

/** The embedded consumer protocol of a member could not be read: the group cannot change kind. */
export class MalformedConsumerProtocolError extends Error {}

/**
 * The consumer group members a classic group's members become: each at the
 * group's generation as its epoch, Stable, owning (and targeted for) the
 * partitions of its last assignment, subscribed to the topics of its
 * subscription, and keeping its classic session timeout and protocols.
 * Partitions of topics the cluster no longer has are dropped. A member
 * that does not offer the group's chosen protocol (a group that never
 * completed a generation, a member that joined the rebalance in progress)
 * is read by its first protocol.
 */
export function consumerMembersFromClassic(group: ClassicGroup, topics: TopicCatalog): ConsumerGroupMember[] {
  const epoch = group.generationId;
  return [...group.members.values()].map((m) => {
    // A member that joined the rebalance in progress may not offer the last generation's protocol.
    const offersChosen = group.protocolName !== null && m.protocols.some((p) => p.name === group.protocolName);
    const protocol = offersChosen ? (group.protocolName as string) : (m.protocols[0]?.name ?? '');
    let subscription;
    let assignment;
    try {
      subscription = decodeConsumerSubscription(m.metadataFor(protocol));
      assignment = decodeConsumerAssignment(m.assignment);
    } catch (err) {
      throw new MalformedConsumerProtocolError(`member ${m.memberId}: ${(err as Error).message}`);
    }
    const assigned: TopicPartitionSet = new Map();
    for (const tp of assignment.assignedPartitions) {
      const topic = topics.get(tp.topic);
      if (topic !== undefined) for (const p of tp.partitions) addPartition(assigned, topic.topicId, p);
    }
    return ConsumerGroupMember.create(m.memberId).with({
      instanceId: m.groupInstanceId,
      rackId: subscription.rackId,
      clientId: m.clientId,
      clientHost: m.clientHost,
      rebalanceTimeoutMs: m.rebalanceTimeoutMs,
      subscribedTopicNames: [...subscription.topics],
      memberEpoch: epoch,
      previousMemberEpoch: epoch,
      state: 'stable',
      assignedPartitions: assigned,
      classicMemberMetadata: {
        sessionTimeoutMs: m.sessionTimeoutMs,
        supportedProtocols: m.protocols.map((p) => ({ name: p.name, metadata: p.metadata })),
      },
    });
  });
}

/**
 * The metadata record of the classic group a consumer group becomes once
 * `leavingMemberId` (its last consumer-protocol member) is gone: Stable at
 * the group epoch as generation, the protocol every remaining member
 * offers that most prefer, the first remaining member leading, each
 * member assigned its target assignment, encoded at its subscription's
 * version. The coordinator starts a rebalance once it is stored.
 */
export function classicGroupRecordFromConsumer(group: ConsumerGroup, leavingMemberId: string, topics: TopicCatalog, now: number): ClassicGroupRecord {
  const classic = new ClassicGroup(group.groupId, now);
  for (const m of group.members.values()) {
    if (m.memberId === leavingMemberId || m.classicMemberMetadata === null) continue;
    const protocols = m.classicMemberMetadata.supportedProtocols.map((p) => ({ name: p.name, metadata: p.metadata }));
    classic.add(
      new ClassicGroupMember(m.memberId, m.instanceId, m.clientId, m.clientHost, m.rebalanceTimeoutMs, m.classicMemberMetadata.sessionTimeoutMs, CONSUMER_PROTOCOL_TYPE, protocols),
    );
  }
  classic.protocolType = CONSUMER_PROTOCOL_TYPE;
  classic.generationId = group.groupEpoch;
  const protocol = classic.selectProtocol();
  for (const member of classic.members.values()) {
    const target = group.targetAssignment.get(member.memberId) ?? new Map<string, Set<number>>();
    const byName = toWire(target).flatMap((t) => {
      const topic = topics.getById(t.topicId);
      return topic === undefined ? [] : [{ topic: topic.name, partitions: t.partitions }];
    });
    let version: number;
    try {
      version = consumerProtocolVersion(member.metadataFor(protocol));
    } catch (err) {
      throw new MalformedConsumerProtocolError(`member ${member.memberId}: ${(err as Error).message}`);
    }
    member.assignment = encodeConsumerAssignment(byName, version);
  }
  return groupMetadataRecord(classic, { protocol, stateTimestamp: now });
}
