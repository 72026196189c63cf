/**
 * What a client is told when a coordinator's write to its internal topic
 * failed, or was not replicated in time (Kafka 4.0's coordinator runtime,
 * GroupCoordinatorService / TransactionStateManager mapping): errors the
 * client can act on. The partition is not available for writes:
 * COORDINATOR_NOT_AVAILABLE (retry, same coordinator); this broker no
 * longer leads it (or its disk failed): NOT_COORDINATOR (look the
 * coordinator up again); a batch too large is the broker's own fault:
 * UNKNOWN_SERVER_ERROR. Others pass through, or become `otherwise` where
 * a coordinator's API has one answer for the unexpected (the group
 * coordinator's UNKNOWN_SERVER_ERROR, the transaction coordinator's
 * retriable COORDINATOR_NOT_AVAILABLE).
 */
import { ErrorCode } from '../protocol/errors';

export function coordinatorAppendError(code: ErrorCode, otherwise?: ErrorCode): ErrorCode {
  switch (code) {
    case ErrorCode.NONE:
      return ErrorCode.NONE;
    case ErrorCode.UNKNOWN_TOPIC_OR_PARTITION:
    case ErrorCode.NOT_ENOUGH_REPLICAS:
    case ErrorCode.NOT_ENOUGH_REPLICAS_AFTER_APPEND:
    case ErrorCode.REQUEST_TIMED_OUT:
      return ErrorCode.COORDINATOR_NOT_AVAILABLE;
    case ErrorCode.NOT_LEADER_OR_FOLLOWER:
    case ErrorCode.KAFKA_STORAGE_ERROR:
      return ErrorCode.NOT_COORDINATOR;
    case ErrorCode.MESSAGE_TOO_LARGE:
    case ErrorCode.RECORD_LIST_TOO_LARGE:
    case ErrorCode.INVALID_FETCH_SIZE:
      return ErrorCode.UNKNOWN_SERVER_ERROR;
    default:
      return otherwise ?? code;
  }
}
