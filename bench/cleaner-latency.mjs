#!/usr/bin/env node
/**
 * Produce latency with and without the log cleaner at work: the compiled
 * broker (dist/, `npm run build` first) in a child process, and
 * rdkafka_performance in latency mode (-l, fixed rate, acks=1,
 * linger.ms=0, as bench/broker-bench.mjs's latency suite) on topic
 * `latency`, while a second rdkafka_performance writes a steady background
 * load with one fixed key to topic `background`:
 *
 *   cleaned    `background` is compacted with small segments and
 *              min.cleanable.dirty.ratio=0.01: the cleaner rewrites its
 *              segments all the time (every record but the last is garbage);
 *   uncleaned  the same load to a `delete` topic: the same appends, no cleaning.
 *
 * The difference between the two is what cleaning costs the produce path
 * (the cleaner runs in the broker's event loop in slices between requests).
 *
 *   node bench/cleaner-latency.mjs [--seconds 10] [--rate 5000] [--background-rate 20000] [--repeat 2]
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { startBenchBroker } from './bench-broker.mjs';
import { runCommand as run } from './bench-process.mjs';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const PERF = path.join(ROOT, 'node_modules/node-rdkafka/deps/librdkafka/examples/rdkafka_performance');

const opt = (name, dflt) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : dflt;
};
const SECONDS = opt('seconds', 10);
const RATE = opt('rate', 5000);
const BACKGROUND_RATE = opt('background-rate', 20000);
const REPEAT = opt('repeat', 2);


function startBroker() {
  return startBenchBroker('cleaner-lat', { 'log.cleaner.backoff.ms': 50, 'auto.create.topics.enable': 'true' });
}

async function createTopic(bootstrap, topic, configs) {
  const { Kafka, logLevel } = (await import('kafkajs')).default;
  const admin = new Kafka({ brokers: [bootstrap], logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic, numPartitions: 1, configEntries: Object.entries(configs).map(([name, value]) => ({ name, value })) }], waitForLeaders: true });
  await admin.disconnect();
}

const percentile = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
const ms = (us) => Math.round(us / 10) / 100;

async function oneCase(kind) {
  const broker = await startBroker();
  const file = path.join(os.tmpdir(), `weir-cleaner-latency-${process.pid}.txt`);
  try {
    await createTopic(broker.bootstrap, 'latency', {});
    await createTopic(
      broker.bootstrap,
      'background',
      kind === 'cleaned'
        ? { 'cleanup.policy': 'compact', 'segment.bytes': String(1024 * 1024), 'min.cleanable.dirty.ratio': '0.01' }
        : { 'cleanup.policy': 'delete', 'segment.bytes': String(1024 * 1024) },
    );
    const bgCount = BACKGROUND_RATE * (SECONDS + 5);
    const background = run(PERF, ['-P', '-t', 'background', '-b', broker.bootstrap, '-s', '100', '-a', '1', '-r', String(BACKGROUND_RATE), '-c', String(bgCount), '-k', 'same-key', '-X', 'linger.ms=5', '-q'], (SECONDS + 60) * 1000);
    // Let the background load and (for `cleaned`) the cleaning get going before measuring.
    await new Promise((r) => setTimeout(r, 3000));
    const r = await run(PERF, ['-P', '-t', 'latency', '-b', broker.bootstrap, '-s', '100', '-a', '1', '-r', String(RATE), '-c', String(RATE * SECONDS), '-l', '-A', file, '-X', 'linger.ms=0', '-q'], (SECONDS + 30) * 1000);
    const us = fs.existsSync(file) ? fs.readFileSync(file, 'utf8').split('\n').filter(Boolean).map(Number).sort((a, b) => a - b) : [];
    await background;
    const bgDir = path.join(broker.dataDir, 'background-0');
    const bgBytes = fs.readdirSync(bgDir).reduce((s, f) => s + fs.statSync(path.join(bgDir, f)).size, 0);
    return { kind, samples: us.length, p50: ms(percentile(us, 50)), p99: ms(percentile(us, 99)), p999: ms(percentile(us, 99.9)), max: ms(us[us.length - 1]), bgMB: (bgBytes / 1e6).toFixed(1), exit: r.code };
  } finally {
    fs.rmSync(file, { force: true });
    await broker.stop();
  }
}

const rows = [];
for (let i = 0; i < REPEAT; i++) {
  for (const kind of ['uncleaned', 'cleaned']) {
    const row = await oneCase(kind);
    rows.push(row);
    console.log(JSON.stringify(row));
  }
}
console.log(`\nload average ${os.loadavg().map((x) => x.toFixed(1)).join(' ')}; ${RATE} msg/s x ${SECONDS} s measured, background ${BACKGROUND_RATE} msg/s of 100 B, one key`);
console.log('| background topic | run | p50 ms | p99 ms | p99.9 ms | max ms | samples | background-0 on disk after (MB) |');
console.log('| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
rows.forEach((r, i) => console.log(`| ${r.kind} | ${Math.floor(i / 2) + 1} | ${r.p50} | ${r.p99} | ${r.p999} | ${r.max} | ${r.samples} | ${r.bgMB} |`));
