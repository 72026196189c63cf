/**
 * DescribeProducers (key 61), v0.
 *
 * The idempotent / transactional producers a partition remembers (the
 * producer state its log keeps): id, epoch, last sequence (-1 if none), timestamp
 * of the last batch, coordinator epoch and the first offset of an open
 * transaction (-1 if none). Kafka's checks: an illegal topic name is
 * INVALID_TOPIC_EXCEPTION and an unknown topic UNKNOWN_TOPIC_OR_PARTITION,
 * for every requested partition, both with a message; an unknown partition
 * of a known topic UNKNOWN_TOPIC_OR_PARTITION without one.
 *
 * Authorization (Kafka's KafkaApis): READ on the topic, else its
 * partitions are TOPIC_AUTHORIZATION_FAILED (before its existence is checked).
 */
import { Apis } from '../../protocol/apis';
import { ErrorCode } from '../../protocol/errors';
import { DescribeProducersRequest, DescribeProducersResponse } from '../../protocol/messages';
import { Partition } from '../../cluster/partition';
import { topicNameProblem } from '../../cluster/topic-name';
import type { BrokerContext } from '../broker-context';
import { defineHandler } from '../define-handler';
import { AclOperation as Op, ResourceType } from '../../security/authorizer/acl';

type PartitionResponse = DescribeProducersResponse.PartitionResponse;

export function describeProducersHandler(b: BrokerContext) {
  function describePartition(topic: string, partitionIndex: number): PartitionResponse {
    const p = b.replicaManager.getPartitionOrError(topic, partitionIndex);
    if (!(p instanceof Partition)) return { partitionIndex, errorCode: p.errorCode, errorMessage: null, activeProducers: [] };
    const activeProducers = p.activeProducers().map((e) => ({
      producerId: BigInt(e.producerId),
      producerEpoch: e.producerEpoch,
      lastSequence: e.batches[e.batches.length - 1]?.lastSeq ?? -1,
      lastTimestamp: BigInt(e.lastTimestamp),
      coordinatorEpoch: e.coordinatorEpoch,
      currentTxnStartOffset: BigInt(e.currentTxnFirstOffset ?? -1),
    }));
    return { partitionIndex, errorCode: ErrorCode.NONE, errorMessage: null, activeProducers };
  }

  return defineHandler(Apis.DescribeProducers, (req: DescribeProducersRequest, ctx): DescribeProducersResponse => ({
    throttleTimeMs: 0,
    topics: req.topics.map((t) => {
      const problem = topicNameProblem(t.name);
      const topicError: [number, string | null] | null = !b.authorizer.allowed(ctx, Op.READ, ResourceType.TOPIC, t.name)
        ? [ErrorCode.TOPIC_AUTHORIZATION_FAILED, null]
        : problem !== null
          ? [ErrorCode.INVALID_TOPIC_EXCEPTION, problem]
          : !b.metadata.image.topics.get(t.name)
            ? [ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, 'This server does not host this topic-partition.']
            : null;
      return {
        name: t.name,
        partitions: t.partitionIndexes.map(
          (p): PartitionResponse =>
            topicError === null
              ? describePartition(t.name, p)
              : { partitionIndex: p, errorCode: topicError[0], errorMessage: topicError[1], activeProducers: [] },
        ),
      };
    }),
  }));
}
