/**
 * GetTelemetrySubscriptions (key 71), v0 (KIP-714): which metrics this
 * client should push, how often, compressed how, and how big a push may
 * be. Translation of ClientMetricsManager.getSubscriptions: a client asking
 * with the zero instance id gets a new one; no matching subscription means
 * no metrics (an empty list), and the client asks again after the default
 * push interval (5 minutes) without pushing; asking again early is
 * THROTTLING_QUOTA_EXCEEDED. An error answer carries no other fields, as
 * Kafka's.
 *
 * Advertising this API makes librdkafka ≥ 2.5 and Java ≥ 3.7 clients call
 * it on their own (clients.md G17).
 */
import { Apis } from '../../protocol/apis';
import { GetTelemetrySubscriptionsRequest, GetTelemetrySubscriptionsResponse } from '../../protocol/messages';
import type { BrokerContext } from '../broker-context';
import { clientSelectors } from '../client-selectors';
import { defineHandler } from '../define-handler';

export function getTelemetrySubscriptionsHandler(b: BrokerContext) {
  return defineHandler(Apis.GetTelemetrySubscriptions, (req: GetTelemetrySubscriptionsRequest, ctx): GetTelemetrySubscriptionsResponse => {
    const a = b.clientMetrics.getSubscriptions(req.clientInstanceId, clientSelectors(ctx));
    return {
      throttleTimeMs: 0,
      errorCode: a.errorCode,
      clientInstanceId: a.clientInstanceId,
      subscriptionId: a.subscriptionId,
      acceptedCompressionTypes: a.acceptedCompressionTypes,
      pushIntervalMs: a.pushIntervalMs,
      telemetryMaxBytes: a.telemetryMaxBytes,
      deltaTemporality: a.deltaTemporality,
      requestedMetrics: a.requestedMetrics,
    };
  });
}
