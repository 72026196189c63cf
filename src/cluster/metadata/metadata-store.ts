/**
 * Where the metadata log lives: the ordered, durable list of committed
 * metadata records every broker's image is built from.
 *
 * The controller is the only writer. It validates an operation against the
 * image it has applied, turns it into records and commits them *on the
 * condition* that the log still ends where that image ends
 * (`expectedLastOffset`): if another write came first the commit is refused
 * with StaleMetadataError and the controller validates again against the
 * newer image. That is compare-on-revision, which a store on etcd does with
 * a transaction; a store with one writer never refuses.
 *
 * Brokers learn of a commit only through `onCommitted`, in log order, the
 * one that wrote it included: nobody changes its view of the metadata
 * except by applying committed records.
 */
import type { MetadataRecord } from './metadata-record';

/**
 * One committed write: its records, the last of which sits at `lastOffset`.
 * (`R` is the record type; generic only so that a store's own tests can
 * commit plain values.)
 */
export interface CommittedBatch<R = MetadataRecord> {
  readonly lastOffset: number;
  readonly records: readonly R[];
  /**
   * The records are the whole image at `lastOffset`, to replace what was
   * applied rather than be applied on top (Kafka's loader does the same with
   * a snapshot). A store that trims its log (the one on etcd) hands one to a
   * broker that was cut off while the part it had not read was trimmed, and
   * may start with one.
   */
  readonly snapshot?: boolean;
}

export interface MetadataStore<R = MetadataRecord> {
  /**
   * Everything committed so far, oldest first; from then on every new
   * commit is handed to `onCommitted`, in order. Called once.
   */
  start(onCommitted: (batch: CommittedBatch<R>) => void): Promise<CommittedBatch<R>[]>;
  /**
   * Appends `records` as one atomic batch if the log's last offset is still
   * `expectedLastOffset` (-1: the log is empty). Resolves with the offset of
   * the batch's last record once it is durable and has been handed to
   * `onCommitted`; rejects with StaleMetadataError when the log has moved.
   */
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

/** A metadata write by a broker that is not (or no longer) the controller. */
export class NotControllerError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'NotControllerError';
  }
}
