/**
 * Records first, for mixed groups and the online migration: whatever a
 * random sequence of classic-protocol operations (JoinGroup, SyncGroup,
 * Heartbeat, LeaveGroup, OffsetCommit) and consumer-protocol heartbeats
 * (join, heartbeat acknowledging revocations, leave) does to one group id —
 * upgrades, downgrades, classic members served by the server assignor,
 * timeouts, failed appends — a coordinator rebuilt from the records written
 * so far holds the same durable state as the live one, after every step.
 */
import fc from 'fast-check';
import { ErrorCode } from '../../protocol/errors';
import { ManualScheduler } from '../../time/manual-scheduler';
import { GroupCoordinator, type GroupCoordinatorConfig, type ConsumerGroupsOptions } from './group-coordinator';
import type { JoinGroupResult } from './group-results';
import { MemoryGroupStore } from './memory-group-store';
import { uniformAssignor } from './consumer/uniform-assignor';
import { heartbeatRequest } from './consumer/test-support/heartbeats';
import { type TopicPartitionSet, toWire, type WireTopicPartitions } from './consumer/topic-partitions';
import { encodeConsumerAssignment } from './consumer-protocol';
import { encodeMessageToBuffer } from '../../protocol/message-io';
import { ConsumerProtocolSubscriptionCodec } from '../../protocol/messages';

const CONFIG: GroupCoordinatorConfig = {
  initialRebalanceDelayMs: 1000,
  minSessionTimeoutMs: 6000,
  maxSessionTimeoutMs: 300_000,
  maxGroupSize: 4,
  offsetsRetentionMs: 7 * 24 * 3600 * 1000,
  offsetsRetentionCheckIntervalMs: 600_000,
  offsetMetadataMaxBytes: 4096,
  migrationPolicy: 'bidirectional',
};

const T = '00000000-0000-0000-0000-00000000000a';
const TOPICS = [{ name: 't', topicId: T, partitions: 4 }];
const CONSUMER: ConsumerGroupsOptions = {
  config: { sessionTimeoutMs: 20_000, heartbeatIntervalMs: 5000, maxGroupSize: 4, assignors: [uniformAssignor] },
  topics: { get: (n) => TOPICS.find((t) => t.name === n), getById: (id) => TOPICS.find((t) => t.topicId === id), list: () => TOPICS },
};

const settle = () => new Promise<void>((resolve) => setImmediate(resolve));

function subscription(version: number): Buffer {
  const prefix = Buffer.alloc(2);
  prefix.writeInt16BE(version);
  return Buffer.concat([prefix, encodeMessageToBuffer(ConsumerProtocolSubscriptionCodec, { topics: ['t'], userData: null, ownedPartitions: [], generationId: -1, rackId: null }, version)]);
}

type Op =
  | { op: 'classicJoin'; client: number; twoStep: boolean }
  | { op: 'classicSync'; client: number }
  | { op: 'classicHeartbeat'; client: number }
  | { op: 'classicLeave'; client: number }
  | { op: 'classicCommit'; client: number; offset: number }
  | { op: 'consumerJoin'; member: number }
  | { op: 'consumerHeartbeat'; member: number }
  | { op: 'consumerLeave'; member: number }
  | { op: 'wait'; ms: number };

interface Step {
  o: Op;
  appendsFail: boolean;
}

const client = fc.nat(1);
const member = fc.nat(1);
const opArb: fc.Arbitrary<Op> = fc.oneof(
  { arbitrary: fc.record({ op: fc.constant('classicJoin' as const), client, twoStep: fc.boolean() }), weight: 4 },
  { arbitrary: fc.record({ op: fc.constant('classicSync' as const), client }), weight: 4 },
  { arbitrary: fc.record({ op: fc.constant('classicHeartbeat' as const), client }), weight: 3 },
  { arbitrary: fc.record({ op: fc.constant('classicLeave' as const), client }), weight: 1 },
  { arbitrary: fc.record({ op: fc.constant('classicCommit' as const), client, offset: fc.nat(1000) }), weight: 2 },
  { arbitrary: fc.record({ op: fc.constant('consumerJoin' as const), member }), weight: 3 },
  { arbitrary: fc.record({ op: fc.constant('consumerHeartbeat' as const), member }), weight: 4 },
  { arbitrary: fc.record({ op: fc.constant('consumerLeave' as const), member }), weight: 2 },
  { arbitrary: fc.record({ op: fc.constant('wait' as const), ms: fc.constantFrom(1500, 7000, 12_000, 25_000) }), weight: 3 },
);
const stepArb: fc.Arbitrary<Step> = fc.record({ o: opArb, appendsFail: fc.nat(9).map((n) => n === 0) });

const wire = (s: TopicPartitionSet) => toWire(s);

/** What the records carry of group g (a classic rebalance in progress is not durable: then only the offsets). */
function durable(gc: GroupCoordinator): unknown {
  const offsets = [...gc.offsetsOf('g')].sort(([a], [b]) => a.localeCompare(b));
  const consumer = gc.consumerGroups.group('g');
  if (consumer) {
    return {
      kind: 'consumer',
      groupEpoch: consumer.groupEpoch,
      assignmentEpoch: consumer.assignmentEpoch,
      subscriptionMetadata: [...consumer.subscriptionMetadata],
      members: [...consumer.members.values()]
        .map((m) => ({
          ...m.fields(),
          assignedPartitions: wire(m.assignedPartitions),
          partitionsPendingRevocation: wire(m.partitionsPendingRevocation),
          classicMemberMetadata:
            m.classicMemberMetadata === null ? null : { ...m.classicMemberMetadata, supportedProtocols: m.classicMemberMetadata.supportedProtocols.map((p) => `${p.name}:${p.metadata.toString('hex')}`) },
        }))
        .sort((a, b) => a.memberId.localeCompare(b.memberId)),
      targets: [...consumer.targetAssignment].map(([id, s]) => [id, wire(s)]).sort(([a], [b]) => String(a).localeCompare(String(b))),
      offsets,
    };
  }
  const g = gc.group('g');
  if (g === undefined) return { offsets };
  if (!g.is('Stable') && !g.is('Empty')) return { inRebalance: true, offsets };
  // A group that never formed a generation (bare offsets, a member id handed out) is no durable group state.
  if (g.is('Empty') && g.generationId === 0) return { offsets };
  const protocol = g.protocolName ?? '';
  return {
    kind: 'classic',
    state: g.state,
    generation: g.generationId,
    protocolName: g.protocolName,
    leader: g.leaderId,
    members: [...g.members.values()]
      .map((m) => ({ memberId: m.memberId, sessionTimeoutMs: m.sessionTimeoutMs, subscription: m.metadataFor(protocol).toString('hex'), assignment: m.assignment.toString('hex') }))
      .sort((a, b) => a.memberId.localeCompare(b.memberId)),
    offsets,
  };
}

function comparable(live: unknown, rebuilt: unknown): [unknown, unknown] {
  const l = live as { inRebalance?: boolean; offsets: unknown };
  if (l.inRebalance === true) return [l, { inRebalance: true, offsets: (rebuilt as { offsets: unknown }).offsets }];
  return [live, rebuilt];
}

interface ClassicClient {
  memberId: string;
  generation: number;
  joined: JoinGroupResult | null;
}

interface ConsumerClient {
  memberId: string;
  epoch: number;
  /** What it owns (its last assignment: it acknowledges revocations on its next heartbeat). */
  owned: WireTopicPartitions[];
}

async function run(steps: readonly (Op | Step)[]): Promise<void> {
  const store = new MemoryGroupStore();
  const clock = new ManualScheduler();
  const gc = new GroupCoordinator(CONFIG, clock, store, null, CONSUMER);
  gc.start();
  const classic: ClassicClient[] = [0, 1].map(() => ({ memberId: '', generation: -1, joined: null }));
  const consumers: ConsumerClient[] = [0, 1].map((i) => ({ memberId: `m${i}`, epoch: -1, owned: [] }));
  const forget = (c: ClassicClient) => Object.assign(c, { memberId: '', generation: -1, joined: null });

  for (const step of steps) {
    const { o, appendsFail } = 'o' in step ? step : { o: step, appendsFail: false };
    if (appendsFail) store.failWith = ErrorCode.NOT_ENOUGH_REPLICAS;
    switch (o.op) {
      case 'classicJoin': {
        const me = classic[o.client] as ClassicClient;
        const protocols = [
          { name: o.client === 0 ? 'roundrobin' : 'range', metadata: subscription(o.client) },
          { name: o.client === 0 ? 'range' : 'roundrobin', metadata: subscription(o.client) },
        ];
        void gc
          .joinGroup({ groupId: 'g', memberId: me.memberId, groupInstanceId: null, requireKnownMemberId: o.twoStep, supportSkipAssignment: false, clientId: `classic-${o.client}`, clientHost: '/10.0.0.1', rebalanceTimeoutMs: 10_000, sessionTimeoutMs: 8000 + 1000 * o.client, protocolType: 'consumer', protocols, reason: null })
          .then((r) => {
            if (r.errorCode === ErrorCode.NONE) Object.assign(me, { memberId: r.memberId, generation: r.generationId, joined: r });
            else if (r.errorCode === ErrorCode.MEMBER_ID_REQUIRED) me.memberId = r.memberId;
            else if (r.errorCode === ErrorCode.UNKNOWN_MEMBER_ID) forget(me);
          });
        break;
      }
      case 'classicSync': {
        const me = classic[o.client] as ClassicClient;
        if (me.joined === null) break;
        // A leader assigns round robin (valid consumer-protocol assignments, as a real client's).
        const ids = me.joined.leaderId === me.memberId ? me.joined.members.map((m) => m.memberId) : [];
        const assignments = new Map(ids.map((id, i) => [id, encodeConsumerAssignment([{ topic: 't', partitions: [0, 1, 2, 3].filter((p) => p % ids.length === i) }], 0)]));
        void gc.syncGroup({ groupId: 'g', generationId: me.generation, memberId: me.memberId, groupInstanceId: null, protocolType: 'consumer', protocolName: me.joined.protocolName, assignments });
        break;
      }
      case 'classicHeartbeat': {
        const me = classic[o.client] as ClassicClient;
        if (me.memberId === '') break;
        if (gc.heartbeat({ groupId: 'g', generationId: me.generation, memberId: me.memberId, groupInstanceId: null }) === ErrorCode.UNKNOWN_MEMBER_ID) forget(me);
        break;
      }
      case 'classicLeave': {
        const me = classic[o.client] as ClassicClient;
        if (me.memberId !== '') gc.leaveGroup('g', [{ memberId: me.memberId, groupInstanceId: null, reason: null }]);
        forget(me);
        break;
      }
      case 'classicCommit': {
        const me = classic[o.client] as ClassicClient;
        gc.commitOffsets({ groupId: 'g', generationId: me.generation, memberId: me.memberId, groupInstanceId: null, retentionTimeMs: -1, apiVersion: 5, partitions: [{ topic: 't', partition: o.client, offset: BigInt(o.offset), leaderEpoch: -1, metadata: null, commitTimestamp: -1 }] });
        break;
      }
      case 'consumerJoin':
      case 'consumerHeartbeat':
      case 'consumerLeave': {
        const me = consumers[o.member] as ConsumerClient;
        if (o.op === 'consumerHeartbeat' && me.epoch < 0) break;
        const memberEpoch = o.op === 'consumerJoin' ? 0 : o.op === 'consumerLeave' ? -1 : me.epoch;
        const r = gc.consumerGroupHeartbeat(
          heartbeatRequest({ memberId: me.memberId, memberEpoch, subscribedTopicNames: memberEpoch === 0 ? ['t'] : null, ownedTopicPartitions: memberEpoch === 0 ? [] : memberEpoch > 0 ? me.owned : null }),
        );
        if (o.op === 'consumerLeave' || r.errorCode !== ErrorCode.NONE) Object.assign(me, { epoch: -1, owned: [] });
        else {
          me.epoch = r.memberEpoch;
          if (r.assignment !== null) me.owned = r.assignment;
        }
        break;
      }
      case 'wait':
        clock.advance(o.ms);
        break;
    }
    await settle();
    if (appendsFail) store.failWith = ErrorCode.NONE;
    const restarted = new GroupCoordinator(CONFIG, new ManualScheduler(clock.now()), store, null, CONSUMER);
    restarted.start();
    const [live, rebuilt] = comparable(durable(gc), durable(restarted));
    restarted.close();
    expect(rebuilt).toEqual(live);
  }
  gc.close();
}

/** Two classic members, Stable at generation 1 with an assignment. */
const CLASSIC_GROUP_OF_TWO: Op[] = [
  { op: 'classicJoin', client: 0, twoStep: false },
  { op: 'classicJoin', client: 1, twoStep: false },
  { op: 'wait', ms: 1500 },
  { op: 'classicSync', client: 0 },
  { op: 'classicSync', client: 1 },
];

describe('mixed groups: records first', () => {
  test('property: after every step of any sequence of classic and consumer-protocol operations on one group id, replaying the records gives the live durable state', async () => {
    await fc.assert(
      fc.asyncProperty(fc.boolean(), fc.array(stepArb, { maxLength: 40 }), (fromClassic, steps) => run(fromClassic ? [...CLASSIC_GROUP_OF_TWO, ...steps] : steps)),
      { numRuns: 500 },
    );
  });

  test('an upgrade, the classic members rejoining, and a downgrade replay to the live state at every step', async () => {
    await run([
      ...CLASSIC_GROUP_OF_TWO,
      { op: 'consumerJoin', member: 0 },
      { op: 'classicHeartbeat', client: 0 },
      { op: 'classicJoin', client: 0, twoStep: false },
      { op: 'classicSync', client: 0 },
      { op: 'classicHeartbeat', client: 1 },
      { op: 'classicJoin', client: 1, twoStep: false },
      { op: 'classicSync', client: 1 },
      { op: 'consumerHeartbeat', member: 0 },
      { op: 'classicCommit', client: 1, offset: 7 },
      { op: 'consumerLeave', member: 0 },
      { op: 'classicJoin', client: 0, twoStep: false },
      { op: 'classicJoin', client: 1, twoStep: false },
      { op: 'wait', ms: 1500 },
      { op: 'classicSync', client: 0 },
      { op: 'classicSync', client: 1 },
    ]);
  });
});
