import { ErrorCode } from '../../protocol/errors';

/**
 * PRODUCER_FENCED exists on the wire only from the version that added it
 * (InitProducerId v4, AddPartitionsToTxn/AddOffsetsToTxn/EndTxn v2); older
 * versions get INVALID_PRODUCER_EPOCH, as Kafka answers them.
 */
export function fencedErrorForVersion(code: ErrorCode, version: number, firstVersionWithProducerFenced: number): ErrorCode {
  return code === ErrorCode.PRODUCER_FENCED && version < firstVersionWithProducerFenced ? ErrorCode.INVALID_PRODUCER_EPOCH : code;
}
