/**
 * The checks a transactional produce gets before its batches are written
 * (Kafka's KIP-890 part 1, done by its ReplicaManager before the append).
 *
 * Transactional records need a transactional id in the request (Kafka
 * answers TRANSACTIONAL_ID_AUTHORIZATION_FAILED without one). With
 * `transaction.partition.verification.enable` (Kafka 3.9's default) the
 * first transactional batch of a producer's transaction in a partition is
 * accepted only if the transaction coordinator has that partition in the
 * producer's open transaction, so a hanging transaction (data written after
 * its abort) cannot start; later batches of the same transaction are
 * already known to the partition. As in Kafka, a coordinator that is busy
 * completing the transaction is answered NOT_ENOUGH_REPLICAS, which every
 * client retries, and other failures INVALID_TXN_STATE.
 */
import { ErrorCode } from '../protocol/errors';

/** The transaction coordinator, as the replica manager asks it (wired by the broker). */
export interface TransactionVerifier {
  /** `transaction.partition.verification.enable`. */
  readonly enabled: boolean;
  /** NONE when the partition is in the producer's open transaction; the coordinator's error otherwise. */
  verifyPartition(transactionalId: string, producerId: number, producerEpoch: number, topic: string, partition: number): ErrorCode;
}

export interface TransactionalBatch {
  producerId: number;
  producerEpoch: number;
}

export interface TransactionalProduceProblem {
  errorCode: ErrorCode;
  message: string;
}

/**
 * Null when the append may go ahead. `ongoing`: whether the partition
 * already has this producer's transaction open at this epoch.
 */
export function transactionalProduceProblem(
  verifier: TransactionVerifier | null,
  transactionalId: string | null,
  topic: string,
  partition: number,
  batch: TransactionalBatch,
  ongoing: boolean,
): TransactionalProduceProblem | null {
  if (transactionalId === null) {
    return { errorCode: ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED, message: 'transactional records need the transactional id in the request' };
  }
  if (verifier === null || !verifier.enabled || ongoing) return null;
  const { producerId, producerEpoch } = batch;
  const code = verifier.verifyPartition(transactionalId, producerId, producerEpoch, topic, partition);
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
