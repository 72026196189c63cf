/**
 * Consumer groups with @platformatic/kafka (FindCoordinator v4+ batched
 * layout, JoinGroup v6–9, SyncGroup v4–5, Heartbeat v4, LeaveGroup v4–5,
 * OffsetCommit v8–9, OffsetFetch v8–9 groups form). The client is
 * ESM-only, so each member runs in a child process.
 *
 * Three members share a 6-partition topic, each message read once with
 * autocommit; one member closes (LeaveGroup) and the others take over its
 * partitions; one is SIGKILLed and its partitions move after the session
 * timeout. A static member (group.instance.id) replaced by a new client
 * with the same instance id keeps its partitions without a rebalance.
 */
import { Kafka, logLevel } from 'kafkajs';
import { BrokerProcess, startBrokerProcess } from './support/broker-process';
import { waitFor } from './support/conditions';
import { GroupConsumerProcess, startGroupConsumerProcess } from './support/group-consumer-process';
import { committedTotal, createTopic as createTopicWith, produceValues, withAdmin } from './support/groups';

jest.setTimeout(120_000);

const PARTITIONS = 6;
const SESSION_MS = 6000;

let broker: BrokerProcess;
let kafka: Kafka;
const running: GroupConsumerProcess[] = [];
const seen = new Map<string, number>();

const createTopic = (topic: string) => createTopicWith(kafka, topic, PARTITIONS);
const produce = (topic: string, prefix: string, count: number) => produceValues(kafka, topic, prefix, count, PARTITIONS);

function member(name: string, groupId: string, topic: string, groupInstanceId?: string): GroupConsumerProcess {
  const m = startGroupConsumerProcess(broker.bootstrap, groupId, topic, SESSION_MS, { client: 'platformatic', name, groupInstanceId });
  running.push(m);
  return m;
}

/** Moves the members' new messages into `seen`; true when every value was read exactly once. */
function onceEach(values: string[], members: GroupConsumerProcess[]): boolean {
  for (const m of members) for (const msg of m.messages.splice(0)) seen.set(msg.value, (seen.get(msg.value) ?? 0) + 1);
  return values.every((v) => seen.get(v) === 1);
}

/**
 * A Fetch sent just before a rebalance may still return records of a
 * partition the member just lost (as against Kafka: fetches know nothing of
 * assignments), so right after a rebalance a marker goes to every partition
 * and we wait until each partition's new owner has read it; from then on
 * every member fetches with its new assignment.
 */
async function fetchBarrier(topic: string, members: GroupConsumerProcess[]): Promise<void> {
  const markers = await produce(topic, `marker-${Date.now()}`, PARTITIONS);
  const readBy = new Map<string, Set<GroupConsumerProcess>>();
  await waitFor('every partition owner to read its marker', () => {
    for (const m of members) {
      for (const msg of m.messages.splice(0)) {
        if (!readBy.has(msg.value)) readBy.set(msg.value, new Set());
        readBy.get(msg.value)?.add(m);
      }
    }
    return markers.every((v, partition) => {
      const owner = members.find((m) => (m.assigned() ?? []).includes(partition));
      return owner !== undefined && (readBy.get(v)?.has(owner) ?? false);
    })
      ? true
      : undefined;
  }, 30_000, 50);
}

function sharesAll(members: GroupConsumerProcess[]): boolean {
  const assignments = members.map((m) => m.assigned() ?? []);
  const all = assignments.flat().sort((a, b) => a - b);
  return assignments.every((a) => a.length > 0) && all.join() === '0,1,2,3,4,5';
}

beforeAll(async () => {
  broker = await startBrokerProcess({ config: { 'group.initial.rebalance.delay.ms': 200, 'offsets.topic.num.partitions': 5 } });
  kafka = new Kafka({ clientId: 'groups-platformatic', brokers: [broker.bootstrap], logLevel: logLevel.NOTHING });
});

afterAll(async () => {
  for (const m of running) await m.kill();
  await broker?.stop();
});

test('three members share six partitions and read each message once; a closed and a killed member\'s partitions move', async () => {
  const topic = 'groups-platformatic';
  await createTopic(topic);
  const members = [member('p1', 'plat-group', topic), member('p2', 'plat-group', topic), member('p3', 'plat-group', topic)];
  await waitFor(`three members sharing all partitions (${members.map((m) => m.errors()).join(' ')})`, () => (sharesAll(members) ? true : undefined), 40_000, 100);
  const values = await produce(topic, 'plat', 600);
  await waitFor('600 read once each', () => (onceEach(values, members) ? true : undefined), 30_000, 100);
  await waitFor('600 committed', async () => ((await committedTotal(kafka, 'plat-group', topic)) === 600 ? true : undefined), 20_000, 200);

  await (members.shift() as GroupConsumerProcess).close();
  await waitFor('two members sharing all partitions', () => (sharesAll(members) ? true : undefined), 30_000, 100);
  await fetchBarrier(topic, members);
  const afterClose = await produce(topic, 'plat-after-close', 60);
  await waitFor('the 60 after the close, read once each', () => (onceEach(afterClose, members) ? true : undefined), 30_000, 100);

  const killedAt = Date.now();
  await (members.shift() as GroupConsumerProcess).kill();
  await waitFor('the survivor holding every partition', () => ((members[0]?.assigned() ?? []).length === PARTITIONS ? true : undefined), 30_000, 100);
  expect(Date.now() - killedAt).toBeLessThan(SESSION_MS + 10_000);
  await fetchBarrier(topic, members);
  const afterKill = await produce(topic, 'plat-after-kill', 60);
  await waitFor('60 more read once each by the survivor', () => (onceEach(afterKill, members) ? true : undefined), 30_000, 100);
  await members[0]?.close();
});

test('a static member replaced by a client with the same group.instance.id keeps its partitions, no rebalance', async () => {
  const topic = 'groups-platformatic-static';
  await createTopic(topic);
  const a = member('s1', 'static-group', topic, 'instance-1');
  const b = member('s2', 'static-group', topic, 'instance-2');
  await waitFor('two static members sharing all partitions', () => (sharesAll([a, b]) ? true : undefined), 40_000, 100);
  const before = (a.assigned() ?? []).join();
  await withAdmin(kafka, async (admin) => {
    // Kill the old client (a crash: no LeaveGroup), start its replacement at once.
    await a.kill();
    const replacement = member('s1-again', 'static-group', topic, 'instance-1');
    await waitFor('the replacement to hold the old partitions', () => ((replacement.assigned() ?? []).join() === before ? true : undefined), 30_000, 100);
    const group = (await admin.describeGroups(['static-group'])).groups[0];
    expect(group?.state).toBe('Stable');
    expect(group?.members.map((m) => m.clientId).sort()).toEqual(['s1-again', 's2']);
    // The other member never lost its partitions.
    expect((b.assigned() ?? []).length).toBe(PARTITIONS - before.split(',').length);
    await replacement.close();
    await b.close();
  });
});
