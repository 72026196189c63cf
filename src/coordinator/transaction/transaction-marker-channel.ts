/**
 * The transaction coordinator's marker channel (Kafka's
 * TransactionMarkerChannelManager and its request completion handler): it
 * delivers a completed transaction's COMMIT/ABORT markers to the current
 * leader of every partition of the transaction, as WriteTxnMarkers
 * requests, and says when all are written.
 *
 * - Markers are queued per destination broker (the partition's leader in
 *   the metadata image at the time) and sent as one request per broker,
 *   with at most one request in flight per broker: what queues meanwhile
 *   goes in the next one, so markers batch under load and go at once when
 *   the channel is idle. The broker itself is a destination like any other
 *   (the wiring writes its own partitions without the network hop).
 * - A partition without a leader waits in the "unknown broker" queue and is
 *   looked up again every `retryBackoffMs`; a partition whose topic is gone
 *   needs no marker (Kafka: "likely deleted already").
 * - Per partition answer: NONE is written; NOT_LEADER_OR_FOLLOWER,
 *   UNKNOWN_TOPIC_OR_PARTITION, NOT_ENOUGH_REPLICAS(_AFTER_APPEND),
 *   REQUEST_TIMED_OUT and KAFKA_STORAGE_ERROR are retried (after
 *   `retryBackoffMs`, to the leader the metadata names then);
 *   UNSUPPORTED_FOR_MESSAGE_FORMAT / UNSUPPORTED_VERSION need no marker;
 *   INVALID_PRODUCER_EPOCH and TRANSACTION_COORDINATOR_FENCED mean a newer
 *   producer epoch or coordinator has taken over: the transaction's markers
 *   are cancelled and it is not completed here. Kafka treats any other
 *   answer as a fatal bug (an IllegalStateException in its sender thread);
 *   Weir logs it and keeps retrying, so no marker is ever skipped.
 * - A request that fails as a whole (connection lost, timeout) is queued
 *   again, partition by partition, to the leaders of the moment.
 * - Before each send and after each answer the coordinator is asked whether
 *   the transaction is still its (`isCurrent`: same coordinator epoch, same
 *   prepared state); when not (the `__transaction_state` partition moved, or
 *   is being reloaded) its markers are dropped: the new coordinator sends
 *   them again. `removeMarkersFor` drops those of an unloaded partition.
 */
import type { Logger } from '../../logger';
import { ErrorCode } from '../../protocol/errors';
import type { ScheduledTimer, Scheduler } from '../../time/scheduler';

export interface MarkerPartition {
  topic: string;
  partition: number;
}

export interface TransactionMarkerEntry {
  producerId: number;
  producerEpoch: number;
  coordinatorEpoch: number;
  commit: boolean;
  partitions: readonly MarkerPartition[];
}

/** One transaction's markers, as the coordinator hands them to the channel. */
export interface TransactionMarkerRequest {
  transactionalId: string;
  /** The `__transaction_state` partition of the transactional id. */
  txnPartition: number;
  marker: Omit<TransactionMarkerEntry, 'partitions'>;
  partitions: readonly MarkerPartition[];
  /** Whether this coordinator still owns the transaction in the same prepared state (Kafka's epoch checks). */
  isCurrent: () => boolean;
  /** Every marker is written (or no longer needed): the coordinator writes the Complete state. */
  onComplete: () => void;
}

/** Sends one WriteTxnMarkers request; resolves with each entry's per-partition error codes (in entry and partition order). */
export type SendMarkers = (brokerId: number, entries: readonly TransactionMarkerEntry[]) => Promise<ErrorCode[][]>;

/** The leader of a partition: a broker id, -1 while it has none, null when the topic or partition no longer exists. */
export type LeaderLookup = (topic: string, partition: number) => number | null;

export interface TransactionMarkerChannelOptions {
  leaderOf: LeaderLookup;
  send: SendMarkers;
  scheduler: Scheduler;
  /** How soon unknown leaders and retriable failures are tried again. */
  retryBackoffMs: number;
  log?: Logger | null;
}

/** The markers the channel can retry: the leader moved, or is not ready yet. */
const RETRIABLE = new Set<ErrorCode>([
  ErrorCode.UNKNOWN_TOPIC_OR_PARTITION,
  ErrorCode.NOT_LEADER_OR_FOLLOWER,
  ErrorCode.NOT_ENOUGH_REPLICAS,
  ErrorCode.NOT_ENOUGH_REPLICAS_AFTER_APPEND,
  ErrorCode.REQUEST_TIMED_OUT,
  ErrorCode.KAFKA_STORAGE_ERROR,
]);

/** A newer producer epoch or coordinator wrote to the partition: this transaction is someone else's now. */
const FENCED = new Set<ErrorCode>([ErrorCode.INVALID_PRODUCER_EPOCH, ErrorCode.TRANSACTION_COORDINATOR_FENCED]);

/** The partition will never need this marker (Kafka removes it from the transaction). */
const NOT_NEEDED = new Set<ErrorCode>([ErrorCode.UNSUPPORTED_FOR_MESSAGE_FORMAT, ErrorCode.UNSUPPORTED_VERSION]);

/** A transaction with markers still to write. */
interface PendingTransaction {
  readonly request: TransactionMarkerRequest;
  /** Partitions ("topic\u0000partition") whose marker is not written yet. */
  readonly remaining: Set<string>;
  cancelled: boolean;
}

/** Queued markers for one destination: transaction -> partitions. */
type Queue = Map<PendingTransaction, MarkerPartition[]>;

const UNKNOWN_BROKER = -1;

function keyOf(p: MarkerPartition): string {
  return `${p.topic}\u0000${p.partition}`;
}

export class TransactionMarkerChannel {
  private readonly pending = new Map<string, PendingTransaction>();
  private readonly queues = new Map<number, Queue>();
  private readonly inFlight = new Set<number>();
  private retryTimer: ScheduledTimer | null = null;
  /** Partitions to route again once the backoff has passed. */
  private readonly retries: { txn: PendingTransaction; partitions: MarkerPartition[] }[] = [];
  private closed = false;

  constructor(private readonly options: TransactionMarkerChannelOptions) {}

  /** Starts delivering a transaction's markers (replacing any still pending for the same id, as Kafka does). */
  addMarkers(request: TransactionMarkerRequest): void {
    if (this.closed) return;
    const previous = this.pending.get(request.transactionalId);
    if (previous) previous.cancelled = true;
    const txn: PendingTransaction = { request, remaining: new Set(request.partitions.map(keyOf)), cancelled: false };
    this.pending.set(request.transactionalId, txn);
    this.route(txn, request.partitions);
    this.maybeComplete(txn);
    this.sendAll();
  }

  /** The coordinator no longer owns this `__transaction_state` partition: its transactions' markers are dropped. */
  removeMarkersFor(txnPartition: number): void {
    for (const txn of [...this.pending.values()]) if (txn.request.txnPartition === txnPartition) this.cancel(txn);
  }

  /** How many transactions still wait for markers (tests, metrics). */
  get pendingTransactions(): number {
    return this.pending.size;
  }

  close(): void {
    this.closed = true;
    this.retryTimer?.cancel();
    this.retryTimer = null;
    for (const txn of this.pending.values()) txn.cancelled = true;
    this.pending.clear();
    this.queues.clear();
    this.retries.length = 0;
  }

  private cancel(txn: PendingTransaction): void {
    txn.cancelled = true;
    if (this.pending.get(txn.request.transactionalId) === txn) this.pending.delete(txn.request.transactionalId);
  }

  /** Queues the partitions to their current leaders; the gone ones need no marker. */
  private route(txn: PendingTransaction, partitions: readonly MarkerPartition[]): void {
    for (const p of partitions) {
      const leader = this.options.leaderOf(p.topic, p.partition);
      if (leader === null) {
        this.options.log?.info({ transactionalId: txn.request.transactionalId, topic: p.topic, partition: p.partition }, 'no marker for a deleted partition');
        txn.remaining.delete(keyOf(p));
        continue;
      }
      const destination = leader < 0 ? UNKNOWN_BROKER : leader;
      let queue = this.queues.get(destination);
      if (!queue) this.queues.set(destination, (queue = new Map()));
      let list = queue.get(txn);
      if (!list) queue.set(txn, (list = []));
      list.push(p);
    }
    if (this.queues.get(UNKNOWN_BROKER)?.size) this.scheduleRetry();
  }

  /** Sends a request to every broker with queued markers and none in flight. */
  private sendAll(): void {
    if (this.closed) return;
    for (const [brokerId, queue] of this.queues) {
      if (brokerId === UNKNOWN_BROKER || this.inFlight.has(brokerId) || queue.size === 0) continue;
      this.queues.delete(brokerId);
      const batch = [...queue].filter(([txn]) => !txn.cancelled && this.stillCurrent(txn));
      if (batch.length === 0) continue;
      this.inFlight.add(brokerId);
      const entries = batch.map(([txn, partitions]): TransactionMarkerEntry => ({ ...txn.request.marker, partitions }));
      let sent: Promise<ErrorCode[][]>;
      try {
        sent = this.options.send(brokerId, entries);
      } catch (err) {
        sent = Promise.reject(err);
      }
      sent.then(
        (answers) => this.onAnswer(brokerId, batch, answers),
        (err: unknown) => this.onFailure(brokerId, batch, err),
      );
    }
  }

  private onAnswer(brokerId: number, batch: readonly [PendingTransaction, MarkerPartition[]][], answers: ErrorCode[][]): void {
    this.inFlight.delete(brokerId);
    if (this.closed) return;
    batch.forEach(([txn, partitions], i) => {
      if (txn.cancelled || !this.stillCurrent(txn)) return;
      const codes = answers[i] ?? [];
      const retry: MarkerPartition[] = [];
      for (const [j, p] of partitions.entries()) {
        const code = codes[j] ?? ErrorCode.UNKNOWN_SERVER_ERROR;
        if (code === ErrorCode.NONE || NOT_NEEDED.has(code)) {
          txn.remaining.delete(keyOf(p));
        } else if (FENCED.has(code)) {
          this.options.log?.info(
            { transactionalId: txn.request.transactionalId, topic: p.topic, partition: p.partition, errorCode: code },
            'a newer producer epoch or coordinator wrote this partition; cancelling the transaction markers',
          );
          this.cancel(txn);
          return;
        } else {
          const log = this.options.log;
          if (RETRIABLE.has(code)) log?.debug({ transactionalId: txn.request.transactionalId, topic: p.topic, partition: p.partition, errorCode: code }, 'transaction marker not written; retrying');
          else log?.error({ transactionalId: txn.request.transactionalId, topic: p.topic, partition: p.partition, errorCode: code }, 'unexpected answer to a transaction marker; retrying');
          retry.push(p);
        }
      }
      if (retry.length > 0) this.retryLater(txn, retry);
      this.maybeComplete(txn);
    });
    this.sendAll();
  }

  private onFailure(brokerId: number, batch: readonly [PendingTransaction, MarkerPartition[]][], err: unknown): void {
    this.inFlight.delete(brokerId);
    if (this.closed) return;
    this.options.log?.info({ brokerId, err: (err as Error)?.message }, 'transaction markers not delivered; retrying with the current leaders');
    for (const [txn, partitions] of batch) if (!txn.cancelled && this.stillCurrent(txn)) this.retryLater(txn, partitions);
    this.sendAll();
  }

  private stillCurrent(txn: PendingTransaction): boolean {
    if (txn.request.isCurrent()) return true;
    this.options.log?.info({ transactionalId: txn.request.transactionalId }, 'no longer the coordinator of this transaction; its markers are left to the new one');
    this.cancel(txn);
    return false;
  }

  private maybeComplete(txn: PendingTransaction): void {
    if (txn.cancelled || txn.remaining.size > 0) return;
    this.cancel(txn); // no longer pending
    txn.request.onComplete();
  }

  private retryLater(txn: PendingTransaction, partitions: MarkerPartition[]): void {
    this.retries.push({ txn, partitions });
    this.scheduleRetry();
  }

  private scheduleRetry(): void {
    if (this.retryTimer !== null || this.closed) return;
    this.retryTimer = this.options.scheduler.schedule(this.options.retryBackoffMs, () => {
      this.retryTimer = null;
      const again = this.retries.splice(0);
      // The partitions that had no leader are looked up again too.
      const unknown = this.queues.get(UNKNOWN_BROKER);
      this.queues.delete(UNKNOWN_BROKER);
      for (const [txn, partitions] of unknown ?? []) again.push({ txn, partitions });
      for (const { txn, partitions } of again) {
        if (txn.cancelled || !this.stillCurrent(txn)) continue;
        this.route(txn, partitions);
        this.maybeComplete(txn);
      }
      this.sendAll();
    });
  }
}
