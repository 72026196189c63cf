/**
 * The checks a transactional Produce gets before its batches are written.
 *
 * Transactional records need a transactional id in the request (Kafka
 * answers TRANSACTIONAL_ID_AUTHORIZATION_FAILED without one). With
 * `transaction.partition.verification.enable` (Kafka 3.9's default, KIP-890
 * part 1) the first transactional batch of a producer's transaction in a
 * partition is accepted only if the coordinator has that partition in the
 * producer's open transaction, so a hanging transaction (data written after
 * its abort) cannot start; later batches of the same transaction are
 * already known to the partition. As in Kafka, a coordinator that is busy
 * completing the transaction is answered NOT_ENOUGH_REPLICAS, which every
 * client retries, and other failures INVALID_TXN_STATE.
 */
import { ErrorCode } from '../../protocol/errors';
import { TRANSACTIONAL_FLAG, type BatchHeader } from '../../protocol/records';
import type { Log } from '../../storage/log';
import type { BrokerContext } from '../broker-context';

export interface TransactionalProduceProblem {
  errorCode: ErrorCode;
  message: string;
}

export function transactionalProduceProblem(
  b: BrokerContext,
  transactionalId: string | null,
  topic: string,
  partition: number,
  batches: readonly { header: BatchHeader }[],
  log: Log,
): TransactionalProduceProblem | null {
  const txn = batches.find((x) => (x.header.attributes & TRANSACTIONAL_FLAG) !== 0);
  if (!txn) return null;
  if (transactionalId === null) {
    return { errorCode: ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED, message: 'transactional records need the transactional id in the request' };
  }
  if (!b.config.boolean('transaction.partition.verification.enable')) return null;
  const producerId = Number(txn.header.producerId);
  const producerEpoch = txn.header.producerEpoch;
  const entry = log.producerState.entry(producerId);
  if (entry && entry.currentTxnFirstOffset !== null && entry.producerEpoch === producerEpoch) return null;
  const code = b.transactions.verifyPartition(transactionalId, producerId, producerEpoch, topic, partition);
  switch (code) {
    case ErrorCode.NONE:
      return null;
    case ErrorCode.CONCURRENT_TRANSACTIONS:
    case ErrorCode.COORDINATOR_NOT_AVAILABLE:
      return { errorCode: ErrorCode.NOT_ENOUGH_REPLICAS, message: 'the transaction coordinator is completing a transaction of this producer' };
    case ErrorCode.PRODUCER_FENCED:
      return { errorCode: ErrorCode.INVALID_PRODUCER_EPOCH, message: `producer ${producerId} epoch ${producerEpoch} is fenced` };
    default:
      return { errorCode: ErrorCode.INVALID_TXN_STATE, message: `${topic}-${partition} is not in an open transaction of producer ${producerId} (${transactionalId})` };
  }
}
