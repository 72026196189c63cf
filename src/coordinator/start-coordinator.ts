/**
 * Starting a coordinator inside a broker goes the same way for groups and
 * transactions: open its internal topic (created on first use, compacted,
 * with the broker's configured partition count unless the topic exists
 * already), replay it, and close the coordinator when the broker shuts down.
 */
import type { Logger } from '../logger';
import type { MetadataImage } from '../cluster/metadata/metadata-image';
import type { BrokerConfig, BrokerNumberName } from '../config';
import type { InternalTopicLogOptions, InternalTopicReplicas } from './internal-topic-log';
import type { Scheduler } from '../time/scheduler';

/** What the broker hands a coordinator over an internal topic. */
export interface CoordinatorWiring {
  config: BrokerConfig;
  /** The replica manager: the coordinator's writes and replays go through its partitions. */
  replicas: InternalTopicReplicas;
  /** The metadata image: whether the internal topic exists, and its partition count. */
  metadata: { readonly image: MetadataImage };
  /** Creates an internal topic (the controller's ensureInternalTopic); resolves once it exists. */
  ensureInternalTopic: (name: string, partitions: number, configs: Record<string, string>) => Promise<void>;
  now: () => number;
  log: Logger;
  shutdown: AbortSignal;
  scheduler?: Scheduler;
}

/** The broker configs that size an internal topic (`offsets.topic.*`, `transaction.state.log.*`). */
export interface InternalTopicConfigNames {
  numPartitions: BrokerNumberName;
  segmentBytes: BrokerNumberName;
  /** The topic's min.insync.replicas, where Kafka sets one (`transaction.state.log.min.isr`). */
  minInsyncReplicas?: BrokerNumberName;
}

/**
 * The options of an internal topic's log. Its partition count is the
 * existing topic's (the metadata image is its one owner), else the
 * configured count it will be created with. Creation is started on first
 * use; on one node it completes at once, with a cluster store the caller
 * answers retriably until the topic exists.
 */
export function internalTopicLogOptions(w: CoordinatorWiring, topic: string, names: InternalTopicConfigNames): InternalTopicLogOptions {
  const configured = w.config.number(names.numPartitions);
  const partitions = () => w.metadata.image.topics.get(topic)?.partitions.size ?? configured;
  const topicConfigs: Record<string, string> = {
    'cleanup.policy': 'compact',
    'segment.bytes': String(w.config.number(names.segmentBytes)),
  };
  if (names.minInsyncReplicas) topicConfigs['min.insync.replicas'] = String(w.config.number(names.minInsyncReplicas));
  const exists = () => w.metadata.image.topics.get(topic) !== undefined;
  // Asked again on every FindCoordinator while it cannot be created (fewer
  // live brokers than its replication factor, as Kafka refuses too): one
  // log line per distinct reason, not one per request.
  let lastProblem: string | null = null;
  return {
    replicas: w.replicas,
    partitions,
    ensureTopic: () => {
      if (exists()) return true;
      w.ensureInternalTopic(topic, configured, topicConfigs).catch((err: unknown) => {
        const problem = err instanceof Error ? err.message : String(err);
        if (problem === lastProblem) return;
        lastProblem = problem;
        w.log.warn({ topic, problem }, 'could not create an internal topic yet: its coordinator answers COORDINATOR_NOT_AVAILABLE until it can');
      });
      return exists();
    },
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
