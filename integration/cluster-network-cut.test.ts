/**
 * A network cut between one broker and the others (etcd and the clients
 * still reach every broker): every connection between brokers passes a
 * proxy the test controls (support/partition-proxy.ts). A broker that leads
 * a partition and is not the controller is cut from the other two while an idempotent acks=all producer (librdkafka)
 * writes to three partitions with replication factor 3 and
 * min.insync.replicas=2:
 * - the other leaders drop it from their ISRs after
 *   replica.lag.time.max.ms (through the controller), and acks=all goes on
 *   with 2 of 3;
 * - the partition it leads has followers that cannot reach it, and it
 *   cannot reach the controller to shrink its ISR: an acks=all write there
 *   is not acknowledged (it times out);
 * - healed, it catches up and is back in every ISR, the writes held up are
 *   acknowledged, and a full read finds every acknowledged record exactly
 *   once at its offset.
 */
import { type RunningCluster, startCluster } from '../src/start-cluster';
import { freePort } from '../src/testing/etcd-server';
import { KafkaClient } from '../src/client/client';
import { ErrorCode } from '../src/protocol/errors';
import { encodeRecordBatch } from '../src/protocol/records/record-batch';
import { readAllWithRdkafka } from './support/roundtrip';
import { waitFor } from './support/conditions';
import { RecordingProducer, checkHistory, createReplicatedTopic, stopClusterShowingWarnings } from './support/cluster';
import { type PartitionProxies, startPartitionProxies } from './support/partition-proxy';
import { RawKafkaClient, producePartition } from './support/raw-kafka-client';

const PARTITIONS = 3;
const BROKERS = [1, 2, 3];
const TOPIC = 'network-cut';
let proxies: PartitionProxies;
let cluster: RunningCluster;

beforeAll(async () => {
  proxies = await startPartitionProxies(BROKERS);
  const internal = new Map<number, number>();
  for (const id of BROKERS) {
    const port = await freePort();
    internal.set(id, port);
    proxies.setTarget(id, port);
  }
  cluster = await startCluster({
    brokers: 3,
    config: {
      'broker.session.timeout.ms': 3000,
      'broker.heartbeat.interval.ms': 500,
      'min.insync.replicas': 2,
      'replica.lag.time.max.ms': 3000,
      'listener.security.protocol.map': 'PLAINTEXT:PLAINTEXT,INTERNAL:PLAINTEXT',
      'inter.broker.listener.name': 'INTERNAL',
    },
    brokerConfig: (id) => ({
      listeners: `PLAINTEXT://127.0.0.1:0,INTERNAL://127.0.0.1:${internal.get(id)}`,
      'advertised.listeners': `PLAINTEXT://127.0.0.1:0,INTERNAL://127.0.0.1:${proxies.portFor(id)}`,
    }),
  });
}, 120_000);

afterAll(async () => {
  await stopClusterShowingWarnings(cluster);
  await proxies?.close();
});

async function controllerId(): Promise<number> {
  const c = await KafkaClient.connect(`127.0.0.1:${cluster.brokers[0]!.port}`);
  try {
    return (await c.metadata([])).controllerId;
  } finally {
    await c.close();
  }
}

async function partitions(): Promise<{ p: number; leader: number; isr: number[] }[]> {
  const c = await KafkaClient.connect(`127.0.0.1:${cluster.brokers[0]!.port}`);
  try {
    return (await c.metadata([TOPIC])).topics.get(TOPIC)!.partitions.map((p) => ({ p: p.partition, leader: p.leaderId, isr: [...p.isr].sort() }));
  } finally {
    await c.close();
  }
}

test('a broker cut off from the others: the ISRs shrink, acks=all goes on with 2 of 3 and is not acknowledged on the cut leader; healed, nothing acknowledged is lost', async () => {
  await createReplicatedTopic(cluster.bootstrapServers, TOPIC, PARTITIONS);
  const before = await waitFor('a full ISR', async () => {
    const ps = await partitions();
    return ps.every((p) => p.leader > 0 && p.isr.length === 3) ? ps : undefined;
  });
  // Not the controller: the others' ISR changes go to the controller, which must stay reachable.
  const controller = await controllerId();
  const cut = before.map((p) => p.leader).find((id) => id !== controller)!;
  const cutLeads = before.filter((p) => p.leader === cut).map((p) => p.p);
  const othersLead = before.filter((p) => p.leader !== cut).map((p) => p.p);
  expect(cutLeads.length).toBeGreaterThan(0);
  expect(othersLead.length).toBeGreaterThan(0);

  const producer = new RecordingProducer(cluster.bootstrapServers);
  await producer.connect();
  const stopWriting = producer.steady(TOPIC, PARTITIONS, 'cut');
  try {
    await waitFor('the first acknowledgements', () => (producer.acked.length > 100 ? true : undefined), 30_000);
    proxies.cut(cut);
    // The others stop hearing from it: it leaves the ISRs of their partitions.
    await waitFor(
      `broker ${cut} out of the ISRs of the partitions the others lead`,
      async () => ((await partitions()).filter((p) => othersLead.includes(p.p)).every((p) => !p.isr.includes(cut)) ? true : undefined),
      30_000,
      200,
    );
    const ackedAtShrink = producer.acked.filter((a) => othersLead.includes(a.partition)).length;
    await waitFor('acks=all with 2 of 3', () => (producer.acked.filter((a) => othersLead.includes(a.partition)).length > ackedAtShrink + 100 ? true : undefined), 30_000);
    // The cut leader: its followers cannot fetch and it cannot shrink its ISR: no acknowledgement.
    for (const p of cutLeads) {
      const raw = await RawKafkaClient.connect('127.0.0.1', cluster.brokers.find((b) => b.nodeId === cut)!.port);
      try {
        const r = await producePartition(raw, TOPIC, p, encodeRecordBatch([{ value: Buffer.from('on-the-cut-leader') }]), { acks: -1 });
        expect(r.errorCode).not.toBe(ErrorCode.NONE);
      } finally {
        await raw.close();
      }
    }
  } finally {
    proxies.heal();
    await stopWriting();
  }
  await waitFor(
    'the cut broker back in every ISR',
    async () => ((await partitions()).every((p) => p.isr.length === 3) ? true : undefined),
    60_000,
    200,
  );
  await producer.settle();
  await producer.disconnect();
  expect(producer.errors).toEqual([]);
  const read = await readAllWithRdkafka(cluster.bootstrapServers, TOPIC, PARTITIONS);
  checkHistory(read, producer.acked, PARTITIONS);
  // The write the cut leader did not acknowledge may be in its log (it was appended there and
  // replicated after the heal, as with Kafka: a timed-out produce is not a refused one), never twice.
  expect(read.filter((r) => r.value !== 'on-the-cut-leader')).toHaveLength(producer.acked.length);
}, 240_000);
