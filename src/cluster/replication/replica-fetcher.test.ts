/**
 * The follower's fetcher against a real leader: two single nodes in this
 * process, each with its own metadata and logs. The link between them
 * calls the leader's replica manager the way the Fetch and
 * OffsetForLeaderEpoch handlers do (the wire is left out: the handlers and
 * the network have their own tests, and the integration tests run the
 * whole path between broker processes).
 */
import { randomUUID } from 'node:crypto';
import { ErrorCode } from '../../protocol/errors';
import type { FetchRequest, FetchResponse, OffsetForLeaderEpochRequest, OffsetForLeaderEpochResponse } from '../../protocol/messages';
import { decodeRecordBatches, encodeRecordBatch } from '../../protocol/records';
import { readRecordsBytes } from '../../storage/records-bytes';
import type { ClusterNode } from '../cluster-node';
import { Partition } from '../partition';
import { openSingleNode } from '../test-support/single-node';
import { ReplicaFetcher } from './replica-fetcher';
import type { ReplicaLink } from './replica-link';

const NOW = 1_700_000_000_000;

async function waitFor(what: string, check: () => true | undefined, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (check() === undefined) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

function batch(values: string[]): Buffer {
  return encodeRecordBatch(values.map((v) => ({ value: Buffer.from(v), timestamp: BigInt(NOW) })));
}

async function registerBroker(node: ClusterNode, brokerId: number): Promise<void> {
  await node.controller.registerBroker({ brokerId, incarnationId: randomUUID(), endpoints: [{ name: 'PLAINTEXT', host: 'h', port: 9000 + brokerId, securityProtocol: 0 }], rack: null });
}

async function nodeWithTopic(nodeId: number, other: number, replicas: number[]): Promise<{ node: ClusterNode; partition: Partition }> {
  const node = await openSingleNode({ properties: { 'node.id': String(nodeId) } });
  await registerBroker(node, other);
  const [r] = await node.controller.createTopics([{ name: 't', numPartitions: -1, replicationFactor: -1, assignments: [{ partitionIndex: 0, brokerIds: replicas }], configs: {} }]);
  if (!r || 'errorCode' in r) throw new Error('create');
  return { node, partition: node.replicas.getPartition('t', 0)! };
}

function values(p: Partition): string[] {
  const r = p.read({ fetchOffset: p.logStartOffset, maxBytes: 1 << 20, isolation: 'log-end', minOneBatch: true, currentLeaderEpoch: -1, fetchOnlyFromLeader: false });
  if (r.records === null) return [];
  return decodeRecordBatches(readRecordsBytes(r.records)).flatMap((b) => b.records.map((x) => `${x.offset}:${x.value?.toString()}`));
}

/** Answers as the leader's handlers would (topics by name: the two nodes' topic ids differ), a turn of the event loop later. */
function linkTo(leader: ClusterNode, followerId: number): ReplicaLink & { fetches: number } {
  const later = <T>(f: () => T | Promise<T>) => new Promise<T>((resolve, reject) => setTimeout(() => Promise.resolve().then(f).then(resolve, reject), 2));
  const link = {
    fetches: 0,
    fetch: (req: FetchRequest) =>
      later(async (): Promise<FetchResponse> => {
        link.fetches++;
        const requests = req.topics.flatMap((t) => t.partitions.map((p) => ({ topic: t.topic, partition: p.partition, fetchOffset: Number(p.fetchOffset), maxBytes: p.partitionMaxBytes, currentLeaderEpoch: p.currentLeaderEpoch })));
        const result = await leader.replicas.fetchMessages(
          { replica: { brokerId: followerId, brokerEpoch: Number(req.replicaState.replicaEpoch) }, maxWaitMs: 0, minBytes: 0, maxBytes: req.maxBytes, isolation: 'log-end', minOneBatch: true },
          requests,
        );
        return {
          throttleTimeMs: 0,
          errorCode: 0,
          sessionId: 0,
          nodeEndpoints: [],
          responses: req.topics.map((t) => ({
            topic: t.topic,
            topicId: t.topicId,
            partitions: t.partitions.map((p, i) => {
              const r = result.partitions[i]!;
              return {
                partitionIndex: p.partition,
                errorCode: r.errorCode,
                highWatermark: BigInt(r.highWatermark),
                lastStableOffset: BigInt(r.lastStableOffset),
                logStartOffset: BigInt(r.logStartOffset),
                divergingEpoch: { epoch: -1, endOffset: -1n },
                currentLeader: { leaderId: -1, leaderEpoch: -1 },
                snapshotId: { endOffset: -1n, epoch: -1 },
                abortedTransactions: null,
                preferredReadReplica: -1,
                records: r.records === null ? null : Buffer.from(readRecordsBytes(r.records)),
              };
            }),
          })),
        };
      }),
    offsetForLeaderEpoch: (req: OffsetForLeaderEpochRequest) =>
      later((): OffsetForLeaderEpochResponse => ({
        throttleTimeMs: 0,
        topics: req.topics.map((t) => ({
          topic: t.topic,
          partitions: t.partitions.map((p) => {
            const partition = leader.replicas.getPartition(t.topic, p.partition)!;
            const access = partition.checkLeaderAccess(p.currentLeaderEpoch);
            const found = access === ErrorCode.NONE ? partition.endOffsetForEpoch(p.leaderEpoch) : { epoch: -1, endOffset: -1 };
            return { errorCode: access, partition: p.partition, leaderEpoch: found.epoch, endOffset: BigInt(found.endOffset) };
          }),
        })),
      })),
    close: () => undefined,
  };
  return link;
}

function fetcherFor(leader: ClusterNode, followerId: number) {
  const link = linkTo(leader, followerId);
  const fetcher = new ReplicaFetcher(leader.nodeId, {
    nodeId: followerId,
    brokerEpoch: () => 7,
    open: () => Promise.resolve(link),
    settings: { maxWaitMs: 0, minBytes: 0, partitionMaxBytes: 1 << 20, responseMaxBytes: 10 << 20, backoffMs: 20 },
    now: Date.now,
    log: null,
  });
  return { fetcher, link };
}

describe('ReplicaFetcher', () => {
  const nodes: ClusterNode[] = [];
  const fetchers: ReplicaFetcher[] = [];
  afterEach(async () => {
    for (const f of fetchers.splice(0)) {
      f.stop();
      await f.done;
    }
    for (const n of nodes.splice(0)) await n.close();
  });

  test('copies the leader log with its offsets and epochs; the leader counts the follower for the high watermark and the follower learns it', async () => {
    const L = await nodeWithTopic(1, 2, [1, 2]);
    const F = await nodeWithTopic(2, 1, [1, 2]);
    nodes.push(L.node, F.node);
    expect(F.partition.isLeader).toBe(false);
    L.partition.appendAsLeader(batch(['a', 'b']), { origin: 'client', now: NOW, requiredAcks: 1 });
    expect(L.partition.highWatermark).toBe(0);
    const { fetcher } = fetcherFor(L.node, 2);
    fetchers.push(fetcher);
    fetcher.follow('t-0', F.partition);
    await waitFor('the follower to copy the log and learn the high watermark', () => (F.partition.highWatermark === 2 ? true : undefined));
    expect(values(F.partition)).toEqual(['0:a', '1:b']);
    expect(L.partition.highWatermark).toBe(2);
    expect(L.partition.followerStates()).toEqual([expect.objectContaining({ brokerId: 2, logEndOffset: 2, brokerEpoch: 7 })]);
    L.partition.appendAsLeader(batch(['c']), { origin: 'client', now: NOW, requiredAcks: 1 });
    await waitFor('the next record', () => (F.partition.highWatermark === 3 ? true : undefined));
    expect(F.partition.log.leaderEpochEntries()).toEqual(L.partition.log.leaderEpochEntries());
  });

  test('a follower cuts the tail it wrote as leader of an older epoch where the new leader\'s log diverges, then copies the new leader\'s records', async () => {
    // Broker 2 led epoch 0 and wrote a, b, c; only a reached broker 1, which leads epoch 1 and wrote d, e.
    const F = await nodeWithTopic(2, 1, [2, 1]);
    const L = await nodeWithTopic(1, 2, [2, 1]);
    nodes.push(L.node, F.node);
    const reg = (leader: number, leaderEpoch: number) => ({ replicas: [2, 1], isr: [2, 1], removingReplicas: [], addingReplicas: [], leader, leaderRecoveryState: 0, leaderEpoch, partitionEpoch: leaderEpoch });
    F.partition.appendAsLeader(batch(['a']), { origin: 'client', now: NOW, requiredAcks: 1 });
    F.partition.appendAsLeader(batch(['b', 'c']), { origin: 'client', now: NOW, requiredAcks: 1 });
    expect(L.partition.makeFollower(reg(2, 0))).toBe(true);
    expect(L.partition.appendAsFollower(F.partition.read({ fetchOffset: 0, maxBytes: 80, isolation: 'log-end', minOneBatch: true, currentLeaderEpoch: -1, fetchOnlyFromLeader: false }).records as Buffer).errorCode).toBe(ErrorCode.NONE);
    expect(L.partition.logEndOffset).toBe(1);
    expect(L.partition.makeLeader(reg(1, 1))).toBe(true);
    L.partition.appendAsLeader(batch(['d', 'e']), { origin: 'client', now: NOW, requiredAcks: 1 });
    expect(F.partition.makeFollower(reg(1, 1))).toBe(true);

    const { fetcher } = fetcherFor(L.node, 2);
    fetchers.push(fetcher);
    fetcher.follow('t-0', F.partition);
    await waitFor('the follower to agree with its leader', () => (F.partition.logEndOffset === 3 && F.partition.highWatermark === 3 ? true : undefined));
    expect(values(F.partition)).toEqual(['0:a', '1:d', '2:e']);
    expect(F.partition.log.leaderEpochEntries()).toEqual([
      { epoch: 0, startOffset: 0 },
      { epoch: 1, startOffset: 1 },
    ]);
  });

  test('a follower whose log ends below the leader\'s log start starts over there', async () => {
    const L = await nodeWithTopic(1, 2, [1, 2]);
    const F = await nodeWithTopic(2, 1, [1, 2]);
    nodes.push(L.node, F.node);
    L.partition.appendAsLeader(batch(['a', 'b', 'c', 'd']), { origin: 'client', now: NOW, requiredAcks: 1 });
    // The leader's high watermark may pass what the (absent) follower has only without it in the ISR.
    L.partition.updateFollowerFetchState(2, -1, 4, NOW);
    expect(L.partition.deleteRecordsBefore(3)).toEqual({ errorCode: ErrorCode.NONE, lowWatermark: 3 });
    const { fetcher } = fetcherFor(L.node, 2);
    fetchers.push(fetcher);
    fetcher.follow('t-0', F.partition);
    await waitFor('the follower to start over at the leader\'s log start', () => (F.partition.logEndOffset === 4 ? true : undefined));
    expect(F.partition.logStartOffset).toBe(3);
    // The log start is inside the batch a..d: the follower holds the whole batch, as the leader does.
    expect(values(F.partition)).toEqual(values(L.partition));
    expect(values(F.partition).at(-1)).toBe('3:d');
  });

  test('a partition whose leader refuses its epoch (fenced) is retried after the backoff and never appended to, until it follows the current epoch', async () => {
    const L = await nodeWithTopic(1, 2, [1, 2]);
    const F = await nodeWithTopic(2, 1, [1, 2]);
    nodes.push(L.node, F.node);
    const reg = (leaderEpoch: number) => ({ replicas: [1, 2], isr: [1, 2], removingReplicas: [], addingReplicas: [], leader: 1, leaderRecoveryState: 0, leaderEpoch, partitionEpoch: leaderEpoch });
    L.partition.appendAsLeader(batch(['a']), { origin: 'client', now: NOW, requiredAcks: 1 });
    // The leader has moved to epoch 3; the follower still follows epoch 0.
    expect(L.partition.makeLeader(reg(3))).toBe(true);
    const { fetcher, link } = fetcherFor(L.node, 2);
    fetchers.push(fetcher);
    fetcher.follow('t-0', F.partition);
    await waitFor('several refused fetches', () => (link.fetches >= 3 ? true : undefined));
    expect(F.partition.logEndOffset).toBe(0);
    // The metadata moves the follower to the current epoch: it copies the log.
    expect(F.partition.makeFollower(reg(3))).toBe(true);
    fetcher.follow('t-0', F.partition);
    await waitFor('the follower to copy the log', () => (F.partition.logEndOffset === 1 ? true : undefined));
    expect(values(F.partition)).toEqual(['0:a']);
  });
});
