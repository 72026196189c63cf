/**
 * Reassignment and leader elections on a cluster on etcd: a real etcd and
 * three real broker processes (startCluster), real clients (kafkajs's admin
 * for AlterPartitionReassignments / ListPartitionReassignments, Weir's own
 * client where kafkajs has no API: cancelling, ElectLeaders, DescribeLogDirs)
 * and an idempotent acks=all librdkafka producer writing without pause.
 *
 * - A partition moves from brokers {a,b} to {b,x} (with the controller as a,
 *   {1,2} to {2,3} when broker 1 is the controller) while x is frozen, so
 *   ListPartitionReassignments shows it in progress; the controller (and
 *   leader) is SIGKILLed meanwhile and the reassignment survives it (its
 *   state is in the partition records); x resumed catches up and the
 *   reassignment completes: replicas and ISR {b,x}, x reports the replica
 *   in DescribeLogDirs. A full read finds every acknowledged record.
 * - A cancelled reassignment rolls back to the original replicas and ISR;
 *   the broker that was being added ends up without the replica. Before
 *   the cancel, `weir topic describe` and `weir cluster describe` show it in
 *   progress.
 * - ElectLeaders (preferred), sent to a broker that is not the controller,
 *   moves leadership back to the preferred replica after its broker was
 *   restarted and caught up; asked again it is ELECTION_NOT_NEEDED.
 * Each test ends with a full read checked against every acknowledgement.
 */
import * as path from 'node:path';
import { Kafka as KafkaJs, logLevel, type Admin } from 'kafkajs';
import { type RunningCluster, startCluster } from '../src/start-cluster';
import { KafkaClient } from '../src/client/client';
import type { ClusterMetadata } from '../src/client/metadata';
import { alterPartitionReassignments, describeLogDirs, electLeaders, listPartitionReassignments } from '../src/client/reassignments';
import { ErrorCode } from '../src/protocol/errors';
import { readAllWithRdkafka, run } from './support/roundtrip';
import { waitFor } from './support/conditions';
import { RecordingProducer, checkHistory, stopClusterShowingWarnings } from './support/cluster';

const BROKERS = [1, 2, 3];
const CLI = path.resolve(__dirname, '../dist/cli/main.js');
let cluster: RunningCluster;

beforeAll(async () => {
  cluster = await startCluster({
    brokers: 3,
    config: {
      'broker.session.timeout.ms': 4000,
      'broker.heartbeat.interval.ms': 1000,
      'replica.lag.time.max.ms': 6000,
      // The tests move leadership themselves; the periodic rebalance (300 s by default) must not race them.
      'auto.leader.rebalance.enable': false,
    },
  });
}, 120_000);

afterAll(() => stopClusterShowingWarnings(cluster));

/**
 * A kafkajs admin bootstrapped from one broker only: it sends its Metadata to a
 * broker it is connected to, so none goes to a broker a test froze.
 */
async function withKafkajsAdmin<T>(nodeId: number, fn: (admin: Admin) => Promise<T>): Promise<T> {
  const admin = new KafkaJs({ brokers: [`127.0.0.1:${portOf(nodeId)}`], clientId: 'reassignment-test', logLevel: logLevel.NOTHING, retry: { retries: 12, initialRetryTime: 200 } }).admin();
  await admin.connect();
  try {
    return await fn(admin);
  } finally {
    await admin.disconnect();
  }
}

function portOf(nodeId: number): number {
  return cluster.brokers.find((x) => x.nodeId === nodeId)!.port;
}

async function withClient<T>(nodeId: number, fn: (c: KafkaClient) => Promise<T>): Promise<T> {
  const c = await KafkaClient.connect(`127.0.0.1:${portOf(nodeId)}`);
  try {
    return await fn(c);
  } finally {
    await c.close();
  }
}

const metadataFrom = (nodeId: number, topics: string[]): Promise<ClusterMetadata> => withClient(nodeId, (c) => c.metadata(topics));

interface PartitionView {
  leader: number;
  replicas: number[];
  isr: number[];
}

async function partition0(from: number, topic: string): Promise<PartitionView> {
  const p = (await metadataFrom(from, [topic])).topics.get(topic)!.partitions[0]!;
  return { leader: p.leaderId, replicas: [...p.replicas], isr: [...p.isr].sort() };
}

function waitForPartition(what: string, from: number, topic: string, ok: (p: PartitionView) => boolean, timeoutMs = 60_000): Promise<PartitionView> {
  return waitFor(
    what,
    async () => {
      const p = await partition0(from, topic);
      return ok(p) ? p : undefined;
    },
    timeoutMs,
    200,
  );
}

async function controllerSeenBy(nodeId: number): Promise<number> {
  return waitFor(`a controller seen by broker ${nodeId}`, async () => {
    const id = (await metadataFrom(nodeId, [])).controllerId;
    return id > 0 ? id : undefined;
  });
}

const sorted = (ids: readonly number[]) => [...ids].sort((x, y) => x - y);

/** Resumes a broker frozen with SIGSTOP (harmless when it runs). */
function resume(nodeId: number): void {
  const pid = cluster.brokers.find((n) => n.nodeId === nodeId)!.pid;
  if (pid > 0) process.kill(pid, 'SIGCONT');
}

/** A one-partition topic on `replicas` (kafkajs's manual assignment), with its ISR full. */
async function createTopicOn(topic: string, replicas: number[], from: number): Promise<void> {
  await withKafkajsAdmin(from, (admin) => admin.createTopics({ topics: [{ topic, replicaAssignment: [{ partition: 0, replicas }] }] }));
  await waitForPartition(`${topic} led by ${replicas[0]} with a full ISR`, from, topic, (p) => p.leader === replicas[0] && p.isr.length === replicas.length);
}

async function finishAndCheck(producer: RecordingProducer, stopWriting: () => Promise<void>, topic: string): Promise<void> {
  await stopWriting();
  await producer.settle();
  await producer.disconnect();
  expect(producer.errors).toEqual([]);
  expect(producer.acked.length).toBe(producer.sentCount);
  const read = await readAllWithRdkafka(cluster.bootstrapServers, topic, 1);
  checkHistory(read, producer.acked, 1);
  expect(read).toHaveLength(producer.acked.length);
}

describe('reassignment and leader elections on a cluster of three brokers', () => {
  it('moves a partition from {a,b} to {b,x} under an acks=all load: in progress while x is frozen, surviving a controller change, complete once x caught up; nothing acknowledged is lost', async () => {
    const topic = 'moving';
    const controller = await controllerSeenBy(1);
    const [a, b, x] = [controller, ...BROKERS.filter((id) => id !== controller)] as [number, number, number];
    await createTopicOn(topic, [a, b], b);

    // x is frozen below: a request librdkafka sends it (a Metadata refresh) gets
    // no answer, and would hold the producer's view of the new leader for
    // librdkafka's default socket.timeout.ms (60 s, the whole wait below).
    const producer = new RecordingProducer(cluster.bootstrapServers, { 'socket.timeout.ms': '10000' });
    await producer.connect();
    const stopWriting = producer.steady(topic, 1, 'move');
    try {
      await waitFor('acknowledgements before the move', () => (producer.acked.length > 200 ? true : undefined), 30_000);
      // Frozen, x cannot catch up: the reassignment stays in progress until it is resumed.
      await cluster.kill(x, 'SIGSTOP');
      const listed = await withKafkajsAdmin(b, async (admin) => {
        await admin.alterPartitionReassignments({ topics: [{ topic, partitionAssignment: [{ partition: 0, replicas: [b, x] }] }] });
        return admin.listPartitionReassignments({ topics: [{ topic, partitions: [0] }] });
      });
      // kafkajs hands the decoded response on as it is (its typings name other fields).
      expect(listed.topics as unknown).toEqual([{ name: topic, partitions: [{ partition: 0, replicas: [b, x, a], addingReplicas: [x], removingReplicas: [a] }] }]);
      await waitForPartition(`broker ${b} to see the new replicas`, b, topic, (p) => p.leader === a && p.replicas.join() === [b, x, a].join());

      // The controller, which also leads the partition, dies mid-reassignment: b takes over both.
      const ackedBefore = producer.acked.length;
      await cluster.kill(a);
      await waitForPartition(`b (${b}) leading after the controller died`, b, topic, (p) => p.leader === b);
      expect(await controllerSeenBy(b)).toBe(b);
      await waitFor('acknowledgements from the new leader', () => (producer.acked.length > ackedBefore + 50 ? true : undefined), 60_000);
      // The new controller lists the same reassignment: it lives in the partition records.
      expect(await withClient(b, (c) => listPartitionReassignments(c, null))).toEqual([
        { topic, partition: 0, replicas: [b, x, a], addingReplicas: [x], removingReplicas: [a] },
      ]);

      resume(x);
      const done = await waitForPartition('the reassignment to complete', b, topic, (p) => sorted(p.replicas).join() === sorted([b, x]).join() && p.isr.length === 2);
      expect(done).toEqual({ leader: b, replicas: [b, x], isr: sorted([b, x]) });
      expect(await withClient(b, (c) => listPartitionReassignments(c, null))).toEqual([]);
      expect((await withClient(x, (c) => describeLogDirs(c, x))).map((r) => `${r.topic}-${r.partition}`)).toContain(`${topic}-0`);
      await cluster.restart(a);
    } finally {
      resume(x);
      // A failure above leaves a down: the next tests need all three brokers.
      if (cluster.brokers.find((br) => br.nodeId === a)?.pid === 0) await cluster.restart(a);
      await finishAndCheck(producer, stopWriting, topic);
    }
    // The broker the partition left does not report it (its log was left behind while it was down, unserved).
    expect((await withClient(a, (c) => describeLogDirs(c, a))).map((r) => `${r.topic}-${r.partition}`)).not.toContain(`${topic}-0`);
  }, 300_000);

  it('a cancelled reassignment rolls back to the original replicas, and the broker being added holds no replica', async () => {
    const topic = 'undone';
    const controller = await controllerSeenBy(BROKERS[0]!);
    const x = BROKERS.find((id) => id !== controller)!;
    const [a, b] = BROKERS.filter((id) => id !== x) as [number, number];
    await createTopicOn(topic, [a, b], controller);

    const producer = new RecordingProducer(cluster.bootstrapServers);
    await producer.connect();
    const stopWriting = producer.steady(topic, 1, 'undo');
    try {
      await waitFor('acknowledgements', () => (producer.acked.length > 100 ? true : undefined), 30_000);
      await cluster.kill(x, 'SIGSTOP');
      await withKafkajsAdmin(controller, (admin) => admin.alterPartitionReassignments({ topics: [{ topic, partitionAssignment: [{ partition: 0, replicas: [b, x] }] }] }));
      expect(await withClient(controller, (c) => listPartitionReassignments(c, [{ topic, partitions: [0] }]))).toEqual([
        { topic, partition: 0, replicas: [b, x, a], addingReplicas: [x], removingReplicas: [a] },
      ]);
      // What an operator sees meanwhile: the CLI's topic and cluster views show it in progress.
      const cli = (args: string[]) => run(process.execPath, [CLI, ...args, '-b', `127.0.0.1:${portOf(controller)}`], '', 60_000);
      const topicView = await cli(['topic', 'describe', topic]);
      expect(topicView.stdout).toMatch(new RegExp(`reassignments in progress:\\nPARTITION\\s+ADDING\\s+REMOVING\\n0\\s+${x}\\s+${a}\\n`));
      expect((await cli(['cluster', 'describe'])).stdout).toMatch(new RegExp(`reassignments in progress: 1\\n.*\\n${topic}\\s+0\\s+${b},${x},${a}\\s+${x}\\s+${a}\\n`));
      expect(await withClient(controller, (c) => alterPartitionReassignments(c, [{ topic, partition: 0, replicas: null }]))).toEqual([
        { topic, partition: 0, errorCode: ErrorCode.NONE, errorMessage: null },
      ]);
      expect(await withClient(controller, (c) => listPartitionReassignments(c, null))).toEqual([]);
      const back = await partition0(controller, topic);
      expect({ replicas: sorted(back.replicas), isr: back.isr, leader: back.leader }).toEqual({ replicas: sorted([a, b]), isr: sorted([a, b]), leader: a });
      // Nothing left to cancel.
      expect(await withClient(controller, (c) => alterPartitionReassignments(c, [{ topic, partition: 0, replicas: null }]))).toEqual([
        { topic, partition: 0, errorCode: ErrorCode.NO_REASSIGNMENT_IN_PROGRESS, errorMessage: 'No partition reassignment is in progress.' },
      ]);
      resume(x);
      await waitFor(
        `broker ${x} to hold no replica of ${topic}`,
        async () => ((await withClient(x, (c) => describeLogDirs(c, x))).some((r) => r.topic === topic) ? undefined : true),
        30_000,
        200,
      );
      await waitForPartition(`${x} to see the rolled back partition`, x, topic, (p) => sorted(p.replicas).join() === sorted([a, b]).join());
    } finally {
      resume(x);
      await finishAndCheck(producer, stopWriting, topic);
    }
  }, 240_000);

  it('ElectLeaders (preferred), sent to a broker that is not the controller, moves leadership back to the preferred replica once it caught up', async () => {
    const topic = 'preferred';
    const controller = await controllerSeenBy(BROKERS[0]!);
    const [p, q] = BROKERS.filter((id) => id !== controller) as [number, number];
    await createTopicOn(topic, [p, q, controller], controller);

    const producer = new RecordingProducer(cluster.bootstrapServers);
    await producer.connect();
    const stopWriting = producer.steady(topic, 1, 'elect');
    try {
      await waitFor('acknowledgements', () => (producer.acked.length > 100 ? true : undefined), 30_000);
      await cluster.kill(p);
      await waitForPartition(`a leader other than ${p}`, controller, topic, (v) => v.leader > 0 && v.leader !== p);
      // While p is away its preferred election cannot happen.
      const away = await withClient(q, (c) => electLeaders(c, 'preferred', [{ topic, partitions: [0] }], { target: q }));
      expect(away).toEqual([{ topic, partition: 0, errorCode: ErrorCode.PREFERRED_LEADER_NOT_AVAILABLE, errorMessage: null }]);
      await cluster.restart(p);
      await waitForPartition(`${p} back in the ISR`, controller, topic, (v) => v.isr.length === 3);
      expect((await partition0(controller, topic)).leader).not.toBe(p);

      const results = await withClient(q, (c) => electLeaders(c, 'preferred', [{ topic, partitions: [0, 9] }], { target: q }));
      expect(results).toEqual([
        { topic, partition: 0, errorCode: ErrorCode.NONE, errorMessage: null },
        { topic, partition: 9, errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, errorMessage: `No such partition as ${topic}-9` },
      ]);
      await waitForPartition(`${p} leading again`, q, topic, (v) => v.leader === p);
      const again = await withClient(q, (c) => electLeaders(c, 'preferred', [{ topic, partitions: [0] }], { target: q }));
      expect(again).toEqual([{ topic, partition: 0, errorCode: ErrorCode.ELECTION_NOT_NEEDED, errorMessage: null }]);
    } finally {
      await finishAndCheck(producer, stopWriting, topic);
    }
  }, 240_000);
});
