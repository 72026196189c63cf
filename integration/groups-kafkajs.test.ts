/**
 * Consumer groups with kafkajs (JoinGroup v5, SyncGroup/Heartbeat v3,
 * OffsetCommit v5, OffsetFetch v4, FindCoordinator v2).
 *
 * Three members (two in this process, one in a child process) share a
 * 6-partition topic and consume every message exactly once, committing as
 * they go. One member leaves (LeaveGroup: its partitions move at once),
 * the child is SIGKILLed (its partitions move once its session times out),
 * the broker restarts and the committed offsets are still there; a new
 * member resumes from them. The admin API's describeGroups / listGroups /
 * fetchOffsets / resetOffsets / deleteGroups agree with all of that.
 */
import { AssignerProtocol, Consumer, Kafka, logLevel } from 'kafkajs';
import { BrokerProcess, startBrokerProcess } from './support/broker-process';
import { waitFor } from './support/conditions';
import { GroupConsumerProcess, startGroupConsumerProcess } from './support/group-consumer-process';
import { committedTotal as committedTotalOf, createTopic, produceValues, withAdmin } from './support/groups';

jest.setTimeout(120_000);

const TOPIC = 'groups-kafkajs';
const GROUP = 'kafkajs-group';
const PARTITIONS = 6;
const SESSION_MS = 6000;
const BROKER_CONFIG = { 'group.initial.rebalance.delay.ms': 200, 'offsets.topic.num.partitions': 5 };

let broker: BrokerProcess;
let kafka: Kafka;
const consumers: Consumer[] = [];
let child: GroupConsumerProcess | null = null;
/** value -> who consumed it, every time it was consumed */
const seen = new Map<string, string[]>();

function record(who: string, value: string): void {
  const list = seen.get(value) ?? [];
  list.push(who);
  seen.set(value, list);
}

function childSeen(): void {
  for (const m of child?.messages.splice(0) ?? []) record('child', m.value);
}

const produce = (prefix: string, count: number) => produceValues(kafka, TOPIC, prefix, count, PARTITIONS);
const committedTotal = () => committedTotalOf(kafka, GROUP, TOPIC);

async function startConsumer(name: string): Promise<Consumer> {
  const consumer = kafka.consumer({ groupId: GROUP, sessionTimeout: SESSION_MS, heartbeatInterval: 300, maxWaitTimeInMs: 200 });
  await consumer.connect();
  await consumer.subscribe({ topic: TOPIC, fromBeginning: true });
  await consumer.run({ eachMessage: async ({ message }) => record(name, message.value?.toString() ?? '') });
  consumers.push(consumer);
  return consumer;
}

/** The group's members and their partitions, from DescribeGroups (only Stable groups show assignments). */
function describeAssignments(): Promise<{ state: string; members: Map<string, number[]> }> {
  return withAdmin(kafka, async (admin) => {
    const { groups } = await admin.describeGroups([GROUP]);
    const g = groups[0];
    const members = new Map<string, number[]>();
    for (const m of g?.members ?? []) {
      const decoded = AssignerProtocol.MemberAssignment.decode(m.memberAssignment);
      members.set(m.memberId, decoded?.assignment[TOPIC] ?? []);
    }
    return { state: g?.state ?? 'missing', members };
  });
}

async function waitForStableWith(memberCount: number): Promise<Map<string, number[]>> {
  let last = '';
  return waitFor(
    `a Stable group of ${memberCount} covering all ${PARTITIONS} partitions (last: ${last})`,
    async () => {
      const d = await describeAssignments();
      const all = [...d.members.values()].flat().sort((a, b) => a - b);
      last = `${d.state} ${JSON.stringify([...d.members.values()])}`;
      const everyMemberHasSome = [...d.members.values()].every((p) => p.length > 0);
      return d.state === 'Stable' && d.members.size === memberCount && everyMemberHasSome && all.join() === '0,1,2,3,4,5' ? d.members : undefined;
    },
    40_000,
    200,
  );
}

function consumedOnceEach(values: string[]): boolean {
  childSeen();
  return values.every((v) => seen.get(v)?.length === 1);
}

beforeAll(async () => {
  broker = await startBrokerProcess({ config: BROKER_CONFIG });
  kafka = new Kafka({ clientId: 'groups-kafkajs', brokers: [broker.bootstrap], logLevel: logLevel.NOTHING });
  await createTopic(kafka, TOPIC, PARTITIONS);
});

afterAll(async () => {
  for (const c of consumers) await c.disconnect().catch(() => undefined);
  await child?.kill();
  await broker?.stop();
});

test('three members share the six partitions and consume every message exactly once, committing', async () => {
  await startConsumer('a');
  await startConsumer('b');
  child = startGroupConsumerProcess(broker.bootstrap, GROUP, TOPIC, SESSION_MS);
  await waitForStableWith(3);
  const values = await produce('first', 600);
  await waitFor('600 messages, each consumed once', () => (consumedOnceEach(values) ? true : undefined), 30_000, 100);
  const consumers = new Set(values.map((v) => seen.get(v)?.[0]));
  expect(consumers).toEqual(new Set(['a', 'b', 'child']));
  await waitFor('all 600 offsets committed', async () => ((await committedTotal()) === 600 ? true : undefined), 20_000, 200);
});

test('a member that leaves hands its partitions over at once', async () => {
  const leaving = consumers.shift() as Consumer;
  await leaving.disconnect();
  const members = await waitForStableWith(2);
  expect(members.size).toBe(2);
  const values = await produce('after-leave', 60);
  await waitFor('60 messages after the leave', () => (consumedOnceEach(values) ? true : undefined), 20_000, 100);
  expect(values.some((v) => seen.get(v)?.[0] === 'a')).toBe(false);
});

test('a killed member\'s partitions move to the survivor within the session timeout', async () => {
  const killedAt = Date.now();
  await child?.kill();
  child = null;
  const members = await waitForStableWith(1);
  const movedAfterMs = Date.now() - killedAt;
  expect([...members.values()][0]).toEqual([0, 1, 2, 3, 4, 5]);
  // Session timeout plus a rebalance, with room for a loaded machine.
  expect(movedAfterMs).toBeLessThan(SESSION_MS + 10_000);
  const values = await produce('after-kill', 60);
  await waitFor('60 messages after the kill, all by b', () => (consumedOnceEach(values) && values.every((v) => seen.get(v)?.[0] === 'b') ? true : undefined), 20_000, 100);
  await waitFor('everything committed', async () => ((await committedTotal()) === 720 ? true : undefined), 20_000, 200);
});

test('committed offsets survive a broker restart; a new member resumes from them', async () => {
  for (const c of consumers.splice(0)) await c.disconnect();
  const before = await committedTotal();
  expect(before).toBe(720);
  await broker.stop();
  broker = await startBrokerProcess({ dataDir: broker.dataDir, config: BROKER_CONFIG });
  kafka = new Kafka({ clientId: 'groups-kafkajs', brokers: [broker.bootstrap], logLevel: logLevel.NOTHING });
  expect(await committedTotal()).toBe(720);
  await startConsumer('resumed');
  const values = await produce('after-restart', 12);
  await waitFor('the 12 new messages', () => (consumedOnceEach(values) ? true : undefined), 30_000, 100);
  // Nothing older was read again: the member started at the committed offsets.
  expect([...seen.entries()].filter(([, who]) => who.includes('resumed')).map(([v]) => v).sort()).toEqual([...values].sort());
});

test('admin describeGroups / listGroups / fetchOffsets / resetOffsets / deleteGroups agree', async () => {
  const admin = kafka.admin();
  await admin.connect();
  try {
    await waitForStableWith(1);
    const { groups } = await admin.describeGroups([GROUP]);
    expect(groups[0]).toMatchObject({ groupId: GROUP, state: 'Stable', protocolType: 'consumer', protocol: 'RoundRobinAssigner' });
    expect(groups[0]?.members[0]).toMatchObject({ clientId: 'groups-kafkajs', clientHost: '/127.0.0.1' });
    const listed = await admin.listGroups();
    expect(listed.groups).toContainEqual({ groupId: GROUP, protocolType: 'consumer' });

    // A group with members cannot be reset or deleted.
    await expect(admin.deleteGroups([GROUP])).rejects.toThrow();
    for (const c of consumers.splice(0)) await c.disconnect();
    await waitFor('the group to be empty', async () => ((await admin.describeGroups([GROUP])).groups[0]?.state === 'Empty' ? true : undefined));

    // kafkajs commits "earliest" as the sentinel -2 (its consumers resolve it on start), as against Kafka.
    await admin.resetOffsets({ groupId: GROUP, topic: TOPIC, earliest: true });
    const reset = await admin.fetchOffsets({ groupId: GROUP, topics: [TOPIC] });
    expect(reset[0]?.partitions.map((p) => p.offset)).toEqual(Array(PARTITIONS).fill('-2'));
    await admin.setOffsets({ groupId: GROUP, topic: TOPIC, partitions: [{ partition: 2, offset: '17' }] });
    const set = await admin.fetchOffsets({ groupId: GROUP, topics: [TOPIC] });
    expect(set[0]?.partitions.find((p) => p.partition === 2)?.offset).toBe('17');

    const deleted = await admin.deleteGroups([GROUP]);
    expect(deleted).toEqual([{ groupId: GROUP, errorCode: 0 }]);
    expect((await admin.listGroups()).groups.find((g) => g.groupId === GROUP)).toBeUndefined();
    const afterDelete = await admin.fetchOffsets({ groupId: GROUP, topics: [TOPIC] });
    expect(afterDelete[0]?.partitions.map((p) => p.offset)).toEqual(Array(PARTITIONS).fill('-1'));
  } finally {
    await admin.disconnect();
  }
});
