/**
 * The broker's incremental fetch sessions (Kafka's FetchSessionCache, one
 * shard: a single event loop needs no lock striping), at most
 * `max.incremental.fetch.session.cache.slots` of them.
 *
 * A full fetch that asks for a session gets one only if there is a free
 * slot or an existing session can be evicted, by Kafka's rules:
 * 1. the least recently used session, if it has been idle for more than
 *    `evictionMs` (Kafka: 120 s), whatever it is; otherwise
 * 2. the least valuable evictable session, ordered by (privileged, size,
 *    id), if the new one is worth more: a follower's (privileged) session
 *    beats a consumer's, a bigger session beats a smaller one. A session
 *    younger than `evictionMs` is protected from this, except that a
 *    consumer's session can always be taken by a follower's.
 * Otherwise the fetch is answered without a session (id 0), which every
 * client accepts.
 */
import { INVALID_SESSION_ID, nextEpoch, INITIAL_EPOCH } from './fetch-metadata';
import { FetchSession } from './fetch-session';

/** Kafka's MIN_INCREMENTAL_FETCH_SESSION_EVICTION_MS. */
export const FETCH_SESSION_EVICTION_MS = 120_000;

const INT32_MAX = 2147483647;

interface CacheEntry {
  readonly session: FetchSession;
  /** Evictable by a consumer's new session (older than evictionMs at the last touch). */
  byAll: boolean;
  /** Evictable by a follower's new session (a consumer's, or older than evictionMs). */
  byPrivileged: boolean;
}

export interface FetchSessionCacheOptions {
  maxEntries: number;
  evictionMs?: number;
  /** A random int in [1, 2^31 - 1) (tests inject a sequence). */
  randomId?: () => number;
}

/** (privileged, size, id), Kafka's EvictableKey order. */
function compareEvictable(a: { privileged: boolean; size: number; id: number }, b: { privileged: boolean; size: number; id: number }): number {
  if (a.privileged !== b.privileged) return a.privileged ? 1 : -1;
  if (a.size !== b.size) return a.size - b.size;
  return a.id - b.id;
}

export class FetchSessionCache {
  /** By id, least recently used first (a touch re-inserts). */
  private readonly entries = new Map<number, CacheEntry>();
  private readonly maxEntries: number;
  private readonly evictionMs: number;
  private readonly randomId: () => number;
  private partitionsCached = 0;
  private evictionCount = 0;

  constructor(options: FetchSessionCacheOptions) {
    this.maxEntries = options.maxEntries;
    this.evictionMs = options.evictionMs ?? FETCH_SESSION_EVICTION_MS;
    this.randomId = options.randomId ?? (() => 1 + Math.floor(Math.random() * (INT32_MAX - 1)));
  }

  get(id: number): FetchSession | undefined {
    return this.entries.get(id)?.session;
  }

  /** Sessions cached (Kafka's NumIncrementalFetchSessions). */
  get size(): number {
    return this.entries.size;
  }

  /** Partitions in all sessions (Kafka's NumIncrementalFetchPartitionsCached). */
  get totalPartitions(): number {
    return this.partitionsCached;
  }

  /** Sessions evicted so far (Kafka's IncrementalFetchSessionEvictionsPerSec counts these). */
  get evictions(): number {
    return this.evictionCount;
  }

  /**
   * A new session of `size` partitions, filled by `fill`, if there is room
   * or something can be evicted; INVALID_SESSION_ID otherwise.
   */
  maybeCreateSession(now: number, privileged: boolean, size: number, usesTopicIds: boolean, fill: (session: FetchSession) => void): number {
    if (this.entries.size >= this.maxEntries && !this.tryEvict(privileged, size, now)) return INVALID_SESSION_ID;
    const session = new FetchSession(this.newSessionId(), privileged, usesTopicIds, now, nextEpoch(INITIAL_EPOCH));
    fill(session);
    this.entries.set(session.id, { session, byAll: false, byPrivileged: false });
    this.touch(session, now);
    return session.id;
  }

  /** Removes a session (a full fetch names it, or it emptied); false if it was not cached. */
  remove(id: number): boolean {
    const entry = this.entries.get(id);
    if (!entry) return false;
    this.entries.delete(id);
    if (entry.session.cachedSize > 0) this.partitionsCached -= entry.session.cachedSize;
    return true;
  }

  /** Marks a session used now: last in the LRU order, its size and evictability refreshed. */
  touch(session: FetchSession, now: number): void {
    const entry = this.entries.get(session.id);
    if (!entry) return;
    this.entries.delete(session.id);
    this.entries.set(session.id, entry);
    session.lastUsedMs = now;
    if (session.cachedSize > 0) this.partitionsCached -= session.cachedSize;
    session.cachedSize = session.size;
    this.partitionsCached += session.cachedSize;
    const old = now - session.creationMs > this.evictionMs;
    entry.byPrivileged = !session.privileged || old;
    entry.byAll = old;
  }

  private tryEvict(privileged: boolean, size: number, now: number): boolean {
    const lru = this.entries.values().next();
    if (lru.done) return false;
    if (now - lru.value.session.lastUsedMs > this.evictionMs) return this.evict(lru.value.session.id);
    let victim: FetchSession | null = null;
    for (const e of this.entries.values()) {
      if (!(privileged ? e.byPrivileged : e.byAll)) continue;
      const s = { privileged: e.session.privileged, size: e.session.cachedSize, id: e.session.id };
      if (victim === null || compareEvictable(s, { privileged: victim.privileged, size: victim.cachedSize, id: victim.id }) < 0) victim = e.session;
    }
    if (victim === null) return false;
    // The new session (id 0 in Kafka's comparison) must be worth at least as much.
    if (compareEvictable({ privileged, size, id: 0 }, { privileged: victim.privileged, size: victim.cachedSize, id: victim.id }) < 0) return false;
    return this.evict(victim.id);
  }

  private evict(id: number): boolean {
    this.remove(id);
    this.evictionCount++;
    return true;
  }

  private newSessionId(): number {
    for (;;) {
      const id = this.randomId();
      if (id !== INVALID_SESSION_ID && !this.entries.has(id)) return id;
    }
  }
}
