/**
 * A KIP-848 group's state is its records: whatever the coordinator did,
 * replaying what it wrote into a fresh coordinator (a broker restart) gives
 * the same groups; a member keeps its id, epoch and assignment across the
 * restart; an operation whose records cannot be stored changes nothing.
 */
import * as fc from 'fast-check';
import { ErrorCode } from '../../../protocol/errors';
import { ManualScheduler } from '../../../time/manual-scheduler';
import { GroupCoordinator } from '../group-coordinator';
import { MemoryGroupStore } from '../memory-group-store';
import { ConsumerGroupCoordinator, type TopicCatalogEntry } from './consumer-group-coordinator';
import { heartbeat, idOf } from './test-support/heartbeats';
import { decodeConsumerGroupRecord } from './consumer-group-records';
import { rangeAssignor } from './range-assignor';
import type { WireTopicPartitions } from './topic-partitions';
import { uniformAssignor } from './uniform-assignor';

const SESSION_MS = 45_000;

const TOPICS: TopicCatalogEntry[] = [
  { name: 'a', topicId: idOf('a'), partitions: 4 },
  { name: 'b', topicId: idOf('b'), partitions: 3 },
];
const CATALOG = {
  get: (name: string) => TOPICS.find((t) => t.name === name),
  getById: (id: string) => TOPICS.find((t) => t.topicId === id),
  list: () => TOPICS,
};

const CONSUMER_CONFIG = { sessionTimeoutMs: SESSION_MS, heartbeatIntervalMs: 5000, maxGroupSize: 100, assignors: [uniformAssignor, rangeAssignor] };

function coordinatorOn(store: MemoryGroupStore, scheduler = new ManualScheduler()) {
  const coordinator = new ConsumerGroupCoordinator(
    CONSUMER_CONFIG,
    scheduler,
    CATALOG,
    { isActive: () => false },
    store,
  );
  return { coordinator, scheduler };
}

/** The group coordinator (offsets, retention, the topic) with its KIP-848 side, as the broker wires it. */
function bothCoordinatorsOn(store: MemoryGroupStore, clock: ManualScheduler, offsetsRetentionMs: number, offsetsRetentionCheckIntervalMs: number) {
  const groups = new GroupCoordinator(
    { initialRebalanceDelayMs: 0, minSessionTimeoutMs: 1, maxSessionTimeoutMs: 600_000, maxGroupSize: 100, offsetsRetentionMs, offsetsRetentionCheckIntervalMs, offsetMetadataMaxBytes: 4096 },
    clock,
    store,
    null,
    { config: CONSUMER_CONFIG, topics: CATALOG },
  );
  groups.start();
  return { groups, coordinator: groups.consumerGroups };
}

/** A restart: a new coordinator loads what the old one wrote. */
function restarted(store: MemoryGroupStore) {
  const next = coordinatorOn(store);
  next.coordinator.load(store.records);
  return next;
}

/** Everything a client or an operator can see of the groups. */
function visible(c: ConsumerGroupCoordinator) {
  return c
    .list()
    .map((g) => g.groupId)
    .sort()
    .map((id) => c.describe(id));
}

describe('KIP-848 group state is its records', () => {
  test('a member keeps its id, epoch and assignment across a restart, and heartbeats on as if nothing happened', () => {
    const store = new MemoryGroupStore();
    const { coordinator } = coordinatorOn(store);
    const first = heartbeat(coordinator, { groupId: 'g', memberId: 'm1', memberEpoch: 0, subscribedTopicNames: ['a'] });
    expect(first).toMatchObject({ errorCode: ErrorCode.NONE, memberEpoch: 1 });
    const before = visible(coordinator);
    // The records are Kafka's: key versions 3 (epoch) to 8 (current assignment).
    expect(new Set(store.records.map((r) => r.key.readInt16BE(0)))).toEqual(new Set([3, 4, 5, 6, 7, 8]));

    // A heartbeat that changes nothing writes nothing (heartbeats are frequent; the log is not).
    const written = store.records.length;
    expect(heartbeat(coordinator, { groupId: 'g', memberId: 'm1', memberEpoch: 1 }).errorCode).toBe(ErrorCode.NONE);
    expect(store.records).toHaveLength(written);

    const after = restarted(store);
    expect(visible(after.coordinator)).toEqual(before);
    expect(heartbeat(after.coordinator, { groupId: 'g', memberId: 'm1', memberEpoch: 1 })).toMatchObject({ errorCode: ErrorCode.NONE, memberEpoch: 1 });
    // The member's session starts again at the restart: silent, it is fenced after one session timeout.
    const silent = restarted(store);
    silent.scheduler.advance(SESSION_MS + 1);
    expect(silent.coordinator.describe('g')?.members).toEqual([]);
  });

  test('records that cannot be stored undo the heartbeat: the member is told, the group is as before', () => {
    const store = new MemoryGroupStore();
    const { coordinator } = coordinatorOn(store);
    heartbeat(coordinator, { groupId: 'g', memberId: 'm1', memberEpoch: 0, subscribedTopicNames: ['a'] });
    const before = visible(coordinator);
    const written = store.records.length;
    store.failWith = ErrorCode.NOT_COORDINATOR;
    expect(heartbeat(coordinator, { groupId: 'g', memberId: 'm2', memberEpoch: 0, subscribedTopicNames: ['a', 'b'] }).errorCode).toBe(ErrorCode.NOT_COORDINATOR);
    expect(heartbeat(coordinator, { groupId: 'h', memberId: 'x', memberEpoch: 0, subscribedTopicNames: ['b'] }).errorCode).toBe(ErrorCode.NOT_COORDINATOR);
    expect(visible(coordinator)).toEqual(before);
    expect(store.records).toHaveLength(written);
    store.failWith = ErrorCode.NONE;
    expect(heartbeat(coordinator, { groupId: 'g', memberId: 'm2', memberEpoch: 0, subscribedTopicNames: ['a', 'b'] }).errorCode).toBe(ErrorCode.NONE);
    expect(visible(restarted(store).coordinator)).toEqual(visible(coordinator));
  });

  test('a deleted group stays deleted after a restart; every record decodes', () => {
    const store = new MemoryGroupStore();
    const { coordinator } = coordinatorOn(store);
    heartbeat(coordinator, { groupId: 'g', memberId: 'm1', memberEpoch: 0, subscribedTopicNames: ['a'] });
    heartbeat(coordinator, { groupId: 'g', memberId: 'm1', memberEpoch: -1 });
    expect(coordinator.deleteGroup('g')).toBe(ErrorCode.NONE);
    expect(coordinator.describe('g')).toBeNull();
    expect(restarted(store).coordinator.describe('g')).toBeNull();
    for (const r of store.records) expect(() => decodeConsumerGroupRecord(r.key, r.value)).not.toThrow();
  });

  test('an empty consumer group whose offsets expired is deleted by the retention check, records and all', () => {
    const minute = 60_000;
    const store = new MemoryGroupStore();
    const clock = new ManualScheduler();
    const { groups, coordinator } = bothCoordinatorsOn(store, clock, 10 * minute, minute);
    heartbeat(coordinator, { groupId: 'g', memberId: 'm1', memberEpoch: 0, subscribedTopicNames: ['a'] });
    const committed = groups.commitOffsets({ groupId: 'g', generationId: 1, memberId: 'm1', groupInstanceId: null, retentionTimeMs: -1, apiVersion: 9, partitions: [{ topic: 'a', partition: 0, offset: 5n, leaderEpoch: -1, metadata: null, commitTimestamp: -1 }] });
    expect(committed).toEqual([ErrorCode.NONE]);
    // While its member heartbeats and subscribes, nothing goes, however old the commit.
    for (let t = 0; t < 30 * minute; t += 30_000) {
      clock.advance(30_000);
      expect(heartbeat(coordinator, { groupId: 'g', memberId: 'm1', memberEpoch: 1 }).errorCode).toBe(ErrorCode.NONE);
    }
    expect(groups.fetchOffsets('g', null).topics).toHaveLength(1);
    heartbeat(coordinator, { groupId: 'g', memberId: 'm1', memberEpoch: -1 });
    // Empty: its offset is past retention (by commit time), so the next check expires it, then the group goes.
    clock.advance(minute);
    expect(groups.fetchOffsets('g', null).topics).toHaveLength(0);
    expect(coordinator.describe('g')).toBeNull();
    expect(restarted(store).coordinator.describe('g')).toBeNull();
    groups.close();
  });

  test('a group unloaded with its __consumer_offsets partition stops its timers, and loaded again is as it was', () => {
    const store = new MemoryGroupStore();
    const clock = new ManualScheduler();
    const { groups, coordinator } = bothCoordinatorsOn(store, clock, 7 * 24 * 3600_000, 600_000);
    heartbeat(coordinator, { groupId: 'g', memberId: 'm1', memberEpoch: 0, subscribedTopicNames: ['a'] });
    const before = visible(coordinator);
    groups.unloadPartitions([0]); // the memory store keeps every group in partition 0
    expect(coordinator.describe('g')).toBeNull();
    const written = store.records.length;
    clock.advance(SESSION_MS + 1);
    expect(store.records).toHaveLength(written); // no session timeout fenced anybody
    groups.loadPartitions([0]);
    expect(visible(coordinator)).toEqual(before);
    groups.close();
  });

  // Operations a fuzzer picks: joins, heartbeats that acknowledge the assignment or not, leaves (static too), time passing.
  type Op =
    | { op: 'join'; member: number; topics: string[]; instance: boolean }
    | { op: 'ack'; member: number }
    | { op: 'beat'; member: number }
    | { op: 'leave'; member: number; temporarily: boolean }
    | { op: 'wait'; ms: number }
    | { op: 'delete' };
  const opArb: fc.Arbitrary<Op> = fc.oneof(
    fc.record({ op: fc.constant('join' as const), member: fc.nat(3), topics: fc.subarray(['a', 'b'], { minLength: 1 }), instance: fc.boolean() }),
    fc.record({ op: fc.constant('ack' as const), member: fc.nat(3) }),
    fc.record({ op: fc.constant('beat' as const), member: fc.nat(3) }),
    fc.record({ op: fc.constant('leave' as const), member: fc.nat(3), temporarily: fc.boolean() }),
    fc.record({ op: fc.constant('wait' as const), ms: fc.constantFrom(1_000, 20_000, 31_000, 46_000) }),
    fc.record({ op: fc.constant('delete' as const) }),
  );

  test('property: after any sequence of operations, replaying the records gives exactly the live groups', () => {
    fc.assert(
      fc.property(fc.array(opArb, { maxLength: 40 }), (ops) => {
        const store = new MemoryGroupStore();
        const { coordinator, scheduler } = coordinatorOn(store);
        const epochs = new Map<number, number>();
        const owned = new Map<number, WireTopicPartitions[]>();
        for (const o of ops) {
          if (o.op === 'wait') {
            scheduler.advance(o.ms);
            continue;
          }
          if (o.op === 'delete') {
            coordinator.deleteGroup('g');
            continue;
          }
          const memberId = `member-${o.member}`;
          const epoch = epochs.get(o.member);
          let r;
          if (o.op === 'join') {
            r = heartbeat(coordinator, { groupId: 'g', memberId, memberEpoch: 0, subscribedTopicNames: o.topics, instanceId: o.instance ? `instance-${o.member}` : null });
          } else if (epoch === undefined) {
            continue;
          } else if (o.op === 'leave') {
            const instanceId = coordinator.describe('g')?.members.find((m) => m.memberId === memberId)?.instanceId ?? null;
            r = heartbeat(coordinator, { groupId: 'g', memberId, memberEpoch: o.temporarily && instanceId !== null ? -2 : -1, instanceId });
            epochs.delete(o.member);
            continue;
          } else {
            r = heartbeat(coordinator, { groupId: 'g', memberId, memberEpoch: epoch, ownedTopicPartitions: o.op === 'ack' ? (owned.get(o.member) ?? []) : null });
          }
          if (r.errorCode === ErrorCode.NONE) {
            epochs.set(o.member, r.memberEpoch);
            if (r.assignment !== null) owned.set(o.member, r.assignment);
          } else epochs.delete(o.member);
        }
        expect(visible(restarted(store).coordinator)).toEqual(visible(coordinator));
      }),
      { numRuns: 200 },
    );
  });
});
