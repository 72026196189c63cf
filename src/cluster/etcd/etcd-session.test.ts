import { EtcdSession, type EtcdSessionOptions, type SessionState } from './etcd-session';
import { monotonicMs } from '../../time/monotonic-clock';
import { eventually, useEtcd } from './test-support/etcd-fixture';
import { startTcpCut } from './test-support/tcp-cut';

const fx = useEtcd();

async function remainingTtl(leaseId: string): Promise<number> {
  const res = await fx.client().leaseClient.leaseTimeToLive({ ID: leaseId });
  return Number(res.TTL);
}

/** How the session renews: on the event loop, or (a broker's way) from a thread of its own connected to `endpoints`. */
const RENEWERS = [
  ['on the event loop', (_endpoints: readonly string[]): Partial<EtcdSessionOptions> => ({})],
  ['from its own thread', (endpoints: readonly string[]): Partial<EtcdSessionOptions> => ({ keepAliveThread: { endpoints } })],
] as const;

/** Blocks the event loop, as opening thousands of logs did. */
function stallEventLoop(ms: number): void {
  const until = monotonicMs() + ms;
  while (monotonicMs() < until) {
    // busy
  }
}

// TTLs of 2 s (a renewal every 400 ms): a machine under load can delay a
// renewal's answer by a second, and a TTL of 1 s then showed a spurious
// `unknown` now and then.
describe.each(RENEWERS)('EtcdSession renewing %s', (_how, renewer) => {
  const own = (endpoints?: readonly string[]) => renewer(endpoints ?? fx.etcd.endpoints);
  it('grants a lease of broker.session.timeout.ms rounded up to seconds and keeps it alive past its TTL', async () => {
    const session = await EtcdSession.open(fx.client(), { sessionTimeoutMs: 1500, heartbeatIntervalMs: 2000, ...own() });
    fx.defer(() => session.close());
    expect(session.ttlMs).toBe(2000);
    expect(session.isAlive()).toBe(true);
    const firstDeadline = session.deadline;
    // Renewed (every third of the TTL, since the heartbeat asked for is longer) well past the first deadline.
    await eventually('the lease to outlive its first deadline', () => monotonicMs() > firstDeadline + 1000);
    expect(session.state).toBe('alive');
    expect(session.deadline).toBeGreaterThan(firstDeadline + 1000);
    expect(await remainingTtl(session.leaseId)).toBeGreaterThan(0);
  });

  it('revokes the lease on close, so its keys go at once', async () => {
    const client = fx.client();
    const session = await EtcdSession.open(client, { sessionTimeoutMs: 10_000, heartbeatIntervalMs: 1000, ...own() });
    const keys = fx.keys();
    await client.kv.put({ key: keys.broker(1), value: Buffer.from('x'), lease: session.leaseId });
    const states: SessionState[] = [];
    session.onStateChange((s) => states.push(s));
    await session.close();
    expect(session.state).toBe('closed');
    expect(states).toEqual(['closed']);
    expect((await client.kv.range({ key: keys.broker(1) })).kvs).toEqual([]);
    expect(await remainingTtl(session.leaseId)).toBe(-1);
  });

  it('is no longer alive the moment its monotonic clock passes the deadline, before any answer from etcd', async () => {
    let skew = 0;
    const session = await EtcdSession.open(fx.client(), {
      sessionTimeoutMs: 5000,
      heartbeatIntervalMs: 1000,
      ...own(),
      now: () => monotonicMs() + skew,
    });
    fx.defer(() => session.close());
    expect(session.isAlive()).toBe(true);
    // What a process resumed after a long SIGSTOP sees: the clock has run on.
    skew = session.deadline - monotonicMs() + 1;
    expect(session.isAlive()).toBe(false);
    expect(session.state).toBe('unknown');
  });

  it('goes unknown while etcd is down, and alive again once a restarted etcd answers (the lease survived)', async () => {
    const session = await EtcdSession.open(fx.client(), { sessionTimeoutMs: 2000, heartbeatIntervalMs: 400, ...own() });
    fx.defer(() => session.close());
    const states: SessionState[] = [];
    session.onStateChange((s) => states.push(s));
    await fx.etcd.stop();
    await eventually('the session to go unknown', () => session.state === 'unknown');
    expect(session.isAlive()).toBe(false);
    const outageEnd = session.deadline + 2 * session.ttlMs;
    await eventually('two more TTLs of outage', () => monotonicMs() > outageEnd);
    // etcd is down for everyone: it expires nothing meanwhile, and extends
    // every lease when it comes back.
    await fx.etcd.restart();
    // The listeners hear it from a timer or the renewing thread's message, a
    // moment after the state (a clock comparison) says so: wait for them.
    await eventually('the session to be reported alive again', () => states.at(-1) === 'alive', 15_000);
    expect(session.state).toBe('alive');
    expect(states).toEqual(['unknown', 'alive']);
    expect(await remainingTtl(session.leaseId)).not.toBe(-1); // whole seconds left: 0 while under one; -1 once gone
  }, 30_000);

  it('is lost when it comes back from a cut longer than its TTL: etcd expired the lease meanwhile', async () => {
    const cut = await startTcpCut(fx.etcd.clientPort);
    fx.defer(() => cut.close());
    const session = await EtcdSession.open(fx.client([cut.endpoint]), { sessionTimeoutMs: 2000, heartbeatIntervalMs: 400, ...own([cut.endpoint]) });
    fx.defer(() => session.close());
    const states: SessionState[] = [];
    session.onStateChange((s) => states.push(s));
    cut.cut();
    await eventually('the session to go unknown', () => session.state === 'unknown');
    // etcd, still serving everyone else, expires the lease.
    await eventually('etcd to expire the lease', async () => (await remainingTtl(session.leaseId)) === -1);
    cut.heal();
    await eventually('the session to learn it is lost', () => session.state === 'lost', 15_000);
    expect(states).toEqual(['unknown', 'lost']);
  }, 30_000);
});

describe('EtcdSession renewing from its own thread', () => {
  it('keeps the lease through an event-loop stall longer than its TTL, where renewing on the event loop loses track', async () => {
    const threaded = await EtcdSession.open(fx.client(), { sessionTimeoutMs: 2000, heartbeatIntervalMs: 400, keepAliveThread: { endpoints: fx.etcd.endpoints } });
    fx.defer(() => threaded.close());
    const onLoop = await EtcdSession.open(fx.client(), { sessionTimeoutMs: 2000, heartbeatIntervalMs: 400 });
    fx.defer(() => onLoop.close());
    const ttl = Math.max(threaded.ttlMs, onLoop.ttlMs);
    stallEventLoop(ttl * 2);
    // Read at once, before any queued callback runs.
    expect(threaded.isAlive()).toBe(true);
    expect(onLoop.isAlive()).toBe(false);
    expect(await remainingTtl(threaded.leaseId)).not.toBe(-1); // whole seconds left: 0 while under one; -1 once gone
  }, 30_000);
});
