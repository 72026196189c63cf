/**
 * DescribeTransactions (key 65), v0 (flexible): per transactional id its
 * state (Kafka's state names), timeout, start time (-1 when no transaction
 * is open), producer id and epoch, and the partitions of the open
 * transaction. An unknown id answers TRANSACTIONAL_ID_NOT_FOUND.
 */
import { Apis } from '../../protocol/apis';
import { DescribeTransactionsRequest, DescribeTransactionsResponse } from '../../protocol/messages';
import type { BrokerContext } from '../broker-context';
import { defineHandler } from '../define-handler';

export function describeTransactionsHandler(b: BrokerContext) {
  return defineHandler(Apis.DescribeTransactions, (req: DescribeTransactionsRequest): DescribeTransactionsResponse => ({
    throttleTimeMs: 0,
    transactionStates: req.transactionalIds.map((id) => {
      const d = b.transactions.describe(id);
      return {
        errorCode: d.errorCode,
        transactionalId: id,
        transactionState: d.state,
        transactionTimeoutMs: d.timeoutMs,
        transactionStartTimeMs: BigInt(d.startTimestamp),
        producerId: BigInt(d.producerId),
        producerEpoch: d.producerEpoch,
        topics: d.topics,
      };
    }),
  }));
}
