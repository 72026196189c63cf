/**
 * A coordinator's durable log: one internal, compacted topic
 * (`__consumer_offsets` for groups, `__transaction_state` for transactions).
 * Each change is one batch of key/value records appended to the partition its
 * key (group id, transactional id) hashes to, so one key's changes stay in
 * order; on start, replaying every partition from the beginning rebuilds the
 * state. The topic is compacted, so the last record per key (or its
 * tombstone) is what survives.
 *
 * This module moves records in and out; what the keys and values mean is
 * each coordinator's own record format (offsets-topic-records.ts,
 * transaction-log-records.ts).
 */
import type { PartitionReadOptions, PartitionReadResult } from '../cluster/partition';
import { ErrorCode } from '../protocol/errors';
import { decodeRecordBatch, encodeRecordBatch, iterateBatches, type RecordBatch } from '../protocol/records';
import { releaseRecords } from '../protocol/primitives/records-value';
import { readRecordsBytes } from '../storage/records-bytes';
import { partitionForKey } from './partition-for-key';

export interface InternalTopicRecord {
  key: Buffer;
  /** null = tombstone */
  value: Buffer | null;
}

/** The producer a transactional append (TxnOffsetCommit) is written for. */
export interface TransactionalWriter {
  producerId: number;
  producerEpoch: number;
}

/** How a coordinator reaches its topic's partitions: the replica manager. */
export interface InternalTopicReplicas {
  /** Appends one batch as the partition's leader; the append's error code. */
  appendAsCoordinator(topic: string, partition: number, batch: Buffer, now: number): ErrorCode;
  /** This broker's replica of the partition (undefined when it holds none). */
  getPartition(
    topic: string,
    partition: number,
  ):
    | {
        readonly logStartOffset: number;
        readonly logEndOffset: number;
        readonly isLeader?: boolean;
        readonly leaderEpoch?: number;
        read(o: PartitionReadOptions): PartitionReadResult;
      }
    | undefined;
}

export interface InternalTopicLogOptions {
  replicas: InternalTopicReplicas;
  /** Partitions of the topic: the existing topic's count, else the broker's configured count. */
  partitions: () => number;
  /** Starts creating the topic when it does not exist yet; true once it exists. */
  ensureTopic: () => boolean;
  now: () => number;
}

/** How much a replay reads per step. */
const REPLAY_READ_BYTES = 1024 * 1024;

export class InternalTopicLog {
  constructor(
    readonly topic: string,
    private readonly options: InternalTopicLogOptions,
  ) {}

  get partitions(): number {
    return this.options.partitions();
  }

  /** Kafka's partitionFor: abs(key.hashCode) % partitions. */
  partitionFor(key: string): number {
    return partitionForKey(key, this.options.partitions());
  }

  /** The partitions of the topic this broker leads (every one it holds, where the replicas say nothing of leadership). */
  ledPartitions(): number[] {
    const out: number[] = [];
    for (let p = 0; p < this.options.partitions(); p++) {
      const partition = this.options.replicas.getPartition(this.topic, p);
      if (partition && partition.isLeader !== false) out.push(p);
    }
    return out;
  }

  /** The partition's leader epoch here (0 where the replicas do not tell). */
  leaderEpoch(partition: number): number {
    return Math.max(0, this.options.replicas.getPartition(this.topic, partition)?.leaderEpoch ?? 0);
  }

  /** Makes sure the topic exists; false while it does not (yet). */
  ensureReady(): boolean {
    try {
      return this.options.ensureTopic();
    } catch {
      return false;
    }
  }

  /**
   * Appends the records for one key as one batch, to the key's partition.
   * Returns NONE, or the storage error code (the caller maps it to what its
   * API answers). `txn`: written as that producer's transactional batch
   * (no sequence: the coordinator writes it), so its marker decides it.
   */
  append(key: string, records: readonly InternalTopicRecord[], txn?: TransactionalWriter): ErrorCode {
    if (records.length === 0) return ErrorCode.NONE;
    try {
      if (!this.options.ensureTopic()) return ErrorCode.UNKNOWN_TOPIC_OR_PARTITION;
      const now = this.options.now();
      const timestamp = BigInt(now);
      const timestamped = records.map((r) => ({ key: r.key, value: r.value, timestamp }));
      const batch = txn
        ? encodeRecordBatch(timestamped, { transactional: true, producerId: BigInt(txn.producerId), producerEpoch: txn.producerEpoch, baseSequence: -1 })
        : encodeRecordBatch(timestamped);
      return this.options.replicas.appendAsCoordinator(this.topic, this.partitionFor(key), batch, now);
    } catch {
      // A log closed under us (shutdown) or a full disk: the caller answers with an error code.
      return ErrorCode.UNKNOWN_SERVER_ERROR;
    }
  }

  /**
   * Every batch of the given partitions (all this broker leads when omitted), oldest first per partition. A batch's
   * records before the replay's position (the log start can fall inside a
   * batch) are left out.
   */
  *replay(only?: readonly number[]): Generator<RecordBatch> {
    const count = this.options.partitions();
    for (const p of only ?? Array.from({ length: count }, (_, i) => i)) {
      const partition = this.options.replicas.getPartition(this.topic, p);
      // A whole replay (the coordinator's start) takes the partitions this
      // broker leads; the others load when it becomes their leader.
      if (!partition || (only === undefined && partition.isLeader === false)) continue;
      let offset = partition.logStartOffset;
      while (offset < partition.logEndOffset) {
        const read = partition.read({
          fetchOffset: offset,
          maxBytes: REPLAY_READ_BYTES,
          isolation: 'log-end',
          minOneBatch: true,
          currentLeaderEpoch: -1,
          fetchOnlyFromLeader: false,
        });
        if (read.errorCode !== ErrorCode.NONE || read.records === null) break;
        let bytes: Buffer;
        try {
          bytes = readRecordsBytes(read.records);
        } finally {
          releaseRecords(read.records);
        }
        // Decoded one batch at a time as the replay asks: a caller that replays
        // in slices (a load spread over turns) does not decode a whole read at once.
        let any = false;
        for (const at of iterateBatches(bytes, { allowPartialTail: true })) {
          any = true;
          const batch = decodeRecordBatch(bytes, at.position);
          const from = BigInt(offset);
          yield { ...batch, records: batch.records.filter((r) => r.offset >= from) };
          offset = batch.header.lastOffset + 1;
        }
        if (!any) break;
      }
    }
  }
}
