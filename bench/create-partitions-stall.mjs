#!/usr/bin/env node
// @ts-check
/**
 * How long a broker stops answering its other clients while it creates a
 * topic of many partitions. Numbers only; nothing asserts a speed.
 *
 *   npm run build && node bench/create-partitions-stall.mjs [--before OTHER/dist/cli/main.js] [options]
 *
 * Each run starts a build on a fresh data dir, opens a probe connection
 * that sends ApiVersions every 5 ms (the next one 5 ms after each answer),
 * creates one topic of N partitions with `weir topic create`, and reports:
 *   createMs  the create command, start to exit (CreateTopics answers once
 *             the logs exist)
 *   maxGapMs  the longest the probe waited for an answer: how long the
 *             broker held every client
 *   p99GapMs  the probe's 99th percentile
 * and the 1-minute load average when the run began. With `--before`, the
 * two builds alternate (before/after, then after/before).
 *
 * Options:
 *   --before FILE       a build to compare against (dist/cli/main.js of main)
 *   --after FILE        default: this tree's dist/cli/main.js
 *   --partitions LIST   comma-separated, default 1000,3000
 *   --runs N            runs per build and size, default 2
 *   --json FILE
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { runCommand } from './bench-process.mjs';
import { option } from './bench-options.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

const before = option('before', undefined);
const after = option('after', path.join(ROOT, 'dist/cli/main.js')) ?? '';
const sizes = (option('partitions', '1000,3000') ?? '').split(',').map(Number);
const runs = Number(option('runs', '2'));
const jsonFile = option('json', undefined);
const CLIENT_CLI = path.join(ROOT, 'dist/cli/main.js');

/**
 * Starts `node CLI start` on a fresh data dir; resolves with its address
 * once it prints its banner.
 * @param {string} cli
 */
function startBroker(cli) {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'weir-create-stall-'));
  const child = spawn(process.execPath, [cli, 'start', '--port', '0', '--data-dir', dataDir, '--log-level', 'info'], { stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (d) => {
      out += d.toString();
      const m = /"bootstrapServers":"([^"]+)"/.exec(out);
      if (m) {
        child.stdout.removeAllListeners('data');
        child.stdout.resume();
        resolve({ child, dataDir, bootstrap: m[1] });
      }
    });
    child.once('exit', (code) => reject(new Error(`${cli} exited (${code}) before it listened:\n${out}`)));
  });
}

/**
 * ApiVersions v0 every 5 ms on one connection; `stop()` returns the waits.
 * @param {string} bootstrap
 */
async function startProbe(bootstrap) {
  const [host, port] = bootstrap.split(':');
  const socket = net.connect(Number(port), host);
  await new Promise((resolve, reject) => socket.once('connect', resolve).once('error', reject));
  // size, api key 18, version 0, correlation id 1, client id null
  const request = Buffer.from([0, 0, 0, 10, 0, 18, 0, 0, 0, 0, 0, 1, 0xff, 0xff]);
  /** @type {number[]} */
  const waits = [];
  let sentAt = 0;
  let stopped = false;
  let received = Buffer.alloc(0);
  /** @type {NodeJS.Timeout | null} */
  let timer = null;
  const send = () => {
    timer = null;
    if (stopped) return;
    sentAt = performance.now();
    socket.write(request);
  };
  socket.on('data', (d) => {
    received = Buffer.concat([received, d]);
    while (received.length >= 4 && received.length >= 4 + received.readInt32BE(0)) {
      received = received.subarray(4 + received.readInt32BE(0));
      waits.push(performance.now() - sentAt);
      timer = setTimeout(send, 5);
    }
  });
  send();
  return {
    stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      socket.destroy();
      return waits;
    },
  };
}

/** @param {string} cli @param {number} partitions */
async function run(cli, partitions) {
  const load = os.loadavg()[0];
  const broker = await startBroker(cli);
  try {
    const probe = await startProbe(broker.bootstrap);
    await new Promise((r) => setTimeout(r, 300));
    const t0 = performance.now();
    // Not spawnSync: the probe runs on this process's event loop meanwhile.
    const r = await runCommand(process.execPath, [CLIENT_CLI, 'topic', 'create', 'big', '-p', String(partitions), '-b', broker.bootstrap], 300_000);
    const createMs = performance.now() - t0;
    if (r.code !== 0) throw new Error(`topic create failed: ${r.out}`);
    await new Promise((res) => setTimeout(res, 300));
    const waits = probe.stop().sort((a, b) => a - b);
    return {
      createMs: Math.round(createMs),
      maxGapMs: Math.round(waits[waits.length - 1] ?? NaN),
      p99GapMs: Math.round((waits[Math.floor(waits.length * 0.99)] ?? NaN) * 10) / 10,
      load: Math.round(load * 10) / 10,
    };
  } finally {
    broker.child.kill('SIGKILL');
    await new Promise((r) => broker.child.once('exit', r));
    fs.rmSync(broker.dataDir, { recursive: true, force: true });
  }
}

const builds = before ? [['before', before], ['after', after]] : [['this', after]];
/** @type {{ build: string, partitions: number, createMs: number, maxGapMs: number, p99GapMs: number, load: number }[]} */
const results = [];
for (const partitions of sizes) {
  for (let i = 0; i < runs; i++) {
    const order = i % 2 === 0 ? builds : [...builds].reverse();
    for (const [name, cli] of order) {
      const r = await run(/** @type {string} */ (cli), partitions);
      results.push({ build: /** @type {string} */ (name), partitions, ...r });
      console.log(`${name} N=${partitions}: create ${r.createMs} ms, longest wait ${r.maxGapMs} ms, p99 ${r.p99GapMs} ms (load ${r.load})`);
    }
  }
}
console.log('\n| build | partitions | create ms | longest wait ms | p99 wait ms | load |\n| --- | ---: | ---: | ---: | ---: | ---: |');
for (const r of results) console.log(`| ${r.build} | ${r.partitions} | ${r.createMs} | ${r.maxGapMs} | ${r.p99GapMs} | ${r.load} |`);
if (jsonFile) fs.writeFileSync(jsonFile, JSON.stringify(results, null, 2));
