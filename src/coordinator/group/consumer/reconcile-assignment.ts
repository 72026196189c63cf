/**
 * Moves a member's current assignment towards its target (Kafka's
 * CurrentAssignmentBuilder, KIP-848 "reconciliation"):
 *
 * - partitions the member owns but is no longer targeted for are revoked
 *   first: the member keeps its epoch, is told its shrunken assignment, and
 *   stays in `unrevoked_partitions` until a heartbeat lists owned partitions
 *   that no longer include them;
 * - only then does it move to the target epoch and get its new partitions,
 *   and only those that no other member still holds (`partitionEpoch` is -1
 *   for a free partition); the others wait (`unreleased_partitions`) and are
 *   handed over on a later heartbeat, once released.
 *
 * So a partition is never owned by two members at once.
 */
import type { ConsumerGroupMember } from './consumer-group-member';
import { type TopicPartitionSet, type WireTopicPartitions } from './topic-partitions';

/** The epoch of the member currently holding a partition, -1 if free. */
export type PartitionEpochLookup = (topicId: string, partition: number) => number;

export interface ReconcileInput {
  targetEpoch: number;
  target: TopicPartitionSet;
  partitionEpoch: PartitionEpochLookup;
  /** What the member says it owns; null when the heartbeat did not say (then it is assumed to own everything). */
  owned: readonly WireTopicPartitions[] | null;
}

/** True when the member (by its heartbeat) may still hold any of these partitions. */
function ownsAnyOf(owned: readonly WireTopicPartitions[] | null, partitions: TopicPartitionSet): boolean {
  if (owned === null) return true;
  for (const t of owned) {
    const pending = partitions.get(t.topicId);
    if (pending && t.partitions.some((p) => pending.has(p))) return true;
  }
  return false;
}

export function reconcileAssignment(member: ConsumerGroupMember, input: ReconcileInput): ConsumerGroupMember {
  switch (member.state) {
    case 'stable':
      if (member.memberEpoch === input.targetEpoch) return member;
      return nextAssignment(member, member.memberEpoch, input);
    case 'unrevoked_partitions':
      if (ownsAnyOf(input.owned, member.partitionsPendingRevocation)) return member;
      // Revocation acknowledged: the member may advance past its epoch.
      return nextAssignment(member, member.memberEpoch + 1, input);
    case 'unreleased_partitions':
      return nextAssignment(member, member.memberEpoch, input);
  }
}

function nextAssignment(member: ConsumerGroupMember, memberEpoch: number, input: ReconcileInput): ConsumerGroupMember {
  const assigned: TopicPartitionSet = new Map();
  const pendingRevocation: TopicPartitionSet = new Map();
  const pendingAssignment: TopicPartitionSet = new Map();
  let hasUnreleased = false;
  const topicIds = new Set([...input.target.keys(), ...member.assignedPartitions.keys()]);
  for (const topicId of topicIds) {
    const target = input.target.get(topicId) ?? new Set<number>();
    const current = member.assignedPartitions.get(topicId) ?? new Set<number>();
    const keep = new Set([...current].filter((p) => target.has(p)));
    const revoke = new Set([...current].filter((p) => !keep.has(p)));
    const add = new Set<number>();
    for (const p of target) {
      if (keep.has(p)) continue;
      if (input.partitionEpoch(topicId, p) !== -1) hasUnreleased = true;
      else add.add(p);
    }
    if (keep.size > 0) assigned.set(topicId, keep);
    if (revoke.size > 0) pendingRevocation.set(topicId, revoke);
    if (add.size > 0) pendingAssignment.set(topicId, add);
  }

  if (pendingRevocation.size > 0 && ownsAnyOf(input.owned, pendingRevocation)) {
    // Revoke first: same epoch, shrunken assignment, wait for the acknowledgement.
    return member.withEpoch(memberEpoch, {
      state: 'unrevoked_partitions',
      assignedPartitions: assigned,
      partitionsPendingRevocation: pendingRevocation,
    });
  }
  for (const [topicId, parts] of pendingAssignment) {
    const s = assigned.get(topicId) ?? new Set<number>();
    for (const p of parts) s.add(p);
    assigned.set(topicId, s);
  }
  const state = hasUnreleased ? 'unreleased_partitions' : 'stable';
  return member.withEpoch(input.targetEpoch, { state, assignedPartitions: assigned, partitionsPendingRevocation: new Map() });
}
