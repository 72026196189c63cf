#!/usr/bin/env node
// @ts-check
/**
 * Start-up of one broker holding thousands of partitions, two builds
 * alternating on the same data dir. Numbers only; nothing asserts a speed.
 *
 *   npm run build && node bench/startup-partitions.mjs --before OTHER/dist/cli/main.js [options]
 *
 * A fresh data dir; the `--before` build starts on it, creates one topic of
 * PARTITIONS partitions (`weir topic create`) and is stopped with SIGTERM.
 * Then, RUNS times, each build restarts on that data dir (before/after, then
 * after/before, alternating), and each restart reports:
 *   startupMs  the broker's own start-up log line (Broker.start to listening)
 *   bannerMs   spawn of `node main.js start` to that line
 *   answerMs   spawn to the first ApiVersions response on the broker's port
 *              (polled every 5 ms: the first connection it accepts and serves)
 *   cpuMs      the broker process's user+system CPU time when its line
 *              came out (module loading included; less at the mercy of other
 *              jobs on the machine than the wall times)
 *   stopMs     SIGTERM to exit
 * and the 1-minute load average when the restart began.
 *
 * Options:
 *   --before FILE     the build to compare against (dist/cli/main.js of main)
 *   --after FILE      default: this tree's dist/cli/main.js
 *   --partitions N    default 3000
 *   --runs N          restarts per build, default 3
 *   --json FILE
 */
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { answersApiVersions, freePort } from './broker-port.mjs';
import { cpuSeconds } from './bench-process.mjs';
import { option } from './bench-options.mjs';
import { median } from './bench-stats.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

const before = option('before', undefined);
if (!before) {
  console.error('usage: node bench/startup-partitions.mjs --before OTHER/dist/cli/main.js [--after FILE] [--partitions N] [--runs N] [--json FILE]');
  process.exit(2);
}
const after = option('after', path.join(ROOT, 'dist/cli/main.js')) ?? '';
const partitions = Number(option('partitions', '3000'));
const runs = Number(option('runs', '3'));
const jsonFile = option('json', undefined);

/**
 * Starts `cli` on `dataDir` and a free port; resolves once the banner is out
 * and the port has answered.
 * @param {string} cli @param {string} dataDir
 */
async function start(cli, dataDir) {
  const port = await freePort();
  const t0 = performance.now();
  const child = spawn(process.execPath, [cli, 'start', '--data-dir', dataDir, '--port', String(port)], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stderr.on('data', (d) => (out += d));
  const exited = new Promise((resolve) => child.once('exit', resolve));
  const banner = new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no banner:\n${out.slice(-2000)}`)), 300_000);
    child.stdout.on('data', (d) => {
      out += d;
      if (out.length > 1e6) out = out.slice(-1e5);
      const m = /"startupMs":(\d+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve({ startupMs: Number(m[1]), bannerMs: Math.round(performance.now() - t0), cpuMs: Math.round(cpuSeconds(child.pid) * 1000) });
      }
    });
  });
  let answerMs = -1;
  while (performance.now() - t0 < 300_000) {
    if (await answersApiVersions(port)) {
      answerMs = Math.round(performance.now() - t0);
      break;
    }
    await new Promise((r) => setTimeout(r, 5));
  }
  const { startupMs, bannerMs, cpuMs } = /** @type {{ startupMs: number, bannerMs: number, cpuMs: number }} */ (await banner);
  return {
    port,
    startupMs,
    bannerMs,
    cpuMs,
    answerMs,
    async stop() {
      const s = performance.now();
      child.kill('SIGTERM');
      await exited;
      return Math.round(performance.now() - s);
    },
  };
}

const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'weir-bench-startup-'));
/** @type {{ build: string, run: number, load1: number, startupMs: number, bannerMs: number, answerMs: number, cpuMs: number, stopMs: number }[]} */
const results = [];
try {
  const first = await start(before, dataDir);
  const created = spawnSync(process.execPath, [before, 'topic', 'create', 'many', '-p', String(partitions), '-b', `127.0.0.1:${first.port}`], { encoding: 'utf8' });
  if (created.status !== 0) throw new Error(`topic create failed: ${created.stderr}`);
  console.log(`created ${partitions} partitions; first stop ${await first.stop()} ms`);
  for (let run = 0; run < runs; run++) {
    const order = run % 2 === 0 ? ['before', 'after'] : ['after', 'before'];
    for (const build of order) {
      const load1 = os.loadavg()[0] ?? 0;
      const broker = await start(build === 'before' ? before : after, dataDir);
      const stopMs = await broker.stop();
      const r = { build, run, load1: Math.round(load1 * 100) / 100, startupMs: broker.startupMs, bannerMs: broker.bannerMs, answerMs: broker.answerMs, cpuMs: broker.cpuMs, stopMs };
      results.push(r);
      console.log(JSON.stringify(r));
    }
  }
} finally {
  fs.rmSync(dataDir, { recursive: true, force: true });
}

for (const build of ['before', 'after']) {
  const rs = results.filter((r) => r.build === build);
  const line = (/** @type {'startupMs' | 'answerMs' | 'cpuMs'} */ key) => `${key} ${rs.map((r) => r[key]).join(', ')} (median ${median(rs.map((r) => r[key]))})`;
  console.log(`${build}: ${line('startupMs')}; ${line('answerMs')}; ${line('cpuMs')}`);
}
if (jsonFile) fs.writeFileSync(jsonFile, JSON.stringify({ partitions, before, after, results }, null, 2));
