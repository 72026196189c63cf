/**
 * FindCoordinator (key 10), v0–6.
 *
 * Key type 0 (group): this broker coordinates every group (it owns every
 * `__consumer_offsets` partition), which is created here on first use as
 * Kafka does. Key type 1 (transaction, v1+): this broker as well, creating
 * `__transaction_state` on first use. Other key types: INVALID_REQUEST.
 *
 * In a cluster the coordinator of a key is the leader of the key's
 * partition of the internal topic (Kafka's partitionFor), which loads that
 * partition's groups / transactions (CoordinatorPartitions);
 * COORDINATOR_NOT_AVAILABLE while the partition has no live leader.
 *
 * Version notes (G7): v0–3 carry one key and answer in top-level fields;
 * v4+ carry `coordinatorKeys` and answer one `coordinators` entry per key,
 * with the top-level fields left at their defaults. v0 has no key type
 * (always group) and no error message.
 *
 * Authorization (Kafka's KafkaApis): DESCRIBE on the group
 * (GROUP_AUTHORIZATION_FAILED) or transactional id
 * (TRANSACTIONAL_ID_AUTHORIZATION_FAILED), per key.
 */
import { Apis } from '../../protocol/apis';
import { ErrorCode } from '../../protocol/errors';
import { FindCoordinatorRequest, FindCoordinatorResponse } from '../../protocol/messages';
import type { BrokerContext } from '../broker-context';
import { defineHandler } from '../define-handler';
import { liveBrokersFor } from '../live-brokers';
import type { RequestContext } from '../../network/request-context';
import { partitionForKey } from '../../coordinator/partition-for-key';
import { OFFSETS_TOPIC } from '../../coordinator/group/offsets-topic';
import { TRANSACTION_STATE_TOPIC } from '../../coordinator/transaction/transaction-state-topic';
import { AclOperation, ResourceType } from '../../security/authorizer/acl';

const KEY_TYPE_GROUP = 0;
const KEY_TYPE_TRANSACTION = 1;

interface CoordinatorAnswer {
  errorCode: number;
  errorMessage: string | null;
  nodeId: number;
  host: string;
  port: number;
}

/** In a cluster: the live leader of the key's partition of the internal topic, or null while it has none. */
function clusterCoordinator(b: BrokerContext, ctx: RequestContext, topic: string, key: string): CoordinatorAnswer | null {
  const t = b.metadata.image.topics.get(topic);
  if (!t) return null;
  const leader = t.partitions.get(partitionForKey(key, t.partitions.size))?.leader;
  const broker = leader === undefined ? undefined : liveBrokersFor(b, ctx).find((x) => x.nodeId === leader);
  if (!broker) return null;
  return { errorCode: ErrorCode.NONE, errorMessage: null, nodeId: broker.nodeId, host: broker.host, port: broker.port };
}

export function findCoordinatorHandler(b: BrokerContext) {
  return defineHandler(Apis.FindCoordinator, (req: FindCoordinatorRequest, ctx): FindCoordinatorResponse => {
    const v = ctx.apiVersion;
    const failed = (errorCode: number, errorMessage: string): CoordinatorAnswer => ({ errorCode, errorMessage, nodeId: -1, host: '', port: -1 });
    const answer = (key: string): CoordinatorAnswer => {
      if (req.keyType !== KEY_TYPE_GROUP && req.keyType !== KEY_TYPE_TRANSACTION) return failed(ErrorCode.INVALID_REQUEST, `Unknown coordinator key type ${req.keyType}`);
      if (req.keyType === KEY_TYPE_GROUP && !b.authorizer.allowed(ctx, AclOperation.DESCRIBE, ResourceType.GROUP, key)) {
        return failed(ErrorCode.GROUP_AUTHORIZATION_FAILED, 'Not authorized to access group: Group authorization failed.');
      }
      if (req.keyType === KEY_TYPE_TRANSACTION && !b.authorizer.allowed(ctx, AclOperation.DESCRIBE, ResourceType.TRANSACTIONAL_ID, key)) {
        return failed(ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED, 'Transactional Id authorization failed.');
      }
      const errorCode = req.keyType === KEY_TYPE_TRANSACTION ? b.transactions.prepareCoordinator() : b.groups.prepareCoordinator(key);
      if (errorCode !== ErrorCode.NONE) return failed(errorCode, 'The coordinator is not available.');
      if (b.cluster) return clusterCoordinator(b, ctx, req.keyType === KEY_TYPE_TRANSACTION ? TRANSACTION_STATE_TOPIC : OFFSETS_TOPIC, key) ?? failed(ErrorCode.COORDINATOR_NOT_AVAILABLE, 'The coordinator is not available.');
      const endpoint = b.advertisedEndpoint(ctx);
      return { errorCode: ErrorCode.NONE, errorMessage: null, nodeId: b.nodeId, host: endpoint.host, port: endpoint.port };
    };
    if (v >= 4) {
      return {
        throttleTimeMs: 0,
        errorCode: 0,
        errorMessage: null,
        nodeId: 0,
        host: '',
        port: 0,
        coordinators: req.coordinatorKeys.map((key) => ({ key, ...answer(key) })),
      };
    }
    const single = answer(req.key);
    return { throttleTimeMs: 0, ...single, errorMessage: v >= 1 ? single.errorMessage : null, coordinators: [] };
  });
}
