/**
 * The only way a classic group's durable state changes: replaying its
 * `__consumer_offsets` records (Kafka's GroupMetadataManager.replay for
 * GroupMetadata and OffsetMetadataManager.replay for OffsetCommit). The
 * coordinator builds the records an operation implies, appends them, and
 * once they are stored replays them here; loading the topic at start (or
 * when this broker becomes a partition's leader) replays the same records
 * in log order through the same function, so a restarted broker holds
 * exactly what the running one held.
 *
 * Durable state is what the records carry: a group's generation, protocol
 * type and name, leader, members (ids, client, timeouts, the chosen
 * protocol's subscription, assignment), and every group's committed
 * offsets (the OffsetManager's, a consumer group's too) with the offsets
 * pending in open transactions. The rebalance in progress (who is
 * waiting in JoinGroup/SyncGroup, pending member ids, timers, a generation
 * being formed) is not durable, as in Kafka: after a restart members rejoin.
 *
 * Also here: the records of each change, so the coordinator never builds one
 * by hand.
 */
import { ClassicGroup, type CommittedOffset, offsetKey } from './classic-group';
import { ClassicGroupMember } from './classic-group-member';
import type { OffsetsTopicRecord } from './offsets-topic';
import {
  type GroupMetadataValue,
  type StoredGroupMember,
  decodeGroupMetadataValue,
  decodeOffsetCommitValue,
  decodeOffsetsTopicKey,
  encodeGroupMetadataKey,
  encodeGroupMetadataValue,
  encodeOffsetCommitKey,
  encodeOffsetCommitValue,
  encodeOffsetCommitValueWithExpiry,
} from './offsets-topic-records';
import { type GroupMetadataManager, isSimpleClassicGroup } from './group-metadata-manager';
import type { OffsetManager } from './offset-manager';

/** One classic record: a group's metadata or one committed offset (value null: a tombstone). */
export type ClassicGroupRecord =
  | { kind: 'group'; groupId: string; value: GroupMetadataValue | null }
  | { kind: 'offset'; groupId: string; topic: string; partition: number; value: CommittedOffset | null };

/** What the classic records change: the groups and every group's offsets. */
export interface ClassicGroupsState {
  readonly groups: GroupMetadataManager;
  readonly offsets: OffsetManager;
}

/**
 * Applies one record. `producerId`: the record was written in that
 * producer's transaction, so it stays pending until the transaction's
 * marker (see replayTransactionMarker). `now` is only the creation time of
 * a group first seen here.
 */
export function replayClassicRecord(state: ClassicGroupsState, record: ClassicGroupRecord, now: number, producerId?: number): void {
  if (record.kind === 'offset') {
    const key = offsetKey(record.topic, record.partition);
    if (producerId !== undefined) {
      // Only offsets are written transactionally (TxnOffsetCommit); they count once committed.
      if (record.value !== null) state.offsets.pending.add(producerId, record.groupId, key, record.value);
      return;
    }
    if (record.value === null) {
      state.offsets.delete(record.groupId, key);
      const group = state.groups.classic.get(record.groupId);
      if (group) forgetIfUnused(state, group);
      return;
    }
    commitOffset(state, record.groupId, key, record.value, now);
    return;
  }
  if (record.value === null) {
    // Deleted (DeleteGroups, expiry of an Empty group, a consumer group taking the id): gone, with
    // any member id it handed out. Offsets are not the group's: their own tombstones remove them.
    const group = state.groups.classic.get(record.groupId);
    if (!group) return;
    for (const timer of group.pendingMembers.values()) timer.cancel();
    group.pendingMembers.clear();
    group.transitionTo('Dead', now);
    state.groups.classic.delete(record.groupId);
    return;
  }
  applyGroupMetadata(classicGroupFor(state, record.groupId, now), record.value);
}

/**
 * A transaction marker reached `__consumer_offsets`: the producer's pending
 * offsets count (COMMIT) or vanish; `ofGroup`: only those of the groups it
 * accepts (the marker's partition, or those loaded), the others wait for
 * their own partition's marker.
 */
export function replayTransactionMarker(state: ClassicGroupsState, producerId: number, commit: boolean, now: number, ofGroup?: (groupId: string) => boolean): void {
  for (const pending of state.offsets.pending.take(producerId, ofGroup)) {
    if (commit) commitOffset(state, pending.groupId, pending.key, pending.value, now);
  }
}

/** A committed offset of a group nobody formed yet makes a simple classic group to hold the id (as Kafka's replay). */
function commitOffset(state: ClassicGroupsState, groupId: string, key: string, value: CommittedOffset, now: number): void {
  state.offsets.set(groupId, key, value);
  if (state.groups.kindOf(groupId) === null) classicGroupFor(state, groupId, now);
}

/** The classic record of a `__consumer_offsets` record, or null when it is none (a KIP-848 record, an unknown key). */
export function decodeClassicRecord(record: OffsetsTopicRecord): ClassicGroupRecord | null {
  const key = decodeOffsetsTopicKey(record.key);
  if (key === null) return null;
  if (key.kind === 'offset') {
    return { kind: 'offset', groupId: key.group, topic: key.topic, partition: key.partition, value: record.value === null ? null : decodeOffsetCommitValue(record.value) };
  }
  return { kind: 'group', groupId: key.group, value: record.value === null ? null : decodeGroupMetadataValue(record.value) };
}

/** The bytes Kafka writes for the record (OffsetCommitValue v3, or v1 with an expiry; GroupMetadataValue v3). */
export function encodeClassicRecord(record: ClassicGroupRecord): OffsetsTopicRecord {
  if (record.kind === 'offset') {
    const v = record.value;
    return {
      key: encodeOffsetCommitKey(record.groupId, record.topic, record.partition),
      value: v === null ? null : v.expireTimestamp === -1 ? encodeOffsetCommitValue(v) : encodeOffsetCommitValueWithExpiry(v),
    };
  }
  return { key: encodeGroupMetadataKey(record.groupId), value: record.value === null ? null : encodeGroupMetadataValue(record.value) };
}

// ---- The records of each change ------------------------------------------------

export function offsetRecord(groupId: string, topic: string, partition: number, value: CommittedOffset | null): ClassicGroupRecord {
  return { kind: 'offset', groupId, topic, partition, value };
}

export function groupTombstone(groupId: string): ClassicGroupRecord {
  return { kind: 'group', groupId, value: null };
}

/** A member as the group's metadata record stores it. */
export function storedMember(member: ClassicGroupMember, protocol: string | null): StoredGroupMember {
  return {
    memberId: member.memberId,
    groupInstanceId: member.groupInstanceId,
    clientId: member.clientId,
    clientHost: member.clientHost,
    rebalanceTimeoutMs: member.rebalanceTimeoutMs,
    sessionTimeoutMs: member.sessionTimeoutMs,
    subscription: protocol === null ? Buffer.alloc(0) : member.metadataFor(protocol),
    assignment: member.assignment,
  };
}

/**
 * The group's metadata record as it will be once stored: its members as
 * they are now, `member` rewriting any of them (a new assignment, a
 * restarted static member), `leader` replacing the leader id.
 */
export function groupMetadataRecord(
  group: ClassicGroup,
  o: { generation?: number; protocol?: string | null; stateTimestamp: number | null; member?: (m: StoredGroupMember) => StoredGroupMember; leader?: string | null },
): ClassicGroupRecord {
  const protocol = o.protocol === undefined ? group.protocolName : o.protocol;
  const rewrite = o.member ?? ((m: StoredGroupMember) => m);
  return {
    kind: 'group',
    groupId: group.groupId,
    value: {
      protocolType: group.protocolType ?? '',
      generation: o.generation ?? group.generationId,
      protocol,
      leader: o.leader === undefined ? group.leaderId : o.leader,
      currentStateTimestamp: o.stateTimestamp ?? -1,
      members: [...group.members.values()].map((m) => rewrite(storedMember(m, protocol))),
    },
  };
}

// ---- Applying a group's metadata ---------------------------------------------------

function classicGroupFor(state: ClassicGroupsState, groupId: string, now: number): ClassicGroup {
  let group = state.groups.classic.get(groupId);
  if (!group) {
    group = new ClassicGroup(groupId, now);
    state.groups.classic.set(groupId, group);
  }
  return group;
}

/** A group that never got a member, a pending member, a generation or an offset is not kept (it would show in ListGroups). */
export function forgetIfUnused(state: ClassicGroupsState, group: ClassicGroup): void {
  if (isSimpleClassicGroup(group) && !state.offsets.has(group.groupId)) {
    if (state.groups.classic.get(group.groupId) === group) state.groups.classic.delete(group.groupId);
  }
}

/**
 * The group becomes what its metadata record says: members the record
 * lacks leave, a static member under a new member id is the same member
 * (its timers and parked answers stay with it), the others are updated or
 * added. A group with members and a protocol is Stable, one without Empty.
 */
function applyGroupMetadata(group: ClassicGroup, v: GroupMetadataValue): void {
  const inRecord = new Set(v.members.map((m) => m.memberId));
  for (const sm of v.members) {
    if (sm.groupInstanceId === null) continue;
    const current = group.staticMemberId(sm.groupInstanceId);
    if (current !== null && current !== sm.memberId && !inRecord.has(current)) group.replaceStaticMember(sm.groupInstanceId, current, sm.memberId);
  }
  for (const id of [...group.members.keys()]) if (!inRecord.has(id)) group.remove(id);
  group.protocolType = v.protocolType === '' ? null : v.protocolType;
  for (const sm of v.members) {
    let member = group.members.get(sm.memberId);
    if (!member) {
      member = new ClassicGroupMember(sm.memberId, sm.groupInstanceId, sm.clientId, sm.clientHost, sm.rebalanceTimeoutMs, sm.sessionTimeoutMs, v.protocolType, [
        { name: v.protocol ?? '', metadata: sm.subscription },
      ]);
      group.add(member);
    } else {
      member.clientId = sm.clientId;
      member.clientHost = sm.clientHost;
      member.rebalanceTimeoutMs = sm.rebalanceTimeoutMs;
      member.sessionTimeoutMs = sm.sessionTimeoutMs;
      // The record keeps only the chosen protocol's subscription; the other protocols a live member offered stay.
      if (v.protocol !== null && !member.metadataFor(v.protocol).equals(sm.subscription)) member.protocols = [{ name: v.protocol, metadata: sm.subscription }];
    }
    member.assignment = sm.assignment;
  }
  group.generationId = v.generation;
  group.protocolName = v.protocol;
  // add() makes the first member leader; the stored leader is the truth.
  group.leaderId = v.leader;
  group.stateTimestamp = v.currentStateTimestamp === -1 ? null : v.currentStateTimestamp;
  group.state = group.size > 0 && v.protocol !== null ? 'Stable' : 'Empty';
}
