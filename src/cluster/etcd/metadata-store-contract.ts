/**
 * TEMPORARY MIRROR, until issue 10 ("Partitions own their state", branch
 * `floor`) lands: the contract of `src/cluster/metadata/metadata-store.ts`
 * there, made generic over the record type so that EtcdMetadataStore
 * compiles and is tested without floor's generated record codecs.
 *
 * When floor is merged: delete this file; in etcd-metadata-store.ts import
 * `CommittedBatch`, `MetadataStore` and `StaleMetadataError` from
 * '../metadata/metadata-store', and construct the store with
 * `{ encode: encodeMetadataRecord, decode: decodeMetadataRecord }` as its
 * codec, so that EtcdMetadataStore<MetadataRecord> is a MetadataStore.
 *
 * One addition floor's contract needs for a store that trims its log (see
 * EtcdMetadataStore): `CommittedBatch.snapshot`. A batch flagged so holds the
 * whole metadata image at `lastOffset`, to replace what the broker applied
 * rather than be applied on top (Kafka's loader does the same with a
 * snapshot). It is only ever delivered live to a broker that was cut off
 * from etcd while the log it had not yet read was trimmed; at start it is
 * the first batch returned, where replaying it over the empty image is
 * already right.
 */

/** One committed write: its records, the last of which sits at `lastOffset`. */
export interface CommittedBatch<R> {
  readonly lastOffset: number;
  readonly records: readonly R[];
  /** The records are a snapshot of the whole image at `lastOffset` (see above). */
  readonly snapshot?: boolean;
}

export interface MetadataStore<R> {
  start(onCommitted: (batch: CommittedBatch<R>) => void): Promise<CommittedBatch<R>[]>;
  commit(records: readonly R[], expectedLastOffset: number): Promise<number>;
  close(): void;
}

/** A conditional commit lost the race: the log no longer ends where the writer thought. */
export class StaleMetadataError extends Error {
  constructor(
    readonly expectedLastOffset: number,
    readonly actualLastOffset: number,
  ) {
    super(`metadata log ends at ${actualLastOffset}, not at ${expectedLastOffset}`);
    this.name = 'StaleMetadataError';
  }
}

/** How records become bytes: floor's encodeMetadataRecord / decodeMetadataRecord (Kafka's framing). */
export interface MetadataRecordCodec<R> {
  encode(record: R): Buffer;
  decode(bytes: Buffer): R;
}
