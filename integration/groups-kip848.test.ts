/**
 * KIP-848 consumer groups (`group.protocol=consumer`) with librdkafka
 * (node-rdkafka 3.x, librdkafka 2.12: ConsumerGroupHeartbeat v1 only,
 * OffsetCommit/OffsetFetch v9 with member epochs).
 *
 * Three members share a 6-partition topic with the broker's `uniform`
 * assignor, each message is read once and auto-committed; one member
 * leaves and the other two take over its partitions (after the broker
 * revoked nothing twice: a partition moves only once freed). A regex
 * subscription picks up a topic created after it joined. ListGroups and
 * DescribeGroups (kafkajs admin) show the group as a consumer group.
 * Two @platformatic/kafka consumers (`groupProtocol: 'consumer'`, ESM-only,
 * so in child processes) share a topic the same way.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as Rdkafka from 'node-rdkafka';
import { AssignerProtocol, Kafka, logLevel } from 'kafkajs';
import { BrokerProcess, startBrokerProcess } from './support/broker-process';
import { waitFor } from './support/conditions';
import { committedTotal, createTopic as createTopicWith, produceValues, withAdmin } from './support/groups';
import { RawKafkaClient, requestBody } from './support/raw-kafka-client';
import { Apis } from '../src/protocol/apis';

jest.setTimeout(120_000);

const PARTITIONS = 6;

let broker: BrokerProcess;
let kafka: Kafka;
const open: Rdkafka.KafkaConsumer[] = [];

/** value -> names of the members that consumed it */
const seen = new Map<string, string[]>();

function record(name: string, value: string): void {
  seen.set(value, [...(seen.get(value) ?? []), name]);
}

const createTopic = (topic: string, numPartitions = PARTITIONS) => createTopicWith(kafka, topic, numPartitions);
const produce = (topic: string, prefix: string, count: number, partitions = PARTITIONS) => produceValues(kafka, topic, prefix, count, partitions);

interface Member {
  name: string;
  consumer: Rdkafka.KafkaConsumer;
  /** "topic:partition" strings currently assigned */
  assignment: () => string[];
}

async function member(name: string, groupId: string, subscription: string[], bootstrap = broker.bootstrap): Promise<Member> {
  const consumer = new Rdkafka.KafkaConsumer(
    {
      'bootstrap.servers': bootstrap,
      'group.id': groupId,
      'client.id': name,
      'group.protocol': 'consumer',
      'enable.auto.commit': true,
      'auto.commit.interval.ms': 200,
      'fetch.wait.max.ms': 100,
      'topic.metadata.refresh.interval.ms': 1000,
    },
    { 'auto.offset.reset': 'earliest' },
  );
  await new Promise<void>((resolve, reject) => consumer.connect({ timeout: 10_000 }, (err) => (err ? reject(err) : resolve())));
  consumer.on('data', (m) => record(name, m.value?.toString() ?? ''));
  consumer.subscribe(subscription);
  consumer.consume();
  open.push(consumer);
  return { name, consumer, assignment: () => consumer.assignments().map((a) => `${a.topic}:${a.partition}`).sort() };
}

function disconnect(c: Rdkafka.KafkaConsumer): Promise<void> {
  open.splice(open.indexOf(c), 1);
  return new Promise((resolve) => c.disconnect(() => resolve()));
}

/** Every member holds some partitions, no partition twice, all of `expected` covered. */
function sharesAll(assignments: string[][], expected: string[]): boolean {
  const all = assignments.flat().sort();
  return assignments.every((a) => a.length > 0) && all.join() === [...expected].sort().join();
}

const partitionsOf = (topic: string, n = PARTITIONS) => Array.from({ length: n }, (_, p) => `${topic}:${p}`);
const onceEach = (values: string[]) => values.every((v) => seen.get(v)?.length === 1);

const BROKER_CONFIG = {
  'offsets.topic.num.partitions': 5,
  'group.consumer.heartbeat.interval.ms': 500,
  'group.consumer.min.heartbeat.interval.ms': 500,
  'group.consumer.session.timeout.ms': 6000,
  'group.consumer.min.session.timeout.ms': 6000,
};

/** The group as ConsumerGroupDescribe shows it: its epoch and its members' ids. */
/** COORDINATOR_LOAD_IN_PROGRESS: a restarted broker loads its groups after it is up; every client retries it. */
const LOAD_IN_PROGRESS = 14;

async function describeGroup(b: BrokerProcess, groupId: string): Promise<{ groupEpoch: number; memberIds: string[] } | null> {
  const c = await RawKafkaClient.connect(b.host, b.port);
  try {
    const describe = async () => {
      const res = await c.request(Apis.ConsumerGroupDescribe, 0, requestBody(Apis.ConsumerGroupDescribe, { groupIds: [groupId], includeAuthorizedOperations: false }));
      return res.groups[0];
    };
    const g = await waitFor('the group described (its partition loaded)', async () => {
      const d = await describe();
      return d?.errorCode === LOAD_IN_PROGRESS ? undefined : { d };
    }, 30_000, 20);
    if (!g.d || g.d.errorCode !== 0) return null;
    return { groupEpoch: g.d.groupEpoch, memberIds: g.d.members.map((m) => m.memberId).sort() };
  } finally {
    c.close();
  }
}

beforeAll(async () => {
  broker = await startBrokerProcess({ config: BROKER_CONFIG });
  kafka = new Kafka({ clientId: 'groups-kip848', brokers: [broker.bootstrap], logLevel: logLevel.NOTHING });
});

afterAll(async () => {
  for (const c of [...open]) await disconnect(c);
  await broker?.stop();
});

test('three librdkafka members share six partitions, read each message once and commit; a leaver\'s partitions move', async () => {
  const topic = 'kip848-topic';
  const groupId = 'kip848-group';
  await createTopic(topic);
  const members = [await member('k1', groupId, [topic]), await member('k2', groupId, [topic]), await member('k3', groupId, [topic])];
  await waitFor('three members sharing all partitions', () => (sharesAll(members.map((m) => m.assignment()), partitionsOf(topic)) ? true : undefined), 40_000, 100);
  const values = await produce(topic, 'kip848', 600);
  await waitFor('600 messages read once each', () => (onceEach(values) ? true : undefined), 30_000, 100);
  expect(new Set(values.map((v) => seen.get(v)?.[0]))).toEqual(new Set(['k1', 'k2', 'k3']));
  await waitFor('600 committed', async () => ((await committedTotal(kafka, groupId, topic)) === 600 ? true : undefined), 20_000, 200);

  await withAdmin(kafka, async (admin) => {
    const listed = await admin.listGroups();
    expect(listed.groups).toContainEqual({ groupId, protocolType: 'consumer' });
    // A member acknowledges the partitions it was given with its next heartbeat (every 500 ms), so the
    // group may still be Reconciling when the consumers already share everything: it must become Stable.
    const described = await waitFor('the group Stable', async () => {
      const { groups } = await admin.describeGroups([groupId]);
      return groups[0]?.state === 'Stable' ? groups[0] : undefined;
    }, 10_000, 100);
    expect(described).toMatchObject({ groupId, state: 'Stable', protocolType: 'consumer', protocol: 'uniform' });
    expect(described.members).toHaveLength(3);
  });

  await disconnect((members.shift() as Member).consumer);
  await waitFor('two members sharing all partitions', () => (sharesAll(members.map((m) => m.assignment()), partitionsOf(topic)) ? true : undefined), 30_000, 100);
  const more = await produce(topic, 'kip848-after-leave', 60);
  await waitFor('60 more read once each', () => (onceEach(more) ? true : undefined), 30_000, 100);
  expect(more.some((v) => seen.get(v)?.[0] === 'k1')).toBe(false);
  await waitFor('660 committed', async () => ((await committedTotal(kafka, groupId, topic)) === 660 ? true : undefined), 20_000, 200);
  for (const m of members) await disconnect(m.consumer);
});

test('librdkafka members keep their member ids, epochs and partitions across broker restarts (SIGTERM, then SIGKILL), reading each message once', async () => {
  // A broker of its own: this one is restarted.
  let own = await startBrokerProcess({ config: BROKER_CONFIG });
  const ownKafka = new Kafka({ clientId: 'groups-kip848-restart', brokers: [own.bootstrap], logLevel: logLevel.NOTHING });
  const topic = 'kip848-restart';
  const groupId = 'kip848-restart-group';
  try {
    await createTopicWith(ownKafka, topic, 4);
    const members = [await member('r1', groupId, [topic], own.bootstrap), await member('r2', groupId, [topic], own.bootstrap)];
    await waitFor('two members sharing all partitions', () => (sharesAll(members.map((m) => m.assignment()), partitionsOf(topic, 4)) ? true : undefined), 40_000, 100);
    const first = await produceValues(ownKafka, topic, 'restart-first', 200, 4);
    await waitFor('200 read once each', () => (onceEach(first) ? true : undefined), 30_000, 100);
    const before = await describeGroup(own, groupId);
    expect(before?.memberIds).toHaveLength(2);
    const assignments = members.map((m) => m.assignment());

    for (const [how, prefix] of [['SIGTERM', 'restart-term'], ['SIGKILL', 'restart-kill']] as const) {
      const { dataDir, port } = own;
      if (how === 'SIGTERM') expect(await own.stop()).toBe(0);
      else await own.kill();
      own = await startBrokerProcess({ dataDir, port, config: BROKER_CONFIG });
      // Known at once from the records: the same members at the same group epoch (nobody rejoined, no rebalance).
      expect(await describeGroup(own, groupId)).toEqual(before);
      const more = await produceValues(ownKafka, topic, prefix, 200, 4);
      await waitFor(`200 read once each after the ${how} restart`, () => (onceEach(more) ? true : undefined), 30_000, 100);
      expect(await describeGroup(own, groupId)).toEqual(before);
      expect(members.map((m) => m.assignment())).toEqual(assignments);
    }
    for (const m of members) await disconnect(m.consumer);
  } finally {
    await own.stop();
    fs.rmSync(own.dataDir, { recursive: true, force: true });
  }
});

test('a regex subscription gets the matching topics, including one created after the member joined', async () => {
  await createTopic('kip848-re-a', 2);
  await createTopic('kip848-other', 2);
  const m = await member('re1', 'kip848-regex-group', ['^kip848-re-.*']);
  await waitFor('the first matching topic assigned', () => (m.assignment().join() === partitionsOf('kip848-re-a', 2).join() ? true : undefined), 30_000, 100);
  const first = await produce('kip848-re-a', 're-a', 20, 2);
  await waitFor('20 read', () => (onceEach(first) ? true : undefined), 30_000, 100);

  await createTopic('kip848-re-b', 3);
  const expected = [...partitionsOf('kip848-re-a', 2), ...partitionsOf('kip848-re-b', 3)].sort();
  await waitFor('the new matching topic assigned too', () => (m.assignment().join() === expected.join() ? true : undefined), 30_000, 100);
  const second = await produce('kip848-re-b', 're-b', 30, 3);
  await waitFor('30 read from the new topic', () => (onceEach(second) ? true : undefined), 30_000, 100);
  await disconnect(m.consumer);
});

const PLATFORMATIC_MEMBER = `
import { Consumer, MessagesStreamModes, stringDeserializers } from ${JSON.stringify(path.resolve(__dirname, '../node_modules/@platformatic/kafka/dist/index.js'))};
const [bootstrap, groupId, topic, name] = process.argv.slice(2);
const consumer = new Consumer({ clientId: name, groupId, groupProtocol: 'consumer', bootstrapBrokers: [bootstrap], deserializers: stringDeserializers, maxWaitTime: 200 });
const stream = await consumer.consume({ topics: [topic], mode: MessagesStreamModes.EARLIEST, autocommit: 100 });
stream.on('data', (m) => process.stdout.write('MSG ' + m.value + '\\n'));
stream.on('error', () => {});
process.stdin.on('data', async () => { await consumer.close(true); process.exit(0); });
`;

test('two @platformatic/kafka consumers with groupProtocol consumer share a topic, each message read once', async () => {
  const topic = 'kip848-platformatic';
  const groupId = 'kip848-platformatic-group';
  await createTopic(topic, 4);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'weir-kip848-'));
  const script = path.join(dir, 'member.mjs');
  fs.writeFileSync(script, PLATFORMATIC_MEMBER);
  const children: ChildProcess[] = [];
  const readBy = new Map<string, string[]>();
  try {
    for (const name of ['p1', 'p2']) {
      const child = spawn(process.execPath, [script, broker.bootstrap, groupId, topic, name], { stdio: ['pipe', 'pipe', 'pipe'] });
      children.push(child);
      let buffered = '';
      child.stdout!.on('data', (d: Buffer) => {
        buffered += d.toString();
        let nl: number;
        while ((nl = buffered.indexOf('\n')) >= 0) {
          const m = /^MSG (.*)$/.exec(buffered.slice(0, nl));
          buffered = buffered.slice(nl + 1);
          if (m) readBy.set(m[1] as string, [...(readBy.get(m[1] as string) ?? []), name]);
        }
      });
    }
    await waitFor(
      'two platformatic members sharing the partitions',
      () =>
        withAdmin(kafka, async (admin) => {
          const { groups } = await admin.describeGroups([groupId]);
          const members = groups[0]?.members ?? [];
          return groups[0]?.state === 'Stable' && members.length === 2 && members.every((m) => m.memberAssignment.length > 12) ? true : undefined;
        }),
      40_000,
      200,
    );
    // @platformatic/kafka can still deliver records from a fetch it sent
    // before its partitions were revoked (the same client race the classic
    // platformatic test settles). Each partition's owner reading a marker
    // first shows the handover has settled on the client side too.
    const owners = await withAdmin(kafka, async (admin) => {
      const { groups } = await admin.describeGroups([groupId]);
      const byPartition = new Map<number, string>();
      for (const m of groups[0]?.members ?? []) {
        const decoded = AssignerProtocol.MemberAssignment.decode(m.memberAssignment);
        for (const p of decoded?.assignment[topic] ?? []) byPartition.set(p, m.clientId);
      }
      return byPartition;
    });
    expect([...owners.keys()].sort()).toEqual([0, 1, 2, 3]);
    const markers = await produce(topic, 'marker', 4, 4);
    await waitFor('each partition owner to read its marker', () => (markers.every((m, p) => readBy.get(m)?.includes(owners.get(p) as string)) ? true : undefined), 30_000, 100);
    const values = await produce(topic, 'plat', 80, 4);
    await waitFor('80 read once each', () => (values.every((v) => readBy.get(v)?.length === 1) ? true : undefined), 30_000, 100);
    expect(new Set(values.map((v) => readBy.get(v)?.[0]))).toEqual(new Set(['p1', 'p2']));
  } finally {
    for (const child of children) {
      const exited = new Promise<void>((resolve) => (child.exitCode !== null ? resolve() : child.once('exit', () => resolve())));
      child.stdin!.write('close\n');
      await Promise.race([exited, new Promise<void>((resolve) => setTimeout(resolve, 5000).unref())]);
      if (child.exitCode === null) child.kill('SIGKILL');
    }
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
