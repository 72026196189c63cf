/**
 * ListTransactions (key 66), v0–1 (flexible): every transactional id the
 * coordinator holds, filtered by state names and producer ids (empty = no
 * filter); state names Kafka does not know come back in
 * `unknownStateFilters`. v1 adds the duration filter: only transactions
 * running longer than that many milliseconds (-1 = no filter).
 *
 * Authorization (Kafka's KafkaApis): only the transactional ids the
 * principal may DESCRIBE are listed.
 *
 * While a `__transaction_state` partition loads, COORDINATOR_LOAD_IN_PROGRESS
 * and no list (Kafka's listTransactionStates), so no answer omits its ids.
 */
import { Apis } from '../../protocol/apis';
import { ErrorCode } from '../../protocol/errors';
import { ListTransactionsRequest, ListTransactionsResponse } from '../../protocol/messages';
import type { BrokerContext } from '../broker-context';
import { defineHandler } from '../define-handler';
import { AclOperation, ResourceType } from '../../security/authorizer/acl';

export function listTransactionsHandler(b: BrokerContext) {
  return defineHandler(Apis.ListTransactions, (req: ListTransactionsRequest, ctx): ListTransactionsResponse => {
    if (b.transactions.isLoading()) return { throttleTimeMs: 0, errorCode: ErrorCode.COORDINATOR_LOAD_IN_PROGRESS, unknownStateFilters: [], transactionStates: [] };
    const duration = ctx.apiVersion >= 1 ? Number(req.durationFilter) : -1;
    const listed = b.transactions.list(req.stateFilters, req.producerIdFilters.map(Number), duration);
    return {
      throttleTimeMs: 0,
      errorCode: ErrorCode.NONE,
      unknownStateFilters: listed.unknownStates,
      transactionStates: listed.transactions
        .filter((t) => b.authorizer.allowed(ctx, AclOperation.DESCRIBE, ResourceType.TRANSACTIONAL_ID, t.transactionalId))
        .map((t) => ({ transactionalId: t.transactionalId, producerId: BigInt(t.producerId), transactionState: t.state })),
    };
  });
}
