/**
 * Turns a Fetch request's session fields into a fetch context (Kafka's
 * FetchManager.newContext), which says which partitions the fetch reads and
 * shapes the response:
 * - full fetch, epoch -1 (or a request older than v7): sessionless; a named
 *   session is closed first;
 * - full fetch, epoch 0: the partitions named; the response creates a new
 *   session if the cache has (or can make) room, else answers session id 0;
 *   a named session is closed first;
 * - incremental fetch: the session must exist (FETCH_SESSION_ID_NOT_FOUND),
 *   expect this epoch (INVALID_FETCH_SESSION_EPOCH) and use topic ids
 *   exactly when the request version does (FETCH_SESSION_TOPIC_ID_ERROR);
 *   then the request's partitions are added or updated, the forgotten ones
 *   removed, and the fetch reads every partition of the session. A session
 *   left empty is closed and the fetch runs sessionless.
 * A session error answers with no partitions and session id 0.
 *
 * The response is made when the read is done (a delayed fetch may wait):
 * an incremental response checks again that no other request of the same
 * session came in meanwhile (INVALID_FETCH_SESSION_EPOCH, "possible
 * duplicate request") and leaves out the partitions with nothing new.
 */
import { ErrorCode } from '../../protocol/errors';
import { FINAL_EPOCH, INVALID_SESSION_ID, isFullFetch, nextEpoch } from './fetch-metadata';
import {
  CachedPartition,
  type FetchPartitionParams,
  type FetchSession,
  type PartitionResponseFacts,
  type SessionPartitionRef,
  sessionPartitionKey,
} from './fetch-session';
import type { FetchSessionCache } from './fetch-session-cache';

/** One partition a fetch reads, with the parameters to read it with. */
export interface FetchContextPartition {
  readonly ref: SessionPartitionRef;
  readonly params: FetchPartitionParams;
}

/** One partition's answer, as the context sees it (`T` carries the wire data along). */
export interface FetchedPartition {
  readonly ref: SessionPartitionRef;
  readonly facts: PartitionResponseFacts;
}

export interface FetchContextResponse<T> {
  readonly errorCode: ErrorCode;
  readonly sessionId: number;
  /** The partitions the response carries, in order. */
  readonly partitions: readonly T[];
}

export type FetchContextKind = 'session-error' | 'sessionless' | 'full' | 'incremental';

export interface FetchContext {
  readonly kind: FetchContextKind;
  /** The partitions this fetch reads. */
  partitions(): FetchContextPartition[];
  /** The response's error, session id and partitions, once the reads are done. */
  respond<T extends FetchedPartition>(results: readonly T[]): FetchContextResponse<T>;
  /**
   * The answer to a fetch throttled by a quota (Kafka's
   * getThrottledResponse): no partitions, and the session left as it was
   * (a full fetch creates none; an incremental one keeps its id).
   */
  throttledResponse<T extends FetchedPartition>(): FetchContextResponse<T>;
}

export interface NewFetchContextRequest {
  readonly version: number;
  readonly sessionId: number;
  readonly epoch: number;
  /** A follower's fetch: its session is privileged. */
  readonly isFollower: boolean;
  /** The request's partitions by sessionPartitionKey, in request order. */
  readonly fetchData: ReadonlyMap<string, FetchContextPartition>;
  readonly toForget: readonly SessionPartitionRef[];
  /** The metadata's name for a topic id (resolves partitions cached before their topic was known). */
  readonly topicName: (topicId: string) => string | undefined;
  readonly now: number;
}

/** First request version that names topics by id. */
const TOPIC_ID_VERSION = 13;
/** First request version with session fields. */
const SESSION_VERSION = 7;

export class FetchManager {
  constructor(readonly cache: FetchSessionCache) {}

  newContext(req: NewFetchContextRequest): FetchContext {
    if (req.version < SESSION_VERSION) return sessionless(req.fetchData);
    if (isFullFetch(req.epoch)) {
      if (req.sessionId !== INVALID_SESSION_ID) this.cache.remove(req.sessionId);
      if (req.epoch === FINAL_EPOCH) return sessionless(req.fetchData);
      return this.full(req);
    }
    const session = this.cache.get(req.sessionId);
    if (!session) return sessionError(ErrorCode.FETCH_SESSION_ID_NOT_FOUND);
    if (session.epoch !== req.epoch) return sessionError(ErrorCode.INVALID_FETCH_SESSION_EPOCH);
    if (session.usesTopicIds !== req.version >= TOPIC_ID_VERSION) return sessionError(ErrorCode.FETCH_SESSION_TOPIC_ID_ERROR);
    session.update(req.fetchData, req.toForget);
    if (session.size === 0) {
      this.cache.remove(session.id);
      return sessionless(req.fetchData);
    }
    this.cache.touch(session, req.now);
    session.epoch = nextEpoch(session.epoch);
    return incremental(session, req.epoch, req.topicName);
  }

  private full(req: NewFetchContextRequest): FetchContext {
    const cache = this.cache;
    return {
      kind: 'full',
      partitions: () => [...req.fetchData.values()],
      respond<T extends FetchedPartition>(results: readonly T[]): FetchContextResponse<T> {
        const sessionId = cache.maybeCreateSession(req.now, req.isFollower, results.length, req.version >= TOPIC_ID_VERSION, (session) => {
          for (const r of results) {
            const key = sessionPartitionKey(r.ref);
            const params = req.fetchData.get(key)?.params;
            if (params) session.partitions.set(key, new CachedPartition(r.ref, params, r.facts));
          }
        });
        return { errorCode: ErrorCode.NONE, sessionId, partitions: results };
      },
      throttledResponse: () => ({ errorCode: ErrorCode.NONE, sessionId: INVALID_SESSION_ID, partitions: [] }),
    };
  }
}

function sessionless(fetchData: ReadonlyMap<string, FetchContextPartition>): FetchContext {
  return {
    kind: 'sessionless',
    partitions: () => [...fetchData.values()],
    respond: (results) => ({ errorCode: ErrorCode.NONE, sessionId: INVALID_SESSION_ID, partitions: results }),
    throttledResponse: () => ({ errorCode: ErrorCode.NONE, sessionId: INVALID_SESSION_ID, partitions: [] }),
  };
}

function sessionError(errorCode: ErrorCode): FetchContext {
  return {
    kind: 'session-error',
    partitions: () => [],
    respond: () => ({ errorCode, sessionId: INVALID_SESSION_ID, partitions: [] }),
    throttledResponse: () => ({ errorCode, sessionId: INVALID_SESSION_ID, partitions: [] }),
  };
}

function incremental(session: FetchSession, requestEpoch: number, topicName: (topicId: string) => string | undefined): FetchContext {
  return {
    kind: 'incremental',
    partitions() {
      const out: FetchContextPartition[] = [];
      for (const p of session.partitions.values()) {
        if (p.topic === null && session.usesTopicIds) p.topic = topicName(p.topicId) ?? null;
        out.push({ ref: { topicId: p.topicId, topic: p.topic, partition: p.partition }, params: p.params });
      }
      return out;
    },
    respond<T extends FetchedPartition>(results: readonly T[]): FetchContextResponse<T> {
      // Another request of this session was accepted since this one: its answer supersedes ours.
      if (session.epoch !== nextEpoch(requestEpoch)) {
        return { errorCode: ErrorCode.INVALID_FETCH_SESSION_EPOCH, sessionId: session.id, partitions: [] };
      }
      const sent: T[] = [];
      const moved: string[] = [];
      for (const r of results) {
        const key = sessionPartitionKey(r.ref);
        const cached = session.partitions.get(key);
        if (cached && !cached.mustRespond(r.facts, true)) continue;
        sent.push(r);
        if (r.facts.recordsBytes > 0) moved.push(key);
      }
      for (const key of moved) session.moveToEnd(key);
      return { errorCode: ErrorCode.NONE, sessionId: session.id, partitions: sent };
    },
    throttledResponse<T extends FetchedPartition>(): FetchContextResponse<T> {
      if (session.epoch !== nextEpoch(requestEpoch)) return { errorCode: ErrorCode.INVALID_FETCH_SESSION_EPOCH, sessionId: session.id, partitions: [] };
      return { errorCode: ErrorCode.NONE, sessionId: session.id, partitions: [] };
    },
  };
}
