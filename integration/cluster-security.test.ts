/**
 * A cluster whose only listener is SASL_SSL: the brokers reach the
 * controller and replicate from each other over it, logged in with SASL
 * PLAIN as `broker` (a super user) and verifying each other's certificates
 * against the test CA; an authorizer guards everything. Clients log in as
 * `alice`, who may only use her topic.
 *
 * - acks=all writes to a topic with replication factor 3 are acknowledged,
 *   which needs the followers to fetch over the secured listener, and the
 *   ISR stays full.
 * - An idempotent acks=all producer (librdkafka, as alice) writes while
 *   the leader of a partition is SIGKILLed: the follower that takes over
 *   has every acknowledged record (a full read, checked against every
 *   acknowledgement).
 */
import { Kafka as KafkaJs, logLevel, type SASLOptions } from 'kafkajs';
import { type RunningCluster, startCluster } from '../src/start-cluster';
import { makeTestCertificates, type TestCertificates } from './support/certificates';
import { type ReadRecord } from './support/roundtrip';
import { RecordingProducer, checkHistory, stopClusterShowingWarnings } from './support/cluster';
import { waitFor } from './support/conditions';

const PARTITIONS = 3;
const TOPIC = 'secured';
const BROKER_PASSWORD = 'broker-secret';

let certs: TestCertificates;
let cluster: RunningCluster;

const jaas = (brokerPassword: string) =>
  'org.apache.kafka.common.security.plain.PlainLoginModule required ' +
  `username="broker" password="${brokerPassword}" user_broker="${BROKER_PASSWORD}" user_alice="alice-secret";`;

function securedConfig(brokerPassword: string): Record<string, string | number> {
  return {
    listeners: 'SASL_SSL://127.0.0.1:0',
    'inter.broker.listener.name': 'SASL_SSL',
    'sasl.mechanism.inter.broker.protocol': 'PLAIN',
    'listener.name.sasl_ssl.sasl.enabled.mechanisms': 'PLAIN',
    'listener.name.sasl_ssl.plain.sasl.jaas.config': jaas(brokerPassword),
    'listener.name.sasl_ssl.ssl.keystore.type': 'PEM',
    'listener.name.sasl_ssl.ssl.keystore.key': certs.broker.keyPem,
    'listener.name.sasl_ssl.ssl.keystore.certificate.chain': certs.broker.certPem + certs.ca.certPem,
    'listener.name.sasl_ssl.ssl.truststore.type': 'PEM',
    'listener.name.sasl_ssl.ssl.truststore.certificates': certs.ca.certPem,
    'authorizer.class.name': 'org.apache.kafka.metadata.authorizer.StandardAuthorizer',
    'super.users': 'User:broker',
    'broker.session.timeout.ms': 2000,
    'broker.heartbeat.interval.ms': 500,
    'min.insync.replicas': 2,
    'replica.lag.time.max.ms': 4000,
  };
}

function kafkajs(user: 'broker' | 'alice'): KafkaJs {
  const sasl: SASLOptions = { mechanism: 'plain', username: user, password: user === 'broker' ? BROKER_PASSWORD : 'alice-secret' };
  return new KafkaJs({ clientId: `secured-${user}`, brokers: cluster.bootstrapServers.split(','), ssl: { ca: [certs.ca.certPem] }, sasl, logLevel: logLevel.NOTHING });
}

/** Every partition's leader and ISR as one broker's Metadata has them. */
async function partitionStates(): Promise<{ partition: number; leader: number; isr: number[] }[]> {
  const admin = kafkajs('alice').admin();
  await admin.connect();
  try {
    const md = await admin.fetchTopicMetadata({ topics: [TOPIC] });
    return md.topics[0]!.partitions.map((p) => ({ partition: p.partitionId, leader: p.leader, isr: [...p.isr].sort() }));
  } finally {
    await admin.disconnect();
  }
}

async function readAll(): Promise<ReadRecord[]> {
  const admin = kafkajs('alice').admin();
  await admin.connect();
  const ends = await admin.fetchTopicOffsets(TOPIC);
  await admin.disconnect();
  const total = ends.reduce((n, e) => n + Number(e.high) - Number(e.low), 0);
  const read: ReadRecord[] = [];
  const consumer = kafkajs('alice').consumer({ groupId: 'secured-reader' });
  await consumer.connect();
  await consumer.subscribe({ topic: TOPIC, fromBeginning: true });
  await consumer.run({
    eachMessage: async ({ partition, message }) => {
      read.push({ partition, offset: Number(message.offset), key: null, value: message.value?.toString() ?? null, headers: [], timestamp: Number(message.timestamp) });
    },
  });
  try {
    await waitFor('every record read', () => (read.length >= total ? true : undefined), 60_000);
  } finally {
    await consumer.disconnect();
  }
  return read;
}

beforeAll(async () => {
  certs = makeTestCertificates();
  cluster = await startCluster({ brokers: 3, config: securedConfig(BROKER_PASSWORD) });
  const admin = kafkajs('broker').admin();
  await admin.connect();
  try {
    await admin.createTopics({ topics: [{ topic: TOPIC, numPartitions: PARTITIONS, replicationFactor: 3 }], waitForLeaders: true });
    // alice may use her topic and her group, nothing else.
    await admin.createAcls({
      acl: [
        { resourceType: 2, resourceName: TOPIC, resourcePatternType: 3, principal: 'User:alice', host: '*', operation: 2, permissionType: 3 },
        { resourceType: 3, resourceName: 'secured-reader', resourcePatternType: 3, principal: 'User:alice', host: '*', operation: 2, permissionType: 3 },
        { resourceType: 4, resourceName: 'kafka-cluster', resourcePatternType: 3, principal: 'User:alice', host: '*', operation: 12, permissionType: 3 },
      ],
    });
  } finally {
    await admin.disconnect();
  }
}, 120_000);

afterAll(async () => {
  await stopClusterShowingWarnings(cluster);
  certs?.remove();
});

describe('a cluster whose brokers reach each other over SASL_SSL', () => {
  it('replicates over the secured listener: acks=all writes are acknowledged and the ISR stays full', async () => {
    // An acks=all write is answered only once the followers have fetched it
    // (min.insync.replicas=2): over SASL_SSL, as `broker`, or not at all.
    const producer = kafkajs('alice').producer();
    await producer.connect();
    try {
      for (let p = 0; p < PARTITIONS; p++) {
        await producer.send({ topic: TOPIC, acks: -1, timeout: 10_000, messages: [{ partition: p, value: `first-${p}` }] });
      }
    } finally {
      await producer.disconnect();
    }
    expect((await partitionStates()).map((p) => p.isr)).toEqual(Array.from({ length: PARTITIONS }, () => [1, 2, 3]));
  }, 90_000);

  it('loses nothing acknowledged when a leader is SIGKILLed under acks=all', async () => {
    const producer = new RecordingProducer(cluster.bootstrapServers, {
      'security.protocol': 'sasl_ssl',
      'sasl.mechanisms': 'PLAIN',
      'sasl.username': 'alice',
      'sasl.password': 'alice-secret',
      'ssl.ca.location': certs.ca.cert,
    });
    await producer.connect();
    const stop = producer.steady(TOPIC, PARTITIONS, 'secured');
    await waitFor('some records acknowledged', () => (producer.acked.length >= 300 ? true : undefined), 60_000);
    const leader = (await partitionStates()).find((p) => p.partition === 0)!.leader;
    await cluster.kill(leader);
    const ackedBefore = producer.acked.length;
    // A follower took over, over the secured listener, and acknowledges acks=all writes again.
    await waitFor('writes acknowledged after the kill', () => (producer.acked.length >= ackedBefore + 300 ? true : undefined), 90_000);
    await stop();
    await producer.settle();
    await producer.disconnect();
    expect(producer.errors).toEqual([]);
    await cluster.restart(leader);
    checkHistory(await readAll(), producer.acked, PARTITIONS);
  }, 240_000);
});
