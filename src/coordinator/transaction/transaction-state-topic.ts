/**
 * The transaction coordinator's durable log: `__transaction_state`, an
 * InternalTopicLog keyed by transactional id (so an id's changes stay in
 * order), one record per change.
 */
import type { ErrorCode } from '../../protocol/errors';
import { InternalTopicLog, type InternalTopicLogOptions } from '../internal-topic-log';
import type { TransactionLogRecord, TransactionStore } from './transaction-coordinator';

export const TRANSACTION_STATE_TOPIC = '__transaction_state';

/** `partitions`: the existing topic's count, else `transaction.state.log.num.partitions`. */
export interface TransactionStateTopicOptions extends InternalTopicLogOptions {
  /** Waits until the partition's high watermark covers its log end as it is now (the replica manager's acks=all wait). */
  whenReplicated: (partition: number) => ErrorCode | Promise<ErrorCode>;
}

export class TransactionStateTopic implements TransactionStore {
  private readonly log: InternalTopicLog;

  constructor(private readonly options: TransactionStateTopicOptions) {
    this.log = new InternalTopicLog(TRANSACTION_STATE_TOPIC, options);
  }

  /** Kafka's partitionFor: abs(transactionalId.hashCode) % partitions, as for groups. */
  partitionFor(transactionalId: string): number {
    return this.log.partitionFor(transactionalId);
  }

  ledPartitions(): number[] {
    return this.log.ledPartitions();
  }

  coordinatorEpoch(partition: number): number {
    return this.log.leaderEpoch(partition);
  }

  ensureReady(): boolean {
    return this.log.ensureReady();
  }

  append(transactionalId: string, record: TransactionLogRecord): ErrorCode {
    return this.log.append(transactionalId, [record]);
  }

  whenReplicated(partition: number): ErrorCode | Promise<ErrorCode> {
    return this.options.whenReplicated(partition);
  }

  *replay(partitions?: readonly number[]): Generator<TransactionLogRecord> {
    for (const batch of this.log.replay(partitions)) {
      if (batch.control) continue;
      for (const r of batch.records) if (r.key !== null) yield { key: r.key, value: r.value };
    }
  }
}
