/**
 * The transaction coordinator: Kafka's TransactionCoordinator and
 * TransactionStateManager (transaction version 1, the protocol every client
 * speaks when `transaction.version` is not advertised: G19), for the
 * `__transaction_state` partitions this broker leads (every partition on
 * one node).
 *
 * One owner per transactional id (the event loop is the lock). Every state
 * change is appended to `__transaction_state` before it takes effect, and
 * the state is rebuilt by replaying a partition when this broker becomes
 * its leader (`loadPartitions`, or `loadSteps` a slice per turn) and
 * dropped when it stops (`unloadPartitions`); a transactional id whose
 * partition is not loaded here is answered NOT_COORDINATOR
 * (COORDINATOR_LOAD_IN_PROGRESS while it loads). The coordinator epoch of a partition is
 * its leader epoch, so markers of a deposed coordinator are fenced
 * (TRANSACTION_COORDINATOR_FENCED) by the partitions a newer one wrote.
 *
 * Ending a transaction writes PrepareCommit/PrepareAbort and answers; once
 * that record is replicated (acks=all, as Kafka sends markers from the
 * append's callback), the marker channel (transaction-marker-channel.ts)
 * writes a COMMIT/ABORT marker into every partition of the transaction, on
 * whichever broker leads it, retrying until all are written; only then is
 * CompleteCommit/CompleteAbort written. (A marker sent before its Prepare
 * record is replicated could outlive it: a coordinator that dies before its
 * followers have the record leaves a successor that sees the transaction
 * Ongoing and aborts it, while some partitions already took the COMMIT.)
 * Meanwhile requests for the id get CONCURRENT_TRANSACTIONS. A transaction
 * found prepared when a partition is loaded (its coordinator crashed or
 * moved) has its markers sent again (a repeated marker is harmless) and
 * completes.
 *
 * Timers (injected Scheduler): transactions open longer than their timeout
 * are aborted with a bumped epoch, which fences the producer everywhere
 * (checked every transaction.abort.timed.out.transaction.cleanup.interval.ms);
 * ids idle for transactional.id.expiration.ms are removed (tombstoned).
 */
import type { Logger } from '../../logger';
import { ErrorCode } from '../../protocol/errors';
import { coordinatorAppendError } from '../coordinator-append-error';
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
import type { TransactionMarkerRequest } from './transaction-marker-channel';
import { ALL_TRANSACTION_STATES, isPreparing, isSettled, type TransactionState } from './transaction-state';

/** How soon a Complete record that could not be written is tried again. */
const COMPLETE_RETRY_MS = 1_000;

/** How soon a Prepare record not replicated yet (timed out, ISR short) is waited for again. */
const REPLICATION_RETRY_MS = 100;

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
  /**
   * NONE once everything appended to the partition so far is replicated
   * (synchronously when it already is, always on one node), else the error
   * the wait ended with (timed out, not enough replicas, no longer leader).
   */
  whenReplicated(partition: number): ErrorCode | Promise<ErrorCode>;
  /** The records of these partitions (every partition when omitted). */
  replay(partitions?: readonly number[]): Iterable<TransactionLogRecord>;
  /** The partition a transactional id's records go to. */
  partitionFor(transactionalId: string): number;
  /** The partitions this broker leads now (loaded by `start`). */
  ledPartitions(): number[];
  /** The coordinator epoch of a partition: its leader epoch (0 on one node, where it never changes). */
  coordinatorEpoch(partition: number): number;
}

export interface TransactionMarker {
  producerId: number;
  producerEpoch: number;
  coordinatorEpoch: number;
  commit: boolean;
}

/** Delivers a prepared transaction's markers and calls back once all are written (the marker channel). */
export interface TransactionMarkerSender {
  addMarkers(request: TransactionMarkerRequest): void;
  /** Drops the pending markers of a `__transaction_state` partition this broker no longer leads. */
  removeMarkersFor(txnPartition: number): void;
  close(): void;
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
  return coordinatorAppendError(code, ErrorCode.COORDINATOR_NOT_AVAILABLE);
}

export class TransactionCoordinator {
  private readonly transactions = new Map<string, TransactionMetadata>();
  /** Per transactional id: a wait for its Prepare record's replication, or a Complete write, tried again later. */
  private readonly retries = new Map<string, ScheduledTimer>();
  /** The loaded `__transaction_state` partitions and their coordinator epochs. */
  private readonly loaded = new Map<number, number>();
  /** The partitions being loaded in steps, each with its load (a newer load or an unload replaces or removes it). */
  private readonly loading = new Map<number, object>();
  private abortTimer: ScheduledTimer | null = null;
  private expirationTimer: ScheduledTimer | null = null;
  private closed = false;

  constructor(
    private readonly config: TransactionCoordinatorConfig,
    private readonly scheduler: Scheduler,
    private readonly store: TransactionStore,
    private readonly markers: TransactionMarkerSender,
    /** The next producer id; null while this broker has no block of ids yet (a cluster broker waits for the controller's). */
    private readonly allocateProducerId: () => number | null,
    private readonly log: Logger | null = null,
  ) {}

  /**
   * Rebuilds every transactional id from the store (unless `load` is false:
   * the broker loads its partitions after it is up, through
   * CoordinatorPartitions), finishes prepared transactions, starts the timers.
   */
  start(options: { load?: boolean } = {}): void {
    if (options.load !== false) this.loadPartitions();
    this.scheduleAbortCheck();
    this.scheduleExpirationCheck();
  }

  /**
   * This broker now leads these `__transaction_state` partitions (those it
   * leads now when omitted): their transactional ids are rebuilt, and
   * transactions they left prepared are completed. Ongoing ones keep their
   * start time, so the timeout check aborts them on schedule.
   */
  loadPartitions(partitions?: readonly number[]): void {
    for (const p of partitions ?? this.store.ledPartitions()) {
      const steps = this.loadSteps(p, Infinity);
      while (steps.next().done !== true);
    }
  }

  /**
   * The same load of one partition, in steps of `recordsPerStep` records
   * (CoordinatorPartitions runs them over turns of the event loop). The
   * records replay into a map of the load's own; the partition's ids join
   * the coordinator's only at the last step, so until then nothing of them
   * is served, timed out or expired, and its ids answer
   * COORDINATOR_LOAD_IN_PROGRESS (as Kafka's loading partitions). An unload
   * meanwhile ends the load: a step after it replays nothing.
   */
  loadSteps(partition: number, recordsPerStep: number): Iterator<void> {
    // Reloaded (a new leader epoch): what was held for it is stale.
    if (this.loaded.has(partition)) {
      this.dropPartitions([partition]);
      this.loaded.delete(partition);
    }
    const load = {};
    this.loading.set(partition, load);
    return this.stepsOfLoad(partition, load, this.store.coordinatorEpoch(partition), recordsPerStep);
  }

  private *stepsOfLoad(partition: number, load: object, coordinatorEpoch: number, recordsPerStep: number): Generator<void> {
    // Closed (the broker shuts down) or unloaded: the load ends at its next step.
    const current = () => !this.closed && this.loading.get(partition) === load;
    // Per transactional id, its last record's state (null: a tombstone).
    const replayed = new Map<string, TransactionMetadata | null>();
    let records = 0;
    for (const record of this.store.replay([partition])) {
      const id = decodeTransactionLogKey(record.key);
      if (id !== null) replayed.set(id, record.value === null ? null : fromLogValue(id, decodeTransactionLogValue(record.value)));
      if (++records % recordsPerStep === 0) {
        yield;
        if (!current()) return;
      }
    }
    this.loading.delete(partition);
    this.loaded.set(partition, coordinatorEpoch);
    for (const [id, meta] of replayed) {
      if (meta === null) this.transactions.delete(id);
      else this.transactions.set(id, meta);
    }
    for (const meta of replayed.values()) {
      if (meta && isPreparing(meta.state)) {
        this.log?.info({ transactionalId: meta.transactionalId, state: meta.state }, 'completing a transaction prepared by an earlier coordinator');
        this.sendMarkers(meta);
      }
    }
    if (records > 0) this.log?.info({ partition, records, transactionalIds: replayed.size }, 'loaded a __transaction_state partition');
  }

  /** This broker no longer leads these partitions: their transactional ids and pending markers are dropped. */
  unloadPartitions(partitions: readonly number[]): void {
    // A load in progress ends here: its later steps replay nothing, and it held nothing yet.
    for (const p of partitions) this.loading.delete(p);
    const gone = partitions.filter((p) => this.loaded.has(p));
    this.dropPartitions(gone);
    for (const p of gone) this.loaded.delete(p);
    if (gone.length > 0) this.log?.info({ partitions: gone }, 'unloaded __transaction_state partitions');
  }

  /** Whether a partition is being loaded (ListTransactions answers COORDINATOR_LOAD_IN_PROGRESS meanwhile, as Kafka). */
  isLoading(): boolean {
    return this.loading.size > 0;
  }

  /** NONE when this broker coordinates the id now; COORDINATOR_LOAD_IN_PROGRESS while its partition loads; else NOT_COORDINATOR. */
  private coordinatorError(transactionalId: string): ErrorCode {
    const partition = this.store.partitionFor(transactionalId);
    if (this.loaded.has(partition)) return ErrorCode.NONE;
    return this.loading.has(partition) ? ErrorCode.COORDINATOR_LOAD_IN_PROGRESS : ErrorCode.NOT_COORDINATOR;
  }

  private dropPartitions(partitions: readonly number[]): void {
    if (partitions.length === 0) return;
    const gone = new Set(partitions);
    for (const p of gone) this.markers.removeMarkersFor(p);
    for (const id of [...this.transactions.keys()]) {
      if (!gone.has(this.store.partitionFor(id))) continue;
      this.retries.get(id)?.cancel();
      this.retries.delete(id);
      this.transactions.delete(id);
    }
  }

  /** Whether this broker coordinates the transactional id (its partition is loaded here). */
  isCoordinatorFor(transactionalId: string): boolean {
    return this.loaded.has(this.store.partitionFor(transactionalId));
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.abortTimer?.cancel();
    this.expirationTimer?.cancel();
    for (const t of this.retries.values()) t.cancel();
    this.retries.clear();
    this.markers.close();
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
    const notHere = this.coordinatorError(transactionalId);
    if (notHere !== ErrorCode.NONE) return fail(notHere);
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
    const invalid = this.validateProducer(transactionalId, meta, producerId, producerEpoch);
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
    const invalid = this.validateProducer(transactionalId, meta, producerId, producerEpoch);
    if (invalid !== ErrorCode.NONE || !meta) return invalid;
    if (isPreparing(meta.state)) return ErrorCode.CONCURRENT_TRANSACTIONS;
    return meta.state === 'Ongoing' && meta.partitions.has(partitionKey(topic, partition)) ? ErrorCode.NONE : ErrorCode.INVALID_TXN_STATE;
  }

  // ---- EndTxn ------------------------------------------------------------------

  /** EndTxn (Kafka's handleEndTransaction): commits or aborts the open transaction; retries of a finished one succeed. */
  endTransaction(transactionalId: string, producerId: number, producerEpoch: number, commit: boolean): ErrorCode {
    const meta = this.transactions.get(transactionalId);
    const invalid = this.validateProducer(transactionalId, meta, producerId, producerEpoch);
    if (invalid !== ErrorCode.NONE || !meta) return invalid;
    switch (meta.state) {
      case 'Ongoing': {
        const stored = this.persist(meta, { state: commit ? 'PrepareCommit' : 'PrepareAbort', lastUpdateTimestamp: this.scheduler.now() });
        if (stored !== ErrorCode.NONE) return stored;
        this.sendMarkers(meta);
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
        errorCode: this.isCoordinatorFor(transactionalId) ? ErrorCode.TRANSACTIONAL_ID_NOT_FOUND : this.coordinatorError(transactionalId),
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
  private validateProducer(transactionalId: string, meta: TransactionMetadata | undefined, producerId: number, producerEpoch: number): ErrorCode {
    if (this.closed) return ErrorCode.COORDINATOR_NOT_AVAILABLE;
    if (!meta && !this.isCoordinatorFor(transactionalId)) return this.coordinatorError(transactionalId);
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
    this.sendMarkers(meta);
    return ErrorCode.NONE;
  }

  /**
   * Hands the prepared transaction's markers to the channel once its Prepare
   * record is replicated; once all are written, the Complete state follows.
   */
  private sendMarkers(meta: TransactionMetadata): void {
    if (!isPreparing(meta.state)) return;
    const txnPartition = this.store.partitionFor(meta.transactionalId);
    const coordinatorEpoch = this.loaded.get(txnPartition) ?? this.store.coordinatorEpoch(txnPartition);
    const { state, producerId, producerEpoch } = meta;
    const isCurrent = () =>
      !this.closed &&
      this.transactions.get(meta.transactionalId) === meta &&
      meta.state === state &&
      meta.producerEpoch === producerEpoch &&
      this.loaded.get(txnPartition) === coordinatorEpoch;
    const partitions = [...meta.partitions].map(parsePartitionKey);
    this.whenPrepareReplicated(meta.transactionalId, txnPartition, isCurrent, () =>
      this.markers.addMarkers({
        transactionalId: meta.transactionalId,
        txnPartition,
        marker: { producerId, producerEpoch, coordinatorEpoch, commit: state === 'PrepareCommit' },
        partitions,
        isCurrent,
        onComplete: () => this.completeTransaction(meta, isCurrent),
      }),
    );
  }

  /**
   * Runs `then` once the transaction's `__transaction_state` partition has
   * replicated its Prepare record (at once when it already has). A wait that
   * ends otherwise is started again while the transaction is still this
   * coordinator's: the record is in the leader's log, so it is replicated
   * unless leadership moves, and then the new coordinator sends the markers.
   */
  private whenPrepareReplicated(transactionalId: string, txnPartition: number, isCurrent: () => boolean, then: () => void): void {
    const settle = (code: ErrorCode) => {
      if (!isCurrent()) return;
      if (code === ErrorCode.NONE) return then();
      this.log?.debug({ transactionalId, errorCode: code }, 'prepared transaction not replicated yet; its markers wait');
      this.retries.get(transactionalId)?.cancel();
      this.retries.set(
        transactionalId,
        this.scheduler.schedule(REPLICATION_RETRY_MS, () => {
          this.retries.delete(transactionalId);
          this.whenPrepareReplicated(transactionalId, txnPartition, isCurrent, then);
        }),
      );
    };
    let waited: ErrorCode | Promise<ErrorCode>;
    try {
      waited = this.store.whenReplicated(txnPartition);
    } catch {
      waited = ErrorCode.UNKNOWN_SERVER_ERROR;
    }
    if (typeof waited === 'number') settle(waited);
    else waited.then(settle, () => settle(ErrorCode.UNKNOWN_SERVER_ERROR));
  }

  /**
   * Every marker is written: CompleteCommit/CompleteAbort (Kafka's
   * tryAppendToLog). Not this coordinator's any more: left to the new one;
   * a write that failed otherwise is tried again.
   */
  private completeTransaction(meta: TransactionMetadata, isCurrent: () => boolean): void {
    this.retries.get(meta.transactionalId)?.cancel();
    this.retries.delete(meta.transactionalId);
    if (!isCurrent()) return;
    const stored = this.persist(meta, {
      state: meta.state === 'PrepareCommit' ? 'CompleteCommit' : 'CompleteAbort',
      partitions: new Set(),
      lastUpdateTimestamp: this.scheduler.now(),
    });
    if (stored === ErrorCode.NONE || stored === ErrorCode.NOT_COORDINATOR) return;
    this.log?.warn({ transactionalId: meta.transactionalId, errorCode: stored }, 'could not write the completed transaction; will retry');
    this.retries.set(
      meta.transactionalId,
      this.scheduler.schedule(COMPLETE_RETRY_MS, () => this.completeTransaction(meta, isCurrent)),
    );
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
