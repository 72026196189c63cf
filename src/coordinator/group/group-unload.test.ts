/**
 * A classic group unloaded with its `__consumer_offsets` partition (this
 * broker stopped leading it): members waiting in JoinGroup or SyncGroup are
 * answered NOT_COORDINATOR, so their clients find the new coordinator; no
 * timer of the group writes afterwards; loaded again, the group and its
 * offsets are as the records left them.
 */
import { ErrorCode } from '../../protocol/errors';
import { ManualScheduler } from '../../time/manual-scheduler';
import { offsetKey } from './classic-group';
import { GroupCoordinator, type GroupCoordinatorConfig, type JoinGroupParams } from './group-coordinator';
import type { JoinGroupResult, SyncGroupResult } from './group-results';
import { MemoryGroupStore } from './memory-group-store';

const CONFIG: GroupCoordinatorConfig = {
  initialRebalanceDelayMs: 0,
  minSessionTimeoutMs: 6000,
  maxSessionTimeoutMs: 1_800_000,
  maxGroupSize: 100,
  offsetsRetentionMs: 7 * 24 * 3600_000,
  offsetsRetentionCheckIntervalMs: 600_000,
  offsetMetadataMaxBytes: 4096,
};
const SESSION_MS = 10_000;

const settle = () => new Promise<void>((resolve) => setImmediate(resolve));

function join(memberId: string): JoinGroupParams {
  return {
    groupId: 'g',
    memberId,
    groupInstanceId: null,
    requireKnownMemberId: true,
    supportSkipAssignment: false,
    clientId: 'client',
    clientHost: '/127.0.0.1',
    rebalanceTimeoutMs: 30_000,
    sessionTimeoutMs: SESSION_MS,
    protocolType: 'consumer',
    protocols: [{ name: 'range', metadata: Buffer.from('sub') }],
    reason: null,
  };
}

function track<T>(p: Promise<T>): { value: T | undefined } {
  const box: { value: T | undefined } = { value: undefined };
  void p.then((v) => (box.value = v));
  return box;
}

async function member(gc: GroupCoordinator): Promise<{ value: JoinGroupResult | undefined }> {
  const first = await gc.joinGroup(join(''));
  expect(first.errorCode).toBe(ErrorCode.MEMBER_ID_REQUIRED);
  return track(gc.joinGroup(join(first.memberId)));
}

test('a waiting SyncGroup answers NOT_COORDINATOR; no timer writes after; a reload brings the group back', async () => {
  const store = new MemoryGroupStore();
  const clock = new ManualScheduler();
  const gc = new GroupCoordinator(CONFIG, clock, store);
  gc.start();

  // Generation 1 with two members, stored by the leader's SyncGroup; an offset committed.
  const a = await member(gc);
  const b = await member(gc);
  clock.advance(0);
  await settle();
  const [ra, rb] = [a.value!, b.value!];
  expect([ra.errorCode, rb.errorCode]).toEqual([ErrorCode.NONE, ErrorCode.NONE]);
  const leader = ra.leaderId === ra.memberId ? ra : rb;
  const follower = leader === ra ? rb : ra;
  const sync = (r: JoinGroupResult, assignments: Map<string, Buffer>) =>
    gc.syncGroup({ groupId: 'g', generationId: r.generationId, memberId: r.memberId, groupInstanceId: null, protocolType: 'consumer', protocolName: 'range', assignments });
  const assignments = new Map([ra, rb].map((r) => [r.memberId, Buffer.from(`a-${r.memberId}`)]));
  const synced = [track(sync(leader, assignments)), track(sync(follower, new Map()))];
  await settle();
  expect(synced.map((s) => s.value?.errorCode)).toEqual([ErrorCode.NONE, ErrorCode.NONE]);
  expect(gc.commitOffsets({ groupId: 'g', generationId: leader.generationId, memberId: leader.memberId, groupInstanceId: null, retentionTimeMs: -1, partitions: [{ topic: 't', partition: 0, offset: 5n, leaderEpoch: -1, metadata: '', commitTimestamp: -1 }] })).toEqual([ErrorCode.NONE]);

  // A third member starts a rebalance: its JoinGroup waits; the follower's
  // next SyncGroup of generation 2 will wait for the leader.
  const c = await member(gc);
  const rejoins = [track(gc.joinGroup(join(leader.memberId))), track(gc.joinGroup(join(follower.memberId)))];
  clock.advance(0);
  await settle();
  const gen2 = [...rejoins.map((r) => r.value!), c.value!];
  expect(gen2.map((r) => r.errorCode)).toEqual([ErrorCode.NONE, ErrorCode.NONE, ErrorCode.NONE]);
  const waitingSync = track(sync(gen2[1]!, new Map()) as Promise<SyncGroupResult>);
  await settle();
  expect(waitingSync.value).toBeUndefined();

  gc.unloadPartitions([0]);
  await settle();
  expect(waitingSync.value?.errorCode).toBe(ErrorCode.NOT_COORDINATOR);
  expect(gc.group('g')).toBeUndefined();
  const written = store.records.length;
  clock.advance(10 * SESSION_MS);
  await settle();
  expect(store.records).toHaveLength(written);

  // Led again: the group comes back at the generation its records stored, with its offset.
  gc.loadPartitions([0]);
  expect(gc.group('g')?.generationId).toBe(leader.generationId);
  expect(gc.offsetsOf('g').get(offsetKey('t', 0))?.offset).toBe(5n);
  gc.close();
});

test('a JoinGroup parked in the join phase answers NOT_COORDINATOR on unload', async () => {
  const gc = new GroupCoordinator(CONFIG, new ManualScheduler(), new MemoryGroupStore());
  gc.start();
  // The join phase ends on the (manual) clock, which does not move: the JoinGroup waits.
  const parked = await member(gc);
  await settle();
  expect(parked.value).toBeUndefined();
  gc.unloadPartitions([0]);
  await settle();
  expect(parked.value?.errorCode).toBe(ErrorCode.NOT_COORDINATOR);
  gc.close();
});
