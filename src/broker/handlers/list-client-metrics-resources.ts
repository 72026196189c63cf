/**
 * ListClientMetricsResources (key 74), v0 (KIP-714): the names of the
 * client-metrics subscriptions (CLIENT_METRICS config resources with at
 * least one config). Kafka requires DESCRIBE_CONFIGS on the cluster
 * (CLUSTER_AUTHORIZATION_FAILED otherwise); Weir has no ACLs yet, and this
 * handler is where that check goes.
 */
import { Apis } from '../../protocol/apis';
import { ErrorCode } from '../../protocol/errors';
import { ListClientMetricsResourcesResponse } from '../../protocol/messages';
import type { BrokerContext } from '../broker-context';
import { defineHandler } from '../define-handler';

export function listClientMetricsResourcesHandler(b: BrokerContext) {
  return defineHandler(Apis.ListClientMetricsResources, (): ListClientMetricsResourcesResponse => ({
    throttleTimeMs: 0,
    errorCode: ErrorCode.NONE,
    clientMetricsResources: b.clientMetrics.subscriptionNames().sort().map((name) => ({ name })),
  }));
}
