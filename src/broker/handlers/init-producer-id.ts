/**
 * InitProducerId (key 22), v0–5: idempotent producers only, for now.
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
 * - any other transactional id: COORDINATOR_NOT_AVAILABLE, until Weir has a
 *   transaction coordinator. Every client treats that code as retriable
 *   (look the coordinator up again, retry), so a transactional producer
 *   waits and finally times out in initTransactions with a clear error,
 *   instead of being told some other broker is the coordinator
 *   (NOT_COORDINATOR) or failing fatally.
 * Errors carry producer id -1 and epoch -1.
 * Version notes: v2 is flexible; v3 adds producerId/producerEpoch; v4 lets
 * the coordinator answer PRODUCER_FENCED (not reachable here yet).
 */
import { Apis } from '../../protocol/apis';
import { ErrorCode } from '../../protocol/errors';
import { InitProducerIdRequest, InitProducerIdResponse } from '../../protocol/messages';
import type { BrokerContext } from '../broker-context';
import { defineHandler } from '../define-handler';

const NO_PRODUCER_ID = -1n;
const NO_PRODUCER_EPOCH = -1;

export function initProducerIdHandler(b: BrokerContext) {
  return defineHandler(Apis.InitProducerId, (req: InitProducerIdRequest): InitProducerIdResponse => {
    const error = (errorCode: number): InitProducerIdResponse => ({
      throttleTimeMs: 0,
      errorCode,
      producerId: NO_PRODUCER_ID,
      producerEpoch: NO_PRODUCER_EPOCH,
    });
    const noId = req.producerId === NO_PRODUCER_ID;
    const noEpoch = req.producerEpoch === NO_PRODUCER_EPOCH;
    if (noId !== noEpoch) return error(ErrorCode.INVALID_REQUEST);

    if (req.transactionalId === null) {
      return { throttleTimeMs: 0, errorCode: ErrorCode.NONE, producerId: BigInt(b.producerIds.allocate()), producerEpoch: 0 };
    }
    if (req.transactionalId === '') return error(ErrorCode.INVALID_REQUEST);
    const timeout = req.transactionTimeoutMs;
    if (timeout <= 0 || timeout > b.config.number('transaction.max.timeout.ms')) return error(ErrorCode.INVALID_TRANSACTION_TIMEOUT);
    return error(ErrorCode.COORDINATOR_NOT_AVAILABLE);
  });
}
