/**
 * Builds the broker's transaction coordinator over `__transaction_state`,
 * replays the topic (completing transactions that were prepared before a
 * crash), starts its timers, and stops it when the broker shuts down. The
 * group coordinator must already be running: markers written to
 * `__consumer_offsets` complete its transactional offsets.
 */
import type { Logger } from 'pino';
import type { BrokerConfig } from '../../config';
import type { LogManager } from '../../storage/log-manager';
import type { GroupCoordinator } from '../group/group-coordinator';
import { type Scheduler, systemScheduler } from '../group/scheduler';
import { partitionMarkerWriter } from './partition-marker-writer';
import { TransactionCoordinator } from './transaction-coordinator';
import { TRANSACTION_STATE_TOPIC, TransactionStateTopic } from './transaction-state-topic';

export interface TransactionCoordinatorWiring {
  config: BrokerConfig;
  logs: LogManager;
  groups: GroupCoordinator;
  /** The partition count of an existing `__transaction_state`, if it exists. */
  existingPartitions: number | undefined;
  ensureInternalTopic: (name: string, partitions: number, configs: Record<string, string>) => void;
  topicExists: (topic: string) => boolean;
  allocateProducerId: () => number;
  leaderEpoch: number;
  now: () => number;
  log: Logger;
  shutdown: AbortSignal;
  scheduler?: Scheduler;
}

export function startTransactionCoordinator(w: TransactionCoordinatorWiring): TransactionCoordinator {
  const partitions = w.existingPartitions ?? w.config.number('transaction.state.log.num.partitions');
  const topicConfigs = {
    'cleanup.policy': 'compact',
    'segment.bytes': String(w.config.number('transaction.state.log.segment.bytes')),
  };
  const store = new TransactionStateTopic({
    logs: w.logs,
    partitions,
    ensureTopic: () => w.ensureInternalTopic(TRANSACTION_STATE_TOPIC, partitions, topicConfigs),
    leaderEpoch: w.leaderEpoch,
    now: w.now,
  });
  const coordinator = new TransactionCoordinator(
    {
      transactionMaxTimeoutMs: w.config.number('transaction.max.timeout.ms'),
      transactionalIdExpirationMs: w.config.number('transactional.id.expiration.ms'),
      abortTimedOutTransactionsIntervalMs: w.config.number('transaction.abort.timed.out.transaction.cleanup.interval.ms'),
      removeExpiredTransactionalIdsIntervalMs: w.config.number('transaction.remove.expired.transaction.cleanup.interval.ms'),
    },
    w.scheduler ?? systemScheduler(w.now),
    store,
    partitionMarkerWriter({ logs: w.logs, groups: w.groups, topicExists: w.topicExists, leaderEpoch: w.leaderEpoch, now: w.now }),
    w.allocateProducerId,
    w.log.child({ component: 'transaction-coordinator' }),
  );
  const started = Date.now();
  coordinator.start();
  w.log.info({ partitions, ms: Date.now() - started }, 'transaction coordinator loaded __transaction_state');
  w.shutdown.addEventListener('abort', () => coordinator.close(), { once: true });
  return coordinator;
}
