/**
 * EndTxn (key 26), v0–4: commits or aborts the producer's transaction. The
 * coordinator writes PrepareCommit/PrepareAbort, the markers into every
 * partition of the transaction, then CompleteCommit/CompleteAbort, before
 * this answers (all partitions are local), so a read_committed consumer sees
 * the outcome as soon as the producer does. A retry of a finished EndTxn
 * with the same outcome succeeds.
 * Version notes: v2 may answer PRODUCER_FENCED (INVALID_PRODUCER_EPOCH
 * before); v3 is flexible; v4 only adds TRANSACTION_ABORTABLE, never sent.
 *
 * Authorization (Kafka's KafkaApis): WRITE on the transactional id, else
 * TRANSACTIONAL_ID_AUTHORIZATION_FAILED.
 *
 * The coordinator's state write is answered once the `__transaction_state`
 * partition has it replicated (acks=all), else with Kafka's coordinator
 * error (COORDINATOR_NOT_AVAILABLE, NOT_COORDINATOR).
 */
import { afterReplication } from '../../coordinator/coordinator-partitions';
import { Apis } from '../../protocol/apis';
import { ErrorCode } from '../../protocol/errors';
import { EndTxnRequest, EndTxnResponse } from '../../protocol/messages';
import type { BrokerContext } from '../broker-context';
import { defineHandler } from '../define-handler';
import { AclOperation, ResourceType } from '../../security/authorizer/acl';
import { fencedErrorForVersion } from './producer-fenced';

export function endTxnHandler(b: BrokerContext) {
  return defineHandler(Apis.EndTxn, (req: EndTxnRequest, ctx): EndTxnResponse | Promise<EndTxnResponse> => {
    if (!b.authorizer.allowed(ctx, AclOperation.WRITE, ResourceType.TRANSACTIONAL_ID, req.transactionalId)) {
      return { throttleTimeMs: 0, errorCode: ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED };
    }
    const code = b.transactions.endTransaction(req.transactionalId, Number(req.producerId), req.producerEpoch, req.committed);
    if (code !== ErrorCode.NONE) return { throttleTimeMs: 0, errorCode: fencedErrorForVersion(code, ctx.apiVersion, 2) };
    // The transaction's end (PrepareCommit / PrepareAbort and what followed) is answered once replicated.
    return afterReplication(b.transactionPartitions.whenReplicated(req.transactionalId), (errorCode) => ({ throttleTimeMs: 0, errorCode }));
  });
}
