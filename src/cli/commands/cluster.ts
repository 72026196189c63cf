/**
 * `weir cluster`: a local cluster for development in the foreground: etcd
 * (Debian's etcd-server, or --etcd to use a running one) and N brokers on
 * consecutive ports, each a `weir start` child process with its data under
 * one directory; Ctrl-C stops them all (brokers first, then etcd).
 * The embedding API's startCluster does the work.
 */
import * as path from 'node:path';
import { startCluster } from '../../start-cluster';
import { ParsedArgs, UsageError, keyValue } from '../args';
import { Command, parseOrHelp } from '../command';

const spec = {
  usage: 'weir cluster [options]',
  summary: 'run etcd and N brokers on consecutive ports (Ctrl-C stops all)',
  options: [
    { name: 'brokers', value: 'N', help: 'how many brokers, node ids 1..N (default 3)' },
    { name: 'port', value: 'N', help: 'port of broker 1; broker n gets N+n-1 (default 9092)' },
    { name: 'host', value: 'HOST', help: 'host the brokers listen on (default 127.0.0.1)' },
    { name: 'data-dir', value: 'DIR', help: 'where etcd and the brokers keep their data (default ./weir-cluster; kept)' },
    { name: 'etcd', value: 'URLS', help: 'use this etcd (http://host:port,...) instead of starting one' },
    { name: 'override', value: 'KEY=VALUE', repeatable: true, help: 'a broker property for every broker' },
  ],
  notes: 'examples:\n  weir cluster\n  weir cluster --brokers 5 --port 19092 --override broker.session.timeout.ms=3000',
};

async function run(args: ParsedArgs): Promise<void> {
  if (args.positionals.length > 0) throw new UsageError(`unexpected argument '${args.positionals[0]}'`, 'cluster');
  const brokers = args.integer('brokers', 1) ?? 3;
  const firstPort = args.integer('port', 1) ?? 9092;
  if (firstPort + brokers - 1 > 65535) throw new UsageError('--port plus --brokers must stay below 65536', 'cluster');
  const dataDir = path.resolve(args.string('data-dir') ?? './weir-cluster');
  const etcd = args.string('etcd');
  const config = Object.fromEntries(args.strings('override').map((kv) => keyValue(kv, '--override', 'cluster')));
  const cluster = await startCluster({
    brokers,
    firstPort,
    host: args.string('host'),
    dataDir,
    etcdEndpoints: etcd ? etcd.split(',').map((e) => e.trim()) : undefined,
    keyPrefix: '/weir',
    config,
  });
  process.stdout.write(
    `Weir cluster of ${brokers} on etcd ${cluster.etcdEndpoints.join(',')}, data in ${dataDir}\n` +
      `bootstrap servers: ${cluster.bootstrapServers}\n` +
      cluster.brokers.map((b) => `  node ${b.nodeId}: port ${b.port}, pid ${b.pid}\n`).join('') +
      'Ctrl-C stops all\n',
  );
  let stopping = false;
  const stop = () => {
    if (stopping) return;
    stopping = true;
    process.stdout.write('stopping the cluster\n');
    cluster.close().then(
      () => process.exit(0),
      (err: unknown) => {
        process.stderr.write(`weir: stopping the cluster failed: ${(err as Error).message}\n`);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

export const clusterCommand: Command = {
  name: 'cluster',
  summary: spec.summary,
  async run(argv) {
    const args = parseOrHelp(spec, argv, 'cluster');
    if (args) await run(args);
  },
};
