/**
 * OffsetCommit (key 8), v0–9.
 *
 * Stores committed offsets (with their metadata string and leader epoch) in
 * `__consumer_offsets` through the group coordinator. Partitions of unknown
 * topics get UNKNOWN_TOPIC_OR_PARTITION; oversized metadata
 * OFFSET_METADATA_TOO_LARGE (offset.metadata.max.bytes). Members commit with
 * their member id and generation (ILLEGAL_GENERATION / UNKNOWN_MEMBER_ID /
 * FENCED_INSTANCE_ID when stale); a client without group management commits
 * with generation -1 and no member id while the group has no members. During
 * CompletingRebalance commits get REBALANCE_IN_PROGRESS, as in Kafka.
 *
 * KIP-848 consumer groups (ConsumerGroupHeartbeat): the generation field
 * is the member epoch; a member must commit with its current epoch
 * (STALE_MEMBER_EPOCH) and v9+, others only while the group is empty
 * (UNKNOWN_MEMBER_ID). The group coordinator checks whichever kind the
 * group id is. A commit with a generation to a group that does not exist
 * answers GROUP_ID_NOT_FOUND from v9, ILLEGAL_GENERATION before (Kafka 4.0).
 *
 * Version notes: v0 has no generation or member id; v1 alone carries a
 * per-partition commit timestamp; v2–4 a retention time; v6+ the leader
 * epoch; v7+ group.instance.id. v8+ are flexible.
 *
 * Authorization (Kafka's KafkaApis): READ on the group, else every
 * partition is GROUP_AUTHORIZATION_FAILED; READ on each topic, else its
 * partitions are TOPIC_AUTHORIZATION_FAILED (before their existence is
 * checked).
 *
 * Coordination (coordinator-partitions.ts): a broker that does not
 * coordinate the group answers NOT_COORDINATOR (COORDINATOR_LOAD_IN_PROGRESS
 * while its partition loads); what the request stored is answered once the
 * `__consumer_offsets` partition has it replicated (acks=all), else with
 * Kafka's coordinator error (COORDINATOR_NOT_AVAILABLE, NOT_COORDINATOR).
 */
import { Apis } from '../../protocol/apis';
import { ErrorCode } from '../../protocol/errors';
import { OffsetCommitRequest, OffsetCommitResponse } from '../../protocol/messages';
import type { OffsetCommitPartition } from '../../coordinator/group/group-coordinator';
import type { BrokerContext } from '../broker-context';
import { defineHandler } from '../define-handler';
import { AclOperation, ResourceType } from '../../security/authorizer/acl';
import { afterReplication } from '../../coordinator/coordinator-partitions';

export function offsetCommitHandler(b: BrokerContext) {
  return defineHandler(Apis.OffsetCommit, (req: OffsetCommitRequest, ctx): OffsetCommitResponse | Promise<OffsetCommitResponse> => {
    const v = ctx.apiVersion;
    const notHere = b.groupPartitions.ownerError(req.groupId);
    // Results in request order: known partitions are filled in from the coordinator's answer.
    const errors: (ErrorCode | null)[] = [];
    const valid: OffsetCommitPartition[] = [];
    const topics = b.metadata.image.topics;
    const groupAllowed = b.authorizer.allowed(ctx, AclOperation.READ, ResourceType.GROUP, req.groupId);
    const readable = groupAllowed ? b.authorizer.allowedNames(ctx, AclOperation.READ, ResourceType.TOPIC, req.topics.map((t) => t.name)) : new Set<string>();
    for (const t of req.topics) {
      for (const p of t.partitions) {
        if (!groupAllowed) {
          errors.push(ErrorCode.GROUP_AUTHORIZATION_FAILED);
          continue;
        }
        if (notHere !== ErrorCode.NONE) {
          errors.push(notHere);
          continue;
        }
        if (!readable.has(t.name)) {
          errors.push(ErrorCode.TOPIC_AUTHORIZATION_FAILED);
          continue;
        }
        if (!topics.partition(t.name, p.partitionIndex)) {
          errors.push(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
          continue;
        }
        errors.push(null);
        valid.push({
          topic: t.name,
          partition: p.partitionIndex,
          offset: p.committedOffset,
          leaderEpoch: v >= 6 ? p.committedLeaderEpoch : -1,
          metadata: p.committedMetadata,
          commitTimestamp: v === 1 ? Number(p.commitTimestamp) : -1,
        });
      }
    }
    const generationId = v >= 1 ? req.generationIdOrMemberEpoch : -1;
    const memberId = v >= 1 ? req.memberId : '';
    const committed =
      valid.length === 0
        ? []
        : b.groups.commitOffsets({
            groupId: req.groupId,
            generationId,
            memberId,
            groupInstanceId: v < 7 ? null : req.groupInstanceId,
            retentionTimeMs: v >= 2 && v <= 4 ? Number(req.retentionTimeMs) : -1,
            partitions: valid,
            apiVersion: v,
          });
    const answer = (replicated: ErrorCode): OffsetCommitResponse => {
      let next = 0;
      let i = 0;
      return {
        throttleTimeMs: 0,
        topics: req.topics.map((t) => ({
          name: t.name,
          partitions: t.partitions.map((p) => {
            const own = errors[i++];
            if (own !== null && own !== undefined) return { partitionIndex: p.partitionIndex, errorCode: own };
            const stored = committed[next++] ?? ErrorCode.UNKNOWN_SERVER_ERROR;
            // A stored offset counts once replicated; if it is not, the commit failed with the coordinator's error.
            return { partitionIndex: p.partitionIndex, errorCode: stored === ErrorCode.NONE ? replicated : stored };
          }),
        })),
      };
    };
    return committed.includes(ErrorCode.NONE) ? afterReplication(b.groupPartitions.whenReplicated(req.groupId), answer) : answer(ErrorCode.NONE);
  });
}
