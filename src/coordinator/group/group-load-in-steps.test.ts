/**
 * A `__consumer_offsets` partition loaded a slice per turn of the event
 * loop: the real group coordinator over the real offsets topic on one
 * node's replica manager (with a second broker registered, so leadership
 * can move away and back), CoordinatorPartitions driving the load with
 * one step of a few records per turn, the turns run by hand.
 *
 * While it loads, its groups answer COORDINATOR_LOAD_IN_PROGRESS and are
 * not listed; once loaded the state is exactly what a one-turn load of the
 * same log gives (offsets, groups, pending transactional offsets, a marker
 * written while it loaded); an unload mid-load leaves nothing behind; a
 * reload mid-load (leadership gone and back) gives the right state.
 */
import { randomUUID } from 'node:crypto';
import type { ClusterNode } from '../../cluster/cluster-node';
import type { LiveBrokerRegistration } from '../../cluster/controller';
import { openSingleNode } from '../../cluster/test-support/single-node';
import { ErrorCode } from '../../protocol/errors';
import { ManualScheduler } from '../../time/manual-scheduler';
import { CoordinatorPartitions } from '../coordinator-partitions';
import { partitionForKey } from '../partition-for-key';
import { writeMarkersAsLeader } from '../transaction/partition-marker-writer';
import { GroupCoordinator, type GroupCoordinatorConfig } from './group-coordinator';
import { OFFSETS_TOPIC, OffsetsTopic } from './offsets-topic';

const CONFIG: GroupCoordinatorConfig = {
  initialRebalanceDelayMs: 0,
  minSessionTimeoutMs: 6000,
  maxSessionTimeoutMs: 300_000,
  maxGroupSize: 100,
  offsetsRetentionMs: 7 * 24 * 3600_000,
  offsetsRetentionCheckIntervalMs: 600_000,
  offsetMetadataMaxBytes: 4096,
};
const TOPIC_PARTITIONS = [0, 1, 2, 3, 4];
/** Records per step: the load below takes many turns. */
const STEP_RECORDS = 10;

let clock: ManualScheduler;
let node: ClusterNode;
let store: OffsetsTopic;
let gc: GroupCoordinator;
let partitions: CoordinatorPartitions;
/** The deferred turns of the load, run by hand. */
let turns: (() => void)[];

/** `n` group ids whose `__consumer_offsets` partition (of 2) is `p`. */
function idsOn(p: number, n: number, prefix: string): string[] {
  const out: string[] = [];
  for (let i = 0; out.length < n; i++) if (partitionForKey(`${prefix}${i}`, 2) === p) out.push(`${prefix}${i}`);
  return out;
}
const GROUPS = idsOn(0, 20, 'g');
/** Offsets committed in a transaction that commits before the load. */
const TXN_DONE = idsOn(0, 1, 'done')[0]!;
/** Offsets committed in a transaction whose marker is written while the partition loads. */
const TXN_LATE = idsOn(0, 1, 'late')[0]!;
/** Offsets committed in a transaction still open after the load. */
const TXN_OPEN = idsOn(0, 1, 'open')[0]!;
/** A group whose offsets were deleted (DeleteGroups tombstones). */
const DELETED = idsOn(0, 1, 'deleted')[0]!;
const ALL = [...GROUPS, TXN_DONE, TXN_LATE, TXN_OPEN, DELETED];

const live = (ids: number[]): Map<number, LiveBrokerRegistration> =>
  new Map(
    ids.map((id) => {
      const b = node.metadata.image.brokers.get(id)!;
      return [id, { brokerId: id, incarnationId: b.incarnationId, endpoints: b.endpoints, rack: b.rack, epoch: b.epoch }];
    }),
  );

/** Broker 1 fenced (broker 2 takes the partitions), then back as their only replica: a new leader epoch here. */
async function moveAwayAndBack(): Promise<void> {
  await node.controller.reconcileBrokers(live([2]));
  await node.controller.reconcileBrokers(live([1]));
}

const commit = (groupId: string, offset: bigint) =>
  gc.commitOffsets({
    groupId,
    generationId: -1,
    memberId: '',
    groupInstanceId: null,
    retentionTimeMs: -1,
    partitions: TOPIC_PARTITIONS.map((partition) => ({ topic: 't', partition, offset: offset + BigInt(partition), leaderEpoch: -1, metadata: null, commitTimestamp: -1 })),
  });

const txnCommit = (groupId: string, producerId: number, offset: bigint) =>
  gc.commitTransactionalOffsets({
    groupId,
    producerId,
    producerEpoch: 0,
    generationId: -1,
    memberId: '',
    groupInstanceId: null,
    partitions: TOPIC_PARTITIONS.map((partition) => ({ topic: 't', partition, offset, leaderEpoch: -1, metadata: null, commitTimestamp: -1 })),
  });

/** The COMMIT marker of the producer's transaction, written into partition 0 as WriteTxnMarkers does. */
async function writeCommitMarker(producerId: number): Promise<void> {
  const codes = await writeMarkersAsLeader({ replicas: node.replicas, groups: gc, timeoutMs: 5000, now: () => clock.now() }, [
    { producerId, producerEpoch: 0, coordinatorEpoch: 0, commit: true, partitions: [{ topic: OFFSETS_TOPIC, partition: 0 }] },
  ]);
  expect(codes).toEqual([[ErrorCode.NONE]]);
}

/** What a client could see of the groups of partition 0 (pending offsets as UNSTABLE_OFFSET_COMMIT). */
function snapshot(c: GroupCoordinator) {
  const mine = new Set(ALL);
  return {
    listed: c
      .listGroups([], [])
      .filter((g) => mine.has(g.groupId))
      .map((g) => `${g.groupId} ${g.groupType} ${g.state}`)
      .sort(),
    groups: ALL.map((id) => ({
      id,
      state: c.group(id)?.state ?? null,
      offsets: [...c.offsetsOf(id)].sort(([a], [b]) => a.localeCompare(b)),
      stable: c.fetchOffsets(id, [{ name: 't', partitions: TOPIC_PARTITIONS }], true),
    })),
  };
}

/** The same log loaded in one turn by a coordinator of its own. */
function oneTurnLoad() {
  const ref = new GroupCoordinator(CONFIG, new ManualScheduler(clock.now()), store);
  ref.loadPartitions([0]);
  const s = snapshot(ref);
  ref.close();
  return s;
}

/** Runs the queued turns until the load is done; how many it took. */
function runAllTurns(): number {
  let n = 0;
  while (turns.length > 0) {
    turns.shift()!();
    n++;
  }
  return n;
}

beforeEach(async () => {
  clock = new ManualScheduler();
  node = await openSingleNode({ scheduler: clock });
  await node.controller.registerBroker({ brokerId: 2, incarnationId: randomUUID(), endpoints: [{ name: 'PLAINTEXT', host: 'other', port: 9002, securityProtocol: 0 }], rack: null });
  store = new OffsetsTopic({ replicas: node.replicas, partitions: () => 2, ensureTopic: () => true, now: () => clock.now() });
  gc = new GroupCoordinator(CONFIG, clock, store);
  gc.start({ load: false });
  turns = [];
  partitions = new CoordinatorPartitions({
    topic: OFFSETS_TOPIC,
    nodeId: 1,
    owner: gc,
    replicas: node.replicas,
    metadata: node.metadata,
    replicationTimeoutMs: () => 5000,
    deferLoad: (turn) => turns.push(turn),
    loadOnInstall: true,
    // One step per turn.
    loadSliceMs: 0,
    loadStepRecords: STEP_RECORDS,
  });
  node.metadata.install(partitions);
  await node.controller.createTopics([
    {
      name: OFFSETS_TOPIC,
      numPartitions: -1,
      replicationFactor: -1,
      assignments: [
        { partitionIndex: 0, brokerIds: [1, 2] },
        { partitionIndex: 1, brokerIds: [2, 1] },
      ],
      configs: { 'unclean.leader.election.enable': 'true' },
    },
  ]);
  // Broker 1 alone leads both partitions (so writes need no follower), both empty: loaded at once.
  await moveAwayAndBack();
  expect(turns).toEqual([]);
  expect(partitions.ownerError(GROUPS[0]!)).toBe(ErrorCode.NONE);
  for (const id of GROUPS) expect(commit(id, 100n)).toEqual(TOPIC_PARTITIONS.map(() => ErrorCode.NONE));
  for (const id of GROUPS.slice(0, 10)) expect(commit(id, 200n)).toEqual(TOPIC_PARTITIONS.map(() => ErrorCode.NONE));
  txnCommit(TXN_DONE, 7, 70n);
  await writeCommitMarker(7);
  txnCommit(TXN_LATE, 8, 80n);
  // Records between the transactional offsets and a later plain commit of the same group.
  for (const id of GROUPS.slice(10, 15)) commit(id, 300n);
  commit(TXN_LATE, 81n);
  txnCommit(TXN_OPEN, 9, 90n);
  commit(DELETED, 5n);
  expect(gc.deleteGroups([DELETED])).toEqual([{ groupId: DELETED, errorCode: ErrorCode.NONE }]);
});

afterEach(() => {
  gc.close();
  node.close();
});

test('requests answer COORDINATOR_LOAD_IN_PROGRESS until the last step; then the state is a one-turn load’s', async () => {
  const running = snapshot(gc);
  await moveAwayAndBack();
  expect(partitions.ownerError(GROUPS[0]!)).toBe(ErrorCode.COORDINATOR_LOAD_IN_PROGRESS);
  expect(turns).toHaveLength(1);
  let taken = 0;
  const turn = () => {
    turns.shift()!();
    taken++;
  };
  turn();
  // Part of the log replayed: still loading, and its half-built groups are not listed.
  expect(partitions.ownerError(GROUPS[0]!)).toBe(ErrorCode.COORDINATOR_LOAD_IN_PROGRESS);
  expect(partitions.loading()).toBe(true);
  expect(snapshot(gc).listed).toEqual([]);
  expect(turns).toHaveLength(1);
  // Until the replay has reached the transactional offsets, not yet the plain commit after them.
  const lateUnstable = () => gc.fetchOffsets(TXN_LATE, [{ name: 't', partitions: [0] }], true).topics[0]!.partitions[0]!.errorCode === ErrorCode.UNSTABLE_OFFSET_COMMIT;
  while (!lateUnstable()) turn();
  expect(gc.offsetsOf(TXN_LATE).size).toBe(0);
  // The transaction's marker arrives while the partition loads: the replay takes it in log order,
  // after the plain commit (a completion at once would let the plain commit win).
  await writeCommitMarker(8);
  expect(partitions.loading()).toBe(true);
  taken += runAllTurns();
  expect(taken).toBeGreaterThan(10);
  expect(partitions.ownerError(GROUPS[0]!)).toBe(ErrorCode.NONE);
  expect(partitions.loading()).toBe(false);
  const loaded = snapshot(gc);
  expect(loaded).toEqual(oneTurnLoad());
  // And what the running coordinator held, with the late marker's offsets committed.
  const late = loaded.groups.find((g) => g.id === TXN_LATE)!;
  expect(late.offsets.map(([, v]) => v.offset)).toEqual(TOPIC_PARTITIONS.map(() => 80n));
  expect(loaded.groups.filter((g) => g.id !== TXN_LATE)).toEqual(running.groups.filter((g) => g.id !== TXN_LATE));
  const open = loaded.groups.find((g) => g.id === TXN_OPEN)!;
  expect(open.stable.topics[0]!.partitions.map((p) => p.errorCode)).toEqual(TOPIC_PARTITIONS.map(() => ErrorCode.UNSTABLE_OFFSET_COMMIT));
});

test('an unload mid-load leaves nothing behind and answers NOT_COORDINATOR', async () => {
  await moveAwayAndBack();
  turns.shift()!();
  turns.shift()!();
  expect(partitions.loading()).toBe(true);
  // The partition moves to broker 2 before its load finished.
  await node.controller.reconcileBrokers(live([2]));
  runAllTurns();
  expect(partitions.ownerError(GROUPS[0]!)).toBe(ErrorCode.NOT_COORDINATOR);
  expect(partitions.loading()).toBe(false);
  for (const id of ALL) {
    expect(gc.group(id)).toBeUndefined();
    expect(gc.offsetsOf(id).size).toBe(0);
    // No pending transactional offset of the unloaded groups either.
    expect(gc.fetchOffsets(id, [{ name: 't', partitions: TOPIC_PARTITIONS }], true).topics[0]!.partitions.map((p) => p.errorCode)).toEqual(
      TOPIC_PARTITIONS.map(() => ErrorCode.NONE),
    );
  }
  expect(snapshot(gc).listed).toEqual([]);
});

test('leadership gone and back mid-load: the newer load gives the one-turn state', async () => {
  await moveAwayAndBack();
  turns.shift()!();
  turns.shift()!();
  await moveAwayAndBack();
  expect(partitions.ownerError(GROUPS[0]!)).toBe(ErrorCode.COORDINATOR_LOAD_IN_PROGRESS);
  expect(runAllTurns()).toBeGreaterThan(10);
  expect(partitions.ownerError(GROUPS[0]!)).toBe(ErrorCode.NONE);
  expect(snapshot(gc)).toEqual(oneTurnLoad());
});

test('the retention check passes a loading partition by: nothing is written to it', async () => {
  await moveAwayAndBack();
  turns.shift()!();
  const end = node.replicas.getPartition(OFFSETS_TOPIC, 0)!.logEndOffset;
  // Every offset is past its retention now; the loading partition's are not expired (not even looked at).
  clock.advance(CONFIG.offsetsRetentionMs + CONFIG.offsetsRetentionCheckIntervalMs);
  expect(node.replicas.getPartition(OFFSETS_TOPIC, 0)!.logEndOffset).toBe(end);
  runAllTurns();
  expect(snapshot(gc)).toEqual(oneTurnLoad());
});
