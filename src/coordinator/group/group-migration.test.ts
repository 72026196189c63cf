/**
 * Classic and consumer members in one group, and the online migration
 * between the two kinds of group (Kafka 4.0): a consumer-protocol member
 * joining a classic group upgrades it, classic members are served by the
 * server assignor through JoinGroup/SyncGroup/Heartbeat, and the last
 * consumer-protocol member leaving downgrades the group back. After every
 * step a coordinator rebuilt from the written records holds the same groups.
 */
import { ErrorCode } from '../../protocol/errors';
import { ManualScheduler } from '../../time/manual-scheduler';
import { GroupCoordinator, type GroupCoordinatorConfig, type JoinGroupParams } from './group-coordinator';
import type { JoinGroupResult } from './group-results';
import { MemoryGroupStore } from './memory-group-store';
import { uniformAssignor } from './consumer/uniform-assignor';
import { heartbeatRequest } from './consumer/test-support/heartbeats';
import { decodeConsumerAssignment, encodeConsumerAssignment } from './consumer-protocol';
import { encodeMessageToBuffer } from '../../protocol/message-io';
import { ConsumerProtocolSubscriptionCodec } from '../../protocol/messages';
import type { MigrationPolicy } from './group-migration';

const CONFIG: GroupCoordinatorConfig = {
  initialRebalanceDelayMs: 0,
  minSessionTimeoutMs: 6000,
  maxSessionTimeoutMs: 300_000,
  maxGroupSize: 100,
  offsetsRetentionMs: 7 * 24 * 3600 * 1000,
  offsetsRetentionCheckIntervalMs: 600_000,
  offsetMetadataMaxBytes: 4096,
};

const T = '00000000-0000-0000-0000-00000000000a';
const TOPICS = [{ name: 't', topicId: T, partitions: 4 }];
const SESSION_MS = 10_000;
const REBALANCE_MS = 20_000;
const CONSUMER_SESSION_MS = 45_000;

function coordinatorOn(store: MemoryGroupStore, policy: MigrationPolicy = 'bidirectional', clock = new ManualScheduler()) {
  const gc = new GroupCoordinator({ ...CONFIG, migrationPolicy: policy }, clock, store, null, {
    config: { sessionTimeoutMs: CONSUMER_SESSION_MS, heartbeatIntervalMs: 5000, maxGroupSize: 10, assignors: [uniformAssignor] },
    topics: { get: (n) => TOPICS.find((t) => t.name === n), getById: (id) => TOPICS.find((t) => t.topicId === id), list: () => TOPICS },
  });
  gc.start();
  return { gc, clock };
}

const settle = () => new Promise<void>((resolve) => setImmediate(resolve));

/** A ConsumerProtocolSubscription as kafkajs sends it (version 0). */
function subscription(topics: string[]): Buffer {
  const prefix = Buffer.alloc(2);
  return Buffer.concat([prefix, encodeMessageToBuffer(ConsumerProtocolSubscriptionCodec, { topics, userData: null, ownedPartitions: [], generationId: -1, rackId: null }, 0)]);
}

function joinParams(o: Partial<JoinGroupParams> = {}): JoinGroupParams {
  return {
    groupId: 'g',
    memberId: '',
    groupInstanceId: null,
    requireKnownMemberId: false,
    supportSkipAssignment: false,
    clientId: 'kafkajs',
    clientHost: '/127.0.0.1',
    rebalanceTimeoutMs: REBALANCE_MS,
    sessionTimeoutMs: SESSION_MS,
    protocolType: 'consumer',
    protocols: [{ name: 'RoundRobinAssigner', metadata: subscription(['t']) }],
    reason: null,
    ...o,
  };
}

const partitionsOf = (assignment: Buffer) => decodeConsumerAssignment(assignment).assignedPartitions.flatMap((tp) => tp.partitions).sort();

const beat = (gc: GroupCoordinator, memberId: string, memberEpoch: number, extra: Parameters<typeof heartbeatRequest>[0] extends infer P ? Partial<P> : never = {}) =>
  gc.consumerGroupHeartbeat(heartbeatRequest({ memberId, memberEpoch, subscribedTopicNames: memberEpoch === 0 ? ['t'] : null, ...extra }));

/** Two classic members, Stable at generation 1: a owns partitions 0-1, b 2-3 (the leader's assignment). */
async function classicGroupOfTwo(gc: GroupCoordinator, clock: ManualScheduler) {
  const results: (JoinGroupResult | undefined)[] = [undefined, undefined];
  void gc.joinGroup(joinParams()).then((r) => (results[0] = r));
  void gc.joinGroup(joinParams()).then((r) => (results[1] = r));
  // The initial rebalance delay (0 here) runs on the manual clock, extended once per member that arrived during it.
  for (let i = 0; i < 5 && results.includes(undefined); i++) {
    clock.advance(0);
    await settle();
  }
  const [a, b] = results as [JoinGroupResult, JoinGroupResult];
  expect([a.errorCode, b.errorCode, a.generationId]).toEqual([ErrorCode.NONE, ErrorCode.NONE, 1]);
  const leader = a.leaderId === a.memberId ? a : b;
  const assignments = new Map([
    [a.memberId, encodeConsumerAssignment([{ topic: 't', partitions: [0, 1] }], 0)],
    [b.memberId, encodeConsumerAssignment([{ topic: 't', partitions: [2, 3] }], 0)],
  ]);
  const sync = (memberId: string) =>
    gc.syncGroup({ groupId: 'g', generationId: 1, memberId, groupInstanceId: null, protocolType: 'consumer', protocolName: 'RoundRobinAssigner', assignments: memberId === leader.memberId ? assignments : new Map() });
  const [sa, sb] = await Promise.all([sync(a.memberId), sync(b.memberId)]);
  expect(partitionsOf(sa.assignment)).toEqual([0, 1]);
  expect(partitionsOf(sb.assignment)).toEqual([2, 3]);
  expect(gc.group('g')?.state).toBe('Stable');
  return { a: a.memberId, b: b.memberId };
}

/** What a coordinator holds of group g: kind, state, epochs, members with epochs and partitions, offsets. */
function view(gc: GroupCoordinator) {
  const d = gc.describeGroup('g');
  const offsets = [...gc.offsetsOf('g')].map(([k, v]) => [k, v.offset]);
  if (d.kind === 'consumer') {
    const g = d.group;
    return {
      kind: 'consumer',
      groupEpoch: g.groupEpoch,
      assignmentEpoch: g.assignmentEpoch,
      members: g.members
        .map((m) => ({ id: m.memberId, epoch: m.memberEpoch, owned: [...(m.assignment.get(T) ?? [])].sort(), target: [...(m.targetAssignment.get(T) ?? [])].sort(), classic: gc.consumerGroups.group('g')?.members.get(m.memberId)?.usesClassicProtocol }))
        .sort((x, y) => (x.id < y.id ? -1 : 1)),
      offsets,
    };
  }
  const group = gc.group('g');
  return {
    kind: 'classic',
    generation: group?.generationId,
    protocol: group?.protocolName,
    members: [...(group?.members.values() ?? [])].map((m) => ({ id: m.memberId, owned: partitionsOf(m.assignment) })).sort((x, y) => (x.id < y.id ? -1 : 1)),
    offsets,
  };
}

/** A coordinator rebuilt from the records holds what the running one holds (its durable part: a rebalance in progress is not). */
function expectReplayMatches(store: MemoryGroupStore, gc: GroupCoordinator) {
  const restarted = coordinatorOn(store).gc;
  const live = view(gc);
  const replayed = view(restarted);
  restarted.close();
  expect(replayed).toEqual(live);
}

jest.setTimeout(10_000);

describe('mixed groups and online migration', () => {
  test('a consumer-protocol member joining a classic group upgrades it; the classic members rejoin and hand their partitions over', async () => {
    const store = new MemoryGroupStore();
    const { gc, clock } = coordinatorOn(store);
    const { a, b } = await classicGroupOfTwo(gc, clock);
    expect(gc.commitOffsets({ groupId: 'g', generationId: 1, memberId: a, groupInstanceId: null, retentionTimeMs: -1, apiVersion: 8, partitions: [{ topic: 't', partition: 0, offset: 5n, leaderEpoch: -1, metadata: null, commitTimestamp: -1 }] })).toEqual([ErrorCode.NONE]);
    const parkedRecords = store.records.length;

    // The upgrade: the classic group's tombstone first, then the consumer group's records, in one batch.
    const c = beat(gc, 'c1', 0);
    expect(c).toMatchObject({ errorCode: ErrorCode.NONE, memberEpoch: 2 });
    expect(c.assignment).toEqual([]);
    expect(gc.group('g')).toBeUndefined();
    const written = store.records.slice(parkedRecords);
    expect(written[0]?.key.readInt16BE(0)).toBe(2); // GroupMetadataKey
    expect(written[0]?.value).toBeNull();
    // Kafka's createConsumerGroupRecords (subscriptions, epoch, targets, target epoch, current assignments), then the joining member's.
    const keyVersions = written.slice(1).map((r) => r.key.readInt16BE(0));
    expect(keyVersions.slice(0, 8)).toEqual([5, 5, 3, 7, 7, 6, 8, 8]);
    expect(keyVersions.slice(8, 12)).toEqual([5, 8, 4, 3]);
    expect(keyVersions.slice(-2)).toEqual([6, 8]);
    // The classic members are members at the old generation, owning what they owned.
    expect(view(gc)).toMatchObject({
      kind: 'consumer',
      groupEpoch: 2,
      assignmentEpoch: 2,
      members: expect.arrayContaining([
        { id: a, epoch: 1, owned: [0, 1], target: expect.any(Array), classic: true },
        { id: b, epoch: 1, owned: [2, 3], target: expect.any(Array), classic: true },
        { id: 'c1', epoch: 2, owned: [], target: expect.any(Array), classic: false },
      ]),
    });
    expectReplayMatches(store, gc);

    // Their heartbeats tell them to rejoin; until then they keep committing with their generation (epoch).
    expect(gc.heartbeat({ groupId: 'g', generationId: 1, memberId: a, groupInstanceId: null })).toBe(ErrorCode.REBALANCE_IN_PROGRESS);
    expect(gc.heartbeat({ groupId: 'g', generationId: 7, memberId: a, groupInstanceId: null })).toBe(ErrorCode.ILLEGAL_GENERATION);
    expect(gc.commitOffsets({ groupId: 'g', generationId: 1, memberId: a, groupInstanceId: null, retentionTimeMs: -1, apiVersion: 8, partitions: [{ topic: 't', partition: 1, offset: 6n, leaderEpoch: -1, metadata: null, commitTimestamp: -1 }] })).toEqual([ErrorCode.NONE]);
    expect(gc.commitOffsets({ groupId: 'g', generationId: 2, memberId: a, groupInstanceId: null, retentionTimeMs: -1, apiVersion: 8, partitions: [{ topic: 't', partition: 1, offset: 6n, leaderEpoch: -1, metadata: null, commitTimestamp: -1 }] })).toEqual([ErrorCode.ILLEGAL_GENERATION]);
    // SyncGroup at the old generation: rejoin first.
    expect((await gc.syncGroup({ groupId: 'g', generationId: 1, memberId: a, groupInstanceId: null, protocolType: 'consumer', protocolName: 'RoundRobinAssigner', assignments: new Map() })).errorCode).toBe(ErrorCode.REBALANCE_IN_PROGRESS);

    // Each rejoins (an eager client owns nothing when it rejoins): the server's assignment, no leader.
    for (const id of [a, b]) {
      const j = await gc.joinGroup(joinParams({ memberId: id }));
      expect(j).toMatchObject({ errorCode: ErrorCode.NONE, memberId: id, generationId: 2, protocolType: 'consumer', protocolName: 'RoundRobinAssigner', leaderId: '', members: [] });
      const s = await gc.syncGroup({ groupId: 'g', generationId: 2, memberId: id, groupInstanceId: null, protocolType: 'consumer', protocolName: 'RoundRobinAssigner', assignments: new Map() });
      expect(s.errorCode).toBe(ErrorCode.NONE);
      expect(gc.heartbeat({ groupId: 'g', generationId: 2, memberId: id, groupInstanceId: null })).toBe(ErrorCode.NONE);
    }
    // The consumer-protocol member now gets the partitions the classic members released.
    const c2 = beat(gc, 'c1', 2);
    expect(c2.errorCode).toBe(ErrorCode.NONE);
    const all = view(gc);
    expect(all.members?.map((m) => ('owned' in m ? m.owned : [])).flat().sort()).toEqual([0, 1, 2, 3]);
    for (const m of all.members ?? []) expect('owned' in m && 'target' in m && m.owned).toEqual('target' in m ? m.target : null);
    expect(all.offsets).toEqual([
      ['t\u00000', 5n],
      ['t\u00001', 6n],
    ]);
    expectReplayMatches(store, gc);
    gc.close();
  });

  test('a classic member joins a consumer group (two-step join) and is assigned by the server assignor', async () => {
    const store = new MemoryGroupStore();
    const { gc } = coordinatorOn(store);
    expect(beat(gc, 'c1', 0)).toMatchObject({ errorCode: ErrorCode.NONE, memberEpoch: 1 });
    const first = await gc.joinGroup(joinParams({ requireKnownMemberId: true }));
    expect(first.errorCode).toBe(ErrorCode.MEMBER_ID_REQUIRED);
    const j = await gc.joinGroup(joinParams({ memberId: first.memberId }));
    expect(j).toMatchObject({ errorCode: ErrorCode.NONE, generationId: 2, leaderId: '' });
    // Its target partitions are still c1's: none yet.
    const s = await gc.syncGroup({ groupId: 'g', generationId: 2, memberId: j.memberId, groupInstanceId: null, protocolType: null, protocolName: null, assignments: new Map() });
    expect(partitionsOf(s.assignment)).toEqual([]);
    // c1 revokes (its owned partitions shrink to its target), then the classic member is told to rejoin for them.
    const revoke = beat(gc, 'c1', 1);
    const kept = revoke.assignment?.[0]?.partitions ?? [];
    expect(kept.length).toBe(2);
    beat(gc, 'c1', 1, { ownedTopicPartitions: [{ topicId: T, partitions: kept }] });
    expect(gc.heartbeat({ groupId: 'g', generationId: 2, memberId: j.memberId, groupInstanceId: null })).toBe(ErrorCode.REBALANCE_IN_PROGRESS);
    const again = await gc.joinGroup(joinParams({ memberId: j.memberId }));
    const s2 = await gc.syncGroup({ groupId: 'g', generationId: again.generationId, memberId: j.memberId, groupInstanceId: null, protocolType: 'consumer', protocolName: 'RoundRobinAssigner', assignments: new Map() });
    expect([...partitionsOf(s2.assignment), ...kept].sort()).toEqual([0, 1, 2, 3]);
    expect(gc.describeGroup('g').kind).toBe('consumer');
    expectReplayMatches(store, gc);
    gc.close();
  });

  test('the last consumer-protocol member leaving downgrades the group: Stable at the group epoch with the target assignment, then a rebalance', async () => {
    const store = new MemoryGroupStore();
    const { gc, clock } = coordinatorOn(store);
    const { a, b } = await classicGroupOfTwo(gc, clock);
    beat(gc, 'c1', 0);
    const target = (id: string) => [...(gc.consumerGroups.group('g')?.targetAssignment.get(id)?.get(T) ?? [])].sort();
    const targetsBefore = { [a]: target(a), [b]: target(b) };
    const before = store.records.length;
    expect(beat(gc, 'c1', -1).errorCode).toBe(ErrorCode.NONE);
    // The consumer group's tombstones (3 members), then the classic group's metadata.
    const written = store.records.slice(before);
    expect(written.map((r) => r.key.readInt16BE(0))).toEqual([8, 8, 8, 7, 7, 7, 6, 5, 5, 5, 4, 3, 2]);
    expect(written.slice(0, -1).every((r) => r.value === null)).toBe(true);
    expect(gc.consumerGroups.group('g')).toBeUndefined();
    const classic = gc.group('g');
    expect(classic?.state).toBe('PreparingRebalance');
    expect(classic?.generationId).toBe(2);
    expect(classic?.protocolName).toBe('RoundRobinAssigner');
    expect([...(classic?.members.keys() ?? [])].sort()).toEqual([a, b].sort());
    // What was stored is the Stable group with the target assignment (the rebalance is not durable).
    const restarted = coordinatorOn(store).gc;
    expect(restarted.group('g')?.state).toBe('Stable');
    expect(restarted.group('g')?.generationId).toBe(2);
    // Each member's assignment is its target in the consumer group (the leaver's partitions wait for the rebalance, as in Kafka).
    for (const m of restarted.group('g')?.members.values() ?? []) expect(partitionsOf(m.assignment)).toEqual(targetsBefore[m.memberId]);
    restarted.close();

    // The members learn of the rebalance by their heartbeats and rejoin: a new classic generation.
    expect(gc.heartbeat({ groupId: 'g', generationId: 1, memberId: a, groupInstanceId: null })).toBe(ErrorCode.ILLEGAL_GENERATION);
    expect(gc.heartbeat({ groupId: 'g', generationId: 2, memberId: a, groupInstanceId: null })).toBe(ErrorCode.REBALANCE_IN_PROGRESS);
    const ja = gc.joinGroup(joinParams({ memberId: a }));
    const jb = gc.joinGroup(joinParams({ memberId: b }));
    clock.advance(0);
    await settle();
    const [ra, rb] = await Promise.all([ja, jb]);
    expect([ra.errorCode, rb.errorCode, ra.generationId]).toEqual([ErrorCode.NONE, ErrorCode.NONE, 3]);
    expect([ra.leaderId, rb.leaderId]).toEqual([ra.leaderId, ra.leaderId]);
    expect(ra.leaderId).not.toBe('');
    gc.close();
  });

  test('policy: upgrade only refuses the downgrade (the group stays a consumer group of classic members); downgrade only refuses the upgrade', async () => {
    const { gc: upgradeOnly, clock: upgradeClock } = coordinatorOn(new MemoryGroupStore(), 'upgrade');
    await classicGroupOfTwo(upgradeOnly, upgradeClock);
    beat(upgradeOnly, 'c1', 0);
    beat(upgradeOnly, 'c1', -1);
    expect(upgradeOnly.describeGroup('g').kind).toBe('consumer');
    expect(upgradeOnly.consumerGroups.group('g')?.members.size).toBe(2);
    upgradeOnly.close();

    const { gc: downgradeOnly, clock: downgradeClock } = coordinatorOn(new MemoryGroupStore(), 'downgrade');
    await classicGroupOfTwo(downgradeOnly, downgradeClock);
    expect(beat(downgradeOnly, 'c1', 0)).toMatchObject({ errorCode: ErrorCode.GROUP_ID_NOT_FOUND, errorMessage: 'Group g is not a consumer group.' });
    expect(downgradeOnly.group('g')?.state).toBe('Stable');
    downgradeOnly.close();
  });

  test('a classic member of a consumer group: its own session timeout, and a rejoin deadline once told to rejoin', async () => {
    const store = new MemoryGroupStore();
    const { gc, clock } = coordinatorOn(store);
    const { a, b } = await classicGroupOfTwo(gc, clock);
    beat(gc, 'c1', 0);
    // a heartbeats and is told to rejoin; b goes silent.
    for (let t = 0; t < SESSION_MS - 1000; t += 3000) {
      clock.advance(3000);
      expect(gc.heartbeat({ groupId: 'g', generationId: 1, memberId: a, groupInstanceId: null })).toBe(ErrorCode.REBALANCE_IN_PROGRESS);
      beat(gc, 'c1', gc.consumerGroups.group('g')?.members.get('c1')?.memberEpoch ?? 0);
    }
    clock.advance(2000);
    // b's session (10 s, its own, not the consumer groups' 45 s) expired: it is fenced and the group epoch moves on.
    expect(gc.consumerGroups.group('g')?.members.has(b)).toBe(false);
    expect(gc.consumerGroups.group('g')?.members.has(a)).toBe(true);
    // a never rejoined within its rebalance timeout: fenced too.
    for (let t = 0; t < REBALANCE_MS; t += 3000) {
      clock.advance(3000);
      gc.heartbeat({ groupId: 'g', generationId: 1, memberId: a, groupInstanceId: null });
      beat(gc, 'c1', gc.consumerGroups.group('g')?.members.get('c1')?.memberEpoch ?? 0);
    }
    expect(gc.consumerGroups.group('g')?.members.has(a)).toBe(false);
    expect(gc.heartbeat({ groupId: 'g', generationId: 1, memberId: a, groupInstanceId: null })).toBe(ErrorCode.UNKNOWN_MEMBER_ID);
    expectReplayMatches(store, gc);
    gc.close();
  });

  test('LeaveGroup from a classic member of a consumer group removes it and bumps the group epoch; a consumer-protocol member id is unknown to it', async () => {
    const store = new MemoryGroupStore();
    const { gc, clock } = coordinatorOn(store);
    const { a } = await classicGroupOfTwo(gc, clock);
    beat(gc, 'c1', 0);
    const epoch = gc.consumerGroups.group('g')?.groupEpoch ?? 0;
    const r = gc.leaveGroup('g', [
      { memberId: a, groupInstanceId: null, reason: 'bye' },
      { memberId: 'c1', groupInstanceId: null, reason: null },
    ]);
    expect(r).toEqual({
      errorCode: ErrorCode.NONE,
      members: [
        { memberId: a, groupInstanceId: null, errorCode: ErrorCode.NONE },
        { memberId: 'c1', groupInstanceId: null, errorCode: ErrorCode.UNKNOWN_MEMBER_ID },
      ],
    });
    expect(gc.consumerGroups.group('g')?.groupEpoch).toBe(epoch + 1);
    expectReplayMatches(store, gc);
    gc.close();
  });

  test('a restarted classic static member replacing the last consumer-protocol member (same instance id) downgrades the group at once, keeping its partitions', async () => {
    const store = new MemoryGroupStore();
    const { gc } = coordinatorOn(store);
    expect(beat(gc, 'c1', 0, { instanceId: 'i1' }).errorCode).toBe(ErrorCode.NONE);
    const a = await gc.joinGroup(joinParams());
    expect(a.errorCode).toBe(ErrorCode.NONE);
    // Reconcile both to the target (c1 acknowledges its revocation, a rejoins for the released partitions).
    const revoke = beat(gc, 'c1', 1, { instanceId: 'i1' });
    beat(gc, 'c1', revoke.memberEpoch, { instanceId: 'i1', ownedTopicPartitions: revoke.assignment ?? [] });
    const again = await gc.joinGroup(joinParams({ memberId: a.memberId }));
    const epoch = gc.consumerGroups.group('g')?.groupEpoch;
    const c1Target = [...(gc.consumerGroups.group('g')?.targetAssignment.get('c1')?.get(T) ?? [])].sort();
    expect(again.generationId).toBe(epoch);
    // The process behind instance i1 restarts as a classic consumer.
    const replaced = await gc.joinGroup(joinParams({ groupInstanceId: 'i1', requireKnownMemberId: true }));
    expect(replaced).toMatchObject({ errorCode: ErrorCode.NONE, generationId: epoch, leaderId: '' });
    expect(gc.consumerGroups.group('g')).toBeUndefined();
    const classic = gc.group('g');
    expect(classic?.state).toBe('Stable');
    expect(classic?.generationId).toBe(epoch);
    expect([...(classic?.members.keys() ?? [])].sort()).toEqual([a.memberId, replaced.memberId].sort());
    const s = await gc.syncGroup({ groupId: 'g', generationId: replaced.generationId, memberId: replaced.memberId, groupInstanceId: 'i1', protocolType: 'consumer', protocolName: 'RoundRobinAssigner', assignments: new Map() });
    expect(s.errorCode).toBe(ErrorCode.NONE);
    expect(partitionsOf(s.assignment)).toEqual(c1Target);
    expectReplayMatches(store, gc);
    gc.close();
  });

  test('a classic member that heartbeats with the consumer protocol becomes a consumer-protocol member', async () => {
    const store = new MemoryGroupStore();
    const { gc } = coordinatorOn(store);
    beat(gc, 'c1', 0);
    const a = await gc.joinGroup(joinParams({ memberId: 'k1' }));
    expect(a.errorCode).toBe(ErrorCode.NONE);
    expect(gc.consumerGroups.group('g')?.members.get('k1')?.usesClassicProtocol).toBe(true);
    expect(beat(gc, 'k1', a.generationId, { subscribedTopicNames: ['t'] }).errorCode).toBe(ErrorCode.NONE);
    expect(gc.consumerGroups.group('g')?.members.get('k1')?.usesClassicProtocol).toBe(false);
    expect(gc.heartbeat({ groupId: 'g', generationId: a.generationId, memberId: 'k1', groupInstanceId: null })).toBe(ErrorCode.UNKNOWN_MEMBER_ID);
    expectReplayMatches(store, gc);
    gc.close();
  });

  test('a failed append changes nothing: the classic group stays classic, the consumer group stays a consumer group', async () => {
    const store = new MemoryGroupStore();
    const { gc, clock } = coordinatorOn(store);
    await classicGroupOfTwo(gc, clock);
    store.failWith = ErrorCode.NOT_LEADER_OR_FOLLOWER;
    expect(beat(gc, 'c1', 0).errorCode).toBe(ErrorCode.NOT_COORDINATOR);
    expect(gc.group('g')?.state).toBe('Stable');
    expect(gc.consumerGroups.group('g')).toBeUndefined();
    store.failWith = ErrorCode.NONE;
    expect(beat(gc, 'c1', 0).errorCode).toBe(ErrorCode.NONE);
    store.failWith = ErrorCode.NOT_LEADER_OR_FOLLOWER;
    expect(beat(gc, 'c1', -1).errorCode).toBe(ErrorCode.NOT_COORDINATOR);
    expect(gc.group('g')).toBeUndefined();
    expect(gc.consumerGroups.group('g')?.members.size).toBe(3);
    store.failWith = ErrorCode.NONE;
    expectReplayMatches(store, gc);
    gc.close();
  });
});
