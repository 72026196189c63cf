/**
 * CoordinatorPartitions over a real replica manager (one node's cluster
 * layer, with a second broker registered so `__consumer_offsets` has a
 * follower): a coordinator's answer waits for the high watermark, its
 * failures are Kafka's coordinator errors, and partitions load and unload
 * as leadership moves (NOT_COORDINATOR away from the leader).
 */
import { randomUUID } from 'node:crypto';
import type { ClusterNode } from '../cluster/cluster-node';
import type { LiveBrokerRegistration } from '../cluster/controller';
import { openSingleNode } from '../cluster/test-support/single-node';
import { ErrorCode } from '../protocol/errors';
import { encodeRecordBatch } from '../protocol/records';
import { ManualScheduler } from '../time/manual-scheduler';
import { coordinatorAppendError } from './coordinator-append-error';
import { afterReplication, CoordinatorPartitions, type CoordinatorPartitionsOptions, type PartitionOwner } from './coordinator-partitions';
import { partitionForKey } from './partition-for-key';

const TOPIC = '__consumer_offsets';
const batch = (v: string) => encodeRecordBatch([{ key: Buffer.from('k'), value: Buffer.from(v), timestamp: 1n }]);
const settle = () => new Promise((resolve) => setImmediate(resolve));

let clock: ManualScheduler;
let node: ClusterNode;
let loads: number[][];
let unloads: number[][];
let partitions: CoordinatorPartitions;
/** The same topic's partitions, with deferred loads run from `deferredLoads`. */
let deferred: CoordinatorPartitions;
let deferredLoads: (() => void)[];
let deferredLog: string[];

/** A group id whose partition (of 2) is `p`. */
function keyOn(p: number): string {
  for (let i = 0; ; i++) if (partitionForKey(`g${i}`, 2) === p) return `g${i}`;
}

const live = (ids: number[]): Map<number, LiveBrokerRegistration> =>
  new Map(
    ids.map((id) => {
      const b = node.metadata.image.brokers.get(id)!;
      return [id, { brokerId: id, incarnationId: b.incarnationId, endpoints: b.endpoints, rack: b.rack, epoch: b.epoch }];
    }),
  );

beforeEach(async () => {
  clock = new ManualScheduler();
  node = await openSingleNode({ scheduler: clock });
  await node.controller.registerBroker({ brokerId: 2, incarnationId: randomUUID(), endpoints: [{ name: 'PLAINTEXT', host: 'other', port: 9002, securityProtocol: 0 }], rack: null });
  loads = [];
  unloads = [];
  partitions = new CoordinatorPartitions({
    topic: TOPIC,
    nodeId: 1,
    owner: { loadPartitions: (p) => loads.push([...p]), unloadPartitions: (p) => unloads.push([...p]) },
    replicas: node.replicas,
    metadata: node.metadata,
    replicationTimeoutMs: () => 5000,
  });
  node.metadata.install(partitions);
  deferredLoads = [];
  deferredLog = [];
  deferred = new CoordinatorPartitions({
    topic: TOPIC,
    nodeId: 1,
    owner: { loadPartitions: (p) => deferredLog.push(`load ${p.join(',')}`), unloadPartitions: (p) => deferredLog.push(`unload ${p.join(',')}`) },
    replicas: node.replicas,
    metadata: node.metadata,
    replicationTimeoutMs: () => 5000,
    deferLoad: (load) => deferredLoads.push(load),
  });
  node.metadata.install(deferred);
  // Partition 0 led here with broker 2 following; partition 1 led by broker 2.
  await node.controller.createTopics([
    {
      name: TOPIC,
      numPartitions: -1,
      replicationFactor: -1,
      assignments: [
        { partitionIndex: 0, brokerIds: [1, 2] },
        { partitionIndex: 1, brokerIds: [2, 1] },
      ],
      configs: {},
    },
  ]);
});
afterEach(() => node.close());

describe('who coordinates a key', () => {
  test('the leader of its partition, once loaded; NOT_COORDINATOR elsewhere', () => {
    expect(loads).toEqual([[0]]);
    expect(partitions.loadedPartitions()).toEqual([0]);
    expect(partitions.ownerError(keyOn(0))).toBe(ErrorCode.NONE);
    expect(partitions.ownerError(keyOn(1))).toBe(ErrorCode.NOT_COORDINATOR);
  });

  test('before the topic exists the coordinator answers for itself', async () => {
    const other = new CoordinatorPartitions({
      topic: '__transaction_state',
      nodeId: 1,
      owner: { loadPartitions: () => {}, unloadPartitions: () => {} },
      replicas: node.replicas,
      metadata: node.metadata,
      replicationTimeoutMs: () => 5000,
    });
    expect(other.ownerError('t')).toBe(ErrorCode.NONE);
    expect(other.whenReplicated('t')).toBe(ErrorCode.NONE);
  });

  test('leadership moving away unloads (NOT_COORDINATOR), coming back loads it again', async () => {
    // Broker 1 drops out: broker 2 leads partition 0.
    await node.controller.reconcileBrokers(live([2]));
    expect(unloads).toEqual([[0]]);
    expect(partitions.ownerError(keyOn(0))).toBe(ErrorCode.NOT_COORDINATOR);
    // Broker 2 goes, broker 1 is back but out of every ISR: no leader anywhere.
    await node.controller.reconcileBrokers(live([1]));
    expect(node.metadata.image.topics.partition(TOPIC, 0)?.leader).toBe(-1);
    expect(partitions.ownerError(keyOn(0))).toBe(ErrorCode.NOT_COORDINATOR);
    // An unclean election makes it the leader of both: it loads both.
    await node.controller.setTopicConfigs(TOPIC, { 'unclean.leader.election.enable': 'true' });
    await node.controller.reconcileBrokers(live([1]));
    expect(loads.at(-1)?.sort()).toEqual([0, 1]);
    expect(partitions.ownerError(keyOn(0))).toBe(ErrorCode.NONE);
    expect(partitions.ownerError(keyOn(1))).toBe(ErrorCode.NONE);
  });

  test('an ISR change of a partition it leads reloads nothing', async () => {
    const p = node.replicas.getPartition(TOPIC, 0)!;
    const before = loads.length;
    // Broker 2 stops being alive: the ISR shrinks, broker 1 still leads in the same epoch.
    await node.controller.reconcileBrokers(live([1]));
    expect(node.metadata.image.topics.partition(TOPIC, 0)?.isr).toEqual([1]);
    expect(p.isLeader).toBe(true);
    expect(loads.slice(before)).toEqual([[1]]);
    expect(unloads).toEqual([]);
  });

  test('a broker that lost its session is no coordinator, though the metadata still says so', () => {
    node.replicas.resignLeadership();
    expect(partitions.ownerError(keyOn(0))).toBe(ErrorCode.NOT_COORDINATOR);
  });
});

describe('loading in a later turn (deferLoad)', () => {
  const runDeferred = () => deferredLoads.splice(0).forEach((load) => load());

  test('a partition with records answers COORDINATOR_LOAD_IN_PROGRESS until its load ran; an empty one loads at once', async () => {
    // Created empty: loaded inside the update.
    expect(deferredLog).toEqual(['load 0']);
    expect(deferred.ownerError(keyOn(0))).toBe(ErrorCode.NONE);
    node.replicas.appendAsCoordinator(TOPIC, 0, batch('a'), 0);
    await node.controller.reconcileBrokers(live([2]));
    await node.controller.setTopicConfigs(TOPIC, { 'unclean.leader.election.enable': 'true' });
    await node.controller.reconcileBrokers(live([1]));
    // Partition 1 is empty (nothing was written to it): at once; partition 0 waits.
    expect(deferredLog).toEqual(['load 0', 'unload 0', 'load 1']);
    expect(deferred.ownerError(keyOn(0))).toBe(ErrorCode.COORDINATOR_LOAD_IN_PROGRESS);
    expect(deferred.ownerError(keyOn(1))).toBe(ErrorCode.NONE);
    expect(deferred.loading()).toBe(true);
    runDeferred();
    expect(deferred.loading()).toBe(false);
    expect(deferredLog.at(-1)).toBe('load 0');
    expect(deferred.ownerError(keyOn(0))).toBe(ErrorCode.NONE);
  });

  test('leadership gone before the load ran: nothing is loaded, NOT_COORDINATOR', async () => {
    node.replicas.appendAsCoordinator(TOPIC, 0, batch('a'), 0);
    await node.controller.reconcileBrokers(live([2]));
    await node.controller.setTopicConfigs(TOPIC, { 'unclean.leader.election.enable': 'true' });
    await node.controller.reconcileBrokers(live([1]));
    expect(deferred.ownerError(keyOn(0))).toBe(ErrorCode.COORDINATOR_LOAD_IN_PROGRESS);
    // Broker 2 is back and broker 1 goes again before the load ran.
    await node.controller.reconcileBrokers(live([2]));
    runDeferred();
    expect(deferredLog.filter((l) => l === 'load 0')).toHaveLength(1);
    expect(deferred.ownerError(keyOn(0))).toBe(ErrorCode.NOT_COORDINATOR);
  });
});

describe('a load in steps (loadSteps), a slice per turn', () => {
  /** An owner whose load of a partition takes `steps` steps; what it did, in order. */
  function stepOwner(steps: number, failAt = -1) {
    const log: string[] = [];
    const owner = {
      loadPartitions: (p: readonly number[]) => log.push(`load ${p.join(',')}`),
      unloadPartitions: (p: readonly number[]) => log.push(`unload ${p.join(',')}`),
      *loadSteps(partition: number): Generator<void> {
        for (let i = 1; i <= steps; i++) {
          if (i === failAt) throw new Error('unreadable record');
          log.push(`step ${partition}.${i}`);
          yield;
        }
      },
    };
    return { owner, log };
  }

  /** Partitions of the topic over `owner`, its deferred turns queued in `turns`. */
  function steppedPartitions(owner: PartitionOwner, turns: (() => void)[], options: Partial<CoordinatorPartitionsOptions>): CoordinatorPartitions {
    const stepped = new CoordinatorPartitions({
      topic: TOPIC,
      nodeId: 1,
      owner,
      replicas: node.replicas,
      metadata: node.metadata,
      replicationTimeoutMs: () => 5000,
      deferLoad: (turn) => turns.push(turn),
      ...options,
    });
    node.metadata.install(stepped);
    return stepped;
  }

  /** Partition 0 (with a record) led by broker 2, then here again with a new epoch: a deferred load. */
  async function reload(): Promise<void> {
    node.replicas.appendAsCoordinator(TOPIC, 0, batch('a'), 0);
    await node.controller.reconcileBrokers(live([2]));
    await node.controller.setTopicConfigs(TOPIC, { 'unclean.leader.election.enable': 'true' });
    await node.controller.reconcileBrokers(live([1]));
  }

  test('each turn replays until its slice is used up, then yields; loading until the last step', async () => {
    const { owner, log } = stepOwner(7);
    const turns: (() => void)[] = [];
    let now = 0;
    const stepped = steppedPartitions(owner, turns, {
      loadSliceMs: 3,
      // Each look at the clock is one ms later: three steps fit in a slice.
      sliceClock: () => now++,
    });
    await reload();
    expect(stepped.ownerError(keyOn(0))).toBe(ErrorCode.COORDINATOR_LOAD_IN_PROGRESS);
    const perTurn: number[] = [];
    while (turns.length > 0) {
      const before = log.length;
      turns.shift()!();
      perTurn.push(log.length - before);
      if (turns.length > 0) expect(stepped.ownerError(keyOn(0))).toBe(ErrorCode.COORDINATOR_LOAD_IN_PROGRESS);
    }
    // Seven steps, three per turn; the turn that finds the steps done ends the load.
    expect(perTurn).toEqual([3, 3, 1]);
    expect(log.filter((l) => l.startsWith('step'))).toEqual([1, 2, 3, 4, 5, 6, 7].map((i) => `step 0.${i}`));
    expect(stepped.ownerError(keyOn(0))).toBe(ErrorCode.NONE);
  });

  test('a step that fails: what it replayed is unloaded, the partition answers NOT_COORDINATOR, the error is reported', async () => {
    const { owner, log } = stepOwner(5, 3);
    const turns: (() => void)[] = [];
    const failed: number[][] = [];
    const stepped = steppedPartitions(owner, turns, { onLoadError: (_err, partitions) => failed.push([...partitions]), loadSliceMs: 0 });
    await reload();
    while (turns.length > 0) turns.shift()!();
    expect(log.slice(-3)).toEqual(['step 0.1', 'step 0.2', 'unload 0']);
    expect(failed).toEqual([[0]]);
    expect(stepped.ownerError(keyOn(0))).toBe(ErrorCode.NOT_COORDINATOR);
    expect(stepped.loading()).toBe(false);
  });
});

describe('an answer waits until the write is replicated', () => {
  test('pending until the follower has fetched past it; then NONE', async () => {
    const p = node.replicas.getPartition(TOPIC, 0)!;
    expect(node.replicas.appendAsCoordinator(TOPIC, 0, batch('a'), 0)).toBe(ErrorCode.NONE);
    let answered: string | null = null;
    const out = afterReplication(partitions.whenReplicated(keyOn(0)), (e) => `answer ${e}`);
    expect(out).toBeInstanceOf(Promise);
    void (out as Promise<string>).then((a) => (answered = a));
    await settle();
    expect(answered).toBeNull();
    p.updateFollowerFetchState(2, -1, 1, 0);
    await settle();
    expect(answered).toBe(`answer ${ErrorCode.NONE}`);
    // Nothing new written: answered at once, without a promise.
    expect(afterReplication(partitions.whenReplicated(keyOn(0)), (e) => e)).toBe(ErrorCode.NONE);
  });

  test('not replicated within the timeout: COORDINATOR_NOT_AVAILABLE', async () => {
    node.replicas.appendAsCoordinator(TOPIC, 0, batch('a'), 0);
    const waiting = partitions.whenReplicated(keyOn(0)) as Promise<ErrorCode>;
    clock.advance(4999);
    await settle();
    expect(node.replicas.delayedOperations.produce).toBe(1);
    clock.advance(1);
    expect(await waiting).toBe(ErrorCode.COORDINATOR_NOT_AVAILABLE);
  });

  test('leadership lost while waiting: NOT_COORDINATOR', async () => {
    node.replicas.appendAsCoordinator(TOPIC, 0, batch('a'), 0);
    const waiting = partitions.whenReplicated(keyOn(0)) as Promise<ErrorCode>;
    node.replicas.resignLeadership();
    expect(await waiting).toBe(ErrorCode.NOT_COORDINATOR);
  });

  test('a write to a partition below min.insync.replicas is refused before it is appended', async () => {
    await node.controller.setTopicConfigs(TOPIC, { 'min.insync.replicas': '2' });
    await node.controller.reconcileBrokers(live([1]));
    const end = node.replicas.getPartition(TOPIC, 0)!.logEndOffset;
    const code = node.replicas.appendAsCoordinator(TOPIC, 0, batch('a'), 0);
    expect(code).toBe(ErrorCode.NOT_ENOUGH_REPLICAS);
    expect(coordinatorAppendError(code)).toBe(ErrorCode.COORDINATOR_NOT_AVAILABLE);
    expect(node.replicas.getPartition(TOPIC, 0)!.logEndOffset).toBe(end);
  });
});

test("Kafka's coordinator error mapping", () => {
  const cases: [ErrorCode, ErrorCode][] = [
    [ErrorCode.NONE, ErrorCode.NONE],
    [ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, ErrorCode.COORDINATOR_NOT_AVAILABLE],
    [ErrorCode.NOT_ENOUGH_REPLICAS, ErrorCode.COORDINATOR_NOT_AVAILABLE],
    [ErrorCode.NOT_ENOUGH_REPLICAS_AFTER_APPEND, ErrorCode.COORDINATOR_NOT_AVAILABLE],
    [ErrorCode.REQUEST_TIMED_OUT, ErrorCode.COORDINATOR_NOT_AVAILABLE],
    [ErrorCode.NOT_LEADER_OR_FOLLOWER, ErrorCode.NOT_COORDINATOR],
    [ErrorCode.KAFKA_STORAGE_ERROR, ErrorCode.NOT_COORDINATOR],
    [ErrorCode.MESSAGE_TOO_LARGE, ErrorCode.UNKNOWN_SERVER_ERROR],
    [ErrorCode.RECORD_LIST_TOO_LARGE, ErrorCode.UNKNOWN_SERVER_ERROR],
    [ErrorCode.INVALID_FETCH_SIZE, ErrorCode.UNKNOWN_SERVER_ERROR],
    [ErrorCode.INVALID_PRODUCER_EPOCH, ErrorCode.INVALID_PRODUCER_EPOCH],
  ];
  for (const [from, to] of cases) expect([from, coordinatorAppendError(from)]).toEqual([from, to]);
});
