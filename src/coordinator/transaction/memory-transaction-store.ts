import { ErrorCode } from '../../protocol/errors';
import type { TransactionLogRecord, TransactionStore } from './transaction-coordinator';

/**
 * A TransactionStore in an array, for tests: `failWith` makes appends fail
 * to exercise the error paths; `holdReplication` makes replication waits
 * pend until `replicate` settles them (else they are over at once, as on
 * one node).
 */
export class MemoryTransactionStore implements TransactionStore {
  readonly records: (TransactionLogRecord & { transactionalId: string })[] = [];
  failWith: ErrorCode = ErrorCode.NONE;
  holdReplication = false;
  private readonly replicationWaits: ((code: ErrorCode) => void)[] = [];

  ensureReady(): boolean {
    return true;
  }

  append(transactionalId: string, record: TransactionLogRecord): ErrorCode {
    if (this.failWith !== ErrorCode.NONE) return this.failWith;
    this.records.push({ ...record, transactionalId });
    return ErrorCode.NONE;
  }

  whenReplicated(): ErrorCode | Promise<ErrorCode> {
    if (!this.holdReplication) return ErrorCode.NONE;
    return new Promise((resolve) => this.replicationWaits.push(resolve));
  }

  /** Ends every replication wait so far with `code` (NONE: the followers have everything appended). */
  replicate(code: ErrorCode = ErrorCode.NONE): void {
    for (const settle of this.replicationWaits.splice(0)) settle(code);
  }

  /** How many replication waits are pending. */
  get pendingReplicationWaits(): number {
    return this.replicationWaits.length;
  }

  replay(partitions?: readonly number[]): Iterable<TransactionLogRecord> {
    return partitions === undefined || partitions.includes(0) ? this.records : [];
  }

  /** One partition holds every transactional id. */
  partitionFor(): number {
    return 0;
  }

  /** `led = false`: the partition is another broker's (NOT_COORDINATOR). */
  led = true;
  epoch = 0;

  ledPartitions(): number[] {
    return this.led ? [0] : [];
  }

  coordinatorEpoch(): number {
    return this.epoch;
  }
}
