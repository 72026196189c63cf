/**
 * Transactions per second: a node-rdkafka transactional producer commits
 * transactions of 10 records spread over 2 partitions, one after another
 * (begin, produce, commit), against a broker process on a fresh data dir.
 * The baseline is the same producer shape without transactions: an
 * idempotent producer that sends 10 records and flushes, so both wait for
 * the broker once per 10 records; the difference is the transaction's cost
 * (InitProducerId once, then AddPartitionsToTxn, EndTxn, the
 * __transaction_state writes and the two markers per transaction).
 *
 *   node bench/transactions.mjs [--count 500]
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const Rdkafka = require('node-rdkafka');
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const CLI = path.join(ROOT, 'dist/cli/main.js');
const countArg = process.argv.indexOf('--count');
const COUNT = countArg > 0 ? Number(process.argv[countArg + 1]) : 500;
const RECORDS = 10;

async function startBroker() {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'weir-bench-txn-'));
  const child = spawn(process.execPath, [CLI, 'start', '--port', '0', '--data-dir', dataDir, '--override', 'num.partitions=2'], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  const port = await new Promise((resolve, reject) => {
    child.stdout.on('data', (d) => {
      out += d.toString();
      const m = /"bootstrapServers":"[^"]+:(\d+)"/.exec(out) ?? /listening on [\d.a-z]+:(\d+)/.exec(out);
      if (m) resolve(Number(m[1]));
    });
    child.once('exit', (code) => reject(new Error(`broker exited ${code}`)));
  });
  return { bootstrap: `127.0.0.1:${port}`, stop: () => new Promise((r) => { child.once('exit', r); child.kill('SIGTERM'); }), dataDir };
}

const call = (fn) => new Promise((resolve, reject) => fn((err) => (err ? reject(err) : resolve())));

async function producer(bootstrap, extra) {
  const p = new Rdkafka.Producer({ 'bootstrap.servers': bootstrap, 'linger.ms': 0, dr_cb: false, ...extra });
  await call((cb) => p.connect({}, cb));
  p.setPollInterval(5);
  return p;
}

function send(p, topic, i) {
  for (let r = 0; r < RECORDS; r++) p.produce(topic, r % 2, Buffer.from(`${i}:${r}`));
}

async function run() {
  const broker = await startBroker();
  try {
    const plain = await producer(broker.bootstrap, { 'enable.idempotence': true });
    send(plain, 'bench-idem', -1); // creates the topic and warms up
    await call((cb) => plain.flush(10_000, cb));
    let start = process.hrtime.bigint();
    for (let i = 0; i < COUNT; i++) {
      send(plain, 'bench-idem', i);
      await call((cb) => plain.flush(10_000, cb));
    }
    const idemMs = Number(process.hrtime.bigint() - start) / 1e6;
    await call((cb) => plain.disconnect(cb));

    const txp = await producer(broker.bootstrap, { 'transactional.id': 'bench-txn' });
    await call((cb) => txp.initTransactions(30_000, cb));
    await call((cb) => txp.beginTransaction(cb));
    send(txp, 'bench-txn', -1);
    await call((cb) => txp.commitTransaction(30_000, cb));
    start = process.hrtime.bigint();
    for (let i = 0; i < COUNT; i++) {
      await call((cb) => txp.beginTransaction(cb));
      send(txp, 'bench-txn', i);
      await call((cb) => txp.commitTransaction(30_000, cb));
    }
    const txnMs = Number(process.hrtime.bigint() - start) / 1e6;
    await call((cb) => txp.disconnect(cb));

    const result = {
      count: COUNT,
      recordsPerTransaction: RECORDS,
      idempotentBatchesPerSec: Math.round((COUNT / idemMs) * 1000),
      transactionsPerSec: Math.round((COUNT / txnMs) * 1000),
      idempotentMsPer10: +(idemMs / COUNT).toFixed(2),
      transactionMsPer10: +(txnMs / COUNT).toFixed(2),
      overhead: +(txnMs / idemMs).toFixed(2),
    };
    console.log(JSON.stringify(result));
  } finally {
    await broker.stop();
    fs.rmSync(broker.dataDir, { recursive: true, force: true });
  }
}

run().catch((e) => {
  console.error(e);
  process.exit(1);
});
