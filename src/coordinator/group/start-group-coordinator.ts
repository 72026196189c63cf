/**
 * Builds the broker's group coordinator over `__consumer_offsets`, replays
 * the topic to rebuild every group and its offsets, starts its timers, and
 * stops it when the broker shuts down (parked JoinGroup/SyncGroup requests
 * are answered before the network layer waits for in-flight requests).
 */
import type { Logger } from 'pino';
import type { BrokerConfig } from '../../config';
import type { LogManager } from '../../storage/log-manager';
import { GroupCoordinator } from './group-coordinator';
import { OFFSETS_TOPIC, OffsetsTopic } from './offsets-topic';
import { type Scheduler, systemScheduler } from './scheduler';

export interface GroupCoordinatorWiring {
  config: BrokerConfig;
  logs: LogManager;
  /** The partition count of an existing `__consumer_offsets`, if it exists. */
  existingPartitions: number | undefined;
  /** Creates an internal topic (the controller's ensureInternalTopic). */
  ensureInternalTopic: (name: string, partitions: number, configs: Record<string, string>) => void;
  leaderEpoch: number;
  now: () => number;
  log: Logger;
  shutdown: AbortSignal;
  scheduler?: Scheduler;
}

export function startGroupCoordinator(w: GroupCoordinatorWiring): GroupCoordinator {
  const partitions = w.existingPartitions ?? w.config.number('offsets.topic.num.partitions');
  const topicConfigs = {
    'cleanup.policy': 'compact',
    'segment.bytes': String(w.config.number('offsets.topic.segment.bytes')),
  };
  const store = new OffsetsTopic({
    logs: w.logs,
    partitions,
    ensureTopic: () => w.ensureInternalTopic(OFFSETS_TOPIC, partitions, topicConfigs),
    leaderEpoch: w.leaderEpoch,
    now: w.now,
  });
  const coordinator = new GroupCoordinator(
    {
      initialRebalanceDelayMs: w.config.number('group.initial.rebalance.delay.ms'),
      minSessionTimeoutMs: w.config.number('group.min.session.timeout.ms'),
      maxSessionTimeoutMs: w.config.number('group.max.session.timeout.ms'),
      maxGroupSize: w.config.number('group.max.size'),
      offsetsRetentionMs: w.config.offsetsRetentionMs,
      offsetsRetentionCheckIntervalMs: w.config.number('offsets.retention.check.interval.ms'),
      offsetMetadataMaxBytes: w.config.number('offset.metadata.max.bytes'),
    },
    w.scheduler ?? systemScheduler(w.now),
    store,
    w.log.child({ component: 'group-coordinator' }),
  );
  const started = Date.now();
  coordinator.start();
  w.log.info({ partitions, ms: Date.now() - started }, 'group coordinator loaded __consumer_offsets');
  w.shutdown.addEventListener('abort', () => coordinator.close(), { once: true });
  return coordinator;
}
