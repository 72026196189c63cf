/**
 * `weir cluster`: a local cluster for development in the foreground: etcd
 * (Debian's etcd-server, or --etcd to use a running one) and N brokers on
 * consecutive ports, each a `weir start` child process with its data under
 * one directory; Ctrl-C stops them all (brokers first, then etcd).
 * The embedding API's startCluster does the work.
 *
 * `weir cluster describe` is a client command (any Kafka cluster): the
 * brokers with the partitions each leads and holds, the controller, and the
 * partitions that need attention (under-replicated, offline, being
 * reassigned), from Metadata and ListPartitionReassignments.
 */
import * as path from 'node:path';
import { BOOTSTRAP_OPTION, COMMAND_CONFIG_OPTION, ParsedArgs, UsageError, keyValue } from '../args';
import { Command, parseOrHelp, withClient } from '../command';
import { formatTable } from '../table';
import type { RunningCluster } from '../../start-cluster';

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
  notes:
    'examples:\n  weir cluster\n  weir cluster --brokers 5 --port 19092 --override broker.session.timeout.ms=3000\n\n' +
    "'weir cluster describe -b HOST:PORT' shows a running cluster (see its --help).",
};

async function run(args: ParsedArgs): Promise<void> {
  if (args.positionals.length > 0) throw new UsageError(`unexpected argument '${args.positionals[0]}'`, 'cluster');
  // Loaded here: `weir cluster describe` never starts anything.
  const { startCluster } = require('../../start-cluster') as typeof import('../../start-cluster');
  const brokers = args.integer('brokers', 1) ?? 3;
  const firstPort = args.integer('port', 1) ?? 9092;
  if (firstPort + brokers - 1 > 65535) throw new UsageError('--port plus --brokers must stay below 65536', 'cluster');
  const dataDir = path.resolve(args.string('data-dir') ?? './weir-cluster');
  const etcd = args.string('etcd');
  const config = Object.fromEntries(args.strings('override').map((kv) => keyValue(kv, '--override', 'cluster')));
  // Handlers first, as in `weir start`: a signal while the cluster starts
  // stops it once it has started, instead of leaving its brokers running.
  let cluster: RunningCluster | null = null;
  let stopping = false;
  const stop = () => {
    if (stopping) return;
    stopping = true;
    process.stdout.write('stopping the cluster\n');
    if (cluster !== null) closeAndExit(cluster);
  };
  const closeAndExit = (running: RunningCluster) => {
    running.close().then(
      () => process.exit(0),
      (err: unknown) => {
        process.stderr.write(`weir: stopping the cluster failed: ${(err as Error).message}\n`);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  const started = await startCluster({
    brokers,
    firstPort,
    host: args.string('host'),
    dataDir,
    etcdEndpoints: etcd ? etcd.split(',').map((e) => e.trim()) : undefined,
    keyPrefix: '/weir',
    config,
  });
  cluster = started;
  if (stopping) return closeAndExit(started);
  process.stdout.write(
    `Weir cluster of ${brokers} on etcd ${started.etcdEndpoints.join(',')}, data in ${dataDir}\n` +
      `bootstrap servers: ${started.bootstrapServers}\n` +
      started.brokers.map((b) => `  node ${b.nodeId}: port ${b.port}, pid ${b.pid}\n`).join('') +
      'Ctrl-C stops all\n',
  );
}

const describeSpec = {
  usage: 'weir cluster describe [options]',
  summary: 'brokers, the controller, and under-replicated, offline and reassigning partitions',
  options: [BOOTSTRAP_OPTION, COMMAND_CONFIG_OPTION],
};

async function describe(args: ParsedArgs): Promise<void> {
  if (args.positionals.length > 0) throw new UsageError(`unexpected argument '${args.positionals[0]}'`, 'cluster describe');
  const text = await withClient(args, async (client) => {
    const { ClientApis, listPartitionReassignments } = require('../../client') as typeof import('../../client');
    const md = await client.metadata(null);
    const reassigning = (await client.versionFor('controller', ClientApis.ListPartitionReassignments)) === null ? null : await listPartitionReassignments(client, null);
    const partitions = [...md.topics.values()].sort((a, b) => a.name.localeCompare(b.name)).flatMap((t) => t.partitions.map((p) => ({ topic: t.name, ...p })));
    const brokers = [...md.brokers.values()].sort((a, b) => a.nodeId - b.nodeId);
    let out = `cluster ${md.clusterId ?? '-'}  controller ${md.controllerId}  brokers ${brokers.length}\n\n`;
    out += formatTable(
      ['BROKER', 'ADDRESS', 'RACK', 'LEADS', 'REPLICAS', ''],
      brokers.map((b) => [
        b.nodeId,
        `${b.host}:${b.port}`,
        b.rack,
        partitions.filter((p) => p.leaderId === b.nodeId).length,
        partitions.filter((p) => p.replicas.includes(b.nodeId)).length,
        b.nodeId === md.controllerId ? 'controller' : '',
      ]),
    );
    const section = (title: string, rows: typeof partitions) =>
      rows.length === 0
        ? `\n${title}: none\n`
        : `\n${title}: ${rows.length}\n` +
          formatTable(['TOPIC', 'PARTITION', 'LEADER', 'REPLICAS', 'ISR', 'OFFLINE'], rows.map((p) => [p.topic, p.partition, p.leaderId, p.replicas.join(','), p.isr.join(','), p.offlineReplicas.join(',') || null]));
    out += section('offline partitions (no leader)', partitions.filter((p) => p.leaderId < 0));
    out += section('under-replicated partitions', partitions.filter((p) => p.leaderId >= 0 && p.isr.length < p.replicas.length));
    if (reassigning !== null) {
      out +=
        reassigning.length === 0
          ? '\nreassignments in progress: none\n'
          : `\nreassignments in progress: ${reassigning.length}\n` +
            formatTable(['TOPIC', 'PARTITION', 'REPLICAS', 'ADDING', 'REMOVING'], reassigning.map((r) => [r.topic, r.partition, r.replicas.join(','), r.addingReplicas.join(','), r.removingReplicas.join(',')]));
    }
    return out;
  });
  process.stdout.write(text);
}

export const clusterCommand: Command = {
  name: 'cluster',
  summary: `${spec.summary}; 'weir cluster describe': its state`,
  async run(argv) {
    if (argv[0] === 'describe') {
      const args = parseOrHelp(describeSpec, argv.slice(1), 'cluster describe');
      if (args) await describe(args);
      return;
    }
    const args = parseOrHelp(spec, argv, 'cluster');
    if (args) await run(args);
  },
};
