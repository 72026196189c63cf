#!/usr/bin/env node
/**
 * Consumer-group numbers against the compiled broker (dist/, `npm run build`
 * first), kafkajs clients in this process:
 *
 *   join-to-first-record  10 members subscribe together to a 10-partition
 *                         topic that already holds records; per member, the
 *                         time from its connect() call to its first record
 *                         (connect, FindCoordinator, JoinGroup/SyncGroup
 *                         until the group is stable, OffsetFetch, Fetch).
 *                         p50 and max over the members.
 *   commits/s             one member commits an offset in a loop
 *                         (consumer.commitOffsets, one OffsetCommit per call,
 *                         awaited: a round trip and an append to
 *                         __consumer_offsets each).
 *
 *   node bench/groups.mjs [--delay-ms 0] [--commits 5000] [--repeat 3]
 *
 * --delay-ms sets group.initial.rebalance.delay.ms (Kafka's default 3000
 * holds the first rebalance of an empty group back that long).
 */
import * as os from 'node:os';
import { startBenchBroker } from './bench-broker.mjs';
import kafkajs from 'kafkajs';

const { Kafka, logLevel } = kafkajs;
const opt = (name, dflt) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : dflt;
};
const DELAY_MS = opt('delay-ms', 0);
const COMMITS = opt('commits', 5000);
const REPEAT = opt('repeat', 3);
const MEMBERS = 10;

function startBroker() {
  return startBenchBroker('groups', { 'group.initial.rebalance.delay.ms': DELAY_MS, 'offsets.topic.num.partitions': 5 });
}

const percentile = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];

async function joinToFirstRecord(kafka, topic, group) {
  const consumers = [];
  const times = await Promise.all(
    Array.from({ length: MEMBERS }, async () => {
      const c = kafka.consumer({ groupId: group, sessionTimeout: 10_000, heartbeatInterval: 500, maxWaitTimeInMs: 100 });
      consumers.push(c);
      let first;
      const got = new Promise((resolve) => (first = resolve));
      const t0 = performance.now();
      await c.connect();
      await c.subscribe({ topic, fromBeginning: true });
      await c.run({ autoCommit: false, eachMessage: async () => first(performance.now() - t0) });
      const ms = await Promise.race([got, new Promise((r) => setTimeout(() => r(NaN), 60_000))]);
      return ms;
    }),
  );
  await Promise.all(consumers.map((c) => c.disconnect()));
  return times.sort((a, b) => a - b);
}

async function commitsPerSecond(kafka, topic, group) {
  const c = kafka.consumer({ groupId: group, sessionTimeout: 10_000, heartbeatInterval: 500 });
  let assigned = false;
  c.on(c.events.GROUP_JOIN, () => (assigned = true));
  await c.connect();
  await c.subscribe({ topic });
  await c.run({ autoCommit: false, eachMessage: async () => undefined });
  while (!assigned) await new Promise((r) => setTimeout(r, 20));
  const t0 = performance.now();
  for (let i = 0; i < COMMITS; i++) await c.commitOffsets([{ topic, partition: i % 10, offset: String(i + 1) }]);
  const ms = performance.now() - t0;
  await c.disconnect();
  return (COMMITS / ms) * 1000;
}

const rows = [];
for (let r = 0; r < REPEAT; r++) {
  const broker = await startBroker();
  try {
    const kafka = new Kafka({ clientId: 'bench-groups', brokers: [broker.bootstrap], logLevel: logLevel.NOTHING });
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic: 'g', numPartitions: 10 }], waitForLeaders: true });
    await admin.disconnect();
    const producer = kafka.producer();
    await producer.connect();
    await producer.send({ topic: 'g', messages: Array.from({ length: 1000 }, (_, i) => ({ partition: i % 10, value: `v${i}` })) });
    await producer.disconnect();
    const times = await joinToFirstRecord(kafka, 'g', `join-${r}`);
    const cps = await commitsPerSecond(kafka, 'g', `commit-${r}`);
    const row = { run: r + 1, p50: Math.round(percentile(times, 50)), max: Math.round(times[times.length - 1]), min: Math.round(times[0]), commitsPerSec: Math.round(cps) };
    rows.push(row);
    console.log(JSON.stringify(row));
  } finally {
    await broker.stop();
  }
}
console.log(`\nload average ${os.loadavg().map((x) => x.toFixed(1)).join(' ')}; group.initial.rebalance.delay.ms=${DELAY_MS}; ${MEMBERS} kafkajs members; ${COMMITS} commits`);
console.log('| run | join -> first record p50 ms | max ms | min ms | commits/s |');
console.log('| ---: | ---: | ---: | ---: | ---: |');
for (const r of rows) console.log(`| ${r.run} | ${r.p50} | ${r.max} | ${r.min} | ${r.commitsPerSec.toLocaleString('en-US')} |`);
