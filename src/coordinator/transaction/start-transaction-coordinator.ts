/**
 * Builds the broker's transaction coordinator over `__transaction_state`,
 * replays the topic (completing transactions that were prepared before a
 * crash), or leaves that to the background loads after the broker is up,
 * starts its timers, and stops it when the broker shuts down. The
 * group coordinator must already be running: markers written to
 * `__consumer_offsets` complete its transactional offsets.
 */
import type { GroupCoordinator } from '../group/group-coordinator';
import { systemScheduler } from '../../time/scheduler';
import { type CoordinatorWiring, internalTopicLogOptions, startUntilShutdown } from '../start-coordinator';
import type { ErrorCode } from '../../protocol/errors';
import { type PartitionMarkerWriterOptions, writeMarkersAsLeader } from './partition-marker-writer';
import type { InternalTopicReplicas } from '../internal-topic-log';
import { TransactionCoordinator } from './transaction-coordinator';
import { TransactionMarkerChannel, type TransactionMarkerEntry } from './transaction-marker-channel';
import { TRANSACTION_STATE_TOPIC, TransactionStateTopic } from './transaction-state-topic';

/** How soon the marker channel tries an unknown leader or a failed marker again (the clients' retry.backoff.ms default). */
const MARKER_RETRY_BACKOFF_MS = 100;

export interface TransactionCoordinatorWiring extends CoordinatorWiring {
  /** The replica manager: also appends markers as the leader (with acks=all), and says when the state's records are replicated. */
  replicas: InternalTopicReplicas & PartitionMarkerWriterOptions['replicas'] & {
    whenReplicated(topic: string, partition: number, timeoutMs: number): ErrorCode | Promise<ErrorCode>;
  };
  groups: GroupCoordinator;
  /** This broker's id: markers for the partitions it leads are written without the network hop. */
  nodeId: number;
  /** Sends WriteTxnMarkers to another broker (a cluster's inter-broker listener); absent on one node. */
  sendMarkers?: (brokerId: number, entries: readonly TransactionMarkerEntry[]) => Promise<ErrorCode[][]>;
  /** The next producer id; null while no block is available yet (answered COORDINATOR_LOAD_IN_PROGRESS). */
  allocateProducerId: () => number | null;
  /**
   * The partitions are loaded after the broker is up, in the background
   * (CoordinatorPartitions with loadOnInstall), as Kafka's coordinators
   * load: the start replays nothing.
   */
  loadAfterStart?: boolean;
}

export function startTransactionCoordinator(w: TransactionCoordinatorWiring): TransactionCoordinator {
  const logOptions = internalTopicLogOptions(w, TRANSACTION_STATE_TOPIC, {
    numPartitions: 'transaction.state.log.num.partitions',
    segmentBytes: 'transaction.state.log.segment.bytes',
    minInsyncReplicas: 'transaction.state.log.min.isr',
  });
  const scheduler = w.scheduler ?? systemScheduler(w.now);
  const local = { replicas: w.replicas, groups: w.groups, timeoutMs: w.config.number('request.timeout.ms'), now: w.now };
  const markers = new TransactionMarkerChannel({
    leaderOf: (topic, partition) => {
      const registration = w.metadata.image.topics.partition(topic, partition);
      return registration === undefined ? null : registration.leader;
    },
    send: (brokerId, entries) => {
      if (brokerId === w.nodeId) return writeMarkersAsLeader(local, entries);
      if (!w.sendMarkers) return Promise.reject(new Error(`no channel to broker ${brokerId}`));
      return w.sendMarkers(brokerId, entries);
    },
    scheduler,
    retryBackoffMs: MARKER_RETRY_BACKOFF_MS,
    log: w.log.child({ component: 'transaction-marker-channel' }),
  });
  const coordinator = new TransactionCoordinator(
    {
      transactionMaxTimeoutMs: w.config.number('transaction.max.timeout.ms'),
      transactionalIdExpirationMs: w.config.number('transactional.id.expiration.ms'),
      abortTimedOutTransactionsIntervalMs: w.config.number('transaction.abort.timed.out.transaction.cleanup.interval.ms'),
      removeExpiredTransactionalIdsIntervalMs: w.config.number('transaction.remove.expired.transaction.cleanup.interval.ms'),
    },
    scheduler,
    new TransactionStateTopic({
      ...logOptions,
      // Kafka's transaction log writes wait for acks=all up to request.timeout.ms.
      whenReplicated: (partition) => w.replicas.whenReplicated(TRANSACTION_STATE_TOPIC, partition, w.config.number('request.timeout.ms')),
    }),
    markers,
    w.allocateProducerId,
    w.log.child({ component: 'transaction-coordinator' }),
  );
  const load = w.loadAfterStart !== true;
  startUntilShutdown({ start: () => coordinator.start({ load }), close: () => coordinator.close() }, w, {
    partitions: logOptions.partitions(),
    message: load ? 'transaction coordinator loaded __transaction_state' : 'transaction coordinator started: its __transaction_state partitions load in the background',
  });
  return coordinator;
}
