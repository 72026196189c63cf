/**
 * OffsetForLeaderEpoch (key 23), v0–4.
 *
 * Consumers use it (KIP-320) to detect log truncation after a leader change;
 * followers to find where to truncate. On a single node every partition has
 * had one leader epoch, `b.leaderEpoch`, since its first offset, so the
 * answer follows Kafka's LeaderEpochFileCache.endOffsetFor with that one
 * entry (starting at the log start offset):
 * - requested epoch -1 (undefined): epoch -1, end offset -1;
 * - requested epoch = the current one: the log end offset;
 * - a higher epoch than any known: epoch -1, end offset -1 (no error);
 * - a lower one: the requested epoch, and the start offset of the first
 *   epoch after it (the log start offset).
 * `currentLeaderEpoch` (v2+, -1 = not given) is fenced first as Kafka's
 * Partition does: newer than ours UNKNOWN_LEADER_EPOCH (the client knows
 * more than we do), older FENCED_LEADER_EPOCH. Unknown topics or partitions:
 * UNKNOWN_TOPIC_OR_PARTITION. `replicaId` (v3+) changes nothing: Kafka
 * answers consumers and followers alike from the leader.
 * Version notes: v1 adds the leader epoch to the answer, v2 the current
 * leader epoch to the request, v3 the replica id, v4 is flexible.
 */
import { Apis } from '../../protocol/apis';
import { ErrorCode } from '../../protocol/errors';
import { OffsetForLeaderEpochRequest, OffsetForLeaderEpochResponse } from '../../protocol/messages';
import type { BrokerContext } from '../broker-context';
import { defineHandler } from '../define-handler';

const UNDEFINED_EPOCH = -1;
const NO_PARTITION_LEADER_EPOCH = -1;

type EpochEndOffset = OffsetForLeaderEpochResponse.EpochEndOffset;

export function offsetForLeaderEpochHandler(b: BrokerContext) {
  function endOffsetFor(topic: string, p: OffsetForLeaderEpochRequest.OffsetForLeaderPartition): EpochEndOffset {
    const answer = (errorCode: number, leaderEpoch = UNDEFINED_EPOCH, endOffset = -1n): EpochEndOffset => ({
      errorCode,
      partition: p.partition,
      leaderEpoch,
      endOffset,
    });
    const t = b.topics.get(topic);
    if (!t || p.partition < 0 || p.partition >= t.partitions) return answer(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
    const current = b.leaderEpoch;
    if (p.currentLeaderEpoch !== NO_PARTITION_LEADER_EPOCH) {
      if (p.currentLeaderEpoch > current) return answer(ErrorCode.UNKNOWN_LEADER_EPOCH);
      if (p.currentLeaderEpoch < current) return answer(ErrorCode.FENCED_LEADER_EPOCH);
    }
    const log = b.logs.getLog(topic, p.partition);
    if (!log) return answer(ErrorCode.NOT_LEADER_OR_FOLLOWER);
    const requested = p.leaderEpoch;
    if (requested === UNDEFINED_EPOCH || requested > current) return answer(ErrorCode.NONE);
    if (requested === current) return answer(ErrorCode.NONE, current, BigInt(log.logEndOffset));
    return answer(ErrorCode.NONE, requested, BigInt(log.logStartOffset));
  }

  return defineHandler(Apis.OffsetForLeaderEpoch, (req: OffsetForLeaderEpochRequest): OffsetForLeaderEpochResponse => ({
    throttleTimeMs: 0,
    topics: req.topics.map((t) => ({ topic: t.topic, partitions: t.partitions.map((p) => endOffsetFor(t.topic, p)) })),
  }));
}
