/**
 * Rebuilds the classic groups from `__consumer_offsets` records, oldest
 * first: the last value per key wins and a tombstone removes it, exactly
 * what compaction will eventually leave. A group with members comes back
 * Stable (its members must heartbeat again within their session timeout),
 * one without members comes back Empty; a group that only has offsets (a
 * standalone committer) comes back Empty with no protocol type.
 */
import { ClassicGroup, type CommittedOffset, offsetKey } from './classic-group';
import { ClassicGroupMember } from './classic-group-member';
import type { OffsetsTopicRecord } from './offsets-topic';
import { type GroupMetadataValue, decodeGroupMetadataValue, decodeOffsetCommitValue, decodeOffsetsTopicKey } from './offsets-topic-records';

interface LoadingGroup {
  metadata: GroupMetadataValue | null;
  offsets: Map<string, CommittedOffset>;
}

export function loadGroups(records: Iterable<OffsetsTopicRecord>, now: number): ClassicGroup[] {
  const loading = new Map<string, LoadingGroup>();
  const entry = (groupId: string): LoadingGroup => {
    let e = loading.get(groupId);
    if (!e) loading.set(groupId, (e = { metadata: null, offsets: new Map() }));
    return e;
  };
  for (const record of records) {
    const key = decodeOffsetsTopicKey(record.key);
    if (key === null) continue;
    const e = entry(key.group);
    if (key.kind === 'offset') {
      const k = offsetKey(key.topic, key.partition);
      if (record.value === null) e.offsets.delete(k);
      else e.offsets.set(k, decodeOffsetCommitValue(record.value));
    } else {
      e.metadata = record.value === null ? null : decodeGroupMetadataValue(record.value);
    }
  }

  const groups: ClassicGroup[] = [];
  for (const [groupId, e] of loading) {
    if (e.metadata === null && e.offsets.size === 0) continue;
    const group = new ClassicGroup(groupId, now);
    for (const [k, v] of e.offsets) group.offsets.set(k, v);
    const m = e.metadata;
    if (m !== null) {
      group.generationId = m.generation;
      group.protocolType = m.protocolType === '' ? null : m.protocolType;
      group.protocolName = m.protocol;
      group.leaderId = m.leader;
      group.stateTimestamp = m.currentStateTimestamp === -1 ? null : m.currentStateTimestamp;
      for (const sm of m.members) {
        const member = new ClassicGroupMember(
          sm.memberId,
          sm.groupInstanceId,
          sm.clientId,
          sm.clientHost,
          sm.rebalanceTimeoutMs,
          sm.sessionTimeoutMs,
          m.protocolType,
          [{ name: m.protocol ?? '', metadata: sm.subscription }],
        );
        member.assignment = sm.assignment;
        group.add(member);
      }
      // add() makes the first member leader; the stored leader is the truth.
      group.leaderId = m.leader;
      if (group.size > 0 && m.protocol !== null) group.state = 'Stable';
    }
    groups.push(group);
  }
  return groups;
}
