/**
 * Partition: appends as the leader (the high watermark follows the ISR),
 * reads bounded by isolation, leader epochs and their checkpoint, follower
 * appends and truncation.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { randomUUID } from 'node:crypto';
import { ErrorCode } from '../protocol/errors';
import { ControlRecordType, encodeEndTxnMarkerBatch, encodeRecordBatch } from '../protocol/records';
import { readRecordsBytes } from '../storage/records-bytes';
import { decodeRecordBatches } from '../protocol/records';
import type { ClusterNode } from './cluster-node';
import type { Partition } from './partition';
import { createTopic, openSingleNode } from './test-support/single-node';

const NOW = 1_700_000_000_000;

function batch(values: string[], o: { producerId?: bigint; producerEpoch?: number; baseSequence?: number; transactional?: boolean } = {}): Buffer {
  return encodeRecordBatch(
    values.map((v) => ({ value: Buffer.from(v), timestamp: BigInt(NOW) })),
    o.producerId === undefined ? {} : { producerId: o.producerId, producerEpoch: o.producerEpoch ?? 0, baseSequence: o.baseSequence ?? 0, transactional: o.transactional },
  );
}

function leaderAppend(p: Partition, values: string[], extra: Parameters<typeof batch>[1] = {}, acks = 1) {
  return p.appendAsLeader(batch(values, extra), { origin: 'client', now: NOW, requiredAcks: acks, transactionalId: extra.transactional ? 'tx' : null });
}

function read(p: Partition, fetchOffset: number, isolation: 'log-end' | 'high-watermark' | 'committed' = 'high-watermark', currentLeaderEpoch = -1) {
  const r = p.read({ fetchOffset, maxBytes: 1 << 20, isolation, minOneBatch: true, currentLeaderEpoch, fetchOnlyFromLeader: true });
  const offsets = r.records === null ? [] : decodeRecordBatches(readRecordsBytes(r.records)).flatMap((b) => b.records.map((x) => Number(x.offset)));
  return { ...r, offsets };
}

const partitionT0 = (node: ClusterNode): Partition => node.replicas.getPartition('t', 0)!;

async function registerBroker(node: ClusterNode, brokerId: number): Promise<void> {
  await node.controller.registerBroker({ brokerId, incarnationId: randomUUID(), endpoints: [{ name: 'PLAINTEXT', host: 'h', port: 9000 + brokerId, securityProtocol: 0 }], rack: null });
}

/** A topic whose one partition has these replicas (broker 1 is this node). */
async function topicWithReplicas(node: ClusterNode, name: string, replicas: number[]): Promise<Partition> {
  const [r] = await node.controller.createTopics([{ name, numPartitions: -1, replicationFactor: -1, assignments: [{ partitionIndex: 0, brokerIds: replicas }], configs: {} }]);
  if (!r || 'errorCode' in r) throw new Error(`create ${name}: ${r ? r.errorMessage : ''}`);
  const p = node.replicas.getPartition(name, 0);
  if (!p) throw new Error(`no partition ${name}-0 here`);
  return p;
}

describe('Partition as the only replica (one node)', () => {
  let node: ClusterNode;
  beforeEach(async () => {
    node = await openSingleNode();
  });
  afterEach(() => node.close());

  test('the high watermark is stored state that follows each append; epoch 0 from offset 0', async () => {
    await createTopic(node, 't');
    const p = node.replicas.getPartition('t', 0)!;
    expect(p).toMatchObject({ isLeader: true, leaderId: 1, leaderEpoch: 0, highWatermark: 0, logEndOffset: 0 });
    expect(p.log.leaderEpochEntries()).toEqual([{ epoch: 0, startOffset: 0 }]);
    expect(leaderAppend(p, ['a', 'b', 'c'])).toMatchObject({ errorCode: ErrorCode.NONE, baseOffset: 0, lastOffset: 2 });
    expect(p.highWatermark).toBe(3);
    expect(read(p, 0).offsets).toEqual([0, 1, 2]);
    expect(p.endOffsetForEpoch(0)).toEqual({ epoch: 0, endOffset: 3 });
    expect(p.endOffsetForEpoch(-1)).toEqual({ epoch: -1, endOffset: -1 });
    expect(p.endOffsetForEpoch(5)).toEqual({ epoch: -1, endOffset: -1 });
  });

  test('read_committed stops at the last stable offset; aborted transactions are listed', async () => {
    await createTopic(node, 'txn');
    const p = node.replicas.getPartition('txn', 0)!;
    leaderAppend(p, ['plain']);
    expect(leaderAppend(p, ['t1', 't2'], { producerId: 7n, transactional: true })).toMatchObject({ errorCode: ErrorCode.NONE, baseOffset: 1 });
    leaderAppend(p, ['after']);
    expect(p.highWatermark).toBe(4);
    expect(p.lastStableOffset).toBe(1);
    expect(read(p, 0, 'committed').offsets).toEqual([0]);
    expect(read(p, 0, 'committed').abortedTransactions).toEqual([]);
    expect(read(p, 0, 'high-watermark').offsets).toEqual([0, 1, 2, 3]);
    // Without its transactional id the batch is refused (Kafka's answer).
    const refused = p.appendAsLeader(batch(['x'], { producerId: 8n, transactional: true }), { origin: 'client', now: NOW });
    expect(refused.errorCode).toBe(ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED);
  });

  test('KIP-890: a transaction\'s first batch waits for the coordinator\'s answer; a marker written meanwhile voids it', async () => {
    await createTopic(node, 't');
    let answer: (codes: ErrorCode[]) => void = () => undefined;
    let asked = 0;
    node.replicas.setTransactionVerifier(() => ({
      enabled: true,
      verify: () => {
        asked++;
        return new Promise((resolve) => (answer = resolve));
      },
    }));
    const append = (seq: number) =>
      node.replicas.appendRecords({ requiredAcks: 1, timeoutMs: 1000, origin: 'client', transactionalId: 'tx' }, [
        { topic: 't', partition: 0, records: batch([`v${seq}`], { producerId: 7n, baseSequence: seq, transactional: true }) },
      ], NOW);
    const abortMarker = () => encodeEndTxnMarkerBatch(ControlRecordType.Abort, { producerId: 7n, producerEpoch: 0, coordinatorEpoch: 0, timestamp: BigInt(NOW) });
    const codes = async (r: ReturnType<typeof append>) => (await r).map((x) => x.errorCode);

    // Verified: written; the transaction is open here now, so the next batch asks nothing.
    const first = append(0);
    answer([ErrorCode.NONE]);
    expect(await codes(first)).toEqual([ErrorCode.NONE]);
    expect(await codes(append(1))).toEqual([ErrorCode.NONE]);
    expect(asked).toBe(1);
    expect(node.replicas.appendAsCoordinator('t', 0, abortMarker(), NOW)).toBe(ErrorCode.NONE);

    // The transaction ends (a marker) while the next one's first batch is being verified: refused.
    const late = append(2);
    expect(node.replicas.appendAsCoordinator('t', 0, abortMarker(), NOW)).toBe(ErrorCode.NONE);
    answer([ErrorCode.NONE]);
    expect(await codes(late)).toEqual([ErrorCode.INVALID_TXN_STATE]);

    // The coordinator's answers as Kafka maps them for the producer.
    for (const [coordinator, produce] of [
      [ErrorCode.INVALID_TXN_STATE, ErrorCode.INVALID_TXN_STATE],
      [ErrorCode.CONCURRENT_TRANSACTIONS, ErrorCode.NOT_ENOUGH_REPLICAS],
      [ErrorCode.NETWORK_EXCEPTION, ErrorCode.NOT_ENOUGH_REPLICAS],
      [ErrorCode.NOT_COORDINATOR, ErrorCode.NOT_ENOUGH_REPLICAS],
      [ErrorCode.PRODUCER_FENCED, ErrorCode.INVALID_PRODUCER_EPOCH],
    ] as const) {
      const r = append(2);
      answer([coordinator]);
      expect(await codes(r)).toEqual([produce]);
    }
    expect(partitionT0(node).logEndOffset).toBe(4);
  });

  test('LogAppendTime: written into the stored batch (CRC intact) only after every check passed', async () => {
    await createTopic(node, 'lat', 1, { 'message.timestamp.type': 'LogAppendTime' });
    const p = node.replicas.getPartition('lat', 0)!;
    const now = NOW + 5_000;
    const first = batch(['a'], { producerId: 3n, baseSequence: 0 });
    expect(p.appendAsLeader(first, { origin: 'client', now })).toMatchObject({ errorCode: ErrorCode.NONE, logAppendTime: now });
    const stored = decodeRecordBatches(readRecordsBytes(read(p, 0).records!))[0]!;
    expect(stored.timestampType).toBe('log-append');
    expect(stored.header.maxTimestamp).toBe(now);
    expect(stored.records[0]?.timestamp).toBe(BigInt(now));
    // Out of sequence: refused by the producer state, and the request's bytes are left as sent.
    const gap = batch(['b'], { producerId: 3n, baseSequence: 5 });
    const sent = Buffer.from(gap);
    expect(p.appendAsLeader(gap, { origin: 'client', now }).errorCode).toBe(ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER);
    expect(gap.equals(sent)).toBe(true);
    // A retry of the first batch is a duplicate: the original offset, and the time the topic answers with.
    expect(p.appendAsLeader(batch(['a'], { producerId: 3n, baseSequence: 0 }), { origin: 'client', now: now + 1 })).toMatchObject({
      errorCode: ErrorCode.NONE,
      baseOffset: 0,
      duplicate: true,
    });
    expect(p.logEndOffset).toBe(1);
  });

  test('acks=all needs min.insync.replicas in the ISR before anything is written', async () => {
    await createTopic(node, 'strict', 1, { 'min.insync.replicas': '2' });
    const p = node.replicas.getPartition('strict', 0)!;
    expect(leaderAppend(p, ['a'], {}, -1)).toMatchObject({ errorCode: ErrorCode.NOT_ENOUGH_REPLICAS, baseOffset: -1 });
    expect(p.logEndOffset).toBe(0);
    expect(leaderAppend(p, ['a'], {}, 1).errorCode).toBe(ErrorCode.NONE);
  });

  test('client epochs: older is fenced, newer unknown, -1 not checked', async () => {
    await createTopic(node, 'ep');
    const p = node.replicas.getPartition('ep', 0)!;
    const reg = { replicas: [1], isr: [1], removingReplicas: [], addingReplicas: [], leader: 1, leaderRecoveryState: 0, leaderEpoch: 3, partitionEpoch: 1 };
    leaderAppend(p, ['a', 'b']);
    expect(p.makeLeader(reg)).toBe(true);
    leaderAppend(p, ['c']);
    expect(p.checkLeaderEpoch(2)).toBe(ErrorCode.FENCED_LEADER_EPOCH);
    expect(p.checkLeaderEpoch(4)).toBe(ErrorCode.UNKNOWN_LEADER_EPOCH);
    expect(p.checkLeaderEpoch(3)).toBe(ErrorCode.NONE);
    expect(p.checkLeaderEpoch(-1)).toBe(ErrorCode.NONE);
    expect(read(p, 0, 'high-watermark', 2).errorCode).toBe(ErrorCode.FENCED_LEADER_EPOCH);
    // The old epoch ends where the new one starts.
    expect(p.log.leaderEpochEntries()).toEqual([
      { epoch: 0, startOffset: 0 },
      { epoch: 3, startOffset: 2 },
    ]);
    expect(p.endOffsetForEpoch(0)).toEqual({ epoch: 0, endOffset: 2 });
    expect(p.endOffsetForEpoch(1)).toEqual({ epoch: 0, endOffset: 2 });
    expect(p.endOffsetForEpoch(3)).toEqual({ epoch: 3, endOffset: 3 });
    // A stale registration is ignored.
    expect(p.makeLeader({ ...reg, leaderEpoch: 2 })).toBe(false);
    expect(p.leaderEpoch).toBe(3);
  });

  test('DeleteRecords never passes the high watermark; the epoch cache follows the log start', async () => {
    await createTopic(node, 'dr');
    const p = node.replicas.getPartition('dr', 0)!;
    leaderAppend(p, ['a', 'b', 'c', 'd']);
    expect(p.deleteRecordsBefore(5).errorCode).toBe(ErrorCode.OFFSET_OUT_OF_RANGE);
    expect(p.deleteRecordsBefore(3)).toEqual({ errorCode: ErrorCode.NONE, lowWatermark: 3 });
    expect(p.log.leaderEpochEntries()).toEqual([{ epoch: 0, startOffset: 3 }]);
    expect(p.endOffsetForEpoch(-3)).toEqual({ epoch: -3, endOffset: 3 });
  });
});

describe('Partition with other replicas', () => {
  let node: ClusterNode;
  beforeEach(async () => {
    node = await openSingleNode();
    await registerBroker(node, 2);
  });
  afterEach(() => node.close());

  test('the leader\'s high watermark waits for the followers in the ISR', async () => {
    const p = await topicWithReplicas(node, 'rf2', [1, 2]);
    expect(p).toMatchObject({ isLeader: true, isr: [1, 2] });
    leaderAppend(p, ['a', 'b', 'c']);
    expect(p.logEndOffset).toBe(3);
    expect(p.highWatermark).toBe(0);
    expect(read(p, 0).offsets).toEqual([]);
    expect(read(p, 0, 'log-end').offsets).toEqual([0, 1, 2]);
    expect(p.checkEnoughReplicasReachOffset(3)).toEqual({ done: false, errorCode: ErrorCode.NONE });
    p.updateFollowerFetchState(2, -1, 2, NOW);
    expect(p.highWatermark).toBe(2);
    p.updateFollowerFetchState(2, -1, 3, NOW);
    expect(p.highWatermark).toBe(3);
    expect(p.checkEnoughReplicasReachOffset(3)).toEqual({ done: true, errorCode: ErrorCode.NONE });
    expect(p.followerStates()).toEqual([expect.objectContaining({ brokerId: 2, logEndOffset: 3, lastCaughtUpTimeMs: NOW })]);
  });

  test('a leader whose session was lost stops acting as leader until the metadata gives it a newer registration', async () => {
    const p = await topicWithReplicas(node, 'resign', [1, 2]);
    const reg = { replicas: [1, 2], isr: [1, 2], removingReplicas: [], addingReplicas: [], leader: 1, leaderRecoveryState: 0, leaderEpoch: p.leaderEpoch, partitionEpoch: p.partitionEpoch };
    expect(p.resignLeadership()).toBe(true);
    expect(p.isLeader).toBe(false);
    expect(leaderAppend(p, ['zombie']).errorCode).toBe(ErrorCode.NOT_LEADER_OR_FOLLOWER);
    expect(read(p, 0).errorCode).toBe(ErrorCode.NOT_LEADER_OR_FOLLOWER);
    // The same registration again is not news: still resigned.
    p.makeLeader(reg);
    expect(p.isLeader).toBe(false);
    // Leading again in a newer epoch.
    expect(p.makeLeader({ ...reg, leaderEpoch: reg.leaderEpoch + 1, partitionEpoch: reg.partitionEpoch + 1 })).toBe(true);
    expect(p.isLeader).toBe(true);
    expect(leaderAppend(p, ['again']).errorCode).toBe(ErrorCode.NONE);
    expect(p.resignLeadership()).toBe(true);
    // Or following another leader.
    expect(p.makeFollower({ ...reg, leader: 2, leaderEpoch: reg.leaderEpoch + 2, partitionEpoch: reg.partitionEpoch + 2 })).toBe(true);
    expect(p.resignLeadership()).toBe(false);
  });

  test('a follower keeps the leader\'s offsets and epochs, and truncates a divergent tail', async () => {
    const p = await topicWithReplicas(node, 'follow', [2, 1]);
    expect(p).toMatchObject({ isLeader: false, leaderId: 2 });
    expect(leaderAppend(p, ['x']).errorCode).toBe(ErrorCode.NOT_LEADER_OR_FOLLOWER);
    expect(read(p, 0).errorCode).toBe(ErrorCode.NOT_LEADER_OR_FOLLOWER);
    const fromLeader = (baseOffset: number, epoch: number, values: string[], producer?: { id: bigint; seq: number }) =>
      encodeRecordBatch(
        values.map((v) => ({ value: Buffer.from(v), timestamp: BigInt(NOW) })),
        { baseOffset: BigInt(baseOffset), partitionLeaderEpoch: epoch, ...(producer ? { producerId: producer.id, producerEpoch: 0, baseSequence: producer.seq } : {}) },
      );
    expect(p.appendAsFollower(Buffer.concat([fromLeader(0, 0, ['a', 'b']), fromLeader(2, 0, ['c'], { id: 9n, seq: 0 })]))).toMatchObject({
      errorCode: ErrorCode.NONE,
      baseOffset: 0,
      lastOffset: 2,
    });
    expect(p.appendAsFollower(fromLeader(3, 4, ['d', 'e'], { id: 9n, seq: 1 }))).toMatchObject({ baseOffset: 3, lastOffset: 4 });
    expect(p.logEndOffset).toBe(5);
    expect(p.log.leaderEpochEntries()).toEqual([
      { epoch: 0, startOffset: 0 },
      { epoch: 4, startOffset: 3 },
    ]);
    expect(p.log.producerEntry(9)?.batches.map((b) => b.lastOffset)).toEqual([2, 4]);
    // An append below the log end is refused.
    expect(p.appendAsFollower(fromLeader(1, 4, ['z'])).errorCode).not.toBe(ErrorCode.NONE);
    p.updateHighWatermarkAsFollower(4);
    expect(p.highWatermark).toBe(4);

    // The new leader's log diverged at offset 3: drop from there.
    p.truncateTo(3);
    expect(p.logEndOffset).toBe(3);
    expect(p.highWatermark).toBe(3);
    expect(p.log.leaderEpochEntries()).toEqual([{ epoch: 0, startOffset: 0 }]);
    expect(p.log.producerEntry(9)?.batches.map((b) => b.lastOffset)).toEqual([2]);
    expect(read(p, 0, 'log-end', -1).errorCode).toBe(ErrorCode.NOT_LEADER_OR_FOLLOWER);
    expect(p.appendAsFollower(fromLeader(3, 5, ['D']))).toMatchObject({ baseOffset: 3, lastOffset: 3 });
  });
});

describe('Partition on disk', () => {
  let root: string;
  beforeEach(() => {
    root = mkdtempSync(path.join(tmpdir(), 'weir-partition-'));
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  test('leader-epoch-checkpoint in Kafka\'s format; the high watermark survives a restart', async () => {
    const first = await openSingleNode({ dataDir: root });
    await createTopic(first, 'disk', 1);
    const p = first.replicas.getPartition('disk', 0)!;
    leaderAppend(p, ['a', 'b']);
    leaderAppend(p, ['c']);
    first.close();
    expect(readFileSync(path.join(root, 'disk-0', 'leader-epoch-checkpoint'), 'utf8')).toBe('0\n1\n0 0\n');
    expect(readFileSync(path.join(root, 'replication-offset-checkpoint'), 'utf8')).toBe('0\n1\ndisk 0 3\n');

    const second = await openSingleNode({ dataDir: root });
    const again = second.replicas.getPartition('disk', 0)!;
    expect(again.highWatermark).toBe(3);
    expect(again.endOffsetForEpoch(0)).toEqual({ epoch: 0, endOffset: 3 });
    expect(read(again, 0).offsets).toEqual([0, 1, 2]);
    second.close();
  });
});
