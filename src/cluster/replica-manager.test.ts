/**
 * ReplicaManager: partitions follow the metadata; Kafka's lookup errors;
 * delayed produce (acks=all) and delayed fetch (min bytes / max wait) keyed
 * per partition, on a fake clock; the ISR changes it makes as leader,
 * counted once the controller committed them.
 */
import { randomUUID } from 'node:crypto';
import { cpSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { ErrorCode } from '../protocol/errors';
import { type FileRegion, isFileRegion } from '../protocol/primitives/records-value';
import { encodeRecordBatch } from '../protocol/records';
import { DiskStorageDir } from '../storage/disk-storage-dir';
import { PARTITION_METADATA_FILE, PartitionMetadataFile } from '../storage/partition-metadata-file';
import { ManualScheduler } from '../time/manual-scheduler';
import type { ClusterNode } from './cluster-node';
import type { LiveBrokerRegistration } from './controller';
import { Partition } from './partition';
import type { ReplicaLink } from './replication/replica-link';
import { releaseFetchResult, type AppendOutcome, type FetchParams, type FetchResult } from './replica-manager';
import { createTopic, openSingleNode } from './test-support/single-node';

const batch = (...values: string[]) => encodeRecordBatch(values.map((v) => ({ value: Buffer.from(v), timestamp: 1_700_000_000_000n })));
const CONSUMER: FetchParams = { maxWaitMs: 500, minBytes: 1, maxBytes: 1 << 20, isolation: 'high-watermark', minOneBatch: true };

let clock: ManualScheduler;
let node: ClusterNode;

beforeEach(async () => {
  clock = new ManualScheduler();
  node = await openSingleNode({ scheduler: clock });
});
afterEach(() => node.close());

/** Lets promise callbacks run. */
const settle = () => new Promise((resolve) => setImmediate(resolve));

async function registerBroker(brokerId: number): Promise<void> {
  await node.controller.registerBroker({ brokerId, incarnationId: randomUUID(), endpoints: [{ name: 'PLAINTEXT', host: 'other', port: 9000 + brokerId, securityProtocol: 0 }], rack: null });
}

describe('partitions follow the metadata', () => {
  test('created with the topic, deleted with it (log and all)', async () => {
    await createTopic(node, 'a', 2);
    expect([...node.replicas.allPartitions()].map((p) => `${p.topic}-${p.index}`).sort()).toEqual(['a-0', 'a-1']);
    expect(node.logs.getLog('a', 1)).toBeDefined();
    await node.controller.createPartitions('a', 3, null);
    expect(node.replicas.getPartition('a', 2)?.isLeader).toBe(true);
    await node.controller.deleteTopics(['a']);
    expect(node.replicas.getPartition('a', 0)).toBeUndefined();
    expect(node.logs.getLog('a', 0)).toBeUndefined();
  });

  test('config changes reach the partitions and their logs', async () => {
    await createTopic(node, 'c', 1, { 'retention.ms': '60000' });
    const p = node.replicas.getPartition('c', 0)!;
    expect(p.log.logConfig.retentionMs).toBe(60000);
    await node.controller.setTopicConfigs('c', { 'retention.ms': '1000', 'max.message.bytes': '100' });
    expect(p.topicConfig.maxMessageBytes).toBe(100);
    expect(p.log.logConfig.retentionMs).toBe(1000);
  });

  test('getPartitionOrError: unknown, or placed on another broker (with its leader)', async () => {
    await registerBroker(2);
    expect(node.replicas.getPartitionOrError('nope', 0)).toEqual({ errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, currentLeader: { leaderId: -1, leaderEpoch: -1 } });
    await node.controller.createTopics([{ name: 'elsewhere', numPartitions: -1, replicationFactor: -1, assignments: [{ partitionIndex: 0, brokerIds: [2] }], configs: {} }]);
    expect(node.replicas.getPartitionOrError('elsewhere', 0)).toEqual({ errorCode: ErrorCode.NOT_LEADER_OR_FOLLOWER, currentLeader: { leaderId: 2, leaderEpoch: 0 } });
    expect(node.replicas.getPartitionOrError('elsewhere', 1)).toMatchObject({ errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION });
    const [produced] = node.replicas.appendRecords({ requiredAcks: 1, timeoutMs: 100, origin: 'client' }, [{ topic: 'elsewhere', partition: 0, records: batch('x') }], 0) as AppendOutcome[];
    expect(produced).toMatchObject({ errorCode: ErrorCode.NOT_LEADER_OR_FOLLOWER, currentLeader: { leaderId: 2, leaderEpoch: 0 } });
  });
});

describe('a log on disk belongs to one topic id (partition.metadata)', () => {
  let root: string;
  beforeEach(() => {
    root = mkdtempSync(path.join(tmpdir(), 'weir-rm-topic-id-'));
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  const open = () => openSingleNode({ dataDir: root, scheduler: clock });
  const partitionDir = (name: string) => path.join(root, name);
  const strayDirs = () => readdirSync(root).filter((n) => n.endsWith('-stray'));
  const topicIdOf = (n: ClusterNode, topic: string) => n.metadata.image.topics.get(topic)!.id;

  /** Creates `topic` with one record, closes the node, and returns a copy of its partition directory. */
  async function oldLogOf(topic: string): Promise<string> {
    const disk = await open();
    await createTopic(disk, topic);
    disk.replicas.getPartition(topic, 0)!.appendAsLeader(batch('old'), { origin: 'client', now: 0 });
    await disk.replicas.getPartition(topic, 0)!.log.whenTopicIdWritten();
    await disk.close();
    const copy = path.join(root, '..', `${path.basename(root)}-saved`);
    cpSync(partitionDir(`${topic}-0`), copy, { recursive: true });
    return copy;
  }

  test('the metadata assigning a partition writes its topic id', async () => {
    const disk = await open();
    try {
      await createTopic(disk, 't');
      await disk.replicas.getPartition('t', 0)!.log.whenTopicIdWritten();
      const id = topicIdOf(disk, 't');
      expect(new PartitionMetadataFile(new DiskStorageDir(partitionDir('t-0'))).read()).toBe(id);
    } finally {
      await disk.close();
    }
  });

  test('a log of an older topic of the same name is set aside as stray, not adopted; the new topic starts empty', async () => {
    const saved = await oldLogOf('t');
    try {
      let disk = await open();
      await disk.controller.deleteTopics(['t']);
      await createTopic(disk, 't');
      const newId = topicIdOf(disk, 't');
      await disk.close();
      // As if this broker had been down through the deletion and the new creation: the old directory is back.
      rmSync(partitionDir('t-0'), { recursive: true });
      cpSync(saved, partitionDir('t-0'), { recursive: true });

      disk = await open();
      try {
        const p = disk.replicas.getPartition('t', 0)!;
        expect(p.topicId).toBe(newId);
        expect(p.log.logEndOffset).toBe(0);
        expect(p.log.topicId).toBe(newId);
        await p.log.whenTopicIdWritten();
        expect(new PartitionMetadataFile(new DiskStorageDir(partitionDir('t-0'))).read()).toBe(newId);
        // The old records are kept aside, under Kafka's stray name.
        const [stray] = strayDirs();
        expect(stray).toMatch(/^t-0\.[0-9a-f]{32}-stray$/);
        expect(readdirSync(partitionDir(stray!)).filter((f) => f.endsWith('.log'))).toEqual(['00000000000000000000.log']);
      } finally {
        await disk.close();
      }
      // Set aside for good: the next start neither loads nor serves it.
      disk = await open();
      expect(disk.replicas.getPartition('t', 0)!.log.logEndOffset).toBe(0);
      expect(strayDirs()).toHaveLength(1);
      await disk.close();
    } finally {
      rmSync(saved, { recursive: true, force: true });
    }
  });

  test('a log without partition.metadata (written before topic ids) is adopted and gets the file', async () => {
    let disk = await open();
    await createTopic(disk, 't');
    disk.replicas.getPartition('t', 0)!.appendAsLeader(batch('kept'), { origin: 'client', now: 0 });
    await disk.replicas.getPartition('t', 0)!.log.whenTopicIdWritten();
    const id = topicIdOf(disk, 't');
    await disk.close();
    rmSync(path.join(partitionDir('t-0'), PARTITION_METADATA_FILE));

    disk = await open();
    try {
      const log = disk.replicas.getPartition('t', 0)!.log;
      expect(log.logEndOffset).toBe(1);
      expect(log.topicId).toBe(id);
      await log.whenTopicIdWritten();
      expect(new PartitionMetadataFile(new DiskStorageDir(partitionDir('t-0'))).read()).toBe(id);
      expect(strayDirs()).toEqual([]);
    } finally {
      await disk.close();
    }
  });

  test('a log whose topic the metadata no longer has is set aside as stray at start', async () => {
    const saved = await oldLogOf('gone');
    try {
      let disk = await open();
      await disk.controller.deleteTopics(['gone']);
      await disk.close();
      cpSync(saved, partitionDir('gone-0'), { recursive: true });

      disk = await open();
      try {
        expect(disk.logs.getLog('gone', 0)).toBeUndefined();
        expect(strayDirs()).toEqual([expect.stringMatching(/^gone-0\.[0-9a-f]{32}-stray$/)]);
        expect(readdirSync(root)).not.toContain('gone-0');
      } finally {
        await disk.close();
      }
    } finally {
      rmSync(saved, { recursive: true, force: true });
    }
  });
});

describe('delayed produce (acks=all)', () => {
  test('one replica: answered at once, through the purgatory', async () => {
    await createTopic(node, 'p');
    const out = node.replicas.appendRecords({ requiredAcks: -1, timeoutMs: 1000, origin: 'client' }, [{ topic: 'p', partition: 0, records: batch('a') }], 0);
    expect(Array.isArray(out)).toBe(true);
    expect((out as AppendOutcome[])[0]).toMatchObject({ errorCode: ErrorCode.NONE, baseOffset: 0 });
    expect(node.replicas.delayedOperations.produce).toBe(0);
    // A coordinator's wait for its write: NONE at once, no promise.
    expect(node.replicas.appendAsCoordinator('p', 0, batch('b'), 0)).toBe(ErrorCode.NONE);
    expect(node.replicas.whenReplicated('p', 0, 1000)).toBe(ErrorCode.NONE);
  });

  test('waits for the follower in the ISR, then answers; times out with REQUEST_TIMED_OUT', async () => {
    await registerBroker(2);
    await node.controller.createTopics([{ name: 'rf2', numPartitions: -1, replicationFactor: -1, assignments: [{ partitionIndex: 0, brokerIds: [1, 2] }], configs: {} }]);
    const p = node.replicas.getPartition('rf2', 0)!;
    let answered: AppendOutcome[] | null = null;
    const pending = node.replicas.appendRecords({ requiredAcks: -1, timeoutMs: 1000, origin: 'client' }, [{ topic: 'rf2', partition: 0, records: batch('a', 'b') }], 0);
    expect(pending).toBeInstanceOf(Promise);
    void (pending as Promise<AppendOutcome[]>).then((r) => (answered = r));
    expect(node.replicas.delayedOperations.produce).toBe(1);
    p.updateFollowerFetchState(2, -1, 1, 0);
    await settle();
    expect(answered).toBeNull();
    p.updateFollowerFetchState(2, -1, 2, 0);
    await settle();
    expect(answered).toEqual([expect.objectContaining({ errorCode: ErrorCode.NONE, baseOffset: 0, lastOffset: 1 })]);
    expect(node.replicas.delayedOperations.produce).toBe(0);

    const late = node.replicas.appendRecords({ requiredAcks: -1, timeoutMs: 1000, origin: 'client' }, [{ topic: 'rf2', partition: 0, records: batch('c') }], 0) as Promise<AppendOutcome[]>;
    clock.advance(999);
    await settle();
    expect(node.replicas.delayedOperations.produce).toBe(1);
    clock.advance(1);
    expect((await late)[0]?.errorCode).toBe(ErrorCode.REQUEST_TIMED_OUT);
  });
});

describe('delayed fetch', () => {
  test('answers at once when there are bytes; otherwise waits for an append to the partition', async () => {
    await createTopic(node, 'f');
    await createTopic(node, 'other');
    const p = node.replicas.getPartition('f', 0)!;
    p.appendAsLeader(batch('a'), { origin: 'client', now: 0 });
    const now = node.replicas.fetchMessages(CONSUMER, [{ topic: 'f', partition: 0, fetchOffset: 0, maxBytes: 1 << 20, currentLeaderEpoch: -1 }]);
    expect(now).not.toBeInstanceOf(Promise);
    expect((now as FetchResult).bytes).toBeGreaterThan(0);

    let done: FetchResult | null = null;
    const waiting = node.replicas.fetchMessages(CONSUMER, [{ topic: 'f', partition: 0, fetchOffset: 1, maxBytes: 1 << 20, currentLeaderEpoch: -1 }]) as Promise<FetchResult>;
    void waiting.then((r) => (done = r));
    expect(node.replicas.delayedOperations.fetch).toBe(1);
    // An append elsewhere does not answer it.
    node.replicas.getPartition('other', 0)!.appendAsLeader(batch('z'), { origin: 'client', now: 0 });
    await settle();
    expect(done).toBeNull();
    p.appendAsLeader(batch('b'), { origin: 'client', now: 0 });
    await settle();
    expect(done!.bytes).toBeGreaterThan(0);
    expect(done!.partitions[0]).toMatchObject({ errorCode: ErrorCode.NONE, highWatermark: 2 });
    expect(node.replicas.delayedOperations.fetch).toBe(0);
  });

  test('an idle waiting fetch is not read again until a partition has something: offsets are compared instead', async () => {
    await createTopic(node, 'i', 2);
    const reads = [0, 1].map((i) => jest.spyOn(node.replicas.getPartition('i', i)!, 'read'));
    const readCount = () => reads.reduce((n, spy) => n + spy.mock.calls.length, 0);
    const req = (partition: number) => ({ topic: 'i', partition, fetchOffset: 0, maxBytes: 1 << 20, currentLeaderEpoch: -1 });
    const waiting = node.replicas.fetchMessages(CONSUMER, [req(0), req(1)]) as Promise<FetchResult>;
    // The first read only: trying it again as it starts to wait reads nothing.
    expect(readCount()).toBe(2);
    expect(node.replicas.delayedOperations.fetch).toBe(1);
    node.replicas.getPartition('i', 1)!.appendAsLeader(batch('x'), { origin: 'client', now: 0 });
    const answered = await waiting;
    expect(readCount()).toBe(4);
    expect(answered.partitions.map((p) => p.records !== null)).toEqual([false, true]);
    // Idle to the deadline: read once more then, to answer with what there is.
    const idle = node.replicas.fetchMessages(CONSUMER, [req(0), { ...req(1), fetchOffset: 1 }]) as Promise<FetchResult>;
    expect(readCount()).toBe(6);
    clock.advance(CONSUMER.maxWaitMs);
    expect((await idle).bytes).toBe(0);
    expect(readCount()).toBe(8);
  });

  test('max wait on the fake clock; min bytes counts; deletion and shutdown answer early', async () => {
    await createTopic(node, 'w');
    const req = { topic: 'w', partition: 0, fetchOffset: 0, maxBytes: 1 << 20, currentLeaderEpoch: -1 };
    const big = node.replicas.fetchMessages({ ...CONSUMER, minBytes: 1 << 20 }, [req]) as Promise<FetchResult>;
    node.replicas.getPartition('w', 0)!.appendAsLeader(batch('small'), { origin: 'client', now: 0 });
    clock.advance(499);
    await settle();
    expect(node.replicas.delayedOperations.fetch).toBe(1);
    clock.advance(1);
    const timedOut = await big;
    expect(timedOut.bytes).toBeGreaterThan(0); // what was there at the deadline
    expect(timedOut.partitions[0]?.errorCode).toBe(ErrorCode.NONE);

    const beforeDelete = node.replicas.fetchMessages(CONSUMER, [{ ...req, fetchOffset: 1 }]) as Promise<FetchResult>;
    await node.controller.deleteTopics(['w']);
    expect((await beforeDelete).partitions[0]?.errorCode).toBe(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);

    await createTopic(node, 's');
    const atShutdown = node.replicas.fetchMessages(CONSUMER, [{ ...req, topic: 's' }]) as Promise<FetchResult>;
    node.replicas.shutdown();
    expect((await atShutdown).bytes).toBe(0);
    expect(node.replicas.fetchMessages(CONSUMER, [{ ...req, topic: 's' }])).not.toBeInstanceOf(Promise);
  });

  test('on disk: the short reads a waiting fetch drops let go of their file regions; the answer keeps its own', async () => {
    const root = mkdtempSync(path.join(tmpdir(), 'weir-rm-regions-'));
    const disk = await openSingleNode({ dataDir: root, scheduler: clock });
    try {
      await createTopic(disk, 'r');
      const p = disk.replicas.getPartition('r', 0)!;
      p.appendAsLeader(batch('a'), { origin: 'client', now: 0 });
      const read = p.read.bind(p);
      const regions: { region: FileRegion; released: jest.Mock }[] = [];
      jest.spyOn(p, 'read').mockImplementation((o) => {
        const r = read(o);
        if (isFileRegion(r.records)) {
          const region = r.records;
          const release = region.release.bind(region);
          const released = jest.fn(release);
          region.release = released;
          regions.push({ region, released });
        }
        return r;
      });
      const waiting = disk.replicas.fetchMessages({ ...CONSUMER, minBytes: 1 << 20 }, [{ topic: 'r', partition: 0, fetchOffset: 0, maxBytes: 1 << 20, currentLeaderEpoch: -1 }]) as Promise<FetchResult>;
      p.appendAsLeader(batch('b'), { origin: 'client', now: 0 });
      p.appendAsLeader(batch('c'), { origin: 'client', now: 0 });
      clock.advance(CONSUMER.maxWaitMs);
      const answer = await waiting;
      // The first read, one per append (each short of min bytes), the read at the deadline.
      expect(regions.length).toBe(5);
      const sent = answer.partitions[0]!.records;
      for (const { region, released } of regions) expect(released).toHaveBeenCalledTimes(region === sent ? 0 : 1);
      releaseFetchResult(answer);
      expect(regions.at(-1)!.released).toHaveBeenCalledTimes(1);
    } finally {
      disk.close();
      rmSync(root, { recursive: true, force: true });
    }
  });

  test('the byte budget: only the first partition with data may exceed it', async () => {
    await createTopic(node, 'b', 2);
    for (const i of [0, 1]) node.replicas.getPartition('b', i)!.appendAsLeader(batch('x'.repeat(100)), { origin: 'client', now: 0 });
    const r = node.replicas.readFromLocalLog({ ...CONSUMER, maxBytes: 10 }, [0, 1].map((partition) => ({ topic: 'b', partition, fetchOffset: 0, maxBytes: 1 << 20, currentLeaderEpoch: -1 })));
    expect(r.partitions[0]?.records).not.toBeNull();
    expect(r.partitions[1]?.records).toBeNull();
    expect(node.replicas.getPartitionOrError('b', 0)).toBeInstanceOf(Partition);
  });
});

describe('ISR changes made as leader (Kafka\'s IsrShrinksPerSec / IsrExpandsPerSec)', () => {
  /** Lets the AlterPartition round trip (setImmediate, the controller's write, the metadata) finish. */
  async function until(what: string, holds: () => boolean): Promise<void> {
    for (let i = 0; i < 100 && !holds(); i++) await settle();
    if (!holds()) throw new Error(`never: ${what}`);
  }

  test('a shrink for a lagging follower and an expand when it catches up are counted when committed; the controller dropping a fenced broker is not', async () => {
    await registerBroker(2);
    const epoch2 = node.metadata.image.brokers.get(2)!.epoch;
    await node.controller.createTopics([{ name: 'isr', numPartitions: -1, replicationFactor: -1, assignments: [{ partitionIndex: 0, brokerIds: [1, 2] }], configs: {} }]);
    const p = node.replicas.getPartition('isr', 0)!;
    expect(p).toMatchObject({ isLeader: true, isr: [1, 2] });
    // This broker leads: nothing to fetch. Its ISR changes go to the real controller.
    const silent: ReplicaLink = { fetch: () => new Promise(() => undefined), offsetForLeaderEpoch: () => new Promise(() => undefined), close: () => undefined };
    node.replicas.startReplication({
      open: async () => silent,
      isrChannel: { alterPartition: (brokerId, brokerEpoch, items) => node.controller.alterPartition(brokerId, brokerEpoch, items) },
      brokerEpoch: () => node.brokerEpoch,
    });
    expect(node.replicas.isrChangeCounts).toEqual({ expand: 0, shrink: 0 });

    // Broker 2 does not fetch for longer than replica.lag.time.max.ms (30 s).
    clock.advance(45_000);
    await until('the ISR shrinks to [1]', () => p.isr.length === 1);
    expect(node.replicas.isrChangeCounts).toEqual({ expand: 0, shrink: 1 });

    // It fetches from the log end: it joins again.
    p.updateFollowerFetchState(2, epoch2, p.logEndOffset, clock.now());
    await until('the ISR grows to [1, 2]', () => p.isr.length === 2);
    expect(node.replicas.isrChangeCounts).toEqual({ expand: 1, shrink: 1 });

    // Broker 2 dies: the controller fences it and takes it out of the ISR
    // itself. The leader asked for nothing, so nothing is counted, as in Kafka.
    const self = node.metadata.image.brokers.get(1)!;
    const onlySelf = new Map<number, LiveBrokerRegistration>([[1, { brokerId: 1, incarnationId: self.incarnationId, endpoints: [...self.endpoints], rack: self.rack, epoch: self.epoch }]]);
    await node.controller.reconcileBrokers(onlySelf);
    expect(node.metadata.image.brokers.get(2)?.fenced).toBe(true);
    expect(p.isr).toEqual([1]);
    expect(node.replicas.isrChangeCounts).toEqual({ expand: 1, shrink: 1 });
  });
});
