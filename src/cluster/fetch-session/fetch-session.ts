/**
 * One incremental fetch session (KIP-227, Kafka's FetchSession): the
 * partitions a client fetches, with the request parameters it last sent for
 * each and what the broker last told it about each.
 *
 * - An incremental request names only partitions whose parameters changed
 *   (added or updated) and the ones to forget; the others are fetched with
 *   their cached parameters.
 * - An incremental response leaves out a partition that has nothing new: no
 *   records, the same high watermark and log start offset as last time, no
 *   error. A partition that answered with an error is sent again once the
 *   error is gone (its cached high watermark is reset to -1).
 * - A partition that returned records moves to the end of the session's
 *   order, so the next response's byte budget goes to the others first.
 *
 * A partition is keyed by topic id when the session uses topic ids (Fetch
 * v13+), else by topic name.
 */
import { ZERO_UUID } from '../../protocol/primitives/codec-support';

/** What the client sent for one partition (its cached part in a session). */
export interface FetchPartitionParams {
  fetchOffset: number;
  maxBytes: number;
  /** -1: not given. */
  currentLeaderEpoch: number;
  /** The fetcher's own log start offset (followers; -1 for consumers). */
  logStartOffset: number;
  /** -1: not given. */
  lastFetchedEpoch: number;
}

/** A partition as a fetch names it: by id (v13+, name resolved or null) or by name (zero id). */
export interface SessionPartitionRef {
  readonly topicId: string;
  /** Null when the id is not (yet) known to the metadata. */
  readonly topic: string | null;
  readonly partition: number;
}

/** What the incremental filter looks at in a partition's response. */
export interface PartitionResponseFacts {
  readonly errorCode: number;
  readonly highWatermark: number;
  readonly logStartOffset: number;
  /** Bytes of records returned. */
  readonly recordsBytes: number;
  /** -1 unless the broker names a preferred read replica. */
  readonly preferredReadReplica: number;
  /** -1 unless the response carries a diverging epoch. */
  readonly divergingEpoch: number;
}

/** The session key of a partition: its topic id, or its name when the id is zero. */
export function sessionPartitionKey(ref: SessionPartitionRef): string {
  return ref.topicId !== ZERO_UUID ? `${ref.topicId}:${ref.partition}` : `${ref.topic ?? ''}\u0000${ref.partition}`;
}

export class CachedPartition implements SessionPartitionRef {
  topic: string | null;
  readonly topicId: string;
  readonly partition: number;
  params: FetchPartitionParams;
  /** The high watermark last sent (-1: none yet, or an error was sent). */
  highWatermark: number;
  /** The log start offset last sent. */
  localLogStartOffset: number;

  constructor(ref: SessionPartitionRef, params: FetchPartitionParams, response?: PartitionResponseFacts) {
    this.topic = ref.topic;
    this.topicId = ref.topicId;
    this.partition = ref.partition;
    this.params = params;
    this.highWatermark = response?.highWatermark ?? -1;
    this.localLogStartOffset = response?.logStartOffset ?? -1;
  }

  /**
   * Whether this partition must be in an incremental response (Kafka's
   * maybeUpdateResponseData); with `update`, remembers what is sent.
   */
  mustRespond(r: PartitionResponseFacts, update: boolean): boolean {
    let must = r.recordsBytes > 0 || r.preferredReadReplica >= 0 || r.divergingEpoch >= 0;
    if (this.highWatermark !== r.highWatermark) {
      must = true;
      if (update) this.highWatermark = r.highWatermark;
    }
    if (this.localLogStartOffset !== r.logStartOffset) {
      must = true;
      if (update) this.localLogStartOffset = r.logStartOffset;
    }
    if (r.errorCode !== 0) {
      // Sent again once the error is gone.
      if (update) this.highWatermark = -1;
      must = true;
    }
    return must;
  }
}

export class FetchSession {
  /** By sessionPartitionKey, in fetch order (a Map keeps insertion order). */
  readonly partitions = new Map<string, CachedPartition>();
  lastUsedMs: number;
  /** The epoch the next incremental request must carry. */
  epoch: number;
  /** Partitions counted for this session when the cache last looked (-1: not yet). */
  cachedSize = -1;

  constructor(
    readonly id: number,
    /** Follower sessions are privileged: they evict consumer sessions. */
    readonly privileged: boolean,
    readonly usesTopicIds: boolean,
    readonly creationMs: number,
    epoch: number,
  ) {
    this.lastUsedMs = creationMs;
    this.epoch = epoch;
  }

  get size(): number {
    return this.partitions.size;
  }

  /** Applies an incremental request: partitions added or updated, then those forgotten. */
  update(
    fetchData: ReadonlyMap<string, { ref: SessionPartitionRef; params: FetchPartitionParams }>,
    toForget: readonly SessionPartitionRef[],
  ): { added: number; updated: number; removed: number } {
    let added = 0;
    let updated = 0;
    let removed = 0;
    for (const [key, { ref, params }] of fetchData) {
      const cached = this.partitions.get(key);
      if (cached) {
        cached.params = params;
        updated++;
      } else {
        this.partitions.set(key, new CachedPartition(ref, params));
        added++;
      }
    }
    for (const ref of toForget) if (this.partitions.delete(sessionPartitionKey(ref))) removed++;
    return { added, updated, removed };
  }

  /** Moves a partition to the end of the fetch order (it just returned records). */
  moveToEnd(key: string): void {
    const p = this.partitions.get(key);
    if (!p) return;
    this.partitions.delete(key);
    this.partitions.set(key, p);
  }
}
