/**
 * The `weir` CLI's cluster commands as a user runs them: the compiled
 * command as a subprocess against etcd and three broker processes
 * (startCluster): `weir cluster describe`, `weir topic describe` with
 * replicas and ISR, `weir partition reassign | list-reassignments |
 * cancel-reassignment | elect-leaders`.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { KafkaClient } from '../src/client/client';
import { type RunningCluster, startCluster } from '../src/start-cluster';
import { waitFor } from './support/conditions';
import { stopClusterShowingWarnings } from './support/cluster';
import { run, type RunResult } from './support/roundtrip';

const CLI = path.resolve(__dirname, '../dist/cli/main.js');

/** The CLI as a subprocess; every command is given -b. */
function weir(args: string[]): Promise<RunResult> {
  return run(process.execPath, [CLI, ...args], '', 120_000);
}

let cluster: RunningCluster;
let b: string[];
/** The brokers' data dirs (`broker-<id>/`), to see partition logs created and deleted. */
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'weir-cli-cluster-'));

beforeAll(async () => {
  cluster = await startCluster({
    brokers: 3,
    dataDir,
    config: { 'broker.session.timeout.ms': 4000, 'broker.heartbeat.interval.ms': 1000, 'auto.leader.rebalance.enable': false },
  });
  b = ['-b', cluster.bootstrapServers];
}, 120_000);

afterAll(async () => {
  await stopClusterShowingWarnings(cluster);
  fs.rmSync(dataDir, { recursive: true, force: true });
});

const hasLog = (nodeId: number, dir: string) => fs.existsSync(path.join(dataDir, `broker-${nodeId}`, dir));

async function replicasOf(topic: string): Promise<{ leader: number; replicas: number[]; isr: number[] }> {
  const c = await KafkaClient.connect(cluster.bootstrapServers);
  try {
    const p = (await c.metadata([topic])).topics.get(topic)!.partitions[0]!;
    return { leader: p.leaderId, replicas: p.replicas, isr: p.isr };
  } finally {
    await c.close();
  }
}

test('cluster describe: the brokers, the controller, and nothing unhealthy', async () => {
  const r = await weir(['cluster', 'describe', ...b]);
  expect(r.code).toBe(0);
  expect(r.stdout).toMatch(/^cluster \S+ {2}controller [123] {2}brokers 3\n/);
  expect(r.stdout).toMatch(/^BROKER\s+ADDRESS\s+RACK\s+LEADS\s+REPLICAS/m);
  for (const broker of cluster.brokers) expect(r.stdout).toMatch(new RegExp(`^${broker.nodeId}\\s+127\\.0\\.0\\.1:${broker.port}\\s`, 'm'));
  expect(r.stdout.match(/controller$/gm)).toHaveLength(1);
  expect(r.stdout).toContain('offline partitions (no leader): none');
  expect(r.stdout).toContain('under-replicated partitions: none');
  expect(r.stdout).toContain('reassignments in progress: none');
  const help = await weir(['cluster', 'describe', '--help']);
  expect(help.stdout).toMatch(/^usage: weir cluster describe/);
});

test('partition reassign --wait moves a partition; topic describe shows the new replicas and ISR; list, cancel and elect-leaders answer', async () => {
  expect((await weir(['topic', 'create', 'cli-moves', '-p', '1', '-r', '2', ...b])).code).toBe(0);
  const before = await waitFor('a full ISR', async () => {
    const p = await replicasOf('cli-moves');
    return p.isr.length === 2 ? p : undefined;
  });
  const spare = [1, 2, 3].find((id) => !before.replicas.includes(id))!;
  const target = [spare, before.replicas[0]!];

  const moved = await weir(['partition', 'reassign', `cli-moves:0=${target.join(',')}`, '--wait', ...b]);
  expect(moved.stderr).toBe('');
  expect(moved.stdout).toBe(`reassigning cli-moves:0 to ${target.join(',')}\nreassignment complete: cli-moves:0\n`);
  expect(moved.code).toBe(0);
  expect((await replicasOf('cli-moves')).replicas).toEqual(target);
  // The broker left out deletes its log once it sees the change; the new one has it.
  const removed = before.replicas[1]!;
  await waitFor(`broker ${removed} to delete its cli-moves-0 log`, () => (hasLog(removed, 'cli-moves-0') ? undefined : true), 30_000, 100);
  expect(hasLog(spare, 'cli-moves-0')).toBe(true);

  const desc = await weir(['topic', 'describe', 'cli-moves', ...b]);
  expect(desc.code).toBe(0);
  expect(desc.stdout).toMatch(/^PARTITION\s+LEADER\s+REPLICAS\s+ISR\s+/m);
  expect(desc.stdout).toMatch(new RegExp(`^0\\s+\\d\\s+${target.join(',')}\\s+[123],[123]\\s`, 'm'));

  expect((await weir(['partition', 'list-reassignments', ...b])).stdout).toBe('no reassignment in progress\n');
  const cancel = await weir(['partition', 'cancel-reassignment', 'cli-moves:0', ...b]);
  expect(cancel.code).toBe(1);
  expect(cancel.stderr).toContain('cli-moves:0: NO_REASSIGNMENT_IN_PROGRESS');

  // Kafka's JSON file works too: back to where it was.
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'weir-cli-')), 'reassign.json');
  fs.writeFileSync(file, JSON.stringify({ version: 1, partitions: [{ topic: 'cli-moves', partition: 0, replicas: before.replicas }] }));
  const back = await weir(['partition', 'reassign', '--reassignment-json-file', file, '--wait', ...b]);
  expect(back.code).toBe(0);
  expect((await replicasOf('cli-moves')).replicas).toEqual(before.replicas);

  // The leader may still be the one that stayed: elect-leaders puts the preferred one back (or has nothing to do).
  const elect = await weir(['partition', 'elect-leaders', 'cli-moves', ...b]);
  expect(elect.code).toBe(0);
  expect(elect.stdout).toMatch(/^cli-moves:0: (elected a preferred leader|no election needed)\n$/);
  await waitFor('the preferred leader', async () => ((await replicasOf('cli-moves')).leader === before.replicas[0] ? true : undefined));
  expect((await weir(['partition', 'elect-leaders', 'cli-moves:0', ...b])).stdout).toBe('cli-moves:0: no election needed\n');
});

test('bad reassignments: a usage error for what is not TOPIC:PARTITION=BROKERS, Kafka\'s error for an unknown broker', async () => {
  const usage = await weir(['partition', 'reassign', 'cli-moves', ...b]);
  expect(usage.code).toBe(2);
  expect(usage.stderr).toContain("'cli-moves' is not TOPIC:PARTITION=BROKER,BROKER,...");
  const unknown = await weir(['partition', 'reassign', 'cli-moves:0=9', ...b]);
  expect(unknown.code).toBe(1);
  expect(unknown.stderr).toContain('cli-moves:0: INVALID_REPLICA_ASSIGNMENT (The manual partition assignment includes broker 9, but no such broker is registered.)');
  const type = await weir(['partition', 'elect-leaders', '--election-type', 'random', ...b]);
  expect(type.code).toBe(2);
});

test('cluster describe shows a partition under-replicated while a broker holding it is down', async () => {
  expect((await weir(['topic', 'create', 'cli-health', '-p', '1', '-r', '3', ...b])).code).toBe(0);
  await waitFor('a full ISR', async () => ((await replicasOf('cli-health')).isr.length === 3 ? true : undefined));
  const c = await KafkaClient.connect(cluster.bootstrapServers);
  const controller = await c.metadata([]).then((md) => md.controllerId).finally(() => c.close());
  const victim = [1, 2, 3].find((id) => id !== controller)!;
  await cluster.kill(victim);
  try {
    const shown = await waitFor(
      'cli-health under-replicated',
      async () => {
        const r = await weir(['cluster', 'describe', ...b]);
        return /under-replicated partitions: [1-9]/.test(r.stdout) && /^cli-health\s+0\s/m.test(r.stdout.split('under-replicated partitions')[1]!) ? r : undefined;
      },
      30_000,
      500,
    );
    expect(shown.stdout).toMatch(/brokers 2\n/);
    expect(shown.stdout).toContain('offline partitions (no leader): none');
  } finally {
    await cluster.restart(victim);
  }
});
