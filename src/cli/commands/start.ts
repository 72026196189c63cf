/**
 * `weir start`: runs a broker in the foreground until SIGTERM/SIGINT, then
 * shuts down gracefully. Start-up failures people actually hit (port in
 * use, data dir locked by another broker or not writable) get one sentence
 * saying what to do instead of a stack trace.
 */
import * as fs from 'node:fs';
import { Broker } from '../../broker/broker';
import { crc32cMethod } from '../../checksum/crc32c';
import { loadBrokerConfig } from '../../config';
import { createLogger, type LogLevel } from '../../logger';
import type * as MetricsModule from '../../metrics';
import { sendfileAvailable } from '../../network/sendfile';
import { DataDirLockedError } from '../../storage/dir-lock';
import { ParsedArgs, UsageError, keyValue } from '../args';
import { Command, parseOrHelp } from '../command';

const LOG_LEVELS: readonly LogLevel[] = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

const spec = {
  usage: 'weir start [options]',
  summary: 'run a broker in the foreground (Ctrl-C stops it gracefully)',
  options: [
    { name: 'config', value: 'FILE', help: 'a Kafka server.properties to read' },
    { name: 'override', value: 'KEY=VALUE', repeatable: true, help: 'a broker property (wins over --config)' },
    { name: 'port', value: 'N', help: 'port of the first listener (default 9092; 0 = any free port)' },
    { name: 'host', value: 'HOST', help: 'host of the first listener (default 127.0.0.1)' },
    { name: 'data-dir', value: 'DIR', help: 'data directory (default ./weir-data)' },
    { name: 'memory', help: 'keep everything in memory (nothing on disk)' },
    { name: 'log-level', value: 'LEVEL', help: 'fatal|error|warn|info|debug|trace (default info)' },
    { name: 'metrics-port', value: 'N', help: 'serve Prometheus metrics at http://HOST:N/metrics (off by default)' },
  ],
  notes: 'examples:\n  weir start --memory --port 0\n  weir start --config server.properties --override num.partitions=3',
};

/** One sentence for a start-up failure; null when it is not one we know. */
export function explainStartError(err: unknown, port: number | undefined, dataDir: string | undefined): string | null {
  if (err instanceof DataDirLockedError) {
    return `data directory ${err.dir} is in use by another broker (process ${err.ownerPid}): stop it, or give this one another --data-dir (or --memory)`;
  }
  const e = err as NodeJS.ErrnoException;
  if (e.code === 'EADDRINUSE') return `port ${port ?? 9092} is already in use: is another broker running? Use --port to pick another (0 = any free port)`;
  if (e.code === 'EADDRNOTAVAIL') return `cannot listen on that address: ${e.message}; check --host`;
  if (e.code === 'EACCES' && e.syscall === 'listen') return `not allowed to listen on port ${port}: ports below 1024 need privileges; use --port`;
  if (e.code === 'ENOTDIR' || e.code === 'EEXIST') {
    return `data directory ${dataDir ?? e.path} cannot be used: ${e.path ?? 'a part of its path'} is a file, not a directory (${e.code}); choose another with --data-dir, or use --memory`;
  }
  if (e.code === 'EACCES' || e.code === 'EPERM' || e.code === 'EROFS') {
    const where = e.path ?? dataDir ?? './weir-data';
    return `data directory ${dataDir ?? where} is not writable (${e.code} on ${where}): choose another with --data-dir, or use --memory`;
  }
  return null;
}

async function run(args: ParsedArgs): Promise<void> {
  if (args.positionals.length > 0) throw new UsageError(`unexpected argument '${args.positionals[0]}'`, 'start');
  const logLevel = (args.string('log-level') ?? 'info') as LogLevel;
  if (!LOG_LEVELS.includes(logLevel)) throw new UsageError(`--log-level expects one of ${LOG_LEVELS.join(', ')}`, 'start');
  const port = args.integer('port');
  if (port !== undefined && port > 65535) throw new UsageError('--port must be an integer between 0 and 65535', 'start');
  const overrides = Object.fromEntries(args.strings('override').map((kv) => keyValue(kv, '--override', 'start')));
  const dataDir = args.string('data-dir');

  const log = createLogger({ level: logLevel, pretty: process.stdout.isTTY === true });
  const configFile = args.string('config');
  const text = configFile ? fs.readFileSync(configFile, 'utf8') : '';
  const resolution = loadBrokerConfig(text, overrides);
  for (const w of resolution.warnings) log.warn({ key: w.key }, w.message);
  // Real Kafka keys that were set but that Weir does not act on: one line, so nobody relies on them unknowingly.
  if (resolution.ignoredKeys.length > 0) log.warn({ keys: resolution.ignoredKeys }, 'these Kafka configs are accepted but not supported: Weir ignores them');
  for (const e of resolution.errors) log.error({ key: e.configName }, e.message);
  if (resolution.errors.length > 0) process.exit(1);
  const properties: Record<string, string> = {};
  for (const [k, v] of resolution.config.staticLayer) properties[k] = v.raw;

  const metricsPort = args.integer('metrics-port');
  if (metricsPort !== undefined && metricsPort > 65535) throw new UsageError('--metrics-port must be an integer between 0 and 65535', 'start');
  // prom-client and its dependencies load only when metrics are asked for (start-up time, memory).
  const metricsModule = metricsPort === undefined ? null : (require('../../metrics') as typeof MetricsModule);
  const metrics = metricsModule ? new metricsModule.BrokerMetrics({ processMetrics: true }) : null;

  // The handlers go in before anything starts: whoever waits for the banner
  // (startCluster, a supervisor) may signal the moment it appears, and a
  // SIGTERM that finds no handler kills the process on the spot: no
  // controlled shutdown, and its registration left for the other brokers to
  // wait out. A signal during start-up stops the broker once it has started.
  let running: { broker: Broker; metricsServer: MetricsModule.MetricsServer | null } | null = null;
  let stopSignal: string | null = null;
  const stop = (signal: string) => {
    if (stopSignal !== null) return;
    stopSignal = signal;
    log.info({ signal }, 'shutting down');
    if (running !== null) closeAndExit(running.broker, running.metricsServer);
  };
  const closeAndExit = (broker: Broker, metricsServer: MetricsModule.MetricsServer | null) => {
    Promise.all([broker.close(), metricsServer?.close()]).then(
      () => process.exit(0),
      (err: unknown) => {
        log.error({ err }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));

  const started = Date.now();
  let broker: Broker;
  try {
    broker = await Broker.start({ properties, memory: args.flag('memory'), dataDir, port, host: args.string('host'), logger: log, requestObserver: metrics?.observer });
  } catch (err) {
    log.fatal(explainStartError(err, port, dataDir) ?? (err as Error).message);
    process.exit(1);
  }
  let metricsServer: MetricsModule.MetricsServer | null = null;
  if (metricsModule && metrics && metricsPort !== undefined) {
    metrics.attach(metricsModule.brokerMetricsSource(broker));
    try {
      metricsServer = await metricsModule.startMetricsServer(metrics, metricsPort, args.string('host') ?? '127.0.0.1');
    } catch (err) {
      const e = err as NodeJS.ErrnoException;
      log.fatal(e.code === 'EADDRINUSE' ? `metrics port ${metricsPort} is already in use: pick another --metrics-port` : `metrics endpoint failed: ${e.message}`);
      await broker.close();
      process.exit(1);
    }
  }
  log.info(
    {
      bootstrapServers: broker.bootstrapServers,
      listeners: Object.fromEntries(broker.listeners.map((l) => [l.name, broker.bootstrapServersFor(l.name)])),
      dataDir: broker.context.dataDir ?? '(memory)',
      startupMs: Date.now() - started,
      sendfile: sendfileAvailable(),
      crc32c: crc32cMethod,
      ...(metricsServer ? { metricsUrl: metricsServer.url } : {}),
    },
    `Weir listening on ${broker.bootstrapServers}`,
  );
  running = { broker, metricsServer };
  if (stopSignal !== null) closeAndExit(broker, metricsServer);
}

export const startCommand: Command = {
  name: 'start',
  summary: spec.summary,
  async run(argv) {
    const args = parseOrHelp(spec, argv, 'start');
    if (args) await run(args);
  },
};
