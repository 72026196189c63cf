import { ErrorCode } from '../../protocol/errors';
import { ManualScheduler } from '../../time/manual-scheduler';
import { type MarkerPartition, TransactionMarkerChannel, type TransactionMarkerEntry, type TransactionMarkerRequest } from './transaction-marker-channel';

/** A request the channel sent, answered by the test. */
interface Sent {
  brokerId: number;
  entries: readonly TransactionMarkerEntry[];
  answer: (codes: ErrorCode[][]) => Promise<void>;
  fail: (message: string) => Promise<void>;
}

/** Lets the channel's promise callbacks run. */
const settle = () => new Promise((r) => setImmediate(r));

function setup(leaders: Map<string, number | null>) {
  const clock = new ManualScheduler();
  const sent: Sent[] = [];
  const channel = new TransactionMarkerChannel({
    leaderOf: (topic, partition) => {
      const l = leaders.get(`${topic}-${partition}`);
      return l === undefined ? null : l;
    },
    send: (brokerId, entries) =>
      new Promise((resolve, reject) => {
        sent.push({
          brokerId,
          entries,
          answer: async (codes) => {
            resolve(codes);
            await settle();
          },
          fail: async (message) => {
            reject(new Error(message));
            await settle();
          },
        });
      }),
    scheduler: clock,
    retryBackoffMs: 100,
  });
  return { clock, sent, channel };
}

function request(id: string, partitions: MarkerPartition[], state: { current: boolean; completed: number }, txnPartition = 0): TransactionMarkerRequest {
  return {
    transactionalId: id,
    txnPartition,
    marker: { producerId: id.length, producerEpoch: 2, coordinatorEpoch: 4, commit: true },
    partitions,
    isCurrent: () => state.current,
    onComplete: () => state.completed++,
  };
}

const tp = (topic: string, partition: number): MarkerPartition => ({ topic, partition });
const names = (s: Sent) => s.entries.map((e) => e.partitions.map((p) => `${p.topic}-${p.partition}`));

describe('TransactionMarkerChannel', () => {
  test('markers go to each partition leader, one request per broker; the transaction completes once every broker has written', async () => {
    const { sent, channel } = setup(new Map([['a-0', 1], ['a-1', 2], ['b-0', 1]]));
    const state = { current: true, completed: 0 };
    channel.addMarkers(request('tx', [tp('a', 0), tp('a', 1), tp('b', 0)], state));
    expect(sent.map((s) => [s.brokerId, names(s)])).toEqual([
      [1, [['a-0', 'b-0']]],
      [2, [['a-1']]],
    ]);
    expect(sent[0]?.entries[0]).toMatchObject({ producerId: 2, producerEpoch: 2, coordinatorEpoch: 4, commit: true });
    await sent[0]!.answer([[ErrorCode.NONE, ErrorCode.NONE]]);
    expect(state.completed).toBe(0);
    await sent[1]!.answer([[ErrorCode.NONE]]);
    expect(state.completed).toBe(1);
    expect(channel.pendingTransactions).toBe(0);
  });

  test('one request in flight per broker: markers queued meanwhile go together in the next one', async () => {
    const { sent, channel } = setup(new Map([['a-0', 1], ['a-1', 1]]));
    const s1 = { current: true, completed: 0 };
    const s2 = { current: true, completed: 0 };
    const s3 = { current: true, completed: 0 };
    channel.addMarkers(request('t1', [tp('a', 0)], s1));
    channel.addMarkers(request('t22', [tp('a', 0)], s2));
    channel.addMarkers(request('t333', [tp('a', 1)], s3));
    expect(sent).toHaveLength(1);
    await sent[0]!.answer([[ErrorCode.NONE]]);
    expect(sent).toHaveLength(2);
    expect(names(sent[1]!)).toEqual([['a-0'], ['a-1']]);
    await sent[1]!.answer([[ErrorCode.NONE], [ErrorCode.NONE]]);
    expect([s1.completed, s2.completed, s3.completed]).toEqual([1, 1, 1]);
  });

  test('NOT_LEADER_OR_FOLLOWER and the other retriable errors: sent again after the backoff, to the leader of the moment', async () => {
    const leaders = new Map<string, number | null>([['a-0', 1], ['a-1', 1]]);
    const { sent, channel, clock } = setup(leaders);
    const state = { current: true, completed: 0 };
    channel.addMarkers(request('tx', [tp('a', 0), tp('a', 1)], state));
    leaders.set('a-0', 3);
    await sent[0]!.answer([[ErrorCode.NOT_LEADER_OR_FOLLOWER, ErrorCode.NOT_ENOUGH_REPLICAS]]);
    expect(sent).toHaveLength(1);
    clock.advance(99);
    expect(sent).toHaveLength(1);
    clock.advance(1);
    expect(sent.slice(1).map((s) => [s.brokerId, names(s)])).toEqual([
      [3, [['a-0']]],
      [1, [['a-1']]],
    ]);
    await sent[1]!.answer([[ErrorCode.NONE]]);
    await sent[2]!.answer([[ErrorCode.REQUEST_TIMED_OUT]]);
    clock.advance(100);
    await sent[3]!.answer([[ErrorCode.NONE]]);
    expect(state.completed).toBe(1);
  });

  test('a lost connection: every marker of the request is sent again to the current leaders', async () => {
    const leaders = new Map<string, number | null>([['a-0', 1]]);
    const { sent, channel, clock } = setup(leaders);
    const state = { current: true, completed: 0 };
    channel.addMarkers(request('tx', [tp('a', 0)], state));
    leaders.set('a-0', 2);
    await sent[0]!.fail('connection to 127.0.0.1:1 closed');
    clock.advance(100);
    expect(sent[1]?.brokerId).toBe(2);
    await sent[1]!.answer([[ErrorCode.NONE]]);
    expect(state.completed).toBe(1);
  });

  test('a partition without a leader waits, and is looked up again until it has one', async () => {
    const leaders = new Map<string, number | null>([['a-0', -1]]);
    const { sent, channel, clock } = setup(leaders);
    const state = { current: true, completed: 0 };
    channel.addMarkers(request('tx', [tp('a', 0)], state));
    expect(sent).toHaveLength(0);
    clock.advance(100);
    expect(sent).toHaveLength(0);
    leaders.set('a-0', 2);
    clock.advance(100);
    expect(sent.map((s) => s.brokerId)).toEqual([2]);
    await sent[0]!.answer([[ErrorCode.NONE]]);
    expect(state.completed).toBe(1);
  });

  test('a deleted partition needs no marker, at once or when it is gone by the retry', async () => {
    const leaders = new Map<string, number | null>([['a-0', 1], ['a-1', 1]]);
    const { sent, channel, clock } = setup(leaders);
    const state = { current: true, completed: 0 };
    channel.addMarkers(request('tx', [tp('gone', 0), tp('a', 0), tp('a', 1)], state));
    expect(names(sent[0]!)).toEqual([['a-0', 'a-1']]);
    leaders.delete('a-1');
    await sent[0]!.answer([[ErrorCode.NONE, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION]]);
    clock.advance(100);
    expect(sent).toHaveLength(1);
    expect(state.completed).toBe(1);
  });

  test('INVALID_PRODUCER_EPOCH or TRANSACTION_COORDINATOR_FENCED: the markers are cancelled and the transaction is not completed', async () => {
    for (const code of [ErrorCode.INVALID_PRODUCER_EPOCH, ErrorCode.TRANSACTION_COORDINATOR_FENCED]) {
      const { sent, channel, clock } = setup(new Map([['a-0', 1], ['a-1', 1]]));
      const state = { current: true, completed: 0 };
      channel.addMarkers(request('tx', [tp('a', 0), tp('a', 1)], state));
      await sent[0]!.answer([[ErrorCode.NOT_LEADER_OR_FOLLOWER, code]]);
      clock.advance(1000);
      expect(sent).toHaveLength(1);
      expect(state.completed).toBe(0);
      expect(channel.pendingTransactions).toBe(0);
    }
  });

  test('UNSUPPORTED_FOR_MESSAGE_FORMAT: the partition needs no marker; an unexpected error is retried, never skipped', async () => {
    const { sent, channel, clock } = setup(new Map([['a-0', 1], ['a-1', 1]]));
    const state = { current: true, completed: 0 };
    channel.addMarkers(request('tx', [tp('a', 0), tp('a', 1)], state));
    await sent[0]!.answer([[ErrorCode.UNSUPPORTED_FOR_MESSAGE_FORMAT, ErrorCode.CORRUPT_MESSAGE]]);
    expect(state.completed).toBe(0);
    clock.advance(100);
    expect(names(sent[1]!)).toEqual([['a-1']]);
    await sent[1]!.answer([[ErrorCode.NONE]]);
    expect(state.completed).toBe(1);
  });

  test('no longer the coordinator (moved, or reloaded in a newer epoch): nothing more is sent, nothing completed', async () => {
    const { sent, channel, clock } = setup(new Map([['a-0', 1], ['b-0', 2]]));
    const moved = { current: true, completed: 0 };
    const unloaded = { current: true, completed: 0 };
    channel.addMarkers(request('t1', [tp('a', 0)], moved, 0));
    channel.addMarkers(request('t22', [tp('b', 0)], unloaded, 7));
    moved.current = false;
    await sent[0]!.answer([[ErrorCode.NOT_LEADER_OR_FOLLOWER]]);
    channel.removeMarkersFor(7);
    await sent[1]!.answer([[ErrorCode.NONE]]);
    clock.advance(1000);
    expect(sent).toHaveLength(2);
    expect([moved.completed, unloaded.completed]).toEqual([0, 0]);
    expect(channel.pendingTransactions).toBe(0);
  });
});
