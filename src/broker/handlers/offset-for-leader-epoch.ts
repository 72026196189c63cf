/**
 * OffsetForLeaderEpoch (key 23), v0–4.
 *
 * Consumers use it (KIP-320) to detect log truncation after a leader change;
 * followers to find where to truncate (KIP-101/279). Translation only: the
 * partition answers from its leader-epoch cache (the log's
 * `leader-epoch-checkpoint`), as Kafka's LeaderEpochFileCache.endOffsetFor:
 * - requested epoch -1 (undefined): epoch -1, end offset -1;
 * - the partition's latest epoch: the log end offset;
 * - an epoch newer than any known: epoch -1, end offset -1 (no error);
 * - an older one: the largest known epoch at or below it, and the start
 *   offset of the first epoch after it (for an epoch older than every
 *   entry: the requested epoch and where the first entry starts, which
 *   follows the log start offset).
 * `currentLeaderEpoch` (v2+, -1 = not given) is fenced first as Kafka's
 * Partition does: newer than the partition's UNKNOWN_LEADER_EPOCH, older
 * FENCED_LEADER_EPOCH; then a replica that does not lead answers
 * NOT_LEADER_OR_FOLLOWER. Unknown topics or partitions:
 * UNKNOWN_TOPIC_OR_PARTITION. `replicaId` (v3+) changes nothing: Kafka
 * answers consumers and followers alike from the leader.
 * Version notes: v1 adds the leader epoch to the answer, v2 the current
 * leader epoch to the request, v3 the replica id, v4 is flexible.
 *
 * Authorization (Kafka's KafkaApis): CLUSTER_ACTION on the cluster (a
 * follower), else DESCRIBE on each topic; the partitions of the others are
 * TOPIC_AUTHORIZATION_FAILED.
 */
import { Partition } from '../../cluster/partition';
import { Apis } from '../../protocol/apis';
import { ErrorCode } from '../../protocol/errors';
import { OffsetForLeaderEpochRequest, OffsetForLeaderEpochResponse } from '../../protocol/messages';
import type { BrokerContext } from '../broker-context';
import { defineHandler } from '../define-handler';
import { AclOperation as Op, CLUSTER_RESOURCE_NAME, ResourceType } from '../../security/authorizer/acl';

type EpochEndOffset = OffsetForLeaderEpochResponse.EpochEndOffset;

export function offsetForLeaderEpochHandler(b: BrokerContext) {
  function endOffsetFor(topic: string, p: OffsetForLeaderEpochRequest.OffsetForLeaderPartition): EpochEndOffset {
    const answer = (errorCode: number, leaderEpoch = -1, endOffset = -1n): EpochEndOffset => ({ errorCode, partition: p.partition, leaderEpoch, endOffset });
    const partition = b.replicaManager.getPartitionOrError(topic, p.partition);
    if (!(partition instanceof Partition)) return answer(partition.errorCode);
    const access = partition.checkLeaderAccess(p.currentLeaderEpoch);
    if (access !== ErrorCode.NONE) return answer(access);
    const found = partition.endOffsetForEpoch(p.leaderEpoch);
    return answer(ErrorCode.NONE, found.epoch, BigInt(found.endOffset));
  }

  return defineHandler(Apis.OffsetForLeaderEpoch, (req: OffsetForLeaderEpochRequest, ctx): OffsetForLeaderEpochResponse => {
    const names = req.topics.map((t) => t.topic);
    const allowed = b.authorizer.allowed(ctx, Op.CLUSTER_ACTION, ResourceType.CLUSTER, CLUSTER_RESOURCE_NAME)
      ? new Set(names)
      : b.authorizer.allowedNames(ctx, Op.DESCRIBE, ResourceType.TOPIC, names);
    const denied = (p: OffsetForLeaderEpochRequest.OffsetForLeaderPartition): EpochEndOffset => ({
      errorCode: ErrorCode.TOPIC_AUTHORIZATION_FAILED,
      partition: p.partition,
      leaderEpoch: -1,
      endOffset: -1n,
    });
    return {
      throttleTimeMs: 0,
      topics: req.topics.map((t) => ({ topic: t.topic, partitions: t.partitions.map((p) => (allowed.has(t.topic) ? endOffsetFor(t.topic, p) : denied(p))) })),
    };
  });
}
