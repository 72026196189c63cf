import { ErrorCode } from '../protocol/errors';
import { type BatchInfo, isControl, isTransactional, lastSequenceOf } from './batch-info';

/** Kafka keeps the last five batches per producer: the client's max.in.flight limit for idempotence. */
export const BATCHES_RETAINED_PER_PRODUCER = 5;

export interface ProducerBatchMetadata {
  firstSeq: number;
  lastSeq: number;
  firstOffset: number;
  lastOffset: number;
  /** The batch's max timestamp. */
  timestamp: number;
}

/** What a partition remembers about one producer id. */
export interface ProducerStateEntry {
  producerId: number;
  producerEpoch: number;
  /** Oldest first, at most BATCHES_RETAINED_PER_PRODUCER. */
  batches: ProducerBatchMetadata[];
  /** Epoch of the transaction coordinator that last wrote a marker (-1: none). For transactions. */
  coordinatorEpoch: number;
  /** First offset of the producer's open transaction in this partition, null when none. For transactions. */
  currentTxnFirstOffset: number | null;
  /** Max timestamp of the producer's last batch, for producer id expiration. */
  lastTimestamp: number;
}

/**
 * A transaction that a marker (control batch) ended in this partition:
 * from its first data offset (the marker's own offset when the producer
 * wrote nothing here) to the marker's offset, both inclusive.
 */
export interface CompletedTxn {
  producerId: number;
  firstOffset: number;
  lastOffset: number;
}

/**
 * Who is appending (Kafka's AppendOrigin): a client's batches are checked
 * for duplicates and sequence order; the coordinators' (transactional offset
 * commits, transaction markers) carry no sequence numbers and are not.
 */
export type AppendOrigin = 'client' | 'coordinator';

export type ProducerCheck =
  | { kind: 'ok'; commit: () => void; completedTxns: CompletedTxn[] }
  | { kind: 'duplicate'; batch: ProducerBatchMetadata }
  | { kind: 'error'; errorCode: ErrorCode; message: string };

const NO_EPOCH = -1;
const INT32_MAX = 0x7fffffff;

function inSequence(lastSeq: number, nextSeq: number): boolean {
  return nextSeq === lastSeq + 1 || (nextSeq === 0 && lastSeq === INT32_MAX);
}

function lastSeqOf(e: ProducerStateEntry): number {
  return e.batches[e.batches.length - 1]?.lastSeq ?? -1;
}

function cloneEntry(e: ProducerStateEntry): ProducerStateEntry {
  return { ...e, batches: e.batches.slice() };
}

function emptyEntry(producerId: number): ProducerStateEntry {
  return { producerId, producerEpoch: NO_EPOCH, batches: [], coordinatorEpoch: -1, currentTxnFirstOffset: null, lastTimestamp: -1 };
}

/**
 * Idempotent-producer state of one partition, following Kafka 3.9's
 * ProducerStateManager / ProducerAppendInfo rules:
 *
 * - a batch whose (epoch, firstSeq, lastSeq) equals one of the producer's last
 *   five is a retry: answered with the original offsets, not stored again;
 * - an epoch below the known one: INVALID_PRODUCER_EPOCH;
 * - a new (higher) epoch must start at sequence 0, unless the producer is
 *   unknown here: OUT_OF_ORDER_SEQUENCE_NUMBER;
 * - same epoch: the first sequence must follow the last one (wrapping from
 *   Int32 max to 0), unless the producer is unknown (its state may have been
 *   removed by retention or DeleteRecords; Kafka 2.5+ accepts any sequence).
 *
 * The state is rebuilt on start from a snapshot plus replay of the batch
 * headers after it (`replay`, which skips validation, like Kafka's loading).
 */
export class ProducerStateManager {
  private readonly producers = new Map<number, ProducerStateEntry>();
  /** First offset of each open transaction, by producer id: what the last stable offset is computed from. */
  private readonly ongoing = new Map<number, number>();

  get size(): number {
    return this.producers.size;
  }

  entry(producerId: number): ProducerStateEntry | undefined {
    return this.producers.get(producerId);
  }

  entries(): IterableIterator<ProducerStateEntry> {
    return this.producers.values();
  }

  /** A transaction marker written by coordinator epoch `coordinatorEpoch` ended the producer's transaction. */
  recordCoordinatorEpoch(producerId: number, coordinatorEpoch: number): void {
    const e = this.producers.get(producerId);
    if (e) e.coordinatorEpoch = coordinatorEpoch;
  }

  /**
   * Validates the idempotent batches of an append whose first batch will get
   * offset `firstOffset`, with offsets assigned consecutively. Nothing changes
   * until `commit` of an 'ok' result is called (after the bytes are written).
   * A duplicate is only recognised for the first idempotent batch of the
   * append, as Kafka does (clients send one batch per partition).
   */
  checkAppend(batches: readonly BatchInfo[], firstOffset: number, origin: AppendOrigin = 'client'): ProducerCheck {
    const updated = new Map<number, ProducerStateEntry>();
    const completedTxns: CompletedTxn[] = [];
    let offset = firstOffset;
    for (const b of batches) {
      const batchFirst = offset;
      offset += b.lastOffsetDelta + 1;
      if (b.producerId < 0) continue;
      const current = this.producers.get(b.producerId);
      let entry = updated.get(b.producerId);
      if (!entry) {
        const dup = current && origin === 'client' ? findDuplicate(current, b) : undefined;
        if (dup) return { kind: 'duplicate', batch: dup };
        entry = current ? cloneEntry(current) : emptyEntry(b.producerId);
        updated.set(b.producerId, entry);
      }
      if (b.producerEpoch < entry.producerEpoch) {
        return {
          kind: 'error',
          errorCode: ErrorCode.INVALID_PRODUCER_EPOCH,
          message: `producer ${b.producerId} epoch ${b.producerEpoch} is older than the last seen epoch ${entry.producerEpoch}`,
        };
      }
      if (isControl(b)) {
        completedTxns.push(applyControl(entry, b, batchFirst));
        continue;
      }
      if (!isTransactional(b) && entry.currentTxnFirstOffset !== null && b.producerEpoch === entry.producerEpoch) {
        // Kafka: a producer with an open transaction may only write transactionally.
        return {
          kind: 'error',
          errorCode: ErrorCode.INVALID_TXN_STATE,
          message: `expected a transactional write from producer ${b.producerId}, which has an open transaction at offset ${entry.currentTxnFirstOffset}`,
        };
      }
      if (origin === 'client') {
        const seqError = checkSequence(entry, current, b);
        if (seqError) return { kind: 'error', errorCode: ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER, message: seqError };
      }
      applyData(entry, b, batchFirst);
    }
    return {
      kind: 'ok',
      completedTxns,
      commit: () => {
        for (const [pid, e] of updated) this.put(pid, e);
      },
    };
  }

  /** Stores an entry and keeps the open-transaction index in step with it. */
  private put(producerId: number, e: ProducerStateEntry): void {
    this.producers.set(producerId, e);
    if (e.currentTxnFirstOffset === null) this.ongoing.delete(producerId);
    else this.ongoing.set(producerId, e.currentTxnFirstOffset);
  }

  private remove(producerId: number): void {
    this.producers.delete(producerId);
    this.ongoing.delete(producerId);
  }

  /** The first offset of the oldest open transaction, or null when none is open (Kafka's firstUnstableOffset). */
  firstUnstableOffset(): number | null {
    let min: number | null = null;
    for (const first of this.ongoing.values()) if (min === null || first < min) min = first;
    return min;
  }

  /**
   * The last stable offset to record with an aborted transaction in the
   * transaction index: the first offset of any other open transaction, else
   * just past the marker (Kafka's ProducerStateManager.lastStableOffset).
   */
  lastStableOffsetAfter(completed: CompletedTxn): number {
    let min: number | null = null;
    for (const [pid, first] of this.ongoing) if (pid !== completed.producerId && (min === null || first < min)) min = first;
    return min ?? completed.lastOffset + 1;
  }

  /** Open transactions (producer id, first offset), for tools and tests. */
  openTransactions(): ReadonlyMap<number, number> {
    return this.ongoing;
  }

  /**
   * Applies a stored batch without validation (recovery replay). Returns the
   * transaction a control batch completes, so the log can rebuild its
   * transaction index.
   */
  replay(b: BatchInfo): CompletedTxn | null {
    if (b.producerId < 0) return null;
    const entry = this.producers.get(b.producerId) ?? emptyEntry(b.producerId);
    const completed = isControl(b) ? applyControl(entry, b, b.baseOffset) : (applyData(entry, b, b.baseOffset), null);
    this.put(b.producerId, entry);
    return completed;
  }

  /**
   * Forgets producers whose last write is below the new log start offset and
   * that have no open transaction: their batches are gone, so a later write
   * from them is treated as from an unknown producer (any sequence accepted).
   */
  onLogStartOffsetIncremented(logStartOffset: number): void {
    for (const [pid, e] of this.producers) {
      const last = e.batches[e.batches.length - 1];
      if (e.currentTxnFirstOffset === null && (!last || last.lastOffset < logStartOffset)) this.remove(pid);
    }
  }

  /** Kafka's producer.id.expiration.ms: drops idle producers without an open transaction. */
  removeExpiredProducers(now: number, expirationMs: number): void {
    for (const [pid, e] of this.producers) {
      if (e.currentTxnFirstOffset === null && now - e.lastTimestamp >= expirationMs) this.remove(pid);
    }
  }

  /** Drops everything (a truncation to before the snapshot, or a fresh start). */
  clear(): void {
    this.producers.clear();
    this.ongoing.clear();
  }

  /** A copy of every producer's state, for a snapshot (see producer-snapshot.ts). */
  snapshotEntries(): ProducerStateEntry[] {
    return [...this.producers.values()].map(cloneEntry);
  }

  /** Replaces the state with a snapshot's producers. */
  loadEntries(entries: readonly ProducerStateEntry[]): void {
    this.clear();
    for (const e of entries) this.put(e.producerId, cloneEntry(e));
  }
}

function findDuplicate(e: ProducerStateEntry, b: BatchInfo): ProducerBatchMetadata | undefined {
  if (e.producerEpoch !== b.producerEpoch || isControl(b)) return undefined;
  const lastSeq = lastSequenceOf(b);
  return e.batches.find((m) => m.firstSeq === b.baseSequence && m.lastSeq === lastSeq);
}

/** Kafka's ProducerAppendInfo.checkSequence; returns an error message or null. */
function checkSequence(updated: ProducerStateEntry, current: ProducerStateEntry | undefined, b: BatchInfo): string | null {
  const firstSeq = b.baseSequence;
  if (b.producerEpoch !== updated.producerEpoch) {
    if (firstSeq !== 0 && updated.producerEpoch !== NO_EPOCH) {
      return `invalid sequence ${firstSeq} for new epoch ${b.producerEpoch} of producer ${b.producerId} (expected 0)`;
    }
    return null;
  }
  const currentEpoch = current?.producerEpoch ?? NO_EPOCH;
  if (currentEpoch === NO_EPOCH) return null;
  const lastSeq = lastSeqOf(updated);
  if (!inSequence(lastSeq, firstSeq)) {
    return `out of order sequence ${firstSeq} for producer ${b.producerId}, last sequence ${lastSeq}`;
  }
  return null;
}

function applyData(e: ProducerStateEntry, b: BatchInfo, firstOffset: number): void {
  if (e.producerEpoch !== b.producerEpoch) {
    e.batches = [];
    e.producerEpoch = b.producerEpoch;
  }
  const lastOffset = firstOffset + b.lastOffsetDelta;
  e.batches.push({ firstSeq: b.baseSequence, lastSeq: lastSequenceOf(b), firstOffset, lastOffset, timestamp: b.maxTimestamp });
  if (e.batches.length > BATCHES_RETAINED_PER_PRODUCER) e.batches.shift();
  e.lastTimestamp = b.maxTimestamp;
  if (isTransactional(b) && e.currentTxnFirstOffset === null) e.currentTxnFirstOffset = firstOffset;
}

/** A control batch (transaction marker) at `offset` ends the producer's open transaction. */
function applyControl(e: ProducerStateEntry, b: BatchInfo, offset: number): CompletedTxn {
  if (e.producerEpoch !== b.producerEpoch) {
    e.batches = [];
    e.producerEpoch = b.producerEpoch;
  }
  const completed = { producerId: b.producerId, firstOffset: e.currentTxnFirstOffset ?? offset, lastOffset: offset };
  e.currentTxnFirstOffset = null;
  e.lastTimestamp = Math.max(e.lastTimestamp, b.maxTimestamp);
  return completed;
}
