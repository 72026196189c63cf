/**
 * AddPartitionsToTxn (key 24), v0–3: the client's form only (G19: Java never
 * sends v4+, which batch transactions for broker-to-broker verification;
 * librdkafka sends v0). Adds the partitions to the producer's transaction,
 * beginning it if none is open.
 *
 * As Kafka's handler: partitions of unknown topics get
 * UNKNOWN_TOPIC_OR_PARTITION and the others OPERATION_NOT_ATTEMPTED (nothing
 * is added); otherwise the coordinator's answer goes to every partition.
 * Version notes: v2 may answer PRODUCER_FENCED (INVALID_PRODUCER_EPOCH
 * before); v3 is flexible.
 */
import { Apis } from '../../protocol/apis';
import { ErrorCode } from '../../protocol/errors';
import { AddPartitionsToTxnRequest, AddPartitionsToTxnResponse } from '../../protocol/messages';
import type { BrokerContext } from '../broker-context';
import { defineHandler } from '../define-handler';
import { fencedErrorForVersion } from './producer-fenced';

export function addPartitionsToTxnHandler(b: BrokerContext) {
  return defineHandler(Apis.AddPartitionsToTxn, (req: AddPartitionsToTxnRequest, ctx): AddPartitionsToTxnResponse => {
    const topics = req.v3AndBelowTopics;
    const exists = (topic: string, partition: number): boolean => b.metadata.image.topics.partition(topic, partition) !== undefined;
    const anyUnknown = topics.some((t) => t.partitions.some((p) => !exists(t.name, p)));
    let code: ErrorCode = ErrorCode.NONE;
    if (!anyUnknown) {
      code = b.transactions.addPartitions(
        req.v3AndBelowTransactionalId,
        Number(req.v3AndBelowProducerId),
        req.v3AndBelowProducerEpoch,
        topics.flatMap((t) => t.partitions.map((partition) => ({ topic: t.name, partition }))),
      );
      code = fencedErrorForVersion(code, ctx.apiVersion, 2);
    }
    return {
      throttleTimeMs: 0,
      errorCode: ErrorCode.NONE,
      resultsByTransaction: [],
      resultsByTopicV3AndBelow: topics.map((t) => ({
        name: t.name,
        resultsByPartition: t.partitions.map((partitionIndex) => ({
          partitionIndex,
          partitionErrorCode: !anyUnknown ? code : exists(t.name, partitionIndex) ? ErrorCode.OPERATION_NOT_ATTEMPTED : ErrorCode.UNKNOWN_TOPIC_OR_PARTITION,
        })),
      })),
    };
  });
}
