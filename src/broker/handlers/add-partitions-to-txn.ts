/**
 * AddPartitionsToTxn (key 24), v0–3 advertised: the client's form (G19: Java
 * never sends v4+, which batch transactions for broker-to-broker
 * verification; librdkafka sends v0). Adds the partitions to the producer's
 * transaction, beginning it if none is open.
 *
 * v4–5, served to a cluster's brokers only (not advertised): a partition
 * leader verifies transactional produces with this coordinator (KIP-890,
 * `verifyOnly`), several transactional ids per request. Needs CLUSTER_ACTION
 * (else a top-level CLUSTER_AUTHORIZATION_FAILED); per transaction, partitions
 * of unknown topics are UNKNOWN_TOPIC_OR_PARTITION and the others
 * OPERATION_NOT_ATTEMPTED; otherwise each partition gets the coordinator's
 * answer: NONE when it is in the producer's open transaction,
 * INVALID_TXN_STATE when not, or the producer's error (NOT_COORDINATOR,
 * PRODUCER_FENCED, CONCURRENT_TRANSACTIONS while it completes, ...).
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
import type { BoundHandler } from '../../network/request-context';
import { ADD_PARTITIONS_TO_TXN_INTER_BROKER_API } from '../transaction-apis';
import { CLUSTER_RESOURCE_NAME } from '../../security/authorizer/acl';

/** The broker-facing AddPartitionsToTxn: v4+ batches from partition leaders, v0–3 go to the client handler. */
export function addPartitionsToTxnInterBrokerHandler(b: BrokerContext, clientHandler: BoundHandler): BoundHandler {
  const inner = defineHandler(ADD_PARTITIONS_TO_TXN_INTER_BROKER_API, (req: AddPartitionsToTxnRequest, ctx): AddPartitionsToTxnResponse => {
    if (!b.authorizer.allowed(ctx, AclOperation.CLUSTER_ACTION, ResourceType.CLUSTER, CLUSTER_RESOURCE_NAME)) {
      return { throttleTimeMs: 0, errorCode: ErrorCode.CLUSTER_AUTHORIZATION_FAILED, resultsByTransaction: [], resultsByTopicV3AndBelow: [] };
    }
    const exists = (topic: string, partition: number): boolean => b.metadata.image.topics.partition(topic, partition) !== undefined;
    return {
      throttleTimeMs: 0,
      errorCode: ErrorCode.NONE,
      resultsByTopicV3AndBelow: [],
      resultsByTransaction: req.transactions.map((txn) => {
        const producerId = Number(txn.producerId);
        const anyUnknown = txn.topics.some((t) => t.partitions.some((p) => !exists(t.name, p)));
        const all = txn.topics.flatMap((t) => t.partitions.map((partition) => ({ topic: t.name, partition })));
        const added = !anyUnknown && !txn.verifyOnly ? b.transactions.addPartitions(txn.transactionalId, producerId, txn.producerEpoch, all) : ErrorCode.NONE;
        const code = (topic: string, partition: number): number => {
          if (anyUnknown) return exists(topic, partition) ? ErrorCode.OPERATION_NOT_ATTEMPTED : ErrorCode.UNKNOWN_TOPIC_OR_PARTITION;
          if (!txn.verifyOnly) return added;
          return b.transactions.verifyPartition(txn.transactionalId, producerId, txn.producerEpoch, topic, partition);
        };
        return {
          transactionalId: txn.transactionalId,
          topicResults: txn.topics.map((t) => ({ name: t.name, resultsByPartition: t.partitions.map((p) => ({ partitionIndex: p, partitionErrorCode: code(t.name, p) })) })),
        };
      }),
    };
  });
  return {
    spec: inner.spec,
    handle: (request, ctx) => (ctx.apiVersion >= 4 ? inner.handle(request, ctx) : clientHandler.handle(request, ctx)),
  };
}

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
