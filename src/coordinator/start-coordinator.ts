/**
 * Starting a coordinator inside a broker goes the same way for groups and
 * transactions: open its internal topic (created on first use, compacted,
 * with the broker's configured partition count unless the topic exists
 * already), replay it, and close the coordinator when the broker shuts down.
 */
import type { Logger } from 'pino';
import type { BrokerConfig, BrokerNumberName } from '../config';
import type { LogManager } from '../storage/log-manager';
import type { InternalTopicLogOptions } from './internal-topic-log';
import type { Scheduler } from '../time/scheduler';

/** What the broker hands a coordinator over an internal topic. */
export interface CoordinatorWiring {
  config: BrokerConfig;
  logs: LogManager;
  /** The partition count of the coordinator's internal topic, if it exists already. */
  existingPartitions: number | undefined;
  /** Creates an internal topic (the controller's ensureInternalTopic). */
  ensureInternalTopic: (name: string, partitions: number, configs: Record<string, string>) => void;
  leaderEpoch: number;
  now: () => number;
  log: Logger;
  shutdown: AbortSignal;
  scheduler?: Scheduler;
}

/** The broker configs that size an internal topic (`offsets.topic.*`, `transaction.state.log.*`). */
export interface InternalTopicConfigNames {
  numPartitions: BrokerNumberName;
  segmentBytes: BrokerNumberName;
}

export function internalTopicLogOptions(w: CoordinatorWiring, topic: string, names: InternalTopicConfigNames): InternalTopicLogOptions {
  const partitions = w.existingPartitions ?? w.config.number(names.numPartitions);
  const topicConfigs = {
    'cleanup.policy': 'compact',
    'segment.bytes': String(w.config.number(names.segmentBytes)),
  };
  return {
    logs: w.logs,
    partitions,
    ensureTopic: () => w.ensureInternalTopic(topic, partitions, topicConfigs),
    leaderEpoch: w.leaderEpoch,
    now: w.now,
  };
}

/**
 * Starts a coordinator (which replays its topic), logs how long the replay
 * took, and closes the coordinator when the broker shuts down.
 */
export function startUntilShutdown(
  coordinator: { start(): void; close(): void },
  w: Pick<CoordinatorWiring, 'log' | 'shutdown'>,
  loaded: { message: string; partitions: number },
): void {
  const started = Date.now();
  coordinator.start();
  w.log.info({ partitions: loaded.partitions, ms: Date.now() - started }, loaded.message);
  w.shutdown.addEventListener('abort', () => coordinator.close(), { once: true });
}
