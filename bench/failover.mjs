#!/usr/bin/env node
// @ts-check
/**
 * Failover time of a three-broker cluster under an acks=all load: from the
 * SIGKILL of a partition's leader to the first acknowledged write on its new
 * leader, as a producer sees it.
 *
 *   npm run build
 *   node bench/failover.mjs --weir [--session-timeout-ms 1000] [--kills 5]
 *   node bench/failover.mjs --kafka /tmp/kpeer3/data [--kills 5]
 *   (either: --metadata-refresh-ms N sets the producer's
 *   topic.metadata.refresh.interval.ms; default librdkafka's own)
 *
 * --weir starts a Weir cluster with the embedding API's startCluster (etcd
 * and three broker processes; broker.session.timeout.ms as given, default
 * 1000, Kafka's default is 9000). --kafka uses a running Apache Kafka
 * cluster started by ../shared/kafka-peer/start-cluster.sh (its data dir
 * holds the brokers' pid files and properties; a killed broker is started
 * again with the same properties).
 *
 * Each kill: a fresh topic of one partition, replication factor 3,
 * min.insync.replicas=2; an idempotent librdkafka producer (node-rdkafka,
 * acks=all, linger.ms=0) enqueues one 100-byte message every 2 ms; after
 * 2 s of steady writes the partition's leader is SIGKILLed. Failover time =
 * the first delivery report of a message enqueued after the kill (only the
 * new leader can acknowledge it) minus the time of the kill. The killed
 * broker is started again and back in the ISR before the next kill.
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const Kafka = require('node-rdkafka');
const { KafkaClient } = require(path.join(ROOT, 'dist/client/client.js'));
const { createTopics } = require(path.join(ROOT, 'dist/client/topics.js'));

function parseArgs(argv) {
  const o = { weir: false, kafka: null, sessionTimeoutMs: 1000, kills: 5, metadataRefreshMs: null };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--weir') o.weir = true;
    else if (a === '--kafka') o.kafka = argv[++i];
    else if (a === '--session-timeout-ms') o.sessionTimeoutMs = Number(argv[++i]);
    else if (a === '--kills') o.kills = Number(argv[++i]);
    else if (a === '--metadata-refresh-ms') o.metadataRefreshMs = Number(argv[++i]);
    else throw new Error(`unknown option ${a} (see the header of bench/failover.mjs)`);
  }
  if (!o.weir && !o.kafka) throw new Error('--weir or --kafka DATA_DIR');
  return o;
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function waitFor(what, check, timeoutMs = 120_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const v = await check();
      if (v !== undefined) return v;
    } catch {
      // not yet
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}

/** The partition's leader and ISR as the cluster reports them. */
async function partitionState(bootstrap, topic) {
  const c = await KafkaClient.connect(bootstrap);
  try {
    const md = await c.metadata([topic]);
    const p = md.topics.get(topic)?.partitions[0];
    return p ? { leader: p.leaderId, isr: p.isr } : null;
  } finally {
    await c.close();
  }
}

/** A Weir cluster: startCluster from the build. */
async function weirCluster(o) {
  const { startCluster } = require(path.join(ROOT, 'dist/start-cluster.js'));
  const cluster = await startCluster({ brokers: 3, config: { 'broker.session.timeout.ms': o.sessionTimeoutMs, 'broker.heartbeat.interval.ms': Math.max(100, o.sessionTimeoutMs / 4) } });
  return {
    name: `Weir (broker.session.timeout.ms=${o.sessionTimeoutMs})`,
    bootstrap: cluster.bootstrapServers,
    kill: (id) => cluster.kill(id),
    restart: (id) => cluster.restart(id),
    close: () => cluster.close(),
  };
}

/** A running Kafka cluster of ../shared/kafka-peer/start-cluster.sh (broker ids 0-2 on 29092-29094). */
function kafkaCluster(dataDir) {
  const KH = '/tmp/kpeer/kafka_2.11-2.4.1';
  const pidOf = (id) => Number(fs.readFileSync(path.join(dataDir, `k${id}.pid`), 'utf8').trim());
  return {
    name: 'Apache Kafka 2.4.1 (zookeeper.session.timeout.ms=6000)',
    bootstrap: '127.0.0.1:29092,127.0.0.1:29093,127.0.0.1:29094',
    async kill(id) {
      const pid = pidOf(id);
      process.kill(pid, 'SIGKILL');
      await waitFor(`kafka ${id} to exit`, () => {
        try {
          process.kill(pid, 0);
          return undefined;
        } catch {
          return true;
        }
      });
    },
    async restart(id) {
      const env = { ...process.env, JAVA_HOME: '/usr/lib/jvm/java-17-openjdk-amd64', KAFKA_JMX_OPTS: ' ', LOG_DIR: path.join(dataDir, 'logs', `k${id}`), KAFKA_HEAP_OPTS: '-Xmx768M -Xms768M' };
      const out = fs.openSync(path.join(dataDir, 'logs', `k${id}.out`), 'a');
      const child = spawn(`${KH}/bin/kafka-server-start.sh`, [path.join(dataDir, `server${id}.properties`)], { env, detached: true, stdio: ['ignore', out, out] });
      child.unref();
      fs.writeFileSync(path.join(dataDir, `k${id}.pid`), String(child.pid));
    },
    close: async () => undefined,
  };
}

async function oneKill(o, cluster, topic) {
  const client = await KafkaClient.connect(cluster.bootstrap);
  try {
    await createTopics(client, [{ name: topic, partitions: 1, replicationFactor: 3, configs: { 'min.insync.replicas': '2' } }]);
  } finally {
    await client.close();
  }
  await waitFor('a full ISR', async () => {
    const s = await partitionState(cluster.bootstrap, topic);
    return s && s.leader >= 0 && s.isr.length === 3 ? s : undefined;
  });
  const producer = new Kafka.Producer({ 'bootstrap.servers': cluster.bootstrap, dr_cb: true, 'enable.idempotence': true, acks: -1, 'linger.ms': 0, 'message.timeout.ms': 60_000, 'retry.backoff.ms': 20, ...(o.metadataRefreshMs === null ? {} : { 'topic.metadata.refresh.interval.ms': o.metadataRefreshMs }) });
  await new Promise((resolve, reject) => producer.connect({ timeout: 10_000 }, (err) => (err ? reject(err) : resolve(undefined))));
  producer.setPollInterval(1);
  let killedAt = Infinity;
  let firstAfter = Infinity;
  let acked = 0;
  let failed = 0;
  producer.on('delivery-report', (err, report) => {
    if (err) failed++;
    else acked++;
    if (!err && report.opaque >= killedAt && firstAfter === Infinity) firstAfter = performance.now();
  });
  let writing = true;
  const load = (async () => {
    while (writing) {
      producer.produce(topic, 0, Buffer.alloc(100, 1), null, Date.now(), performance.now());
      await sleep(2);
    }
  })();
  await sleep(2000);
  const before = await partitionState(cluster.bootstrap, topic);
  const victim = before.leader;
  killedAt = performance.now();
  await cluster.kill(victim);
  await waitFor('an acknowledgement from the new leader', () => (firstAfter < Infinity ? true : undefined), 120_000);
  const failoverMs = firstAfter - killedAt;
  writing = false;
  await load;
  await new Promise((resolve) => producer.flush(30_000, () => resolve(undefined)));
  await new Promise((resolve) => producer.disconnect(() => resolve(undefined)));
  await cluster.restart(victim);
  await waitFor('the killed broker back in the ISR', async () => {
    const s = await partitionState(cluster.bootstrap, topic);
    return s && s.isr.length === 3 ? true : undefined;
  }, 180_000);
  return { victim, failoverMs, acked, failed };
}

const o = parseArgs(process.argv.slice(2));
const cluster = o.weir ? await weirCluster(o) : kafkaCluster(o.kafka);
const results = [];
try {
  for (let i = 0; i < o.kills; i++) {
    const r = await oneKill(o, cluster, `failover-${Date.now().toString(36)}-${i}`);
    results.push(r);
    process.stderr.write(`kill ${i + 1}: broker ${r.victim}, failover ${r.failoverMs.toFixed(0)} ms (${r.acked} acked, ${r.failed} failed; load ${os.loadavg()[0].toFixed(1)})\n`);
  }
} finally {
  await cluster.close();
}
const ms = results.map((r) => r.failoverMs).sort((a, b) => a - b);
const median = ms[Math.floor((ms.length - 1) / 2)];
console.log(`| ${cluster.name} | ${o.metadataRefreshMs ?? 'default'} | ${ms.length} | ${median.toFixed(0)} | ${ms[0].toFixed(0)} | ${ms[ms.length - 1].toFixed(0)} | ${results.reduce((n, r) => n + r.failed, 0)} |`);
