/**
 * One group, classic and consumer-protocol members together, with Kafka
 * 4.0's online migration (`group.consumer.migration.policy`, bidirectional
 * by default): a kafkajs member (the classic protocol: JoinGroup v5,
 * SyncGroup/Heartbeat v3, OffsetCommit v5) consumes alone; a node-rdkafka
 * member with `group.protocol=consumer` (ConsumerGroupHeartbeat) joins and
 * the classic group becomes a consumer group (the upgrade), the kafkajs
 * member rejoining and getting its partitions from the broker's assignor;
 * the rdkafka member leaves and the group becomes a classic group again (the
 * downgrade), the kafkajs member taking every partition. The same with a
 * librdkafka classic member using cooperative-sticky, which gives up
 * partitions incrementally (its subscription lists what it owns). Every
 * record is read once across the hand-overs, and the committed offsets
 * count them all.
 */
import * as Rdkafka from 'node-rdkafka';
import { AssignerProtocol, type Consumer, Kafka, logLevel } from 'kafkajs';
import { BrokerProcess, startBrokerProcess } from './support/broker-process';
import { waitFor } from './support/conditions';
import { committedTotal, createTopic, produceValues, withAdmin } from './support/groups';
import { RawKafkaClient, requestBody } from './support/raw-kafka-client';
import { Apis } from '../src/protocol/apis';

jest.setTimeout(180_000);

const TOPIC = 'mixed-topic';
const GROUP = 'mixed-group';
const PARTITIONS = 4;
const BROKER_CONFIG = {
  'offsets.topic.num.partitions': 5,
  'group.initial.rebalance.delay.ms': 200,
  'group.consumer.heartbeat.interval.ms': 500,
  'group.consumer.min.heartbeat.interval.ms': 500,
  'group.consumer.session.timeout.ms': 6000,
  'group.consumer.min.session.timeout.ms': 6000,
};

let broker: BrokerProcess;
let kafka: Kafka;
let classic: Consumer | null = null;
let modern: Rdkafka.KafkaConsumer | null = null;

/** value -> who read it, every time it was read */
const seen = new Map<string, string[]>();
function record(who: string, value: string): void {
  seen.set(value, [...(seen.get(value) ?? []), who]);
}
const onceEach = (values: string[]) => values.every((v) => seen.get(v)?.length === 1);
const produce = (prefix: string, count: number) => produceValues(kafka, TOPIC, prefix, count, PARTITIONS);
const committed = () => committedTotal(kafka, GROUP, TOPIC);

/** The group's kind as the broker answers ConsumerGroupDescribe (a classic group's id: GROUP_ID_NOT_FOUND). */
async function consumerGroupDescribe(groupId = GROUP): Promise<{ errorCode: number; groupEpoch: number; members: { memberId: string; clientId: string; memberEpoch: number }[] }> {
  const c = await RawKafkaClient.connect(broker.host, broker.port);
  try {
    const res = await c.request(Apis.ConsumerGroupDescribe, 0, requestBody(Apis.ConsumerGroupDescribe, { groupIds: [groupId], includeAuthorizedOperations: false }));
    const g = res.groups[0];
    return { errorCode: g?.errorCode ?? -1, groupEpoch: g?.groupEpoch ?? -1, members: (g?.members ?? []).map((m) => ({ memberId: m.memberId, clientId: m.clientId, memberEpoch: m.memberEpoch })) };
  } finally {
    c.close();
  }
}

/** DescribeGroups as kafkajs' admin shows it: state, protocol and each member's partitions. */
function describeGroup(): Promise<{ state: string; protocol: string; members: { clientId: string; partitions: number[] }[] }> {
  return withAdmin(kafka, async (admin) => {
    const g = (await admin.describeGroups([GROUP])).groups[0];
    return {
      state: g?.state ?? 'missing',
      protocol: g?.protocol ?? '',
      members: (g?.members ?? []).map((m) => ({ clientId: m.clientId, partitions: [...(AssignerProtocol.MemberAssignment.decode(m.memberAssignment)?.assignment[TOPIC] ?? [])].sort() })),
    };
  });
}

/** A Stable group whose members (by client id) hold every partition between them, each some. */
async function waitForMembers(clientIds: string[], protocol: string): Promise<void> {
  let last = '';
  await waitFor(
    `a Stable group of ${clientIds.join(', ')} (${protocol}) covering all partitions`,
    async () => {
      const d = await describeGroup();
      last = JSON.stringify(d);
      const all = d.members.flatMap((m) => m.partitions).sort();
      const ok =
        d.state === 'Stable' &&
        d.protocol === protocol &&
        d.members.map((m) => m.clientId).sort().join() === [...clientIds].sort().join() &&
        d.members.every((m) => m.partitions.length > 0) &&
        all.join() === '0,1,2,3';
      return ok ? true : undefined;
    },
    60_000,
    200,
  ).catch((err: Error) => {
    throw new Error(`${err.message}; last seen: ${last}`);
  });
}

beforeAll(async () => {
  broker = await startBrokerProcess({ config: BROKER_CONFIG });
  kafka = new Kafka({ clientId: 'groups-mixed', brokers: [broker.bootstrap], logLevel: logLevel.NOTHING });
  await createTopic(kafka, TOPIC, PARTITIONS);
});

afterAll(async () => {
  await classic?.disconnect().catch(() => undefined);
  if (modern) await new Promise<void>((resolve) => modern?.disconnect(() => resolve()));
  await broker?.stop();
});

test('a kafkajs member and a librdkafka consumer-protocol member share one group through an upgrade and a downgrade, reading each record once', async () => {
  // 1. A classic group: kafkajs alone.
  classic = kafka.consumer({ groupId: GROUP, sessionTimeout: 6000, heartbeatInterval: 300, maxWaitTimeInMs: 200 });
  await classic.connect();
  await classic.subscribe({ topic: TOPIC, fromBeginning: true });
  await classic.run({ eachMessage: async ({ message }) => record('kafkajs', message.value?.toString() ?? '') });
  await waitForMembers(['groups-mixed'], 'RoundRobinAssigner');
  expect((await consumerGroupDescribe()).errorCode).toBe(69); // GROUP_ID_NOT_FOUND: a classic group
  const first = await produce('classic', 200);
  await waitFor('200 read once each by the classic member', () => (onceEach(first) ? true : undefined), 30_000, 100);
  await waitFor('200 committed', async () => ((await committed()) === 200 ? true : undefined), 20_000, 200);

  // 2. The upgrade: a consumer-protocol member joins; the broker's assignor shares the partitions.
  modern = new Rdkafka.KafkaConsumer(
    {
      'bootstrap.servers': broker.bootstrap,
      'group.id': GROUP,
      'client.id': 'rdkafka',
      'group.protocol': 'consumer',
      'enable.auto.commit': true,
      'auto.commit.interval.ms': 200,
      'fetch.wait.max.ms': 100,
    },
    { 'auto.offset.reset': 'earliest' },
  );
  const rdkafka = modern;
  await new Promise<void>((resolve, reject) => rdkafka.connect({ timeout: 10_000 }, (err) => (err ? reject(err) : resolve())));
  rdkafka.on('data', (m) => record('rdkafka', m.value?.toString() ?? ''));
  rdkafka.subscribe([TOPIC]);
  rdkafka.consume();
  await waitForMembers(['groups-mixed', 'rdkafka'], 'uniform');
  const upgraded = await consumerGroupDescribe();
  expect(upgraded.errorCode).toBe(0);
  expect(upgraded.members.map((m) => m.clientId).sort()).toEqual(['groups-mixed', 'rdkafka']);
  // Both reconciled to the group epoch: the classic member rejoined the consumer group.
  expect(upgraded.members.map((m) => m.memberEpoch)).toEqual([upgraded.groupEpoch, upgraded.groupEpoch]);
  expect(broker.output()).toContain('a classic group becomes a consumer group');
  const second = await produce('mixed', 200);
  await waitFor('200 more read once each, by both members', () => (onceEach(second) ? true : undefined), 30_000, 100);
  expect(new Set(second.map((v) => seen.get(v)?.[0]))).toEqual(new Set(['kafkajs', 'rdkafka']));
  await waitFor('400 committed', async () => ((await committed()) === 400 ? true : undefined), 20_000, 200);

  // 3. The downgrade: the consumer-protocol member leaves; the classic member takes every partition.
  await new Promise<void>((resolve) => rdkafka.disconnect(() => resolve()));
  modern = null;
  await waitForMembers(['groups-mixed'], 'RoundRobinAssigner');
  expect((await consumerGroupDescribe()).errorCode).toBe(69);
  expect(broker.output()).toContain('the group becomes a classic group');
  const third = await produce('downgraded', 200);
  await waitFor('200 more read once each by the classic member', () => (onceEach(third) ? true : undefined), 30_000, 100);
  expect(new Set(third.map((v) => seen.get(v)?.[0]))).toEqual(new Set(['kafkajs']));
  await waitFor('600 committed', async () => ((await committed()) === 600 ? true : undefined), 20_000, 200);
  // Nothing was read twice across the hand-overs.
  expect([...seen.values()].filter((who) => who.length > 1)).toEqual([]);
  expect(seen.size).toBe(600);
});

test('a cooperative-sticky librdkafka classic member revokes incrementally inside a consumer group: upgrade and downgrade, each record read once', async () => {
  const topic = 'mixed-coop-topic';
  const groupId = 'mixed-coop-group';
  await createTopic(kafka, topic, PARTITIONS);
  const consumers: Rdkafka.KafkaConsumer[] = [];
  const rdkafkaMember = async (name: string, conf: Rdkafka.ConsumerGlobalConfig) => {
    const c = new Rdkafka.KafkaConsumer(
      { 'bootstrap.servers': broker.bootstrap, 'group.id': groupId, 'client.id': name, 'enable.auto.commit': true, 'auto.commit.interval.ms': 200, 'fetch.wait.max.ms': 100, ...conf },
      { 'auto.offset.reset': 'earliest' },
    );
    await new Promise<void>((resolve, reject) => c.connect({ timeout: 10_000 }, (err) => (err ? reject(err) : resolve())));
    c.on('data', (m) => record(name, m.value?.toString() ?? ''));
    c.subscribe([topic]);
    c.consume();
    consumers.push(c);
    return c;
  };
  const partitions = (c: Rdkafka.KafkaConsumer) => c.assignments().filter((a) => a.topic === topic).map((a) => a.partition).sort();
  const produceHere = (prefix: string, count: number) => produceValues(kafka, topic, prefix, count, PARTITIONS);
  const committedHere = () => committedTotal(kafka, groupId, topic);
  try {
    const coop = await rdkafkaMember('coop', { 'partition.assignment.strategy': 'cooperative-sticky', 'session.timeout.ms': 6000, 'heartbeat.interval.ms': 300, rebalance_cb: true });
    await waitFor('the classic member holds every partition', () => (partitions(coop).join() === '0,1,2,3' ? true : undefined), 40_000, 100);
    const first = await produceHere('coop-classic', 100);
    await waitFor('100 read once', () => (onceEach(first) ? true : undefined), 30_000, 100);
    await waitFor('100 committed', async () => ((await committedHere()) === 100 ? true : undefined), 20_000, 200);

    const modernMember = await rdkafkaMember('coop-modern', { 'group.protocol': 'consumer' });
    await waitFor(
      'both members sharing the partitions (the classic one revoked some incrementally)',
      () => {
        const a = partitions(coop);
        const b = partitions(modernMember);
        return a.length > 0 && b.length > 0 && [...a, ...b].sort().join() === '0,1,2,3' ? true : undefined;
      },
      60_000,
      100,
    );
    const mixed = await consumerGroupDescribe(groupId);
    expect(mixed.errorCode).toBe(0);
    expect(mixed.members.map((m) => m.clientId).sort()).toEqual(['coop', 'coop-modern']);
    const second = await produceHere('coop-mixed', 100);
    await waitFor('100 more read once, by both', () => (onceEach(second) ? true : undefined), 30_000, 100);
    expect(new Set(second.map((v) => seen.get(v)?.[0]))).toEqual(new Set(['coop', 'coop-modern']));
    await waitFor('200 committed', async () => ((await committedHere()) === 200 ? true : undefined), 20_000, 200);

    consumers.splice(consumers.indexOf(modernMember), 1);
    await new Promise<void>((resolve) => modernMember.disconnect(() => resolve()));
    await waitFor('the classic member holds every partition again', () => (partitions(coop).join() === '0,1,2,3' ? true : undefined), 60_000, 100);
    expect((await consumerGroupDescribe(groupId)).errorCode).toBe(69);
    const third = await produceHere('coop-downgraded', 100);
    await waitFor('100 more read once by the classic member', () => (onceEach(third) ? true : undefined), 30_000, 100);
    expect(new Set(third.map((v) => seen.get(v)?.[0]))).toEqual(new Set(['coop']));
    await waitFor('300 committed', async () => ((await committedHere()) === 300 ? true : undefined), 20_000, 200);
    expect([...first, ...second, ...third].filter((v) => seen.get(v)?.length !== 1)).toEqual([]);
  } finally {
    for (const c of consumers) await new Promise<void>((resolve) => c.disconnect(() => resolve()));
  }
});
