/**
 * ListOffsets (key 2), v0–9.
 *
 * Timestamps (G12): -1 latest (the high watermark, or the last stable offset
 * under read_committed), -2 earliest (log start), -3 the record with the
 * largest timestamp (v7+), -4 earliest local (v8+: the log start, as all data
 * is local), -5 earliest pending upload (v9+, tiered storage: none here, so
 * no offset). A positive timestamp finds the first record at or after it.
 * v0 answers with a list of offsets (`old_style_offsets`) instead of one
 * offset and timestamp; librdkafka forced onto the 0.9 protocol (kcat with
 * `broker.version.fallback=0.9.0`) still sends it. We answer that list with
 * the one offset the newer versions would give.
 *
 * Translation only: the partition (ReplicaManager.getPartitionOrError, then
 * its epoch and leadership check) answers. Only the leader answers (also
 * for a consumer that fetches from a follower, KIP-392: it asks the
 * leader), except for Kafka's debugging replica id -2, which any replica
 * answers from its whole log (latest: its log end), as Kafka does; a timestamp lookup counts only
 * records below the isolation level's bound, as Kafka's
 * fetchOffsetForTimestamp. The leader epoch in the answer (v4+) is the
 * partition's.
 *
 * Authorization (Kafka's KafkaApis): DESCRIBE on the topic, else its
 * partitions are TOPIC_AUTHORIZATION_FAILED.
 */
import { Apis } from '../../protocol/apis';
import { ErrorCode } from '../../protocol/errors';
import { ListOffsetsRequest, ListOffsetsResponse } from '../../protocol/messages';
import { Partition } from '../../cluster/partition';
import { decodeRecordBatch } from '../../protocol/records';
import type { RecordTimestampLocator } from '../../storage/record-timestamps';
import type { BrokerContext } from '../broker-context';
import { defineHandler } from '../define-handler';
import { AclOperation as Op, ResourceType } from '../../security/authorizer/acl';

const LATEST = -1n;
const EARLIEST = -2n;
const MAX_TIMESTAMP = -3n;
const EARLIEST_LOCAL = -4n;
const EARLIEST_PENDING_UPLOAD = -5n;
const READ_COMMITTED = 1;
/** ListOffsetsRequest.DEBUGGING_REPLICA_ID: a tool asking any replica, not only the leader. */
const DEBUGGING_REPLICA_ID = -2;

type PartitionResponse = ListOffsetsResponse.ListOffsetsPartitionResponse;

/** Finds a timestamp inside a compressed batch (the records must be decoded). */
const locateInCompressedBatch: RecordTimestampLocator = (batch, target) => {
  for (const r of decodeRecordBatch(batch, 0, { verifyCrc: false }).records) {
    if (Number(r.timestamp) >= target) return { offset: Number(r.offset), timestamp: Number(r.timestamp) };
  }
  return null;
};

export function listOffsetsHandler(b: BrokerContext) {
  return defineHandler(Apis.ListOffsets, (req: ListOffsetsRequest, ctx): ListOffsetsResponse => {
    const v = ctx.apiVersion;
    const readCommitted = v >= 2 && req.isolationLevel === READ_COMMITTED;
    // Kafka's debugging replica id: any replica answers, from its whole log.
    const debugging = req.replicaId === DEBUGGING_REPLICA_ID;
    const isolation = debugging ? 'log-end' : readCommitted ? 'committed' : 'high-watermark';
    const answer = (partitionIndex: number, errorCode: number, offset = -1, timestamp = -1, leaderEpoch = -1): PartitionResponse => ({
      partitionIndex,
      errorCode,
      oldStyleOffsets: v === 0 && offset >= 0 ? [BigInt(offset)] : [],
      timestamp: v === 0 ? -1n : BigInt(timestamp),
      offset: v === 0 ? -1n : BigInt(offset),
      leaderEpoch: v >= 4 && errorCode === ErrorCode.NONE && offset >= 0 ? leaderEpoch : -1,
    });
    const allowed = b.authorizer.allowedNames(ctx, Op.DESCRIBE, ResourceType.TOPIC, req.topics.map((t) => t.name));
    const describable = (topic: string) => allowed.has(topic);
    return {
      throttleTimeMs: 0,
      topics: req.topics.map((t) => ({
        name: t.name,
        partitions: t.partitions.map((p): PartitionResponse => {
          if (!describable(t.name)) return answer(p.partitionIndex, ErrorCode.TOPIC_AUTHORIZATION_FAILED);
          const partition = b.replicaManager.getPartitionOrError(t.name, p.partitionIndex);
          if (!(partition instanceof Partition)) return answer(p.partitionIndex, partition.errorCode);
          const access = partition.checkLeaderAccess(v >= 4 ? p.currentLeaderEpoch : -1, !debugging);
          if (access !== ErrorCode.NONE) return answer(p.partitionIndex, access);
          const epoch = partition.leaderEpoch;
          switch (p.timestamp) {
            case LATEST:
              // Under read_committed (v2+) the last stable offset: nothing of
              // an open transaction is readable yet (G11, G12).
              return answer(p.partitionIndex, ErrorCode.NONE, partition.upperBound(isolation), -1, epoch);
            case EARLIEST:
            case EARLIEST_LOCAL:
              return answer(p.partitionIndex, ErrorCode.NONE, partition.logStartOffset, -1, epoch);
            case EARLIEST_PENDING_UPLOAD:
              return answer(p.partitionIndex, ErrorCode.NONE);
            case MAX_TIMESTAMP: {
              const found = partition.maxTimestampAndOffset(locateInCompressedBatch);
              return found ? answer(p.partitionIndex, ErrorCode.NONE, found.offset, found.timestamp, epoch) : answer(p.partitionIndex, ErrorCode.NONE);
            }
          }
          if (p.timestamp < 0n) return answer(p.partitionIndex, ErrorCode.INVALID_REQUEST);
          const found = partition.offsetForTimestamp(Number(p.timestamp), isolation, locateInCompressedBatch);
          return found ? answer(p.partitionIndex, ErrorCode.NONE, found.offset, found.timestamp, epoch) : answer(p.partitionIndex, ErrorCode.NONE);
        }),
      })),
    };
  });
}
