/**
 * The transaction coordinator: Kafka's TransactionCoordinator and
 * TransactionStateManager (transaction version 1, the protocol every client
 * speaks when `transaction.version` is not advertised: G19), for a single
 * broker that owns every `__transaction_state` partition.
 *
 * One owner per transactional id (the event loop is the lock). Every state
 * change is appended to `__transaction_state` before it takes effect, and
 * the state is rebuilt by replaying the topic on start. Ending a
 * transaction writes PrepareCommit/PrepareAbort, then a COMMIT/ABORT marker
 * into every partition of the transaction (all local, so synchronously),
 * then CompleteCommit/CompleteAbort. A crash between the prepare record and
 * the complete record leaves a prepared transaction, whose markers are
 * written again when the coordinator starts (a repeated marker is harmless).
 * Markers that cannot be written (a log closing under us) are retried on a
 * timer; meanwhile requests for the id get CONCURRENT_TRANSACTIONS.
 *
 * Timers (injected Scheduler): transactions open longer than their timeout
 * are aborted with a bumped epoch, which fences the producer everywhere
 * (checked every transaction.abort.timed.out.transaction.cleanup.interval.ms);
 * ids idle for transactional.id.expiration.ms are removed (tombstoned).
 */
import type { Logger } from '../../logger';
import { ErrorCode } from '../../protocol/errors';
import type { ScheduledTimer, Scheduler } from '../../time/scheduler';
import type { InternalTopicRecord } from '../internal-topic-log';
import { decodeTransactionLogKey, decodeTransactionLogValue, encodeTransactionLogKey, encodeTransactionLogValue } from './transaction-log-records';
import {
  fromLogValue,
  isEpochExhausted,
  NO_PRODUCER_EPOCH,
  parsePartitionKey,
  partitionKey,
  partitionsByTopic,
  toLogValue,
  type TransactionMetadata,
} from './transaction-metadata';
import { ALL_TRANSACTION_STATES, isPreparing, isSettled, type TransactionState } from './transaction-state';

/** Single node: the coordinator epoch never changes. */
export const COORDINATOR_EPOCH = 0;
/** How soon markers that could not be written are tried again. */
const MARKER_RETRY_MS = 1_000;

export interface TransactionCoordinatorConfig {
  transactionMaxTimeoutMs: number;
  transactionalIdExpirationMs: number;
  abortTimedOutTransactionsIntervalMs: number;
  removeExpiredTransactionalIdsIntervalMs: number;
}

/** One `__transaction_state` record: TransactionLogKey / TransactionLogValue (null = tombstone). */
export type TransactionLogRecord = InternalTopicRecord;

/** Where the coordinator's records go and come back from (`__transaction_state`, or a fake in tests). */
export interface TransactionStore {
  ensureReady(): boolean;
  append(transactionalId: string, record: TransactionLogRecord): ErrorCode;
  /** The records of these partitions (every partition when omitted). */
  replay(partitions?: readonly number[]): Iterable<TransactionLogRecord>;
  /** The partition a transactional id's records go to. */
  partitionFor(transactionalId: string): number;
}

export interface TransactionMarker {
  producerId: number;
  producerEpoch: number;
  coordinatorEpoch: number;
  commit: boolean;
}

/** Writes a COMMIT/ABORT marker into a partition: NONE when written or no longer needed, else an error to retry on. */
export interface TransactionMarkerWriter {
  write(topic: string, partition: number, marker: TransactionMarker): ErrorCode;
}

export interface ProducerIdAndEpoch {
  producerId: number;
  producerEpoch: number;
}

export interface InitProducerIdResult extends ProducerIdAndEpoch {
  errorCode: ErrorCode;
}

export interface TopicPartition {
  topic: string;
  partition: number;
}

export interface DescribedTransaction {
  errorCode: ErrorCode;
  transactionalId: string;
  state: TransactionState | '';
  timeoutMs: number;
  startTimestamp: number;
  producerId: number;
  producerEpoch: number;
  topics: { topic: string; partitions: number[] }[];
}

export interface ListedTransaction {
  transactionalId: string;
  producerId: number;
  state: TransactionState;
}

/** Kafka's append-error mapping for the transaction log: what a client can retry on. */
function storeError(code: ErrorCode): ErrorCode {
  switch (code) {
    case ErrorCode.NONE:
      return ErrorCode.NONE;
    case ErrorCode.NOT_LEADER_OR_FOLLOWER:
    case ErrorCode.KAFKA_STORAGE_ERROR:
      return ErrorCode.NOT_COORDINATOR;
    case ErrorCode.MESSAGE_TOO_LARGE:
    case ErrorCode.RECORD_LIST_TOO_LARGE:
      return ErrorCode.UNKNOWN_SERVER_ERROR;
    default:
      return ErrorCode.COORDINATOR_NOT_AVAILABLE;
  }
}

export class TransactionCoordinator {
  private readonly transactions = new Map<string, TransactionMetadata>();
  private readonly markerRetries = new Map<string, ScheduledTimer>();
  private abortTimer: ScheduledTimer | null = null;
  private expirationTimer: ScheduledTimer | null = null;
  private closed = false;

  constructor(
    private readonly config: TransactionCoordinatorConfig,
    private readonly scheduler: Scheduler,
    private readonly store: TransactionStore,
    private readonly markers: TransactionMarkerWriter,
    /** The next producer id; null while this broker has no block of ids yet (a cluster broker waits for the controller's). */
    private readonly allocateProducerId: () => number | null,
    private readonly log: Logger | null = null,
  ) {}

  /** Rebuilds every transactional id from the store, finishes prepared transactions, starts the timers. */
  start(): void {
    this.loadPartitions();
    this.scheduleAbortCheck();
    this.scheduleExpirationCheck();
  }

  /**
   * This broker now leads these `__transaction_state` partitions (every
   * partition when omitted): their transactional ids are rebuilt, and
   * transactions they left prepared are completed.
   */
  loadPartitions(partitions?: readonly number[]): void {
    const loaded = new Set<string>();
    for (const record of this.store.replay(partitions)) {
      const id = decodeTransactionLogKey(record.key);
      if (id === null) continue;
      loaded.add(id);
      if (record.value === null) this.transactions.delete(id);
      else this.transactions.set(id, fromLogValue(id, decodeTransactionLogValue(record.value)));
    }
    for (const id of loaded) {
      const meta = this.transactions.get(id);
      if (meta && isPreparing(meta.state)) {
        this.log?.info({ transactionalId: meta.transactionalId, state: meta.state }, 'completing a transaction prepared before the restart');
        meta.pendingMarkers = new Set(meta.partitions);
        this.writeMarkers(meta);
      }
    }
  }

  /** This broker no longer leads these partitions: their transactional ids are dropped. Not reached on one node. */
  unloadPartitions(partitions: readonly number[]): void {
    const gone = new Set(partitions);
    for (const id of [...this.transactions.keys()]) {
      if (!gone.has(this.store.partitionFor(id))) continue;
      this.markerRetries.get(id)?.cancel();
      this.markerRetries.delete(id);
      this.transactions.delete(id);
    }
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.abortTimer?.cancel();
    this.expirationTimer?.cancel();
    for (const t of this.markerRetries.values()) t.cancel();
    this.markerRetries.clear();
  }

  /** For tests and tools: the id's metadata as the coordinator holds it. */
  transaction(transactionalId: string): Readonly<TransactionMetadata> | undefined {
    return this.transactions.get(transactionalId);
  }

  /** FindCoordinator for a transactional id: this broker, once `__transaction_state` exists (created on first use). */
  prepareCoordinator(): ErrorCode {
    if (this.closed) return ErrorCode.COORDINATOR_NOT_AVAILABLE;
    return this.store.ensureReady() ? ErrorCode.NONE : ErrorCode.COORDINATOR_NOT_AVAILABLE;
  }

  // ---- InitProducerId ----------------------------------------------------------

  /**
   * InitProducerId with a transactional id (Kafka's handleInitProducerId).
   * A new id gets a fresh producer id at epoch 0; a known one gets its
   * epoch bumped, which fences the previous producer. `expected` is the
   * KIP-360 producer id and epoch a recovering producer sends (v3+).
   */
  initProducerId(transactionalId: string, timeoutMs: number, expected: ProducerIdAndEpoch | null): InitProducerIdResult {
    const fail = (errorCode: ErrorCode): InitProducerIdResult => ({ errorCode, producerId: -1, producerEpoch: NO_PRODUCER_EPOCH });
    if (timeoutMs <= 0 || timeoutMs > this.config.transactionMaxTimeoutMs) return fail(ErrorCode.INVALID_TRANSACTION_TIMEOUT);
    if (this.closed || !this.store.ensureReady()) return fail(ErrorCode.COORDINATOR_NOT_AVAILABLE);
    const now = this.scheduler.now();
    const existing = this.transactions.get(transactionalId);
    // No id to give yet: retriable, as Kafka's RPCProducerIdManager answers while its block is on the way.
    const newProducerId = existing ? null : this.allocateProducerId();
    if (!existing && newProducerId === null) return fail(ErrorCode.COORDINATOR_LOAD_IN_PROGRESS);
    const meta: TransactionMetadata = existing ?? {
      transactionalId,
      producerId: newProducerId!,
      lastProducerId: -1,
      producerEpoch: NO_PRODUCER_EPOCH,
      lastProducerEpoch: NO_PRODUCER_EPOCH,
      timeoutMs,
      state: 'Empty',
      partitions: new Set(),
      startTimestamp: -1,
      lastUpdateTimestamp: now,
      pendingMarkers: new Set(),
    };
    if (expected !== null && !isValidProducerId(meta, expected)) return fail(ErrorCode.PRODUCER_FENCED);
    if (meta.state === 'Ongoing') {
      // Kafka: abort the open transaction with a bumped epoch (never
      // returned), and make the producer retry, which bumps it once more.
      const aborted = this.abortWithFencedEpoch(meta);
      return fail(aborted === ErrorCode.NONE ? ErrorCode.CONCURRENT_TRANSACTIONS : aborted);
    }
    if (!isSettled(meta.state)) return fail(ErrorCode.CONCURRENT_TRANSACTIONS);

    let next: Pick<TransactionMetadata, 'producerId' | 'lastProducerId' | 'producerEpoch' | 'lastProducerEpoch'>;
    if (isEpochExhausted(meta.producerEpoch)) {
      // Out of epochs: rotate to a new producer id (remembering the old one for retries).
      const rotated = this.allocateProducerId();
      if (rotated === null) return fail(ErrorCode.COORDINATOR_LOAD_IN_PROGRESS);
      next = {
        producerId: rotated,
        lastProducerId: meta.producerId,
        producerEpoch: 0,
        lastProducerEpoch: expected !== null ? meta.producerEpoch : NO_PRODUCER_EPOCH,
      };
    } else {
      const bumped = meta.producerEpoch + 1;
      if (expected === null) {
        next = { producerId: meta.producerId, lastProducerId: meta.lastProducerId, producerEpoch: bumped, lastProducerEpoch: NO_PRODUCER_EPOCH };
      } else if (meta.producerEpoch === NO_PRODUCER_EPOCH || expected.producerEpoch === meta.producerEpoch) {
        next = { producerId: meta.producerId, lastProducerId: meta.lastProducerId, producerEpoch: bumped, lastProducerEpoch: meta.producerEpoch };
      } else if (expected.producerEpoch === meta.lastProducerEpoch) {
        // A retry of a bump whose answer was lost: the same answer again.
        return { errorCode: ErrorCode.NONE, producerId: meta.producerId, producerEpoch: meta.producerEpoch };
      } else {
        return fail(ErrorCode.PRODUCER_FENCED);
      }
    }
    const stored = this.persist(meta, { ...next, timeoutMs, state: 'Empty', partitions: new Set(), startTimestamp: -1, lastUpdateTimestamp: now });
    if (stored !== ErrorCode.NONE) return fail(stored);
    if (!existing) this.transactions.set(transactionalId, meta);
    this.log?.info({ transactionalId, producerId: meta.producerId, producerEpoch: meta.producerEpoch }, 'initialized transactional producer');
    return { errorCode: ErrorCode.NONE, producerId: meta.producerId, producerEpoch: meta.producerEpoch };
  }

  // ---- AddPartitionsToTxn / AddOffsetsToTxn ------------------------------------

  /** Adds partitions to the producer's transaction, beginning it if none is open. */
  addPartitions(transactionalId: string, producerId: number, producerEpoch: number, partitions: readonly TopicPartition[]): ErrorCode {
    const meta = this.transactions.get(transactionalId);
    const invalid = this.validateProducer(meta, producerId, producerEpoch);
    if (invalid !== ErrorCode.NONE || !meta) return invalid;
    if (!isSettled(meta.state) && meta.state !== 'Ongoing') return ErrorCode.CONCURRENT_TRANSACTIONS;
    const keys = partitions.map((p) => partitionKey(p.topic, p.partition));
    if (meta.state === 'Ongoing' && keys.every((k) => meta.partitions.has(k))) return ErrorCode.NONE;
    const now = this.scheduler.now();
    const union = new Set(meta.state === 'Ongoing' ? meta.partitions : []);
    for (const k of keys) union.add(k);
    return this.persist(meta, {
      state: 'Ongoing',
      partitions: union,
      startTimestamp: meta.state === 'Ongoing' ? meta.startTimestamp : now,
      lastUpdateTimestamp: now,
    });
  }

  /**
   * KIP-890 part 1 (`transaction.partition.verification.enable`): before a
   * partition takes a producer's first transactional batch, the coordinator
   * confirms the partition is in that producer's open transaction.
   */
  verifyPartition(transactionalId: string, producerId: number, producerEpoch: number, topic: string, partition: number): ErrorCode {
    const meta = this.transactions.get(transactionalId);
    const invalid = this.validateProducer(meta, producerId, producerEpoch);
    if (invalid !== ErrorCode.NONE || !meta) return invalid;
    if (isPreparing(meta.state)) return ErrorCode.CONCURRENT_TRANSACTIONS;
    return meta.state === 'Ongoing' && meta.partitions.has(partitionKey(topic, partition)) ? ErrorCode.NONE : ErrorCode.INVALID_TXN_STATE;
  }

  // ---- EndTxn ------------------------------------------------------------------

  /** EndTxn (Kafka's handleEndTransaction): commits or aborts the open transaction; retries of a finished one succeed. */
  endTransaction(transactionalId: string, producerId: number, producerEpoch: number, commit: boolean): ErrorCode {
    const meta = this.transactions.get(transactionalId);
    const invalid = this.validateProducer(meta, producerId, producerEpoch);
    if (invalid !== ErrorCode.NONE || !meta) return invalid;
    switch (meta.state) {
      case 'Ongoing': {
        const stored = this.persist(meta, { state: commit ? 'PrepareCommit' : 'PrepareAbort', lastUpdateTimestamp: this.scheduler.now() });
        if (stored !== ErrorCode.NONE) return stored;
        meta.pendingMarkers = new Set(meta.partitions);
        this.writeMarkers(meta);
        return ErrorCode.NONE;
      }
      case 'CompleteCommit':
        return commit ? ErrorCode.NONE : ErrorCode.INVALID_TXN_STATE;
      case 'CompleteAbort':
        return commit ? ErrorCode.INVALID_TXN_STATE : ErrorCode.NONE;
      case 'PrepareCommit':
        return commit ? ErrorCode.CONCURRENT_TRANSACTIONS : ErrorCode.INVALID_TXN_STATE;
      case 'PrepareAbort':
        return commit ? ErrorCode.INVALID_TXN_STATE : ErrorCode.CONCURRENT_TRANSACTIONS;
      default:
        return ErrorCode.INVALID_TXN_STATE;
    }
  }

  // ---- Describe and list -----------------------------------------------------------

  describe(transactionalId: string): DescribedTransaction {
    const meta = this.transactions.get(transactionalId);
    if (!meta || meta.state === 'Dead') {
      return {
        errorCode: ErrorCode.TRANSACTIONAL_ID_NOT_FOUND,
        transactionalId,
        state: '',
        timeoutMs: 0,
        startTimestamp: -1,
        producerId: -1,
        producerEpoch: -1,
        topics: [],
      };
    }
    return {
      errorCode: ErrorCode.NONE,
      transactionalId,
      state: meta.state,
      timeoutMs: meta.timeoutMs,
      startTimestamp: meta.startTimestamp,
      producerId: meta.producerId,
      producerEpoch: meta.producerEpoch,
      topics: [...partitionsByTopic(meta.partitions)].map(([topic, partitions]) => ({ topic, partitions })),
    };
  }

  /**
   * ListTransactions: state names and producer ids filter (empty = all);
   * `durationFilterMs` >= 0 keeps transactions running longer than it.
   * Unknown state names are returned for the response's UnknownStateFilters.
   */
  list(states: readonly string[], producerIds: readonly number[], durationFilterMs: number): { transactions: ListedTransaction[]; unknownStates: string[] } {
    const known = new Set<string>(ALL_TRANSACTION_STATES);
    const unknownStates = states.filter((s) => !known.has(s));
    const wantedStates = new Set(states.filter((s) => known.has(s)));
    const wantedIds = new Set(producerIds);
    const now = this.scheduler.now();
    const transactions: ListedTransaction[] = [];
    // Kafka: only unknown state names in the filter match nothing.
    if (states.length > 0 && wantedStates.size === 0) return { transactions, unknownStates };
    for (const meta of this.transactions.values()) {
      if (meta.state === 'Dead') continue;
      if (wantedIds.size > 0 && !wantedIds.has(meta.producerId)) continue;
      if (wantedStates.size > 0 && !wantedStates.has(meta.state)) continue;
      if (durationFilterMs >= 0 && now - meta.startTimestamp <= durationFilterMs) continue;
      transactions.push({ transactionalId: meta.transactionalId, producerId: meta.producerId, state: meta.state });
    }
    return { transactions, unknownStates };
  }

  // ---- timers ------------------------------------------------------------------

  /** Aborts every transaction open longer than its timeout (Kafka's abortTimedOutTransactions). */
  abortTimedOutTransactions(): void {
    const now = this.scheduler.now();
    for (const meta of this.transactions.values()) {
      if (meta.state !== 'Ongoing' || meta.startTimestamp + meta.timeoutMs >= now) continue;
      this.log?.info({ transactionalId: meta.transactionalId, producerId: meta.producerId, timeoutMs: meta.timeoutMs }, 'aborting a timed-out transaction');
      this.abortWithFencedEpoch(meta);
    }
  }

  /** Removes transactional ids with no transaction that were idle for transactional.id.expiration.ms. */
  removeExpiredTransactionalIds(): void {
    const now = this.scheduler.now();
    for (const meta of [...this.transactions.values()]) {
      if (!isSettled(meta.state) || now - meta.lastUpdateTimestamp < this.config.transactionalIdExpirationMs) continue;
      const stored = storeError(this.store.append(meta.transactionalId, { key: encodeTransactionLogKey(meta.transactionalId), value: null }));
      if (stored !== ErrorCode.NONE) continue;
      this.log?.info({ transactionalId: meta.transactionalId }, 'transactional id expired');
      meta.state = 'Dead';
      this.transactions.delete(meta.transactionalId);
    }
  }

  private scheduleAbortCheck(): void {
    if (this.closed) return;
    this.abortTimer = this.scheduler.schedule(this.config.abortTimedOutTransactionsIntervalMs, () => {
      try {
        this.abortTimedOutTransactions();
      } catch (err) {
        this.log?.error({ err }, 'timed-out transaction check failed');
      }
      this.scheduleAbortCheck();
    });
  }

  private scheduleExpirationCheck(): void {
    if (this.closed) return;
    this.expirationTimer = this.scheduler.schedule(this.config.removeExpiredTransactionalIdsIntervalMs, () => {
      try {
        this.removeExpiredTransactionalIds();
      } catch (err) {
        this.log?.error({ err }, 'transactional id expiration failed');
      }
      this.scheduleExpirationCheck();
    });
  }

  // ---- internals ---------------------------------------------------------------

  /** The producer id and epoch must be the id's current ones (Kafka's checks for AddPartitions/EndTxn). */
  private validateProducer(meta: TransactionMetadata | undefined, producerId: number, producerEpoch: number): ErrorCode {
    if (this.closed) return ErrorCode.COORDINATOR_NOT_AVAILABLE;
    if (!meta || meta.state === 'Dead' || meta.producerId !== producerId) return ErrorCode.INVALID_PRODUCER_ID_MAPPING;
    if (meta.producerEpoch !== producerEpoch) return ErrorCode.PRODUCER_FENCED;
    return ErrorCode.NONE;
  }

  /**
   * Aborts the open transaction with the epoch bumped (Kafka's
   * prepareFenceProducerEpoch + abort): the ABORT markers carry the new
   * epoch, so the old producer's writes are refused everywhere.
   */
  private abortWithFencedEpoch(meta: TransactionMetadata): ErrorCode {
    const epoch = isEpochExhausted(meta.producerEpoch) ? meta.producerEpoch : meta.producerEpoch + 1;
    const stored = this.persist(meta, { producerEpoch: epoch, lastProducerEpoch: NO_PRODUCER_EPOCH, state: 'PrepareAbort', lastUpdateTimestamp: this.scheduler.now() });
    if (stored !== ErrorCode.NONE) return stored;
    meta.pendingMarkers = new Set(meta.partitions);
    this.writeMarkers(meta);
    return ErrorCode.NONE;
  }

  /** Writes the prepared transaction's outstanding markers, then its Complete state; retries later what fails. */
  private writeMarkers(meta: TransactionMetadata): void {
    this.markerRetries.get(meta.transactionalId)?.cancel();
    this.markerRetries.delete(meta.transactionalId);
    if (!isPreparing(meta.state)) return;
    const commit = meta.state === 'PrepareCommit';
    const marker: TransactionMarker = { producerId: meta.producerId, producerEpoch: meta.producerEpoch, coordinatorEpoch: COORDINATOR_EPOCH, commit };
    for (const key of [...meta.pendingMarkers]) {
      const { topic, partition } = parsePartitionKey(key);
      const code = this.markers.write(topic, partition, marker);
      if (code === ErrorCode.NONE) meta.pendingMarkers.delete(key);
      else this.log?.warn({ transactionalId: meta.transactionalId, topic, partition, errorCode: code }, 'transaction marker not written; will retry');
    }
    const completed =
      meta.pendingMarkers.size === 0 &&
      this.persist(meta, {
        state: commit ? 'CompleteCommit' : 'CompleteAbort',
        partitions: new Set(),
        lastUpdateTimestamp: this.scheduler.now(),
      }) === ErrorCode.NONE;
    if (!completed && !this.closed) {
      this.markerRetries.set(
        meta.transactionalId,
        this.scheduler.schedule(MARKER_RETRY_MS, () => this.writeMarkers(meta)),
      );
    }
  }

  /** Appends the metadata as it will be after `change`, then applies the change (never before the record is stored). */
  private persist(meta: TransactionMetadata, change: Partial<Omit<TransactionMetadata, 'transactionalId'>>): ErrorCode {
    const next: TransactionMetadata = { ...meta, ...change };
    const code = storeError(this.store.append(meta.transactionalId, { key: encodeTransactionLogKey(meta.transactionalId), value: encodeTransactionLogValue(toLogValue(next)) }));
    if (code === ErrorCode.NONE) Object.assign(meta, change);
    return code;
  }
}

/**
 * KIP-360: a recovering producer's id and epoch are accepted if the id has
 * no epoch yet, the producer id is the current one (the epoch is checked
 * when it is bumped), or it is the previous one with an exhausted epoch (a
 * retry after a rotation).
 */
function isValidProducerId(meta: TransactionMetadata, expected: ProducerIdAndEpoch): boolean {
  return (
    meta.producerEpoch === NO_PRODUCER_EPOCH ||
    expected.producerId === meta.producerId ||
    (expected.producerId === meta.lastProducerId && isEpochExhausted(expected.producerEpoch))
  );
}
