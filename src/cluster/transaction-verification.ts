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
 * already known to the partition.
 *
 * The coordinator may be on another broker: the replica manager asks it
 * before the append (AddPartitionsToTxn verifyOnly, batched per coordinator,
 * see broker/transaction-verification-channel.ts) and the partition keeps a
 * verification guard per producer meanwhile: a marker for the producer
 * written between the question and the append (the transaction ended)
 * drops the guard, and the append is refused (Kafka's VerificationGuard),
 * so a late batch can never reopen an ended transaction. The coordinator's
 * answers map to the produce errors Kafka sends: the retriable ones
 * (CONCURRENT_TRANSACTIONS, NETWORK_EXCEPTION, COORDINATOR_LOAD_IN_PROGRESS,
 * COORDINATOR_NOT_AVAILABLE, NOT_COORDINATOR) to NOT_ENOUGH_REPLICAS, which
 * every client retries without a metadata refresh; PRODUCER_FENCED to
 * INVALID_PRODUCER_EPOCH; the rest as they are (INVALID_TXN_STATE: the
 * partition was not added to the transaction).
 */
import { ErrorCode, errorName } from '../protocol/errors';

export interface VerifiedPartition {
  topic: string;
  partition: number;
}

/** The transaction coordinator, as the replica manager asks it (wired by the broker). */
export interface TransactionVerifier {
  /** `transaction.partition.verification.enable`. */
  readonly enabled: boolean;
  /**
   * Per partition (in order): NONE when it is in the producer's open
   * transaction, else the coordinator's error. Synchronous when this broker
   * is the coordinator, a promise when the coordinator is another broker.
   */
  verify(transactionalId: string, producerId: number, producerEpoch: number, partitions: readonly VerifiedPartition[]): ErrorCode[] | Promise<ErrorCode[]>;
}

/** What a partition hands out when a verification starts; the append must bring the same one back. */
export interface VerificationGuard {
  readonly producerId: number;
}

/** The outcome of a verification, carried to the append. */
export interface TransactionVerification {
  guard: VerificationGuard;
  errorCode: ErrorCode;
}

export interface TransactionalProduceProblem {
  errorCode: ErrorCode;
  message: string;
}

/** Kafka's translation of a verification failure into what a producer is answered. */
export function verificationProblem(code: ErrorCode, topic: string, partition: number, producerId: number, producerEpoch: number): TransactionalProduceProblem | null {
  switch (code) {
    case ErrorCode.NONE:
      return null;
    case ErrorCode.CONCURRENT_TRANSACTIONS:
    case ErrorCode.NETWORK_EXCEPTION:
    case ErrorCode.COORDINATOR_LOAD_IN_PROGRESS:
    case ErrorCode.COORDINATOR_NOT_AVAILABLE:
    case ErrorCode.NOT_COORDINATOR:
      return { errorCode: ErrorCode.NOT_ENOUGH_REPLICAS, message: `Unable to verify the partition has been added to the transaction. Underlying error: ${errorName(code)}` };
    case ErrorCode.PRODUCER_FENCED:
    case ErrorCode.INVALID_PRODUCER_EPOCH:
      return { errorCode: ErrorCode.INVALID_PRODUCER_EPOCH, message: `producer ${producerId} epoch ${producerEpoch} is fenced` };
    case ErrorCode.INVALID_TXN_STATE:
      return { errorCode: ErrorCode.INVALID_TXN_STATE, message: `Partition ${topic}-${partition} was not added to the transaction` };
    default:
      return { errorCode: code, message: `transaction verification of ${topic}-${partition} failed: ${errorName(code)}` };
  }
}
