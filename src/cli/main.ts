#!/usr/bin/env node
/**
 * The `weir` command. `weir start` runs a broker in the foreground until
 * SIGTERM/SIGINT, then shuts down gracefully.
 */
import * as fs from 'node:fs';
import { Broker } from '../broker/broker';
import { loadBrokerConfig } from '../config';
import { createLogger, type LogLevel } from '../logger';

const USAGE = `usage: weir start [options]

  --config FILE        Kafka server.properties to read
  --override KEY=VALUE a broker property (repeatable; wins over --config)
  --port N             listener port (default 9092; 0 = any free port)
  --host HOST          listener host (default 127.0.0.1)
  --data-dir DIR       data directory (default ./weir-data)
  --memory             keep everything in memory (nothing on disk)
  --log-level LEVEL    fatal|error|warn|info|debug|trace (default info)
`;

interface StartArgs {
  config?: string;
  overrides: Record<string, string>;
  port?: number;
  host?: string;
  dataDir?: string;
  memory: boolean;
  logLevel: LogLevel;
}

function parseStartArgs(argv: string[]): StartArgs {
  const args: StartArgs = { overrides: {}, memory: false, logLevel: 'info' };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const value = (): string => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${a} needs a value`);
      return v;
    };
    switch (a) {
      case '--config': args.config = value(); break;
      case '--override': {
        const kv = value();
        const eq = kv.indexOf('=');
        if (eq <= 0) throw new Error(`--override expects KEY=VALUE, got '${kv}'`);
        args.overrides[kv.slice(0, eq)] = kv.slice(eq + 1);
        break;
      }
      case '--port': args.port = Number(value()); break;
      case '--host': args.host = value(); break;
      case '--data-dir': args.dataDir = value(); break;
      case '--memory': args.memory = true; break;
      case '--log-level': args.logLevel = value() as LogLevel; break;
      default: throw new Error(`unknown option ${a}`);
    }
  }
  if (args.port !== undefined && !(Number.isInteger(args.port) && args.port >= 0 && args.port < 65536)) {
    throw new Error('--port must be an integer between 0 and 65535');
  }
  return args;
}

async function start(argv: string[]): Promise<void> {
  const args = parseStartArgs(argv);
  const log = createLogger({ level: args.logLevel, pretty: process.stdout.isTTY === true });
  const text = args.config ? fs.readFileSync(args.config, 'utf8') : '';
  const resolution = loadBrokerConfig(text, args.overrides);
  for (const w of resolution.warnings) log.warn({ key: w.key }, w.message);
  for (const e of resolution.errors) log.error({ key: e.configName }, e.message);
  if (resolution.errors.length > 0) process.exit(1);
  const properties: Record<string, string> = {};
  for (const layer of [resolution.config.staticLayer]) for (const [k, v] of layer) properties[k] = v.raw;

  const started = Date.now();
  let broker: Broker;
  try {
    broker = await Broker.start({ properties, memory: args.memory, dataDir: args.dataDir, port: args.port, host: args.host, logger: log });
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    if (e.code === 'EADDRINUSE') log.fatal(`port ${args.port ?? 9092} is already in use: is another broker running? Use --port to pick another.`);
    else if (e.code === 'EACCES') log.fatal(`permission denied: ${e.message}`);
    else log.fatal(e.message);
    process.exit(1);
  }
  log.info(
    { bootstrapServers: broker.bootstrapServers, dataDir: broker.context.dataDir ?? '(memory)', startupMs: Date.now() - started },
    `Weir listening on ${broker.bootstrapServers}`,
  );

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'shutting down');
    broker.close().then(
      () => process.exit(0),
      (err: unknown) => {
        log.error({ err }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}

async function main(argv: string[]): Promise<void> {
  const [command, ...rest] = argv;
  switch (command) {
    case 'start':
      return start(rest);
    case undefined:
    case '-h':
    case '--help':
      process.stdout.write(USAGE);
      return;
    default:
      process.stderr.write(`weir: unknown command '${command}'\n${USAGE}`);
      process.exit(2);
  }
}

main(process.argv.slice(2)).catch((err: unknown) => {
  process.stderr.write(`weir: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
