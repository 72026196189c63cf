/**
 * Builds the broker's group coordinator (classic and KIP-848 consumer
 * groups, and every group's offsets) over `__consumer_offsets`, replays
 * the topic to rebuild every group and its offsets (or leaves that to the
 * background loads after the broker is up), starts its timers, and
 * stops it when the broker shuts down (parked JoinGroup/SyncGroup requests
 * are answered before the network layer waits for in-flight requests).
 */
import { type CoordinatorWiring, internalTopicLogOptions, startUntilShutdown } from '../start-coordinator';
import { GroupCoordinator } from './group-coordinator';
import type { TopicCatalog } from './consumer/consumer-group-coordinator';
import { consumerGroupsOptions } from './consumer/consumer-groups-options';
import { OFFSETS_TOPIC, OffsetsTopic } from './offsets-topic';
import { systemScheduler } from '../../time/scheduler';
import { parseMigrationPolicy } from './group-migration';

export interface GroupCoordinatorWiring extends CoordinatorWiring {
  /** The cluster's topics, as KIP-848 consumer groups subscribe to them (the metadata image). */
  topics: TopicCatalog;
  /**
   * The partitions are loaded after the broker is up, in the background
   * (CoordinatorPartitions with loadOnInstall), as Kafka's coordinators
   * load: the start replays nothing.
   */
  loadAfterStart?: boolean;
}

export function startGroupCoordinator(w: GroupCoordinatorWiring): GroupCoordinator {
  const logOptions = internalTopicLogOptions(w, OFFSETS_TOPIC, {
    numPartitions: 'offsets.topic.num.partitions',
    segmentBytes: 'offsets.topic.segment.bytes',
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
      migrationPolicy: parseMigrationPolicy(w.config.string('group.consumer.migration.policy')),
    },
    w.scheduler ?? systemScheduler(w.now),
    new OffsetsTopic(logOptions),
    w.log.child({ component: 'group-coordinator' }),
    consumerGroupsOptions(w.config, w.topics),
  );
  const load = w.loadAfterStart !== true;
  startUntilShutdown({ start: () => coordinator.start({ load }), close: () => coordinator.close() }, w, {
    partitions: logOptions.partitions(),
    message: load ? 'group coordinator loaded __consumer_offsets' : 'group coordinator started: its __consumer_offsets partitions load in the background',
  });
  return coordinator;
}
