/**
 * ListClientMetricsResources (key 74), v0 (KIP-714): the names of the
 * client-metrics subscriptions (CLIENT_METRICS config resources with at
 * least one config). Kafka requires DESCRIBE_CONFIGS on the cluster
 * (CLUSTER_AUTHORIZATION_FAILED otherwise); Weir has no ACLs yet, and this
 * handler is where that check goes.
 *
 * Authorization (Kafka's KafkaApis): DESCRIBE_CONFIGS on the cluster, else
 * CLUSTER_AUTHORIZATION_FAILED.
 */
import { Apis } from '../../protocol/apis';
import { ErrorCode } from '../../protocol/errors';
import { ListClientMetricsResourcesResponse } from '../../protocol/messages';
import type { BrokerContext } from '../broker-context';
import { defineHandler } from '../define-handler';
import { AclOperation, CLUSTER_RESOURCE_NAME, ResourceType } from '../../security/authorizer/acl';

export function listClientMetricsResourcesHandler(b: BrokerContext) {
  return defineHandler(Apis.ListClientMetricsResources, (_req, ctx): ListClientMetricsResourcesResponse => {
    if (!b.authorizer.allowed(ctx, AclOperation.DESCRIBE_CONFIGS, ResourceType.CLUSTER, CLUSTER_RESOURCE_NAME)) {
      return { throttleTimeMs: 0, errorCode: ErrorCode.CLUSTER_AUTHORIZATION_FAILED, clientMetricsResources: [] };
    }
    return { throttleTimeMs: 0, errorCode: ErrorCode.NONE, clientMetricsResources: b.clientMetrics.subscriptionNames().sort().map((name) => ({ name })) };
  });
}
