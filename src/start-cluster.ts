/**
 * The embedding API's cluster: etcd plus N Weir brokers, each a child
 * process (the compiled CLI, `weir start`), so a test can really kill one.
 *
 *   const cluster = await startCluster({ brokers: 3 });
 *   ... clients connect to cluster.bootstrapServers ...
 *   await cluster.kill(2);               // SIGKILL broker 2
 *   await cluster.restart(2);            // same node.id, port and data dir
 *   await cluster.close();
 *
 * Without `etcdEndpoints` it starts its own etcd (Debian's etcd-server,
 * /usr/bin/etcd, or WEIR_ETCD_BIN) on a loopback port with a temp data dir,
 * and stops it on close. Broker n has node.id n, its own data dir under
 * `dataDir` (a temp dir by default, removed on close) and a port (picked at
 * start, or `firstPort + n - 1`) kept across restarts, so the bootstrap
 * list stays valid. `weir cluster` runs one from the command line.
 *
 * When startCluster resolves, every broker has printed its banner (it is
 * registered and unfenced, and serves on its port) and the Metadata of
 * every broker lists all of them, so a client may bootstrap from any. Broker
 * 1 starts first and, on a fresh cluster, is the controller; the others
 * start together once it is serving (it has bootstrapped the cluster).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { freePort, type RunningEtcd, startEtcd } from './testing/etcd-server';

export interface StartClusterOptions {
  /** How many brokers (node ids 1..brokers). Default 3. */
  brokers?: number;
  /** An etcd to use (client URLs); one is started (and stopped on close) otherwise. */
  etcdEndpoints?: readonly string[];
  /** etcd.key.prefix; a fresh one per cluster by default, so clusters can share an etcd. */
  keyPrefix?: string;
  /** Where the brokers' data dirs go (`broker-<id>/`); a temp dir, removed on close, otherwise. */
  dataDir?: string;
  /** Broker n listens on firstPort + n - 1 (consecutive ports); free ports picked at start otherwise. */
  firstPort?: number;
  /** Host the brokers listen on and advertise (default 127.0.0.1). */
  host?: string;
  /** Kafka broker properties for every broker, e.g. { 'broker.session.timeout.ms': 2000 }. */
  config?: Record<string, string | number | boolean>;
  /** Properties of one broker over `config`, e.g. its `broker.rack` or its `advertised.listeners`. */
  brokerConfig?: (nodeId: number) => Record<string, string | number | boolean>;
  /** How long a broker may take to start (and register) before startCluster gives up. Default 60 s. */
  startTimeoutMs?: number;
  /** Serve each broker's Prometheus metrics on a free port (`metricsUrl`). Off by default. */
  metrics?: boolean;
}

export interface ClusterBroker {
  readonly nodeId: number;
  /** The running process's pid (0 while it is not running). */
  readonly pid: number;
  readonly port: number;
}

export interface RunningCluster {
  /** host:port of every broker, comma-separated. */
  readonly bootstrapServers: string;
  readonly brokers: readonly ClusterBroker[];
  /** The etcd the brokers use. */
  readonly etcdEndpoints: readonly string[];
  /** Sends `signal` (default SIGKILL) to a broker; resolves once it exited (at once for SIGSTOP / SIGCONT). */
  kill(nodeId: number, signal?: NodeJS.Signals): Promise<void>;
  /** Starts a broker again (stopping it first if it runs), same node.id, port and data dir; resolves once it is registered. */
  restart(nodeId: number): Promise<void>;
  /** What a broker printed (its log lines), for diagnostics. */
  output(nodeId: number): string;
  /** The running broker's Prometheus endpoint (with `metrics`; a new port after each restart), else null. */
  metricsUrl(nodeId: number): string | null;
  /** Stops every broker (SIGTERM), then the etcd it started, and removes the temp dirs. */
  close(): Promise<void>;
}

/** The compiled CLI: beside this file in dist/, or dist/ of the repository when running from src/. */
function cliPath(): string {
  const here = path.resolve(__dirname, 'cli', 'main.js');
  if (fs.existsSync(here)) return here;
  return path.resolve(__dirname, '..', 'dist', 'cli', 'main.js');
}

interface BrokerSlot {
  readonly nodeId: number;
  /** Fixed once the broker first listens (a first start may move it off a port taken meanwhile). */
  port: number;
  readonly dataDir: string;
  child: ChildProcess | null;
  exited: Promise<void>;
  out: string;
  /** Called after each chunk of the running process's output. */
  readonly onOutput: Set<() => void>;
}

/**
 * The brokers a broker last said it lists in Metadata (its `liveBrokers`
 * log line, live-brokers-log.ts); null before the first such line is whole.
 */
function listedBrokers(out: string): Set<number> | null {
  const at = out.lastIndexOf('"liveBrokers":[');
  if (at < 0) return null;
  const m = /^"liveBrokers":\[([\d,]*)\]/.exec(out.slice(at, at + 4096));
  if (!m) return null;
  return new Set(m[1]!.split(',').filter((x) => x.length > 0).map(Number));
}

/**
 * A cluster of fewer than 3 brokers could never create the internal topics
 * with Kafka's replication factor of 3 (their coordinators would answer
 * COORDINATOR_NOT_AVAILABLE for ever): it replicates them on every broker
 * instead, as Kafka's own test harnesses configure small clusters.
 * `config` still wins.
 */
function smallClusterDefaults(count: number): Record<string, number> {
  if (count >= 3) return {};
  return {
    'offsets.topic.replication.factor': count,
    'transaction.state.log.replication.factor': count,
    'transaction.state.log.min.isr': Math.min(2, count),
  };
}

export async function startCluster(options: StartClusterOptions = {}): Promise<RunningCluster> {
  const count = options.brokers ?? 3;
  if (!Number.isInteger(count) || count < 1) throw new Error(`brokers must be a positive integer, got ${count}`);
  const host = options.host ?? '127.0.0.1';
  const startTimeoutMs = options.startTimeoutMs ?? 60_000;
  const ownDir = options.dataDir === undefined ? fs.mkdtempSync(path.join(os.tmpdir(), 'weir-cluster-')) : null;
  const root = options.dataDir ?? ownDir!;
  let etcd: RunningEtcd | null = null;
  const slots: BrokerSlot[] = [];
  const cli = cliPath();

  const spawnBroker = async (slot: BrokerSlot): Promise<void> => {
    const args = [cli, 'start', '--host', host, '--port', String(slot.port), '--data-dir', slot.dataDir, '--log-level', 'info'];
    if (options.metrics) args.push('--metrics-port', '0');
    const config: Record<string, string | number | boolean> = {
      ...smallClusterDefaults(count),
      ...options.config,
      ...options.brokerConfig?.(slot.nodeId),
      'node.id': slot.nodeId,
      'etcd.endpoints': endpoints.join(','),
      'etcd.key.prefix': keyPrefix,
    };
    for (const [k, v] of Object.entries(config)) args.push('--override', `${k}=${v}`);
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    slot.child = child;
    slot.out = '';
    slot.exited = new Promise((resolve) => child.once('exit', () => resolve()));
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`broker ${slot.nodeId} did not start within ${startTimeoutMs} ms:\n${slot.out}`)), startTimeoutMs);
      timer.unref();
      const onData = (d: Buffer) => {
        slot.out += d.toString();
        for (const f of slot.onOutput) f();
        if (/"bootstrapServers":"[^"]+"|listening on /.test(slot.out)) {
          clearTimeout(timer);
          resolve();
        }
      };
      child.stdout!.on('data', onData);
      child.stderr!.on('data', (d: Buffer) => (slot.out += d.toString()));
      child.once('exit', (code, signal) => {
        clearTimeout(timer);
        reject(new Error(`broker ${slot.nodeId} exited (${code ?? signal}) before it was ready:\n${slot.out}`));
      });
    });
  };

  /**
   * The first start of a broker on a port picked free: another process (a
   * test file running beside this one) may take that port between the pick
   * and the broker's bind, so a broker refused its port starts again on a
   * new one. Restarts keep their port, as a restarted Kafka broker does.
   */
  const spawnOnFreePort = async (slot: BrokerSlot): Promise<void> => {
    for (let attempt = 1; ; attempt++) {
      try {
        return await spawnBroker(slot);
      } catch (err) {
        const portTaken = /already in use/.test(slot.out);
        if (!portTaken || options.firstPort !== undefined || attempt >= 3) throw err;
        slot.port = await freePort();
      }
    }
  };

  /**
   * Resolves once the broker's Metadata lists every one of `nodeIds` (what
   * it last logged; the line comes with the image change Metadata answers
   * from). Its banner says only that it is registered itself.
   */
  const untilListing = (slot: BrokerSlot, nodeIds: readonly number[]): Promise<void> =>
    new Promise<void>((resolve, reject) => {
      const child = slot.child;
      const done = (err?: Error) => {
        slot.onOutput.delete(check);
        child?.off('exit', onExit);
        clearTimeout(timer);
        if (err) reject(err);
        else resolve();
      };
      const check = () => {
        const listed = listedBrokers(slot.out);
        if (listed && nodeIds.every((id) => listed.has(id))) done();
      };
      const onExit = () => done(new Error(`broker ${slot.nodeId} exited while the cluster was starting:\n${slot.out}`));
      const timer = setTimeout(() => {
        const listed = listedBrokers(slot.out);
        done(new Error(`broker ${slot.nodeId} did not list brokers ${nodeIds.join(', ')} in Metadata within ${startTimeoutMs} ms (it lists ${listed ? [...listed].join(', ') : 'none'}):\n${slot.out}`));
      }, startTimeoutMs);
      timer.unref();
      slot.onOutput.add(check);
      if (!child || child.exitCode !== null || child.signalCode !== null) return onExit();
      child.once('exit', onExit);
      check();
    });

  const stopBroker = async (slot: BrokerSlot, signal: NodeJS.Signals): Promise<void> => {
    const child = slot.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    child.kill(signal);
    await slot.exited;
  };

  let endpoints: readonly string[] = [];
  const keyPrefix = options.keyPrefix ?? `/weir/cluster-${process.pid}-${Date.now().toString(36)}`;
  try {
    if (options.etcdEndpoints && options.etcdEndpoints.length > 0) endpoints = options.etcdEndpoints;
    else {
      etcd = await startEtcd({ dataDir: path.join(root, 'etcd') });
      endpoints = etcd.endpoints;
    }
    for (let nodeId = 1; nodeId <= count; nodeId++) {
      const port = options.firstPort === undefined ? await freePort() : options.firstPort + nodeId - 1;
      slots.push({ nodeId, port, dataDir: path.join(root, `broker-${nodeId}`), child: null, exited: Promise.resolve(), out: '', onOutput: new Set() });
    }
    // Broker 1 alone first: it elects itself controller and bootstraps the
    // cluster, so a fresh cluster's controller is always broker 1. The others
    // then start together: each only registers with that controller, and a
    // broker's start-up is mostly node loading modules, which two cores do
    // side by side. Every start settles before a failure is reported, so
    // the clean-up below finds every process spawned (none comes after it).
    await spawnOnFreePort(slots[0]!);
    const rest = await Promise.allSettled(slots.slice(1).map((slot) => spawnOnFreePort(slot)));
    const failed = rest.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) throw failed.reason;
    // Each banner says that broker is registered; a client may ask any of
    // them, so every one must also have learned of all the others.
    const all = slots.map((s) => s.nodeId);
    await Promise.all(slots.map((slot) => untilListing(slot, all)));
  } catch (err) {
    for (const slot of slots) await stopBroker(slot, 'SIGKILL');
    await etcd?.close();
    if (ownDir) fs.rmSync(ownDir, { recursive: true, force: true });
    throw err;
  }

  const slotOf = (nodeId: number): BrokerSlot => {
    const slot = slots.find((s) => s.nodeId === nodeId);
    if (!slot) throw new Error(`no broker with node.id ${nodeId} (brokers: ${slots.map((s) => s.nodeId).join(', ')})`);
    return slot;
  };
  let closing: Promise<void> | null = null;
  return {
    bootstrapServers: slots.map((s) => `${host}:${s.port}`).join(','),
    get brokers() {
      return slots.map((s) => ({ nodeId: s.nodeId, pid: s.child && s.child.exitCode === null && s.child.signalCode === null ? (s.child.pid ?? 0) : 0, port: s.port }));
    },
    etcdEndpoints: endpoints,
    async kill(nodeId, signal = 'SIGKILL') {
      const slot = slotOf(nodeId);
      if (signal === 'SIGSTOP' || signal === 'SIGCONT') {
        slot.child?.kill(signal);
        return;
      }
      await stopBroker(slot, signal);
    },
    async restart(nodeId) {
      const slot = slotOf(nodeId);
      slot.child?.kill('SIGCONT'); // a stopped process cannot handle SIGTERM
      await stopBroker(slot, 'SIGTERM');
      await spawnBroker(slot);
    },
    output: (nodeId) => slotOf(nodeId).out,
    metricsUrl(nodeId) {
      const slot = slotOf(nodeId);
      if (!slot.child || slot.child.exitCode !== null || slot.child.signalCode !== null) return null;
      return /"metricsUrl":"([^"]+)"/.exec(slot.out)?.[1] ?? null;
    },
    close: () =>
      (closing ??= (async () => {
        await Promise.all(
          slots.map((s) => {
            s.child?.kill('SIGCONT');
            return stopBroker(s, 'SIGTERM');
          }),
        );
        await etcd?.close();
        if (ownDir) fs.rmSync(ownDir, { recursive: true, force: true });
      })()),
  };
}
