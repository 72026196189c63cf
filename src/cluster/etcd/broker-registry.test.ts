import { DuplicateBrokerRegistrationError, type LiveBroker, OwnBrokerRegistration } from './broker-registration';
import { type BrokerRegistryChange, BrokerRegistry } from './broker-registry';
import type { EtcdKeys } from './etcd-keys';
import { EtcdSession } from './etcd-session';
import { eventually, useEtcd } from './test-support/etcd-fixture';
import { spawnEtcdMember } from './test-support/etcd-member';

const fx = useEtcd();

async function session(sessionTimeoutMs = 1000) {
  const s = await EtcdSession.open(fx.client(), { sessionTimeoutMs, heartbeatIntervalMs: 250 });
  fx.defer(() => s.close());
  return s;
}

function broker(id: number) {
  return { id, rack: `r${id % 2}`, endpoints: [{ name: 'PLAINTEXT', host: '127.0.0.1', port: 9000 + id, securityProtocol: 0 }] };
}

async function registry(keys: EtcdKeys) {
  const r = await BrokerRegistry.start(fx.client(), keys);
  fx.defer(() => r.close());
  const changes: BrokerRegistryChange[] = [];
  r.onChange((c) => changes.push(c));
  // One entry per registration ended (-id) or begun (+id), in order; how
  // etcd happened to batch them into changes does not matter.
  const log = () => changes.flatMap((c) => [...c.unregistered.map((b: LiveBroker) => -b.id), ...c.registered.map((b: LiveBroker) => b.id)]);
  return { registry: r, changes, log };
}

describe('broker registration and the registry', () => {
  it('shows every live broker with its endpoints, rack, incarnation and epoch, and forgets one whose session ends', async () => {
    const keys = fx.keys();
    const { registry: reg, log } = await registry(keys);
    const s1 = await session();
    const s2 = await session();
    const own1 = await OwnBrokerRegistration.register({ client: fx.client(), keys, session: s1, broker: broker(1), timeoutMs: 1000 });
    const own2 = await OwnBrokerRegistration.register({ client: fx.client(), keys, session: s2, broker: broker(2), timeoutMs: 1000 });
    await eventually('both brokers to be seen', () => reg.brokers.size === 2);
    expect(reg.brokers.get(1)).toEqual(own1.broker);
    expect(own1.broker).toMatchObject({ id: 1, rack: 'r1', endpoints: [{ name: 'PLAINTEXT', host: '127.0.0.1', port: 9001, securityProtocol: 0 }] });
    expect(own2.broker.epoch).toBeGreaterThan(own1.broker.epoch);
    expect(own1.broker.incarnationId).not.toEqual(own2.broker.incarnationId);

    // A registry started later reads the same.
    const later = await BrokerRegistry.start(fx.client(), keys);
    fx.defer(() => later.close());
    expect([...later.brokers.values()]).toEqual([...reg.brokers.values()]);

    await s2.close(); // the lease is revoked: broker 2 is dead at once
    await eventually('broker 2 to be gone', () => !reg.isAlive(2));
    expect(log()).toEqual([1, 2, -2]);
  });

  it('refuses a second live broker with the same node.id after initial.broker.registration.timeout.ms', async () => {
    const keys = fx.keys();
    const s1 = await session();
    const s2 = await session();
    const first = await OwnBrokerRegistration.register({ client: fx.client(), keys, session: s1, broker: broker(1), timeoutMs: 1000 });
    const started = Date.now();
    const second = OwnBrokerRegistration.register({ client: fx.client(), keys, session: s2, broker: broker(1), timeoutMs: 700 });
    await expect(second).rejects.toBeInstanceOf(DuplicateBrokerRegistrationError);
    await expect(second).rejects.toThrow(new RegExp(`incarnation ${first.broker.incarnationId}`));
    expect(Date.now() - started).toBeGreaterThanOrEqual(700);
    const { registry: reg } = await registry(keys);
    expect(reg.brokers.get(1)?.incarnationId).toBe(first.broker.incarnationId);
  });

  it("reports a broker's wish to shut down (wantShutDown) as an update of the same registration: same epoch, same lease", async () => {
    const keys = fx.keys();
    const { registry: reg, changes } = await registry(keys);
    const s = await session();
    const own = await OwnBrokerRegistration.register({ client: fx.client(), keys, session: s, broker: broker(4), timeoutMs: 1000 });
    await eventually('broker 4 to be seen', () => reg.isAlive(4));
    expect(reg.brokers.get(4)?.wantShutDown).toBe(false);
    expect(await own.requestShutdown()).toBe(true);
    await eventually('the wish to be seen', () => reg.brokers.get(4)?.wantShutDown === true);
    expect(reg.brokers.get(4)).toEqual({ ...own.broker, wantShutDown: true });
    expect(own.broker.wantShutDown).toBe(true);
    const last = changes[changes.length - 1]!;
    expect(last).toMatchObject({ registered: [], unregistered: [], updated: [{ id: 4, epoch: own.broker.epoch, wantShutDown: true }] });
    // The registration still lives on the lease: it goes with the session.
    await s.close();
    await eventually('broker 4 to be gone', () => !reg.isAlive(4));
  });

  it('lets a restarted broker in as soon as its previous session ends, as a new incarnation with a larger epoch', async () => {
    const keys = fx.keys();
    const { registry: reg, log } = await registry(keys);
    const old = await session(5000);
    const before = await OwnBrokerRegistration.register({ client: fx.client(), keys, session: old, broker: broker(3), timeoutMs: 1000 });
    const fresh = await session();
    const waiting = OwnBrokerRegistration.register({ client: fx.client(), keys, session: fresh, broker: broker(3), timeoutMs: 10_000 });
    await eventually('the first registration to be seen', () => reg.isAlive(3));
    await old.close();
    const after = await waiting;
    expect(after.broker.epoch).toBeGreaterThan(before.broker.epoch);
    await eventually('the new incarnation to be seen', () => reg.brokers.get(3)?.incarnationId === after.broker.incarnationId);
    expect(log()).toEqual([3, -3, 3]);
  });

  it('drops a frozen broker process once its lease expires, and the process sees on resume that it is not alive', async () => {
    const keys = fx.keys();
    const { registry: reg } = await registry(keys);
    const member = spawnEtcdMember({ endpoints: fx.etcd.endpoints, prefix: keys.root, nodeId: 5, sessionTimeoutMs: 1000 });
    fx.defer(() => member.kill());
    const registered = await member.next((e) => e.event === 'registered');
    await member.next((e) => e.event === 'ready', 15_000, true);
    await eventually('broker 5 to be seen', () => reg.isAlive(5));

    member.signal('SIGSTOP');
    await eventually('broker 5 to be dropped', () => !reg.isAlive(5));
    member.signal('SIGCONT');
    member.send('status');
    const status = await member.next((e) => e.event === 'status');
    expect(status).toMatchObject({ alive: false });
    await member.next((e) => e.event === 'session' && e.state === 'lost', 15_000, true);

    // The same node.id starts again in a new process: a new incarnation, a larger epoch.
    await member.kill();
    const again = spawnEtcdMember({ endpoints: fx.etcd.endpoints, prefix: keys.root, nodeId: 5, sessionTimeoutMs: 1000 });
    fx.defer(() => again.kill());
    const reRegistered = await again.next((e) => e.event === 'registered');
    expect(reRegistered.epoch as number).toBeGreaterThan(registered.epoch as number);
    await eventually('the new broker 5 to be seen', () => reg.brokers.get(5)?.incarnationId === reRegistered.incarnationId);
  }, 30_000);

  it('makes a broker restarted right after a crash wait out its old lease, then registers it', async () => {
    const keys = fx.keys();
    const { registry: reg, log } = await registry(keys);
    const member = spawnEtcdMember({ endpoints: fx.etcd.endpoints, prefix: keys.root, nodeId: 6, sessionTimeoutMs: 2000 });
    fx.defer(() => member.kill());
    const first = await member.next((e) => e.event === 'registered');
    await member.kill(); // SIGKILL: the lease stays until its TTL runs out
    expect(reg.isAlive(6)).toBe(true);
    const again = spawnEtcdMember({ endpoints: fx.etcd.endpoints, prefix: keys.root, nodeId: 6, sessionTimeoutMs: 2000 });
    fx.defer(() => again.kill());
    const second = await again.next((e) => e.event === 'registered');
    expect(second.incarnationId).not.toEqual(first.incarnationId);
    expect(again.events.some((e) => e.event === 'registration-failed')).toBe(false);
    await eventually('the new incarnation to be seen', () => reg.brokers.get(6)?.incarnationId === second.incarnationId);
    // Never two incarnations at once: the old one went (lease expired) before the new one came.
    expect(log()).toEqual([6, -6, 6]);
  }, 30_000);
});
