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
 *
 * Authorization (Kafka's KafkaApis): WRITE on the transactional id, else
 * every partition is TRANSACTIONAL_ID_AUTHORIZATION_FAILED; WRITE on each
 * topic (never on an internal one), else its partitions are
 * TOPIC_AUTHORIZATION_FAILED and the others OPERATION_NOT_ATTEMPTED.
 *
 * The coordinator's state write is answered once the `__transaction_state`
 * partition has it replicated (acks=all), else with Kafka's coordinator
 * error (COORDINATOR_NOT_AVAILABLE, NOT_COORDINATOR).
 */
import { afterReplication } from '../../coordinator/coordinator-partitions';
import { Apis } from '../../protocol/apis';
import { isInternalTopic } from '../../cluster/topic-name';
import { ErrorCode } from '../../protocol/errors';
import { AddPartitionsToTxnRequest, AddPartitionsToTxnResponse } from '../../protocol/messages';
import type { BrokerContext } from '../broker-context';
import { defineHandler } from '../define-handler';
import { AclOperation, ResourceType } from '../../security/authorizer/acl';
import { fencedErrorForVersion } from './producer-fenced';

export function addPartitionsToTxnHandler(b: BrokerContext) {
  return defineHandler(Apis.AddPartitionsToTxn, (req: AddPartitionsToTxnRequest, ctx): AddPartitionsToTxnResponse | Promise<AddPartitionsToTxnResponse> => {
    const topics = req.v3AndBelowTopics;
    const respond = (partitionErrorCode: (topic: string, partition: number) => number): AddPartitionsToTxnResponse => ({
      throttleTimeMs: 0,
      errorCode: ErrorCode.NONE,
      resultsByTransaction: [],
      resultsByTopicV3AndBelow: topics.map((t) => ({
        name: t.name,
        resultsByPartition: t.partitions.map((partitionIndex) => ({ partitionIndex, partitionErrorCode: partitionErrorCode(t.name, partitionIndex) })),
      })),
    });
    if (!b.authorizer.allowed(ctx, AclOperation.WRITE, ResourceType.TRANSACTIONAL_ID, req.v3AndBelowTransactionalId)) {
      return respond(() => ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED);
    }
    // Internal topics are never writable by clients: TOPIC_AUTHORIZATION_FAILED, as in Kafka.
    const writable = b.authorizer.allowedNames(ctx, AclOperation.WRITE, ResourceType.TOPIC, topics.map((t) => t.name).filter((n) => !isInternalTopic(n)));
    const exists = (topic: string, partition: number): boolean => b.metadata.image.topics.partition(topic, partition) !== undefined;
    const refused = (topic: string, partition: number): ErrorCode | null =>
      !writable.has(topic) ? ErrorCode.TOPIC_AUTHORIZATION_FAILED : !exists(topic, partition) ? ErrorCode.UNKNOWN_TOPIC_OR_PARTITION : null;
    const anyUnknown = topics.some((t) => t.partitions.some((p) => refused(t.name, p) !== null));
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
    if (anyUnknown) return respond((topic, partition) => refused(topic, partition) ?? ErrorCode.OPERATION_NOT_ATTEMPTED);
    // The partitions added are answered once the transaction log has them replicated.
    if (code !== ErrorCode.NONE) return respond(() => code);
    return afterReplication(b.transactionPartitions.whenReplicated(req.v3AndBelowTransactionalId), (replicated) => respond(() => replicated));
  });
}
