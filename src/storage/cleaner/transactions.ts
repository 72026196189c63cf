/**
 * What the cleaner needs to know about transactions while it walks a range
 * of the log in offset order — Kafka's CleanedTransactionMetadata:
 *
 * - records of an aborted transaction are removed (and never enter the
 *   offset map: an aborted update must not make the committed value before
 *   it look superseded);
 * - an ABORT marker stays while its transaction still had batches in this
 *   pass; a COMMIT marker stays while any batch of its transaction was seen;
 *   once nothing of the transaction is left the marker may go, like a
 *   tombstone, after its delete horizon.
 *
 * Batches of open transactions are never reached: cleaning stops at the
 * log's first unstable offset.
 */
import { ControlRecordType } from '../../protocol/records/control-record';
import { type BatchInfo, isTransactional } from '../batch-info';
import { endTxnMarkerAt } from '../control-batch';
import type { AbortedTxn } from '../transaction-index';

/** What a control batch says, for `onMarker`. */
export type MarkerKind = 'abort' | 'commit' | 'empty' | 'other';

export interface CleanerTransactions {
  /** For a data batch, in offset order: true when it belongs to an aborted transaction (all its records go). */
  isAborted(batch: BatchInfo): boolean;
  /** For a control batch, in offset order: true when the marker may be removed (once its delete horizon has passed). */
  onMarker(batch: BatchInfo, kind: MarkerKind): boolean;
}

/** What the control batch `bytes` holds. */
export function markerKindOf(bytes: Buffer, info: BatchInfo): MarkerKind {
  if (info.recordCount === 0) return 'empty';
  const marker = endTxnMarkerAt(bytes, 0);
  if (!marker) return 'other';
  return marker.type === ControlRecordType.Abort ? 'abort' : 'commit';
}

/** A log without transactions (or a range with none): nothing aborted, markers kept. */
export const NO_TRANSACTIONS: CleanerTransactions = {
  isAborted: () => false,
  onMarker: () => false,
};

/**
 * Tracks transactions over one pass, fed the aborted transactions the log's
 * aborted-transaction index reports for the range being walked.
 */
export class AbortedTransactionTracker implements CleanerTransactions {
  /** Aborted transactions not reached yet, by first offset. */
  private readonly pending: AbortedTxn[];
  /** producer id -> whether a batch of its aborted transaction was seen in this pass. */
  private readonly ongoingAborted = new Map<number, { sawBatch: boolean }>();
  /** Producers with a committed (or not aborted) transaction whose batches were seen in this pass. */
  private readonly ongoingCommitted = new Set<number>();

  constructor(abortedTransactions: readonly AbortedTxn[]) {
    this.pending = [...abortedTransactions].sort((a, b) => a.firstOffset - b.firstOffset);
  }

  isAborted(batch: BatchInfo): boolean {
    this.consumeAbortedUpTo(batch.lastOffset);
    if (!isTransactional(batch)) return false;
    const aborted = this.ongoingAborted.get(batch.producerId);
    if (aborted) {
      aborted.sawBatch = true;
      return true;
    }
    this.ongoingCommitted.add(batch.producerId);
    return false;
  }

  onMarker(batch: BatchInfo, kind: MarkerKind): boolean {
    this.consumeAbortedUpTo(batch.lastOffset);
    switch (kind) {
      case 'abort': {
        const aborted = this.ongoingAborted.get(batch.producerId);
        this.ongoingAborted.delete(batch.producerId);
        return !aborted?.sawBatch;
      }
      case 'commit':
        return !this.ongoingCommitted.delete(batch.producerId);
      case 'empty':
        // Already emptied by an earlier cleaning.
        return true;
      case 'other':
        return false;
    }
  }

  private consumeAbortedUpTo(offset: number): void {
    while (this.pending.length > 0 && (this.pending[0] as AbortedTxn).firstOffset <= offset) {
      const txn = this.pending.shift() as AbortedTxn;
      if (!this.ongoingAborted.has(txn.producerId)) this.ongoingAborted.set(txn.producerId, { sawBatch: false });
    }
  }
}
