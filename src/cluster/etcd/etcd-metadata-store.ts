/**
 * The cluster's metadata log in etcd: the MetadataStore of a broker in a
 * cluster (the single node keeps the same log in `__cluster_metadata-0`).
 *
 * Layout (see etcd-keys.ts): each commit is one key,
 * `metadata/log/<base offset>`, whose value is a Kafka record batch of the
 * commit's records (metadata-log-entry.ts), and `metadata/end` holds the
 * log's last offset. Offsets count records, as in Kafka's metadata log.
 *
 * Writing: `commit` is one etcd transaction that succeeds only if
 * - `metadata/end` still says `expectedLastOffset` (absent for -1): else
 *   StaleMetadataError, and the controller validates again on the newer
 *   image; and
 * - the writer's controller candidacy still stands (its fence, see
 *   controller-fence.ts): else NotControllerError. A deposed controller can
 *   never write, however late its commit arrives.
 * It writes the entry and the new end together. A commit is limited to one
 * etcd request (etcd's --max-request-bytes, 1.5 MiB by default; about
 * 20,000 partition records): larger is refused with
 * MetadataCommitTooLargeError before anything is sent, and the controller
 * splits such an operation. A commit whose answer was lost (etcd went away
 * mid-request) rejects with etcd's error: it may or may not have been
 * applied, and the controller finds out the way it finds everything out,
 * from the log (its next commit is stale if it was).
 *
 * Reading: `start` reads the snapshot and the log at one revision and then
 * follows the log with a watch from the next revision (prefix-watch.ts:
 * resumed after disconnects and etcd restarts, reloaded after compaction).
 * Batches reach `onCommitted` in offset order, each exactly once; a batch
 * that does not follow the last one delivered makes the store reload.
 *
 * Trimming (so a new broker does not replay the cluster's whole history,
 * and etcd does not grow forever): the controller calls `writeSnapshot`
 * with the records of its image at offset S (a batch end). The snapshot is
 * written in chunks of at most `maxEntryBytes` under
 * `metadata/snapshots/<S>/`, then one transaction (still fenced) points
 * `metadata/snapshot` at it and deletes, as two range deletes, every log
 * entry up to S and every older snapshot. A broker starting later reads the
 * snapshot and the entries after S. A running broker never needs the
 * snapshot, unless it was cut off while the entries it had not read were
 * trimmed: then its reload hands it the snapshot as one batch flagged
 * `snapshot` (see CommittedBatch in ../metadata/metadata-store.ts). etcd keeps deleted values in
 * its history until etcd itself is compacted (`--auto-compaction-*`, an
 * operator's setting: compaction is etcd-wide and other tenants share it);
 * this store never compacts, and copes when etcd does.
 */
import type { EtcdClient } from './etcd-client';
import { CompareResult, CompareTarget, type ICompare, type IEvent, type IKeyValue, type ITxnResponse } from './etcd-messages';
import type { Logger } from '../../logger';
import { type ControllerFence, fenceCompare, NotControllerError } from './controller-fence';
import type { EtcdKeys } from './etcd-keys';
import { prefixRangeEnd } from './etcd-keys';
import { readKey, readRange } from './etcd-range';
import { decodeLogEntry, encodeLogEntry, entrySize, splitIntoEntries } from './metadata-log-entry';
import { decodeMetadataRecord, encodeMetadataRecord, type MetadataRecord } from '../metadata/metadata-record';
import { type CommittedBatch, type MetadataStore, StaleMetadataError } from '../metadata/metadata-store';
import { PrefixWatch } from './prefix-watch';

/** etcd's default --max-request-bytes. */
export const ETCD_DEFAULT_MAX_REQUEST_BYTES = 1.5 * 1024 * 1024;
/** Room left in a request for the keys, the compares and gRPC framing. */
const REQUEST_ROOM = 16 * 1024;

export class MetadataCommitTooLargeError extends Error {
  constructor(
    readonly bytes: number,
    readonly maxBytes: number,
  ) {
    super(`a metadata commit of ${bytes} bytes exceeds the ${maxBytes} bytes one etcd request can carry; split it`);
    this.name = 'MetadataCommitTooLargeError';
  }
}

/**
 * How records become the bytes stored in etcd: for the broker,
 * METADATA_RECORD_CODEC (Kafka's own framing of metadata records).
 */
export interface MetadataRecordCodec<R> {
  encode(record: R): Buffer;
  decode(bytes: Buffer): R;
}

export const METADATA_RECORD_CODEC: MetadataRecordCodec<MetadataRecord> = {
  encode: encodeMetadataRecord,
  decode: decodeMetadataRecord,
};

export interface EtcdMetadataStoreOptions<R> {
  readonly client: EtcdClient;
  readonly keys: EtcdKeys;
  readonly codec: MetadataRecordCodec<R>;
  /** The standing controller's fence when this broker is the controller, else null. */
  readonly fence: () => ControllerFence | null;
  /** Largest value written: etcd's --max-request-bytes less room for the rest of the request. */
  readonly maxEntryBytes?: number;
  readonly log?: Logger | null;
  /** Wall-clock ms for the record timestamps. */
  readonly wallClock?: () => number;
}

interface SnapshotPointer {
  readonly offset: number;
  readonly chunks: number;
  readonly records: number;
}

interface Waiter {
  readonly offset: number;
  resolve(offset: number): void;
  reject(err: Error): void;
}

export class EtcdMetadataStore<R> implements MetadataStore<R> {
  private readonly client: EtcdClient;
  private readonly keys: EtcdKeys;
  private readonly codec: MetadataRecordCodec<R>;
  private readonly maxEntryBytes: number;
  private readonly log: Logger | null;
  private readonly wallClock: () => number;
  private listener: ((batch: CommittedBatch<R>) => void) | null = null;
  private watch: PrefixWatch | null = null;
  /** Offset of the last record handed out (returned by start or delivered); -1 before any. */
  private delivered = -1;
  private waiters: Waiter[] = [];
  private closed = false;

  constructor(private readonly options: EtcdMetadataStoreOptions<R>) {
    this.client = options.client;
    this.keys = options.keys;
    this.codec = options.codec;
    this.maxEntryBytes = options.maxEntryBytes ?? ETCD_DEFAULT_MAX_REQUEST_BYTES - REQUEST_ROOM;
    this.log = options.log ?? null;
    this.wallClock = options.wallClock ?? Date.now;
  }

  /** Offset of the last record this broker has seen committed. */
  get lastOffset(): number {
    return this.delivered;
  }

  async start(onCommitted: (batch: CommittedBatch<R>) => void): Promise<CommittedBatch<R>[]> {
    if (this.listener || this.watch) throw new Error('metadata store already started');
    this.listener = onCommitted;
    let initial: CommittedBatch<R>[] | null = null;
    const watch = PrefixWatch.start(this.client, {
      name: 'metadata log',
      prefix: this.keys.metadataLog,
      putsOnly: true, // deletes are trims below a snapshot
      log: this.log,
      load: async () => {
        const { batches, revision } = await this.readAll();
        if (initial === null) {
          // start(): everything goes back to the caller.
          initial = batches;
          const last = batches[batches.length - 1];
          if (last) this.delivered = last.lastOffset;
        } else {
          this.deliverReloaded(batches);
        }
        return revision;
      },
      onEvents: (events) => this.onLogEvents(events),
    });
    try {
      this.watch = await watch;
    } catch (err) {
      this.listener = null; // etcd unreachable or the log unreadable: start may be tried again
      throw err;
    }
    return initial ?? [];
  }

  async commit(records: readonly R[], expectedLastOffset: number): Promise<number> {
    if (!this.watch || this.closed) throw new Error('metadata store is not started');
    if (records.length === 0) throw new Error('a metadata commit needs at least one record');
    const fence = this.options.fence();
    if (fence === null) throw new NotControllerError('this broker is not the controller');
    const values = records.map((r) => this.codec.encode(r));
    const size = entrySize(values);
    if (size > this.maxEntryBytes) throw new MetadataCommitTooLargeError(size, this.maxEntryBytes);
    const base = expectedLastOffset + 1;
    const last = expectedLastOffset + records.length;
    const entry = encodeLogEntry(values, base, this.wallClock());

    const res = await this.client.kv.txn({
      compare: [this.endCompare(expectedLastOffset), fenceCompare(fence)],
      success: [
        { request_put: { key: this.keys.metadataLogEntry(base), value: entry } },
        { request_put: { key: this.keys.metadataEnd, value: Buffer.from(String(last)) } },
      ],
      failure: [{ request_range: { key: this.keys.metadataEnd } }, { request_range: { key: fence.key } }],
    });
    if (!res.succeeded) {
      const endKv = rangeResult(res, 0);
      const fenceKv = rangeResult(res, 1);
      if (!fenceKv || Number(fenceKv.create_revision) !== fence.epoch) {
        throw new NotControllerError(`controller epoch ${fence.epoch} of node ${fence.nodeId} is no longer the controller`);
      }
      throw new StaleMetadataError(expectedLastOffset, endKv ? Number(endKv.value.toString()) : -1);
    }
    return this.whenDelivered(last);
  }

  /**
   * Writes a snapshot: `records` replayed on an empty image give the image at
   * `lastOffset`, which must be the end of a committed batch this broker has
   * seen. Then trims the log up to it (see the file header). Fenced like a
   * commit; a snapshot not newer than the current one is a no-op.
   */
  async writeSnapshot(records: readonly R[], lastOffset: number): Promise<void> {
    if (!this.watch || this.closed) throw new Error('metadata store is not started');
    const fence = this.options.fence();
    if (fence === null) throw new NotControllerError('this broker is not the controller');
    if (lastOffset > this.delivered) throw new Error(`cannot snapshot at ${lastOffset}: only ${this.delivered} has been applied here`);

    const pointerRead = await readKey(this.client, this.keys.metadataSnapshot);
    const current = pointerRead.kv ? parsePointer(pointerRead.kv.value) : null;
    if (current && current.offset >= lastOffset) return;
    // The snapshot must end where a batch ends, or the trim would cut a batch in two.
    const covering = await this.client.kv.range({
      key: this.keys.metadataLogEntry(0),
      range_end: this.keys.metadataLogEntry(lastOffset + 1),
      sort_order: 'Descend',
      sort_target: 'Key',
      limit: 1,
    });
    const entryKv = covering.kvs[0];
    if (!entryKv || decodeLogEntry(entryKv.value).lastOffset !== lastOffset) {
      throw new Error(`cannot snapshot at ${lastOffset}: no committed batch ends there`);
    }

    const chunks = splitIntoEntries(records.map((r) => this.codec.encode(r)), this.maxEntryBytes);
    let index = 0;
    let first = 0;
    for (const chunk of chunks) {
      const res = await this.client.kv.txn({
        compare: [fenceCompare(fence)],
        success: [{ request_put: { key: this.keys.metadataSnapshotChunk(lastOffset, index), value: encodeLogEntry(chunk, first, this.wallClock()) } }],
      });
      if (!res.succeeded) throw new NotControllerError(`controller epoch ${fence.epoch} was deposed while writing a snapshot`);
      index++;
      first += chunk.length;
    }

    const pointer: SnapshotPointer = { offset: lastOffset, chunks: chunks.length, records: records.length };
    const pointerUnchanged: ICompare = pointerRead.kv
      ? { key: this.keys.metadataSnapshot, target: CompareTarget.Mod, result: CompareResult.Equal, mod_revision: pointerRead.kv.mod_revision }
      : { key: this.keys.metadataSnapshot, target: CompareTarget.Version, result: CompareResult.Equal, version: 0 };
    const res = await this.client.kv.txn({
      compare: [fenceCompare(fence), pointerUnchanged],
      success: [
        { request_put: { key: this.keys.metadataSnapshot, value: Buffer.from(JSON.stringify(pointer)) } },
        // Every log entry whose base offset is at most S, so every entry ending at or before S.
        { request_delete_range: { key: this.keys.metadataLogEntry(0), range_end: this.keys.metadataLogEntry(lastOffset + 1) } },
        // Every older snapshot.
        { request_delete_range: { key: this.keys.metadataSnapshots, range_end: this.keys.metadataSnapshotChunks(lastOffset) } },
      ],
    });
    if (!res.succeeded) {
      await this.client.kv
        .deleteRange({ key: this.keys.metadataSnapshotChunks(lastOffset), range_end: prefixRangeEnd(this.keys.metadataSnapshotChunks(lastOffset)) })
        .catch(() => undefined);
      throw new NotControllerError(`snapshot at ${lastOffset} not installed: the controller was deposed or another snapshot came first`);
    }
    this.log?.info({ offset: lastOffset, records: records.length, chunks: chunks.length }, 'metadata snapshot written; log trimmed');
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w.reject(new Error('metadata store closed'));
    void this.watch?.close();
  }

  private endCompare(expectedLastOffset: number): ICompare {
    if (expectedLastOffset < 0) return { key: this.keys.metadataEnd, target: CompareTarget.Version, result: CompareResult.Equal, version: 0 };
    return { key: this.keys.metadataEnd, target: CompareTarget.Value, result: CompareResult.Equal, value: Buffer.from(String(expectedLastOffset)) };
  }

  /** The snapshot (if any) and every log entry after it, read at one revision. */
  private async readAll(): Promise<{ batches: CommittedBatch<R>[]; revision: number }> {
    const pointerRead = await readKey(this.client, this.keys.metadataSnapshot);
    const revision = pointerRead.revision;
    const batches: CommittedBatch<R>[] = [];
    let next = 0;
    if (pointerRead.kv) {
      const pointer = parsePointer(pointerRead.kv.value);
      const chunkPrefix = this.keys.metadataSnapshotChunks(pointer.offset);
      const chunks = await readRange(this.client, chunkPrefix, prefixRangeEnd(chunkPrefix), revision);
      if (chunks.kvs.length !== pointer.chunks) throw new Error(`metadata snapshot at ${pointer.offset}: ${chunks.kvs.length} of ${pointer.chunks} chunks`);
      const records: R[] = [];
      for (const kv of chunks.kvs) for (const v of decodeLogEntry(kv.value).values) records.push(this.codec.decode(v));
      if (records.length !== pointer.records) throw new Error(`metadata snapshot at ${pointer.offset}: ${records.length} of ${pointer.records} records`);
      batches.push({ lastOffset: pointer.offset, records, snapshot: true });
      next = pointer.offset + 1;
    }
    const entries = await readRange(this.client, this.keys.metadataLog, prefixRangeEnd(this.keys.metadataLog), revision);
    for (const kv of entries.kvs) {
      const entry = decodeLogEntry(kv.value);
      if (entry.baseOffset < next) continue; // trimmed below a snapshot in the same read cannot happen, but is harmless
      if (entry.baseOffset !== next) throw new Error(`metadata log has a gap: expected offset ${next}, found ${entry.baseOffset}`);
      batches.push({ lastOffset: entry.lastOffset, records: entry.values.map((v) => this.codec.decode(v)) });
      next = entry.lastOffset + 1;
    }
    return { batches, revision };
  }

  /** After a reload: hand over what this broker has not seen, a snapshot first if its next batch was trimmed. */
  private deliverReloaded(batches: readonly CommittedBatch<R>[]): void {
    for (const batch of batches) {
      if (batch.lastOffset <= this.delivered) continue;
      if (batch.snapshot) {
        this.log?.warn({ from: this.delivered, snapshot: batch.lastOffset }, 'metadata log was trimmed past what this broker had read: replacing its image with the snapshot');
        this.deliver(batch);
        continue;
      }
      const base = batch.lastOffset - batch.records.length + 1;
      if (base !== this.delivered + 1) throw new Error(`metadata log reload: expected offset ${this.delivered + 1}, found ${base}`);
      this.deliver(batch);
    }
  }

  private onLogEvents(events: readonly IEvent[]): void {
    for (const event of events) {
      if (event.type !== 'Put') continue;
      const entry = decodeLogEntry(event.kv.value);
      if (entry.lastOffset <= this.delivered) continue; // seen in the load
      if (entry.baseOffset !== this.delivered + 1) {
        // Throwing makes the watch reload the whole log.
        throw new Error(`metadata log watch: expected offset ${this.delivered + 1}, got ${entry.baseOffset}`);
      }
      this.deliver({ lastOffset: entry.lastOffset, records: entry.values.map((v) => this.codec.decode(v)) });
    }
  }

  private deliver(batch: CommittedBatch<R>): void {
    this.delivered = batch.lastOffset;
    try {
      this.listener?.(batch);
    } catch (err) {
      this.log?.error({ err, offset: batch.lastOffset }, 'metadata listener failed');
    }
    if (this.waiters.length === 0) return;
    const due = this.waiters.filter((w) => w.offset <= this.delivered);
    this.waiters = this.waiters.filter((w) => w.offset > this.delivered);
    for (const w of due) w.resolve(w.offset);
  }

  private whenDelivered(offset: number): Promise<number> {
    if (offset <= this.delivered) return Promise.resolve(offset);
    return new Promise((resolve, reject) => this.waiters.push({ offset, resolve, reject }));
  }
}

/** The first key of the `index`th range in a transaction's responses. */
function rangeResult(res: ITxnResponse, index: number): IKeyValue | undefined {
  return res.responses[index]?.response_range?.kvs[0];
}

function parsePointer(value: Buffer): SnapshotPointer {
  const parsed = JSON.parse(value.toString()) as Partial<SnapshotPointer>;
  if (typeof parsed.offset !== 'number' || typeof parsed.chunks !== 'number' || typeof parsed.records !== 'number') {
    throw new Error(`metadata snapshot pointer is malformed: ${value.toString()}`);
  }
  return { offset: parsed.offset, chunks: parsed.chunks, records: parsed.records };
}

