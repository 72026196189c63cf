/**
 * The group coordinator's durable log: `__consumer_offsets`. Each change is
 * one batch of key/value records appended to the group's partition (so a
 * group's changes stay in order); on start, replaying every partition from
 * the beginning rebuilds the state. The topic is compacted, so the last
 * record per key (or its tombstone) is what survives.
 */
import { ErrorCode } from '../../protocol/errors';
import { decodeRecordBatches, encodeRecordBatch, readEndTxnMarker, ControlRecordType } from '../../protocol/records';
import type { LogManager } from '../../storage/log-manager';
import { readRecordsBytes } from '../../storage/records-bytes';
import { offsetsPartitionFor } from './group-partition';

export const OFFSETS_TOPIC = '__consumer_offsets';

export interface OffsetsTopicRecord {
  key: Buffer;
  /** null = tombstone */
  value: Buffer | null;
}

/** The producer a transactional offset commit (TxnOffsetCommit) is written for. */
export interface TransactionalWriter {
  producerId: number;
  producerEpoch: number;
}

/**
 * What a replay yields: records, marked with their producer when they were
 * written in a transaction, and the transaction markers that decide those
 * (see transactional-offsets.ts, which resolves them before groups load).
 */
export type OffsetsTopicReplayItem =
  | (OffsetsTopicRecord & { kind?: 'record'; transactionalProducerId?: number })
  | { kind: 'marker'; producerId: number; commit: boolean };

export interface OffsetsTopicOptions {
  logs: LogManager;
  /** Partitions of the topic: the existing topic's count, else `offsets.topic.num.partitions`. */
  partitions: number;
  /** Creates the topic (and its partition logs) when it does not exist yet; idempotent. */
  ensureTopic: () => void;
  leaderEpoch: number;
  now: () => number;
}

/** How much a replay reads per step. */
const REPLAY_READ_BYTES = 1024 * 1024;

export class OffsetsTopic {
  constructor(private readonly options: OffsetsTopicOptions) {}

  get partitions(): number {
    return this.options.partitions;
  }

  partitionFor(groupId: string): number {
    return offsetsPartitionFor(groupId, this.options.partitions);
  }

  ensureReady(): boolean {
    try {
      this.options.ensureTopic();
      return true;
    } catch {
      return false;
    }
  }

  /**
   * Appends the records for one group as one batch. Returns NONE, or the
   * storage error code (the caller maps it to what its API answers).
   */
  append(groupId: string, records: readonly OffsetsTopicRecord[], txn?: TransactionalWriter): ErrorCode {
    if (records.length === 0) return ErrorCode.NONE;
    try {
      this.options.ensureTopic();
      const partition = this.partitionFor(groupId);
      const log = this.options.logs.getLog(OFFSETS_TOPIC, partition);
      if (!log || log.isClosed) return ErrorCode.UNKNOWN_TOPIC_OR_PARTITION;
      const timestamp = BigInt(this.options.now());
      const records_ = records.map((r) => ({ key: r.key, value: r.value, timestamp }));
      // A transactional commit is written as the producer's transactional batch
      // (no sequence: the coordinator writes it), so the marker decides it.
      const batch = txn
        ? encodeRecordBatch(records_, { transactional: true, producerId: BigInt(txn.producerId), producerEpoch: txn.producerEpoch, baseSequence: -1 })
        : encodeRecordBatch(records_);
      const result = log.append(batch, { leaderEpoch: this.options.leaderEpoch, origin: txn ? 'coordinator' : 'client' });
      return result.errorCode;
    } catch {
      // A log closed under us (shutdown) or a full disk: the caller answers with an error code.
      return ErrorCode.UNKNOWN_SERVER_ERROR;
    }
  }

  /** Every record of every partition, oldest first per partition. */
  *replay(): Generator<OffsetsTopicReplayItem> {
    for (let p = 0; p < this.options.partitions; p++) {
      const log = this.options.logs.getLog(OFFSETS_TOPIC, p);
      if (!log) continue;
      let offset = log.logStartOffset;
      while (offset < log.logEndOffset) {
        const read = log.read(offset, REPLAY_READ_BYTES);
        if (read.errorCode !== ErrorCode.NONE || read.records === null) break;
        const batches = decodeRecordBatches(readRecordsBytes(read.records), { allowPartialTail: true });
        if (batches.length === 0) break;
        for (const batch of batches) {
          const producerId = Number(batch.header.producerId);
          if (batch.control) {
            // Transaction markers decide the transactional commits before them.
            const first = batch.records[0];
            const marker = first && BigInt(offset) <= first.offset ? readEndTxnMarker(first) : null;
            if (marker) yield { kind: 'marker', producerId, commit: marker.type === ControlRecordType.Commit };
          } else {
            for (const r of batch.records) {
              if (r.key === null || BigInt(offset) > r.offset) continue;
              yield batch.transactional ? { key: r.key, value: r.value, transactionalProducerId: producerId } : { key: r.key, value: r.value };
            }
          }
          offset = Number(batch.header.baseOffset) + batch.header.lastOffsetDelta + 1;
        }
      }
    }
  }
}
