/**
 * Consumer groups with librdkafka: node-rdkafka (librdkafka 2.12: JoinGroup
 * v5, OffsetCommit/OffsetFetch up to v9, FindCoordinator v2) and kcat
 * (librdkafka 2.0.2) with `-G`.
 *
 * Three node-rdkafka members share a 6-partition topic, each message read
 * once, offsets auto-committed; one member leaves and the others take its
 * partitions. A cooperative-sticky group grows by one member (incremental
 * rebalances driven by the clients, the broker only relays). A mixed
 * kafkajs + node-rdkafka group agrees on "roundrobin" (kafkajs with an
 * assigner of that name) and shares the partitions. kcat -G consumes and
 * commits through a group.
 */
import * as Rdkafka from 'node-rdkafka';
import { AssignerProtocol, Kafka, PartitionAssigner, PartitionAssigners, logLevel } from 'kafkajs';
import { BrokerProcess, startBrokerProcess } from './support/broker-process';
import { runKcat, waitFor } from './support/conditions';
import { committedTotal, createTopic as createTopicWith, produceValues, withAdmin } from './support/groups';

jest.setTimeout(120_000);

const PARTITIONS = 6;
const SESSION_MS = 6000;

let broker: BrokerProcess;
let kafka: Kafka;
const open: Rdkafka.KafkaConsumer[] = [];

interface Member {
  name: string;
  consumer: Rdkafka.KafkaConsumer;
  assignment: () => number[];
}

/** value -> names of the members that consumed it */
const seen = new Map<string, string[]>();

function record(name: string, value: string): void {
  seen.set(value, [...(seen.get(value) ?? []), name]);
}

const createTopic = (topic: string) => createTopicWith(kafka, topic, PARTITIONS);
const produce = (topic: string, prefix: string, count: number) => produceValues(kafka, topic, prefix, count, PARTITIONS);

async function rdkafkaMember(name: string, groupId: string, topic: string, strategy: string): Promise<Member> {
  const consumer = new Rdkafka.KafkaConsumer(
    {
      'bootstrap.servers': broker.bootstrap,
      'group.id': groupId,
      'client.id': name,
      'session.timeout.ms': SESSION_MS,
      'heartbeat.interval.ms': 300,
      'partition.assignment.strategy': strategy,
      'enable.auto.commit': true,
      'auto.commit.interval.ms': 200,
      'fetch.wait.max.ms': 100,
      rebalance_cb: true,
    },
    { 'auto.offset.reset': 'earliest' },
  );
  await new Promise<void>((resolve, reject) => consumer.connect({ timeout: 10_000 }, (err) => (err ? reject(err) : resolve())));
  consumer.on('data', (m) => record(name, m.value?.toString() ?? ''));
  consumer.subscribe([topic]);
  consumer.consume();
  open.push(consumer);
  return {
    name,
    consumer,
    assignment: () => consumer.assignments().filter((a) => a.topic === topic).map((a) => a.partition).sort((a, b) => a - b),
  };
}

function disconnect(c: Rdkafka.KafkaConsumer): Promise<void> {
  open.splice(open.indexOf(c), 1);
  return new Promise((resolve) => c.disconnect(() => resolve()));
}

/** Every member holds some partitions and together exactly all of them. */
function sharesAll(assignments: number[][]): boolean {
  const all = assignments.flat().sort((a, b) => a - b);
  return assignments.every((a) => a.length > 0) && all.join() === '0,1,2,3,4,5';
}

const onceEach = (values: string[]) => values.every((v) => seen.get(v)?.length === 1);

beforeAll(async () => {
  broker = await startBrokerProcess({ config: { 'group.initial.rebalance.delay.ms': 200, 'offsets.topic.num.partitions': 5 } });
  kafka = new Kafka({ clientId: 'groups-rdkafka', brokers: [broker.bootstrap], logLevel: logLevel.NOTHING });
});

afterAll(async () => {
  for (const c of [...open]) await disconnect(c);
  await broker?.stop();
});

test('three node-rdkafka members share six partitions, read each message once and commit; a leaver\'s partitions move', async () => {
  const topic = 'groups-rdkafka';
  await createTopic(topic);
  const members = [
    await rdkafkaMember('r1', 'rdkafka-group', topic, 'range,roundrobin'),
    await rdkafkaMember('r2', 'rdkafka-group', topic, 'range,roundrobin'),
    await rdkafkaMember('r3', 'rdkafka-group', topic, 'range,roundrobin'),
  ];
  await waitFor('three members sharing all partitions', () => (sharesAll(members.map((m) => m.assignment())) ? true : undefined), 40_000, 100);
  const values = await produce(topic, 'rd', 600);
  await waitFor('600 messages read once each', () => (onceEach(values) ? true : undefined), 30_000, 100);
  expect(new Set(values.map((v) => seen.get(v)?.[0]))).toEqual(new Set(['r1', 'r2', 'r3']));
  await waitFor('600 committed', async () => ((await committedTotal(kafka, 'rdkafka-group', topic)) === 600 ? true : undefined), 20_000, 200);

  await disconnect((members.shift() as Member).consumer);
  await waitFor('two members sharing all partitions', () => (sharesAll(members.map((m) => m.assignment())) ? true : undefined), 30_000, 100);
  const more = await produce(topic, 'rd-after-leave', 60);
  await waitFor('60 more read once each', () => (onceEach(more) ? true : undefined), 30_000, 100);
  expect(more.some((v) => seen.get(v)?.[0] === 'r1')).toBe(false);
  for (const m of members) await disconnect(m.consumer);
});

test('cooperative-sticky: a third member joins incrementally, partitions stay covered', async () => {
  const topic = 'groups-coop';
  await createTopic(topic);
  const a = await rdkafkaMember('c1', 'coop-group', topic, 'cooperative-sticky');
  const b = await rdkafkaMember('c2', 'coop-group', topic, 'cooperative-sticky');
  await waitFor('two members sharing all partitions', () => (sharesAll([a.assignment(), b.assignment()]) ? true : undefined), 40_000, 100);
  const c = await rdkafkaMember('c3', 'coop-group', topic, 'cooperative-sticky');
  await waitFor('three members sharing all partitions', () => (sharesAll([a.assignment(), b.assignment(), c.assignment()]) ? true : undefined), 40_000, 100);
  const { groups } = await withAdmin(kafka, (admin) => admin.describeGroups(['coop-group']));
  expect(groups[0]).toMatchObject({ state: 'Stable', protocol: 'cooperative-sticky' });
  const values = await produce(topic, 'coop', 60);
  await waitFor('60 read once each', () => (onceEach(values) ? true : undefined), 30_000, 100);
  for (const m of [a, b, c]) await disconnect(m.consumer);
});

test('a mixed kafkajs + node-rdkafka group agrees on roundrobin and shares the partitions', async () => {
  const topic = 'groups-mixed';
  await createTopic(topic);
  // kafkajs calls its round robin "RoundRobinAssigner"; librdkafka calls it "roundrobin".
  const roundrobinByLibrdkafkaName: PartitionAssigner = (config) => ({ ...PartitionAssigners.roundRobin(config), name: 'roundrobin' });
  const kjs = kafka.consumer({ groupId: 'mixed-group', sessionTimeout: SESSION_MS, heartbeatInterval: 300, maxWaitTimeInMs: 200, partitionAssigners: [roundrobinByLibrdkafkaName] });
  let kjsAssignment: number[] = [];
  kjs.on(kjs.events.GROUP_JOIN, (e) => (kjsAssignment = [...(e.payload.memberAssignment[topic] ?? [])].sort((x, y) => x - y)));
  await kjs.connect();
  await kjs.subscribe({ topic, fromBeginning: true });
  await kjs.run({ eachMessage: async ({ message }) => record('kafkajs', message.value?.toString() ?? '') });
  const rd = await rdkafkaMember('rdkafka', 'mixed-group', topic, 'roundrobin');
  try {
    await waitFor('kafkajs and node-rdkafka sharing all partitions', () => (sharesAll([kjsAssignment, rd.assignment()]) ? true : undefined), 40_000, 100);
    const { groups } = await withAdmin(kafka, (admin) => admin.describeGroups(['mixed-group']));
    expect(groups[0]?.protocol).toBe('roundrobin');
    const assigned = (groups[0]?.members ?? []).map((m) => AssignerProtocol.MemberAssignment.decode(m.memberAssignment)?.assignment[topic]?.length ?? 0);
    expect(assigned).toEqual([3, 3]);
    const values = await produce(topic, 'mixed', 120);
    await waitFor('120 read once each', () => (onceEach(values) ? true : undefined), 30_000, 100);
    expect(new Set(values.map((v) => seen.get(v)?.[0]))).toEqual(new Set(['kafkajs', 'rdkafka']));
  } finally {
    await kjs.disconnect();
    await disconnect(rd.consumer);
  }
});

test('kcat -G consumes through a group and commits', async () => {
  const topic = 'groups-kcat';
  await createTopic(topic);
  const values = await produce(topic, 'kcat', 30);
  const result = await runKcat(
    ['-b', broker.bootstrap, '-G', 'kcat-group', '-o', 'beginning', '-c', '30', '-f', '%s\\n', '-X', 'session.timeout.ms=6000', '-X', 'auto.commit.interval.ms=100', topic],
    undefined,
    60_000,
  );
  expect(result.stdout.trim().split('\n').sort()).toEqual([...values].sort());
  await waitFor('kcat\'s commits', async () => ((await committedTotal(kafka, 'kcat-group', topic)) === 30 ? true : undefined), 10_000, 200);
  // Running again, the group resumes after its commits: nothing is left to read.
  const more = await produce(topic, 'kcat-more', 6);
  const again = await runKcat(['-b', broker.bootstrap, '-G', 'kcat-group', '-c', '6', '-f', '%s\\n', '-X', 'session.timeout.ms=6000', topic], undefined, 60_000);
  expect(again.stdout.trim().split('\n').sort()).toEqual([...more].sort());
});
