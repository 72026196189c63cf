import { clientQuotaAlteration } from '../cluster/client-quota-control';
import { MetadataLoader } from '../cluster/metadata/metadata-loader';
import type { BoundHandler, RequestContext } from '../network/request-context';
import { Apis } from '../protocol/apis';
import { ClientQuotaManagers } from '../security/quota/client-quota-managers';
import { withRequestQuota } from './request-quota';

/** A request quota of 0.001% for everyone: any measurable handler time is over it. */
function tinyRequestQuota(): ClientQuotaManagers {
  const loader = new MetadataLoader();
  const managers = new ClientQuotaManagers({ samples: 2, windowMs: 1000 });
  loader.install(managers);
  const { records } = clientQuotaAlteration(loader.image, [{ entity: [{ entityType: 'user', entityName: null }], ops: [{ key: 'request_percentage', value: 0.001, remove: false }] }]);
  loader.handleCommitted({ lastOffset: records.length - 1, records });
  return managers;
}

/** A Fetch handler that works for a while, and the throttles asked of its connection. */
function busyFetch(): { handler: BoundHandler; throttles: number[]; ctx: RequestContext } {
  const throttles: number[] = [];
  const handler: BoundHandler = {
    spec: Apis.Fetch,
    handle: () => {
      const until = Date.now() + 20;
      while (Date.now() < until);
      return { throttleTimeMs: 0 };
    },
  };
  const ctx = { principal: { type: 'User', name: 'ANONYMOUS' }, clientId: 'c', throttle: (ms: number) => throttles.push(ms) } as unknown as RequestContext;
  return { handler, throttles, ctx };
}

describe('the request quota around a handler', () => {
  test('a consumer over its request quota is throttled', () => {
    const { handler, throttles, ctx } = busyFetch();
    const wrapped = withRequestQuota(handler, tinyRequestQuota(), () => 10_000);
    const res = wrapped.handle({ replicaId: -1, replicaState: { replicaId: -1 } }, ctx) as { throttleTimeMs: number };
    expect(throttles.length).toBe(1);
    expect(res.throttleTimeMs).toBeGreaterThan(0);
  });

  test("a follower's fetch (replica id, before v15 and in the replica state from v15) is exempt, as Kafka sends it", () => {
    for (const request of [{ replicaId: 2, replicaState: { replicaId: -1 } }, { replicaId: -1, replicaState: { replicaId: 2 } }]) {
      const { handler, throttles, ctx } = busyFetch();
      const wrapped = withRequestQuota(handler, tinyRequestQuota(), () => 10_000);
      expect(wrapped.handle(request, ctx)).toEqual({ throttleTimeMs: 0 });
      expect(throttles).toEqual([]);
    }
  });
});
