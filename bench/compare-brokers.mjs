#!/usr/bin/env node
// @ts-check
/**
 * Side-by-side comparison of Kafka-protocol brokers with librdkafka's
 * rdkafka_performance: the same client, the same commands, the brokers
 * taking turns (the order rotates every repetition), medians over the
 * repetitions. Any broker that speaks the Kafka protocol can take part, given
 * its bootstrap address; Weir builds can be started by the script itself.
 *
 *   npm run build
 *   node bench/compare-brokers.mjs \
 *     --broker kafka=127.0.0.1:29092@$(cat /tmp/kpeer/run/kafka.pid) \
 *     --weir weir=dist/cli/main.js \
 *     --weir before=/tmp/weir-base/dist/cli/main.js \
 *     --case 1024x8x1000000 --case 100x1x5000000 --case latency --repeat 3
 *
 * Options:
 *   --broker NAME=HOST:PORT[@PID]  a running broker; with its process id the
 *                                  broker's CPU time per message is reported too
 *   --weir NAME=CLI                start `node CLI start` (a Weir build's
 *                                  dist/cli/main.js) on a fresh data dir for the
 *                                  whole run; its CPU is always measured
 *   --weir-arg X                   extra `weir start` argument for every Weir (repeatable)
 *   --case SIZExPARTITIONSxCOUNT   produce COUNT messages of SIZE bytes to a new
 *                                  topic of PARTITIONS partitions, then consume
 *                                  them from the beginning (repeatable)
 *   --case latency[:RATE[:SECONDS]]  per-message produce latency at RATE msg/s
 *                                  (default 10000 for 10 s), 100 B, acks=1,
 *                                  linger.ms=0 (rdkafka_performance -l)
 *   --acks A                       the producers' acks (default 1; -1: all)
 *   --replication-factor R         the topics' replication factor (default 1;
 *                                  a cluster's bootstrap is HOST:PORT,HOST:PORT,...)
 *   --repeat N                     repetitions (default 3)
 *   --json FILE                    also write every measurement
 *   --perf PATH                    rdkafka_performance (default: node-rdkafka's build)
 *
 * Topics are created with Weir's own client (`weir topic create`, CreateTopics),
 * which works against any Kafka broker; each run gets a fresh topic, so a
 * consume reads exactly what its produce wrote. Broker CPU is user+system time
 * from /proc/PID/stat over the client's run (start-up and tear-down of the
 * client included): on a shared machine it says far more than the rates,
 * which move with whatever else runs. The load average is printed with every
 * measurement.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startBenchBroker } from './bench-broker.mjs';
import { median } from './bench-stats.mjs';
import { cpuTimes, machineBusySeconds, runCommand as run, runCommandWithCpu } from './bench-process.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

function usage(msg) {
  process.stderr.write(`compare-brokers: ${msg}\n(see the header of bench/compare-brokers.mjs)\n`);
  process.exit(2);
}

function parseArgs(argv) {
  const o = { brokers: [], weirs: [], weirArgs: [], cases: [], repeat: 3, acks: 1, replicationFactor: 1, json: null, perf: path.join(ROOT, 'node_modules/node-rdkafka/deps/librdkafka/examples/rdkafka_performance') };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const v = () => argv[++i] ?? usage(`${a} needs a value`);
    if (a === '--broker') {
      const m = /^([^=]+)=([^@]+)(?:@(\d+))?$/.exec(v());
      if (!m) usage('--broker NAME=HOST:PORT[@PID]');
      o.brokers.push({ name: m[1], bootstrap: m[2], pid: m[3] ? Number(m[3]) : null });
    } else if (a === '--weir') {
      const m = /^([^=]+)=(.+)$/.exec(v());
      if (!m) usage('--weir NAME=CLI');
      o.weirs.push({ name: m[1], cli: path.resolve(m[2]) });
    } else if (a === '--weir-arg') o.weirArgs.push(v());
    else if (a === '--case') o.cases.push(parseCase(v()));
    else if (a === '--repeat') o.repeat = Number(v());
    else if (a === '--acks') o.acks = Number(v());
    else if (a === '--replication-factor') o.replicationFactor = Number(v());
    else if (a === '--json') o.json = v();
    else if (a === '--perf') o.perf = v();
    else usage(`unknown option ${a}`);
  }
  if (o.cases.length === 0) o.cases = [parseCase('1024x8x1000000'), parseCase('100x1x5000000'), parseCase('latency')];
  return o;
}

function parseCase(s) {
  const lat = /^latency(?::(\d+))?(?::(\d+))?$/.exec(s);
  if (lat) return { kind: 'latency', rate: Number(lat[1] ?? 10_000), seconds: Number(lat[2] ?? 10), label: `latency ${lat[1] ?? 10_000}/s` };
  const m = /^(\d+)x(\d+)x(\d+)$/.exec(s);
  if (!m) usage(`--case ${s}: SIZExPARTITIONSxCOUNT or latency[:RATE[:SECONDS]]`);
  const [size, partitions, count] = [Number(m[1]), Number(m[2]), Number(m[3])];
  return { kind: 'throughput', size, partitions, count, label: `${size} B x ${partitions}p x ${count.toLocaleString('en')}` };
}

// ---------------------------------------------------------------- helpers

function log(msg) {
  process.stderr.write(`[compare ${new Date().toISOString().slice(11, 19)}] ${msg}\n`);
}

const load1 = () => os.loadavg()[0].toFixed(1);

function percentile(sorted, p) {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

// ---------------------------------------------------------------- runs

const PRODUCE_RE = /% (\d+) messages produced \((\d+) bytes\), (\d+) delivered \(offset (-?\d+), (\d+) failed\) in (\d+)ms: (\d+) msgs\/s and ([\d.]+) MB\/s/;
const CONSUME_RE = /% (\d+) messages \((\d+) bytes\) consumed in (\d+)ms: (\d+) msgs\/s \(([\d.]+) MB\/s\)/;

/**
 * Creates the topic and waits until every partition has a leader: Kafka
 * answers CreateTopics before its leaders are elected, and a client that
 * starts meanwhile spends its first seconds waiting for metadata.
 */
async function createTopic(broker, topic, partitions, replicationFactor) {
  const cli = path.join(ROOT, 'dist/cli/main.js');
  const r = await run(process.execPath, [cli, 'topic', 'create', topic, '-p', String(partitions), '-r', String(replicationFactor), '-b', broker.bootstrap], 30_000);
  if (r.code !== 0) throw new Error(`topic create ${topic} on ${broker.name}: ${r.out.trim()}`);
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    const d = await run(process.execPath, [cli, 'topic', 'describe', topic, '-b', broker.bootstrap], 30_000);
    const leaders = d.out.split('\n').filter((l) => /^\d+\s+-?\d+\s/.test(l)).map((l) => Number(l.trim().split(/\s+/)[1]));
    if (d.code === 0 && leaders.length === partitions && leaders.every((l) => l >= 0)) return;
    await new Promise((res) => setTimeout(res, 200));
  }
  throw new Error(`${topic} on ${broker.name}: partitions without a leader after 30 s`);
}

/**
 * One rdkafka_performance run with CPU time around it: the broker's, the
 * client's own, and the whole machine's (which on loopback is the fair sum:
 * the kernel's TCP work for a byte is charged to whichever side runs it).
 */
async function perf(o, broker, args, timeoutMs) {
  const load = load1();
  const cpu0 = cpuTimes(broker.pid);
  const machine0 = machineBusySeconds();
  const r = await runCommandWithCpu(o.perf, args, timeoutMs);
  const cpu1 = cpuTimes(broker.pid);
  const brokerSysS = cpu1.system - cpu0.system;
  return { ...r, brokerCpuS: cpu1.user - cpu0.user + brokerSysS, brokerSysS, clientCpuS: r.cpuS, machineCpuS: machineBusySeconds() - machine0, load };
}

/** CPU per message of one perf() run, in µs: broker (and its system part), client and machine. */
function cpuPerMsg(run, count) {
  const us = (s) => (s * 1e6) / count;
  return { cpuUsPerMsg: us(run.brokerCpuS), sysUsPerMsg: us(run.brokerSysS), clientCpuUsPerMsg: us(run.clientCpuS), machineCpuUsPerMsg: us(run.machineCpuS) };
}

async function throughputRun(o, broker, c, topic) {
  await createTopic(broker, topic, c.partitions, o.replicationFactor);
  const pArgs = ['-P', '-t', topic, '-b', broker.bootstrap, '-s', String(c.size), '-a', String(o.acks), '-c', String(c.count), '-X', 'linger.ms=5', '-X', 'batch.num.messages=10000', '-q'];
  const p = await perf(o, broker, pArgs, 300_000);
  const pm = PRODUCE_RE.exec(p.out);
  const produce = pm && !p.timedOut && Number(pm[3]) === c.count && Number(pm[5]) === 0
    ? { ok: true, msgsPerSec: Number(pm[7]), mbPerSec: Number(pm[8]), ...cpuPerMsg(p, c.count), load: p.load }
    : { ok: false, error: p.timedOut ? 'timed out' : p.out.trim().split('\n').slice(-3).join(' | '), load: p.load };
  if (!produce.ok) return { produce, consume: { ok: false, error: 'produce failed' } };
  const parts = [];
  for (let i = 0; i < c.partitions; i++) parts.push('-p', String(i));
  const cArgs = ['-C', '-t', topic, ...parts, '-b', broker.bootstrap, '-o', 'beginning', '-c', String(c.count), '-q'];
  const k = await perf(o, broker, cArgs, 300_000);
  const km = CONSUME_RE.exec(k.out);
  const consume = km && !k.timedOut && Number(km[1]) >= c.count
    ? { ok: true, msgsPerSec: Number(km[4]), mbPerSec: Number(km[5]), ...cpuPerMsg(k, c.count), load: k.load }
    : { ok: false, error: k.timedOut ? 'timed out' : k.out.trim().split('\n').slice(-3).join(' | '), load: k.load };
  return { produce, consume, commands: { produce: pArgs, consume: cArgs } };
}

async function latencyRun(o, broker, c, topic) {
  await createTopic(broker, topic, 1, o.replicationFactor);
  const file = path.join(os.tmpdir(), `compare-latency-${process.pid}.txt`);
  // Warm-up outside the measurement (metadata, connections).
  await run(o.perf, ['-P', '-t', topic, '-b', broker.bootstrap, '-s', '100', '-a', String(o.acks), '-c', '1000', '-q'], 60_000);
  const args = ['-P', '-t', topic, '-b', broker.bootstrap, '-s', '100', '-a', String(o.acks), '-r', String(c.rate), '-c', String(c.rate * c.seconds), '-l', '-A', file, '-X', 'linger.ms=0', '-q'];
  const r = await perf(o, broker, args, (c.seconds + 60) * 1000);
  const us = fs.existsSync(file) ? fs.readFileSync(file, 'utf8').split('\n').filter(Boolean).map(Number).sort((a, b) => a - b) : [];
  fs.rmSync(file, { force: true });
  const ms = (x) => x / 1000;
  return {
    latency: us.length > 0 && !r.timedOut
      ? { ok: true, samples: us.length, p50: ms(percentile(us, 50)), p99: ms(percentile(us, 99)), p999: ms(percentile(us, 99.9)), max: ms(us[us.length - 1]), ...cpuPerMsg(r, us.length), load: r.load }
      : { ok: false, error: r.timedOut ? 'timed out' : r.out.trim().split('\n').slice(-3).join(' | '), load: r.load },
    commands: { latency: args },
  };
}

// ---------------------------------------------------------------- report

const fmt = (x, d = 0) => (Number.isFinite(x) ? x.toLocaleString('en', { minimumFractionDigits: d, maximumFractionDigits: d }) : '–');

function spread(xs, d = 0) {
  const ok = xs.filter((x) => Number.isFinite(x));
  if (ok.length === 0) return '–';
  return `${fmt(median(ok), d)} (${fmt(Math.min(...ok), d)}–${fmt(Math.max(...ok), d)})`;
}

/** Medians of the CPU figures: "broker (its system part) / client / machine". */
function cpuCell(runs) {
  const m = (key) => fmt(median(runs.map((x) => x[key])), 2);
  return `${m('cpuUsPerMsg')} (${m('sysUsPerMsg')}) / ${m('clientCpuUsPerMsg')} / ${m('machineCpuUsPerMsg')}`;
}

function report(o, brokers, results) {
  const lines = [];
  for (const c of o.cases) {
    const rows = results.filter((r) => r.case === c.label);
    if (c.kind === 'throughput') {
      lines.push('', `### ${c.label}, acks=${o.acks === -1 ? 'all' : o.acks}, replication factor ${o.replicationFactor} (rdkafka_performance, medians of ${o.repeat}, range in brackets)`, '');
      lines.push('| broker | produce msg/s | produce MB/s | CPU µs/msg (P): broker (sys) / client / machine | consume msg/s | consume MB/s | CPU µs/msg (C): broker (sys) / client / machine | load avg |');
      lines.push('| --- | ---: | ---: | ---: | ---: | ---: | ---: | --- |');
      for (const b of brokers) {
        const mine = rows.filter((r) => r.broker === b.name);
        const p = mine.map((r) => r.produce).filter((x) => x?.ok);
        const k = mine.map((r) => r.consume).filter((x) => x?.ok);
        const failed = mine.length - Math.min(p.length, k.length);
        lines.push(`| ${b.name}${failed ? ` (${failed} failed)` : ''} | ${spread(p.map((x) => x.msgsPerSec))} | ${spread(p.map((x) => x.mbPerSec), 1)} | ${cpuCell(p)} | ${spread(k.map((x) => x.msgsPerSec))} | ${spread(k.map((x) => x.mbPerSec), 1)} | ${cpuCell(k)} | ${mine.map((r) => r.produce?.load + '/' + (r.consume?.load ?? '–')).join(', ')} |`);
      }
    } else {
      lines.push('', `### ${c.label} x ${c.seconds} s, 100 B, acks=${o.acks === -1 ? 'all' : o.acks}, replication factor ${o.replicationFactor}, linger.ms=0 (rdkafka_performance -l, medians of ${o.repeat})`, '');
      lines.push('| broker | p50 ms | p99 ms | p99.9 ms | max ms | broker CPU µs/msg | load avg |');
      lines.push('| --- | ---: | ---: | ---: | ---: | ---: | --- |');
      for (const b of brokers) {
        const l = rows.filter((r) => r.broker === b.name).map((r) => r.latency).filter((x) => x?.ok);
        lines.push(`| ${b.name} | ${spread(l.map((x) => x.p50), 2)} | ${spread(l.map((x) => x.p99), 2)} | ${spread(l.map((x) => x.p999), 2)} | ${spread(l.map((x) => x.max), 1)} | ${spread(l.map((x) => x.cpuUsPerMsg), 1)} | ${l.map((x) => x.load).join(', ')} |`);
      }
    }
  }
  return lines.join('\n');
}

// ---------------------------------------------------------------- main

async function main() {
  const o = parseArgs(process.argv.slice(2));
  if (!fs.existsSync(o.perf)) usage(`${o.perf} missing (node-rdkafka's install builds it)`);
  if (!fs.existsSync(path.join(ROOT, 'dist/cli/main.js'))) usage('dist/cli/main.js missing: npm run build first (topics are created with it)');
  if (o.brokers.length + o.weirs.length === 0) usage('name at least one --broker or --weir');
  const started = [];
  const brokers = [...o.brokers];
  try {
    for (const w of o.weirs) {
      const b = await startBenchBroker(`compare-${w.name}`, {}, { cli: w.cli });
      started.push(b);
      brokers.push({ name: w.name, bootstrap: b.bootstrap, pid: b.pid });
      log(`started ${w.name} (${w.cli}) on ${b.bootstrap}, pid ${b.pid}`);
    }
    log(`node ${process.version}, ${os.cpus().length} cores (${os.cpus()[0]?.model}), load average ${os.loadavg().map((x) => x.toFixed(2)).join(' ')}`);
    const results = [];
    const stamp = Date.now().toString(36);
    for (let rep = 0; rep < o.repeat; rep++) {
      for (const c of o.cases) {
        // Rotate who goes first, so no broker always runs on the machine as the last one left it.
        const order = brokers.map((_, i) => brokers[(i + rep) % brokers.length]);
        for (const b of order) {
          const topic = `cmp-${stamp}-${rep}-${c.kind === 'latency' ? 'lat' : `${c.size}-${c.partitions}`}-${b.name}`.replace(/[^a-zA-Z0-9._-]/g, '_');
          const r = c.kind === 'latency' ? await latencyRun(o, b, c, topic) : await throughputRun(o, b, c, topic);
          results.push({ rep, case: c.label, broker: b.name, ...r });
          if (c.kind === 'latency') {
            const l = r.latency;
            log(`${c.label} ${b.name} #${rep + 1}: ${l.ok ? `p50 ${fmt(l.p50, 2)} p99 ${fmt(l.p99, 2)} p99.9 ${fmt(l.p999, 2)} max ${fmt(l.max, 1)} ms, broker ${fmt(l.cpuUsPerMsg, 1)} µs/msg` : `FAILED ${l.error}`} (load ${l.load})`);
          } else {
            const show = (x) => (x.ok ? `${fmt(x.msgsPerSec)} msg/s ${fmt(x.mbPerSec, 1)} MB/s CPU µs/msg broker ${fmt(x.cpuUsPerMsg, 2)} client ${fmt(x.clientCpuUsPerMsg, 2)} machine ${fmt(x.machineCpuUsPerMsg, 2)} (load ${x.load})` : `FAILED ${x.error}`);
            log(`${c.label} ${b.name} #${rep + 1}: produce ${show(r.produce)}; consume ${show(r.consume)}`);
          }
        }
      }
    }
    const text = report(o, brokers, results);
    process.stdout.write(`${text}\n\nload average at the end: ${os.loadavg().map((x) => x.toFixed(2)).join(' ')}\n`);
    if (o.json) fs.writeFileSync(o.json, JSON.stringify({ date: new Date().toISOString(), node: process.version, brokers, cases: o.cases, results }, null, 2));
  } finally {
    for (const b of started) await b.stop();
  }
}

main().catch((err) => {
  process.stderr.write(`compare-brokers: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
