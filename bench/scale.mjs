#!/usr/bin/env node
// @ts-check
/**
 * How Weir grows with partitions and with connections. Numbers only; nothing
 * asserts a speed.
 *
 *   npm run build && node bench/scale.mjs [options]
 *
 * partitions  for each N: a fresh broker; CreateTopics of one N-partition
 *             topic; Metadata for it (median of 5); rdkafka_performance
 *             producing MESSAGES x 100 B spread over all N partitions, then a
 *             group consumer (-G) reading them all back; then a restart on
 *             the same data dir (time to the banner: every partition log is
 *             opened and recovered). RSS and broker CPU after each step.
 * connections 1,000 idle connections (each sent one ApiVersions, then
 *             nothing), then 100 active ones, each producing batches of 10 x
 *             100 B with acks=1 back to back for SECONDS; their throughput and
 *             per-request latency, RSS and broker CPU, and whether the idle
 *             ones all survived.
 *
 * Options:
 *   --suite partitions,connections
 *   --partitions 100,1000,10000   partition counts
 *   --messages N                  messages per partitions case (default 1,000,000)
 *   --idle N --active N --seconds S   connections case (default 1000, 100, 10)
 *   --cli FILE                    another build's dist/cli/main.js
 *   --json FILE
 */
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { startBenchBroker } from './bench-broker.mjs';
import { cpuSeconds, rssMB, runCommand as run } from './bench-process.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(path.join(ROOT, 'package.json'));
const PERF = path.join(ROOT, 'node_modules/node-rdkafka/deps/librdkafka/examples/rdkafka_performance');

function parseArgs(argv) {
  const o = { suites: ['partitions', 'connections'], partitions: [100, 1000, 10000], messages: 1_000_000, idle: 1000, active: 100, seconds: 10, cli: path.join(ROOT, 'dist/cli/main.js'), json: null };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const v = () => argv[++i];
    if (a === '--suite') o.suites = v().split(',');
    else if (a === '--partitions') o.partitions = v().split(',').map(Number);
    else if (a === '--messages') o.messages = Number(v());
    else if (a === '--idle') o.idle = Number(v());
    else if (a === '--active') o.active = Number(v());
    else if (a === '--seconds') o.seconds = Number(v());
    else if (a === '--cli') o.cli = path.resolve(v());
    else if (a === '--json') o.json = v();
    else throw new Error(`unknown option ${a}`);
  }
  return o;
}

const log = (msg) => process.stderr.write(`[scale ${new Date().toISOString().slice(11, 19)}] ${msg}\n`);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const load1 = () => os.loadavg()[0].toFixed(1);

/** `weir start` on `dataDir` (kept when the broker stops, for the restart). */
const startBroker = (cli, dataDir) => startBenchBroker('scale', {}, { cli, dataDir });

const { KafkaClient, ClientApis, createTopics } = require('./dist/client/index.js');

/** CreateTopics of one topic, waiting as long as the broker takes (the client's own call gives up after 30 s). */
async function createBigTopic(client, name, partitions) {
  const res = await client.send('controller', ClientApis.CreateTopics, () => ({
    topics: [{ name, numPartitions: partitions, replicationFactor: 1, assignments: [], configs: [] }],
    timeoutMs: 600_000,
    validateOnly: false,
  }), 600_000);
  if (res.topics[0]?.errorCode !== 0) throw new Error(`CreateTopics ${name}: error ${res.topics[0]?.errorCode}`);
}
const { encodeMessageToBuffer } = require('./dist/protocol/message-io.js');
const { ProduceRequestCodec, RequestHeaderCodec } = require('./dist/protocol/messages/index.js');
const { encodeRecordBatch } = require('./dist/protocol/records/index.js');

// ---------------------------------------------------------------- partitions

async function partitionsCase(o, n) {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'weir-scale-'));
  const row = { suite: 'partitions', partitions: n, messages: o.messages };
  let broker = await startBroker(o.cli, dataDir);
  try {
    await sleep(1000);
    row.idleRssMB = rssMB(broker.pid);
    const client = await KafkaClient.connect(broker.bootstrap, { clientId: 'scale' });
    try {
      let cpu0 = cpuSeconds(broker.pid);
      let t0 = performance.now();
      await createBigTopic(client, 'scale', n);
      row.createMs = Math.round(performance.now() - t0);
      row.createCpuS = Math.round((cpuSeconds(broker.pid) - cpu0) * 100) / 100;
      row.afterCreateRssMB = rssMB(broker.pid);
      const times = [];
      for (let i = 0; i < 5; i++) {
        t0 = performance.now();
        const md = await client.metadata(['scale']);
        times.push(performance.now() - t0);
        if (md.topics.get('scale')?.partitions.length !== n) throw new Error(`metadata shows ${md.topics.get('scale')?.partitions.length} partitions`);
      }
      times.sort((a, b) => a - b);
      row.metadataMs = Math.round(times[2] * 10) / 10;
    } finally {
      await client.close();
    }

    let cpu0 = cpuSeconds(broker.pid);
    const p = await run(PERF, ['-P', '-t', 'scale', '-b', broker.bootstrap, '-s', '100', '-a', '1', '-c', String(o.messages), '-X', 'linger.ms=5', '-X', 'batch.num.messages=10000', '-q'], 600_000);
    const pm = /(\d+) delivered .*? in (\d+)ms: (\d+) msgs\/s/.exec(p.out);
    row.produceMsgsPerSec = pm && Number(pm[1]) === o.messages ? Number(pm[3]) : `failed: ${p.out.trim().split('\n').slice(-2).join(' | ')}`;
    row.produceCpuUsPerMsg = Math.round(((cpuSeconds(broker.pid) - cpu0) * 1e6) / o.messages * 100) / 100;
    row.afterProduceRssMB = rssMB(broker.pid);

    cpu0 = cpuSeconds(broker.pid);
    const c = await run(PERF, ['-C', '-G', 'scale-group', '-t', 'scale', '-b', broker.bootstrap, '-c', String(o.messages), '-X', 'auto.offset.reset=earliest', '-q'], 600_000);
    const cm = /% (\d+) messages \(\d+ bytes\) consumed in (\d+)ms: (\d+) msgs\/s/.exec(c.out);
    row.consumeMsgsPerSec = cm && Number(cm[1]) >= o.messages ? Number(cm[3]) : `failed: ${c.out.trim().split('\n').slice(-2).join(' | ')}`;
    row.consumeCpuUsPerMsg = Math.round(((cpuSeconds(broker.pid) - cpu0) * 1e6) / o.messages * 100) / 100;
    row.afterConsumeRssMB = rssMB(broker.pid);

    await broker.stop();
    broker = await startBroker(o.cli, dataDir);
    row.restartToBannerMs = broker.startMs;
    await sleep(1000);
    row.afterRestartRssMB = rssMB(broker.pid);
    row.load = load1();
  } finally {
    await broker.stop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
  log(JSON.stringify(row));
  return row;
}

// ---------------------------------------------------------------- connections

/** A raw connection that sent one ApiVersions v0 and read its answer. */
function idleConnection(host, port) {
  return new Promise((resolve, reject) => {
    const s = net.connect(port, host);
    const req = Buffer.alloc(14);
    req.writeInt32BE(10, 0);
    req.writeInt16BE(18, 4); // ApiVersions
    req.writeInt16BE(0, 6);
    req.writeInt32BE(1, 8);
    req.writeInt16BE(-1, 12); // null client id
    s.once('connect', () => s.write(req));
    s.once('data', () => resolve(s));
    s.once('error', reject);
  });
}

/** A connection that produces one fixed request at a time: `roundTrip()` sends it and resolves on the answer. */
function activeConnection(host, port, partition) {
  const value = Buffer.alloc(100, 'x');
  const batch = encodeRecordBatch(Array.from({ length: 10 }, () => ({ key: null, value, timestamp: BigInt(Date.now()) })));
  const header = encodeMessageToBuffer(RequestHeaderCodec, { requestApiKey: 0, requestApiVersion: 7, correlationId: 1, clientId: 'scale' }, 1);
  const body = encodeMessageToBuffer(ProduceRequestCodec, { transactionalId: null, acks: 1, timeoutMs: 30000, topicData: [{ name: 'conns', partitionData: [{ index: partition, records: batch }] }] }, 7);
  const frame = Buffer.alloc(4 + header.length + body.length);
  frame.writeInt32BE(header.length + body.length, 0);
  header.copy(frame, 4);
  body.copy(frame, 4 + header.length);
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, host);
    socket.setNoDelay(true);
    let pending = Buffer.alloc(0);
    let waiter = null;
    socket.on('data', (d) => {
      pending = Buffer.concat([pending, d]);
      while (pending.length >= 4 && pending.length >= 4 + pending.readInt32BE(0)) {
        pending = pending.subarray(4 + pending.readInt32BE(0));
        const w = waiter;
        waiter = null;
        w?.();
      }
    });
    socket.once('error', reject);
    socket.once('connect', () =>
      resolve({
        socket,
        roundTrip: () => new Promise((r) => {
          waiter = r;
          socket.write(frame);
        }),
      }),
    );
  });
}

async function connectionsCase(o) {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'weir-scale-conn-'));
  const broker = await startBroker(o.cli, dataDir);
  const row = { suite: 'connections', idle: o.idle, active: o.active, seconds: o.seconds };
  const idle = [];
  const clients = [];
  try {
    const [host, portText] = broker.bootstrap.split(':');
    const port = Number(portText);
    await sleep(1000);
    row.idleRssMB = rssMB(broker.pid);
    for (let i = 0; i < o.idle; i++) idle.push(await idleConnection(host, port));
    let closedIdle = 0;
    for (const s of idle) s.once('close', () => closedIdle++);
    await sleep(1000);
    row.withIdleRssMB = rssMB(broker.pid);

    const admin = await KafkaClient.connect(broker.bootstrap, { clientId: 'scale-admin' });
    await createTopics(admin, [{ name: 'conns', partitions: 10 }]);
    await admin.close();
    // Each active connection sends one pre-encoded Produce v7 (acks=1, a batch of
    // 10 x 100 B to partition i % 10) and waits for the answer, back to back: the
    // load generator costs next to nothing, so the broker is what is measured.
    for (let i = 0; i < o.active; i++) clients.push(await activeConnection(host, port, i % 10));
    const latencies = [];
    let requests = 0;
    const cpu0 = cpuSeconds(broker.pid);
    const t0 = performance.now();
    const end = t0 + o.seconds * 1000;
    await Promise.all(
      clients.map(async (c) => {
        while (performance.now() < end) {
          const s = performance.now();
          await c.roundTrip();
          latencies.push(performance.now() - s);
          requests++;
        }
      }),
    );
    const seconds = (performance.now() - t0) / 1000;
    row.brokerCpuPct = Math.round(((cpuSeconds(broker.pid) - cpu0) / seconds) * 100);
    row.requestsPerSec = Math.round(requests / seconds);
    row.recordsPerSec = Math.round((requests * 10) / seconds);
    latencies.sort((a, b) => a - b);
    const pct = (p) => Math.round(latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))] * 100) / 100;
    row.p50Ms = pct(50);
    row.p99Ms = pct(99);
    row.activeRssMB = rssMB(broker.pid);
    row.idleStillOpen = o.idle - closedIdle;
    row.load = load1();
  } finally {
    for (const c of clients) c.socket.destroy();
    for (const s of idle) s.destroy();
    await broker.stop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
  log(JSON.stringify(row));
  return row;
}

// ---------------------------------------------------------------- main

async function main() {
  const o = parseArgs(process.argv.slice(2));
  log(`node ${process.version}, ${os.cpus().length} cores, load average ${os.loadavg().map((x) => x.toFixed(2)).join(' ')}, broker ${o.cli}`);
  const results = [];
  if (o.suites.includes('partitions')) for (const n of o.partitions) results.push(await partitionsCase(o, n));
  if (o.suites.includes('connections')) results.push(await connectionsCase(o));
  const lines = [];
  const parts = results.filter((r) => r.suite === 'partitions');
  if (parts.length) {
    lines.push(`| partitions | CreateTopics ms (broker CPU s) | Metadata ms | produce msg/s (µs CPU/msg) | consume msg/s (µs CPU/msg) | restart to banner ms | RSS MB: idle / created / produced / consumed / restarted | load |`);
    lines.push('| ---: | ---: | ---: | ---: | ---: | ---: | --- | ---: |');
    for (const r of parts) {
      const fmt = (x) => (typeof x === 'number' ? x.toLocaleString('en') : x);
      lines.push(`| ${r.partitions.toLocaleString('en')} | ${r.createMs} (${r.createCpuS}) | ${r.metadataMs} | ${fmt(r.produceMsgsPerSec)} (${r.produceCpuUsPerMsg}) | ${fmt(r.consumeMsgsPerSec)} (${r.consumeCpuUsPerMsg}) | ${r.restartToBannerMs} | ${r.idleRssMB} / ${r.afterCreateRssMB} / ${r.afterProduceRssMB} / ${r.afterConsumeRssMB} / ${r.afterRestartRssMB} | ${r.load} |`);
    }
  }
  for (const r of results.filter((x) => x.suite === 'connections')) {
    lines.push('', `${r.idle} idle + ${r.active} active connections (${r.seconds} s of acks=1 produce, 10 x 100 B per request): ${r.requestsPerSec.toLocaleString('en')} requests/s (${r.recordsPerSec.toLocaleString('en')} records/s), latency p50 ${r.p50Ms} ms p99 ${r.p99Ms} ms, broker CPU ${r.brokerCpuPct}%; RSS idle ${r.idleRssMB} MB, with ${r.idle} idle connections ${r.withIdleRssMB} MB, with the active ones working ${r.activeRssMB} MB; idle connections still open at the end: ${r.idleStillOpen}/${r.idle}; load ${r.load}`);
  }
  process.stdout.write(lines.join('\n') + '\n');
  if (o.json) fs.writeFileSync(o.json, JSON.stringify({ date: new Date().toISOString(), results }, null, 2));
}

main().catch((err) => {
  process.stderr.write(`scale: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
