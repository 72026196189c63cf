/**
 * PushTelemetry (key 72), v0 (KIP-714): a client's metrics, OTLP protobuf,
 * possibly compressed (zstd, lz4, gzip or snappy, with the record batches'
 * framing). Translation of ClientMetricsManager.push, which checks the push
 * in Kafka's order (INVALID_REQUEST after a terminating push or for a
 * reserved instance id, THROTTLING_QUOTA_EXCEEDED before the push interval,
 * UNKNOWN_SUBSCRIPTION_ID, UNSUPPORTED_COMPRESSION_TYPE,
 * TELEMETRY_TOO_LARGE over `telemetry.max.bytes`, INVALID_RECORD for a
 * payload that does not decode) and keeps the decoded metrics for the
 * Prometheus endpoint, per client.
 */
import { Apis } from '../../protocol/apis';
import { PushTelemetryRequest, PushTelemetryResponse } from '../../protocol/messages';
import type { BrokerContext } from '../broker-context';
import { clientSelectors } from '../client-selectors';
import { defineHandler } from '../define-handler';

export function pushTelemetryHandler(b: BrokerContext) {
  return defineHandler(Apis.PushTelemetry, (req: PushTelemetryRequest, ctx): PushTelemetryResponse => {
    const r = b.clientMetrics.push(req, clientSelectors(ctx));
    if (r.errorCode !== 0) b.log.debug({ client: req.clientInstanceId, errorCode: r.errorCode, reason: r.errorMessage }, 'telemetry push refused');
    return { throttleTimeMs: 0, errorCode: r.errorCode };
  });
}
