#!/usr/bin/env node
/**
 * How long a broker is held while its group coordinator loads a large
 * `__consumer_offsets` partition, against the compiled broker (dist/,
 * `npm run build` first):
 *
 *   1. fill: a broker with offsets.topic.num.partitions=1 takes, for a
 *      topic of PARTITIONS partitions, GROUPS x PARTITIONS offset commits (Weir's own client, one
 *      OffsetCommit of PARTITIONS offsets per group, every key distinct, so
 *      compaction would keep them all): GROUPS*PARTITIONS records in one
 *      partition. The broker stops.
 *   2. restart (--repeat times): the broker starts again on that data dir.
 *      From its banner on, a probe sends ApiVersions every 5 ms on one
 *      connection and records how long each answer took, until an
 *      OffsetFetch of the last group answers (its partition is loaded) and
 *      500 ms more.
 *
 * Printed per restart: spawn -> banner (listeners bound), spawn -> the
 * last group's offsets served, the longest ApiVersions round trip after
 * the banner (and its p99, and how many took over 50 ms).
 *
 *   node bench/coordinator-load.mjs [--groups 4000] [--partitions 100] [--repeat 3] [--cli /work/main/dist/cli/main.js]
 *
 * --cli restarts with another build (the fill always uses this tree's).
 *
 * With --cluster: three brokers on etcd (startCluster of --dist, default
 * this tree's dist/), broker.session.timeout.ms=2000, the same fill through
 * them (replication factor 3), then the leader of the offsets partition is
 * SIGKILLed: a surviving broker becomes its leader and loads it while it
 * serves its other traffic. Printed: kill -> the last group's offsets
 * served (through the ~2 s session timeout, the election and the load),
 * and the longest ApiVersions round trip on the two survivors meanwhile.
 *
 *   node bench/coordinator-load.mjs --cluster [--dist /work/main/dist] [--repeat 2]
 */
import * as net from 'node:net';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { createRequire } from 'node:module';
import { startBenchBroker } from './bench-broker.mjs';

const require = createRequire(import.meta.url);
const { KafkaClient, commitGroupOffsets, createTopics, fetchGroupOffsets } = require('../dist/client/index.js');

const opt = (name, dflt) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : dflt;
};
const GROUPS = opt('groups', 4000);
const PARTITIONS = opt('partitions', 100);
const REPEAT = opt('repeat', 3);
const cliAt = process.argv.indexOf('--cli');
/** Another build's cli/main.js for the restarts (A/B against main), e.g. /work/main/dist/cli/main.js. */
const CLI = cliAt >= 0 ? process.argv[cliAt + 1] : undefined;
const OVERRIDES = { 'offsets.topic.num.partitions': 1 };

/** ApiVersions v0 round trips every 5 ms on one connection; stop() gives the longest gap between answers. */
function probe(bootstrap) {
  const [host, port] = bootstrap.split(':');
  const s = net.connect(Number(port), host);
  const req = Buffer.from([0, 0, 0, 0, 0, 0x12, 0, 0, 0, 0, 0, 1, 0, 0]);
  req.writeInt32BE(req.length - 4, 0);
  const gaps = [];
  let t0 = 0;
  let timer = null;
  let stopped = false;
  const send = () => {
    t0 = performance.now();
    s.write(req);
  };
  s.on('data', () => {
    gaps.push(performance.now() - t0);
    if (!stopped) timer = setTimeout(send, 5);
  });
  s.on('connect', send);
  s.on('error', () => {});
  return {
    stop() {
      stopped = true;
      clearTimeout(timer);
      s.destroy();
      gaps.sort((a, b) => a - b);
      return { max: gaps.at(-1) ?? 0, p99: gaps[Math.floor(gaps.length * 0.99)] ?? 0, over50: gaps.filter((g) => g > 50).length, count: gaps.length };
    },
  };
}

const distAt = process.argv.indexOf('--dist');
const DIST = distAt >= 0 ? process.argv[distAt + 1] : new URL('../dist', import.meta.url).pathname;

/** The last group's offsets through `client`, retrying what a client retries while a coordinator moves or loads. */
async function fetchLast(client, group) {
  for (;;) {
    try {
      const fetched = await fetchGroupOffsets(client, group);
      const count = fetched.get('bench-topic')?.size ?? 0;
      if (count !== PARTITIONS) throw new Error(`group ${group}: ${count} offsets, expected ${PARTITIONS}`);
      return;
    } catch (err) {
      if (!/LOAD_IN_PROGRESS|NOT_COORDINATOR|COORDINATOR_NOT_AVAILABLE|ECONNREFUSED|closed|connect/i.test(String(err))) throw err;
      await new Promise((res) => setTimeout(res, 10));
    }
  }
}

async function fill(bootstrap, replicationFactor) {
  const started = performance.now();
  const client = await KafkaClient.connect(bootstrap);
  // Offsets are committed for partitions that exist.
  await createTopics(client, [{ name: 'bench-topic', partitions: PARTITIONS, replicationFactor }]);
  for (let g = 0; g < GROUPS; g++) {
    const offsets = Array.from({ length: PARTITIONS }, (_, p) => ({ topic: 'bench-topic', partition: p, offset: BigInt(g + p) }));
    await commitGroupOffsets(client, `group-${g}`, offsets);
  }
  await client.close();
  console.log(`filled ${GROUPS * PARTITIONS} offset records into one __consumer_offsets partition in ${Math.round(performance.now() - started)} ms`);
}

async function clusterRun(r) {
  const { startCluster } = require(path.join(DIST, 'index.js'));
  const cluster = await startCluster({ brokers: 3, config: { ...OVERRIDES, 'broker.session.timeout.ms': 2000 } });
  try {
    await fill(cluster.bootstrapServers, 1);
    const admin = await KafkaClient.connect(cluster.bootstrapServers);
    const md = await admin.metadata(['__consumer_offsets']);
    const leader = md.topics.get('__consumer_offsets').partitions[0].leaderId;
    await admin.close();
    const survivors = cluster.brokers.filter((b) => b.nodeId !== leader);
    const probes = survivors.map((b) => probe(`127.0.0.1:${b.port}`));
    const reader = await KafkaClient.connect(`127.0.0.1:${survivors[0].port}`);
    await new Promise((res) => setTimeout(res, 200));
    const t0 = performance.now();
    await cluster.kill(leader);
    await fetchLast(reader, `group-${GROUPS - 1}`);
    const servedMs = Math.round(performance.now() - t0);
    await new Promise((res) => setTimeout(res, 500));
    const gaps = probes.map((p) => p.stop());
    await reader.close();
    const worst = gaps.reduce((a, b) => (b.max > a.max ? b : a));
    console.log(`kill ${r + 1}: leader ${leader} SIGKILLed, last group's offsets served ${servedMs} ms later, longest ApiVersions round trip on the survivors ${worst.max.toFixed(1)} ms (p99 ${worst.p99.toFixed(1)} ms, ${gaps.reduce((n, g) => n + g.over50, 0)} of ${gaps.reduce((n, g) => n + g.count, 0)} over 50 ms)`);
  } finally {
    await cluster.close();
  }
}

if (process.argv.includes('--cluster')) {
  for (let r = 0; r < REPEAT; r++) await clusterRun(r);
  process.exit(0);
}

const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'weir-bench-coordload-'));
try {
  const filled = await startBenchBroker('coordload', OVERRIDES, { dataDir });
  await fill(filled.bootstrap, 1);
  await filled.stop();

  const last = `group-${GROUPS - 1}`;
  for (let r = 0; r < REPEAT; r++) {
    const t0 = performance.now();
    const broker = await startBenchBroker('coordload', OVERRIDES, { dataDir, cli: CLI });
    const bannerMs = Math.round(performance.now() - t0);
    const p = probe(broker.bootstrap);
    const reader = await KafkaClient.connect(broker.bootstrap);
    await fetchLast(reader, last);
    const servedMs = Math.round(performance.now() - t0);
    await new Promise((res) => setTimeout(res, 500));
    const gap = p.stop();
    await reader.close();
    const loadedLine = broker.output().split('\n').find((l) => l.includes('group coordinator loaded') || l.includes('loaded the groups of a __consumer_offsets partition')) ?? '';
    await broker.stop();
    console.log(`restart ${r + 1}: banner ${bannerMs} ms, last group's offsets served ${servedMs} ms, longest ApiVersions round trip after the banner ${gap.max.toFixed(1)} ms (p99 ${gap.p99.toFixed(1)} ms, ${gap.over50} of ${gap.count} over 50 ms) ${loadedLine.trim()}`);
  }
} finally {
  fs.rmSync(dataDir, { recursive: true, force: true });
}
