#!/usr/bin/env node
// @ts-check
/**
 * Produce and consume throughput through a PLAINTEXT and a SASL_SSL listener
 * of the same broker, in one run (issue 14): what TLS (and a SCRAM login)
 * costs. One broker process (dist/, `npm run build` first) with both
 * listeners; node-rdkafka in this process produces N records to a fresh
 * one-partition topic through one listener (acks=all, lz4 off, linger 5 ms),
 * then reads them back from offset 0 with an assigned consumer; then the same
 * through the other listener. Listeners alternate per repeat so neither
 * always runs on a warmer broker. Certificates are made with openssl into a
 * temp dir.
 *
 *   node bench/security.mjs [--records 200000] [--size 512] [--repeat 3]
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import { createRequire } from 'node:module';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startBenchBroker } from './bench-broker.mjs';

const require = createRequire(import.meta.url);
const Kafka = require('node-rdkafka');
const client = require(path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'dist/client/index.js'));

const opt = (name, dflt) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : dflt;
};
const RECORDS = opt('records', 200_000);
const SIZE = opt('size', 512);
const REPEAT = opt('repeat', 3);

function makeCerts() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'weir-bench-certs-'));
  const ssl = (args) => execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
  ssl(['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '1', '-subj', '/CN=bench CA', '-addext', 'basicConstraints=critical,CA:TRUE']);
  ssl(['req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', 'broker.key', '-out', 'broker.csr', '-subj', '/CN=localhost']);
  fs.writeFileSync(path.join(dir, 'ext'), 'subjectAltName=DNS:localhost,IP:127.0.0.1\n');
  ssl(['x509', '-req', '-in', 'broker.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'broker.pem', '-days', '1', '-extfile', 'ext']);
  return { dir, ca: path.join(dir, 'ca.pem'), cert: path.join(dir, 'broker.pem'), key: path.join(dir, 'broker.key') };
}

const certs = makeCerts();
const broker = await startBenchBroker('security', {
  listeners: 'PLAINTEXT://127.0.0.1:0,SASL_SSL://127.0.0.1:0',
  'sasl.enabled.mechanisms': 'SCRAM-SHA-512',
  'ssl.keystore.type': 'PEM',
  'ssl.keystore.certificate.chain': fs.readFileSync(certs.cert, 'utf8'),
  'ssl.keystore.key': fs.readFileSync(certs.key, 'utf8'),
});
// The banner lists every listener.
const listeners = JSON.parse(/"listeners":(\{[^}]*\})/.exec(broker.output())[1]);

const admin = await client.KafkaClient.connect(listeners.PLAINTEXT);
await client.setScramCredential(admin, 'bench', 'SCRAM-SHA-512', 'bench-secret', 4096);

const security = {
  PLAINTEXT: {},
  SASL_SSL: { 'security.protocol': 'sasl_ssl', 'ssl.ca.location': certs.ca, 'sasl.mechanisms': 'SCRAM-SHA-512', 'sasl.username': 'bench', 'sasl.password': 'bench-secret' },
};

async function produce(listener, topic) {
  const p = new Kafka.Producer({ 'bootstrap.servers': listeners[listener], dr_cb: true, 'request.required.acks': -1, 'linger.ms': 5, 'batch.num.messages': 10000, 'queue.buffering.max.messages': 500000, ...security[listener] });
  await new Promise((res, rej) => p.connect({ timeout: 15000 }, (e) => (e ? rej(e) : res())));
  const value = Buffer.alloc(SIZE, 'x');
  let delivered = 0;
  const done = new Promise((res) => p.on('delivery-report', () => ++delivered === RECORDS && res()));
  p.setPollInterval(5);
  const t0 = performance.now();
  for (let i = 0; i < RECORDS; i++) {
    for (;;) {
      try {
        p.produce(topic, 0, value);
        break;
      } catch {
        await new Promise((r) => setTimeout(r, 5)); // queue full
      }
    }
  }
  await done;
  const ms = performance.now() - t0;
  await new Promise((r) => p.disconnect(r));
  return ms;
}

async function consume(listener, topic) {
  const c = new Kafka.KafkaConsumer({ 'bootstrap.servers': listeners[listener], 'group.id': `bench-${topic}`, 'enable.auto.commit': false, 'fetch.wait.max.ms': 10, ...security[listener] }, {});
  await new Promise((res, rej) => c.connect({ timeout: 15000 }, (e) => (e ? rej(e) : res())));
  c.assign([{ topic, partition: 0, offset: 0 }]);
  const t0 = performance.now();
  let read = 0;
  while (read < RECORDS) read += (await new Promise((res, rej) => c.consume(10000, (e, m) => (e ? rej(e) : res(m))))).length;
  const ms = performance.now() - t0;
  await new Promise((r) => c.disconnect(r));
  return ms;
}

const rows = [];
try {
  for (let r = 0; r < REPEAT; r++) {
    const order = r % 2 === 0 ? ['PLAINTEXT', 'SASL_SSL'] : ['SASL_SSL', 'PLAINTEXT'];
    for (const listener of order) {
      const topic = `bench-${listener.toLowerCase()}-${r}`;
      await client.createTopics(admin, [{ name: topic, partitions: 1 }]);
      const pms = await produce(listener, topic);
      const cms = await consume(listener, topic);
      const mb = (RECORDS * SIZE) / 1e6;
      rows.push({ run: r + 1, listener, produceMBs: mb / (pms / 1000), produceRecs: RECORDS / (pms / 1000), consumeMBs: mb / (cms / 1000), consumeRecs: RECORDS / (cms / 1000) });
      process.stderr.write(`run ${r + 1} ${listener}: produce ${(mb / (pms / 1000)).toFixed(1)} MB/s, consume ${(mb / (cms / 1000)).toFixed(1)} MB/s\n`);
    }
  }
} finally {
  await admin.close();
  await broker.stop();
  fs.rmSync(certs.dir, { recursive: true, force: true });
}

const fmt = (n) => Math.round(n).toLocaleString('en-US');
console.log(`${RECORDS.toLocaleString('en-US')} records of ${SIZE} B, one partition, node-rdkafka, ${os.cpus().length} cores, load average ${os.loadavg()[0].toFixed(1)}\n`);
console.log('| run | listener | produce MB/s | produce records/s | consume MB/s | consume records/s |');
console.log('| ---: | --- | ---: | ---: | ---: | ---: |');
for (const row of rows) console.log(`| ${row.run} | ${row.listener} | ${row.produceMBs.toFixed(1)} | ${fmt(row.produceRecs)} | ${row.consumeMBs.toFixed(1)} | ${fmt(row.consumeRecs)} |`);
