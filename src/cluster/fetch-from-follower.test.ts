/**
 * KIP-392 in the replica manager: a leader with
 * replica.selector.class=RackAwareReplicaSelector points a consumer at the
 * in-sync replica of its rack; a follower serves a consumer's v11+ fetch
 * below its own high watermark, as Kafka's Partition does.
 */
import { randomUUID } from 'node:crypto';
import { ErrorCode } from '../protocol/errors';
import { encodeRecordBatch } from '../protocol/records';
import { ManualScheduler } from '../time/manual-scheduler';
import type { ClusterNode } from './cluster-node';
import { type FetchParams, type FetchPartitionResult, type FetchResult, releaseFetchResult } from './replica-manager';
import { RACK_AWARE_REPLICA_SELECTOR } from './replica-selector';
import { openSingleNode } from './test-support/single-node';

const batch = (offset: number, value: string) => {
  const b = encodeRecordBatch([{ value: Buffer.from(value), timestamp: 1_700_000_000_000n }]);
  b.writeBigInt64BE(BigInt(offset), 0);
  return b;
};
const consumer = (rackId: string | null): FetchParams => ({
  maxWaitMs: 500,
  minBytes: 1,
  maxBytes: 1 << 20,
  isolation: 'high-watermark',
  minOneBatch: true,
  clientMetadata: rackId === null ? undefined : { rackId, listenerName: 'PLAINTEXT' },
});

let clock: ManualScheduler;
let node: ClusterNode;

async function open(selector: string | null): Promise<void> {
  clock = new ManualScheduler();
  node = await openSingleNode({ scheduler: clock, properties: { 'broker.rack': 'a', ...(selector ? { 'replica.selector.class': selector } : {}) } });
  for (const [id, rack] of [[2, 'b'], [3, 'c']] as const) {
    await node.controller.registerBroker({ brokerId: id, incarnationId: randomUUID(), endpoints: [{ name: 'PLAINTEXT', host: 'other', port: 9000 + id, securityProtocol: 0 }], rack });
  }
}
afterEach(() => node.close());

async function createTopic(name: string, replicas: number[]): Promise<void> {
  const [r] = await node.controller.createTopics([{ name, numPartitions: -1, replicationFactor: -1, assignments: [{ partitionIndex: 0, brokerIds: replicas }], configs: {} }]);
  if (!r || 'errorCode' in r) throw new Error('topic not created');
}

function fetchOne(params: FetchParams, topic: string, fetchOffset: number, currentLeaderEpoch = -1): FetchPartitionResult {
  const r = node.replicas.fetchMessages({ ...params, maxWaitMs: 0 }, [{ topic, partition: 0, fetchOffset, maxBytes: 1 << 20, currentLeaderEpoch }]) as FetchResult;
  releaseFetchResult(r);
  return r.partitions[0]!;
}

const produce = (topic: string, n: number) => {
  for (let i = 0; i < n; i++) node.replicas.appendRecords({ requiredAcks: 1, timeoutMs: 100, origin: 'client' }, [{ topic, partition: 0, records: encodeRecordBatch([{ value: Buffer.from(`v${i}`) }]) }], 0);
};

describe('the leader points a consumer at the replica in its rack (RackAwareReplicaSelector)', () => {
  beforeEach(() => open(RACK_AWARE_REPLICA_SELECTOR));

  test('a caught-up follower in the consumer rack is preferred: nothing is read, the answer names it with the leader offsets', async () => {
    await createTopic('t', [1, 2, 3]);
    const p = node.replicas.getPartition('t', 0)!;
    produce('t', 3);
    p.updateFollowerFetchState(2, -1, 3, clock.now(), 0);
    p.updateFollowerFetchState(3, -1, 3, clock.now(), 0);
    expect(p.highWatermark).toBe(3);
    expect(fetchOne(consumer('b'), 't', 1)).toMatchObject({ errorCode: ErrorCode.NONE, preferredReadReplica: 2, records: null, highWatermark: 3, logStartOffset: 0 });
    expect(fetchOne(consumer('c'), 't', 1)).toMatchObject({ preferredReadReplica: 3 });
    // The consumer's rack is the leader's, or no replica is in its rack, or it has none: the leader serves it.
    for (const rack of ['a', 'elsewhere', '']) {
      const r = fetchOne(consumer(rack), 't', 1);
      expect(r).toMatchObject({ errorCode: ErrorCode.NONE, preferredReadReplica: -1 });
      expect(r.records).not.toBeNull();
    }
    // Fetch before v11 (no client metadata): the leader, always.
    expect(fetchOne(consumer(null), 't', 1)).toMatchObject({ preferredReadReplica: -1 });
    // A follower's own fetch is never redirected.
    const follower = node.replicas.fetchMessages({ ...consumer('b'), maxWaitMs: 0, replica: { brokerId: 2, brokerEpoch: -1 } }, [{ topic: 't', partition: 0, fetchOffset: 3, maxBytes: 1 << 20, currentLeaderEpoch: -1 }]) as FetchResult;
    expect(follower.partitions[0]).toMatchObject({ preferredReadReplica: -1 });
  });

  test('a waiting consumer fetch is answered at once with the preferred replica', async () => {
    await createTopic('w', [1, 2]);
    node.replicas.getPartition('w', 0)!.updateFollowerFetchState(2, -1, 0, clock.now(), 0);
    const r = node.replicas.fetchMessages(consumer('b'), [{ topic: 'w', partition: 0, fetchOffset: 0, maxBytes: 1 << 20, currentLeaderEpoch: -1 }]);
    expect(r).not.toBeInstanceOf(Promise);
    expect((r as FetchResult).partitions[0]).toMatchObject({ preferredReadReplica: 2 });
  });

  test('only replicas that can serve the offset: in the ISR, holding it; else the leader', async () => {
    await createTopic('s', [1, 2, 3]);
    const p = node.replicas.getPartition('s', 0)!;
    produce('s', 5);
    p.updateFollowerFetchState(2, -1, 3, clock.now(), 0);
    // Behind the fetch offset: not offered for it, offered for an offset it has.
    expect(fetchOne(consumer('b'), 's', 4)).toMatchObject({ preferredReadReplica: -1 });
    expect(fetchOne(consumer('b'), 's', 2)).toMatchObject({ preferredReadReplica: 2 });
    // Its log starts after the offset (its retention removed it).
    p.updateFollowerFetchState(2, -1, 5, clock.now(), 3);
    expect(fetchOne(consumer('b'), 's', 2)).toMatchObject({ preferredReadReplica: -1 });
    expect(fetchOne(consumer('b'), 's', 3)).toMatchObject({ preferredReadReplica: 2 });
    // Out of the ISR (the controller shrank it): the leader serves again.
    const t = node.metadata.image.topics.get('s')!;
    const reg = t.partitions.get(0)!;
    await node.controller.alterPartition(1, node.brokerEpoch, [
      { topicId: t.id, partition: 0, leaderEpoch: reg.leaderEpoch, partitionEpoch: reg.partitionEpoch, newIsr: [1, 3].map((id) => ({ brokerId: id, brokerEpoch: -1 })) },
    ]);
    expect(node.replicas.getPartition('s', 0)!.isr).toEqual([1, 3]);
    expect(fetchOne(consumer('b'), 's', 3)).toMatchObject({ preferredReadReplica: -1 });
  });

  test('among several replicas of the rack, the most caught up', async () => {
    await node.controller.registerBroker({ brokerId: 4, incarnationId: randomUUID(), endpoints: [{ name: 'PLAINTEXT', host: 'other', port: 9004, securityProtocol: 0 }], rack: 'b' });
    await createTopic('m', [1, 2, 4]);
    const p = node.replicas.getPartition('m', 0)!;
    produce('m', 4);
    p.updateFollowerFetchState(2, -1, 2, clock.now(), 0);
    p.updateFollowerFetchState(4, -1, 4, clock.now(), 0);
    expect(fetchOne(consumer('b'), 'm', 1)).toMatchObject({ preferredReadReplica: 4 });
  });
});

describe('a follower serves a consumer fetch v11+ below its high watermark', () => {
  beforeEach(() => open(null));

  test('records up to the high watermark; past it but within the log: empty; past the log end: OFFSET_OUT_OF_RANGE; before v11: NOT_LEADER_OR_FOLLOWER', async () => {
    await createTopic('f', [2, 1]);
    const p = node.replicas.getPartition('f', 0)!;
    expect(p.isLeader).toBe(false);
    for (let i = 0; i < 3; i++) p.appendAsFollower(batch(i, `r${i}`));
    p.updateHighWatermarkAsFollower(2);
    const read = fetchOne(consumer('a'), 'f', 0);
    expect(read).toMatchObject({ errorCode: ErrorCode.NONE, highWatermark: 2, preferredReadReplica: -1 });
    expect(read.records).not.toBeNull();
    const beyondHw = fetchOne(consumer('a'), 'f', 2);
    expect(beyondHw).toMatchObject({ errorCode: ErrorCode.NONE, records: null, highWatermark: 2 });
    expect(fetchOne(consumer('a'), 'f', 4)).toMatchObject({ errorCode: ErrorCode.OFFSET_OUT_OF_RANGE });
    expect(fetchOne(consumer(null), 'f', 0)).toMatchObject({ errorCode: ErrorCode.NOT_LEADER_OR_FOLLOWER, currentLeader: { leaderId: 2, leaderEpoch: 0 } });
    // The epoch is checked as on a leader.
    expect(fetchOne(consumer('a'), 'f', 0, 1)).toMatchObject({ errorCode: ErrorCode.UNKNOWN_LEADER_EPOCH });
  });

  test('a consumer waiting on the follower is answered when the high watermark moves', async () => {
    await createTopic('g', [2, 1]);
    const p = node.replicas.getPartition('g', 0)!;
    p.appendAsFollower(batch(0, 'x'));
    const waiting = node.replicas.fetchMessages(consumer('a'), [{ topic: 'g', partition: 0, fetchOffset: 0, maxBytes: 1 << 20, currentLeaderEpoch: -1 }]);
    expect(waiting).toBeInstanceOf(Promise);
    p.updateHighWatermarkAsFollower(1);
    const r = await waiting;
    expect(r.partitions[0]!.records).not.toBeNull();
    expect(r.partitions[0]!.highWatermark).toBe(1);
    releaseFetchResult(r);
  });
});
