/**
 * Controlled shutdown on a cluster on etcd: a real etcd, three real broker
 * processes (startCluster), node-rdkafka.
 *
 * A rolling restart of all three brokers, one at a time with SIGTERM, the
 * controller among them, under an idempotent acks=all load on a topic with
 * replication factor 3 and min.insync.replicas=2:
 * - each broker, asked to stop, has the controller move leadership off it
 *   and leaves before its lease ends (its log says the controlled shutdown
 *   completed: it did not time out);
 * - the controller, when its turn comes, hands the controllership over;
 * - the producer sees no error (every message is acknowledged: what it met
 *   was retriable, NOT_LEADER_OR_FOLLOWER and a metadata refresh), and no
 *   fatal (idempotence) error;
 * - a full read finds every acknowledged record at its offset, once, in
 *   order, and so does a consumer that read all along the restarts;
 * - afterwards leadership is back on the preferred replicas
 *   (auto.leader.rebalance.enable, checked every second here).
 * The operator's rule is kept: the next broker stops only once the previous
 * one is back in every ISR.
 */
import { type RunningCluster, startCluster } from '../src/start-cluster';
import { readAllWithRdkafka } from './support/roundtrip';
import { waitFor } from './support/conditions';
import {
  ContinuousConsumer,
  type PartitionView,
  RecordingProducer,
  checkHistory,
  createReplicatedTopic,
  fullIsr,
  metadataFrom,
  stopClusterShowingWarnings,
  waitForPartitions as waitForPartitionsOf,
} from './support/cluster';

const PARTITIONS = 6;
const BROKERS = [1, 2, 3];
let cluster: RunningCluster;
let consumer: ContinuousConsumer | null = null;

beforeAll(async () => {
  cluster = await startCluster({
    brokers: 3,
    config: {
      'broker.session.timeout.ms': 6000,
      'broker.heartbeat.interval.ms': 1000,
      'default.replication.factor': 3,
      'min.insync.replicas': 2,
      'num.partitions': PARTITIONS,
      'leader.imbalance.check.interval.seconds': 1,
      // Every imbalance counts, so the check restores every preferred leader.
      'leader.imbalance.per.broker.percentage': 0,
    },
  });
}, 120_000);

afterAll(async () => {
  await consumer?.stop();
  await stopClusterShowingWarnings(cluster);
});

const waitForPartitions = (what: string, from: number, topic: string, ok: (p: PartitionView) => boolean, timeoutMs = 60_000) =>
  waitForPartitionsOf(cluster, what, from, topic, ok, timeoutMs);

test('a rolling restart (SIGTERM, one broker at a time, the controller too) under an idempotent acks=all load: no client error, nothing lost, preferred leaders restored', async () => {
  const topic = 'rolling';
  await createReplicatedTopic(cluster.bootstrapServers, topic, PARTITIONS);
  const before = await waitForPartitions(`${topic} to have a leader and a full ISR`, 1, topic, fullIsr);
  // Placement spreads the preferred leaders over the brokers.
  expect(new Set(before.map((p) => p.replicas[0]))).toEqual(new Set(BROKERS));

  const producer = new RecordingProducer(cluster.bootstrapServers);
  await producer.connect();
  const reader = (consumer = new ContinuousConsumer(cluster.bootstrapServers));
  await reader.start(topic, PARTITIONS);
  const stopWriting = producer.steady(topic, PARTITIONS, 'roll');
  const controllers: number[] = [];
  try {
    for (const victim of BROKERS) {
      const witness = BROKERS.find((id) => id !== victim)!;
      controllers.push((await metadataFrom(cluster, witness, [topic])).controllerId);
      const ackedBefore = producer.acked.length;
      await cluster.kill(victim, 'SIGTERM');
      // It left through a controlled shutdown, not after a timeout.
      expect(cluster.output(victim)).toContain('controlled shutdown completed');
      expect(cluster.output(victim)).not.toContain('controlled shutdown timed out');
      await waitForPartitions(`leaders other than ${victim}`, witness, topic, (p) => p.leader > 0 && p.leader !== victim);
      await waitFor('acknowledgements without the stopped broker', () => (producer.acked.length > ackedBefore + 30 ? true : undefined), 60_000);
      await cluster.restart(victim);
      await waitForPartitions(`broker ${victim} back in every ISR`, witness, topic, fullIsr, 90_000);
    }
  } finally {
    await stopWriting();
  }
  await producer.settle();
  await producer.disconnect();
  expect(producer.errors).toEqual([]);
  expect(producer.fatalErrors).toEqual([]);
  expect(producer.acked.length).toBe(producer.sentCount);
  // The controller was among the brokers restarted: another took over.
  expect(controllers.some((c, i) => c === BROKERS[i])).toBe(true);

  // Leadership back on the preferred replicas (the first of each assignment); then it stays put for the reads.
  await waitForPartitions('every partition led by its preferred replica', 1, topic, (p) => p.leader === p.replicas[0] && p.isr.length === 3, 60_000);

  // librdkafka's watermark query does not retry a NOT_LEADER_OR_FOLLOWER met on stale metadata: the read is asked again.
  const read = await waitFor('a full read', () => readAllWithRdkafka(cluster.bootstrapServers, topic, PARTITIONS), 60_000, 500);
  checkHistory(read, producer.acked, PARTITIONS);
  expect(read).toHaveLength(producer.acked.length);
  // The consumer that read through the restarts saw the same, nothing twice.
  await reader.readUpTo(producer.acked.length, 'the consumer to read every acknowledged record');
  await reader.stop();
  checkHistory(reader.read, producer.acked, PARTITIONS);
  expect(reader.read).toHaveLength(producer.acked.length);

}, 600_000);
