/**
 * The transaction coordinator's durable log: `__transaction_state`. Each
 * change of a transactional id is one record appended to the id's partition
 * (so an id's changes stay in order); on start, replaying every partition
 * from the beginning rebuilds the state. The topic is compacted, so the last
 * record per id (or its tombstone) is what survives.
 */
import { ErrorCode } from '../../protocol/errors';
import { decodeRecordBatches, encodeRecordBatch } from '../../protocol/records';
import type { LogManager } from '../../storage/log-manager';
import { readRecordsBytes } from '../../storage/records-bytes';
import { offsetsPartitionFor } from '../group/group-partition';
import type { TransactionLogRecord, TransactionStore } from './transaction-coordinator';

export const TRANSACTION_STATE_TOPIC = '__transaction_state';

export interface TransactionStateTopicOptions {
  logs: LogManager;
  /** Partitions of the topic: the existing topic's count, else `transaction.state.log.num.partitions`. */
  partitions: number;
  /** Creates the topic (and its partition logs) when it does not exist yet; idempotent. */
  ensureTopic: () => void;
  leaderEpoch: number;
  now: () => number;
}

/** How much a replay reads per step. */
const REPLAY_READ_BYTES = 1024 * 1024;

export class TransactionStateTopic implements TransactionStore {
  constructor(private readonly options: TransactionStateTopicOptions) {}

  /** Kafka's partitionFor: abs(transactionalId.hashCode) % partitions, as for groups. */
  partitionFor(transactionalId: string): number {
    return offsetsPartitionFor(transactionalId, this.options.partitions);
  }

  ensureReady(): boolean {
    try {
      this.options.ensureTopic();
      return true;
    } catch {
      return false;
    }
  }

  append(transactionalId: string, record: TransactionLogRecord): ErrorCode {
    try {
      this.options.ensureTopic();
      const log = this.options.logs.getLog(TRANSACTION_STATE_TOPIC, this.partitionFor(transactionalId));
      if (!log || log.isClosed) return ErrorCode.UNKNOWN_TOPIC_OR_PARTITION;
      const batch = encodeRecordBatch([{ key: record.key, value: record.value, timestamp: BigInt(this.options.now()) }]);
      return log.append(batch, { leaderEpoch: this.options.leaderEpoch }).errorCode;
    } catch {
      // A log closed under us (shutdown) or a full disk: the caller answers with an error code.
      return ErrorCode.UNKNOWN_SERVER_ERROR;
    }
  }

  *replay(): Generator<TransactionLogRecord> {
    for (let p = 0; p < this.options.partitions; p++) {
      const log = this.options.logs.getLog(TRANSACTION_STATE_TOPIC, p);
      if (!log) continue;
      let offset = log.logStartOffset;
      while (offset < log.logEndOffset) {
        const read = log.read(offset, REPLAY_READ_BYTES);
        if (read.errorCode !== ErrorCode.NONE || read.records === null) break;
        const batches = decodeRecordBatches(readRecordsBytes(read.records), { allowPartialTail: true });
        if (batches.length === 0) break;
        for (const batch of batches) {
          if (!batch.control) {
            for (const r of batch.records) if (r.key !== null && BigInt(offset) <= r.offset) yield { key: r.key, value: r.value };
          }
          offset = Number(batch.header.baseOffset) + batch.header.lastOffsetDelta + 1;
        }
      }
    }
  }
}
