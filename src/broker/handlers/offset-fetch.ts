/**
 * OffsetFetch (key 9), v0–9.
 *
 * Returns committed offsets with their metadata and leader epoch; a
 * partition without a commit gets offset -1, metadata "" and no error. A
 * null topic list (v2+) means every partition the group committed.
 *
 * Version notes: v0–7 ask for one group; v8+ for several (`groups`), each
 * answered with its own error code. v2–7 carry a top-level error code for
 * group-level errors; v0–1 repeat it on every partition. v5+ answer the
 * committed leader epoch. v7+ `requireStable`: a partition with an offset
 * pending in an open transaction (TxnOffsetCommit) answers
 * UNSTABLE_OFFSET_COMMIT, and the consumer retries until it is decided. v9's
 * member id / epoch only concern KIP-848 groups (Kafka does not check them
 * for classic groups): a member must fetch with its current epoch
 * (STALE_MEMBER_EPOCH / UNKNOWN_MEMBER_ID); no member id and epoch -1 (an
 * admin) may always fetch.
 *
 * Authorization (Kafka's KafkaApis): DESCRIBE on the group, else
 * GROUP_AUTHORIZATION_FAILED for it; DESCRIBE on each topic: asking for
 * all topics leaves out the others, a named one's partitions are
 * TOPIC_AUTHORIZATION_FAILED.
 *
 * Coordination (coordinator-partitions.ts): a broker that does not
 * coordinate the group answers NOT_COORDINATOR (COORDINATOR_LOAD_IN_PROGRESS
 * while its partition loads).
 */
import { Apis } from '../../protocol/apis';
import { ErrorCode } from '../../protocol/errors';
import { OffsetFetchRequest, OffsetFetchResponse } from '../../protocol/messages';
import type { OffsetFetchResult } from '../../coordinator/group/group-coordinator';
import type { BrokerContext } from '../broker-context';
import { defineHandler } from '../define-handler';
import { AclOperation, ResourceType } from '../../security/authorizer/acl';

type Topics = readonly { name: string; partitionIndexes: number[] }[] | null;

export function offsetFetchHandler(b: BrokerContext) {
  return defineHandler(Apis.OffsetFetch, (req: OffsetFetchRequest, ctx): OffsetFetchResponse => {
    const v = ctx.apiVersion;
    type Member = { memberId: string | null; memberEpoch: number } | null;
    const fetchFromCoordinator = (groupId: string, topics: Topics, member: Member): OffsetFetchResult =>
      b.groups.fetchOffsets(groupId, topics === null ? null : topics.map((t) => ({ name: t.name, partitions: t.partitionIndexes })), v >= 7 && req.requireStable, member);
    // DESCRIBE on the topics: all topics leaves out the others, named ones answer TOPIC_AUTHORIZATION_FAILED.
    const fetch = (groupId: string, topics: Topics, member: Member = null): OffsetFetchResult => {
      const notHere = b.groupPartitions.ownerError(groupId);
      if (notHere !== ErrorCode.NONE) return { errorCode: notHere, topics: [] };
      const describable = (name: string) => b.authorizer.allowed(ctx, AclOperation.DESCRIBE, ResourceType.TOPIC, name);
      if (topics === null) {
        const r = fetchFromCoordinator(groupId, null, member);
        return { ...r, topics: r.topics.filter((t) => describable(t.name)) };
      }
      const allowed = new Set(topics.filter((t) => describable(t.name)).map((t) => t.name));
      const r = fetchFromCoordinator(groupId, topics.filter((t) => allowed.has(t.name)), member);
      if (r.errorCode !== ErrorCode.NONE) return r;
      const denied = topics
        .filter((t) => !allowed.has(t.name))
        .map((t) => ({
          name: t.name,
          partitions: t.partitionIndexes.map((partition) => ({ partition, offset: -1n, leaderEpoch: -1, metadata: '', errorCode: ErrorCode.TOPIC_AUTHORIZATION_FAILED })),
        }));
      return { ...r, topics: [...r.topics, ...denied] };
    };
    const groupDenied = (groupId: string) => !b.authorizer.allowed(ctx, AclOperation.DESCRIBE, ResourceType.GROUP, groupId);
    const partitionsOf = (r: OffsetFetchResult) =>
      r.topics.map((t) => ({
        name: t.name,
        partitions: t.partitions.map((p) => ({
          partitionIndex: p.partition,
          committedOffset: p.offset,
          committedLeaderEpoch: v >= 5 ? p.leaderEpoch : -1,
          metadata: p.metadata,
          errorCode: p.errorCode,
        })),
      }));

    if (v >= 8) {
      return {
        throttleTimeMs: 0,
        topics: [],
        errorCode: ErrorCode.NONE,
        groups: req.groups.map((g) => {
          if (groupDenied(g.groupId)) return { groupId: g.groupId, topics: [], errorCode: ErrorCode.GROUP_AUTHORIZATION_FAILED };
          // v9+: a consumer group's member fetches with its member id and epoch (checked by the coordinator).
          const r = fetch(g.groupId, g.topics, v >= 9 ? { memberId: g.memberId, memberEpoch: g.memberEpoch } : null);
          return { groupId: g.groupId, topics: r.errorCode === ErrorCode.NONE ? partitionsOf(r) : [], errorCode: r.errorCode };
        }),
      };
    }
    // v0–1 cannot ask for "all topics": an empty list is just empty.
    const topics: Topics = v < 2 && req.topics === null ? [] : req.topics;
    const r: OffsetFetchResult = groupDenied(req.groupId) ? { errorCode: ErrorCode.GROUP_AUTHORIZATION_FAILED, topics: [] } : fetch(req.groupId, topics);
    if (r.errorCode !== ErrorCode.NONE) {
      if (v >= 2) return { throttleTimeMs: 0, topics: [], errorCode: r.errorCode, groups: [] };
      // No top-level error field before v2: every requested partition carries it.
      const failed = (topics ?? []).map((t) => ({
        name: t.name,
        partitions: t.partitionIndexes.map((partitionIndex) => ({ partitionIndex, committedOffset: -1n, committedLeaderEpoch: -1, metadata: '', errorCode: r.errorCode })),
      }));
      return { throttleTimeMs: 0, topics: failed, errorCode: ErrorCode.NONE, groups: [] };
    }
    return { throttleTimeMs: 0, topics: partitionsOf(r), errorCode: ErrorCode.NONE, groups: [] };
  });
}
