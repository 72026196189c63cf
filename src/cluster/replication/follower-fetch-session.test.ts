/** The follower's side of an incremental fetch session: what each fetch names, and when it starts over. */
import { FollowerFetchSession, sessionKey, type SessionFetch, type SessionPartition } from './follower-fetch-session';

function wanted(...parts: [partition: number, fetchOffset: number][]): Map<string, SessionPartition> {
  return new Map(parts.map(([partition, fetchOffset]) => [sessionKey('T', partition), { topic: 't', topicId: 'T', partition, currentLeaderEpoch: 1, fetchOffset, logStartOffset: 0, maxBytes: 1024 }]));
}

const named = (f: SessionFetch) => f.partitions.map((p) => `${p.partition}@${p.fetchOffset}`);

describe('FollowerFetchSession', () => {
  it('names every partition once, then only those whose position moved, and forgets those no longer fetched', () => {
    const s = new FollowerFetchSession();
    const full = s.build(wanted([0, 5], [1, 7], [2, 9]));
    expect([full.sessionId, full.sessionEpoch, named(full)]).toEqual([0, 0, ['0@5', '1@7', '2@9']]);
    s.answered(full, 42);

    const idle = s.build(wanted([0, 5], [1, 7], [2, 9]));
    expect([idle.sessionId, idle.sessionEpoch, named(idle), idle.forgotten]).toEqual([42, 1, [], []]);
    s.answered(idle, 42);

    const moved = s.build(wanted([0, 6], [1, 7]));
    expect([moved.sessionEpoch, named(moved), moved.forgotten.map((p) => p.partition)]).toEqual([2, ['0@6'], [2]]);
    s.answered(moved, 42);

    // Partition 2 is back (say, after a backoff): named in full again.
    const back = s.build(wanted([0, 6], [1, 7], [2, 9]));
    expect([back.sessionEpoch, named(back)]).toEqual([3, ['2@9']]);
  });

  it('starts over with a full fetch after a failure, or when the leader keeps no session', () => {
    const s = new FollowerFetchSession();
    s.answered(s.build(wanted([0, 5])), 42);
    s.reset();
    const full = s.build(wanted([0, 5]));
    expect([full.sessionId, full.sessionEpoch, named(full)]).toEqual([0, 0, ['0@5']]);
    // The leader had no room for a session: the next fetch is full too.
    s.answered(full, 0);
    expect(named(s.build(wanted([0, 5])))).toEqual(['0@5']);
  });

  it('does not change what the session holds until the leader has answered', () => {
    const s = new FollowerFetchSession();
    s.answered(s.build(wanted([0, 5])), 42);
    s.build(wanted([0, 6])); // sent, never answered (the connection broke: the fetcher resets)
    const again = s.build(wanted([0, 6]));
    expect([again.sessionEpoch, named(again)]).toEqual([1, ['0@6']]);
  });
});
