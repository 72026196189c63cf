/**
 * Builds the broker's transaction coordinator over `__transaction_state`,
 * replays the topic (completing transactions that were prepared before a
 * crash), starts its timers, and stops it when the broker shuts down. The
 * group coordinator must already be running: markers written to
 * `__consumer_offsets` complete its transactional offsets.
 */
import type { GroupCoordinator } from '../group/group-coordinator';
import { systemScheduler } from '../../time/scheduler';
import { type CoordinatorWiring, internalTopicLogOptions, startUntilShutdown } from '../start-coordinator';
import { partitionMarkerWriter } from './partition-marker-writer';
import { TransactionCoordinator } from './transaction-coordinator';
import { TRANSACTION_STATE_TOPIC, TransactionStateTopic } from './transaction-state-topic';

export interface TransactionCoordinatorWiring extends CoordinatorWiring {
  groups: GroupCoordinator;
  topicExists: (topic: string) => boolean;
  /** The next producer id; null while no block is available yet (answered COORDINATOR_LOAD_IN_PROGRESS). */
  allocateProducerId: () => number | null;
}

export function startTransactionCoordinator(w: TransactionCoordinatorWiring): TransactionCoordinator {
  const logOptions = internalTopicLogOptions(w, TRANSACTION_STATE_TOPIC, {
    numPartitions: 'transaction.state.log.num.partitions',
    segmentBytes: 'transaction.state.log.segment.bytes',
    minInsyncReplicas: 'transaction.state.log.min.isr',
  });
  const coordinator = new TransactionCoordinator(
    {
      transactionMaxTimeoutMs: w.config.number('transaction.max.timeout.ms'),
      transactionalIdExpirationMs: w.config.number('transactional.id.expiration.ms'),
      abortTimedOutTransactionsIntervalMs: w.config.number('transaction.abort.timed.out.transaction.cleanup.interval.ms'),
      removeExpiredTransactionalIdsIntervalMs: w.config.number('transaction.remove.expired.transaction.cleanup.interval.ms'),
    },
    w.scheduler ?? systemScheduler(w.now),
    new TransactionStateTopic(logOptions),
    partitionMarkerWriter({ replicas: w.replicas, groups: w.groups, topicExists: w.topicExists, now: w.now }),
    w.allocateProducerId,
    w.log.child({ component: 'transaction-coordinator' }),
  );
  startUntilShutdown(coordinator, w, { partitions: logOptions.partitions(), message: 'transaction coordinator loaded __transaction_state' });
  return coordinator;
}
