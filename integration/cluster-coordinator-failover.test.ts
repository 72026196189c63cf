/**
 * Group coordinators that follow leadership, on a cluster on etcd (a real
 * etcd and three broker processes, startCluster): `__consumer_offsets` is
 * created with Kafka's replication factor of 3 (the cluster default), a
 * commit is answered once replicated, and the broker coordinating a group
 * (found with FindCoordinator) is SIGKILLed while its members consume a
 * replicated topic under a steady acks=all load.
 *
 * - A classic group of kafkajs and node-rdkafka members (both on
 *   "roundrobin"): another broker becomes the coordinator, every commit
 *   acknowledged before the kill is still there (each partition's committed
 *   offset on the new coordinator is at least the one read before the
 *   kill), the members rejoin there and go on, and in the end every
 *   acknowledged record was consumed (nothing skipped) and the committed
 *   offsets reach each partition's end.
 * - The same for a KIP-848 group (node-rdkafka, group.protocol=consumer).
 */
import * as Rdkafka from 'node-rdkafka';
import { Kafka as KafkaJs, type PartitionAssigner, PartitionAssigners, logLevel } from 'kafkajs';
import { type RunningCluster, startCluster } from '../src/start-cluster';
import { KafkaClient } from '../src/client/client';
import { fetchGroupOffsets, findCoordinator } from '../src/client/groups';
import { waitFor } from './support/conditions';
import { RecordingProducer, createReplicatedTopic, stopClusterShowingWarnings } from './support/cluster';
import { watermarks } from './support/roundtrip';

jest.setTimeout(300_000);

const PARTITIONS = 4;
let cluster: RunningCluster;

beforeAll(async () => {
  cluster = await startCluster({
    brokers: 3,
    config: {
      'broker.session.timeout.ms': 2000,
      'broker.heartbeat.interval.ms': 500,
      'replica.lag.time.max.ms': 4000,
      'min.insync.replicas': 2,
      'offsets.topic.num.partitions': 6,
      'group.initial.rebalance.delay.ms': 0,
    },
  });
}, 120_000);

afterAll(() => stopClusterShowingWarnings(cluster));

/** The group's coordinator as FindCoordinator answers it; undefined while there is none. */
async function coordinatorOf(group: string): Promise<number | undefined> {
  const client = await KafkaClient.connect(cluster.bootstrapServers);
  try {
    return await findCoordinator(client, group);
  } catch {
    return undefined;
  } finally {
    await client.close();
  }
}

/** The group's committed offsets per partition (-1 when none), from its coordinator; undefined while it cannot answer. */
async function committedOffsets(group: string, topic: string): Promise<Map<number, number> | undefined> {
  const client = await KafkaClient.connect(cluster.bootstrapServers);
  try {
    const offsets = (await fetchGroupOffsets(client, group, [topic])).get(topic);
    return offsets && new Map([...offsets].map(([p, o]) => [p, Number(o)]));
  } catch {
    return undefined;
  } finally {
    await client.close();
  }
}

const retried = <T>(what: string, get: () => Promise<T | undefined>, timeoutMs = 60_000) => waitFor(what, get, timeoutMs, 250);

/** Consumed values, from every member, and how many each member consumed. */
class Consumed {
  readonly values = new Set<string>();
  readonly byMember = new Map<string, number>();
  /** Every delivery, the same value again included. */
  deliveries = 0;
  add(member: string, value: string | undefined): void {
    if (value === undefined) return;
    this.deliveries++;
    this.values.add(value);
    this.byMember.set(member, (this.byMember.get(member) ?? 0) + 1);
  }
}

function rdkafkaMember(name: string, group: string, topic: string, consumed: Consumed, protocol: 'classic' | 'consumer'): Promise<Rdkafka.KafkaConsumer> {
  const consumer = new Rdkafka.KafkaConsumer(
    {
      'bootstrap.servers': cluster.bootstrapServers,
      'group.id': group,
      'client.id': name,
      ...(protocol === 'consumer' ? { 'group.protocol': 'consumer' } : { 'partition.assignment.strategy': 'roundrobin', 'session.timeout.ms': 10_000, 'heartbeat.interval.ms': 500 }),
      'enable.auto.commit': true,
      'auto.commit.interval.ms': 200,
      'fetch.wait.max.ms': 100,
      'topic.metadata.refresh.interval.ms': 1000,
    } as Rdkafka.ConsumerGlobalConfig,
    { 'auto.offset.reset': 'earliest' },
  );
  consumer.on('data', (m) => consumed.add(name, m.value?.toString()));
  return new Promise((resolve, reject) =>
    consumer.connect({ timeout: 20_000 }, (err) => {
      if (err) return reject(err);
      consumer.subscribe([topic]);
      consumer.consume();
      resolve(consumer);
    }),
  );
}

const disconnect = (c: Rdkafka.KafkaConsumer) => new Promise<void>((resolve) => c.disconnect(() => resolve()));

/**
 * The scenario: steady acks=all writes, the group consuming, its
 * coordinator SIGKILLed; checks as the file header says. Restarts the
 * killed broker at the end.
 */
async function coordinatorKilledMidConsumption(
  topic: string,
  group: string,
  members: readonly string[],
  startMembers: (consumed: Consumed) => Promise<() => Promise<void>>,
): Promise<void> {
  await createReplicatedTopic(cluster.bootstrapServers, topic, PARTITIONS);
  const producer = new RecordingProducer(cluster.bootstrapServers);
  await producer.connect();
  const stopProducing = producer.steady(topic, PARTITIONS, group);
  const consumed = new Consumed();
  const stopMembers = await startMembers(consumed);
  let killed: number | undefined;
  try {
    await waitFor('every member consuming, the group committing', async () => {
      if (consumed.values.size < 300 || members.some((m) => !consumed.byMember.has(m))) return undefined;
      const c = await committedOffsets(group, topic);
      return c !== undefined && [...c.values()].filter((o) => o > 0).length === PARTITIONS ? true : undefined;
    }, 120_000, 250);
    // The offsets topic is replicated as in Kafka: three replicas per partition.
    const admin = await KafkaClient.connect(cluster.bootstrapServers);
    try {
      const offsetsTopic = (await admin.metadata(['__consumer_offsets'])).topics.get('__consumer_offsets');
      expect(offsetsTopic?.partitions.map((p) => p.replicas.length)).toEqual(Array(6).fill(3));
    } finally {
      await admin.close();
    }

    const coordinator = await retried('the coordinator', () => coordinatorOf(group));
    // Acknowledged commits: OffsetFetch shows only what is replicated.
    const before = await retried('the committed offsets before the kill', () => committedOffsets(group, topic));
    const consumedAtKill = consumed.values.size;
    killed = coordinator;
    await cluster.kill(coordinator);

    const next = await retried('another coordinator', async () => {
      const c = await coordinatorOf(group);
      return c !== undefined && c !== coordinator ? c : undefined;
    });
    expect(next).not.toBe(coordinator);
    const after = await retried('the committed offsets on the new coordinator', () => committedOffsets(group, topic));
    for (let p = 0; p < PARTITIONS; p++) expect([p, after.get(p) ?? -1]).toEqual([p, Math.max(after.get(p) ?? -1, before.get(p) ?? -1)]);

    // The members rejoin at the new coordinator and go on consuming.
    await waitFor('consumption going on after the kill', () => (consumed.values.size > consumedAtKill + 300 ? true : undefined), 120_000, 250);
    await stopProducing();
    await producer.settle();
    expect(producer.errors).toEqual([]);
    // Nothing skipped: every acknowledged record was consumed.
    await waitFor(
      'every acknowledged record consumed',
      () => (producer.acked.every((a) => consumed.values.has(a.value)) ? true : undefined),
      120_000,
      250,
    );
    // Resumed from the committed offsets, not from the start: what was read
    // again is what was consumed but not yet committed at the kill.
    const again = consumed.deliveries - consumed.values.size;
    expect(again).toBeLessThan(consumedAtKill);
    // And the committed offsets reach the end of every partition.
    const ends = (await watermarks(cluster.bootstrapServers, topic, PARTITIONS)).map((w) => w.high);
    await waitFor('the committed offsets at the end of every partition', async () => {
      const c = await committedOffsets(group, topic);
      return c !== undefined && ends.every((end, p) => c.get(p) === end) ? true : undefined;
    }, 60_000, 250);
    expect(await coordinatorOf(group)).toBe(next);
  } finally {
    await stopProducing();
    await stopMembers();
    await producer.disconnect();
    if (killed !== undefined) await cluster.restart(killed);
  }
}

test('a kafkajs + node-rdkafka group: its coordinator SIGKILLed mid-consumption, it resumes on the new one from the committed offsets, nothing skipped', async () => {
  const topic = 'failover-classic';
  const group = 'failover-classic-group';
  await coordinatorKilledMidConsumption(topic, group, ['kafkajs', 'rdkafka'], async (consumed) => {
    const kafka = new KafkaJs({ clientId: 'kafkajs-failover', brokers: cluster.bootstrapServers.split(','), logLevel: logLevel.NOTHING, retry: { retries: 20 } });
    // kafkajs calls its round robin "RoundRobinAssigner"; librdkafka calls it "roundrobin".
    const roundrobin: PartitionAssigner = (config) => ({ ...PartitionAssigners.roundRobin(config), name: 'roundrobin' });
    const kjs = kafka.consumer({ groupId: group, sessionTimeout: 10_000, heartbeatInterval: 500, maxWaitTimeInMs: 200, partitionAssigners: [roundrobin] });
    await kjs.connect();
    await kjs.subscribe({ topic, fromBeginning: true });
    await kjs.run({ autoCommitInterval: 200, eachMessage: async ({ message }) => consumed.add('kafkajs', message.value?.toString()) });
    const rd = await rdkafkaMember('rdkafka', group, topic, consumed, 'classic');
    return async () => {
      await kjs.disconnect();
      await disconnect(rd);
    };
  });
});

test('a KIP-848 group (node-rdkafka, group.protocol=consumer): the same across a coordinator kill', async () => {
  const topic = 'failover-kip848';
  const group = 'failover-kip848-group';
  await coordinatorKilledMidConsumption(topic, group, ['rdkafka-a', 'rdkafka-b'], async (consumed) => {
    const a = await rdkafkaMember('rdkafka-a', group, topic, consumed, 'consumer');
    const b = await rdkafkaMember('rdkafka-b', group, topic, consumed, 'consumer');
    return async () => {
      await disconnect(a);
      await disconnect(b);
    };
  });
});
