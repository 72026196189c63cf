#!/usr/bin/env node
/**
 * A consumer's fetch over 1,000 partitions, with and without an incremental
 * fetch session (KIP-227): request bytes, response bytes and broker CPU per
 * fetch, on a broker process of its own.
 *
 * Both runs fetch the same 1,000 partitions of one topic at their end
 * (nothing new: the steady state of a consumer whose partitions are mostly
 * quiet), max_wait_ms 0, one request at a time:
 * - sessionless: Fetch v12 naming every partition, session id 0, epoch -1;
 * - session: one full fetch with epoch 0 opens the session, then
 *   incremental fetches name no partition (the broker reads all 1,000 from
 *   the session and answers only those that changed: none).
 * A third row lets 10 partitions change before each fetch (one produce of
 * a small batch each), so the incremental responses carry those 10; the
 * broker CPU then includes the produces, the same in both columns.
 * Broker CPU is user+system time of the broker process (/proc) over the
 * measured fetches, divided by their number; runs alternate.
 *
 *   npm run build && node bench/fetch-sessions.mjs [--partitions 1000] [--fetches 2000] [--repeat 3]
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const require_ = (await import('node:module')).createRequire(import.meta.url);
const { BrokerConnection } = require_(path.join(ROOT, 'dist/client/connection.js'));
const { Apis } = require_(path.join(ROOT, 'dist/protocol/apis.js'));
const { encodeMessageToBuffer } = require_(path.join(ROOT, 'dist/protocol/message-io.js'));
const { encodeRecordBatch } = require_(path.join(ROOT, 'dist/protocol/records/index.js'));

const opt = (name, dflt) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : dflt;
};
const PARTITIONS = opt('partitions', 1000);
const FETCHES = opt('fetches', 2000);
const REPEAT = opt('repeat', 3);
const TOPIC = 'fetch-sessions-bench';
const ZERO_UUID = '00000000-0000-0000-0000-000000000000';
const CLK_TCK = 100;

function cpuSeconds(pid) {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / CLK_TCK;
}

async function startBroker() {
  const child = spawn(process.execPath, [path.join(ROOT, 'dist/cli/main.js'), 'start', '--memory', '--port', '0', '--log-level', 'info'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  const bootstrap = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no banner:\n${out}`)), 20_000);
    const onData = (d) => {
      out += d;
      const m = /"bootstrapServers":"([^"]+)"/.exec(out) ?? /listening on ([\d.]+:\d+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
  });
  return { bootstrap, pid: child.pid, stop: () => new Promise((r) => (child.once('exit', r), child.kill('SIGTERM'))) };
}

const offsets = new Map();

function fetchBody(sessionId, epoch, parts) {
  return {
    clusterId: null,
    replicaId: -1,
    replicaState: { replicaId: -1, replicaEpoch: -1n },
    maxWaitMs: 0,
    minBytes: 0,
    maxBytes: 50 << 20,
    isolationLevel: 0,
    sessionId,
    sessionEpoch: epoch,
    topics: parts.length === 0 ? [] : [{ topic: TOPIC, topicId: ZERO_UUID, partitions: parts.map((p) => ({ partition: p, currentLeaderEpoch: 0, fetchOffset: offsets.get(p) ?? 0n, lastFetchedEpoch: -1, logStartOffset: -1n, partitionMaxBytes: 1 << 20, replicaDirectoryId: ZERO_UUID })) }],
    forgottenTopicsData: [],
    rackId: '',
  };
}

/** Moves each answered partition's offset past what it returned; the partitions whose offset moved. */
function consume(res) {
  const moved = [];
  let bytes = 0;
  for (const t of res.responses) {
    for (const p of t.partitions) {
      const records = p.records ?? Buffer.alloc(0);
      bytes += records.length;
      if (records.length >= 61) {
        let pos = 0;
        let next = offsets.get(p.partitionIndex) ?? 0n;
        while (pos + 12 <= records.length) {
          const size = 12 + records.readInt32BE(pos + 8);
          if (pos + size > records.length) break;
          next = records.readBigInt64BE(pos) + BigInt(records.readInt32BE(pos + 23)) + 1n;
          pos += size;
        }
        offsets.set(p.partitionIndex, next);
        moved.push(p.partitionIndex);
      }
    }
  }
  return { moved, bytes };
}

const requestBytes = (body) => encodeMessageToBuffer(Apis.Fetch.request, body, 12).length;
const responseBytes = (res) => encodeMessageToBuffer(Apis.Fetch.response, res, 12).length;
const all = Array.from({ length: PARTITIONS }, (_, i) => i);

async function run(broker, conn, producer, mode, changing) {
  const batch = encodeRecordBatch([{ value: Buffer.alloc(100, 0x61), timestamp: BigInt(Date.now()) }]);
  const produceSome = async (round) => {
    if (changing === 0) return;
    const parts = Array.from({ length: changing }, (_, i) => (round * changing + i) % PARTITIONS);
    await producer.send(Apis.Produce, 9, { transactionalId: null, acks: 1, timeoutMs: 5000, topicData: [{ name: TOPIC, partitionData: parts.map((index) => ({ index, records: batch })) }] });
  };
  let sessionId = 0;
  let epoch = -1;
  let changed = [];
  if (mode === 'session') {
    const res = await conn.send(Apis.Fetch, 12, fetchBody(0, 0, all));
    sessionId = res.sessionId;
    if (sessionId === 0) throw new Error('no session');
    epoch = 1;
    consume(res);
  }
  let reqBytes = 0;
  let resBytes = 0;
  const cpu0 = cpuSeconds(broker.pid);
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < FETCHES; i++) {
    await produceSome(i);
    const body = mode === 'session' ? fetchBody(sessionId, epoch, changed) : fetchBody(0, -1, all);
    reqBytes += requestBytes(body);
    const res = await conn.send(Apis.Fetch, 12, body);
    if (res.errorCode !== 0) throw new Error(`fetch error ${res.errorCode}`);
    resBytes += responseBytes(res);
    const { moved } = consume(res);
    changed = mode === 'session' ? moved : [];
    if (mode === 'session') epoch++;
  }
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  const cpu = cpuSeconds(broker.pid) - cpu0;
  if (mode === 'session') await conn.send(Apis.Fetch, 12, fetchBody(sessionId, -1, []));
  return { reqBytes: reqBytes / FETCHES, resBytes: resBytes / FETCHES, cpuUs: (cpu / FETCHES) * 1e6, fetchesPerSec: FETCHES / seconds };
}

const broker = await startBroker();
try {
  const conn = await BrokerConnection.connect(broker.bootstrap);
  const producer = await BrokerConnection.connect(broker.bootstrap);
  const created = await conn.send(Apis.CreateTopics, 5, { topics: [{ name: TOPIC, numPartitions: PARTITIONS, replicationFactor: 1, assignments: [], configs: [] }], timeoutMs: 30_000, validateOnly: false });
  if (created.topics[0].errorCode !== 0) throw new Error(`CreateTopics: ${created.topics[0].errorCode}`);
  const rows = [];
  for (const changing of [0, 10]) {
    const results = { sessionless: [], session: [] };
    for (let r = 0; r < REPEAT; r++) {
      for (const mode of r % 2 === 0 ? ['sessionless', 'session'] : ['session', 'sessionless']) results[mode].push(await run(broker, conn, producer, mode, changing));
    }
    const median = (xs, k) => xs.map((x) => x[k]).sort((a, b) => a - b)[Math.floor(xs.length / 2)];
    for (const mode of ['sessionless', 'session']) {
      const xs = results[mode];
      rows.push({ changing, mode, req: median(xs, 'reqBytes'), res: median(xs, 'resBytes'), cpu: median(xs, 'cpuUs'), rate: median(xs, 'fetchesPerSec') });
    }
  }
  conn.close();
  producer.close();
  console.log(`${PARTITIONS} partitions, ${FETCHES} fetches per run, median of ${REPEAT} alternating runs, node ${process.version}`);
  console.log('| partitions changed per fetch | fetch | request bytes | response bytes | broker CPU per fetch (µs) | fetches/s |');
  console.log('| ---: | --- | ---: | ---: | ---: | ---: |');
  for (const r of rows) console.log(`| ${r.changing} | ${r.mode} | ${Math.round(r.req).toLocaleString('en')} | ${Math.round(r.res).toLocaleString('en')} | ${Math.round(r.cpu).toLocaleString('en')} | ${Math.round(r.rate).toLocaleString('en')} |`);
} finally {
  await broker.stop();
}
