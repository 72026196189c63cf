/**
 * A commit is acknowledged only once replicated (a cluster on etcd: a real
 * etcd and three broker processes, startCluster; `__consumer_offsets` with
 * Kafka's replication factor of 3).
 *
 * With one of the three brokers down before any group exists,
 * `__consumer_offsets` cannot be created with its 3 replicas: FindCoordinator
 * answers COORDINATOR_NOT_AVAILABLE (as KRaft refuses the creation), and
 * once the broker is back the topic is created and the group found.
 *
 * The two followers of a group's `__consumer_offsets` partition are frozen
 * (SIGSTOP; replica.lag.time.max.ms is long, so they stay in the ISR), an
 * OffsetCommit is sent to the coordinator and appended to its log (seen on
 * disk): it is not acknowledged while the followers lack it (a
 * coordinator that answered from its own log would have acknowledged it,
 * and lost it with its broker). The coordinator is then SIGKILLed and the
 * followers resumed: one of them becomes the coordinator, the commit was
 * never acknowledged, and the one acknowledged before is there (the
 * unacknowledged one may be too, if a follower's fetch already carried
 * it). Committed again there, the
 * offset is acknowledged, and it survives the old coordinator's return
 * (which truncates its unreplicated record as a follower).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { type RunningCluster, startCluster } from '../src/start-cluster';
import { KafkaClient } from '../src/client/client';
import { ClientApis } from '../src/client/client-apis';
import { commitGroupOffsets, fetchGroupOffsets, findCoordinator } from '../src/client/groups';
import { ErrorCode } from '../src/protocol/errors';
import { partitionForKey } from '../src/coordinator/partition-for-key';
import { waitFor } from './support/conditions';
import { createReplicatedTopic, stopClusterShowingWarnings } from './support/cluster';

jest.setTimeout(240_000);

const OFFSETS_PARTITIONS = 3;
const GROUP = 'acks-group';
const TOPIC = 'acks-topic';
let cluster: RunningCluster;
let dataDir: string;

beforeAll(async () => {
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'weir-coord-acks-'));
  cluster = await startCluster({
    brokers: 3,
    dataDir,
    config: {
      'broker.session.timeout.ms': 6000,
      'broker.heartbeat.interval.ms': 500,
      // The frozen followers stay in the ISR for the whole test.
      'replica.lag.time.max.ms': 120_000,
      'min.insync.replicas': 2,
      'offsets.topic.num.partitions': OFFSETS_PARTITIONS,
    },
  });
}, 120_000);

afterAll(async () => {
  for (const b of cluster?.brokers ?? []) await cluster.kill(b.nodeId, 'SIGCONT').catch(() => {});
  await stopClusterShowingWarnings(cluster);
  fs.rmSync(dataDir, { recursive: true, force: true });
});

async function withClient<T>(bootstrap: string, fn: (c: KafkaClient) => Promise<T>): Promise<T> {
  const c = await KafkaClient.connect(bootstrap);
  try {
    return await fn(c);
  } finally {
    await c.close();
  }
}

const addressOf = (nodeId: number) => `127.0.0.1:${cluster.brokers.find((b) => b.nodeId === nodeId)!.port}`;

/** The committed offset of TOPIC[0], from the coordinator; undefined while it cannot answer. */
async function committed(bootstrap: string): Promise<number | undefined> {
  try {
    const offsets = await withClient(bootstrap, (c) => fetchGroupOffsets(c, GROUP, [TOPIC]));
    const o = offsets.get(TOPIC)?.get(0);
    return o === undefined ? undefined : Number(o);
  } catch {
    return undefined;
  }
}

function segmentBytes(nodeId: number, partition: number): number {
  const dir = path.join(dataDir, `broker-${nodeId}`, `__consumer_offsets-${partition}`);
  if (!fs.existsSync(dir)) return 0;
  return fs
    .readdirSync(dir)
    .filter((f) => f.endsWith('.log'))
    .reduce((sum, f) => sum + fs.statSync(path.join(dir, f)).size, 0);
}

test('__consumer_offsets is not created with fewer live brokers than its replication factor: COORDINATOR_NOT_AVAILABLE until it can be', async () => {
  const findOnce = (bootstrap: string) =>
    withClient(bootstrap, async (c) => {
      const res = await c.send('any', ClientApis.FindCoordinator, (v) => ({
        ...ClientApis.FindCoordinator.request.defaults(),
        key: v >= 4 ? '' : GROUP,
        keyType: 0,
        coordinatorKeys: v >= 4 ? [GROUP] : [],
      }));
      return res.coordinators[0]?.errorCode ?? res.errorCode;
    });
  await cluster.kill(3);
  const live = [1, 2].map(addressOf).join(',');
  await waitFor('broker 3 out of the metadata', async () => {
    const md = await withClient(live, (c) => c.metadata([]));
    return md.brokers.size === 2 ? true : undefined;
  }, 60_000, 250);
  // Asked several times (each asks the controller again): refused every time.
  for (let i = 0; i < 3; i++) expect(await findOnce(live)).toBe(ErrorCode.COORDINATOR_NOT_AVAILABLE);
  await cluster.restart(3);
  await waitFor('the coordinator once three brokers are alive', async () => ((await findOnce(cluster.bootstrapServers)) === ErrorCode.NONE ? true : undefined), 60_000, 250);
});

test('a commit is not acknowledged while the ISR lacks it, so none is lost with its coordinator', async () => {
  await createReplicatedTopic(cluster.bootstrapServers, TOPIC, 1);
  // A first commit creates __consumer_offsets (replicated three times) and is acknowledged.
  await waitFor('a first commit', async () => {
    try {
      await withClient(cluster.bootstrapServers, (c) => commitGroupOffsets(c, GROUP, [{ topic: TOPIC, partition: 0, offset: 1n }]));
      return true;
    } catch {
      return undefined;
    }
  }, 60_000, 250);
  const md = await withClient(cluster.bootstrapServers, (c) => c.metadata(['__consumer_offsets']));
  const partition = partitionForKey(GROUP, OFFSETS_PARTITIONS);
  const p = md.topics.get('__consumer_offsets')!.partitions.find((x) => x.partition === partition)!;
  expect(p.replicas).toHaveLength(3);
  const coordinator = await withClient(cluster.bootstrapServers, (c) => findCoordinator(c, GROUP));
  expect(coordinator).toBe(p.leaderId);
  const followers = p.replicas.filter((r) => r !== coordinator);
  await waitFor('both followers in the ISR', async () => {
    const now = await withClient(addressOf(coordinator), (c) => c.metadata(['__consumer_offsets']));
    const isr = now.topics.get('__consumer_offsets')!.partitions.find((x) => x.partition === partition)!.isr;
    return isr.length === 3 ? true : undefined;
  }, 30_000, 250);

  for (const f of followers) await cluster.kill(f, 'SIGSTOP');
  const before = segmentBytes(coordinator, partition);
  const client = await KafkaClient.connect(addressOf(coordinator));
  const outcome = commitGroupOffsets(client, GROUP, [{ topic: TOPIC, partition: 0, offset: 2n }]).then(
    () => 'acknowledged',
    (e: Error) => `failed: ${e.message}`,
  );
  await waitFor('the commit in the coordinator\'s log', () => (segmentBytes(coordinator, partition) > before ? true : undefined), 30_000, 20);
  // The record is in the leader's log; the answer waits for the followers.
  // (A bounded look for an answer that must not come: no event marks its absence.)
  const early = await Promise.race([outcome, new Promise((resolve) => setTimeout(() => resolve('pending'), 1000))]);
  expect(early).toBe('pending');

  await cluster.kill(coordinator);
  for (const f of followers) await cluster.kill(f, 'SIGCONT');
  expect(await outcome).not.toBe('acknowledged');
  await client.close().catch(() => {});

  const survivors = followers.map(addressOf).join(',');
  const next = await waitFor('a new coordinator', async () => {
    try {
      const c = await withClient(survivors, (k) => findCoordinator(k, GROUP));
      return c !== coordinator ? c : undefined;
    } catch {
      return undefined;
    }
  }, 120_000, 250);
  expect(followers).toContain(next);
  // The acknowledged commit is there; the unacknowledged one may be or not
  // (a follower's fetch answered just before the freeze may carry it).
  expect([1, 2]).toContain(await waitFor('the committed offset on the new coordinator', () => committed(survivors), 60_000, 250));

  // Committed again, it is acknowledged (two replicas in the ISR), and survives the old coordinator's return.
  await waitFor('the commit again', async () => {
    try {
      await withClient(survivors, (c) => commitGroupOffsets(c, GROUP, [{ topic: TOPIC, partition: 0, offset: 3n }]));
      return true;
    } catch {
      return undefined;
    }
  }, 60_000, 250);
  await cluster.restart(coordinator);
  expect(await waitFor('the committed offset', () => committed(cluster.bootstrapServers), 60_000, 250)).toBe(3);
});
