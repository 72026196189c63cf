/**
 * `auto.leader.rebalance.enable` on a cluster on etcd (a real etcd and three
 * broker processes): after a broker is restarted, the partitions it is the
 * preferred leader of are led by the others; once it is back in their ISRs
 * the controller's periodic check (`leader.imbalance.check.interval.seconds`,
 * 2 s here) moves their leadership back to it, with no ElectLeaders from
 * anyone, under an idempotent acks=all load that loses nothing.
 */
import { KafkaClient } from '../src/client/client';
import { type RunningCluster, startCluster } from '../src/start-cluster';
import { waitFor } from './support/conditions';
import { RecordingProducer, checkHistory, createReplicatedTopic, stopClusterShowingWarnings } from './support/cluster';
import { readAllWithRdkafka } from './support/roundtrip';

const PARTITIONS = 3;
let cluster: RunningCluster;

beforeAll(async () => {
  cluster = await startCluster({
    brokers: 3,
    config: { 'broker.session.timeout.ms': 4000, 'broker.heartbeat.interval.ms': 1000, 'leader.imbalance.check.interval.seconds': 2 },
  });
}, 120_000);

afterAll(() => stopClusterShowingWarnings(cluster));

async function partitions(topic: string): Promise<{ leader: number; preferred: number; isr: number }[]> {
  const c = await KafkaClient.connect(cluster.bootstrapServers);
  try {
    const t = (await c.metadata([topic])).topics.get(topic)!;
    return t.partitions.map((p) => ({ leader: p.leaderId, preferred: p.replicas[0]!, isr: p.isr.length }));
  } finally {
    await c.close();
  }
}

it('moves leadership back to the preferred replicas after a broker restart, by itself', async () => {
  const topic = 'rebalanced';
  await createReplicatedTopic(cluster.bootstrapServers, topic, PARTITIONS);
  await waitFor('every partition on its preferred leader with a full ISR', async () => ((await partitions(topic)).every((p) => p.leader === p.preferred && p.isr === 3) ? true : undefined), 30_000, 200);
  const c = await KafkaClient.connect(cluster.bootstrapServers);
  const controller = await c.metadata([]).then((md) => md.controllerId).finally(() => c.close());
  const victim = [1, 2, 3].find((id) => id !== controller)!;

  const producer = new RecordingProducer(cluster.bootstrapServers);
  await producer.connect();
  const stopWriting = producer.steady(topic, PARTITIONS, 'rebalance');
  try {
    await waitFor('acknowledgements', () => (producer.acked.length > 100 ? true : undefined), 30_000);
    await cluster.kill(victim);
    await waitFor(`broker ${victim} to lead nothing`, async () => ((await partitions(topic)).every((p) => p.leader > 0 && p.leader !== victim) ? true : undefined), 30_000, 200);
    await cluster.restart(victim);
    // Back in sync, then back as leader of what it prefers, without an ElectLeaders.
    const after = await waitFor(
      `broker ${victim} leading its preferred partitions again`,
      async () => {
        const ps = await partitions(topic);
        return ps.every((p) => p.leader === p.preferred && p.isr === 3) ? ps : undefined;
      },
      60_000,
      200,
    );
    expect(after.filter((p) => p.leader === victim)).toHaveLength(1);
  } finally {
    await stopWriting();
  }
  await producer.settle();
  await producer.disconnect();
  expect(producer.errors).toEqual([]);
  const read = await readAllWithRdkafka(cluster.bootstrapServers, topic, PARTITIONS);
  checkHistory(read, producer.acked, PARTITIONS);
  expect(read).toHaveLength(producer.acked.length);
}, 240_000);
