/**
 * InitProducerId (key 22), v0–5.
 *
 * As Kafka's KafkaApis + TransactionCoordinator.handleInitProducerId:
 * - producerId and producerEpoch (v3+) must both be -1 or both be set, else
 *   INVALID_REQUEST;
 * - no transactional id: a fresh producer id with epoch 0, always. A
 *   recovering idempotent producer (KIP-360: it sends its old id and epoch)
 *   is given a new id too; Kafka's broker does not bump epochs for producers
 *   without a transactional id. The transaction timeout is not checked.
 * - an empty transactional id: INVALID_REQUEST; a timeout that is not in
 *   1..transaction.max.timeout.ms: INVALID_TRANSACTION_TIMEOUT.
 * - any other transactional id goes to the transaction coordinator: a new
 *   id gets a fresh producer id at epoch 0, a known one its epoch bumped
 *   (fencing the older producer); an open transaction is aborted first and
 *   the client told CONCURRENT_TRANSACTIONS, so it retries (see
 *   TransactionCoordinator.initProducerId).
 * Errors carry producer id -1 and epoch -1.
 * Version notes: v2 is flexible; v3 adds producerId/producerEpoch (KIP-360:
 * a recovering producer keeps its id); v4 may answer PRODUCER_FENCED
 * (INVALID_PRODUCER_EPOCH before); v5 only adds TRANSACTION_ABORTABLE,
 * never sent.
 *
 * Authorization (Kafka's KafkaApis): a transactional id needs WRITE on it
 * (TRANSACTIONAL_ID_AUTHORIZATION_FAILED); an idempotent producer
 * IDEMPOTENT_WRITE on the cluster or WRITE on some topic
 * (CLUSTER_AUTHORIZATION_FAILED).
 *
 * The coordinator's state write is answered once the `__transaction_state`
 * partition has it replicated (acks=all), else with Kafka's coordinator
 * error (COORDINATOR_NOT_AVAILABLE, NOT_COORDINATOR).
 */
import { afterReplication } from '../../coordinator/coordinator-partitions';
import { Apis } from '../../protocol/apis';
import { ErrorCode } from '../../protocol/errors';
import { InitProducerIdRequest, InitProducerIdResponse } from '../../protocol/messages';
import type { BrokerContext } from '../broker-context';
import { defineHandler } from '../define-handler';
import { AclOperation, CLUSTER_RESOURCE_NAME, ResourceType } from '../../security/authorizer/acl';
import { fencedErrorForVersion } from './producer-fenced';

const NO_PRODUCER_ID = -1n;
const NO_PRODUCER_EPOCH = -1;

export function initProducerIdHandler(b: BrokerContext) {
  return defineHandler(Apis.InitProducerId, (req: InitProducerIdRequest, ctx): InitProducerIdResponse | Promise<InitProducerIdResponse> => {
    const error = (errorCode: number): InitProducerIdResponse => ({
      throttleTimeMs: 0,
      errorCode,
      producerId: NO_PRODUCER_ID,
      producerEpoch: NO_PRODUCER_EPOCH,
    });
    if (req.transactionalId !== null) {
      if (!b.authorizer.allowed(ctx, AclOperation.WRITE, ResourceType.TRANSACTIONAL_ID, req.transactionalId)) return error(ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED);
    } else if (
      !b.authorizer.allowed(ctx, AclOperation.IDEMPOTENT_WRITE, ResourceType.CLUSTER, CLUSTER_RESOURCE_NAME) &&
      !b.authorizer.allowedOnAnyOfType(ctx, AclOperation.WRITE, ResourceType.TOPIC)
    ) {
      return error(ErrorCode.CLUSTER_AUTHORIZATION_FAILED);
    }
    const noId = req.producerId === NO_PRODUCER_ID;
    const noEpoch = req.producerEpoch === NO_PRODUCER_EPOCH;
    if (noId !== noEpoch) return error(ErrorCode.INVALID_REQUEST);

    if (req.transactionalId === null) {
      const producerId = b.producerIds.allocate();
      // No block of ids yet (a cluster store still answering): Kafka's retriable answer.
      if (producerId === null) return error(ErrorCode.COORDINATOR_LOAD_IN_PROGRESS);
      return { throttleTimeMs: 0, errorCode: ErrorCode.NONE, producerId: BigInt(producerId), producerEpoch: 0 };
    }
    if (req.transactionalId === '') return error(ErrorCode.INVALID_REQUEST);
    const timeout = req.transactionTimeoutMs;
    if (timeout <= 0 || timeout > b.config.number('transaction.max.timeout.ms')) return error(ErrorCode.INVALID_TRANSACTION_TIMEOUT);
    const expected = noId ? null : { producerId: Number(req.producerId), producerEpoch: req.producerEpoch };
    const r = b.transactions.initProducerId(req.transactionalId, timeout, expected);
    if (r.errorCode !== ErrorCode.NONE) return error(fencedErrorForVersion(r.errorCode, ctx.apiVersion, 4));
    // The new epoch is answered once the transaction log has it replicated.
    return afterReplication(b.transactionPartitions.whenReplicated(req.transactionalId), (replicated) =>
      replicated !== ErrorCode.NONE ? error(replicated) : { throttleTimeMs: 0, errorCode: ErrorCode.NONE, producerId: BigInt(r.producerId), producerEpoch: r.producerEpoch },
    );
  });
}
