/**
 * Consumer-group churn: 20 member slots (kafkajs and node-rdkafka, each in
 * its own process) join and leave a classic group at random for about a
 * minute, half of the leaves graceful (LeaveGroup) and half SIGKILL (the
 * broker only learns from the session timeout), while a producer writes to a
 * 12-partition topic. The schedule comes from a seeded PRNG, so every run
 * churns the same way (the broker's timing still varies).
 *
 * What users rely on afterwards, once the remaining members have settled:
 * - nothing produced is left unconsumed: every produced message was consumed
 *   at least once, and the committed offsets reach the log end;
 * - every committed offset, sampled all along the churn, is one a member
 *   really reached (offset c > 0 means some member consumed c - 1 of that
 *   partition) and never beyond the log end;
 * - the group is Stable with exactly the live members.
 *
 * Members print `MSG <partition> <offset> <value>` before they let their
 * client commit the offset (kafkajs commits after eachMessage resolves;
 * librdkafka's offset store is filled by hand after the print), and pipes
 * to the parent are synchronous on Linux, so a SIGKILLed member's last
 * consumed offsets still reach the test.
 */
import { ChildProcess, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { BrokerProcess, startBrokerProcess, tempDir } from './support/broker-process';
import { waitFor } from './support/conditions';

jest.setTimeout(180_000);

const TOPIC = 'churn';
const GROUP = 'churn-group';
const PARTITIONS = 12;
const SLOTS = 20;
/** Slots from this index on run node-rdkafka; the others kafkajs. */
const FIRST_RDKAFKA_SLOT = 14;
const CHURN_MS = 55_000;
const SESSION_MS = 6_000;
const SEED = 0x5eed_c4a2;

const NODE_MODULES = path.resolve(__dirname, '../node_modules');

// Both clients use librdkafka's "roundrobin" protocol name so the mixed group agrees on one
// assignor (kafkajs calls its round robin "RoundRobinAssigner").
const KAFKAJS_MEMBER = `
const { Kafka, PartitionAssigners, logLevel } = require(${JSON.stringify(path.join(NODE_MODULES, 'kafkajs'))});
const [bootstrap, groupId, topic, sessionTimeout, name] = process.argv.slice(2);
const kafka = new Kafka({ clientId: name, brokers: [bootstrap], logLevel: logLevel.NOTHING });
const roundrobin = (config) => ({ ...PartitionAssigners.roundRobin(config), name: 'roundrobin' });
const consumer = kafka.consumer({ groupId, sessionTimeout: Number(sessionTimeout), heartbeatInterval: 500, maxWaitTimeInMs: 200, partitionAssigners: [roundrobin] });
process.stdin.on('data', async (d) => {
  if (!d.toString().includes('close')) return;
  await consumer.disconnect();
  process.exit(0);
});
(async () => {
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  await consumer.run({ eachMessage: async ({ partition, message }) => {
    process.stdout.write('MSG ' + partition + ' ' + message.offset + ' ' + message.value.toString() + '\\n');
  } });
})().catch((e) => { process.stderr.write(String(e && e.stack || e) + '\\n'); process.exit(3); });
`;

const RDKAFKA_MEMBER = `
const Kafka = require(${JSON.stringify(path.join(NODE_MODULES, 'node-rdkafka'))});
const [bootstrap, groupId, topic, sessionTimeout, name] = process.argv.slice(2);
const consumer = new Kafka.KafkaConsumer({
  'bootstrap.servers': bootstrap, 'group.id': groupId, 'client.id': name,
  'session.timeout.ms': Number(sessionTimeout), 'heartbeat.interval.ms': 500,
  'partition.assignment.strategy': 'roundrobin',
  'enable.auto.commit': true, 'auto.commit.interval.ms': 300,
  // Stored (and so committed) only after the message was printed: see the test's header.
  'enable.auto.offset.store': false,
  'fetch.wait.max.ms': 100,
}, { 'auto.offset.reset': 'earliest' });
consumer.on('data', (m) => {
  process.stdout.write('MSG ' + m.partition + ' ' + m.offset + ' ' + m.value.toString() + '\\n');
  consumer.offsetsStore([{ topic, partition: m.partition, offset: m.offset + 1 }]);
});
process.stdin.on('data', (d) => {
  if (!d.toString().includes('close')) return;
  consumer.disconnect(() => process.exit(0));
});
consumer.connect({ timeout: 20000 }, (err) => {
  if (err) { process.stderr.write(String(err) + '\\n'); process.exit(3); }
  consumer.subscribe([topic]);
  consumer.consume();
});
`;

interface Member {
  slot: number;
  child: ChildProcess;
  exited: Promise<void>;
}

/** Small seeded PRNG (mulberry32): the churn schedule is the same in every run. */
function prng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

let broker: BrokerProcess;
let scriptDir: string;
const live = new Map<number, Member>();
const all: Member[] = [];
/** partition -> offsets some member consumed */
const consumedOffsets: Set<number>[] = Array.from({ length: PARTITIONS }, () => new Set<number>());
const consumedValues = new Set<string>();
const memberErrors: string[] = [];

function startMember(slot: number): void {
  const script = path.join(scriptDir, slot >= FIRST_RDKAFKA_SLOT ? 'rdkafka-member.js' : 'kafkajs-member.js');
  const child = spawn(process.execPath, [script, broker.bootstrap, GROUP, TOPIC, String(SESSION_MS), `slot-${slot}`], { stdio: ['pipe', 'pipe', 'pipe'] });
  let buffered = '';
  child.stdout!.on('data', (d: Buffer) => {
    buffered += d.toString();
    let nl: number;
    while ((nl = buffered.indexOf('\n')) >= 0) {
      const line = buffered.slice(0, nl);
      buffered = buffered.slice(nl + 1);
      const m = /^MSG (\d+) (\d+) (.*)$/.exec(line);
      if (m) {
        consumedOffsets[Number(m[1])]!.add(Number(m[2]));
        consumedValues.add(m[3] as string);
      }
    }
  });
  child.stderr!.on('data', (d: Buffer) => memberErrors.push(`slot ${slot}: ${d.toString()}`));
  // 'close' (not 'exit'): the child's stdout has been read to its end.
  const exited = new Promise<void>((resolve) => child.once('close', () => resolve()));
  const member = { slot, child, exited };
  live.set(slot, member);
  all.push(member);
  void exited.then(() => {
    if (live.get(slot) === member) live.delete(slot);
  });
}

async function stopMember(slot: number, how: 'close' | 'kill'): Promise<void> {
  const m = live.get(slot);
  if (!m) return;
  live.delete(slot);
  if (how === 'kill') m.child.kill('SIGKILL');
  else m.child.stdin!.write('close\n');
}

beforeAll(async () => {
  broker = await startBrokerProcess({ config: { 'offsets.topic.num.partitions': 3, 'group.initial.rebalance.delay.ms': 200 } });
  scriptDir = tempDir('weir-churn-');
  fs.writeFileSync(path.join(scriptDir, 'kafkajs-member.js'), KAFKAJS_MEMBER);
  fs.writeFileSync(path.join(scriptDir, 'rdkafka-member.js'), RDKAFKA_MEMBER);
});

afterAll(async () => {
  for (const m of all) if (m.child.exitCode === null && m.child.signalCode === null) m.child.kill('SIGKILL');
  await Promise.all(all.map((m) => m.exited));
  await broker?.stop();
  fs.rmSync(scriptDir, { recursive: true, force: true });
});

test('20 members joining and leaving at random for a minute: nothing unconsumed, commits only where members reached, group Stable', async () => {
  const kafka = new Kafka({ clientId: 'churn', brokers: [broker.bootstrap], logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  try {
    await admin.createTopics({ topics: [{ topic: TOPIC, numPartitions: PARTITIONS }], waitForLeaders: true });

    const producer = kafka.producer();
    await producer.connect();
    const produced: string[] = [];
    let producing = true;
    const producerLoop = (async () => {
      let n = 0;
      while (producing) {
        const batch = Array.from({ length: PARTITIONS }, (_, p) => ({ partition: p, value: `m-${n + p}` }));
        await producer.send({ topic: TOPIC, messages: batch });
        produced.push(...batch.map((m) => m.value));
        n += PARTITIONS;
        // The producer's pace (~500 msg/s), not synchronisation.
        await new Promise((resolve) => setTimeout(resolve, 25));
      }
    })();

    /** Committed offsets sampled during the churn, each with the log end read right after it. */
    const samples: { partition: number; committed: number; logEnd: number }[] = [];
    let sampling = true;
    const samplerLoop = (async () => {
      while (sampling) {
        const res = await admin.fetchOffsets({ groupId: GROUP, topics: [TOPIC] });
        const ends = await admin.fetchTopicOffsets(TOPIC);
        for (const p of res[0]?.partitions ?? []) {
          const end = ends.find((e) => e.partition === p.partition);
          samples.push({ partition: p.partition, committed: Number(p.offset), logEnd: Number(end?.high ?? -1) });
        }
        await new Promise((resolve) => setTimeout(resolve, 500));
      }
    })();

    // The churn schedule: half the slots start at once, then every ~0.6-2.4 s a random
    // slot changes: a stopped one joins, a live one leaves (graceful close or SIGKILL).
    const rnd = prng(SEED);
    for (let slot = 0; slot < SLOTS; slot += 2) startMember(slot);
    const churnEnd = Date.now() + CHURN_MS;
    let joins = SLOTS / 2;
    let closes = 0;
    let kills = 0;
    while (Date.now() < churnEnd) {
      await new Promise((resolve) => setTimeout(resolve, 600 + Math.floor(rnd() * 1800)));
      const slot = Math.floor(rnd() * SLOTS);
      const how = rnd() < 0.5 ? 'close' : 'kill';
      if (live.has(slot)) {
        await stopMember(slot, how);
        if (how === 'close') closes++;
        else kills++;
      } else {
        startMember(slot);
        joins++;
      }
    }
    // Leave a few members of each client to finish the work.
    for (const slot of [1, 3, FIRST_RDKAFKA_SLOT, FIRST_RDKAFKA_SLOT + 1]) {
      if (!live.has(slot)) {
        startMember(slot);
        joins++;
      }
    }
    producing = false;
    await producerLoop;
    await producer.disconnect();
    sampling = false;
    await samplerLoop;
    expect(closes).toBeGreaterThan(3);
    expect(kills).toBeGreaterThan(3);
    expect(joins).toBeGreaterThan(SLOTS);

    // Settling: the killed members' sessions expire, the survivors rebalance and catch up.
    const logEnds = new Map((await admin.fetchTopicOffsets(TOPIC)).map((o) => [o.partition, Number(o.high)]));
    expect([...logEnds.values()].reduce((a, b) => a + b, 0)).toBe(produced.length);
    await waitFor(
      'every produced message consumed',
      () => (produced.every((v) => consumedValues.has(v)) ? true : undefined),
      45_000,
      200,
    ).catch((err: Error) => {
      throw new Error(`${err.message}; ${produced.filter((v) => !consumedValues.has(v)).length} of ${produced.length} unconsumed; member errors: ${memberErrors.slice(0, 5).join(' | ')}`);
    });
    const finalCommits = await waitFor(
      'committed offsets at the log end',
      async () => {
        const res = await admin.fetchOffsets({ groupId: GROUP, topics: [TOPIC] });
        const parts = res[0]?.partitions ?? [];
        return parts.length === PARTITIONS && parts.every((p) => Number(p.offset) === logEnds.get(p.partition)) ? parts : undefined;
      },
      30_000,
      200,
    );
    const group = await waitFor(
      'the group Stable with exactly the live members',
      async () => {
        const { groups } = await admin.describeGroups([GROUP]);
        const g = groups[0];
        return g && g.state === 'Stable' && g.members.length === live.size ? g : undefined;
      },
      30_000,
      200,
    );
    expect(group.protocol).toBe('roundrobin');
    expect(new Set(group.members.map((m) => m.clientId))).toEqual(new Set([...live.keys()].map((s) => `slot-${s}`)));

    // Every committed offset, during the churn and at the end, is one some member reached.
    const final = finalCommits.map((p) => ({ partition: p.partition, committed: Number(p.offset), logEnd: logEnds.get(p.partition) ?? -1 }));
    expect(samples.length).toBeGreaterThan(PARTITIONS * 10);
    const unreached = [...samples, ...final].filter(
      (s) => s.committed > s.logEnd || (s.committed > 0 && !consumedOffsets[s.partition]!.has(s.committed - 1)),
    );
    expect(unreached).toEqual([]);
  } finally {
    await admin.disconnect();
  }
});
