/**
 * Fetch from the closest replica (KIP-392) on a cluster on etcd: a real
 * etcd, three real broker processes in racks rack-1..rack-3 (broker.rack)
 * with replica.selector.class=RackAwareReplicaSelector, and a node-rdkafka
 * consumer with `client.rack` set to a follower's rack.
 *
 * - The consumer reads every record, and it reads them from the follower in
 *   its rack: the follower's weir_bytes_out_total for the topic (Kafka's
 *   BytesOutPerSec) grows, the leader's stays at 0 (the leader only points
 *   the consumer at the follower, without records).
 * - That follower is SIGKILLed: the same consumer goes on, now from the
 *   leader (its bytes out grow), and reads what was written after, every
 *   acknowledged record once, at its offset.
 * - A kafkajs consumer group member with `rackId` reads from the follower in
 *   its rack the same way.
 */
import { type RunningCluster, startCluster } from '../src/start-cluster';
import { KafkaClient } from '../src/client/client';
import { Kafka as KafkaJs, logLevel } from 'kafkajs';
import { waitFor } from './support/conditions';
import { scrapeSample } from './support/metrics';
import { ContinuousConsumer, RecordingProducer, checkHistory, createReplicatedTopic, stopClusterShowingWarnings } from './support/cluster';

const RACK_AWARE = 'org.apache.kafka.common.replica.RackAwareReplicaSelector';
let cluster: RunningCluster;
let consumer: ContinuousConsumer | null = null;

beforeAll(async () => {
  cluster = await startCluster({
    brokers: 3,
    metrics: true,
    config: {
      'broker.session.timeout.ms': 6000,
      'broker.heartbeat.interval.ms': 1000,
      'default.replication.factor': 3,
      'min.insync.replicas': 2,
      'replica.selector.class': RACK_AWARE,
      // The follower killed below leaves the ISR when its lease ends, not for lagging.
      'replica.lag.time.max.ms': 30_000,
    },
    brokerConfig: (id) => ({ 'broker.rack': `rack-${id}` }),
  });
}, 120_000);

afterAll(async () => {
  await consumer?.stop();
  await stopClusterShowingWarnings(cluster);
});

/** The topic's partition 0 leader once every replica is in sync, and a follower of it. */
async function leaderAndFollower(topic: string): Promise<{ leader: number; follower: number }> {
  const admin = await KafkaClient.connect(cluster.bootstrapServers);
  try {
    const p = await waitFor(
      'a leader and a full ISR',
      async () => {
        const part = (await admin.metadata([topic])).topics.get(topic)?.partitions[0];
        return part && part.leaderId > 0 && part.isr.length === 3 ? part : undefined;
      },
      60_000,
      200,
    );
    return { leader: p.leaderId, follower: [1, 2, 3].find((id) => id !== p.leaderId)! };
  } finally {
    await admin.close();
  }
}

/** A broker's weir_bytes_out_total for `topic` (0 when it has sent none). */
async function bytesOut(nodeId: number, topic: string): Promise<number> {
  const url = cluster.metricsUrl(nodeId);
  if (!url) throw new Error(`broker ${nodeId} serves no metrics`);
  return scrapeSample(url, `weir_bytes_out_total{topic="${topic}"}`);
}

test('a consumer with client.rack reads from the follower in its rack, and from the leader once that follower is gone', async () => {
  const topic = 'near';
  await createReplicatedTopic(cluster.bootstrapServers, topic, 1);
  const { leader, follower: near } = await leaderAndFollower(topic);

  const producer = new RecordingProducer(cluster.bootstrapServers);
  await producer.connect();
  for (let i = 0; i < 200; i++) producer.produce(topic, 0, `near-0-${i}`);
  await producer.settle(60_000);
  expect(producer.errors).toEqual([]);

  const reader = (consumer = new ContinuousConsumer(cluster.bootstrapServers, `rack-${near}`));
  await reader.start(topic, 1);
  try {
    await reader.readUpTo(200, 'the first 200 records');
    expect(await bytesOut(near, topic)).toBeGreaterThan(0);
    expect(await bytesOut(leader, topic)).toBe(0);

    // The follower dies; the consumer goes back to the leader (the third broker is in another rack).
    await cluster.kill(near);
    for (let i = 200; i < 400; i++) producer.produce(topic, 0, `near-0-${i}`);
    await producer.settle(90_000);
    expect(producer.errors).toEqual([]);
    await reader.readUpTo(400, 'the records written after the follower died');
    expect(await bytesOut(leader, topic)).toBeGreaterThan(0);
  } finally {
    await reader.stop();
    await producer.disconnect();
    await cluster.restart(near);
  }
  checkHistory(reader.read, producer.acked, 1);
  expect(reader.read).toHaveLength(400);
}, 300_000);

test('a kafkajs consumer group member with rackId reads from the follower in its rack', async () => {
  const topic = 'near-kafkajs';
  await createReplicatedTopic(cluster.bootstrapServers, topic, 1);
  const { leader, follower } = await leaderAndFollower(topic);
  const producer = new RecordingProducer(cluster.bootstrapServers);
  await producer.connect();
  for (let i = 0; i < 100; i++) producer.produce(topic, 0, `kjs-0-${i}`);
  await producer.settle(60_000);
  await producer.disconnect();
  expect(producer.errors).toEqual([]);

  const kafka = new KafkaJs({ brokers: cluster.bootstrapServers.split(','), clientId: 'rack-reader', logLevel: logLevel.NOTHING });
  const kjs = kafka.consumer({ groupId: `rack-reader-${process.pid}`, rackId: `rack-${follower}`, maxWaitTimeInMs: 100 });
  const read: { partition: number; offset: number; value: string | null }[] = [];
  await kjs.connect();
  try {
    await kjs.subscribe({ topic, fromBeginning: true });
    await kjs.run({
      eachMessage: async ({ partition, message }) => {
        read.push({ partition, offset: Number(message.offset), value: message.value?.toString() ?? null });
      },
    });
    await waitFor('kafkajs to read every record', () => (read.length >= 100 ? true : undefined), 90_000, 50);
  } finally {
    await kjs.disconnect();
  }
  expect(await bytesOut(follower, topic)).toBeGreaterThan(0);
  expect(await bytesOut(leader, topic)).toBe(0);
  checkHistory(
    read.map((r) => ({ ...r, key: null, headers: [], timestamp: -1 })),
    producer.acked,
    1,
  );
  expect(read).toHaveLength(100);
}, 180_000);
