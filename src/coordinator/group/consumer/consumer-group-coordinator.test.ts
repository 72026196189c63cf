import { ErrorCode } from '../../../protocol/errors';
import { MemoryGroupStore } from '../memory-group-store';
import { ManualScheduler } from '../../../time/manual-scheduler';
import { ConsumerGroupCoordinator, type ConsumerGroupHeartbeatParams, type TopicCatalogEntry } from './consumer-group-coordinator';
import { rangeAssignor } from './range-assignor';
import { uniformAssignor } from './uniform-assignor';
import type { WireTopicPartitions } from './topic-partitions';
import { heartbeat, idOf } from './test-support/heartbeats';

const SESSION_MS = 45_000;

class Topics {
  readonly byName = new Map<string, TopicCatalogEntry>();
  add(name: string, partitions: number): string {
    const topicId = idOf(name);
    this.byName.set(name, { name, topicId, partitions });
    return topicId;
  }
  get(name: string) {
    return this.byName.get(name);
  }
  getById(topicId: string) {
    return [...this.byName.values()].find((t) => t.topicId === topicId);
  }
  list() {
    return [...this.byName.values()];
  }
}

function setup(opts: { maxGroupSize?: number; classicActive?: boolean; store?: MemoryGroupStore; topics?: Topics; scheduler?: ManualScheduler } = {}) {
  const scheduler = opts.scheduler ?? new ManualScheduler();
  const topics = opts.topics ?? new Topics();
  const store = opts.store ?? new MemoryGroupStore();
  const coordinator = new ConsumerGroupCoordinator(
    { sessionTimeoutMs: SESSION_MS, heartbeatIntervalMs: 5000, maxGroupSize: opts.maxGroupSize ?? 100, assignors: [uniformAssignor, rangeAssignor] },
    scheduler,
    topics,
    { isActive: () => opts.classicActive ?? false },
    store,
  );
  return { scheduler, topics, coordinator, store };
}

const hb = heartbeat;

const join = (c: ConsumerGroupCoordinator, memberId: string, topics: string[] = ['t'], extra: Partial<ConsumerGroupHeartbeatParams> = {}) =>
  hb(c, { memberId, memberEpoch: 0, subscribedTopicNames: topics, ...extra });

/** partitions of topic `t`'s id in a wire assignment */
const parts = (a: WireTopicPartitions[] | null, topic = 't') => (a ?? []).find((x) => x.topicId === idOf(topic))?.partitions ?? [];

describe('ConsumerGroupCoordinator', () => {
  test('a first member joins with epoch 0 and gets every partition at epoch 1', () => {
    const { topics, coordinator } = setup();
    topics.add('t', 3);
    const r = join(coordinator, 'm1');
    expect(r).toMatchObject({ errorCode: ErrorCode.NONE, memberId: 'm1', memberEpoch: 1, heartbeatIntervalMs: 5000 });
    expect(parts(r.assignment)).toEqual([0, 1, 2]);
    expect(coordinator.describe('g')).toMatchObject({ state: 'Stable', groupEpoch: 1, assignmentEpoch: 1, assignorName: 'uniform' });
    // A plain heartbeat with nothing new: no assignment in the answer.
    expect(hb(coordinator, { memberId: 'm1', memberEpoch: 1 })).toMatchObject({ errorCode: ErrorCode.NONE, memberEpoch: 1, assignment: null });
  });

  test('v0 members get a broker-generated id; v1 must bring one', () => {
    const { topics, coordinator } = setup();
    topics.add('t', 1);
    const v0 = join(coordinator, '', ['t'], { apiVersion: 0 });
    expect(v0.errorCode).toBe(ErrorCode.NONE);
    expect(v0.memberId).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(join(coordinator, '', ['t'], { apiVersion: 1 }).errorCode).toBe(ErrorCode.INVALID_REQUEST);
  });

  test('a second member: the first revokes before the second is given the partitions', () => {
    const { topics, coordinator } = setup();
    topics.add('t', 4);
    join(coordinator, 'a');
    const b = join(coordinator, 'b');
    // Group epoch 2: b's target partitions are still held by a, so b gets nothing yet.
    expect(b).toMatchObject({ memberEpoch: 2 });
    expect(parts(b.assignment)).toEqual([]);
    // a is told its shrunken assignment, at its old epoch, and must revoke.
    const a1 = hb(coordinator, { memberId: 'a', memberEpoch: 1 });
    expect(a1.memberEpoch).toBe(1);
    const kept = parts(a1.assignment);
    expect(kept).toHaveLength(2);
    expect(coordinator.describe('g')?.state).toBe('Reconciling');
    // Until a acknowledges, b still gets nothing.
    expect(parts(hb(coordinator, { memberId: 'b', memberEpoch: 2, ownedTopicPartitions: [] }).assignment)).toEqual([]);
    // a acknowledges by listing only the kept partitions: it moves to epoch 2.
    const a2 = hb(coordinator, { memberId: 'a', memberEpoch: 1, ownedTopicPartitions: [{ topicId: idOf('t'), partitions: kept }] });
    expect(a2.memberEpoch).toBe(2);
    // Now b gets the freed partitions.
    const b2 = hb(coordinator, { memberId: 'b', memberEpoch: 2, ownedTopicPartitions: [] });
    expect(parts(b2.assignment)).toEqual([0, 1, 2, 3].filter((p) => !kept.includes(p)));
    expect(coordinator.describe('g')?.state).toBe('Stable');
  });

  test('a revoking member that keeps owning its partitions holds them: nobody else gets them', () => {
    const { topics, coordinator } = setup();
    topics.add('t', 2);
    join(coordinator, 'a');
    join(coordinator, 'b');
    hb(coordinator, { memberId: 'a', memberEpoch: 1 });
    // a still reports owning both partitions: no progress.
    const still = hb(coordinator, { memberId: 'a', memberEpoch: 1, ownedTopicPartitions: [{ topicId: idOf('t'), partitions: [0, 1] }] });
    expect(still.memberEpoch).toBe(1);
    expect(parts(hb(coordinator, { memberId: 'b', memberEpoch: 2, ownedTopicPartitions: [] }).assignment)).toEqual([]);
  });

  test('a member that does not revoke within its rebalance timeout is fenced and its partitions move', () => {
    const { scheduler, topics, coordinator } = setup();
    topics.add('t', 2);
    join(coordinator, 'a', ['t'], { rebalanceTimeoutMs: 10_000 });
    join(coordinator, 'b');
    hb(coordinator, { memberId: 'a', memberEpoch: 1 });
    hb(coordinator, { memberId: 'b', memberEpoch: 2, ownedTopicPartitions: [] });
    scheduler.advance(10_001);
    expect(coordinator.group('g')?.members.has('a')).toBe(false);
    const b = hb(coordinator, { memberId: 'b', memberEpoch: 2, ownedTopicPartitions: [] });
    expect(b.memberEpoch).toBe(3);
    expect(parts(b.assignment)).toEqual([0, 1]);
    expect(hb(coordinator, { memberId: 'a', memberEpoch: 1 }).errorCode).toBe(ErrorCode.UNKNOWN_MEMBER_ID);
  });

  test('a member leaving with -1 frees its partitions for the others', () => {
    const { topics, coordinator } = setup();
    topics.add('t', 2);
    join(coordinator, 'a');
    join(coordinator, 'b');
    expect(hb(coordinator, { memberId: 'a', memberEpoch: -1 })).toMatchObject({ errorCode: ErrorCode.NONE, memberId: 'a', memberEpoch: -1 });
    const b = hb(coordinator, { memberId: 'b', memberEpoch: 2, ownedTopicPartitions: [] });
    expect(b.memberEpoch).toBe(3);
    expect(parts(b.assignment)).toEqual([0, 1]);
    hb(coordinator, { memberId: 'b', memberEpoch: -1 });
    expect(coordinator.describe('g')?.state).toBe('Empty');
    expect(hb(coordinator, { memberId: 'x', memberEpoch: -1, groupId: 'nope' }).errorCode).toBe(ErrorCode.GROUP_ID_NOT_FOUND);
  });

  test('session timeout removes a silent member; heartbeats keep a member alive', () => {
    const { scheduler, topics, coordinator } = setup();
    topics.add('t', 2);
    join(coordinator, 'a');
    join(coordinator, 'b');
    scheduler.advance(SESSION_MS - 1000);
    hb(coordinator, { memberId: 'b', memberEpoch: 2, ownedTopicPartitions: [] });
    scheduler.advance(2000);
    expect(coordinator.group('g')?.members.has('a')).toBe(false);
    expect(coordinator.group('g')?.members.has('b')).toBe(true);
    expect(parts(hb(coordinator, { memberId: 'b', memberEpoch: 2, ownedTopicPartitions: [] }).assignment)).toEqual([0, 1]);
  });

  test('epoch checks: a greater epoch or an old one is fenced; the previous epoch with a subset is accepted; epoch 0 rejoins', () => {
    const { topics, coordinator } = setup();
    topics.add('t', 2);
    join(coordinator, 'a');
    expect(hb(coordinator, { memberId: 'a', memberEpoch: 5 }).errorCode).toBe(ErrorCode.FENCED_MEMBER_EPOCH);
    topics.add('u', 1);
    // A subscription change: epoch 2.
    expect(hb(coordinator, { memberId: 'a', memberEpoch: 1, subscribedTopicNames: ['t', 'u'] }).memberEpoch).toBe(2);
    // The answer was lost: epoch 1 with a subset of the assignment is still fine.
    expect(hb(coordinator, { memberId: 'a', memberEpoch: 1, ownedTopicPartitions: [{ topicId: idOf('t'), partitions: [0] }] }).errorCode).toBe(ErrorCode.NONE);
    expect(hb(coordinator, { memberId: 'a', memberEpoch: 0, subscribedTopicNames: ['t', 'u'] }).errorCode).toBe(ErrorCode.NONE);
    expect(hb(coordinator, { memberId: 'zzz', memberEpoch: 3 }).errorCode).toBe(ErrorCode.UNKNOWN_MEMBER_ID);
  });

  test('request validation and assignor selection', () => {
    const { topics, coordinator } = setup();
    topics.add('t', 2);
    expect(hb(coordinator, { memberId: 'a', memberEpoch: 0, subscribedTopicNames: null }).errorCode).toBe(ErrorCode.INVALID_REQUEST);
    expect(hb(coordinator, { memberId: 'a', memberEpoch: 0, subscribedTopicNames: ['t'], rebalanceTimeoutMs: -1 }).errorCode).toBe(ErrorCode.INVALID_REQUEST);
    expect(hb(coordinator, { memberId: 'a', memberEpoch: 0, subscribedTopicNames: ['t'], ownedTopicPartitions: [{ topicId: idOf('t'), partitions: [0] }] }).errorCode).toBe(
      ErrorCode.INVALID_REQUEST,
    );
    expect(hb(coordinator, { memberId: 'a', memberEpoch: -3 }).errorCode).toBe(ErrorCode.INVALID_REQUEST);
    expect(hb(coordinator, { memberId: 'a', memberEpoch: 0, subscribedTopicNames: ['t'], instanceId: ' ' }).errorCode).toBe(ErrorCode.INVALID_REQUEST);
    expect(join(coordinator, 'a', ['t'], { serverAssignor: 'sticky' }).errorCode).toBe(ErrorCode.UNSUPPORTED_ASSIGNOR);
    expect(coordinator.group('g')).toBeUndefined();
    join(coordinator, 'a', ['t'], { serverAssignor: 'range' });
    expect(coordinator.describe('g')?.assignorName).toBe('range');
  });

  test('group.consumer.max.size and the classic group in the way', () => {
    const { topics, coordinator } = setup({ maxGroupSize: 1 });
    topics.add('t', 1);
    join(coordinator, 'a');
    expect(join(coordinator, 'b').errorCode).toBe(ErrorCode.GROUP_MAX_SIZE_REACHED);
    const other = setup({ classicActive: true });
    other.topics.add('t', 1);
    expect(join(other.coordinator, 'a').errorCode).toBe(ErrorCode.GROUP_ID_NOT_FOUND);
  });

  test('regex subscriptions: invalid ones are refused, new matching topics and partition growth bump the epoch', () => {
    const { topics, coordinator } = setup();
    topics.add('orders-eu', 2);
    topics.add('payments', 1);
    expect(join(coordinator, 'a', [], { subscribedTopicRegex: 'orders-(' }).errorCode).toBe(ErrorCode.INVALID_REGULAR_EXPRESSION);
    const r = join(coordinator, 'a', [], { subscribedTopicRegex: 'orders-.*' });
    expect(r.memberEpoch).toBe(1);
    expect(parts(r.assignment, 'orders-eu')).toEqual([0, 1]);
    expect(parts(r.assignment, 'payments')).toEqual([]);
    // A new topic matching the regex: the next heartbeat moves to a new epoch with it.
    topics.add('orders-us', 1);
    const r2 = hb(coordinator, { memberId: 'a', memberEpoch: 1 });
    expect(r2.memberEpoch).toBe(2);
    expect(parts(r2.assignment, 'orders-us')).toEqual([0]);
    // More partitions for a subscribed topic: another epoch.
    topics.byName.set('orders-eu', { name: 'orders-eu', topicId: idOf('orders-eu'), partitions: 3 });
    const r3 = hb(coordinator, { memberId: 'a', memberEpoch: 2 });
    expect(r3.memberEpoch).toBe(3);
    expect(parts(r3.assignment, 'orders-eu')).toEqual([0, 1, 2]);
    // The full-name match: a topic merely containing the pattern does not match.
    topics.add('old-orders-x', 1);
    expect(hb(coordinator, { memberId: 'a', memberEpoch: 3 })).toMatchObject({ memberEpoch: 3, assignment: null });
  });

  test('static members: -2 keeps the partitions for a replacement; an unreleased instance id is refused', () => {
    const { topics, coordinator } = setup();
    topics.add('t', 2);
    join(coordinator, 's1', ['t'], { instanceId: 'i1' });
    expect(join(coordinator, 's2', ['t'], { instanceId: 'i1' }).errorCode).toBe(ErrorCode.UNRELEASED_INSTANCE_ID);
    expect(hb(coordinator, { memberId: 's1', memberEpoch: -2, instanceId: 'i1' })).toMatchObject({ errorCode: ErrorCode.NONE, memberEpoch: -2 });
    const back = join(coordinator, 's2', ['t'], { instanceId: 'i1' });
    expect(back).toMatchObject({ errorCode: ErrorCode.NONE, memberId: 's2', memberEpoch: 1 });
    expect(parts(back.assignment)).toEqual([0, 1]);
    expect(coordinator.group('g')?.members.has('s1')).toBe(false);
    expect(hb(coordinator, { memberId: 's1', memberEpoch: 1, instanceId: 'i1' }).errorCode).toBe(ErrorCode.FENCED_INSTANCE_ID);
  });

  test('offset commit and fetch validation', () => {
    const { topics, coordinator } = setup();
    topics.add('t', 1);
    expect(coordinator.validateOffsetCommit('unknown', 'x', 3, 9)).toBe(ErrorCode.NONE);
    join(coordinator, 'a');
    expect(coordinator.validateOffsetCommit('g', 'a', 1, 9)).toBe(ErrorCode.NONE);
    expect(coordinator.validateOffsetCommit('g', 'a', 0, 9)).toBe(ErrorCode.STALE_MEMBER_EPOCH);
    expect(coordinator.validateOffsetCommit('g', 'a', 1, 8)).toBe(ErrorCode.UNSUPPORTED_VERSION);
    expect(coordinator.validateOffsetCommit('g', '', -1, 9)).toBe(ErrorCode.UNKNOWN_MEMBER_ID);
    expect(coordinator.validateOffsetFetch('g', null, -1)).toBe(ErrorCode.NONE);
    expect(coordinator.validateOffsetFetch('g', 'a', 1)).toBe(ErrorCode.NONE);
    expect(coordinator.validateOffsetFetch('g', 'a', 2)).toBe(ErrorCode.STALE_MEMBER_EPOCH);
    expect(coordinator.validateOffsetFetch('g', 'b', 1)).toBe(ErrorCode.UNKNOWN_MEMBER_ID);
    expect(coordinator.deleteGroup('g')).toBe(ErrorCode.NON_EMPTY_GROUP);
    // While it has members a classic JoinGroup joins it (GroupCoordinator.joinGroup asks isEmpty); once empty its id may become a classic group's.
    expect(coordinator.isEmpty('g')).toBe(false);
    hb(coordinator, { memberId: 'a', memberEpoch: -1 });
    expect(coordinator.validateOffsetCommit('g', '', -1, 2)).toBe(ErrorCode.NONE);
    expect(coordinator.isEmpty('g')).toBe(true);
    expect(coordinator.deleteGroup('g')).toBe(ErrorCode.NONE);
    expect(coordinator.has('g')).toBe(false);
  });

  test('a member of a group the broker no longer knows (restart) is told to rejoin', () => {
    const { coordinator } = setup();
    expect(hb(coordinator, { memberId: 'a', memberEpoch: 7 }).errorCode).toBe(ErrorCode.UNKNOWN_MEMBER_ID);
  });
});

describe('server assignors', () => {
  const spec = (members: { id: string; topics: string[]; prev?: [string, number[]][] }[], counts: [string, number][]) => ({
    members: members.map((m) => ({ memberId: m.id, subscribedTopicIds: new Set(m.topics), previousTarget: new Map((m.prev ?? []).map(([t, p]) => [t, new Set(p)])) })),
    partitionCounts: new Map(counts),
  });
  const sizes = (out: Map<string, Map<string, Set<number>>>) => [...out.values()].map((a) => [...a.values()].reduce((n, s) => n + s.size, 0));

  test('uniform balances within one and is sticky', () => {
    const out = uniformAssignor.assign(spec([{ id: 'a', topics: ['t'], prev: [['t', [0, 1, 2, 3, 4, 5]]] }, { id: 'b', topics: ['t'] }, { id: 'c', topics: ['t'] }], [['t', 7]]));
    expect(sizes(out).sort()).toEqual([2, 2, 3]);
    // a keeps a fair share of what it had.
    expect([...(out.get('a')?.get('t') ?? [])].every((p) => p <= 5)).toBe(true);
    const all = [...out.values()].flatMap((a) => [...(a.get('t') ?? [])]).sort();
    expect(all).toEqual([0, 1, 2, 3, 4, 5, 6]);
  });

  test('uniform respects differing subscriptions', () => {
    const out = uniformAssignor.assign(spec([{ id: 'a', topics: ['x', 'y'] }, { id: 'b', topics: ['y'] }], [['x', 2], ['y', 2]]));
    expect(out.get('b')?.get('x')).toBeUndefined();
    expect(sizes(out)).toEqual([2, 2]);
  });

  test('range gives contiguous ranges per topic', () => {
    const out = rangeAssignor.assign(spec([{ id: 'a', topics: ['t'] }, { id: 'b', topics: ['t'] }], [['t', 5]]));
    expect([...(out.get('a')?.get('t') ?? [])]).toEqual([0, 1, 2]);
    expect([...(out.get('b')?.get('t') ?? [])]).toEqual([3, 4]);
  });
});
