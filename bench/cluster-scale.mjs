#!/usr/bin/env node
// @ts-check
/**
 * How a three-broker Weir cluster on etcd grows with partitions: one topic
 * of N partitions with replication factor 3 (3N replicas), on a cluster
 * started by startCluster (its own etcd, three broker processes, the
 * default broker.session.timeout.ms of 9 s).
 *
 *   npm run build
 *   node bench/cluster-scale.mjs --partitions 1000 --partitions 5000 [--step 500]
 *
 * For each N, on a fresh cluster:
 * - create: CreateTopics and CreatePartitions, `--step` partitions at a time
 *   (500 by default; 0: the whole topic in one CreateTopics),
 *   until every partition has a leader and a full ISR in the Metadata of
 *   every broker;
 * - metadata: one Metadata request for the topic (median of 5);
 * - idle CPU: the brokers' CPU over 10 s with nothing produced (followers
 *   long-poll their leaders; the ISR timer runs);
 * - restart: one broker SIGKILLed and started again, until it is back in
 *   every ISR (its partitions truncated and caught up);
 * - RSS of each broker after that.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { cpuSeconds } from './bench-process.mjs';

const require = createRequire(import.meta.url);
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const { startCluster } = require(path.join(ROOT, 'dist/start-cluster.js'));
const { KafkaClient } = require(path.join(ROOT, 'dist/client/client.js'));
const { createPartitions, createTopics } = require(path.join(ROOT, 'dist/client/topics.js'));

/**
 * Partitions are added 500 at a time by default: each broker creates a log
 * per replica synchronously (~2 ms each on this disk), so thousands at once
 * stall its event loop for seconds (see docs/cluster-scaling.md).
 */
let STEP = 500;

const sizes = [];
for (let i = 2; i < process.argv.length; i++) {
  if (process.argv[i] === '--partitions') sizes.push(Number(process.argv[++i]));
  else if (process.argv[i] === '--step') STEP = Number(process.argv[++i]) || Infinity;
}
if (sizes.length === 0) sizes.push(1000);

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const rssMb = (pid) => Number(/VmRSS:\s+(\d+)/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))[1]) / 1024;

async function topicState(port, topic) {
  const c = await KafkaClient.connect(`127.0.0.1:${port}`);
  try {
    const t0 = performance.now();
    const md = await c.metadata([topic]);
    const ms = performance.now() - t0;
    const parts = md.topics.get(topic)?.partitions ?? [];
    return { ms, parts };
  } finally {
    await c.close();
  }
}

async function waitAll(cluster, topic, n, ok, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    let all = true;
    for (const b of cluster.brokers) {
      const { parts } = await topicState(b.port, topic);
      if (parts.length !== n || !parts.every(ok)) all = false;
    }
    if (all) return;
    if (Date.now() > deadline) throw new Error('timed out');
    await sleep(250);
  }
}

const rows = [];
for (const n of sizes) {
  // Kafka's default session timeout (9 s): a broker busy opening thousands of logs must not be taken for dead.
  const cluster = await startCluster({ brokers: 3 });
  try {
    const topic = `scale-${n}`;
    const t0 = performance.now();
    const c = await KafkaClient.connect(cluster.bootstrapServers);
    try {
      await createTopics(c, [{ name: topic, partitions: Math.min(n, STEP), replicationFactor: 3 }], { timeoutMs: 600_000 });
      for (let have = Math.min(n, STEP); have < n; have = Math.min(n, have + STEP)) {
        await waitAll(cluster, topic, have, (p) => p.leaderId > 0 && p.isr.length === 3, 120_000);
        await createPartitions(c, topic, Math.min(n, have + STEP));
      }
    } finally {
      await c.close();
    }
    await waitAll(cluster, topic, n, (p) => p.leaderId > 0 && p.isr.length === 3, 120_000);
    const createMs = performance.now() - t0;
    const mdMs = [];
    for (let i = 0; i < 5; i++) mdMs.push((await topicState(cluster.brokers[0].port, topic)).ms);
    mdMs.sort((a, b) => a - b);
    const pids = cluster.brokers.map((b) => b.pid);
    const cpu0 = pids.map(cpuSeconds);
    await sleep(10_000);
    const idleCpu = pids.map((p, i) => (cpuSeconds(p) - cpu0[i]) / 10);
    const r0 = performance.now();
    await cluster.kill(3);
    await cluster.restart(3);
    await waitAll(cluster, topic, n, (p) => p.isr.length === 3, 600_000);
    const restartMs = performance.now() - r0;
    const rss = cluster.brokers.map((b) => rssMb(b.pid));
    const row = { partitions: n, createMs, metadataMs: mdMs[2], idleCpu, restartMs, rss };
    rows.push(row);
    process.stderr.write(`${JSON.stringify(row)}\n`);
  } catch (err) {
    // What the brokers said explains it.
    for (const b of cluster.brokers) fs.writeFileSync(path.join(process.cwd(), `cluster-scale-broker-${b.nodeId}.log`), cluster.output(b.nodeId));
    throw err;
  } finally {
    await cluster.close();
  }
}
console.log(`| partitions (x3 replicas) | create (${STEP === Infinity ? 'all at once' : `${STEP} at a time`}) to full ISR everywhere, s | Metadata ms | idle CPU per broker, % of a core | kill + restart to full ISR, s | RSS per broker, MB |`);
console.log('| ---: | ---: | ---: | --- | ---: | --- |');
for (const r of rows) {
  console.log(`| ${r.partitions.toLocaleString('en')} | ${(r.createMs / 1000).toFixed(1)} | ${r.metadataMs.toFixed(1)} | ${r.idleCpu.map((x) => (x * 100).toFixed(0)).join(' / ')} | ${(r.restartMs / 1000).toFixed(1)} | ${r.rss.map((x) => x.toFixed(0)).join(' / ')} |`);
}
