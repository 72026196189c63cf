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
 *   --settle MS       wait this long after the create (and produce) before
 *                     the SIGTERM, default 0: the create's own background
 *                     writes (each partition.metadata, in the thread pool)
 *                     may still be running, and the stop waits for them
 *   --cpu-prof DIR    run the brokers under `node --cpu-prof`, one directory
 *                     per start in DIR; a profile covers the whole process,
 *                     its stop is the last stop-time of it:
 *                     `node bench/cpuprofile-top.mjs FILE --last-ms STOP_MS`
 *   --syscalls        count the stop's file-system calls (openat, rename,
 *                     fsync, unlink) with `strace -c -f` attached to the
 *                     broker just before SIGTERM: the times above depend on
 *                     a shared disk, these counts do not (strace slows the
 *                     stop itself; take times from a run without it)
 *   --json FILE
 */
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { answersApiVersions, freePort } from './broker-port.mjs';
import { option } from './bench-options.mjs';
import { median } from './bench-stats.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

const before = option('before', undefined);
const after = option('after', path.join(ROOT, 'dist/cli/main.js')) ?? '';
const partitions = Number(option('partitions', '3000'));
const messages = Number(option('messages', '0'));
const runs = Number(option('runs', '2'));
const settleMs = Number(option('settle', '0'));
const cpuProfDir = option('cpu-prof', undefined);
const jsonFile = option('json', undefined);
const countSyscalls = process.argv.includes('--syscalls');
const COUNTED_SYSCALLS = ['openat', 'rename', 'fsync', 'unlink'];
/** @type {Record<string, string>} */
const builds = before ? { before, after } : { after };

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
    if (await answersApiVersions(port)) break;
    if (child.exitCode !== null) throw new Error(`broker exited before answering:\n${err}`);
    if (performance.now() - t0 > 300_000) throw new Error('broker did not answer in 300 s');
    await new Promise((r) => setTimeout(r, 10));
  }
  const answerMs = Math.round(performance.now() - t0);
  return {
    port,
    answerMs,
    /** SIGTERM to exit in ms, and with --syscalls the counted calls of the stop. */
    async stop() {
      const tracer = countSyscalls ? await attachStrace(child.pid ?? 0) : null;
      const s = performance.now();
      child.kill('SIGTERM');
      const { code, signal } = /** @type {{ code: number | null, signal: string | null }} */ (await exited);
      const ms = Math.round(performance.now() - s);
      if (code !== 0) throw new Error(`broker exited with ${code ?? signal}:\n${err}`);
      return { ms, calls: tracer ? await tracer.counts() : {} };
    },
  };
}

/**
 * `strace -c -f -p PID`, resolved once it is attached; `counts()` waits for
 * it to finish (the process exited) and reads its summary.
 * @param {number} pid
 */
async function attachStrace(pid) {
  const out = path.join(os.tmpdir(), `weir-bench-strace-${pid}.txt`);
  const tracer = spawn('strace', ['-c', '-f', '-p', String(pid), '-o', out], { stdio: ['ignore', 'ignore', 'pipe'] });
  const done = new Promise((resolve) => tracer.once('exit', resolve));
  // strace says "Process PID attached" on stderr once it traces the process.
  await new Promise((resolve, reject) => {
    tracer.stderr.on('data', (d) => String(d).includes('attached') && resolve(undefined));
    tracer.once('error', reject);
  });
  return {
    async counts() {
      await done;
      const text = fs.readFileSync(out, 'utf8');
      fs.rmSync(out, { force: true });
      /** @type {Record<string, number>} */
      const counts = {};
      for (const line of text.split('\n')) {
        const f = line.trim().split(/\s+/);
        const name = f[f.length - 1] ?? '';
        // % time, seconds, usecs/call, calls, [errors], syscall
        if (COUNTED_SYSCALLS.includes(name)) counts[name] = Number(f[3]);
      }
      return counts;
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
      if (settleMs > 0) await new Promise((r) => setTimeout(r, settleMs));
      const created = await first.stop();
      const second = await start(cli, dataDir, prof('restart'));
      const restart = await second.stop();
      const r = {
        build,
        run,
        load1,
        partitions,
        messages,
        settleMs,
        createMs,
        produceMs,
        createdStopMs: created.ms,
        restartAnswerMs: second.answerMs,
        restartStopMs: restart.ms,
        ...(countSyscalls ? { createdStopCalls: JSON.stringify(created.calls), restartStopCalls: JSON.stringify(restart.calls) } : {}),
      };
      results.push(r);
      console.log(JSON.stringify(r));
    } finally {
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  }
}

for (const build of Object.keys(builds)) {
  const rs = results.filter((r) => r.build === build);
  const line = (/** @type {string} */ key) => `${key} ${rs.map((r) => r[key]).join(', ')} (median ${median(rs.map((r) => Number(r[key])))})`;
  console.log(`${build}: ${line('createdStopMs')}; ${line('restartStopMs')}`);
}
if (jsonFile) fs.writeFileSync(jsonFile, JSON.stringify({ partitions, messages, builds, results }, null, 2));
