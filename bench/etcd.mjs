#!/usr/bin/env node
/**
 * The etcd side of a Weir cluster, measured against a real etcd (Debian's
 * etcd-server, started by dist/testing/etcd-server.js with the test timings:
 * heartbeat 10 ms, election 100 ms, fsync on). Numbers go to bench/RESULTS.md
 * ("Cluster metadata on etcd") and feed the scaling page of issue 12.
 *
 *   npm run build && node bench/etcd.mjs [--json out.json] [--quick]
 *
 * Cases:
 * - commit latency: sequential EtcdMetadataStore commits (compare on the log
 *   end and on the controller's fence), resolved once the writer's own watch
 *   has delivered them, for 1, 1,000 and 10,000 records of 80 bytes (a
 *   PartitionRecord with 3 replicas is ~70 bytes framed).
 * - watch fan-out: N followers (one etcd client each, as N brokers), the
 *   time from the start of a commit until the last follower has it.
 * - start-up read: a new follower reading a log of 100,000 records as 100
 *   commits, and the same image as one snapshot.
 * - failover: a child process holding a 1 s (then 2 s) session is the
 *   controller; it is SIGKILLed; the time until a live candidate in this
 *   process is elected, and until an observer sees the dead broker's
 *   registration gone.
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const dist = (p) => path.join(root, 'dist', p);
const { startEtcd } = require(dist('testing/etcd-server.js'));
const { connectEtcd } = require(dist('cluster/etcd/etcd-client.js'));
const { EtcdKeys } = require(dist('cluster/etcd/etcd-keys.js'));
const { EtcdSession } = require(dist('cluster/etcd/etcd-session.js'));
const { ControllerElection } = require(dist('cluster/etcd/controller-election.js'));
const { BrokerRegistry } = require(dist('cluster/etcd/broker-registry.js'));
const { EtcdMetadataStore } = require(dist('cluster/etcd/etcd-metadata-store.js'));

const args = process.argv.slice(2);
const quick = args.includes('--quick');
const jsonOut = args.includes('--json') ? args[args.indexOf('--json') + 1] : null;
const BYTES = { encode: (b) => b, decode: (b) => b };
const record = (i) => Buffer.alloc(80, i % 251);
let prefixes = 0;

function stats(samples) {
  const s = [...samples].sort((a, b) => a - b);
  const at = (q) => s[Math.min(s.length - 1, Math.floor(q * s.length))];
  const mean = s.reduce((a, b) => a + b, 0) / s.length;
  return { n: s.length, mean: round(mean), p50: round(at(0.5)), p99: round(at(0.99)), max: round(s[s.length - 1]) };
}
const round = (x) => Math.round(x * 10) / 10;

async function writer(etcd) {
  const client = connectEtcd({ endpoints: etcd.endpoints });
  const keys = new EtcdKeys(`/bench/${process.pid}-${++prefixes}`);
  const session = await EtcdSession.open(client, { sessionTimeoutMs: 5000, heartbeatIntervalMs: 1000 });
  const election = await ControllerElection.start({ client, keys, nodeId: 1, session });
  const elected = new Promise((resolve) => election.onElected(resolve));
  await election.stand();
  await elected;
  const store = new EtcdMetadataStore({ client, keys, codec: BYTES, fence: () => election.fence });
  await store.start(() => undefined);
  const close = async () => {
    store.close();
    await election.close();
    await session.close();
    client.close();
  };
  return { client, keys, store, close };
}

async function commitLatency(etcd) {
  const out = [];
  for (const [records, count] of [[1, quick ? 200 : 1000], [1000, quick ? 20 : 100], [10000, quick ? 5 : 20]]) {
    const w = await writer(etcd);
    const batch = Array.from({ length: records }, (_, i) => record(i));
    const samples = [];
    let end = -1;
    for (let i = 0; i < count; i++) {
      const t0 = performance.now();
      end = await w.store.commit(batch, end);
      samples.push(performance.now() - t0);
    }
    out.push({ records, bytes: records * 80, ...stats(samples) });
    await w.close();
  }
  return out;
}

async function fanOut(etcd) {
  const out = [];
  for (const n of quick ? [1, 10] : [1, 10, 50, 100]) {
    const w = await writer(etcd);
    const followers = [];
    for (let i = 0; i < n; i++) {
      const client = connectEtcd({ endpoints: etcd.endpoints });
      const store = new EtcdMetadataStore({ client, keys: w.keys, codec: BYTES, fence: () => null });
      const f = { client, store, last: -1, waiters: [] };
      await store.start((b) => {
        f.last = b.lastOffset;
        f.waiters = f.waiters.filter((x) => (x.offset <= f.last ? (x.resolve(), false) : true));
      });
      followers.push(f);
    }
    const reached = (f, offset) => (f.last >= offset ? Promise.resolve() : new Promise((resolve) => f.waiters.push({ offset, resolve })));
    const samples = [];
    let end = -1;
    for (let i = 0; i < (quick ? 50 : 200); i++) {
      const t0 = performance.now();
      const target = end + 1;
      const all = Promise.all(followers.map((f) => reached(f, target)));
      end = await w.store.commit([record(i)], end);
      await all;
      samples.push(performance.now() - t0);
    }
    out.push({ followers: n, ...stats(samples) });
    for (const f of followers) {
      f.store.close();
      f.client.close();
    }
    await w.close();
  }
  return out;
}

async function startupRead(etcd) {
  const total = quick ? 20_000 : 100_000;
  const w = await writer(etcd);
  let end = -1;
  const per = total / 100;
  for (let i = 0; i < 100; i++) end = await w.store.commit(Array.from({ length: per }, (_, j) => record(j)), end);
  const readOnce = async () => {
    const client = connectEtcd({ endpoints: etcd.endpoints });
    const store = new EtcdMetadataStore({ client, keys: w.keys, codec: BYTES, fence: () => null });
    const t0 = performance.now();
    const batches = await store.start(() => undefined);
    const ms = performance.now() - t0;
    const records = batches.reduce((a, b) => a + b.records.length, 0);
    store.close();
    client.close();
    return { ms: round(ms), batches: batches.length, records };
  };
  const fromLog = await readOnce();
  await w.store.writeSnapshot(Array.from({ length: total }, (_, j) => record(j)), end);
  const fromSnapshot = await readOnce();
  await w.close();
  return { records: total, bytes: total * 80, fromLog, fromSnapshot };
}

const CHILD = `
const [endpoints, prefix, ttl, dist] = JSON.parse(process.argv[1]);
const { connectEtcd } = require(dist + '/cluster/etcd/etcd-client.js');
const { EtcdKeys } = require(dist + '/cluster/etcd/etcd-keys.js');
const { EtcdSession } = require(dist + '/cluster/etcd/etcd-session.js');
const { OwnBrokerRegistration } = require(dist + '/cluster/etcd/broker-registration.js');
const { ControllerElection } = require(dist + '/cluster/etcd/controller-election.js');
(async () => {
  const client = connectEtcd({ endpoints });
  const keys = new EtcdKeys(prefix);
  const session = await EtcdSession.open(client, { sessionTimeoutMs: ttl, heartbeatIntervalMs: Math.floor(ttl / 4) });
  await OwnBrokerRegistration.register({ client, keys, session, timeoutMs: 10000, broker: { id: 1, rack: null, endpoints: [] } });
  const election = await ControllerElection.start({ client, keys, nodeId: 1, session });
  election.onElected(() => process.stdout.write('elected\\n'));
  await election.stand();
})();
`;

async function failover(etcd, ttlMs) {
  const electedAfter = [];
  const droppedAfter = [];
  for (let round = 0; round < (quick ? 2 : 5); round++) {
    const keys = new EtcdKeys(`/bench/${process.pid}-${++prefixes}`);
    const child = spawn(process.execPath, ['-e', CHILD, JSON.stringify([etcd.endpoints, keys.root, ttlMs, path.join(root, 'dist')])], { stdio: ['ignore', 'pipe', 'inherit'] });
    await new Promise((resolve) => child.stdout.on('data', (d) => d.toString().includes('elected') && resolve()));
    const client = connectEtcd({ endpoints: etcd.endpoints });
    const session = await EtcdSession.open(client, { sessionTimeoutMs: ttlMs, heartbeatIntervalMs: Math.floor(ttlMs / 4) });
    const registry = await BrokerRegistry.start(client, keys);
    const election = await ControllerElection.start({ client, keys, nodeId: 2, session });
    await election.stand();
    let t0 = 0;
    const elected = new Promise((resolve) => election.onElected(() => resolve(performance.now() - t0)));
    const dropped = new Promise((resolve) => registry.onChange((c) => c.unregistered.some((b) => b.id === 1) && resolve(performance.now() - t0)));
    const exited = new Promise((resolve) => child.once('exit', resolve));
    t0 = performance.now();
    child.kill('SIGKILL');
    electedAfter.push(await elected);
    droppedAfter.push(await dropped);
    await exited;
    await registry.close();
    await election.close();
    await session.close();
    client.close();
  }
  return { ttlMs, electedMs: stats(electedAfter), droppedMs: stats(droppedAfter) };
}

const etcd = await startEtcd();
const results = { etcd: 'Debian etcd-server 3.4, 1 member, heartbeat 10 ms, election 100 ms', node: process.version, date: new Date().toISOString() };
try {
  results.commit = await commitLatency(etcd);
  console.log('commit latency (ms)', results.commit);
  results.fanOut = await fanOut(etcd);
  console.log('watch fan-out, commit start to last follower (ms)', results.fanOut);
  results.startup = await startupRead(etcd);
  console.log('start-up read', results.startup);
  results.failover = [await failover(etcd, 1000), await failover(etcd, 2000)];
  console.log('failover after SIGKILL of the controller', JSON.stringify(results.failover, null, 1));
} finally {
  await etcd.close();
}
if (jsonOut) fs.writeFileSync(jsonOut, JSON.stringify(results, null, 2));
process.exit(0);
