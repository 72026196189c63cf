/**
 * DescribeTransactions (key 65), v0 (flexible): per transactional id its
 * state (Kafka's state names), timeout, start time (-1 when no transaction
 * is open), producer id and epoch, and the partitions of the open
 * transaction. An unknown id answers TRANSACTIONAL_ID_NOT_FOUND.
 *
 * Authorization (Kafka's KafkaApis): DESCRIBE on the transactional id, else
 * TRANSACTIONAL_ID_AUTHORIZATION_FAILED; only the partitions of topics the
 * principal may DESCRIBE are listed.
 */
import { Apis } from '../../protocol/apis';
import { ErrorCode } from '../../protocol/errors';
import { DescribeTransactionsRequest, DescribeTransactionsResponse } from '../../protocol/messages';
import type { BrokerContext } from '../broker-context';
import { defineHandler } from '../define-handler';
import { AclOperation, ResourceType } from '../../security/authorizer/acl';

export function describeTransactionsHandler(b: BrokerContext) {
  return defineHandler(Apis.DescribeTransactions, (req: DescribeTransactionsRequest, ctx): DescribeTransactionsResponse => ({
    throttleTimeMs: 0,
    transactionStates: req.transactionalIds.map((id) => {
      if (!b.authorizer.allowed(ctx, AclOperation.DESCRIBE, ResourceType.TRANSACTIONAL_ID, id)) {
        return {
          errorCode: ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED,
          transactionalId: id,
          transactionState: '',
          transactionTimeoutMs: 0,
          transactionStartTimeMs: -1n,
          producerId: -1n,
          producerEpoch: -1,
          topics: [],
        };
      }
      const d = b.transactions.describe(id);
      return {
        errorCode: d.errorCode,
        transactionalId: id,
        transactionState: d.state,
        transactionTimeoutMs: d.timeoutMs,
        transactionStartTimeMs: BigInt(d.startTimestamp),
        producerId: BigInt(d.producerId),
        producerEpoch: d.producerEpoch,
        topics: d.topics.filter((t) => b.authorizer.allowed(ctx, AclOperation.DESCRIBE, ResourceType.TOPIC, t.topic)),
      };
    }),
  }));
}
