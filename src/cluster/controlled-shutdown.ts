/**
 * Controlled shutdown (`controlled.shutdown.enable`, default true): a broker
 * of a cluster that is asked to stop (SIGTERM, `close()`) first has the
 * controller move leadership off it, so clients see a metadata refresh
 * (NOT_LEADER_OR_FOLLOWER, retriable) instead of a dead leader, and no
 * acks=all write waits for a follower that is about to vanish.
 *
 * The exchange is KRaft's (BrokerLifecycleManager / BrokerHeartbeatManager),
 * carried by what a Weir broker already has instead of a BrokerHeartbeat
 * request: its registration in etcd is its heartbeat (the lease is the
 * liveness), so the broker writes `wantShutDown` into it
 * (EtcdClusterMember.beginControlledShutdown), having first stopped standing
 * for controller (a controller hands over before anything else). The
 * controller sees it through the registry it already follows and, in the
 * same pass that fences brokers that went (Controller.reconcileBrokers),
 * puts the broker in controlled shutdown: its registration says
 * `inControlledShutdown`, it leaves every ISR, and every partition it led
 * gets a new leader from the rest of the ISR (`brokerLiveness` below makes
 * it neither serving nor alive for partition-leadership.ts). A partition
 * whose only ISR member it is goes leaderless with its ISR kept, as in
 * KRaft, until the broker is back. Being state in etcd rather than a
 * request in flight, the wish survives a change of controller: the next
 * one reads it from the registry.
 *
 * The broker waits until its own metadata shows it in controlled shutdown
 * and leading nothing (Kafka's `shouldShutDown`: no leaderships left), or
 * until every other broker is shutting down too (the whole cluster stops:
 * nobody could lead, and no candidate may be left to act), for
 * at most `controlled.shutdown.max.retries` x
 * `controlled.shutdown.retry.backoff.ms` (15 s by default: the time
 * ZooKeeper-mode Kafka spends on its attempts before it shuts down
 * uncontrolled, which is then what happens here too). Meanwhile it serves
 * as before: produce and fetch on the partitions it no longer leads answer
 * NOT_LEADER_OR_FOLLOWER with the new leader. Then the broker shuts down as
 * usual (fetchers stopped, listeners closed, lease revoked).
 *
 * KRaft also waits until every other broker has caught up with the
 * metadata offset of the move (`lowestActiveOffset`); Weir's brokers do not
 * report their metadata offsets to the controller, so a client that reaches
 * a new leader before the etcd watch has told it gets NOT_LEADER_OR_FOLLOWER
 * once more (retriable) and asks again.
 */
import type { Logger } from '../logger';
import type { Scheduler } from '../time/scheduler';
import type { LiveBrokerRegistration } from './controller';
import type { MetadataImage } from './metadata/metadata-image';
import type { MetadataLoader } from './metadata/metadata-loader';
import type { BrokerLiveness } from './partition-leadership';

/**
 * The controller's view of the brokers for partition-leadership.ts: a broker
 * in controlled shutdown neither stays in an ISR nor leads (Kafka's
 * isAcceptableLeader excludes it), whatever else holds.
 */
export function brokerLiveness(live: ReadonlyMap<number, LiveBrokerRegistration>, restarted: ReadonlySet<number>): BrokerLiveness {
  const up = (id: number) => {
    const b = live.get(id);
    return b !== undefined && b.wantShutDown !== true;
  };
  return { serving: (id) => up(id) && !restarted.has(id), alive: up };
}

/** How many partitions `nodeId` leads in `image` (Kafka's hasLeaderships, counted). */
export function leadershipsOf(image: MetadataImage, nodeId: number): number {
  let n = 0;
  for (const t of image.topics.list()) for (const p of t.partitions.values()) if (p.leader === nodeId) n++;
  return n;
}

/** Kafka's shouldShutDown, seen from the broker: the controller has it in controlled shutdown and it leads nothing. */
export function readyToShutDown(image: MetadataImage, nodeId: number): boolean {
  return image.brokers.get(nodeId)?.inControlledShutdown === true && leadershipsOf(image, nodeId) === 0;
}

/** Whether another broker could take over leadership: registered, unfenced, not shutting down itself. */
export function hasOtherActiveBroker(image: MetadataImage, nodeId: number): boolean {
  for (const b of image.brokers.values()) if (b.id !== nodeId && !b.fenced && !b.inControlledShutdown) return true;
  return false;
}

export type ControlledShutdownOutcome =
  /** The controller moved everything off this broker. */
  | 'completed'
  /** No other broker can lead (none is registered, or every other one is shutting down too): nothing to move leadership to. */
  | 'skipped'
  /** The registration could not say wantShutDown (the session was lost). */
  | 'refused'
  /** Still leading (or not yet in controlled shutdown) when the time was up. */
  | 'timed-out';

export interface ControlledShutdownOptions {
  nodeId: number;
  metadata: MetadataLoader;
  /** Withdraws from the election and writes wantShutDown (EtcdClusterMember.beginControlledShutdown). */
  begin: () => Promise<boolean>;
  /**
   * Resolves once every other live broker is shutting down too
   * (EtcdClusterMember.whenNoOtherBrokerStays): then nobody would take the
   * leadership, and every candidate may have withdrawn, so the wait ends.
   */
  noOtherBrokerStays?: () => Promise<void>;
  /** controlled.shutdown.max.retries x controlled.shutdown.retry.backoff.ms. */
  timeoutMs: number;
  scheduler: Scheduler;
  log?: Logger | null;
}

/** The broker's half: asks, then waits until it leads nothing or the time is up. */
export async function runControlledShutdown(o: ControlledShutdownOptions): Promise<ControlledShutdownOutcome> {
  const log = o.log ?? null;
  const started = o.scheduler.now();
  const image = o.metadata.image;
  if (!hasOtherActiveBroker(image, o.nodeId)) {
    log?.info({ nodeId: o.nodeId }, 'controlled shutdown skipped: no other broker can take over leadership');
    return 'skipped';
  }
  log?.info({ nodeId: o.nodeId, leaderships: leadershipsOf(image, o.nodeId) }, 'beginning controlled shutdown: asking the controller to move leadership off this broker');
  let timer: { cancel(): void } | null = null;
  const timedOut = new Promise<'timed-out'>((resolve) => {
    timer = o.scheduler.schedule(o.timeoutMs, () => resolve('timed-out'));
  });
  try {
    const asked = await Promise.race([o.begin().then((ok) => (ok ? null : ('refused' as const))), timedOut]);
    if (asked === 'refused') {
      log?.warn({ nodeId: o.nodeId }, 'controlled shutdown refused: this broker is no longer registered in the cluster; shutting down without it');
      return 'refused';
    }
    if (asked === 'timed-out') return timeOut(o, log);
    const outcome = await Promise.race([
      o.metadata.whenImage((i) => readyToShutDown(i, o.nodeId)).then(() => 'completed' as const),
      ...(o.noOtherBrokerStays ? [o.noOtherBrokerStays().then(() => 'skipped' as const)] : []),
      timedOut,
    ]);
    if (outcome === 'timed-out') return timeOut(o, log);
    if (outcome === 'skipped') {
      log?.info({ nodeId: o.nodeId }, 'controlled shutdown ended: every other broker is shutting down too, nobody can take over leadership');
      return 'skipped';
    }
    log?.info({ nodeId: o.nodeId, ms: o.scheduler.now() - started }, 'controlled shutdown completed: this broker leads no partition');
    return 'completed';
  } finally {
    (timer as { cancel(): void } | null)?.cancel();
  }
}

function timeOut(o: ControlledShutdownOptions, log: Logger | null): 'timed-out' {
  log?.warn(
    { nodeId: o.nodeId, timeoutMs: o.timeoutMs, leaderships: leadershipsOf(o.metadata.image, o.nodeId) },
    'controlled shutdown timed out (controlled.shutdown.max.retries x controlled.shutdown.retry.backoff.ms); shutting down anyway',
  );
  return 'timed-out';
}
