/**
 * The replication and controller metrics on a cluster on etcd: a real etcd
 * and three real broker processes, each serving /metrics, scraped over
 * HTTP, with a topic of replication factor 3 and min.insync.replicas 2.
 *
 * - Healthy: exactly one broker is the active controller, and it alone
 *   reports the cluster's topics, partitions and brokers; the leader counts
 *   of the three add up to every partition; nothing is under-replicated.
 * - A follower (not the controller) is SIGKILLed: the leaders drop it from
 *   their ISRs for lagging (replica.lag.time.max.ms is short, the session
 *   long, so the leaders act before the controller fences it), count the
 *   shrinks, and report every partition under-replicated and at min ISR;
 *   once its session ends the controller reports it fenced and the
 *   partitions it led led by another replica (preferred-leader imbalance).
 * - Restarted, it catches up: the leaders count the expands, and nothing is
 *   under-replicated any more.
 */
import { KafkaClient } from '../src/client/client';
import { createTopics } from '../src/client/topics';
import { type RunningCluster, startCluster } from '../src/start-cluster';
import { waitFor } from './support/conditions';
import { fullIsr, stopClusterShowingWarnings, waitForPartitions } from './support/cluster';
import { scrape } from './support/metrics';

const TOPIC = 'watched';
const PARTITIONS = 3;
const BROKERS = [1, 2, 3];
let cluster: RunningCluster;

beforeAll(async () => {
  cluster = await startCluster({
    brokers: 3,
    metrics: true,
    config: {
      // A dead follower leaves the ISR for lagging (the leader's own change,
      // what IsrShrinksPerSec counts) well before its session ends.
      'broker.session.timeout.ms': 9000,
      'broker.heartbeat.interval.ms': 1000,
      'replica.lag.time.max.ms': 2000,
    },
  });
}, 120_000);

afterAll(() => stopClusterShowingWarnings(cluster));

const SERIES = [
  'weir_active_controller',
  'weir_leader_partitions',
  'weir_under_replicated_partitions',
  'weir_under_min_isr_partitions',
  'weir_at_min_isr_partitions',
  'weir_isr_shrinks_total',
  'weir_isr_expands_total',
  'weir_offline_partitions',
  'weir_global_topics',
  'weir_global_partitions',
  'weir_preferred_replica_imbalance',
  'weir_fenced_brokers',
  'weir_active_brokers',
] as const;
type Series = (typeof SERIES)[number];
type Scraped = Record<Series, number>;

/** One broker's replication and controller metrics, over HTTP; a series it lacks fails the test. */
async function scrapeBroker(nodeId: number): Promise<Scraped> {
  const url = cluster.metricsUrl(nodeId);
  if (!url) throw new Error(`broker ${nodeId} serves no metrics`);
  const lines = (await scrape(url)).split('\n');
  const values = {} as Scraped;
  for (const s of SERIES) {
    const line = lines.find((l) => l.startsWith(`${s} `));
    if (line === undefined) throw new Error(`broker ${nodeId} has no ${s}`);
    values[s] = Number(line.slice(s.length + 1));
  }
  return values;
}

async function scrapeBrokers(ids: readonly number[]): Promise<Map<number, Scraped>> {
  return new Map(await Promise.all(ids.map(async (id) => [id, await scrapeBroker(id)] as const)));
}

const sum = (m: Map<number, Scraped>, s: Series) => [...m.values()].reduce((n, v) => n + v[s], 0);

/** The one broker reporting weir_active_controller 1, or undefined while it is not exactly one. */
function activeController(m: Map<number, Scraped>): number | undefined {
  const active = [...m].filter(([, v]) => v.weir_active_controller === 1).map(([id]) => id);
  const others = [...m.values()].filter((v) => v.weir_active_controller !== 1);
  return active.length === 1 && others.every((v) => v.weir_active_controller === 0) ? active[0] : undefined;
}

test('leader, ISR and controller metrics follow a follower SIGKILLed and restarted', async () => {
  const admin = await KafkaClient.connect(cluster.bootstrapServers);
  try {
    await createTopics(admin, [{ name: TOPIC, partitions: PARTITIONS, replicationFactor: 3, configs: { 'min.insync.replicas': '2' } }]);
  } finally {
    await admin.close();
  }
  const placed = await waitForPartitions(cluster, `${TOPIC} with a leader and a full ISR`, 1, TOPIC, fullIsr);

  // Healthy: the metrics agree once every broker has applied the metadata.
  const healthy = await waitFor(
    'one active controller, every partition led, nothing under-replicated',
    async () => {
      const m = await scrapeBrokers(BROKERS);
      const controller = activeController(m);
      if (controller === undefined || sum(m, 'weir_leader_partitions') !== PARTITIONS || sum(m, 'weir_under_replicated_partitions') !== 0) return undefined;
      return { m, controller };
    },
    30_000,
    200,
  );
  const { controller } = healthy;
  const c = healthy.m.get(controller)!;
  // A fresh cluster: the topic is all there is.
  expect({ topics: c.weir_global_topics, partitions: c.weir_global_partitions, offline: c.weir_offline_partitions }).toEqual({ topics: 1, partitions: PARTITIONS, offline: 0 });
  expect({ fenced: c.weir_fenced_brokers, active: c.weir_active_brokers, imbalance: c.weir_preferred_replica_imbalance }).toEqual({ fenced: 0, active: 3, imbalance: 0 });
  for (const [id, v] of healthy.m) {
    expect({ id, underMinIsr: v.weir_under_min_isr_partitions, atMinIsr: v.weir_at_min_isr_partitions }).toEqual({ id, underMinIsr: 0, atMinIsr: 0 });
    // The cluster-wide numbers are the active controller's alone.
    if (id !== controller) expect({ id, topics: v.weir_global_topics, partitions: v.weir_global_partitions, active: v.weir_active_brokers }).toEqual({ id, topics: 0, partitions: 0, active: 0 });
  }

  // A follower dies (a broker that is not the controller).
  const victim = BROKERS.find((id) => id !== controller)!;
  const survivors = BROKERS.filter((id) => id !== victim);
  const ledBySurvivors = placed.filter((p) => p.leader !== victim).length;
  const shrinksBefore = sum(healthy.m, 'weir_isr_shrinks_total');
  await cluster.kill(victim);

  const degraded = await waitFor(
    `the leaders to report every partition under-replicated and at min ISR, broker ${victim} fenced`,
    async () => {
      const m = await scrapeBrokers(survivors);
      const ctl = m.get(controller)!;
      const done =
        sum(m, 'weir_under_replicated_partitions') === PARTITIONS && sum(m, 'weir_at_min_isr_partitions') === PARTITIONS && ctl.weir_fenced_brokers === 1 && sum(m, 'weir_leader_partitions') === PARTITIONS;
      return done ? m : undefined;
    },
    60_000,
    200,
  );
  expect(sum(degraded, 'weir_under_min_isr_partitions')).toBe(0);
  // Every partition a survivor led lost the victim through its leader's own ISR shrink.
  expect(sum(degraded, 'weir_isr_shrinks_total') - shrinksBefore).toBeGreaterThanOrEqual(ledBySurvivors);
  expect(ledBySurvivors).toBeGreaterThan(0);
  const ctl = degraded.get(controller)!;
  expect({ fenced: ctl.weir_fenced_brokers, active: ctl.weir_active_brokers, offline: ctl.weir_offline_partitions, active_controller: ctl.weir_active_controller }).toEqual({
    fenced: 1,
    active: 2,
    offline: 0,
    active_controller: 1,
  });
  // The partitions the victim led (its preferred ones) are led by another replica now.
  expect(ctl.weir_preferred_replica_imbalance).toBe(placed.filter((p) => p.replicas[0] === victim).length);

  // Back: it catches up and the leaders take it into their ISRs again.
  const expandsBefore = sum(degraded, 'weir_isr_expands_total');
  await cluster.restart(victim);
  const recovered = await waitFor(
    'nothing under-replicated on any broker',
    async () => {
      const m = await scrapeBrokers(BROKERS);
      return sum(m, 'weir_under_replicated_partitions') === 0 && sum(m, 'weir_leader_partitions') === PARTITIONS && m.get(controller)!.weir_fenced_brokers === 0 ? m : undefined;
    },
    60_000,
    200,
  );
  // The restarted broker counts from zero; every partition's leader added it back.
  expect(sum(recovered, 'weir_isr_expands_total') - expandsBefore).toBeGreaterThanOrEqual(PARTITIONS);
  expect(sum(recovered, 'weir_at_min_isr_partitions')).toBe(0);
  expect(recovered.get(controller)!.weir_active_brokers).toBe(3);
  expect(activeController(recovered)).toBe(controller);
}, 180_000);
