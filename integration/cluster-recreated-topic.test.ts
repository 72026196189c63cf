/**
 * A topic deleted and created again under the same name while one of its
 * brokers was down: a real etcd and three real broker processes
 * (startCluster), kafkajs's admin and producer, librdkafka for the read.
 *
 * Topic T has a replica on broker x, which holds its records when x is
 * stopped. T is deleted, then created again with a replica on x (a manual
 * assignment: Kafka's KRaft controller, and Weir's, accept a registered
 * broker that is down), and takes other records. When x starts again its
 * old `T-0` directory carries the old topic id in `partition.metadata`: it
 * must set it aside as stray and replicate the new topic from scratch, not
 * adopt the old records as the new topic's (as a follower it would keep
 * them at offsets the new leader also has in epoch 0). Once x is back in the
 * ISR it is made the leader (a preferred election) and everything is read
 * from it: every acknowledged record of the new topic, none of the old.
 */
import { Kafka as KafkaJs, logLevel } from 'kafkajs';
import { type RunningCluster, startCluster } from '../src/start-cluster';
import { KafkaClient } from '../src/client/client';
import { electLeaders } from '../src/client/reassignments';
import { deleteTopics } from '../src/client/topics';
import { ErrorCode } from '../src/protocol/errors';
import { readAllWithRdkafka } from './support/roundtrip';
import { waitFor } from './support/conditions';
import { stopClusterShowingWarnings } from './support/cluster';

jest.setTimeout(240_000);

let cluster: RunningCluster;

beforeAll(async () => {
  cluster = await startCluster({
    brokers: 3,
    config: {
      'broker.session.timeout.ms': 4000,
      'broker.heartbeat.interval.ms': 1000,
      // The test moves leadership itself; the periodic rebalance must not race it.
      'auto.leader.rebalance.enable': false,
      // A client's Metadata must not bring the deleted topic back before the test creates it again.
      'auto.create.topics.enable': false,
    },
  });
}, 120_000);

afterAll(() => stopClusterShowingWarnings(cluster));

const portOf = (nodeId: number): number => cluster.brokers.find((b) => b.nodeId === nodeId)!.port;

function kafkajs(nodeId: number): KafkaJs {
  return new KafkaJs({ brokers: [`127.0.0.1:${portOf(nodeId)}`], clientId: 'recreated-topic-test', logLevel: logLevel.NOTHING, retry: { retries: 12, initialRetryTime: 200 } });
}

async function withClient<T>(nodeId: number, fn: (c: KafkaClient) => Promise<T>): Promise<T> {
  const c = await KafkaClient.connect(`127.0.0.1:${portOf(nodeId)}`);
  try {
    return await fn(c);
  } finally {
    await c.close();
  }
}

interface PartitionView {
  exists: boolean;
  leader: number;
  replicas: number[];
  isr: number[];
}

async function partition0(from: number, topic: string): Promise<PartitionView> {
  const t = (await withClient(from, (c) => c.metadata([topic]))).topics.get(topic);
  const p = t?.partitions[0];
  if (!t || t.errorCode !== ErrorCode.NONE || !p) return { exists: false, leader: -1, replicas: [], isr: [] };
  return { exists: true, leader: p.leaderId, replicas: [...p.replicas], isr: [...p.isr].sort() };
}

function waitForPartition(what: string, from: number, topic: string, ok: (p: PartitionView) => boolean): Promise<PartitionView> {
  return waitFor(
    what,
    async () => {
      const p = await partition0(from, topic);
      return ok(p) ? p : undefined;
    },
    60_000,
    200,
  );
}

/** Creates `topic` with one partition on `replicas` (a manual assignment). */
async function createOn(from: number, topic: string, replicas: number[]): Promise<void> {
  const admin = kafkajs(from).admin();
  await admin.connect();
  try {
    await admin.createTopics({ topics: [{ topic, replicaAssignment: [{ partition: 0, replicas }] }] });
  } finally {
    await admin.disconnect();
  }
}

/** Produces `count` records valued `<prefix>-<i>` with acks=all, in batches; the values acknowledged, in offset order. */
async function produce(from: number, topic: string, prefix: string, count: number): Promise<{ offset: number; value: string }[]> {
  const producer = kafkajs(from).producer({ allowAutoTopicCreation: false });
  await producer.connect();
  const acked: { offset: number; value: string }[] = [];
  try {
    for (let i = 0; i < count; i += 10) {
      const values = Array.from({ length: Math.min(10, count - i) }, (_, j) => `${prefix}-${i + j}`);
      const [meta] = await producer.send({ topic, acks: -1, messages: values.map((value) => ({ value })) });
      const base = Number(meta!.baseOffset);
      values.forEach((value, j) => acked.push({ offset: base + j, value }));
    }
  } finally {
    await producer.disconnect();
  }
  return acked;
}

describe('a topic deleted and created again while a broker was down', () => {
  it('the broker sets its old log aside as stray and serves, as leader, only the new topic: every acknowledged record, none of the old', async () => {
    const topic = 'reborn';
    const controller = await waitFor('a controller', async () => {
      const id = (await withClient(1, (c) => c.metadata([]))).controllerId;
      return id > 0 ? id : undefined;
    });
    // x is not the controller: stopping it does not move the controller.
    const x = [1, 2, 3].find((id) => id !== controller)!;
    const [a, b] = [1, 2, 3].filter((id) => id !== x) as [number, number];

    await createOn(a, topic, [x, a, b]);
    await waitForPartition(`${topic} led by ${x} with a full ISR`, a, topic, (p) => p.leader === x && p.isr.length === 3);
    const old = await produce(a, topic, 'old', 150);
    expect(old.map((r) => r.offset)).toEqual(old.map((_, i) => i));

    await cluster.kill(x, 'SIGTERM');
    await waitForPartition(`${topic} led by another broker than ${x}`, a, topic, (p) => p.leader > 0 && p.leader !== x);
    await withClient(a, (c) => deleteTopics(c, [topic]));
    await waitForPartition(`${topic} deleted`, a, topic, (p) => !p.exists);
    // x is down (fenced) but registered: the replica waits for it, out of the ISR.
    await createOn(a, topic, [x, a, b]);
    await waitForPartition(`the new ${topic} led by ${a}`, a, topic, (p) => p.leader === a && p.replicas.join() === [x, a, b].join() && p.isr.join() === [a, b].sort().join());
    const fresh = await produce(a, topic, 'new', 100);

    await cluster.restart(x);
    await waitForPartition(`${x} back in the ISR`, a, topic, (p) => p.isr.length === 3);
    const elected = await withClient(a, (c) => electLeaders(c, 'preferred', [{ topic, partitions: [0] }]));
    expect(elected).toEqual([{ topic, partition: 0, errorCode: ErrorCode.NONE, errorMessage: null }]);
    await waitForPartition(`${x} leading the new ${topic}`, a, topic, (p) => p.leader === x);

    // Read from x, the leader.
    const read = await readAllWithRdkafka(`127.0.0.1:${portOf(x)}`, topic, 1);
    expect(read.map((r) => ({ offset: r.offset, value: r.value }))).toEqual(fresh);
    expect(read.filter((r) => r.value?.startsWith('old-'))).toEqual([]);
    expect(cluster.output(x)).toContain('the log of an older topic of this name is set aside as stray');
  });
});
