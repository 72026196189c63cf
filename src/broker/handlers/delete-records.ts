/**
 * DeleteRecords (key 21), v0–2.
 *
 * Moves each partition's log start offset forward
 * (Partition.deleteRecordsBefore), deleting the segments wholly below it. Offset -1 means "up to the high
 * watermark". Per partition, in Kafka's order (KafkaApis, then
 * ReplicaManager.deleteRecordsOnLocalLog and Partition.deleteRecordsOnLeader):
 * unknown topic or partition: UNKNOWN_TOPIC_OR_PARTITION; internal topic:
 * INVALID_TOPIC_EXCEPTION; a topic whose cleanup.policy lacks "delete":
 * POLICY_VIOLATION; a negative offset other than -1, or one past the high
 * watermark: OFFSET_OUT_OF_RANGE. Failed partitions report low watermark -1.
 * Kafka waits until every replica has moved its start offset; a single node
 * has, once the call returns, so `timeoutMs` never expires (the replication
 * work adds that wait to the replica manager).
 * No version differences beyond the encoding (v2 flexible).
 *
 * Authorization (Kafka's KafkaApis): DELETE on the topic, else its
 * partitions are TOPIC_AUTHORIZATION_FAILED.
 */
import { Apis } from '../../protocol/apis';
import { ErrorCode } from '../../protocol/errors';
import { DeleteRecordsRequest, DeleteRecordsResponse } from '../../protocol/messages';
import { Partition } from '../../cluster/partition';
import { isInternalTopic } from '../../cluster/topic-name';
import type { BrokerContext } from '../broker-context';
import { defineHandler } from '../define-handler';
import { AclOperation as Op, ResourceType } from '../../security/authorizer/acl';

const HIGH_WATERMARK = -1n;

export function deleteRecordsHandler(b: BrokerContext) {
  function deleteOne(topic: string, partition: number, offset: bigint): { errorCode: number; lowWatermark: bigint } {
    const failed = (errorCode: number) => ({ errorCode, lowWatermark: -1n });
    const p = b.replicaManager.getPartitionOrError(topic, partition);
    if (!(p instanceof Partition) && p.errorCode === ErrorCode.UNKNOWN_TOPIC_OR_PARTITION) return failed(p.errorCode);
    if (isInternalTopic(topic)) return failed(ErrorCode.INVALID_TOPIC_EXCEPTION);
    if (!(p instanceof Partition)) return failed(p.errorCode);
    const access = p.checkLeaderAccess(-1);
    if (access !== ErrorCode.NONE) return failed(access);
    if (!p.topicConfig.delete) return failed(ErrorCode.POLICY_VIOLATION);
    const highWatermark = BigInt(p.highWatermark);
    const target = offset === HIGH_WATERMARK ? highWatermark : offset;
    // Checked as bigint, before the conversion to number could lose precision.
    if (target < 0n || target > highWatermark) return failed(ErrorCode.OFFSET_OUT_OF_RANGE);
    const r = p.deleteRecordsBefore(Number(target));
    if (r.errorCode !== ErrorCode.NONE) return failed(r.errorCode);
    return { errorCode: ErrorCode.NONE, lowWatermark: BigInt(r.lowWatermark) };
  }

  return defineHandler(Apis.DeleteRecords, (req: DeleteRecordsRequest, ctx): DeleteRecordsResponse => {
    const allowed = b.authorizer.allowedNames(ctx, Op.DELETE, ResourceType.TOPIC, req.topics.map((t) => t.name));
    return {
      throttleTimeMs: 0,
      topics: req.topics.map((t) => ({
        name: t.name,
        partitions: t.partitions.map((p) => ({
          partitionIndex: p.partitionIndex,
          ...(allowed.has(t.name) ? deleteOne(t.name, p.partitionIndex, p.offset) : { errorCode: ErrorCode.TOPIC_AUTHORIZATION_FAILED, lowWatermark: -1n }),
        })),
      })),
    };
  });
}
