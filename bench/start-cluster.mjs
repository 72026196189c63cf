#!/usr/bin/env node
// @ts-check
/**
 * How long a test suite waits for startCluster(): a real etcd and N broker
 * processes, as the integration tests start them.
 *
 *   npm run build
 *   node bench/start-cluster.mjs [--runs 5] [--brokers 1,3,5] [--dist DIR ...]
 *
 * Per run and per cluster size, on a fresh cluster (its own etcd, temp dirs):
 * - start: startCluster({ brokers: N }) until it resolves;
 * - all seen: from then until the Metadata of every broker lists all N
 *   (0 when it already does at the first look: what startCluster promises);
 * - quiet after: from then until the brokers are done with start-up work
 *   that goes on after their banners (the lease keep-alive thread loading its
 *   etcd client, the JIT, GC): the first 100 ms window in which all brokers
 *   together use at most 10 ms of CPU (/proc, 10 ms ticks);
 * - CPU and RSS per broker once quiet: each broker's CPU time since it was
 *   spawned (all its threads) and its VmRSS, averaged over the brokers;
 * - stop: cluster.kill(2, 'SIGTERM') until broker 2 has exited (controlled
 *   shutdown and close), then restart: cluster.restart(2) of the stopped
 *   broker (start again until registered); restart(n) of a running broker
 *   is the two together;
 * - close: cluster.close().
 * Medians (and min-max) over the runs. Several `--dist` (a dist/ of another
 * build, e.g. main's copied to /tmp/base/dist with node_modules beside it)
 * are run alternately, so a change in the machine's load hits both alike.
 * The load average is printed before and after.
 *
 * `--timeline` instead starts one cluster of the largest size and prints
 * each broker's log lines in ms since startCluster was called.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

const argv = process.argv.slice(2);
let runs = 5;
let sizes = [1, 3, 5];
let timeline = false;
/** @type {string[]} */
const dists = [];
for (let i = 0; i < argv.length; i++) {
  const a = argv[i];
  if (a === '--runs') runs = Number(argv[++i]);
  else if (a === '--brokers') sizes = String(argv[++i]).split(',').map(Number);
  else if (a === '--dist') dists.push(path.resolve(String(argv[++i])));
  else if (a === '--timeline') timeline = true;
  else {
    process.stderr.write(`unknown argument ${a}\n`);
    process.exit(2);
  }
}
if (dists.length === 0) dists.push(path.join(ROOT, 'dist'));

const load = () => os.loadavg().map((x) => x.toFixed(2)).join(' ');
const median = (/** @type {number[]} */ xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

/** How many brokers each broker's Metadata lists (connecting to it alone). */
async function brokersSeen(KafkaClient, cluster) {
  return Promise.all(
    cluster.brokers.map(async (b) => {
      const c = await KafkaClient.connect(`127.0.0.1:${b.port}`);
      try {
        return (await c.metadata([])).brokers.size;
      } finally {
        await c.close();
      }
    }),
  );
}

/** CPU time (user + system, ms) of a process and all its threads, from /proc. */
function cpuMs(pid) {
  const fields = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

/** VmRSS of a process in MB, from /proc. */
function rssMB(pid) {
  const kb = /^VmRSS:\s+(\d+) kB/m.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
  return kb ? Number(kb[1]) / 1024 : NaN;
}

/** ms from `since` until a 100 ms window in which the brokers together use at most 10 ms of CPU. */
async function untilQuiet(cluster, since) {
  const pids = cluster.brokers.map((b) => b.pid);
  const total = () => pids.reduce((sum, pid) => sum + cpuMs(pid), 0);
  let before = total();
  for (;;) {
    await new Promise((r) => setTimeout(r, 100));
    const now = total();
    if (now - before <= 10) return performance.now() - 100 - since;
    if (performance.now() - since > 10_000) throw new Error('the brokers were not quiet within 10 s');
    before = now;
  }
}

/** One cluster of `n` brokers from build `dist`: the four times in ms. */
async function once(dist, n) {
  const { startCluster } = require(path.join(dist, 'start-cluster.js'));
  const { KafkaClient } = require(path.join(dist, 'client/client.js'));
  const t0 = performance.now();
  const cluster = await startCluster({ brokers: n });
  const start = performance.now() - t0;
  let allSeen = 0;
  try {
    const t1 = performance.now();
    let first = true;
    for (;;) {
      const seen = await brokersSeen(KafkaClient, cluster);
      if (seen.every((k) => k === n)) break;
      if (performance.now() - t1 > 10_000) throw new Error(`after 10 s the brokers list ${seen.join(', ')} brokers, not ${n}`);
      first = false;
      await new Promise((r) => setTimeout(r, 5));
    }
    allSeen = first ? 0 : performance.now() - t1;
    const quiet = await untilQuiet(cluster, t1);
    const pids = cluster.brokers.map((b) => b.pid);
    const cpu = pids.reduce((sum, pid) => sum + cpuMs(pid), 0) / n;
    const rss = pids.reduce((sum, pid) => sum + rssMB(pid), 0) / n;
    let stop = NaN;
    let restart = NaN;
    if (n >= 2) {
      const t2 = performance.now();
      await cluster.kill(2, 'SIGTERM');
      stop = performance.now() - t2;
      const t3 = performance.now();
      await cluster.restart(2);
      restart = performance.now() - t3;
    }
    const t4 = performance.now();
    await cluster.close();
    return { start, allSeen, quiet, cpu, rss, stop, restart, close: performance.now() - t4 };
  } catch (err) {
    await cluster.close();
    throw err;
  }
}

async function printTimeline(dist, n) {
  const { startCluster } = require(path.join(dist, 'start-cluster.js'));
  const t0 = Date.now();
  const cluster = await startCluster({ brokers: n });
  process.stdout.write(`startCluster({ brokers: ${n} }) resolved after ${Date.now() - t0} ms (load ${load()})\n`);
  const lines = [];
  for (const b of cluster.brokers) {
    for (const line of cluster.output(b.nodeId).split('\n')) {
      try {
        const j = JSON.parse(line);
        lines.push({ at: j.time - t0, text: `broker ${b.nodeId}  ${j.msg}${j.startupMs !== undefined ? ` (startupMs ${j.startupMs})` : ''}` });
      } catch {
        // not a log line
      }
    }
  }
  for (const l of lines.sort((a, b) => a.at - b.at)) process.stdout.write(`${String(l.at).padStart(6)} ms  ${l.text}\n`);
  await cluster.close();
}

if (timeline) {
  await printTimeline(dists[0], Math.max(...sizes));
  process.exit(0);
}

process.stdout.write(`load average before: ${load()}  (${os.cpus().length} cores, node ${process.version})\n`);
/** @type {Map<string, Record<'start' | 'allSeen' | 'quiet' | 'cpu' | 'rss' | 'stop' | 'restart' | 'close', number[]>>} */
const results = new Map();
for (let r = 0; r < runs; r++) {
  for (const n of sizes) {
    for (const dist of dists) {
      const key = `${dist}\t${n}`;
      const t = await once(dist, n);
      if (!results.has(key)) results.set(key, { start: [], allSeen: [], quiet: [], cpu: [], rss: [], stop: [], restart: [], close: [] });
      const acc = /** @type {Record<'start' | 'allSeen' | 'quiet' | 'cpu' | 'rss' | 'stop' | 'restart' | 'close', number[]>} */ (results.get(key));
      for (const k of /** @type {const} */ (['start', 'allSeen', 'quiet', 'cpu', 'rss', 'stop', 'restart', 'close'])) acc[k].push(t[k]);
    }
  }
}
process.stdout.write(`load average after: ${load()}\n\n`);
const cell = (/** @type {number[]} */ xs) => (xs.some(Number.isNaN) ? '-' : `${Math.round(median(xs))} (${Math.round(Math.min(...xs))}-${Math.round(Math.max(...xs))})`);
process.stdout.write(`medians of ${runs} runs, ms (min-max)\n`);
process.stdout.write('| build | brokers | start | all seen after | quiet after | CPU per broker (ms) | RSS per broker (MB) | stop broker 2 | restart it | close |\n|---|---|---|---|---|---|---|---|---|---|\n');
for (const [key, v] of results) {
  const [dist, n] = key.split('\t');
  process.stdout.write(`| ${path.relative(process.cwd(), dist) || dist} | ${n} | ${cell(v.start)} | ${cell(v.allSeen)} | ${cell(v.quiet)} | ${cell(v.cpu)} | ${cell(v.rss)} | ${cell(v.stop)} | ${cell(v.restart)} | ${cell(v.close)} |\n`);
}
