/**
 * The states of a transactional id, with Kafka's ids (the `TransactionStatus`
 * byte of `__transaction_state` values) and names (DescribeTransactions and
 * ListTransactions answer and filter by them).
 *
 *   Empty ──AddPartitions──> Ongoing ──EndTxn──> PrepareCommit ──markers──> CompleteCommit
 *                                      └────────> PrepareAbort  ──markers──> CompleteAbort
 *   Complete* ──AddPartitions──> Ongoing;  any settled state ──InitProducerId──> Empty
 *
 * PrepareEpochFence (a timed-out transaction being aborted with a bumped
 * epoch) is never written by Weir: the abort follows in the same step.
 * Dead is a removed (expired) transactional id.
 */
export type TransactionState =
  | 'Empty'
  | 'Ongoing'
  | 'PrepareCommit'
  | 'PrepareAbort'
  | 'CompleteCommit'
  | 'CompleteAbort'
  | 'Dead'
  | 'PrepareEpochFence';

const BY_ID: readonly TransactionState[] = ['Empty', 'Ongoing', 'PrepareCommit', 'PrepareAbort', 'CompleteCommit', 'CompleteAbort', 'Dead', 'PrepareEpochFence'];

export const ALL_TRANSACTION_STATES: readonly TransactionState[] = BY_ID;

export function transactionStateId(state: TransactionState): number {
  return BY_ID.indexOf(state);
}

export function transactionStateFromId(id: number): TransactionState {
  const s = BY_ID[id];
  if (s === undefined) throw new Error(`unknown transaction state id ${id}`);
  return s;
}

/** The states whose markers may still be missing from some partition. */
export function isPreparing(state: TransactionState): boolean {
  return state === 'PrepareCommit' || state === 'PrepareAbort';
}

/** The states in which no transaction is open (a new one may begin, the id may expire). */
export function isSettled(state: TransactionState): boolean {
  return state === 'Empty' || state === 'CompleteCommit' || state === 'CompleteAbort';
}
