/**
 * A follower's fetcher for the partitions one leader broker leads (Kafka's
 * ReplicaFetcherThread; one per leader, as with num.replica.fetchers=1).
 *
 * Each partition it follows is in one of two states:
 * - truncating: it just started following this leader epoch, so its log may
 *   hold a tail the leader never had (written by an old leader, never
 *   acknowledged). The fetcher asks the leader where the follower's latest
 *   epoch ends (OffsetForLeaderEpoch) and cuts there
 *   (follower-truncation.ts), round after round until they agree;
 * - fetching: Fetch from the log end, as replica `nodeId` with its broker
 *   epoch; the batches are appended as they are (the leader's offsets and
 *   epochs), then the high watermark and the log start offset follow the
 *   leader's.
 * Fetches run in an incremental fetch session (follower-fetch-session.ts):
 * after the first, each names only the partitions whose position changed.
 * A fetch long-polls at the leader (replica.fetch.wait.max.ms,
 * replica.fetch.min.bytes), so records reach the follower as they are
 * appended and the leader learns the follower's log end from its next fetch
 * offset: that is what moves the leader's high watermark.
 *
 * A partition whose leader answers with an error (a fenced epoch, an
 * unknown topic: the metadata is moving) waits replica.fetch.backoff.ms; so
 * does the whole fetcher when the leader cannot be reached. A leader that
 * is only behind this follower on metadata is asked again within
 * milliseconds. The metadata, not the fetcher, decides whom to follow:
 * the manager (replica-fetchers.ts) moves partitions between fetchers.
 * Answers for a partition whose state changed while the request was out are
 * dropped.
 */
import type { Logger } from '../../logger';
import { ErrorCode } from '../../protocol/errors';
import type { FetchRequest, FetchResponse, OffsetForLeaderEpochResponse } from '../../protocol/messages';
import { recordsLength, type RecordsValue } from '../../protocol/primitives/records-value';
import type { Partition } from '../partition';
import { FollowerFetchSession, sessionKey, type SessionPartition } from './follower-fetch-session';
import { truncationPoint } from './follower-truncation';
import type { OpenReplicaLink, ReplicaLink } from './replica-link';

export interface ReplicaFetcherSettings {
  /** replica.fetch.wait.max.ms */
  maxWaitMs: number;
  /** replica.fetch.min.bytes */
  minBytes: number;
  /** replica.fetch.max.bytes (per partition) */
  partitionMaxBytes: number;
  /** replica.fetch.response.max.bytes */
  responseMaxBytes: number;
  /** replica.fetch.backoff.ms */
  backoffMs: number;
}

export interface ReplicaFetcherDeps {
  nodeId: number;
  /** This broker's epoch (its registration's), sent with every fetch. */
  brokerEpoch: () => number;
  open: OpenReplicaLink;
  settings: ReplicaFetcherSettings;
  now: () => number;
  log: Logger | null;
}

interface FollowedPartition {
  readonly partition: Partition;
  /** The leader epoch it follows; a new one starts over with truncation. */
  readonly leaderEpoch: number;
  state: 'truncating' | 'fetching';
  /** Not asked for before this time (after an error). */
  delayedUntil: number;
}

export class ReplicaFetcher {
  private readonly followed = new Map<string, FollowedPartition>();
  private link: ReplicaLink | null = null;
  /** The incremental fetch session with this leader (KIP-227). */
  private readonly session = new FollowerFetchSession();
  private stopped = false;
  private wakeUp: (() => void) | null = null;
  /** Settles when the loop has ended (after `stop`). */
  readonly done: Promise<void>;

  constructor(
    readonly leaderId: number,
    private readonly deps: ReplicaFetcherDeps,
  ) {
    this.done = this.run();
  }

  /** Follows `partition` in its current leader epoch (again from truncation when the epoch is new). */
  follow(key: string, partition: Partition): void {
    const current = this.followed.get(key);
    if (current && current.partition === partition && current.leaderEpoch === partition.leaderEpoch) return;
    this.followed.set(key, { partition, leaderEpoch: partition.leaderEpoch, state: 'truncating', delayedUntil: 0 });
    this.wake();
  }

  unfollow(key: string): void {
    this.followed.delete(key);
  }

  get isEmpty(): boolean {
    return this.followed.size === 0;
  }

  stop(): void {
    this.stopped = true;
    this.link?.close();
    this.link = null;
    this.wake();
  }

  private wake(): void {
    const w = this.wakeUp;
    this.wakeUp = null;
    w?.();
  }

  /** Waits for a new partition, a stop, or `ms`. */
  private idle(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.wakeUp = null;
        resolve();
      }, ms);
      this.wakeUp = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }

  private async run(): Promise<void> {
    while (!this.stopped) {
      const now = this.deps.now();
      const ready = (state: FollowedPartition['state']) => [...this.followed.entries()].filter(([, f]) => f.state === state && f.delayedUntil <= now);
      const truncating = ready('truncating');
      const fetching = truncating.length > 0 ? [] : ready('fetching');
      if (truncating.length === 0 && fetching.length === 0) {
        const next = Math.min(...[...this.followed.values()].map((f) => f.delayedUntil));
        await this.idle(Number.isFinite(next) ? Math.max(1, next - now) : 60_000);
        continue;
      }
      try {
        const link = (this.link ??= await this.deps.open(this.leaderId));
        if (this.stopped) break;
        if (truncating.length > 0) await this.truncate(link, truncating);
        else await this.fetch(link, fetching);
      } catch (err) {
        if (this.stopped) break;
        this.deps.log?.debug({ err, leader: this.leaderId }, 'replica fetch failed; retrying after replica.fetch.backoff.ms');
        this.link?.close();
        this.link = null;
        await this.idle(this.deps.settings.backoffMs);
      }
    }
    this.link?.close();
    this.link = null;
  }

  /** Still the state this answer was asked for (the metadata may have moved the partition meanwhile). */
  private current(key: string, asked: FollowedPartition): boolean {
    return this.followed.get(key) === asked;
  }

  /**
   * Holds a partition back after an error: replica.fetch.backoff.ms, except
   * when the leader has not applied the metadata this follower already has
   * (UNKNOWN_LEADER_EPOCH; NOT_LEADER_OR_FOLLOWER from the broker the
   * metadata names as leader). Its watch delivers that within milliseconds,
   * and waiting a whole backoff there would add it to every failover.
   */
  private delay(f: FollowedPartition, errorCode: number): void {
    const leaderBehind = errorCode === ErrorCode.UNKNOWN_LEADER_EPOCH || errorCode === ErrorCode.NOT_LEADER_OR_FOLLOWER;
    f.delayedUntil = this.deps.now() + (leaderBehind ? Math.min(LEADER_BEHIND_RETRY_MS, this.deps.settings.backoffMs) : this.deps.settings.backoffMs);
  }

  // ---- truncation -------------------------------------------------------------

  private async truncate(link: ReplicaLink, entries: [string, FollowedPartition][]): Promise<void> {
    const asking: [string, FollowedPartition, number][] = [];
    for (const [key, f] of entries) {
      const latest = f.partition.log.latestLeaderEpoch;
      if (latest === null) {
        // No epoch recorded (an empty log, or one written before epochs): keep what was acknowledged.
        f.partition.truncateTo(f.partition.highWatermark);
        f.state = 'fetching';
      } else asking.push([key, f, latest]);
    }
    if (asking.length === 0) return;
    const byTopic = new Map<string, { partition: number; currentLeaderEpoch: number; leaderEpoch: number }[]>();
    for (const [, f, latest] of asking) {
      const list = byTopic.get(f.partition.topic) ?? [];
      list.push({ partition: f.partition.index, currentLeaderEpoch: f.leaderEpoch, leaderEpoch: latest });
      byTopic.set(f.partition.topic, list);
    }
    const res = await link.offsetForLeaderEpoch({
      replicaId: this.deps.nodeId,
      topics: [...byTopic].map(([topic, partitions]) => ({ topic, partitions })),
    });
    const answers = new Map<string, OffsetForLeaderEpochResponse.EpochEndOffset>();
    for (const t of res.topics) for (const p of t.partitions) answers.set(`${t.topic}\u0000${p.partition}`, p);
    for (const [key, f] of asking) {
      if (!this.current(key, f)) continue;
      const a = answers.get(`${f.partition.topic}\u0000${f.partition.index}`);
      if (!a || a.errorCode !== ErrorCode.NONE) {
        this.delay(f, a?.errorCode ?? ErrorCode.UNKNOWN_SERVER_ERROR);
        continue;
      }
      const p = f.partition;
      const point = truncationPoint(
        { epoch: a.leaderEpoch, endOffset: Number(a.endOffset) },
        { logEndOffset: p.logEndOffset, highWatermark: p.highWatermark, endOffsetForEpoch: (e) => p.endOffsetForEpoch(e) },
      );
      if (point.offset < p.logEndOffset) {
        this.deps.log?.info(
          { topic: p.topic, partition: p.index, leader: this.leaderId, leaderEpoch: f.leaderEpoch, from: p.logEndOffset, to: point.offset },
          'truncating a follower log to where it agrees with the leader',
        );
        p.truncateTo(point.offset);
      }
      if (point.complete) f.state = 'fetching';
    }
  }

  // ---- fetch ----------------------------------------------------------------

  private async fetch(link: ReplicaLink, entries: [string, FollowedPartition][]): Promise<void> {
    const sent = new Map<string, { key: string; f: FollowedPartition; fetchOffset: number }>();
    const wanted = new Map<string, SessionPartition>();
    for (const [key, f] of entries) {
      const p = f.partition;
      const fetchOffset = p.logEndOffset;
      const id = sessionKey(p.topicId, p.index);
      sent.set(id, { key, f, fetchOffset });
      wanted.set(id, {
        topic: p.topic,
        topicId: p.topicId,
        partition: p.index,
        currentLeaderEpoch: f.leaderEpoch,
        fetchOffset,
        logStartOffset: p.logStartOffset,
        maxBytes: this.deps.settings.partitionMaxBytes,
      });
    }
    const request = this.session.build(wanted);
    const topics = new Map<string, FetchRequest.FetchTopic>();
    for (const p of request.partitions) {
      let t = topics.get(p.topicId);
      if (!t) topics.set(p.topicId, (t = { topic: p.topic, topicId: p.topicId, partitions: [] }));
      t.partitions.push({
        partition: p.partition,
        currentLeaderEpoch: p.currentLeaderEpoch,
        fetchOffset: BigInt(p.fetchOffset),
        lastFetchedEpoch: -1,
        logStartOffset: BigInt(p.logStartOffset),
        partitionMaxBytes: p.maxBytes,
        replicaDirectoryId: '00000000-0000-0000-0000-000000000000',
      });
    }
    const forgotten = new Map<string, FetchRequest.ForgottenTopic>();
    for (const p of request.forgotten) {
      let t = forgotten.get(p.topicId);
      if (!t) forgotten.set(p.topicId, (t = { topic: p.topic, topicId: p.topicId, partitions: [] }));
      t.partitions.push(p.partition);
    }
    const { settings } = this.deps;
    let res: FetchResponse;
    try {
      res = await link.fetch({
        clusterId: null,
        replicaId: -1,
        replicaState: { replicaId: this.deps.nodeId, replicaEpoch: BigInt(this.deps.brokerEpoch()) },
        maxWaitMs: settings.maxWaitMs,
        minBytes: settings.minBytes,
        maxBytes: settings.responseMaxBytes,
        isolationLevel: 0,
        sessionId: request.sessionId,
        sessionEpoch: request.sessionEpoch,
        topics: [...topics.values()],
        forgottenTopicsData: [...forgotten.values()],
        rackId: '',
      });
    } catch (err) {
      this.session.reset();
      throw err;
    }
    if (res.errorCode !== ErrorCode.NONE) {
      this.session.reset();
      // The leader lost or evicted the session (restarted, cache full): start a new one at once.
      if (res.errorCode === ErrorCode.FETCH_SESSION_ID_NOT_FOUND || res.errorCode === ErrorCode.INVALID_FETCH_SESSION_EPOCH) return;
      throw new Error(`the leader ${this.leaderId} refused the fetch: error ${res.errorCode}`);
    }
    this.session.answered(request, res.sessionId);
    for (const t of res.responses) {
      for (const data of t.partitions) {
        const s = sent.get(sessionKey(t.topicId, data.partitionIndex));
        if (!s || !this.current(s.key, s.f) || s.f.partition.logEndOffset !== s.fetchOffset) continue;
        this.apply(s.f, data);
      }
    }
  }

  private apply(f: FollowedPartition, data: FetchResponse.PartitionData): void {
    const p = f.partition;
    switch (data.errorCode) {
      case ErrorCode.NONE: {
        const records = wholeBatches(data.records);
        if (records.length > 0) {
          const r = p.appendAsFollower(records);
          if (r.errorCode !== ErrorCode.NONE) {
            this.deps.log?.warn({ topic: p.topic, partition: p.index, leader: this.leaderId, error: r.errorCode, message: r.errorMessage }, 'a follower could not append what its leader sent; truncating again');
            f.state = 'truncating';
            this.delay(f, r.errorCode);
            return;
          }
        }
        p.updateHighWatermarkAsFollower(Number(data.highWatermark));
        p.followLogStartOffset(Number(data.logStartOffset));
        return;
      }
      case ErrorCode.OFFSET_OUT_OF_RANGE: {
        const leaderStart = Number(data.logStartOffset);
        if (leaderStart >= 0 && p.logEndOffset < leaderStart) {
          // Everything this follower has is gone from the leader: start over where the leader's log starts.
          this.deps.log?.info({ topic: p.topic, partition: p.index, leader: this.leaderId, from: p.logEndOffset, to: leaderStart }, "a follower behind its leader's log start starts over there");
          p.truncateFullyAndStartAt(leaderStart);
        } else f.state = 'truncating';
        return;
      }
      default:
        // Not the leader (yet), a fenced or unknown epoch, an unknown topic: the metadata is moving.
        this.delay(f, data.errorCode);
    }
  }
}

/**
 * The whole record batches at the front of `records`: a leader may cut the
 * last batch short at the size limit (Kafka's leaders do; the follower
 * fetches its rest next time).
 */
export function wholeBatches(records: RecordsValue | null): Buffer {
  if (records === null || recordsLength(records) === 0) return EMPTY;
  if (!Buffer.isBuffer(records)) throw new Error('a fetch response decoded without its record bytes');
  let pos = 0;
  while (pos + 12 <= records.length) {
    const size = 12 + records.readInt32BE(pos + 8);
    if (pos + size > records.length) break;
    pos += size;
  }
  return pos === records.length ? records : records.subarray(0, pos);
}

const EMPTY = Buffer.alloc(0);

/** How soon a partition is asked again when its leader is only behind on metadata. */
const LEADER_BEHIND_RETRY_MS = 20;
