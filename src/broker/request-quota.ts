/**
 * The request quota (request_percentage, KIP-124) around every handler:
 * the time a handler spends on a request (its synchronous part, on the
 * broker's one thread) is recorded as a percentage of a thread against the
 * client's quota, as Kafka's ClientRequestQuotaManager does; over quota,
 * the response carries the throttle time (the larger of it and a byte-rate
 * throttle the handler set) and the connection is muted for it (KIP-219).
 * ApiVersions, the SASL exchange and a follower's Fetch (replication; Kafka
 * sends it without a throttle) are exempt, as in Kafka. Nothing is
 * measured while no request quota is set.
 */
import type { BoundHandler, RequestContext } from '../network/request-context';
import { Apis } from '../protocol/apis';
import type { ClientQuotaManagers } from '../security/quota/client-quota-managers';

const EXEMPT: ReadonlySet<number> = new Set([Apis.ApiVersions.apiKey, Apis.SaslHandshake.apiKey, Apis.SaslAuthenticate.apiKey]);

export function withRequestQuota(handler: BoundHandler, quotas: ClientQuotaManagers, now: () => number): BoundHandler {
  if (EXEMPT.has(handler.spec.apiKey)) return handler;
  return {
    spec: handler.spec,
    handle(request: unknown, ctx: RequestContext): unknown {
      if (!quotas.request.enabled || isFollowerFetch(handler.spec.apiKey, request)) return handler.handle(request, ctx);
      const started = process.hrtime.bigint();
      const result = handler.handle(request, ctx);
      const nanos = Number(process.hrtime.bigint() - started);
      const throttleMs = quotas.recordRequestTime(ctx.principal.name, ctx.clientId ?? '', nanos, now());
      if (throttleMs <= 0) return result;
      ctx.throttle(throttleMs);
      return result instanceof Promise ? result.then((r: unknown) => withThrottleTime(r, throttleMs)) : withThrottleTime(result, throttleMs);
    },
  };
}

/** A Fetch from a replica (replica id >= 0: the field before v15, the replica state from v15). */
function isFollowerFetch(apiKey: number, request: unknown): boolean {
  if (apiKey !== Apis.Fetch.apiKey) return false;
  const r = request as { replicaId?: number; replicaState?: { replicaId?: number } };
  return (r.replicaId ?? -1) >= 0 || (r.replicaState?.replicaId ?? -1) >= 0;
}

/** The response with throttle_time_ms at least `ms` (a copy; responses without the field, or none at all, as they are). */
export function withThrottleTime(response: unknown, ms: number): unknown {
  if (response !== null && typeof response === 'object' && 'throttleTimeMs' in response) {
    const current = (response as { throttleTimeMs: unknown }).throttleTimeMs;
    if (typeof current === 'number' && current < ms) return { ...response, throttleTimeMs: ms };
  }
  return response;
}
