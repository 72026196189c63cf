/**
 * The only way a KIP-848 consumer group's state changes: replaying its
 * records (Kafka's GroupMetadataManager.replay). The coordinator builds the
 * records a heartbeat implies and replays them as it goes; loading
 * `__consumer_offsets` at start replays the same records in log order, so a
 * restarted broker knows every group, member, epoch and assignment.
 *
 * Also here: the records for each kind of change (Kafka's
 * CoordinatorRecordHelpers), so the coordinator never builds one by hand.
 */
import type { ConsumerGroupRecord } from './consumer-group-records';
import { ConsumerGroup, type SubscribedTopic } from './consumer-group';
import { type ClassicMemberMetadata, ConsumerGroupMember, type MemberState } from './consumer-group-member';
import { type TopicPartitionSet, fromWire, partitionsEqual, toWire } from './topic-partitions';

/** Kafka's MemberState byte values. */
const MEMBER_STATE_BYTE: Record<MemberState, number> = { stable: 0, unrevoked_partitions: 1, unreleased_partitions: 2 };
const MEMBER_STATE_OF_BYTE = new Map<number, MemberState>(Object.entries(MEMBER_STATE_BYTE).map(([s, b]) => [b, s as MemberState]));

export function replayConsumerGroupRecord(groups: Map<string, ConsumerGroup>, record: ConsumerGroupRecord): void {
  const groupId = record.key.groupId;
  let group = groups.get(groupId);
  if (!group) {
    // A tombstone for a group nobody knows (already deleted, or compacted) changes nothing.
    if (record.value === null) return;
    group = new ConsumerGroup(groupId);
    groups.set(groupId, group);
  }
  switch (record.kind) {
    case 'GroupEpoch':
      if (record.value === null) groups.delete(groupId);
      else group.groupEpoch = record.value.epoch;
      return;
    case 'SubscriptionMetadata':
      group.subscriptionMetadata = new Map(
        (record.value?.topics ?? []).map((t): [string, SubscribedTopic] => [t.topicName, { topicId: t.topicId, partitions: t.numPartitions }]),
      );
      return;
    case 'TargetAssignmentEpoch':
      group.assignmentEpoch = record.value?.assignmentEpoch ?? 0;
      return;
    case 'TargetAssignmentMember':
      if (record.value === null) group.targetAssignment.delete(record.key.memberId);
      else group.targetAssignment.set(record.key.memberId, fromWire(record.value.topicPartitions));
      return;
    case 'MemberSubscription': {
      if (record.value === null) {
        group.removeMember(record.key.memberId);
        return;
      }
      const v = record.value;
      const member = group.members.get(record.key.memberId) ?? ConsumerGroupMember.create(record.key.memberId);
      group.updateMember(
        member.with({
          instanceId: v.instanceId,
          rackId: v.rackId,
          clientId: v.clientId,
          clientHost: v.clientHost,
          subscribedTopicNames: [...v.subscribedTopicNames],
          subscribedTopicRegex: v.subscribedTopicRegex,
          rebalanceTimeoutMs: v.rebalanceTimeoutMs,
          serverAssignor: v.serverAssignor,
          classicMemberMetadata:
            v.classicMemberMetadata === null
              ? null
              : {
                  sessionTimeoutMs: v.classicMemberMetadata.sessionTimeoutMs,
                  supportedProtocols: v.classicMemberMetadata.supportedProtocols.map((p) => ({ name: p.name, metadata: p.metadata })),
                },
        }),
      );
      return;
    }
    case 'CurrentAssignment': {
      // The member's removal is its subscription's tombstone; this one only follows it.
      if (record.value === null) return;
      const v = record.value;
      const member = group.members.get(record.key.memberId) ?? ConsumerGroupMember.create(record.key.memberId);
      group.updateMember(
        member.with({
          memberEpoch: v.memberEpoch,
          previousMemberEpoch: v.previousMemberEpoch,
          state: MEMBER_STATE_OF_BYTE.get(v.state) ?? 'stable',
          assignedPartitions: fromWire(v.assignedPartitions),
          partitionsPendingRevocation: fromWire(v.partitionsPendingRevocation),
        }),
      );
      return;
    }
  }
}

// ---- The records of each change ------------------------------------------------

export function groupEpochRecord(groupId: string, epoch: number): ConsumerGroupRecord {
  return { kind: 'GroupEpoch', key: { groupId }, value: { epoch } };
}

export function subscriptionMetadataRecord(groupId: string, metadata: ReadonlyMap<string, SubscribedTopic>): ConsumerGroupRecord {
  const topics = [...metadata].map(([topicName, t]) => ({ topicId: t.topicId, topicName, numPartitions: t.partitions, partitionMetadata: [] }));
  return { kind: 'SubscriptionMetadata', key: { groupId }, value: { topics } };
}

export function memberSubscriptionRecord(groupId: string, m: ConsumerGroupMember): ConsumerGroupRecord {
  return {
    kind: 'MemberSubscription',
    key: { groupId, memberId: m.memberId },
    value: {
      instanceId: m.instanceId,
      rackId: m.rackId,
      clientId: m.clientId,
      clientHost: m.clientHost,
      subscribedTopicNames: [...m.subscribedTopicNames],
      subscribedTopicRegex: m.subscribedTopicRegex,
      rebalanceTimeoutMs: m.rebalanceTimeoutMs,
      serverAssignor: m.serverAssignor,
      classicMemberMetadata:
        m.classicMemberMetadata === null
          ? null
          : {
              sessionTimeoutMs: m.classicMemberMetadata.sessionTimeoutMs,
              supportedProtocols: m.classicMemberMetadata.supportedProtocols.map((p) => ({ name: p.name, metadata: p.metadata })),
            },
    },
  };
}

export function currentAssignmentRecord(groupId: string, m: ConsumerGroupMember): ConsumerGroupRecord {
  return {
    kind: 'CurrentAssignment',
    key: { groupId, memberId: m.memberId },
    value: {
      memberEpoch: m.memberEpoch,
      previousMemberEpoch: m.previousMemberEpoch,
      state: MEMBER_STATE_BYTE[m.state],
      assignedPartitions: toWire(m.assignedPartitions),
      partitionsPendingRevocation: toWire(m.partitionsPendingRevocation),
    },
  };
}

export function targetAssignmentRecord(groupId: string, memberId: string, target: TopicPartitionSet): ConsumerGroupRecord {
  return { kind: 'TargetAssignmentMember', key: { groupId, memberId }, value: { topicPartitions: toWire(target) } };
}

export function targetAssignmentEpochRecord(groupId: string, assignmentEpoch: number): ConsumerGroupRecord {
  return { kind: 'TargetAssignmentEpoch', key: { groupId }, value: { assignmentEpoch } };
}

/** A member leaves: its current assignment, its target, then its subscription (Kafka's order). */
export function memberRemovalRecords(groupId: string, memberId: string): ConsumerGroupRecord[] {
  return [
    { kind: 'CurrentAssignment', key: { groupId, memberId }, value: null },
    { kind: 'TargetAssignmentMember', key: { groupId, memberId }, value: null },
    { kind: 'MemberSubscription', key: { groupId, memberId }, value: null },
  ];
}

/** An empty group is deleted: its target epoch, its subscription metadata, then its epoch. */
export function groupRemovalRecords(groupId: string): ConsumerGroupRecord[] {
  return [
    { kind: 'TargetAssignmentEpoch', key: { groupId }, value: null },
    { kind: 'SubscriptionMetadata', key: { groupId }, value: null },
    { kind: 'GroupEpoch', key: { groupId }, value: null },
  ];
}

/**
 * Every record of a group with members, as tombstones (Kafka's
 * createGroupTombstoneRecords, written when the group becomes a classic
 * group): the members' current and target assignments, the target epoch,
 * the members' subscriptions, the subscription metadata, the group epoch.
 */
export function groupTombstoneRecords(group: ConsumerGroup): ConsumerGroupRecord[] {
  const groupId = group.groupId;
  const memberIds = [...group.members.keys()];
  return [
    ...memberIds.map((memberId): ConsumerGroupRecord => ({ kind: 'CurrentAssignment', key: { groupId, memberId }, value: null })),
    ...memberIds.map((memberId): ConsumerGroupRecord => ({ kind: 'TargetAssignmentMember', key: { groupId, memberId }, value: null })),
    { kind: 'TargetAssignmentEpoch', key: { groupId }, value: null },
    ...memberIds.map((memberId): ConsumerGroupRecord => ({ kind: 'MemberSubscription', key: { groupId, memberId }, value: null })),
    { kind: 'SubscriptionMetadata', key: { groupId }, value: null },
    { kind: 'GroupEpoch', key: { groupId }, value: null },
  ];
}

/**
 * The records that create a group with these members, each at `epoch`
 * with its target equal to what it owns (Kafka's createConsumerGroupRecords,
 * written when a classic group becomes a consumer group): the members'
 * subscriptions, the group epoch, their targets, the target epoch, their
 * current assignments.
 */
export function groupCreationRecords(groupId: string, epoch: number, members: readonly ConsumerGroupMember[]): ConsumerGroupRecord[] {
  return [
    ...members.map((m) => memberSubscriptionRecord(groupId, m)),
    groupEpochRecord(groupId, epoch),
    ...members.map((m) => targetAssignmentRecord(groupId, m.memberId, m.assignedPartitions)),
    targetAssignmentEpochRecord(groupId, epoch),
    ...members.map((m) => currentAssignmentRecord(groupId, m)),
  ];
}

/** The records that rebuild the member as it is (subscription and assignment). */
export function memberChangeRecords(groupId: string, before: ConsumerGroupMember | undefined, after: ConsumerGroupMember): ConsumerGroupRecord[] {
  const out: ConsumerGroupRecord[] = [];
  if (before === undefined || subscriptionChanged(before, after)) out.push(memberSubscriptionRecord(groupId, after));
  if (before === undefined || assignmentChanged(before, after)) out.push(currentAssignmentRecord(groupId, after));
  return out;
}

function subscriptionChanged(a: ConsumerGroupMember, b: ConsumerGroupMember): boolean {
  return (
    a.instanceId !== b.instanceId ||
    a.rackId !== b.rackId ||
    a.clientId !== b.clientId ||
    a.clientHost !== b.clientHost ||
    a.subscribedTopicRegex !== b.subscribedTopicRegex ||
    a.rebalanceTimeoutMs !== b.rebalanceTimeoutMs ||
    a.serverAssignor !== b.serverAssignor ||
    !sameClassicMetadata(a.classicMemberMetadata, b.classicMemberMetadata) ||
    a.subscribedTopicNames.length !== b.subscribedTopicNames.length ||
    a.subscribedTopicNames.some((n, i) => n !== b.subscribedTopicNames[i])
  );
}

function sameClassicMetadata(a: ClassicMemberMetadata | null, b: ClassicMemberMetadata | null): boolean {
  if (a === null || b === null) return a === b;
  if (a.sessionTimeoutMs !== b.sessionTimeoutMs || a.supportedProtocols.length !== b.supportedProtocols.length) return false;
  return a.supportedProtocols.every((p, i) => {
    const q = b.supportedProtocols[i];
    return q !== undefined && q.name === p.name && q.metadata.equals(p.metadata);
  });
}

function assignmentChanged(a: ConsumerGroupMember, b: ConsumerGroupMember): boolean {
  const same = partitionsEqual;
  return (
    a.memberEpoch !== b.memberEpoch ||
    a.previousMemberEpoch !== b.previousMemberEpoch ||
    a.state !== b.state ||
    !same(a.assignedPartitions, b.assignedPartitions) ||
    !same(a.partitionsPendingRevocation, b.partitionsPendingRevocation)
  );
}
