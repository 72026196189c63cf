import type { BatchInfo } from '../batch-info';

/**
 * What the cleaner needs to know about transactions while it walks a log in
 * offset order — the hook for aborted-transaction removal (Kafka's
 * CleanedTransactionMetadata). Transactions are not implemented yet: no
 * markers are written, so `NO_TRANSACTIONS` answers "nothing aborted, keep
 * every marker".
 *
 * When they are: build it from the aborted-transaction index over the range
 * being cleaned; `isAborted` marks a producer's batches aborted from the
 * aborted transaction's first offset until its ABORT marker; `onMarker`
 * (called for each control batch) ends that and says whether the marker may
 * go — only once no record of its transaction remains, and then, like a
 * tombstone, only after its delete horizon.
 */
export interface CleanerTransactions {
  /** True when the data batch belongs to an aborted transaction: all its records are removed. */
  isAborted(batch: BatchInfo): boolean;
  /** For a control batch: true when the transaction it ends has left nothing behind, so the marker may be removed once its delete horizon has passed. */
  onMarker(batch: BatchInfo): boolean;
}

export const NO_TRANSACTIONS: CleanerTransactions = {
  isAborted: () => false,
  onMarker: () => false,
};
