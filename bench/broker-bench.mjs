#!/usr/bin/env node
/**
 * Broker benchmarks: the compiled broker (dist/) in a child process, real
 * clients over loopback, numbers out. Nothing here asserts a speed.
 *
 *   npm run build && node bench/broker-bench.mjs [options]
 *
 * Suites (default: all, in this order):
 *   rdkafka   librdkafka's rdkafka_performance: produce then consume, for
 *             {100 B, 1 KiB} x {1, 8 partitions}, a fresh broker and data dir
 *             per case
 *   node      node-rdkafka and kafkajs produce / consume from Node (in a child
 *             process, so the harness's own event loop stays out of it)
 *   latency   rdkafka_performance -l at a fixed rate, acks=1, linger.ms=0:
 *             per-message produce latency from delivery reports, p50/p99
 *   startup   spawn -> first accepted TCP connection, median of N
 *   rss       VmRSS idle (3 s and 20 s after the banner: V8's memory reducer
 *             gives start-up's young generation back in between), after
 *             producing 1M x 100 B, after consuming them
 *
 * Options:
 *   --suite a,b      run only these suites
 *   --repeat N       repeat each rdkafka case N times (default 1)
 *   --scale F        multiply message counts by F (default 1; 0.1 for a smoke run)
 *   --json FILE      also write every measurement as JSON
 *   --cpu-prof DIR   run the broker under `node --cpu-prof --cpu-prof-dir DIR`
 *                    (summarise with bench/cpuprofile-top.mjs)
 *   --broker-arg X   extra argument for `weir start` (repeatable)
 *   --node-arg X     extra Node flag for the broker process (repeatable), e.g.
 *                    --node-arg=--max-semi-space-size=32
 *   --report FILE    print the tables of an earlier --json FILE and exit
 *   --cli FILE       the broker's compiled cli/main.js (default dist/cli/main.js;
 *                    for A/B runs against another build)
 *   --acks N         the rdkafka suite's produce acks (default 1; -1 for acks=all)
 *
 * Every child has a time limit; brokers are stopped with SIGTERM (SIGKILL
 * after 10 s) and their data dirs removed. Loopback only.
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(path.join(ROOT, 'package.json'));
let CLI = path.join(ROOT, 'dist/cli/main.js');
/** rdkafka_performance's -a for the rdkafka suite's produce runs. */
let ACKS = '1';
const PERF = path.join(ROOT, 'node_modules/node-rdkafka/deps/librdkafka/examples/rdkafka_performance');
const CLK_TCK = 100;

// ---------------------------------------------------------------- options

/** @typedef {{ suites: string[], repeat: number, scale: number, json: string | null, cpuProfDir: string | null, brokerArgs: string[], nodeArgs: string[] }} Options */

/** @returns {Options} */
function parseArgs(argv) {
  /** @type {Options} */
  const o = { suites: ['rdkafka', 'node', 'latency', 'startup', 'rss'], repeat: 1, scale: 1, json: null, cpuProfDir: null, brokerArgs: [], nodeArgs: [] };
  for (let i = 0; i < argv.length; i++) {
    let a = argv[i];
    if (a.startsWith('--') && a.includes('=')) {
      // --name=value: the value may itself start with --
      argv = [...argv.slice(0, i), a.slice(0, a.indexOf('=')), a.slice(a.indexOf('=') + 1), ...argv.slice(i + 1)];
      a = argv[i];
    }
    const v = () => {
      const x = argv[++i];
      if (x === undefined) throw new Error(`${a} needs a value`);
      return x;
    };
    if (a === '--suite') o.suites = v().split(',');
    else if (a === '--repeat') o.repeat = Number(v());
    else if (a === '--scale') o.scale = Number(v());
    else if (a === '--json') o.json = v();
    else if (a === '--cpu-prof') o.cpuProfDir = path.resolve(v());
    else if (a === '--broker-arg') o.brokerArgs.push(v());
    else if (a === '--cli') CLI = path.resolve(v());
    else if (a === '--node-arg') o.nodeArgs.push(v());
    else if (a === '--acks') ACKS = v();
    else throw new Error(`unknown option ${a}`);
  }
  return o;
}

// ---------------------------------------------------------------- helpers

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function log(...args) {
  process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${args.join(' ')}\n`);
}

/** @param {number} pid */
function procStatus(pid) {
  const text = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (k) => Number((new RegExp(`^${k}:\\s+(\\d+) kB`, 'm').exec(text) ?? [])[1] ?? NaN);
  return { rssMB: kb('VmRSS') / 1024, hwmMB: kb('VmHWM') / 1024 };
}

/** CPU seconds (user + system) used so far by `pid`. */
function cpuSeconds(pid) {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / CLK_TCK;
}

function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = /** @type {net.AddressInfo} */ (s.address()).port;
      s.close(() => resolve(port));
    });
  });
}

function tryConnect(port) {
  return new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1');
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}

function percentile(sorted, p) {
  if (sorted.length === 0) return NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i];
}

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return percentile(s, 50);
}

/**
 * Runs a command to completion with a time limit.
 * @returns {Promise<{ code: number | null, stdout: string, stderr: string, timedOut: boolean, ms: number }>}
 */
function run(cmd, args, { timeoutMs = 60_000, env = process.env } = {}) {
  return new Promise((resolve) => {
    const t0 = performance.now();
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], env });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, timeoutMs);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr, timedOut, ms: performance.now() - t0 });
    });
  });
}

// ---------------------------------------------------------------- broker

/**
 * @typedef {{ pid: number, bootstrap: string, port: number, dataDir: string, startupMs: number, stop: () => Promise<void>, output: () => string }} BrokerProc
 */

/**
 * Starts `weir start` on a fresh temp data dir and waits for its banner.
 * @param {{ partitions?: number, port?: number, extra?: string[], nodeArgs?: string[], cpuProfDir?: string | null }} o
 * @returns {Promise<BrokerProc>}
 */
async function startBroker(o = {}) {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'weir-bench-'));
  const nodeArgs = [...(o.nodeArgs ?? []), ...(o.cpuProfDir ? ['--cpu-prof', '--cpu-prof-dir', o.cpuProfDir] : [])];
  const args = [
    ...nodeArgs, CLI, 'start', '--port', String(o.port ?? 0), '--data-dir', dataDir,
    '--override', `num.partitions=${o.partitions ?? 1}`, ...(o.extra ?? []),
  ];
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stderr.on('data', (d) => (out += d));
  const banner = await new Promise((resolve, reject) => {
    let buf = '';
    const timer = setTimeout(() => reject(new Error(`broker gave no banner in 15 s:\n${buf}${out}`)), 15_000);
    child.stdout.on('data', (d) => {
      buf += d;
      out += d;
      if (out.length > 1e6) out = out.slice(-1e5);
      const m = /"bootstrapServers":"([^"]+)".*?"startupMs":(\d+)/.exec(buf);
      if (m) {
        clearTimeout(timer);
        buf = '';
        resolve({ bootstrap: m[1], startupMs: Number(m[2]) });
      }
    });
    child.once('exit', (code) => reject(new Error(`broker exited (${code}) before its banner:\n${out}`)));
  });
  const exited = new Promise((r) => child.once('exit', r));
  return {
    pid: /** @type {number} */ (child.pid),
    bootstrap: banner.bootstrap,
    port: Number(banner.bootstrap.split(':').pop()),
    dataDir,
    startupMs: banner.startupMs,
    output: () => out,
    async stop() {
      child.kill('SIGTERM');
      const t = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(t);
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** The API keys a broker serves (ApiVersions v0 over a raw socket). */
function servedApiKeys(port) {
  return new Promise((resolve, reject) => {
    const s = net.connect(port, '127.0.0.1');
    const req = Buffer.alloc(4 + 2 + 2 + 4 + 2);
    req.writeInt32BE(req.length - 4, 0);
    req.writeInt16BE(18, 4); // ApiVersions
    req.writeInt16BE(0, 6);
    req.writeInt32BE(1, 8);
    req.writeInt16BE(-1, 12); // null client id
    let buf = Buffer.alloc(0);
    s.on('connect', () => s.write(req));
    s.on('data', (d) => {
      buf = Buffer.concat([buf, d]);
      if (buf.length < 4 || buf.length < 4 + buf.readInt32BE(0)) return;
      const n = buf.readInt32BE(4 + 4 + 2);
      const keys = new Set();
      for (let i = 0; i < n; i++) keys.add(buf.readInt16BE(4 + 4 + 2 + 4 + i * 6));
      s.destroy();
      resolve(keys);
    });
    s.on('error', reject);
    setTimeout(() => {
      s.destroy();
      reject(new Error('ApiVersions timed out'));
    }, 5000);
  });
}

// ---------------------------------------------------------------- rdkafka_performance

const PRODUCE_RE = /% (\d+) messages produced \((\d+) bytes\), (\d+) delivered \(offset (-?\d+), (\d+) failed\) in (\d+)ms: (\d+) msgs\/s and ([\d.]+) MB\/s/;
const CONSUME_RE = /% (\d+) messages \((\d+) bytes\) consumed in (\d+)ms: (\d+) msgs\/s \(([\d.]+) MB\/s\)/;

function perfProduceArgs(bootstrap, topic, size, count) {
  return ['-P', '-t', topic, '-b', bootstrap, '-s', String(size), '-a', ACKS, '-c', String(count), '-X', 'linger.ms=5', '-X', 'batch.num.messages=10000', '-q'];
}

function perfConsumeArgs(bootstrap, topic, partitions, count) {
  const ps = [];
  for (let p = 0; p < partitions; p++) ps.push('-p', String(p));
  return ['-C', '-t', topic, ...ps, '-b', bootstrap, '-o', 'beginning', '-c', String(count), '-q'];
}

/** Shell-quoted command line for the report, with the broker address as $BOOTSTRAP. */
function shown(args, bootstrap) {
  const rel = path.relative(ROOT, PERF);
  return [rel, ...args].map((a) => (a === bootstrap ? '$BOOTSTRAP' : a)).join(' ');
}

async function perfRun(kind, args, broker) {
  const cpu0 = cpuSeconds(broker.pid);
  const r = await run(PERF, args, { timeoutMs: 90_000 });
  const cpu1 = cpuSeconds(broker.pid);
  const text = r.stdout + r.stderr;
  const m = (kind === 'produce' ? PRODUCE_RE : CONSUME_RE).exec(text);
  if (!m || r.timedOut) {
    return { ok: false, error: r.timedOut ? 'timed out' : `no summary (exit ${r.code}): ${text.split('\n').slice(-5).join(' | ')}` };
  }
  const res = kind === 'produce'
    ? { ok: Number(m[3]) === Number(m[1]) && Number(m[5]) === 0, messages: Number(m[3]), ms: Number(m[6]), msgsPerSec: Number(m[7]), mbPerSec: Number(m[8]) }
    : { ok: true, messages: Number(m[1]), ms: Number(m[3]), msgsPerSec: Number(m[4]), mbPerSec: Number(m[5]) };
  // Broker CPU over the client's whole run (start-up and tear-down included).
  res.brokerCpuPct = Math.round(((cpu1 - cpu0) / (r.ms / 1000)) * 100);
  res.brokerCpuS = Math.round((cpu1 - cpu0) * 100) / 100;
  return res;
}

async function suiteRdkafka(o, results) {
  const cases = [];
  for (const partitions of [1, 8]) {
    for (const size of [100, 1024]) cases.push({ partitions, size, count: Math.round((size === 100 ? 5_000_000 : 1_000_000) * o.scale) });
  }
  for (let rep = 0; rep < o.repeat; rep++) {
    for (const c of cases) {
      const broker = await startBroker({ partitions: c.partitions, extra: o.brokerArgs, nodeArgs: o.nodeArgs, cpuProfDir: o.cpuProfDir });
      try {
        const topic = `perf-${c.size}-${c.partitions}`;
        const pArgs = perfProduceArgs(broker.bootstrap, topic, c.size, c.count);
        const prod = await perfRun('produce', pArgs, broker);
        const cArgs = perfConsumeArgs(broker.bootstrap, topic, c.partitions, c.count);
        const cons = prod.ok ? await perfRun('consume', cArgs, broker) : { ok: false, error: 'produce failed' };
        const row = { suite: 'rdkafka', rep, ...c, produce: prod, consume: cons, commands: { produce: shown(pArgs, broker.bootstrap), consume: shown(cArgs, broker.bootstrap) } };
        results.push(row);
        log(`rdkafka ${c.size} B x ${c.partitions}p rep ${rep}: produce ${fmtRate(prod)}, consume ${fmtRate(cons)}`);
      } finally {
        await broker.stop();
      }
    }
  }
}

function fmtRate(r) {
  if (!r.ok) return `FAILED (${r.error ?? 'incomplete'})`;
  return `${Math.round(r.msgsPerSec).toLocaleString('en')} msg/s ${r.mbPerSec.toFixed(1)} MB/s (broker CPU ${r.brokerCpuPct}%)`;
}

// ---------------------------------------------------------------- Node clients

/**
 * Runs one client workload in a child process (this file with --client) and
 * returns what it printed as JSON.
 */
async function clientRun(spec, broker) {
  const cpu0 = cpuSeconds(broker.pid);
  const r = await run(process.execPath, [fileURLToPath(import.meta.url), '--client', JSON.stringify(spec)], { timeoutMs: 120_000 });
  const cpu1 = cpuSeconds(broker.pid);
  const line = r.stdout.trim().split('\n').pop() ?? '';
  try {
    const res = JSON.parse(line);
    res.brokerCpuPct = Math.round(((cpu1 - cpu0) / (r.ms / 1000)) * 100);
    res.brokerCpuS = Math.round((cpu1 - cpu0) * 100) / 100;
    return res;
  } catch {
    return { ok: false, error: r.timedOut ? 'timed out' : `exit ${r.code}: ${(r.stderr || r.stdout).split('\n').slice(-4).join(' | ')}` };
  }
}

async function suiteNode(o, results) {
  for (const partitions of [1, 8]) {
    for (const size of [100, 1024]) {
      const broker = await startBroker({ partitions, extra: o.brokerArgs, nodeArgs: o.nodeArgs, cpuProfDir: o.cpuProfDir });
      try {
        const apis = await servedApiKeys(broker.port);
        const groups = apis.has(10) && apis.has(11) && apis.has(14);
        for (const client of ['node-rdkafka', 'kafkajs']) {
          const count = Math.round((client === 'kafkajs' ? 300_000 : 1_000_000) * (size === 100 ? 1 : 0.5) * o.scale);
          const topic = `${client}-${size}-${partitions}`;
          const base = { client, bootstrap: broker.bootstrap, topic, size, count, partitions };
          const prod = await clientRun({ ...base, mode: 'produce' }, broker);
          let cons;
          if (!prod.ok) cons = { ok: false, error: 'produce failed' };
          else if (client === 'kafkajs' && !groups) cons = { ok: false, skipped: true, error: 'kafkajs consumes only in a group; the broker serves no FindCoordinator/JoinGroup/SyncGroup yet' };
          else cons = await clientRun({ ...base, mode: 'consume' }, broker);
          results.push({ suite: 'node', client, size, partitions, count, produce: prod, consume: cons });
          log(`${client} ${size} B x ${partitions}p: produce ${fmtRate(prod)}, consume ${fmtRate(cons)}`);
        }
      } finally {
        await broker.stop();
      }
    }
  }
}

/** The --client side: one workload, one JSON line on stdout. */
async function clientMain(spec) {
  const payload = Buffer.alloc(spec.size, 'x');
  if (spec.client === 'node-rdkafka') {
    const Kafka = require('node-rdkafka');
    if (spec.mode === 'produce') {
      const p = new Kafka.Producer({
        'metadata.broker.list': spec.bootstrap, 'linger.ms': 5, 'batch.num.messages': 10000,
        'queue.buffering.max.messages': 500000, 'request.required.acks': 1, dr_cb: true,
      });
      await new Promise((res, rej) => p.connect({ topic: spec.topic, allTopics: false }, (e) => (e ? rej(e) : res())));
      let delivered = 0;
      let failed = 0;
      const done = new Promise((res) => p.on('delivery-report', (err) => {
        if (err) failed++;
        else delivered++;
        if (delivered + failed === spec.count) res();
      }));
      p.setPollInterval(5);
      const t0 = performance.now();
      let sent = 0;
      while (sent < spec.count) {
        try {
          p.produce(spec.topic, null, payload, null, null);
          sent++;
          if (sent % 5000 === 0) await new Promise(setImmediate);
        } catch {
          await sleep(1); // queue full: let deliveries drain
        }
      }
      await done;
      const ms = performance.now() - t0;
      await new Promise((res) => p.disconnect(res));
      return result(failed === 0, delivered, ms, spec.size);
    }
    const c = new Kafka.KafkaConsumer(
      { 'group.id': 'bench', 'metadata.broker.list': spec.bootstrap, 'enable.auto.commit': false },
      { 'auto.offset.reset': 'earliest' },
    );
    // allTopics: false: only this topic's metadata before the clock starts.
    await new Promise((res, rej) => c.connect({ topic: spec.topic, allTopics: false }, (e) => (e ? rej(e) : res())));
    const parts = [];
    for (let i = 0; i < spec.partitions; i++) parts.push({ topic: spec.topic, partition: i, offset: 0 });
    c.assign(parts);
    let n = 0;
    let t0 = 0;
    while (n < spec.count) {
      const msgs = await new Promise((res, rej) => c.consume(10000, (e, m) => (e ? rej(e) : res(m))));
      if (msgs.length > 0 && t0 === 0) t0 = performance.now();
      n += msgs.length;
    }
    const ms = performance.now() - t0;
    c.disconnect();
    return result(true, n, ms, spec.size);
  }
  if (spec.client === 'kafkajs') {
    const { Kafka, logLevel, Partitioners } = require('kafkajs');
    const kafka = new Kafka({ clientId: 'bench', brokers: [spec.bootstrap], logLevel: logLevel.NOTHING });
    if (spec.mode === 'produce') {
      const p = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner, allowAutoTopicCreation: true });
      await p.connect();
      const batch = 1000;
      const messages = [];
      for (let i = 0; i < batch; i++) messages.push({ value: payload });
      // Warm the topic (auto-create) before the clock starts.
      await p.send({ topic: spec.topic, acks: 1, messages: [{ value: payload }] });
      const t0 = performance.now();
      let sent = 0;
      const inFlight = new Set();
      while (sent < spec.count) {
        const n = Math.min(batch, spec.count - sent);
        const pr = p.send({ topic: spec.topic, acks: 1, messages: n === batch ? messages : messages.slice(0, n) });
        sent += n;
        inFlight.add(pr);
        pr.finally(() => inFlight.delete(pr));
        if (inFlight.size >= 8) await Promise.race(inFlight);
      }
      await Promise.all(inFlight);
      const ms = performance.now() - t0;
      await p.disconnect();
      return result(true, sent, ms, spec.size);
    }
    const c = kafka.consumer({ groupId: 'bench' });
    await c.connect();
    await c.subscribe({ topic: spec.topic, fromBeginning: true });
    let n = 0;
    let t0 = 0;
    let finish;
    const done = new Promise((r) => (finish = r));
    await c.run({
      eachBatch: async ({ batch }) => {
        if (t0 === 0) t0 = performance.now();
        n += batch.messages.length;
        if (n >= spec.count) finish();
      },
    });
    await done;
    const ms = performance.now() - t0;
    await c.disconnect();
    return result(true, n, ms, spec.size);
  }
  throw new Error(`unknown client ${spec.client}`);
}

function result(ok, messages, ms, size) {
  return { ok, messages, ms: Math.round(ms), msgsPerSec: (messages / ms) * 1000, mbPerSec: (messages * size) / ms / 1000 };
}

// ---------------------------------------------------------------- latency

async function suiteLatency(o, results) {
  const rate = 10_000;
  const seconds = Math.max(1, Math.round(10 * o.scale));
  for (const partitions of [1]) {
    const broker = await startBroker({ partitions, extra: o.brokerArgs, nodeArgs: o.nodeArgs, cpuProfDir: o.cpuProfDir });
    const file = path.join(os.tmpdir(), `weir-bench-latency-${process.pid}.txt`);
    try {
      // Warm-up (topic auto-create, connections) outside the measurement.
      await run(PERF, perfProduceArgs(broker.bootstrap, 'latency', 100, 1000), { timeoutMs: 30_000 });
      const args = ['-P', '-t', 'latency', '-b', broker.bootstrap, '-s', '100', '-a', '1', '-r', String(rate), '-c', String(rate * seconds), '-l', '-A', file, '-X', 'linger.ms=0', '-q'];
      const r = await run(PERF, args, { timeoutMs: (seconds + 30) * 1000 });
      const us = fs.existsSync(file) ? fs.readFileSync(file, 'utf8').split('\n').filter(Boolean).map(Number).sort((a, b) => a - b) : [];
      const ms = (x) => Math.round(x / 10) / 100;
      const row = {
        suite: 'latency', rate, seconds, partitions, samples: us.length, ok: us.length > 0 && !r.timedOut,
        p50Ms: ms(percentile(us, 50)), p90Ms: ms(percentile(us, 90)), p99Ms: ms(percentile(us, 99)), p999Ms: ms(percentile(us, 99.9)), maxMs: ms(us[us.length - 1] ?? NaN),
        command: shown(args, broker.bootstrap).replace(file, 'latencies.txt'),
      };
      results.push(row);
      log(`latency ${rate}/s x ${seconds}s: p50 ${row.p50Ms} ms, p99 ${row.p99Ms} ms, p99.9 ${row.p999Ms} ms, max ${row.maxMs} ms (${us.length} samples)`);
    } finally {
      fs.rmSync(file, { force: true });
      await broker.stop();
    }
  }
}

// ---------------------------------------------------------------- startup

/**
 * Spawn -> first accepted TCP connection, polled every millisecond, for
 * `argsFor(port, dataDir)`; the child is stopped with SIGTERM afterwards.
 */
async function timeToFirstConnection(argsFor, waitForBanner) {
  const port = await freePort();
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'weir-bench-start-'));
  const t0 = performance.now();
  const child = spawn(process.execPath, argsFor(port, dataDir), { stdio: ['ignore', 'pipe', 'inherit'] });
  let banner = '';
  let tBanner = NaN;
  child.stdout.on('data', (d) => {
    banner += d;
    if (Number.isNaN(tBanner) && banner.includes('bootstrapServers')) tBanner = performance.now() - t0;
  });
  let tConnect = NaN;
  let cpuMs = NaN;
  const deadline = t0 + 15_000;
  while (performance.now() < deadline) {
    if (await tryConnect(port)) {
      tConnect = performance.now() - t0;
      // CPU the process spent to get there: far steadier than wall-clock on a busy machine.
      cpuMs = cpuSeconds(/** @type {number} */ (child.pid)) * 1000;
      break;
    }
    await sleep(1);
  }
  while (waitForBanner && Number.isNaN(tBanner) && performance.now() < deadline) await sleep(5);
  const m = /"startupMs":(\d+)/.exec(banner);
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  await exited;
  fs.rmSync(dataDir, { recursive: true, force: true });
  return { connectMs: tConnect, cpuMs, bannerMs: tBanner, internalMs: m ? Number(m[1]) : NaN };
}

/** A bare Node process that listens and does nothing else: the floor a broker start-up is compared with. */
const BARE_LISTEN = "require('net').createServer().listen(Number(process.argv[1]), '127.0.0.1'); process.on('SIGTERM', () => process.exit(0));";

async function suiteStartup(o, results) {
  const n = 11;
  const broker = [];
  const bareListen = [];
  // Alternating, so both see the same machine.
  for (let i = 0; i < n; i++) {
    broker.push(await timeToFirstConnection((port, dataDir) => [...o.nodeArgs, CLI, 'start', '--port', String(port), '--data-dir', dataDir], true));
    bareListen.push(await timeToFirstConnection((port) => ['-e', BARE_LISTEN, String(port)], false));
  }
  const connectMs = broker.map((r) => r.connectMs);
  const row = {
    suite: 'startup', runs: n,
    connectMsMedian: Math.round(median(connectMs)), connectMsMin: Math.round(Math.min(...connectMs)), connectMsMax: Math.round(Math.max(...connectMs)),
    bannerMsMedian: Math.round(median(broker.map((r) => r.bannerMs))), internalStartupMsMedian: median(broker.map((r) => r.internalMs)),
    bareListenMsMedian: Math.round(median(bareListen.map((r) => r.connectMs))), loadAverage: os.loadavg()[0],
    cpuMsMedian: median(broker.map((r) => r.cpuMs)), bareListenCpuMsMedian: median(bareListen.map((r) => r.cpuMs)),
  };
  row.ratioToBareListen = Math.round((row.connectMsMedian / row.bareListenMsMedian) * 100) / 100;
  results.push(row);
  log(`startup: spawn -> first connect median ${row.connectMsMedian} ms (min ${row.connectMsMin}, max ${row.connectMsMax}); banner ${row.bannerMsMedian} ms; broker's own startupMs ${row.internalStartupMsMedian}; bare node listen ${row.bareListenMsMedian} ms (x${row.ratioToBareListen}); CPU to first connection ${row.cpuMsMedian} ms vs bare listen ${row.bareListenCpuMsMedian} ms; load ${row.loadAverage.toFixed(1)}`);
}

// ---------------------------------------------------------------- rss

async function suiteRss(o, results) {
  const broker = await startBroker({ partitions: 1, extra: o.brokerArgs, nodeArgs: o.nodeArgs });
  try {
    await sleep(3000);
    const idle = procStatus(broker.pid);
    await sleep(17_000);
    const idleLater = procStatus(broker.pid);
    const count = Math.round(1_000_000 * o.scale);
    const prod = await perfRun('produce', perfProduceArgs(broker.bootstrap, 'rss', 100, count), broker);
    const afterProduce = procStatus(broker.pid);
    const cons = await perfRun('consume', perfConsumeArgs(broker.bootstrap, 'rss', 1, count), broker);
    const afterConsume = procStatus(broker.pid);
    await sleep(5000);
    const settled = procStatus(broker.pid);
    const r2 = (x) => Math.round(x * 10) / 10;
    const row = {
      suite: 'rss', messages: count, size: 100, ok: prod.ok && cons.ok,
      idleMB: r2(idle.rssMB), idle20sMB: r2(idleLater.rssMB), afterProduceMB: r2(afterProduce.rssMB), afterConsumeMB: r2(afterConsume.rssMB), settledMB: r2(settled.rssMB), peakMB: r2(settled.hwmMB),
    };
    results.push(row);
    log(`rss: idle ${row.idleMB} MB, 20 s after the banner ${row.idle20sMB} MB, after produce ${row.afterProduceMB} MB, after consume ${row.afterConsumeMB} MB, 5 s later ${row.settledMB} MB, peak ${row.peakMB} MB`);
  } finally {
    await broker.stop();
  }
}

// ---------------------------------------------------------------- report

function report(results, o) {
  const lines = [];
  const rate = (r) => (r && r.ok ? `${Math.round(r.msgsPerSec).toLocaleString('en')} | ${r.mbPerSec.toFixed(1)}` : `${r?.skipped ? 'n/a' : 'failed'} | –`);
  const tput = results.filter((r) => r.suite === 'rdkafka' || r.suite === 'node');
  if (tput.length) {
    lines.push('| client | size | partitions | messages | produce msg/s | produce MB/s | consume msg/s | consume MB/s | broker CPU % (P/C) | broker CPU s (P/C) |');
    lines.push('| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
    for (const r of tput) {
      const client = r.suite === 'rdkafka' ? `rdkafka_performance${o.repeat > 1 ? ` #${r.rep + 1}` : ''}` : r.client;
      lines.push(`| ${client} | ${r.size} B | ${r.partitions} | ${r.count.toLocaleString('en')} | ${rate(r.produce)} | ${rate(r.consume)} | ${r.produce.brokerCpuPct ?? '–'} / ${r.consume.brokerCpuPct ?? '–'} | ${r.produce.brokerCpuS ?? '–'} / ${r.consume.brokerCpuS ?? '–'} |`);
    }
  }
  for (const r of results) {
    if (r.suite === 'latency') lines.push('', `latency (${r.rate} msg/s x ${r.seconds} s, 100 B, acks=1, linger.ms=0, ${r.samples} samples): p50 ${r.p50Ms} ms, p90 ${r.p90Ms} ms, p99 ${r.p99Ms} ms, p99.9 ${r.p999Ms} ms, max ${r.maxMs} ms`);
    if (r.suite === 'startup') lines.push('', `startup (median of ${r.runs}, alternating with a bare node listen): spawn -> first accepted connection ${r.connectMsMedian} ms (min ${r.connectMsMin}, max ${r.connectMsMax}); banner line ${r.bannerMsMedian} ms; broker's own startupMs ${r.internalStartupMsMedian}; bare node listen ${r.bareListenMsMedian} ms (broker x${r.ratioToBareListen}); CPU to first connection ${r.cpuMsMedian} ms (bare listen ${r.bareListenCpuMsMedian} ms); load average ${r.loadAverage?.toFixed(1)}`);
    if (r.suite === 'rss') lines.push('', `RSS: idle ${r.idleMB} MB (20 s after the banner ${r.idle20sMB ?? '-'} MB); after producing ${r.messages.toLocaleString('en')} x ${r.size} B ${r.afterProduceMB} MB; after consuming them ${r.afterConsumeMB} MB; 5 s later ${r.settledMB} MB; peak (VmHWM) ${r.peakMB} MB`);
  }
  const cmds = results.filter((r) => r.suite === 'rdkafka' && r.rep === 0);
  if (cmds.length) {
    lines.push('', 'rdkafka_performance commands ($BOOTSTRAP from the broker banner):', '');
    for (const r of cmds) lines.push(`    ${r.commands.produce}`, `    ${r.commands.consume}`);
  }
  return lines.join('\n');
}

async function main() {
  const argv = process.argv.slice(2);
  if (argv[0] === '--client') {
    const res = await clientMain(JSON.parse(argv[1]));
    process.stdout.write(JSON.stringify(res) + '\n');
    process.exit(0);
  }
  if (argv[0] === '--report') {
    // Re-render the tables of an earlier --json file.
    const saved = JSON.parse(fs.readFileSync(argv[1], 'utf8'));
    const repeat = Math.max(1, ...saved.results.map((r) => (r.rep ?? 0) + 1));
    process.stdout.write(report(saved.results, { repeat }) + '\n');
    return;
  }
  const o = parseArgs(argv);
  if (!fs.existsSync(CLI)) throw new Error(`${CLI} missing: run npm run build first`);
  if (!fs.existsSync(PERF)) throw new Error(`${PERF} missing: node-rdkafka's install builds it`);
  if (o.cpuProfDir) fs.mkdirSync(o.cpuProfDir, { recursive: true });
  log(`node ${process.version}, ${os.cpus().length} cores (${os.cpus()[0]?.model}), load average ${os.loadavg().map((x) => x.toFixed(2)).join(' ')}`);
  const results = [];
  const suites = { rdkafka: suiteRdkafka, node: suiteNode, latency: suiteLatency, startup: suiteStartup, rss: suiteRss };
  for (const s of o.suites) {
    const fn = suites[s];
    if (!fn) throw new Error(`unknown suite ${s}`);
    await fn(o, results);
  }
  const meta = { node: process.version, cores: os.cpus().length, cpu: os.cpus()[0]?.model, loadAverageAtEnd: os.loadavg(), date: new Date().toISOString() };
  if (o.json) fs.writeFileSync(o.json, JSON.stringify({ meta, results }, null, 2));
  process.stdout.write(report(results, o) + '\n');
  log(`done; load average ${os.loadavg().map((x) => x.toFixed(2)).join(' ')}`);
}

main().catch((err) => {
  process.stderr.write(`broker-bench: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
