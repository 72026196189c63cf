/**
 * Static membership (KIP-345) with node-rdkafka: three members with
 * `group.instance.id` share a 6-partition topic. One is closed (librdkafka
 * sends no LeaveGroup for a static member) and a new consumer with the same
 * instance id joins within the session timeout: the coordinator hands it the
 * old member's assignment without a rebalance. The other members get no
 * rebalance callback, the restarted one gets exactly its old partitions, and
 * the generation stays the same.
 *
 * DescribeGroups has no generation field, so the generation is read the way
 * the coordinator checks it: an OffsetCommit (to a separate probe topic) with
 * a member's id and instance id is accepted only for the current generation.
 */
import * as Rdkafka from 'node-rdkafka';
import { Kafka, logLevel } from 'kafkajs';
import { Apis } from '../src/protocol/apis';
import { ErrorCode } from '../src/protocol/errors';
import { BrokerProcess, startBrokerProcess } from './support/broker-process';
import { waitFor } from './support/conditions';
import { RawKafkaClient } from './support/raw-kafka-client';

jest.setTimeout(120_000);

const TOPIC = 'static-rdkafka';
const PROBE_TOPIC = 'static-probe';
const GROUP = 'static-rdkafka-group';
const PARTITIONS = 6;
const SESSION_MS = 15_000;

let broker: BrokerProcess;
let kafka: Kafka;
const open = new Set<Rdkafka.KafkaConsumer>();

interface StaticMember {
  instanceId: string;
  consumer: Rdkafka.KafkaConsumer;
  /** Every assignment its rebalance callback received, in order. */
  assignments: number[][];
  revocations: number;
}

function staticMember(instanceId: string): Promise<StaticMember> {
  const member: StaticMember = { instanceId, consumer: undefined as unknown as Rdkafka.KafkaConsumer, assignments: [], revocations: 0 };
  const consumer = new Rdkafka.KafkaConsumer(
    {
      'bootstrap.servers': broker.bootstrap,
      'group.id': GROUP,
      'group.instance.id': instanceId,
      'client.id': instanceId,
      'session.timeout.ms': SESSION_MS,
      'heartbeat.interval.ms': 500,
      'partition.assignment.strategy': 'range',
      'enable.auto.commit': false,
      'fetch.wait.max.ms': 100,
      rebalance_cb: (err: Rdkafka.LibrdKafkaError, assignment: Rdkafka.Assignment[]) => {
        if (err.code === Rdkafka.CODES.ERRORS.ERR__ASSIGN_PARTITIONS) {
          member.assignments.push(assignment.map((a) => a.partition).sort((a, b) => a - b));
          consumer.assign(assignment);
        } else {
          member.revocations++;
          consumer.unassign();
        }
      },
    },
    { 'auto.offset.reset': 'earliest' },
  );
  member.consumer = consumer;
  open.add(consumer);
  return new Promise((resolve, reject) =>
    consumer.connect({ timeout: 10_000 }, (err) => {
      if (err) return reject(err);
      consumer.subscribe([TOPIC]);
      consumer.consume();
      resolve(member);
    }),
  );
}

function close(c: Rdkafka.KafkaConsumer): Promise<void> {
  open.delete(c);
  return new Promise((resolve) => c.disconnect(() => resolve()));
}

const lastAssignment = (m: StaticMember): number[] | undefined => m.assignments[m.assignments.length - 1];

async function describe(): Promise<{ state: string; members: { clientId: string; memberId: string }[] }> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const { groups } = await admin.describeGroups([GROUP]);
    const g = groups[0];
    if (!g) throw new Error('no group described');
    return { state: g.state, members: g.members.map((m) => ({ clientId: m.clientId, memberId: m.memberId })) };
  } finally {
    await admin.disconnect();
  }
}

/** Whether the coordinator accepts a commit from this member at `generation` (only the current one passes). */
async function acceptsGeneration(client: RawKafkaClient, memberId: string, instanceId: string, generation: number): Promise<boolean> {
  const res = await client.request(Apis.OffsetCommit, 8, {
    groupId: GROUP,
    generationIdOrMemberEpoch: generation,
    memberId,
    groupInstanceId: instanceId,
    retentionTimeMs: -1n,
    topics: [{ name: PROBE_TOPIC, partitions: [{ partitionIndex: 0, committedOffset: 0n, committedLeaderEpoch: -1, commitTimestamp: -1n, committedMetadata: null }] }],
  });
  const code = res.topics[0]?.partitions[0]?.errorCode;
  if (code === ErrorCode.NONE) return true;
  if (code === ErrorCode.ILLEGAL_GENERATION) return false;
  throw new Error(`generation probe: unexpected error code ${code}`);
}

async function currentGeneration(client: RawKafkaClient, memberId: string, instanceId: string): Promise<number> {
  for (let g = 1; g <= 50; g++) if (await acceptsGeneration(client, memberId, instanceId, g)) return g;
  throw new Error('no generation in 1..50 accepted');
}

beforeAll(async () => {
  broker = await startBrokerProcess({ config: { 'group.initial.rebalance.delay.ms': 200, 'offsets.topic.num.partitions': 3 } });
  kafka = new Kafka({ clientId: 'static-admin', brokers: [broker.bootstrap], logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic: TOPIC, numPartitions: PARTITIONS }, { topic: PROBE_TOPIC, numPartitions: 1 }], waitForLeaders: true });
  await admin.disconnect();
});

afterAll(async () => {
  for (const c of [...open]) await close(c);
  await broker?.stop();
});

test('a static member restarted within the session timeout gets its partitions back without a rebalance', async () => {
  const members = [await staticMember('static-a'), await staticMember('static-b'), await staticMember('static-c')];
  await waitFor(
    'three static members sharing all six partitions',
    () => {
      const all = members.map(lastAssignment);
      if (all.some((a) => !a || a.length === 0)) return undefined;
      return all.flat().sort((a, b) => (a ?? 0) - (b ?? 0)).join() === '0,1,2,3,4,5' ? true : undefined;
    },
    40_000,
    100,
  );
  const before = await waitFor('the group Stable with three members', async () => {
    const d = await describe();
    return d.state === 'Stable' && d.members.length === 3 ? d : undefined;
  });
  const probeMember = before.members.find((m) => m.clientId === 'static-a');
  if (!probeMember) throw new Error('static-a is not in the group');
  const probe = await RawKafkaClient.connect(broker.host, broker.port);
  try {
    const generation = await currentGeneration(probe, probeMember.memberId, 'static-a');
    const [a, b, c] = members as [StaticMember, StaticMember, StaticMember];
    const seen = { a: a.assignments.length, b: b.assignments.length, aRevoked: a.revocations, bRevoked: b.revocations };
    const cPartitions = lastAssignment(c);
    const cOldMemberId = before.members.find((m) => m.clientId === 'static-c')?.memberId;

    // The restart: close (no LeaveGroup for a static member), then a new process's consumer.
    await close(c.consumer);
    const restarted = await staticMember('static-c');
    await waitFor('the restarted member assigned', () => (lastAssignment(restarted) ? true : undefined), SESSION_MS, 50);
    expect(lastAssignment(restarted)).toEqual(cPartitions);

    const after = await waitFor('the group Stable with three members', async () => {
      const d = await describe();
      return d.state === 'Stable' && d.members.length === 3 ? d : undefined;
    });
    const cNewMemberId = after.members.find((m) => m.clientId === 'static-c')?.memberId;
    expect(cNewMemberId).toBeDefined();
    expect(cNewMemberId).not.toBe(cOldMemberId);
    // The same generation: no rebalance happened.
    expect(await acceptsGeneration(probe, probeMember.memberId, 'static-a', generation)).toBe(true);
    // The others kept their assignment: no revocation, no new assignment callback. Heartbeats
    // would have told them of a rebalance (REBALANCE_IN_PROGRESS) within a few intervals:
    // give them that long, bounded by a deadline, to show one.
    const rebalanced = () => a.assignments.length !== seen.a || b.assignments.length !== seen.b || a.revocations !== seen.aRevoked || b.revocations !== seen.bRevoked;
    await expect(waitFor('a rebalance callback on the other members', () => (rebalanced() ? true : undefined), 3_000, 100)).rejects.toThrow(/timed out/);
    expect(await acceptsGeneration(probe, probeMember.memberId, 'static-a', generation)).toBe(true);
    expect((await describe()).state).toBe('Stable');
  } finally {
    probe.close();
  }
});
