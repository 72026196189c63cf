/**
 * The metadata log of a single node: a partition log of its own in the data
 * directory, `__cluster_metadata-0`, where Kafka keeps KRaft's (LogManager
 * leaves that directory alone). Each commit is one record batch whose
 * record values are framed metadata records, fsynced before the commit is
 * acknowledged; on start the whole log is read back (it is small: a record
 * per topic, partition and config change). Over a MemoryStorageDir the same
 * code is the `--memory` store.
 *
 * By the time `commit` returns its promise the batch is on disk and
 * `onCommitted` has run; the image includes it at once too, unless the
 * update waits for its publishers to prepare (new partition logs on disk,
 * see MetadataLoader): callers wait with `whenApplied`, as they must when
 * the store is remote.
 */
import { ErrorCode } from '../../protocol/errors';
import { decodeRecordBatches, encodeRecordBatch } from '../../protocol/records';
import { Log } from '../../storage/log';
import { METADATA_TOPIC_NAME } from '../../storage/log-manager';
import { releaseRecords } from '../../protocol/primitives/records-value';
import { readRecordsBytes } from '../../storage/records-bytes';
import type { StorageDir } from '../../storage/storage-dir';
import { decodeMetadataRecord, encodeMetadataRecord, type MetadataRecord } from './metadata-record';
import { type CommittedBatch, type MetadataStore, StaleMetadataError } from './metadata-store';

/** Kafka's name for the metadata topic; its one partition's directory is `__cluster_metadata-0`. */
export const METADATA_TOPIC = METADATA_TOPIC_NAME;
export const METADATA_PARTITION_DIR = `${METADATA_TOPIC}-0`;

const READ_BYTES = 1024 * 1024;
/** The leader epoch stamped into metadata batches: one node, one epoch. */
const METADATA_LEADER_EPOCH = 0;

export class LogMetadataStore implements MetadataStore {
  private listener: ((batch: CommittedBatch) => void) | null = null;

  private constructor(private readonly log: Log) {}

  /** Opens (creating when missing) the metadata log in `dir`, the `__cluster_metadata-0` directory. */
  static open(dir: StorageDir, now: () => number = Date.now): LogMetadataStore {
    // Every batch is checked on open (recovery point 0): the log is small and
    // a torn last commit must go before anything is applied.
    return new LogMetadataStore(Log.open(dir, { topic: METADATA_TOPIC, partition: 0, recoveryPoint: 0, now }));
  }

  get lastOffset(): number {
    return this.log.logEndOffset - 1;
  }

  async start(onCommitted: (batch: CommittedBatch) => void): Promise<CommittedBatch[]> {
    if (this.listener) throw new Error('metadata store already started');
    this.listener = onCommitted;
    return this.readAll();
  }

  private readAll(): CommittedBatch[] {
    const out: CommittedBatch[] = [];
    let offset = this.log.logStartOffset;
    while (offset < this.log.logEndOffset) {
      const read = this.log.read(offset, READ_BYTES);
      if (read.errorCode !== ErrorCode.NONE || read.records === null) break;
      let bytes: Buffer;
      try {
        bytes = readRecordsBytes(read.records);
      } finally {
        releaseRecords(read.records);
      }
      const batches = decodeRecordBatches(bytes, { allowPartialTail: true });
      if (batches.length === 0) break;
      for (const batch of batches) {
        const records: MetadataRecord[] = [];
        for (const r of batch.records) if (r.value !== null) records.push(decodeMetadataRecord(r.value));
        const lastOffset = batch.header.lastOffset;
        out.push({ lastOffset, records });
        offset = lastOffset + 1;
      }
    }
    return out;
  }

  commit(records: readonly MetadataRecord[], expectedLastOffset: number): Promise<number> {
    try {
      if (records.length === 0) throw new Error('a metadata commit needs at least one record');
      if (expectedLastOffset !== this.lastOffset) throw new StaleMetadataError(expectedLastOffset, this.lastOffset);
      const batch = encodeRecordBatch(records.map((r) => ({ key: null, value: encodeMetadataRecord(r), timestamp: BigInt(Date.now()) })));
      const result = this.log.append(batch, { leaderEpoch: METADATA_LEADER_EPOCH, origin: 'coordinator' });
      if (result.errorCode !== ErrorCode.NONE) throw new Error(`metadata log append failed: ${result.errorMessage ?? result.errorCode}`);
      this.log.flush();
      this.listener?.({ lastOffset: result.lastOffset, records });
      return Promise.resolve(result.lastOffset);
    } catch (err) {
      return Promise.reject(err instanceof Error ? err : new Error(String(err)));
    }
  }

  close(): void {
    this.log.close();
  }
}
