/**
 * The group coordinator's durable log: `__consumer_offsets`, an
 * InternalTopicLog keyed by group id (so a group's changes stay in order).
 * What it adds is reading transactions back: offsets committed in a
 * transaction (TxnOffsetCommit) are the producer's transactional batches,
 * decided by the COMMIT/ABORT markers written after them.
 */
import type { ErrorCode } from '../../protocol/errors';
import { ControlRecordType, readEndTxnMarker } from '../../protocol/records';
import { type InternalTopicLogOptions, type InternalTopicRecord, InternalTopicLog, type TransactionalWriter } from '../internal-topic-log';

export const OFFSETS_TOPIC = '__consumer_offsets';

export type OffsetsTopicRecord = InternalTopicRecord;
export type { TransactionalWriter };

/**
 * What a replay yields: records, marked with their producer when they were
 * written in a transaction, and the transaction markers that decide those
 * (see transactional-offsets.ts, which resolves them before groups load).
 */
export type OffsetsTopicReplayItem =
  | (OffsetsTopicRecord & { kind?: 'record'; transactionalProducerId?: number })
  | { kind: 'marker'; producerId: number; commit: boolean };

/** `partitions`: the existing topic's count, else `offsets.topic.num.partitions`. */
export type OffsetsTopicOptions = InternalTopicLogOptions;

export class OffsetsTopic {
  private readonly log: InternalTopicLog;

  constructor(options: OffsetsTopicOptions) {
    this.log = new InternalTopicLog(OFFSETS_TOPIC, options);
  }

  get partitions(): number {
    return this.log.partitions;
  }

  partitionFor(groupId: string): number {
    return this.log.partitionFor(groupId);
  }

  ensureReady(): boolean {
    return this.log.ensureReady();
  }

  /**
   * Appends the records for one group as one batch. Returns NONE, or the
   * storage error code (the caller maps it to what its API answers).
   */
  append(groupId: string, records: readonly OffsetsTopicRecord[], txn?: TransactionalWriter): ErrorCode {
    return this.log.append(groupId, records, txn);
  }

  /** Every record and transaction marker of the partitions (all when omitted), oldest first per partition. */
  *replay(partitions?: readonly number[]): Generator<OffsetsTopicReplayItem> {
    for (const batch of this.log.replay(partitions)) {
      const producerId = batch.header.producerId;
      if (batch.control) {
        // Transaction markers decide the transactional commits before them.
        const first = batch.records[0];
        const marker = first ? readEndTxnMarker(first) : null;
        if (marker) yield { kind: 'marker', producerId, commit: marker.type === ControlRecordType.Commit };
      } else {
        for (const r of batch.records) {
          if (r.key === null) continue;
          yield batch.transactional ? { key: r.key, value: r.value, transactionalProducerId: producerId } : { key: r.key, value: r.value };
        }
      }
    }
  }
}
