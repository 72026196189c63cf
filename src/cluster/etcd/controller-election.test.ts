import type { ControllerFence } from './controller-fence';
import { NotControllerError } from './controller-fence';
import { ControllerElection, NO_CONTROLLER } from './controller-election';
import type { EtcdKeys } from './etcd-keys';
import { EtcdMetadataStore } from './etcd-metadata-store';
import { EtcdSession } from './etcd-session';
import { eventually, useEtcd } from './test-support/etcd-fixture';
import { spawnEtcdMember } from './test-support/etcd-member';

const fx = useEtcd();

const TEXT = { encode: (s: string) => Buffer.from(s), decode: (b: Buffer) => b.toString() };

interface Candidate {
  election: ControllerElection;
  session: EtcdSession;
  events: string[];
}

async function candidate(keys: EtcdKeys, nodeId: number, sessionTimeoutMs = 1000): Promise<Candidate> {
  const client = fx.client();
  const session = await EtcdSession.open(client, { sessionTimeoutMs, heartbeatIntervalMs: 250 });
  fx.defer(() => session.close());
  const election = await ControllerElection.start({ client, keys, nodeId, session });
  fx.defer(() => election.close());
  const events: string[] = [];
  election.onElected((f) => events.push(`elected@${f.epoch}`));
  election.onResigned((f) => events.push(`resigned@${f.epoch}`));
  await election.stand();
  return { election, session, events };
}

async function observer(keys: EtcdKeys) {
  const election = await ControllerElection.start({ client: fx.client(), keys, nodeId: 100, session: null });
  fx.defer(() => election.close());
  const changes: number[] = [];
  election.onControllerChange((id) => changes.push(id));
  return { election, changes };
}

describe('ControllerElection', () => {
  it('makes the oldest candidate controller, the same for every broker, and reports -1 with none', async () => {
    const keys = fx.keys();
    const watcher = await observer(keys);
    expect(watcher.election.controllerId).toBe(NO_CONTROLLER);
    expect(watcher.election.controllerEpoch).toBe(-1);

    const c1 = await candidate(keys, 1);
    const c2 = await candidate(keys, 2);
    const c3 = await candidate(keys, 3);
    await eventually('everyone to agree', () => [watcher, c1, c2, c3].every((c) => c.election.controllerId === 1));
    expect(c1.election.isController()).toBe(true);
    expect(c2.election.isController() || c3.election.isController()).toBe(false);
    expect(c1.events).toEqual([`elected@${c1.election.fence!.epoch}`]);
    expect(c1.election.controllerEpoch).toBe(c1.election.fence!.epoch);
    expect(watcher.changes).toEqual([1]);

    // A late observer reads the same.
    const late = await observer(keys);
    expect(late.election.controllerId).toBe(1);
  });

  it('hands over at once on resignation, and the new controller has a larger epoch', async () => {
    const keys = fx.keys();
    const watcher = await observer(keys);
    const c1 = await candidate(keys, 1);
    const c2 = await candidate(keys, 2);
    await eventually('node 1 to lead, as everyone sees', () => c1.election.isController() && watcher.election.controllerId === 1);
    const oldEpoch = c1.election.fence!.epoch;
    await c1.election.resign();
    expect(c1.election.isController()).toBe(false);
    await eventually('node 2 to lead', () => c2.election.isController());
    expect(c2.election.fence!.epoch).toBeGreaterThan(oldEpoch);
    expect(c1.events).toEqual([`elected@${oldEpoch}`, `resigned@${oldEpoch}`]);
    await eventually('the observer to see node 2', () => watcher.election.controllerId === 2);
    expect(watcher.changes).toEqual([1, 2]);
  });

  it('steps down as soon as its session is lost, without waiting for etcd', async () => {
    const keys = fx.keys();
    const c1 = await candidate(keys, 1);
    await eventually('node 1 to lead', () => c1.election.isController());
    c1.session.markLost('test');
    expect(c1.election.isController()).toBe(false);
    expect(c1.events).toHaveLength(2);
  });

  it('stands again when its candidacy is deleted under a live session, at the back of the line', async () => {
    const keys = fx.keys();
    const c1 = await candidate(keys, 1);
    const c2 = await candidate(keys, 2);
    await eventually('node 1 to lead', () => c1.election.isController());
    await fx.client().kv.deleteRange({ key: keys.controllerCandidate(c1.session.leaseId) });
    await eventually('node 2 to lead', () => c2.election.isController());
    await eventually('node 1 to stand again', async () => (await fx.client().kv.range({ key: keys.controllerCandidate(c1.session.leaseId) })).kvs.length === 1);
    expect(c1.election.isController()).toBe(false);
    await c2.election.resign();
    await eventually('node 1 to lead again', () => c1.election.isController());
  });

  it('fails over to a live candidate when the controller process is SIGKILLed', async () => {
    const keys = fx.keys();
    const watcher = await observer(keys);
    const member = spawnEtcdMember({ endpoints: fx.etcd.endpoints, prefix: keys.root, nodeId: 1, sessionTimeoutMs: 1000 });
    fx.defer(() => member.kill());
    await member.next((e) => e.event === 'elected');
    const c2 = await candidate(keys, 2);
    await eventually('the observer to see node 1', () => watcher.election.controllerId === 1);
    await member.kill();
    await eventually('node 2 to lead', () => c2.election.isController());
    await eventually('the observer to see node 2', () => watcher.election.controllerId === 2);
    expect(watcher.changes).toEqual([1, 2]);
  }, 30_000);

  it('never lets a frozen controller write once it has been replaced: its commit on resume is refused', async () => {
    const keys = fx.keys();
    const member = spawnEtcdMember({ endpoints: fx.etcd.endpoints, prefix: keys.root, nodeId: 1, sessionTimeoutMs: 1000 });
    fx.defer(() => member.kill());
    await member.next((e) => e.event === 'elected');
    await member.next((e) => e.event === 'ready', 15_000, true);
    member.send('commit -1');
    expect(await member.next((e) => e.event === 'commit')).toMatchObject({ ok: true, offset: 0 });

    const c2 = await candidate(keys, 2);
    let fence: ControllerFence | null = null;
    const store = new EtcdMetadataStore({ client: fx.client(), keys, codec: TEXT, fence: () => fence });
    fx.defer(() => store.close());
    await store.start(() => undefined);

    member.signal('SIGSTOP');
    await eventually('node 2 to lead', () => c2.election.isController(), 15_000);
    fence = c2.election.fence;
    expect(await store.commit(['from-2'], 0)).toBe(1);

    // The zombie wakes up and, before it has heard anything, tries to write
    // in its old epoch: etcd refuses it.
    member.signal('SIGCONT');
    member.send('commit 1');
    member.send('status');
    expect(await member.next((e) => e.event === 'commit')).toMatchObject({ ok: false, error: NotControllerError.name });
    expect(await member.next((e) => e.event === 'status', 15_000, true)).toMatchObject({ alive: false });
    await member.next((e) => e.event === 'resigned', 15_000, true);
    await member.next((e) => e.event === 'session' && e.state === 'lost', 15_000, true);
    expect(store.lastOffset).toBe(1);
  }, 30_000);
});
