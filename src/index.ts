/**
 * The embedding API: a real Weir broker inside your process, for tests and
 * tools.
 *
 *   const broker = await startBroker({ port: 0 });          // in memory
 *   const broker = await startBroker({ storage: { dataDir } });
 *   const broker = await startBroker({ config: {             // several listeners
 *     listeners: 'PLAINTEXT://127.0.0.1:0,SASL_SSL://127.0.0.1:0', ... } });
 *   broker.bootstrapServersFor('SASL_SSL');
 *   ... clients connect to broker.bootstrapServers ...
 *   await broker.close();
 */
import { Broker } from './broker/broker';
import { createLogger, type LogLevel } from './logger';
import type * as MetricsModule from './metrics';

export interface StartBrokerOptions {
  /** Port of the first listener; 0 (the default here) picks a free one. */
  port?: number;
  /** Host of the first listener (default 127.0.0.1). */
  host?: string;
  /** 'memory' (the default) or an on-disk data directory. */
  storage?: 'memory' | { dataDir: string };
  /** Kafka broker properties, e.g. { 'num.partitions': '3' }. */
  config?: Record<string, string | number | boolean>;
  /** Broker log lines on stdout at this level (default: silent). */
  logLevel?: LogLevel;
  /** Serve Prometheus metrics at http://host:metricsPort/metrics (0 = any free port). Off by default. */
  metricsPort?: number;
}

export interface RunningBroker {
  /** host:port of the first listener, for the clients' bootstrap servers. */
  readonly bootstrapServers: string;
  readonly port: number;
  /** Every listener (name, security protocol, host:port), in the order of `listeners`. */
  readonly listeners: readonly { name: string; securityProtocol: string; bootstrapServers: string }[];
  /** host:port of one listener by name (e.g. 'SASL_SSL'). */
  bootstrapServersFor(listenerName: string): string;
  /** The Prometheus endpoint, when metricsPort was given. */
  readonly metricsUrl?: string;
  /** Graceful shutdown; releases every handle. */
  close(): Promise<void>;
}

export async function startBroker(options: StartBrokerOptions = {}): Promise<RunningBroker> {
  const properties: Record<string, string> = {};
  for (const [k, v] of Object.entries(options.config ?? {})) properties[k] = String(v);
  const storage = options.storage ?? 'memory';
  const host = options.host ?? '127.0.0.1';
  // prom-client loads only when metrics are asked for (start-up time, memory).
  const metricsModule = options.metricsPort === undefined ? null : (require('./metrics') as typeof MetricsModule);
  const metrics = metricsModule ? new metricsModule.BrokerMetrics() : null;
  const broker = await Broker.start({
    properties,
    memory: storage === 'memory',
    dataDir: storage === 'memory' ? undefined : storage.dataDir,
    port: options.port ?? 0,
    host,
    logger: createLogger({ level: options.logLevel ?? 'silent' }),
    requestObserver: metrics?.observer,
  });
  let metricsServer: MetricsModule.MetricsServer | null = null;
  if (metricsModule && metrics && options.metricsPort !== undefined) {
    metrics.attach(metricsModule.brokerMetricsSource(broker));
    try {
      metricsServer = await metricsModule.startMetricsServer(metrics, options.metricsPort, host);
    } catch (err) {
      await broker.close();
      throw err;
    }
  }
  let closing: Promise<void> | null = null;
  return {
    bootstrapServers: broker.bootstrapServers,
    port: broker.port,
    listeners: broker.listeners.map((l) => ({ name: l.name, securityProtocol: l.securityProtocol, bootstrapServers: broker.bootstrapServersFor(l.name) })),
    bootstrapServersFor: (name) => broker.bootstrapServersFor(name),
    metricsUrl: metricsServer?.url,
    close: () => (closing ??= Promise.all([broker.close(), metricsServer?.close()]).then(() => undefined)),
  };
}

export { Broker };

/** Jest globalSetup/globalTeardown helpers: one broker per test run, address in WEIR_BOOTSTRAP_SERVERS. */
export { jestGlobalSetup, jestGlobalTeardown } from './testing/jest-global-setup';

/** A cluster on etcd for test suites: etcd plus N brokers as child processes. */
export { startCluster } from './start-cluster';
export type { StartClusterOptions, RunningCluster, ClusterBroker } from './start-cluster';
