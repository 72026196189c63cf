#!/usr/bin/env node
// @ts-check
/**
 * Stopping one broker of thousands of freshly created partitions: SIGTERM
 * to exit, one or two builds alternating. Numbers only; nothing asserts a
 * speed.
 *
 *   npm run build && node bench/stop-partitions.mjs [--before OTHER/dist/cli/main.js] [options]
 *
 * Each run, for each build (before/after, then after/before, alternating),
 * on a fresh data dir:
 *   1. start (`node main.js start --port P --data-dir DIR`), create one topic
 *      of PARTITIONS partitions (`weir topic create`), optionally produce
 *      MESSAGES keyed lines (`weir produce -K :`, spread over the partitions
 *      by key), then SIGTERM: `createdStopMs`;
 *   2. start again on that data dir (a clean restart, no recovery), SIGTERM
 *      once it answers: `restartStopMs`.
 * Each line also gives the 1-minute load average when the run began, the
 * create command's time, and each start-up's banner time.
 *
 * Options:
 *   --before FILE     a build to compare against (dist/cli/main.js of main)
 *   --after FILE      default: this tree's dist/cli/main.js
 *   --partitions N    default 3000
 *   --messages N      keyed lines produced after the create, default 0
 *   --runs N          runs per build, default 2
 *   --cpu-prof DIR    run the brokers under `node --cpu-prof`, one directory
 *                     per start in DIR; a profile covers the whole process,
 *                     its stop is the last stop-time of it:
 *                     `node bench/cpuprofile-top.mjs FILE --last-ms STOP_MS`
 *   --json FILE
 */
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** @param {string} name @param {string | undefined} fallback */
function option(name, fallback) {
  const i = process.argv.indexOf(`--${name}`);
  if (i >= 0 && process.argv[i + 1] !== undefined) return process.argv[i + 1];
  return fallback;
}

const before = option('before', undefined);
const after = option('after', path.join(ROOT, 'dist/cli/main.js')) ?? '';
const partitions = Number(option('partitions', '3000'));
const messages = Number(option('messages', '0'));
const runs = Number(option('runs', '2'));
const cpuProfDir = option('cpu-prof', undefined);
const jsonFile = option('json', undefined);
/** @type {Record<string, string>} */
const builds = before ? { before, after } : { after };

/** A port free right now (the broker binds it a moment later). */
async function freePort() {
  const server = net.createServer();
  await new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(undefined)));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  await new Promise((resolve) => server.close(() => resolve(undefined)));
  return port;
}

/** ApiVersions v0, correlation id 1, no client id. */
const API_VERSIONS = Buffer.from([0, 0, 0, 10, 0, 18, 0, 0, 0, 0, 0, 1, 0xff, 0xff]);

/** Resolves true when `port` answers an ApiVersions request, false when it refuses or hangs up. */
function answers(port) {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    let got = Buffer.alloc(0);
    const done = (/** @type {boolean} */ ok) => {
      socket.destroy();
      resolve(ok);
    };
    socket.once('connect', () => socket.write(API_VERSIONS));
    socket.on('data', (d) => {
      got = Buffer.concat([got, d]);
      if (got.length >= 4 && got.length >= 4 + got.readInt32BE(0)) done(true);
    });
    socket.once('error', () => done(false));
    socket.once('close', () => done(false));
  });
}

/**
 * Starts `cli` on `dataDir`; resolves once its port answers.
 * @param {string} cli @param {string} dataDir @param {string | undefined} profDir
 */
async function start(cli, dataDir, profDir) {
  const port = await freePort();
  const t0 = performance.now();
  const nodeArgs = profDir ? ['--cpu-prof', '--cpu-prof-dir', profDir] : [];
  const child = spawn(process.execPath, [...nodeArgs, cli, 'start', '--data-dir', dataDir, '--port', String(port)], { stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  child.stderr.on('data', (d) => (err = (err + d).slice(-4000)));
  const exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  for (;;) {
    if (await answers(port)) break;
    if (child.exitCode !== null) throw new Error(`broker exited before answering:\n${err}`);
    if (performance.now() - t0 > 300_000) throw new Error('broker did not answer in 300 s');
    await new Promise((r) => setTimeout(r, 10));
  }
  const answerMs = Math.round(performance.now() - t0);
  return {
    port,
    answerMs,
    async stop() {
      const s = performance.now();
      child.kill('SIGTERM');
      const { code, signal } = /** @type {{ code: number | null, signal: string | null }} */ (await exited);
      if (code !== 0) throw new Error(`broker exited with ${code ?? signal}:\n${err}`);
      return Math.round(performance.now() - s);
    },
  };
}

/** @param {string} cli @param {string[]} args @param {string} [input] */
function cliRun(cli, args, input) {
  const t0 = performance.now();
  const r = spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8', input, maxBuffer: 1 << 26 });
  if (r.status !== 0) throw new Error(`weir ${args.join(' ')} failed: ${r.stderr}`);
  return Math.round(performance.now() - t0);
}

/** @type {Record<string, number | string>[]} */
const results = [];
const lines = Array.from({ length: messages }, (_, i) => `k${i}:v${i}`).join('\n') + '\n';
for (let run = 0; run < runs; run++) {
  const order = Object.keys(builds);
  if (run % 2 === 1) order.reverse();
  for (const build of order) {
    const cli = builds[build] ?? '';
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'weir-bench-stop-'));
    const prof = (/** @type {string} */ phase) => (cpuProfDir ? path.join(cpuProfDir, `${build}-${run}-${phase}`) : undefined);
    try {
      const load1 = Math.round((os.loadavg()[0] ?? 0) * 100) / 100;
      const first = await start(cli, dataDir, prof('created'));
      const bootstrap = `127.0.0.1:${first.port}`;
      const createMs = cliRun(cli, ['topic', 'create', 'big', '-p', String(partitions), '-b', bootstrap]);
      const produceMs = messages > 0 ? cliRun(cli, ['produce', 'big', '-K', ':', '-b', bootstrap], lines) : 0;
      const createdStopMs = await first.stop();
      const second = await start(cli, dataDir, prof('restart'));
      const restartStopMs = await second.stop();
      const r = { build, run, load1, partitions, messages, createMs, produceMs, createdStopMs, restartAnswerMs: second.answerMs, restartStopMs };
      results.push(r);
      console.log(JSON.stringify(r));
    } finally {
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  }
}

/** @param {number[]} xs */
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
};
for (const build of Object.keys(builds)) {
  const rs = results.filter((r) => r.build === build);
  const line = (/** @type {string} */ key) => `${key} ${rs.map((r) => r[key]).join(', ')} (median ${median(rs.map((r) => Number(r[key])))})`;
  console.log(`${build}: ${line('createdStopMs')}; ${line('restartStopMs')}`);
}
if (jsonFile) fs.writeFileSync(jsonFile, JSON.stringify({ partitions, messages, builds, results }, null, 2));
