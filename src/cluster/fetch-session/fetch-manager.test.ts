import { ErrorCode } from '../../protocol/errors';
import { ZERO_UUID } from '../../protocol/primitives/codec-support';
import { FetchManager, type FetchContextPartition, type FetchedPartition } from './fetch-manager';
import { FINAL_EPOCH, INITIAL_EPOCH, INVALID_SESSION_ID, nextEpoch } from './fetch-metadata';
import { type PartitionResponseFacts, type SessionPartitionRef, sessionPartitionKey } from './fetch-session';
import { FETCH_SESSION_EVICTION_MS, FetchSessionCache } from './fetch-session-cache';

const ref = (topic: string, partition: number): SessionPartitionRef => ({ topicId: ZERO_UUID, topic, partition });

function request(parts: [string, number, number][]): Map<string, FetchContextPartition> {
  const m = new Map<string, FetchContextPartition>();
  for (const [topic, partition, fetchOffset] of parts) {
    const r = ref(topic, partition);
    m.set(sessionPartitionKey(r), { ref: r, params: { fetchOffset, maxBytes: 1024, currentLeaderEpoch: -1, logStartOffset: -1, lastFetchedEpoch: -1 } });
  }
  return m;
}

function facts(over: Partial<PartitionResponseFacts> = {}): PartitionResponseFacts {
  return { errorCode: 0, highWatermark: 10, logStartOffset: 0, recordsBytes: 0, preferredReadReplica: -1, divergingEpoch: -1, ...over };
}

/** What a fetch of `parts` would read back: the same facts for each unless overridden. */
function results(parts: FetchContextPartition[], over: Record<string, Partial<PartitionResponseFacts>> = {}): FetchedPartition[] {
  return parts.map((p) => ({ ref: p.ref, facts: facts(over[`${p.ref.topic}-${p.ref.partition}`]) }));
}

const names = (rs: readonly FetchedPartition[]) => rs.map((r) => `${r.ref.topic}-${r.ref.partition}`);

describe('FetchManager', () => {
  let now = 1_000;
  let ids: number[];
  const manager = (maxEntries = 10) => {
    ids = [101, 102, 103, 104, 105, 106];
    return new FetchManager(new FetchSessionCache({ maxEntries, randomId: () => ids.shift() ?? 999 }));
  };
  const ctx = (m: FetchManager, sessionId: number, epoch: number, parts: [string, number, number][], forget: SessionPartitionRef[] = [], version = 12) =>
    m.newContext({ version, sessionId, epoch, isFollower: false, fetchData: request(parts), toForget: forget, topicName: () => undefined, now });

  /** Opens a session over t-0, t-1, t-2 and returns its id. */
  function open(m: FetchManager): number {
    const c = ctx(m, INVALID_SESSION_ID, INITIAL_EPOCH, [['t', 0, 0], ['t', 1, 0], ['t', 2, 0]]);
    expect(c.kind).toBe('full');
    const r = c.respond(results(c.partitions()));
    expect(r.errorCode).toBe(ErrorCode.NONE);
    expect(names(r.partitions)).toEqual(['t-0', 't-1', 't-2']);
    return r.sessionId;
  }

  test('a full fetch with epoch 0 creates a session; epoch -1 and old versions stay sessionless', () => {
    const m = manager();
    expect(open(m)).toBe(101);
    expect(m.cache.size).toBe(1);
    expect(m.cache.totalPartitions).toBe(3);
    const final = ctx(m, INVALID_SESSION_ID, FINAL_EPOCH, [['t', 0, 0]]);
    expect(final.kind).toBe('sessionless');
    expect(final.respond(results(final.partitions())).sessionId).toBe(INVALID_SESSION_ID);
    const v6 = ctx(m, INVALID_SESSION_ID, INITIAL_EPOCH, [['t', 0, 0]], [], 6);
    expect(v6.kind).toBe('sessionless');
    expect(m.cache.size).toBe(1);
  });

  test('an incremental fetch reads every session partition and answers only what changed', () => {
    const m = manager();
    const id = open(m);
    const c = ctx(m, id, 1, []);
    expect(c.kind).toBe('incremental');
    expect(names(c.partitions().map((p) => ({ ref: p.ref, facts: facts() })))).toEqual(['t-0', 't-1', 't-2']);
    const r = c.respond(results(c.partitions(), { 't-1': { recordsBytes: 100, highWatermark: 12 } }));
    expect(r.sessionId).toBe(id);
    expect(names(r.partitions)).toEqual(['t-1']);
    // t-1 returned records: it moves to the end of the session's order.
    const next = ctx(m, id, 2, []);
    expect(next.partitions().map((p) => `${p.ref.topic}-${p.ref.partition}`)).toEqual(['t-0', 't-2', 't-1']);
    // Nothing new anywhere: an empty response (the HW 12 of t-1 was sent already).
    expect(next.respond(results(next.partitions(), { 't-1': { highWatermark: 12 } })).partitions).toEqual([]);
  });

  test('changed request parameters are kept; a log start offset move or an error is answered', () => {
    const m = manager();
    const id = open(m);
    const c = ctx(m, id, 1, [['t', 2, 7]]);
    const parts = c.partitions();
    expect(parts.find((p) => p.ref.partition === 2)?.params.fetchOffset).toBe(7);
    expect(parts.find((p) => p.ref.partition === 0)?.params.fetchOffset).toBe(0);
    const r = c.respond(results(parts, { 't-0': { logStartOffset: 5 }, 't-2': { errorCode: ErrorCode.OFFSET_OUT_OF_RANGE } }));
    expect(names(r.partitions)).toEqual(['t-0', 't-2']);
    // An error once answered is answered again when it goes away (its cached HW was reset).
    const c2 = ctx(m, id, 2, []);
    expect(names(c2.respond(results(c2.partitions(), { 't-0': { logStartOffset: 5 } })).partitions)).toEqual(['t-2']);
  });

  test('partitions are added and forgotten; a session left empty is closed', () => {
    const m = manager();
    const id = open(m);
    const c = ctx(m, id, 1, [['u', 0, 3]], [ref('t', 0), ref('t', 9)]);
    expect(c.partitions().map((p) => `${p.ref.topic}-${p.ref.partition}`)).toEqual(['t-1', 't-2', 'u-0']);
    // A new partition is answered once even with nothing to say (its HW was never sent).
    expect(names(c.respond(results(c.partitions(), { 't-1': {}, 't-2': {} })).partitions)).toEqual(['u-0']);
    expect(m.cache.totalPartitions).toBe(3);
    const emptied = ctx(m, id, 2, [], [ref('t', 1), ref('t', 2), ref('u', 0)]);
    expect(emptied.kind).toBe('sessionless');
    expect(m.cache.size).toBe(0);
    expect(ctx(m, id, 3, []).respond([]).errorCode).toBe(ErrorCode.FETCH_SESSION_ID_NOT_FOUND);
  });

  test('unknown session ids, wrong epochs and topic-id mismatches are session errors', () => {
    const m = manager();
    const id = open(m);
    const unknown = ctx(m, 4242, 1, [['t', 0, 0]]);
    expect(unknown.kind).toBe('session-error');
    expect(unknown.partitions()).toEqual([]);
    expect(unknown.respond([])).toEqual({ errorCode: ErrorCode.FETCH_SESSION_ID_NOT_FOUND, sessionId: INVALID_SESSION_ID, partitions: [] });
    expect(ctx(m, id, 5, []).respond([]).errorCode).toBe(ErrorCode.INVALID_FETCH_SESSION_EPOCH);
    expect(ctx(m, id, 1, [], [], 13).respond([]).errorCode).toBe(ErrorCode.FETCH_SESSION_TOPIC_ID_ERROR);
    // The errors did not advance the session: epoch 1 still works.
    expect(ctx(m, id, 1, []).kind).toBe('incremental');
  });

  test('a second request of the same epoch supersedes the first (duplicate request)', () => {
    const m = manager();
    const id = open(m);
    const first = ctx(m, id, 1, []);
    const parts = first.partitions();
    // The client timed out and sent epoch 2 before the broker answered epoch 1.
    const second = ctx(m, id, 2, []);
    expect(first.respond(results(parts)).errorCode).toBe(ErrorCode.INVALID_FETCH_SESSION_EPOCH);
    expect(second.respond(results(second.partitions())).errorCode).toBe(ErrorCode.NONE);
  });

  test('a full fetch naming a session closes it', () => {
    const m = manager();
    const id = open(m);
    const again = ctx(m, id, INITIAL_EPOCH, [['t', 0, 0]]);
    expect(m.cache.get(id)).toBeUndefined();
    expect(again.respond(results(again.partitions())).sessionId).toBe(102);
    ctx(m, 102, FINAL_EPOCH, []);
    expect(m.cache.size).toBe(0);
  });

  test('epochs wrap from 2^31-1 to 1', () => {
    expect(nextEpoch(2147483647)).toBe(1);
    expect(nextEpoch(FINAL_EPOCH)).toBe(FINAL_EPOCH);
  });

  describe('eviction', () => {
    const create = (m: FetchManager, size: number, isFollower = false) => {
      const parts: [string, number, number][] = Array.from({ length: size }, (_, i) => ['t', i, 0]);
      const c = m.newContext({ version: 12, sessionId: 0, epoch: 0, isFollower, fetchData: request(parts), toForget: [], topicName: () => undefined, now });
      return c.respond(results(c.partitions())).sessionId;
    };

    test('a full cache gives no session to an equal newcomer; a stale session is evicted', () => {
      now = 1_000;
      const m = manager(2);
      expect(create(m, 3)).toBe(101);
      expect(create(m, 3)).toBe(102);
      expect(create(m, 3)).toBe(INVALID_SESSION_ID);
      // 101 is used again; 102 then idles past the eviction time.
      now += 60_000;
      expect(ctx(m, 101, 1, []).kind).toBe('incremental');
      now += FETCH_SESSION_EVICTION_MS - 59_999;
      expect(create(m, 1)).toBe(103);
      expect(m.cache.get(102)).toBeUndefined();
      expect(m.cache.get(101)).toBeDefined();
      expect(m.cache.evictions).toBe(1);
    });

    test('young sessions are protected, except a consumer session from a follower; an old small one yields to a bigger one', () => {
      now = 1_000;
      const m = manager(2);
      expect(create(m, 5)).toBe(101);
      expect(create(m, 2)).toBe(102);
      expect(create(m, 9)).toBe(INVALID_SESSION_ID); // both younger than the eviction time
      expect(create(m, 1, true)).toBe(103); // a follower takes the smallest consumer session
      expect(m.cache.get(102)).toBeUndefined();
      // Keep them busy (not stale) but let them age.
      for (let i = 0; i < 3; i++) {
        now += 50_000;
        for (const id of [101, 103]) {
          const s = m.cache.get(id);
          if (s) ctx(m, id, s.epoch, []);
        }
      }
      expect(create(m, 4)).toBe(INVALID_SESSION_ID); // smaller than 101 and not privileged
      expect(create(m, 6)).toBe(104); // bigger than consumer session 101 (5)
      expect(m.cache.get(101)).toBeUndefined();
      expect(m.cache.get(103)).toBeDefined();
    });

    test('no slots: never a session', () => {
      const m = manager(0);
      expect(create(m, 3)).toBe(INVALID_SESSION_ID);
    });
  });
});
