import { ErrorCode } from '../../protocol/errors';
import type { TransactionLogRecord, TransactionStore } from './transaction-coordinator';

/** A TransactionStore in an array, for tests: `failWith` makes appends fail to exercise the error paths. */
export class MemoryTransactionStore implements TransactionStore {
  readonly records: (TransactionLogRecord & { transactionalId: string })[] = [];
  failWith: ErrorCode = ErrorCode.NONE;

  ensureReady(): boolean {
    return true;
  }

  append(transactionalId: string, record: TransactionLogRecord): ErrorCode {
    if (this.failWith !== ErrorCode.NONE) return this.failWith;
    this.records.push({ ...record, transactionalId });
    return ErrorCode.NONE;
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
