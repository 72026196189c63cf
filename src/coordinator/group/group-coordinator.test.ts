import { ErrorCode } from '../../protocol/errors';
import { GroupCoordinator, type GroupCoordinatorConfig, type JoinGroupParams } from './group-coordinator';
import type { JoinGroupResult } from './group-results';
import { ManualScheduler } from '../../time/manual-scheduler';
import { MemoryGroupStore } from './memory-group-store';
import { decodeOffsetCommitValue, decodeOffsetsTopicKey } from './offsets-topic-records';
import { uniformAssignor } from './consumer/uniform-assignor';
import { heartbeatRequest } from './consumer/test-support/heartbeats';

const CONFIG: GroupCoordinatorConfig = {
  initialRebalanceDelayMs: 3000,
  minSessionTimeoutMs: 6000,
  maxSessionTimeoutMs: 300_000,
  maxGroupSize: 100,
  offsetsRetentionMs: 7 * 24 * 3600 * 1000,
  offsetsRetentionCheckIntervalMs: 600_000,
  offsetMetadataMaxBytes: 4096,
};

const SESSION_MS = 10_000;
const REBALANCE_MS = 30_000;

function setup(overrides: Partial<GroupCoordinatorConfig> = {}, store = new MemoryGroupStore(), clock = new ManualScheduler()) {
  const gc = new GroupCoordinator({ ...CONFIG, ...overrides }, clock, store);
  gc.start();
  return { gc, clock, store };
}

function params(o: Partial<JoinGroupParams> = {}): JoinGroupParams {
  return {
    groupId: 'g',
    memberId: '',
    groupInstanceId: null,
    requireKnownMemberId: true,
    supportSkipAssignment: false,
    clientId: 'client',
    clientHost: '/127.0.0.1',
    rebalanceTimeoutMs: REBALANCE_MS,
    sessionTimeoutMs: SESSION_MS,
    protocolType: 'consumer',
    protocols: [{ name: 'range', metadata: Buffer.from('sub') }],
    reason: null,
    ...o,
  };
}

/** A promise's outcome, readable synchronously once the microtasks ran. */
interface Pending<T> {
  value: T | undefined;
}

function track<T>(p: Promise<T>): Pending<T> {
  const box: Pending<T> = { value: undefined };
  void p.then((v) => (box.value = v));
  return box;
}

/** Lets resolved promises' callbacks run (no time passes: the clock is manual). */
const settle = () => new Promise<void>((resolve) => setImmediate(resolve));

async function advance(clock: ManualScheduler, ms: number): Promise<void> {
  clock.advance(ms);
  await settle();
}

/** The two-step join (v4+): MEMBER_ID_REQUIRED, then the real join, parked. */
async function startJoin(gc: GroupCoordinator, o: Partial<JoinGroupParams> = {}): Promise<Pending<JoinGroupResult>> {
  const first = await gc.joinGroup(params(o));
  expect(first.errorCode).toBe(ErrorCode.MEMBER_ID_REQUIRED);
  return track(gc.joinGroup(params({ ...o, memberId: first.memberId })));
}

/** n dynamic members through join and sync to a Stable group; the leader assigns "a-<memberId>". */
async function stableGroup(n: number, overrides: Partial<GroupCoordinatorConfig> = {}) {
  const env = setup(overrides);
  const joins: Pending<JoinGroupResult>[] = [];
  for (let i = 0; i < n; i++) joins.push(await startJoin(env.gc));
  // Each member that arrived during the initial delay extends it by another delay.
  for (let i = 0; i < n && joins.some((j) => j.value === undefined); i++) await advance(env.clock, CONFIG.initialRebalanceDelayMs);
  const results = joins.map((j) => j.value as JoinGroupResult);
  for (const r of results) expect(r.errorCode).toBe(ErrorCode.NONE);
  const leader = results.find((r) => r.leaderId === r.memberId) as JoinGroupResult;
  const syncs = results.map((r) =>
    track(
      env.gc.syncGroup({
        groupId: 'g',
        generationId: r.generationId,
        memberId: r.memberId,
        groupInstanceId: null,
        protocolType: 'consumer',
        protocolName: 'range',
        assignments: r === leader ? new Map(results.map((m) => [m.memberId, Buffer.from(`a-${m.memberId}`)])) : new Map(),
      }),
    ),
  );
  await settle();
  for (const [i, s] of syncs.entries()) {
    expect(s.value?.errorCode).toBe(ErrorCode.NONE);
    expect(s.value?.assignment.toString()).toBe(`a-${results[i]?.memberId}`);
  }
  expect(env.gc.group('g')?.state).toBe('Stable');
  return { ...env, members: results, leader };
}

describe('GroupCoordinator: joining', () => {
  test('v4+ first join gets MEMBER_ID_REQUIRED with an id; v0-3 joins directly (G9)', async () => {
    const { gc, clock } = setup();
    const first = await gc.joinGroup(params({ clientId: 'rdkafka' }));
    expect(first.errorCode).toBe(ErrorCode.MEMBER_ID_REQUIRED);
    expect(first.memberId).toMatch(/^rdkafka-[0-9a-f-]{36}$/);
    expect(gc.group('g')?.state).toBe('Empty');

    const old = track(gc.joinGroup(params({ groupId: 'old', requireKnownMemberId: false })));
    await advance(clock, CONFIG.initialRebalanceDelayMs);
    expect(old.value?.errorCode).toBe(ErrorCode.NONE);
    expect(old.value?.generationId).toBe(1);
    expect(old.value?.leaderId).toBe(old.value?.memberId);
    expect(old.value?.members.map((m) => m.memberId)).toEqual([old.value?.memberId]);
  });

  test('the initial rebalance delay waits for more members, extended while they keep arriving', async () => {
    const { gc, clock } = setup();
    const a = await startJoin(gc);
    await advance(clock, 2000);
    const b = await startJoin(gc);
    await advance(clock, 1000); // first delay ends, but b arrived: extend
    expect(a.value).toBeUndefined();
    await advance(clock, 3000);
    expect(a.value?.generationId).toBe(1);
    expect(b.value?.generationId).toBe(1);
    const leaderAnswer = [a.value, b.value].find((r) => r?.leaderId === r?.memberId);
    const followerAnswer = [a.value, b.value].find((r) => r?.leaderId !== r?.memberId);
    expect(leaderAnswer?.members).toHaveLength(2);
    expect(followerAnswer?.members).toEqual([]);
  });

  test('join, sync, heartbeat: Stable with each member holding its assignment; the leader owns the assignment', async () => {
    const { gc, members, store } = await stableGroup(3);
    for (const m of members) {
      expect(gc.heartbeat({ groupId: 'g', generationId: 1, memberId: m.memberId, groupInstanceId: null })).toBe(ErrorCode.NONE);
    }
    // The assignment was persisted as GroupMetadataValue before the answers.
    const keys = store.records.map((r) => decodeOffsetsTopicKey(r.key));
    expect(keys.filter((k) => k?.kind === 'group')).toHaveLength(1);
  });

  test('a leader leaving out a member gives it an empty assignment', async () => {
    const { gc, clock } = setup();
    const a = await startJoin(gc);
    const b = await startJoin(gc);
    await advance(clock, 6000); // the second member extended the initial delay
    const leader = [a.value, b.value].find((r) => r?.leaderId === r?.memberId) as JoinGroupResult;
    const follower = [a.value, b.value].find((r) => r !== leader) as JoinGroupResult;
    const fs = track(gc.syncGroup({ groupId: 'g', generationId: 1, memberId: follower.memberId, groupInstanceId: null, protocolType: null, protocolName: null, assignments: new Map() }));
    await settle();
    expect(fs.value).toBeUndefined();
    const ls = await gc.syncGroup({ groupId: 'g', generationId: 1, memberId: leader.memberId, groupInstanceId: null, protocolType: null, protocolName: null, assignments: new Map([[leader.memberId, Buffer.from('x')]]) });
    await settle();
    expect(ls.assignment.toString()).toBe('x');
    expect(fs.value?.errorCode).toBe(ErrorCode.NONE);
    expect(fs.value?.assignment.length).toBe(0);
  });

  test('INVALID_SESSION_TIMEOUT outside group.min/max.session.timeout.ms', async () => {
    const { gc } = setup();
    expect((await gc.joinGroup(params({ sessionTimeoutMs: 5999 }))).errorCode).toBe(ErrorCode.INVALID_SESSION_TIMEOUT);
    expect((await gc.joinGroup(params({ sessionTimeoutMs: 300_001 }))).errorCode).toBe(ErrorCode.INVALID_SESSION_TIMEOUT);
    expect(gc.listGroups([], [])).toEqual([]);
  });

  test('INVALID_GROUP_ID for an empty group id; UNKNOWN_MEMBER_ID for a member id of an unknown group', async () => {
    const { gc } = setup();
    expect((await gc.joinGroup(params({ groupId: '' }))).errorCode).toBe(ErrorCode.INVALID_GROUP_ID);
    expect((await gc.joinGroup(params({ memberId: 'nobody' }))).errorCode).toBe(ErrorCode.UNKNOWN_MEMBER_ID);
  });

  test('group.max.size: the join past the limit gets GROUP_MAX_SIZE_REACHED', async () => {
    const { gc } = setup({ maxGroupSize: 2 });
    await startJoin(gc);
    await startJoin(gc);
    const first = await gc.joinGroup(params());
    const third = await gc.joinGroup(params({ memberId: first.memberId }));
    expect(third.errorCode).toBe(ErrorCode.GROUP_MAX_SIZE_REACHED);
    expect(gc.group('g')?.size).toBe(2);
  });
});

describe('GroupCoordinator: protocol selection', () => {
  test('the protocol every member supports, by the members\' preference votes (mixed clients)', async () => {
    const { gc, clock } = setup();
    const rdkafka = await startJoin(gc, { protocols: [{ name: 'range', metadata: Buffer.from('r') }, { name: 'roundrobin', metadata: Buffer.from('rr') }] });
    const kafkajs = await startJoin(gc, { protocols: [{ name: 'roundrobin', metadata: Buffer.from('k') }] });
    await advance(clock, 6000);
    expect(rdkafka.value?.protocolName).toBe('roundrobin');
    expect(kafkajs.value?.protocolName).toBe('roundrobin');
    const leader = [rdkafka.value, kafkajs.value].find((r) => r?.leaderId === r?.memberId);
    // The leader sees each member's metadata for the chosen protocol.
    expect(leader?.members.map((m) => m.metadata.toString()).sort()).toEqual(['k', 'rr']);
  });

  test('INCONSISTENT_GROUP_PROTOCOL without a common protocol or with another protocol type', async () => {
    const { gc } = setup();
    await startJoin(gc, { protocols: [{ name: 'range', metadata: Buffer.from('r') }] });
    expect((await gc.joinGroup(params({ protocols: [{ name: 'sticky', metadata: Buffer.from('s') }] }))).errorCode).toBe(ErrorCode.INCONSISTENT_GROUP_PROTOCOL);
    expect((await gc.joinGroup(params({ protocolType: 'connect' }))).errorCode).toBe(ErrorCode.INCONSISTENT_GROUP_PROTOCOL);
    expect((await gc.joinGroup(params({ groupId: 'other', protocols: [] }))).errorCode).toBe(ErrorCode.INCONSISTENT_GROUP_PROTOCOL);
  });
});

describe('GroupCoordinator: timeouts', () => {
  test('a member that stops heartbeating is removed after session.timeout.ms; the others are told to rebalance', async () => {
    const { gc, clock, members } = await stableGroup(2);
    const [a, b] = members as [JoinGroupResult, JoinGroupResult];
    for (let t = 0; t < SESSION_MS + 1000; t += 3000) {
      await advance(clock, 3000);
      gc.heartbeat({ groupId: 'g', generationId: 1, memberId: a.memberId, groupInstanceId: null });
    }
    expect(gc.group('g')?.has(b.memberId)).toBe(false);
    expect(gc.group('g')?.state).toBe('PreparingRebalance');
    expect(gc.heartbeat({ groupId: 'g', generationId: 1, memberId: a.memberId, groupInstanceId: null })).toBe(ErrorCode.REBALANCE_IN_PROGRESS);
    expect(gc.heartbeat({ groupId: 'g', generationId: 1, memberId: b.memberId, groupInstanceId: null })).toBe(ErrorCode.UNKNOWN_MEMBER_ID);
    // a rejoins: everyone (just a) is back, the next generation starts at once.
    const rejoin = await gc.joinGroup(params({ memberId: a.memberId }));
    expect(rejoin.errorCode).toBe(ErrorCode.NONE);
    expect(rejoin.generationId).toBe(2);
    expect(rejoin.members.map((m) => m.memberId)).toEqual([a.memberId]);
  });

  test('a member that does not rejoin within the rebalance timeout is dropped from the next generation', async () => {
    const { gc, clock, members } = await stableGroup(2);
    const [a, b] = members as [JoinGroupResult, JoinGroupResult];
    const rejoin = track(gc.joinGroup(params({ memberId: a.memberId, protocols: [{ name: 'range', metadata: Buffer.from('changed') }] })));
    await settle();
    expect(rejoin.value).toBeUndefined();
    // b keeps heartbeating (learning about the rebalance) but never rejoins.
    for (let t = 0; t < REBALANCE_MS; t += 5000) {
      expect(gc.heartbeat({ groupId: 'g', generationId: 1, memberId: b.memberId, groupInstanceId: null })).toBe(ErrorCode.REBALANCE_IN_PROGRESS);
      await advance(clock, 5000);
    }
    expect(rejoin.value?.generationId).toBe(2);
    expect(rejoin.value?.members.map((m) => m.memberId)).toEqual([a.memberId]);
    expect(gc.group('g')?.has(b.memberId)).toBe(false);
  });

  test('members that do not send SyncGroup within the rebalance timeout are removed', async () => {
    const { gc, clock } = setup();
    const a = await startJoin(gc);
    const b = await startJoin(gc);
    await advance(clock, 6000); // the second member extended the initial delay
    const leader = [a.value, b.value].find((r) => r?.leaderId === r?.memberId) as JoinGroupResult;
    const follower = [a.value, b.value].find((r) => r !== leader) as JoinGroupResult;
    await gc.syncGroup({ groupId: 'g', generationId: 1, memberId: leader.memberId, groupInstanceId: null, protocolType: null, protocolName: null, assignments: new Map() });
    for (let t = 0; t < REBALANCE_MS; t += 3000) {
      gc.heartbeat({ groupId: 'g', generationId: 1, memberId: leader.memberId, groupInstanceId: null });
      await advance(clock, 3000);
    }
    expect(gc.group('g')?.has(follower.memberId)).toBe(false);
    expect(gc.group('g')?.state).toBe('PreparingRebalance');
  });

  test('a pending member (MEMBER_ID_REQUIRED) holds a rebalance open until it rejoins or its session timeout expires', async () => {
    const { gc, clock, members } = await stableGroup(1);
    const a = members[0] as JoinGroupResult;
    const pending = await gc.joinGroup(params());
    expect(pending.errorCode).toBe(ErrorCode.MEMBER_ID_REQUIRED);
    expect(gc.group('g')?.state).toBe('Stable');
    // The leader rejoining starts a rebalance, which waits for the pending member.
    const rejoin = track(gc.joinGroup(params({ memberId: a.memberId })));
    await settle();
    expect(rejoin.value).toBeUndefined();
    await advance(clock, SESSION_MS);
    expect(gc.group('g')?.pendingMembers.size).toBe(0);
    expect(rejoin.value?.generationId).toBe(2);
    expect(rejoin.value?.members).toHaveLength(1);
  });
});

describe('GroupCoordinator: fencing', () => {
  test('ILLEGAL_GENERATION, UNKNOWN_MEMBER_ID and REBALANCE_IN_PROGRESS as Kafka answers them', async () => {
    const { gc, members } = await stableGroup(2);
    const [a] = members as [JoinGroupResult];
    expect(gc.heartbeat({ groupId: 'g', generationId: 0, memberId: a.memberId, groupInstanceId: null })).toBe(ErrorCode.ILLEGAL_GENERATION);
    expect(gc.heartbeat({ groupId: 'g', generationId: 1, memberId: 'ghost', groupInstanceId: null })).toBe(ErrorCode.UNKNOWN_MEMBER_ID);
    expect(gc.heartbeat({ groupId: 'nope', generationId: 1, memberId: a.memberId, groupInstanceId: null })).toBe(ErrorCode.UNKNOWN_MEMBER_ID);
    const sync = await gc.syncGroup({ groupId: 'g', generationId: 7, memberId: a.memberId, groupInstanceId: null, protocolType: null, protocolName: null, assignments: new Map() });
    expect(sync.errorCode).toBe(ErrorCode.ILLEGAL_GENERATION);
    const wrongProtocol = await gc.syncGroup({ groupId: 'g', generationId: 1, memberId: a.memberId, groupInstanceId: null, protocolType: 'consumer', protocolName: 'roundrobin', assignments: new Map() });
    expect(wrongProtocol.errorCode).toBe(ErrorCode.INCONSISTENT_GROUP_PROTOCOL);
  });

  test('a rebalance answers the parked SyncGroups with REBALANCE_IN_PROGRESS', async () => {
    const { gc, clock } = setup();
    const a = await startJoin(gc);
    const b = await startJoin(gc);
    await advance(clock, 6000); // the second member extended the initial delay
    const leader = [a.value, b.value].find((r) => r?.leaderId === r?.memberId) as JoinGroupResult;
    const follower = [a.value, b.value].find((r) => r !== leader) as JoinGroupResult;
    const parked = track(gc.syncGroup({ groupId: 'g', generationId: 1, memberId: follower.memberId, groupInstanceId: null, protocolType: null, protocolName: null, assignments: new Map() }));
    const c = await startJoin(gc);
    await settle();
    expect(parked.value?.errorCode).toBe(ErrorCode.REBALANCE_IN_PROGRESS);
    expect(c.value).toBeUndefined();
  });

  test('offset commits: members by generation, REBALANCE_IN_PROGRESS while completing, anonymous only for empty groups', async () => {
    const { gc, clock } = setup();
    const part = [{ topic: 't', partition: 0, offset: 5n, leaderEpoch: 0, metadata: 'm', commitTimestamp: -1 }];
    const commit = (generationId: number, memberId: string) => gc.commitOffsets({ groupId: 'g', generationId, memberId, groupInstanceId: null, retentionTimeMs: -1, partitions: part });
    expect(commit(1, 'x')).toEqual([ErrorCode.ILLEGAL_GENERATION]); // no group, but a generation
    const a = await startJoin(gc);
    await advance(clock, 3000);
    const id = a.value?.memberId as string;
    expect(commit(1, id)).toEqual([ErrorCode.REBALANCE_IN_PROGRESS]); // CompletingRebalance
    await gc.syncGroup({ groupId: 'g', generationId: 1, memberId: id, groupInstanceId: null, protocolType: null, protocolName: null, assignments: new Map() });
    expect(commit(1, id)).toEqual([ErrorCode.NONE]);
    expect(commit(0, id)).toEqual([ErrorCode.ILLEGAL_GENERATION]);
    expect(commit(1, 'ghost')).toEqual([ErrorCode.UNKNOWN_MEMBER_ID]);
    expect(commit(-1, '')).toEqual([ErrorCode.UNKNOWN_MEMBER_ID]); // anonymous, but the group has members
    // Preparing a rebalance still accepts commits (the heartbeat tells the member).
    await startJoin(gc);
    expect(gc.group('g')?.state).toBe('PreparingRebalance');
    expect(commit(1, id)).toEqual([ErrorCode.NONE]);
    // A standalone consumer (assign + commit) creates an Empty group.
    expect(gc.commitOffsets({ groupId: 'solo', generationId: -1, memberId: '', groupInstanceId: null, retentionTimeMs: -1, partitions: part })).toEqual([ErrorCode.NONE]);
    expect(gc.listGroups([], []).find((g) => g.groupId === 'solo')).toEqual({ groupId: 'solo', protocolType: '', state: 'Empty', groupType: 'classic' });
  });

  test('OFFSET_METADATA_TOO_LARGE beyond offset.metadata.max.bytes, the rest stored', () => {
    const { gc } = setup({ offsetMetadataMaxBytes: 4 });
    const errors = gc.commitOffsets({
      groupId: 'solo',
      generationId: -1,
      memberId: '',
      groupInstanceId: null,
      retentionTimeMs: -1,
      partitions: [
        { topic: 't', partition: 0, offset: 1n, leaderEpoch: -1, metadata: 'toolong', commitTimestamp: -1 },
        { topic: 't', partition: 1, offset: 2n, leaderEpoch: -1, metadata: 'ok', commitTimestamp: -1 },
      ],
    });
    expect(errors).toEqual([ErrorCode.OFFSET_METADATA_TOO_LARGE, ErrorCode.NONE]);
    expect(gc.fetchOffsets('solo', null).topics).toEqual([{ name: 't', partitions: [{ partition: 1, offset: 2n, leaderEpoch: -1, metadata: 'ok', errorCode: ErrorCode.NONE }] }]);
  });
});

describe('GroupCoordinator: static membership', () => {
  async function staticGroup() {
    const env = setup();
    const a = track(env.gc.joinGroup(params({ groupInstanceId: 'instance-a' })));
    const b = track(env.gc.joinGroup(params({ groupInstanceId: 'instance-b' })));
    await advance(env.clock, 6000);
    const results = [a.value, b.value] as JoinGroupResult[];
    const leader = results.find((r) => r.leaderId === r.memberId) as JoinGroupResult;
    for (const r of results) {
      await env.gc.syncGroup({
        groupId: 'g',
        generationId: 1,
        memberId: r.memberId,
        groupInstanceId: r === a.value ? 'instance-a' : 'instance-b',
        protocolType: null,
        protocolName: null,
        assignments: r === leader ? new Map(results.map((m) => [m.memberId, Buffer.from(m === a.value ? 'A' : 'B')])) : new Map(),
      });
    }
    return { ...env, a: a.value as JoinGroupResult, b: b.value as JoinGroupResult };
  }

  test('static members skip MEMBER_ID_REQUIRED', async () => {
    const { a } = await staticGroup();
    expect(a.errorCode).toBe(ErrorCode.NONE);
  });

  test('a restarted static member gets its old assignment back without a rebalance; the old member id is fenced', async () => {
    const { gc, a } = await staticGroup();
    const rejoin = await gc.joinGroup(params({ groupInstanceId: 'instance-a' }));
    expect(rejoin.errorCode).toBe(ErrorCode.NONE);
    expect(rejoin.memberId).not.toBe(a.memberId);
    expect(rejoin.generationId).toBe(1);
    expect(gc.group('g')?.state).toBe('Stable');
    const sync = await gc.syncGroup({ groupId: 'g', generationId: 1, memberId: rejoin.memberId, groupInstanceId: 'instance-a', protocolType: null, protocolName: null, assignments: new Map() });
    expect(sync.assignment.toString()).toBe('A');
    expect(gc.heartbeat({ groupId: 'g', generationId: 1, memberId: a.memberId, groupInstanceId: 'instance-a' })).toBe(ErrorCode.FENCED_INSTANCE_ID);
    expect(gc.heartbeat({ groupId: 'g', generationId: 1, memberId: rejoin.memberId, groupInstanceId: 'instance-a' })).toBe(ErrorCode.NONE);
    expect(gc.heartbeat({ groupId: 'g', generationId: 1, memberId: rejoin.memberId, groupInstanceId: 'instance-zzz' })).toBe(ErrorCode.UNKNOWN_MEMBER_ID);
  });

  test('a restarted static leader: pre-v9 it is told the old leader id; v9 it leads with SkipAssignment (KIP-814)', async () => {
    const { gc, a, b } = await staticGroup();
    const leaderInstance = a.leaderId === a.memberId ? 'instance-a' : 'instance-b';
    const oldLeaderId = a.leaderId;
    const old = await gc.joinGroup(params({ groupInstanceId: leaderInstance }));
    expect(old.leaderId).toBe(oldLeaderId);
    expect(old.leaderId).not.toBe(old.memberId);
    expect(old.skipAssignment).toBe(false);
    const v9 = await gc.joinGroup(params({ groupInstanceId: leaderInstance, supportSkipAssignment: true }));
    expect(v9.leaderId).toBe(v9.memberId);
    expect(v9.skipAssignment).toBe(true);
    expect(v9.members).toHaveLength(2);
    expect(gc.group('g')?.generationId).toBe(1);
    void b;
  });

  test('LeaveGroup by instance id with an empty member id removes the static member (admin removal)', async () => {
    const { gc } = await staticGroup();
    const result = gc.leaveGroup('g', [
      { memberId: '', groupInstanceId: 'instance-b', reason: 'admin' },
      { memberId: '', groupInstanceId: 'instance-nope', reason: null },
    ]);
    expect(result.members.map((m) => m.errorCode)).toEqual([ErrorCode.NONE, ErrorCode.UNKNOWN_MEMBER_ID]);
    expect(gc.group('g')?.size).toBe(1);
    expect(gc.group('g')?.state).toBe('PreparingRebalance');
  });
});

describe('GroupCoordinator: leaving, describing, deleting', () => {
  test('LeaveGroup rebalances at once; the last member leaving empties the group', async () => {
    const { gc, members } = await stableGroup(2);
    const [a, b] = members as [JoinGroupResult, JoinGroupResult];
    expect(gc.leaveGroup('g', [{ memberId: b.memberId, groupInstanceId: null, reason: null }]).members[0]?.errorCode).toBe(ErrorCode.NONE);
    expect(gc.group('g')?.state).toBe('PreparingRebalance');
    expect(gc.leaveGroup('g', [{ memberId: b.memberId, groupInstanceId: null, reason: null }]).members[0]?.errorCode).toBe(ErrorCode.UNKNOWN_MEMBER_ID);
    gc.leaveGroup('g', [{ memberId: a.memberId, groupInstanceId: null, reason: null }]);
    expect(gc.group('g')?.state).toBe('Empty');
    expect(gc.group('g')?.generationId).toBe(2);
  });

  test('DescribeGroups shows metadata and assignments only when Stable; unknown groups are Dead', async () => {
    const { gc, members } = await stableGroup(2);
    const d = gc.describeGroup('g');
    if (d.kind !== 'classic') throw new Error('a classic group');
    expect(d).toMatchObject({ state: 'Stable', protocolType: 'consumer', protocolData: 'range' });
    expect(d.members.map((m) => m.assignment.toString()).sort()).toEqual(members.map((m) => `a-${m.memberId}`).sort());
    expect(gc.describeGroup('missing')).toMatchObject({ errorCode: ErrorCode.NONE, state: 'Dead', members: [] });
    gc.leaveGroup('g', [{ memberId: members[0]?.memberId as string, groupInstanceId: null, reason: null }]);
    const preparing = gc.describeGroup('g');
    if (preparing.kind !== 'classic') throw new Error('a classic group');
    expect(preparing.state).toBe('PreparingRebalance');
    expect(preparing.protocolData).toBe('');
    expect(preparing.members[0]?.assignment.length).toBe(0);
  });

  test('ListGroups filters by state and type, case-insensitively', async () => {
    const { gc } = await stableGroup(1);
    gc.commitOffsets({ groupId: 'solo', generationId: -1, memberId: '', groupInstanceId: null, retentionTimeMs: -1, partitions: [{ topic: 't', partition: 0, offset: 1n, leaderEpoch: -1, metadata: null, commitTimestamp: -1 }] });
    expect(gc.listGroups([], []).map((g) => g.groupId).sort()).toEqual(['g', 'solo']);
    expect(gc.listGroups(['stable'], []).map((g) => g.groupId)).toEqual(['g']);
    expect(gc.listGroups(['Empty'], ['Classic']).map((g) => g.groupId)).toEqual(['solo']);
    expect(gc.listGroups([], ['consumer'])).toEqual([]);
  });

  test('DeleteGroups: NON_EMPTY_GROUP with members, GROUP_ID_NOT_FOUND unknown, Empty groups deleted with tombstones', async () => {
    const { gc, store, members } = await stableGroup(1);
    const id = members[0]?.memberId as string;
    gc.commitOffsets({ groupId: 'g', generationId: 1, memberId: id, groupInstanceId: null, retentionTimeMs: -1, partitions: [{ topic: 't', partition: 0, offset: 3n, leaderEpoch: -1, metadata: null, commitTimestamp: -1 }] });
    expect(gc.deleteGroups(['g', 'nope'])).toEqual([
      { groupId: 'g', errorCode: ErrorCode.NON_EMPTY_GROUP },
      { groupId: 'nope', errorCode: ErrorCode.GROUP_ID_NOT_FOUND },
    ]);
    gc.leaveGroup('g', [{ memberId: id, groupInstanceId: null, reason: null }]);
    expect(gc.deleteGroups(['g'])).toEqual([{ groupId: 'g', errorCode: ErrorCode.NONE }]);
    expect(gc.group('g')).toBeUndefined();
    const tombstones = store.records.filter((r) => r.value === null).map((r) => decodeOffsetsTopicKey(r.key)?.kind);
    expect(tombstones.sort()).toEqual(['group', 'offset']);
    // Replaying everything leaves nothing behind.
    const again = setup({}, store);
    expect(again.gc.listGroups([], [])).toEqual([]);
  });

  test('OffsetDelete: GROUP_SUBSCRIBED_TO_TOPIC for consumed topics, deleted otherwise', async () => {
    const { gc, members } = await stableGroup(1);
    // The members' metadata is not a ConsumerProtocolSubscription here, so no topic counts as subscribed.
    const id = members[0]?.memberId as string;
    const part = (topic: string) => ({ topic, partition: 0, offset: 1n, leaderEpoch: -1, metadata: null, commitTimestamp: -1 });
    gc.commitOffsets({ groupId: 'g', generationId: 1, memberId: id, groupInstanceId: null, retentionTimeMs: -1, partitions: [part('t'), part('u')] });
    expect(gc.deleteOffsets('g', [{ topic: 'u', partition: 0 }])).toEqual({ errorCode: ErrorCode.NONE, partitionErrors: [ErrorCode.NONE] });
    expect(gc.fetchOffsets('g', null).topics.map((t) => t.name)).toEqual(['t']);
    expect(gc.deleteOffsets('missing', [])).toEqual({ errorCode: ErrorCode.GROUP_ID_NOT_FOUND, partitionErrors: [] });
  });

  test('close() answers parked JoinGroups with NOT_COORDINATOR', async () => {
    const { gc } = setup();
    const a = await startJoin(gc);
    gc.close();
    await settle();
    expect(a.value?.errorCode).toBe(ErrorCode.NOT_COORDINATOR);
  });
});

describe('GroupCoordinator: offsets persistence and retention', () => {
  test('commits survive a restart (replay) with metadata, leader epoch and the group generation', async () => {
    const { gc, store, members } = await stableGroup(2);
    const id = members[0]?.memberId as string;
    const errors = gc.commitOffsets({
      groupId: 'g',
      generationId: 1,
      memberId: id,
      groupInstanceId: null,
      retentionTimeMs: -1,
      partitions: [
        { topic: 'orders', partition: 0, offset: 42n, leaderEpoch: 0, metadata: 'üñí meta', commitTimestamp: -1 },
        { topic: 'orders', partition: 3, offset: 7n, leaderEpoch: -1, metadata: null, commitTimestamp: -1 },
      ],
    });
    expect(errors).toEqual([ErrorCode.NONE, ErrorCode.NONE]);
    // The record is Kafka's OffsetCommitValue v3.
    const offsetRecord = store.records.find((r) => decodeOffsetsTopicKey(r.key)?.kind === 'offset');
    expect(offsetRecord?.value?.readInt16BE(0)).toBe(3);
    expect(decodeOffsetCommitValue(offsetRecord?.value as Buffer).metadata).toBe('üñí meta');
    gc.close();

    const clock = new ManualScheduler();
    const restarted = setup({}, store, clock);
    const fetched = restarted.gc.fetchOffsets('g', [{ name: 'orders', partitions: [0, 3, 9] }]);
    expect(fetched.topics[0]?.partitions).toEqual([
      { partition: 0, offset: 42n, leaderEpoch: 0, metadata: 'üñí meta', errorCode: ErrorCode.NONE },
      { partition: 3, offset: 7n, leaderEpoch: -1, metadata: '', errorCode: ErrorCode.NONE },
      { partition: 9, offset: -1n, leaderEpoch: -1, metadata: '', errorCode: ErrorCode.NONE },
    ]);
    const group = restarted.gc.group('g');
    expect(group?.state).toBe('Stable');
    expect(group?.generationId).toBe(1);
    expect(group?.size).toBe(2);
    // Its members heartbeat on as if nothing happened...
    expect(restarted.gc.heartbeat({ groupId: 'g', generationId: 1, memberId: id, groupInstanceId: null })).toBe(ErrorCode.NONE);
    // ...and the one that does not is expired after its session timeout.
    for (let t = 0; t <= SESSION_MS; t += 3000) {
      await advance(clock, 3000);
      restarted.gc.heartbeat({ groupId: 'g', generationId: 1, memberId: id, groupInstanceId: null });
    }
    expect(group?.size).toBe(1);
  });

  test('offsets of an Empty group expire offsets.retention after it became empty; then the group goes', async () => {
    const day = 24 * 3600 * 1000;
    const fresh = setup({ offsetsRetentionMs: day, offsetsRetentionCheckIntervalMs: 3600 * 1000 });
    fresh.gc.commitOffsets({ groupId: 'solo', generationId: -1, memberId: '', groupInstanceId: null, retentionTimeMs: -1, partitions: [{ topic: 't', partition: 0, offset: 1n, leaderEpoch: -1, metadata: null, commitTimestamp: -1 }] });
    await advance(fresh.clock, day - 3600 * 1000);
    expect(fresh.gc.fetchOffsets('solo', null).topics).toHaveLength(1);
    await advance(fresh.clock, 2 * 3600 * 1000);
    expect(fresh.gc.fetchOffsets('solo', null).topics).toHaveLength(0);
    expect(fresh.gc.group('solo')).toBeUndefined();
    const tombstoned = fresh.store.records.filter((r) => r.value === null).map((r) => decodeOffsetsTopicKey(r.key)?.kind);
    expect(tombstoned.sort()).toEqual(['group', 'offset']);
  });

  test("a KIP-848 group's offsets of topics its members subscribe to never expire; the others do, by commit time", async () => {
    const day = 24 * 3600 * 1000;
    const clock = new ManualScheduler();
    const topics = [
      { name: 't', topicId: '00000000-0000-0000-0000-000000000001', partitions: 1 },
      { name: 'u', topicId: '00000000-0000-0000-0000-000000000002', partitions: 1 },
    ];
    const gc = new GroupCoordinator({ ...CONFIG, offsetsRetentionMs: day, offsetsRetentionCheckIntervalMs: 3600 * 1000 }, clock, new MemoryGroupStore(), null, {
      // A session longer than the test: the member stays without heartbeating.
      config: { sessionTimeoutMs: 10 * day, heartbeatIntervalMs: 5000, maxGroupSize: 10, assignors: [uniformAssignor] },
      topics: { get: (n) => topics.find((t) => t.name === n), getById: (id) => topics.find((t) => t.topicId === id), list: () => topics },
    });
    gc.start();
    const beat = (memberEpoch: number) =>
      gc.consumerGroupHeartbeat(heartbeatRequest({ groupId: 'cg', memberId: 'm1', memberEpoch, subscribedTopicNames: memberEpoch === 0 ? ['t'] : null }));
    expect(beat(0)).toMatchObject({ errorCode: ErrorCode.NONE, memberEpoch: 1 });
    const commit = (topic: string) =>
      gc.commitOffsets({ groupId: 'cg', generationId: 1, memberId: 'm1', groupInstanceId: null, retentionTimeMs: -1, apiVersion: 9, partitions: [{ topic, partition: 0, offset: 5n, leaderEpoch: -1, metadata: null, commitTimestamp: -1 }] });
    expect(commit('t')).toEqual([ErrorCode.NONE]);
    expect(commit('u')).toEqual([ErrorCode.NONE]);
    // Its offsets are the group's own: no classic group holds them.
    expect(gc.group('cg')).toBeUndefined();
    await advance(clock, 3 * day);
    // Still consuming t (no new commit: nothing new to read): its offset stays; u's expired.
    expect(gc.fetchOffsets('cg', null).topics.map((t) => t.name)).toEqual(['t']);
    // Once nobody subscribes, t's offset expires by its commit time too, and the empty group goes with it.
    expect(beat(-1).errorCode).toBe(ErrorCode.NONE);
    await advance(clock, 2 * 3600 * 1000);
    expect(gc.fetchOffsets('cg', null).topics).toHaveLength(0);
    expect(gc.listGroups([], [])).toEqual([]);
    gc.close();
  });

  test('a failed append answers the commit with the mapped error and keeps nothing', () => {
    const { gc, store } = setup();
    store.failWith = ErrorCode.MESSAGE_TOO_LARGE;
    const errors = gc.commitOffsets({ groupId: 'solo', generationId: -1, memberId: '', groupInstanceId: null, retentionTimeMs: -1, partitions: [{ topic: 't', partition: 0, offset: 1n, leaderEpoch: -1, metadata: null, commitTimestamp: -1 }] });
    expect(errors).toEqual([ErrorCode.INVALID_COMMIT_OFFSET_SIZE]);
    expect(gc.group('solo')).toBeUndefined();
  });
});
