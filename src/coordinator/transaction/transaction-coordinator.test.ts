import { ErrorCode } from '../../protocol/errors';
import { ManualScheduler } from '../../time/manual-scheduler';
import { MemoryTransactionStore } from './memory-transaction-store';
import {
  TransactionCoordinator,
  type TransactionCoordinatorConfig,
  type TransactionMarker,
  type TransactionMarkerSender,
} from './transaction-coordinator';
import type { TransactionMarkerRequest } from './transaction-marker-channel';
import { decodeTransactionLogKey, decodeTransactionLogValue, encodeTransactionLogKey, encodeTransactionLogValue } from './transaction-log-records';

const CONFIG: TransactionCoordinatorConfig = {
  transactionMaxTimeoutMs: 900_000,
  transactionalIdExpirationMs: 7 * 24 * 3600 * 1000,
  abortTimedOutTransactionsIntervalMs: 10_000,
  removeExpiredTransactionalIdsIntervalMs: 3_600_000,
};

interface WrittenMarker extends TransactionMarker {
  topic: string;
  partition: number;
}

/**
 * A marker channel that writes at once, except to the `failing` partitions,
 * whose markers wait until `retry()` (the real channel's retries are
 * tested in transaction-marker-channel.test.ts).
 */
class FakeMarkers implements TransactionMarkerSender {
  readonly written: WrittenMarker[] = [];
  failing = new Set<string>();
  private pending: { request: TransactionMarkerRequest; left: { topic: string; partition: number }[] }[] = [];
  addMarkers(request: TransactionMarkerRequest): void {
    this.pending.push({ request, left: [...request.partitions] });
    this.retry();
  }
  retry(): void {
    for (const p of this.pending.splice(0)) {
      if (!p.request.isCurrent()) continue;
      p.left = p.left.filter((tp) => {
        if (this.failing.has(`${tp.topic}-${tp.partition}`)) return true;
        const marker: TransactionMarker = p.request.marker;
        this.written.push({ topic: tp.topic, partition: tp.partition, ...marker });
        return false;
      });
      if (p.left.length > 0) this.pending.push(p);
      else p.request.onComplete();
    }
  }
  removeMarkersFor(txnPartition: number): void {
    this.pending = this.pending.filter((p) => p.request.txnPartition !== txnPartition);
  }
  close(): void {
    this.pending = [];
  }
}

function setup(config: Partial<TransactionCoordinatorConfig> = {}, store = new MemoryTransactionStore(), clock = new ManualScheduler()) {
  const markers = new FakeMarkers();
  let nextId = 1000;
  const tc = new TransactionCoordinator({ ...CONFIG, ...config }, clock, store, markers, () => nextId++);
  tc.start();
  return { tc, store, clock, markers };
}

/** A transactional id's record as an earlier coordinator left it in the store. */
function stored(store: MemoryTransactionStore, id: string, value: Parameters<typeof encodeTransactionLogValue>[0]): void {
  store.append(id, { key: encodeTransactionLogKey(id), value: encodeTransactionLogValue(value) });
}

const P0 = { topic: 'out', partition: 0 };
const P1 = { topic: 'out', partition: 1 };

describe('TransactionCoordinator', () => {
  test('InitProducerId: a new id gets epoch 0, each re-init bumps the epoch and is persisted', () => {
    const { tc, store } = setup();
    const first = tc.initProducerId('tx', 60_000, null);
    expect(first).toEqual({ errorCode: ErrorCode.NONE, producerId: 1000, producerEpoch: 0 });
    expect(tc.initProducerId('tx', 60_000, null)).toEqual({ errorCode: ErrorCode.NONE, producerId: 1000, producerEpoch: 1 });
    const last = store.records[store.records.length - 1];
    expect(decodeTransactionLogKey(last?.key as Buffer)).toBe('tx');
    expect(decodeTransactionLogValue(last?.value as Buffer)).toMatchObject({ producerId: 1000, producerEpoch: 1, state: 'Empty', transactionTimeoutMs: 60_000 });
    expect(tc.initProducerId('tx', 0, null).errorCode).toBe(ErrorCode.INVALID_TRANSACTION_TIMEOUT);
    expect(tc.initProducerId('tx', 900_001, null).errorCode).toBe(ErrorCode.INVALID_TRANSACTION_TIMEOUT);
  });

  test('InitProducerId while the broker has no producer id block yet is COORDINATOR_LOAD_IN_PROGRESS, and nothing is stored', () => {
    const store = new MemoryTransactionStore();
    let block: number | null = null;
    const tc = new TransactionCoordinator(CONFIG, new ManualScheduler(), store, new FakeMarkers(), () => block);
    tc.start();
    expect(tc.initProducerId('tx', 60_000, null)).toEqual({ errorCode: ErrorCode.COORDINATOR_LOAD_IN_PROGRESS, producerId: -1, producerEpoch: -1 });
    expect(store.records).toHaveLength(0);
    block = 7000;
    expect(tc.initProducerId('tx', 60_000, null)).toEqual({ errorCode: ErrorCode.NONE, producerId: 7000, producerEpoch: 0 });
  });

  test('a transaction: AddPartitions begins it, EndTxn writes prepare, markers everywhere, complete', () => {
    const { tc, store, markers, clock } = setup();
    const { producerId, producerEpoch } = tc.initProducerId('tx', 60_000, null);
    expect(tc.addPartitions('tx', producerId, producerEpoch, [P0])).toBe(ErrorCode.NONE);
    expect(tc.transaction('tx')?.state).toBe('Ongoing');
    const started = tc.transaction('tx')?.startTimestamp;
    expect(started).toBe(clock.now());
    clock.advance(5);
    expect(tc.addPartitions('tx', producerId, producerEpoch, [P0, P1])).toBe(ErrorCode.NONE);
    expect(tc.transaction('tx')?.startTimestamp).toBe(started);
    const before = store.records.length;
    expect(tc.addPartitions('tx', producerId, producerEpoch, [P1])).toBe(ErrorCode.NONE);
    expect(store.records.length).toBe(before); // nothing new: no write
    expect(tc.verifyPartition('tx', producerId, producerEpoch, 'out', 1)).toBe(ErrorCode.NONE);
    expect(tc.verifyPartition('tx', producerId, producerEpoch, 'out', 2)).toBe(ErrorCode.INVALID_TXN_STATE);

    expect(tc.endTransaction('tx', producerId, producerEpoch, true)).toBe(ErrorCode.NONE);
    expect(markers.written.map((m) => [m.partition, m.commit, m.producerEpoch])).toEqual([
      [0, true, 0],
      [1, true, 0],
    ]);
    const states = store.records.map((r) => decodeTransactionLogValue(r.value as Buffer).state);
    expect(states.slice(-2)).toEqual(['PrepareCommit', 'CompleteCommit']);
    expect(decodeTransactionLogValue(store.records[store.records.length - 2]?.value as Buffer).partitions).toEqual(new Map([['out', [0, 1]]]));
    expect(tc.transaction('tx')?.state).toBe('CompleteCommit');
    // A retry of the same EndTxn succeeds; the other outcome is refused; an empty one too.
    expect(tc.endTransaction('tx', producerId, producerEpoch, true)).toBe(ErrorCode.NONE);
    expect(tc.endTransaction('tx', producerId, producerEpoch, false)).toBe(ErrorCode.INVALID_TXN_STATE);
    tc.initProducerId('tx', 60_000, null);
    expect(tc.endTransaction('tx', producerId, producerEpoch + 1, true)).toBe(ErrorCode.INVALID_TXN_STATE);
  });

  test('producer checks: unknown id, other producer id, old epoch', () => {
    const { tc } = setup();
    const { producerId, producerEpoch } = tc.initProducerId('tx', 60_000, null);
    expect(tc.addPartitions('nope', producerId, producerEpoch, [P0])).toBe(ErrorCode.INVALID_PRODUCER_ID_MAPPING);
    expect(tc.addPartitions('tx', producerId + 1, producerEpoch, [P0])).toBe(ErrorCode.INVALID_PRODUCER_ID_MAPPING);
    tc.initProducerId('tx', 60_000, null); // a second producer fences the first
    expect(tc.addPartitions('tx', producerId, producerEpoch, [P0])).toBe(ErrorCode.PRODUCER_FENCED);
    expect(tc.endTransaction('tx', producerId, producerEpoch, true)).toBe(ErrorCode.PRODUCER_FENCED);
    expect(tc.verifyPartition('tx', producerId, producerEpoch, 'out', 0)).toBe(ErrorCode.PRODUCER_FENCED);
  });

  test('re-init with an open transaction aborts it with a bumped epoch and answers CONCURRENT_TRANSACTIONS', () => {
    const { tc, markers } = setup();
    const { producerId } = tc.initProducerId('tx', 60_000, null);
    tc.addPartitions('tx', producerId, 0, [P0, P1]);
    expect(tc.initProducerId('tx', 60_000, null).errorCode).toBe(ErrorCode.CONCURRENT_TRANSACTIONS);
    expect(markers.written.map((m) => [m.partition, m.commit, m.producerEpoch])).toEqual([
      [0, false, 1],
      [1, false, 1],
    ]);
    expect(tc.transaction('tx')?.state).toBe('CompleteAbort');
    expect(tc.initProducerId('tx', 60_000, null)).toEqual({ errorCode: ErrorCode.NONE, producerId, producerEpoch: 2 });
  });

  test('a transaction open past its timeout is aborted by the periodic check, fencing its producer', () => {
    const { tc, markers, clock } = setup();
    const { producerId } = tc.initProducerId('tx', 15_000, null);
    tc.addPartitions('tx', producerId, 0, [P0]);
    clock.advance(10_000);
    expect(tc.transaction('tx')?.state).toBe('Ongoing');
    clock.advance(10_000);
    expect(tc.transaction('tx')?.state).toBe('CompleteAbort');
    expect(markers.written).toEqual([{ topic: 'out', partition: 0, producerId, producerEpoch: 1, coordinatorEpoch: 0, commit: false }]);
    expect(tc.endTransaction('tx', producerId, 0, true)).toBe(ErrorCode.PRODUCER_FENCED);
    expect(tc.list(['Ongoing'], [], -1).transactions).toEqual([]);
  });

  test('a prepared transaction found on start is completed: markers written, Complete persisted', () => {
    const store = new MemoryTransactionStore();
    const now = new ManualScheduler().now();
    store.append('tx', {
      key: encodeTransactionLogKey('tx'),
      value: encodeTransactionLogValue({
        producerId: 42,
        producerEpoch: 3,
        transactionTimeoutMs: 60_000,
        state: 'PrepareCommit',
        partitions: new Map([['out', [0, 1]], ['__consumer_offsets', [7]]]),
        lastUpdateTimestampMs: now,
        startTimestampMs: now,
      }),
    });
    const { tc, markers } = setup({}, store);
    expect(markers.written.map((m) => [m.topic, m.partition, m.commit, m.producerId, m.producerEpoch])).toEqual([
      ['out', 0, true, 42, 3],
      ['out', 1, true, 42, 3],
      ['__consumer_offsets', 7, true, 42, 3],
    ]);
    expect(tc.transaction('tx')?.state).toBe('CompleteCommit');
    expect(decodeTransactionLogValue(store.records[store.records.length - 1]?.value as Buffer).state).toBe('CompleteCommit');
    // A restart after that replays to the completed state and writes nothing more.
    const again = setup({}, store);
    expect(again.markers.written).toEqual([]);
    expect(again.tc.transaction('tx')?.state).toBe('CompleteCommit');
  });

  test('markers that cannot be written are retried; meanwhile the id is busy', () => {
    const { tc, markers, clock } = setup();
    const { producerId } = tc.initProducerId('tx', 60_000, null);
    tc.addPartitions('tx', producerId, 0, [P0, P1]);
    markers.failing.add('out-1');
    expect(tc.endTransaction('tx', producerId, 0, false)).toBe(ErrorCode.NONE);
    expect(tc.transaction('tx')?.state).toBe('PrepareAbort');
    expect(tc.endTransaction('tx', producerId, 0, false)).toBe(ErrorCode.CONCURRENT_TRANSACTIONS);
    expect(tc.addPartitions('tx', producerId, 0, [P0])).toBe(ErrorCode.CONCURRENT_TRANSACTIONS);
    expect(tc.initProducerId('tx', 60_000, null).errorCode).toBe(ErrorCode.CONCURRENT_TRANSACTIONS);
    markers.failing.clear();
    markers.retry();
    expect(tc.transaction('tx')?.state).toBe('CompleteAbort');
    expect(markers.written.map((m) => m.partition)).toEqual([0, 1]);
  });

  test('failover: a partition led elsewhere is NOT_COORDINATOR; loaded, its prepared transaction completes with the new coordinator epoch; unloaded, it is forgotten', () => {
    const store = new MemoryTransactionStore();
    const now = new ManualScheduler().now();
    stored(store, 'tx', {
      producerId: 42,
      producerEpoch: 3,
      transactionTimeoutMs: 60_000,
      state: 'PrepareAbort',
      partitions: new Map([['out', [0]]]),
      lastUpdateTimestampMs: now,
      startTimestampMs: now,
    });
    store.led = false;
    const { tc, markers } = setup({}, store);
    expect(tc.initProducerId('tx', 60_000, null).errorCode).toBe(ErrorCode.NOT_COORDINATOR);
    expect(tc.addPartitions('tx', 42, 3, [P0])).toBe(ErrorCode.NOT_COORDINATOR);
    expect(tc.endTransaction('tx', 42, 3, false)).toBe(ErrorCode.NOT_COORDINATOR);
    expect(tc.describe('tx').errorCode).toBe(ErrorCode.NOT_COORDINATOR);
    expect(markers.written).toEqual([]);
    // This broker becomes the partition's leader in epoch 5.
    store.led = true;
    store.epoch = 5;
    tc.loadPartitions([0]);
    expect(markers.written).toEqual([{ topic: 'out', partition: 0, producerId: 42, producerEpoch: 3, coordinatorEpoch: 5, commit: false }]);
    expect(tc.transaction('tx')?.state).toBe('CompleteAbort');
    expect(tc.initProducerId('tx', 60_000, null)).toEqual({ errorCode: ErrorCode.NONE, producerId: 42, producerEpoch: 4 });
    tc.unloadPartitions([0]);
    expect(tc.transaction('tx')).toBeUndefined();
    expect(tc.initProducerId('tx', 60_000, null).errorCode).toBe(ErrorCode.NOT_COORDINATOR);
  });

  test('failover: markers pending when the partition is unloaded are dropped and the transaction is not completed here', () => {
    const { tc, markers, store } = setup();
    const { producerId } = tc.initProducerId('tx', 60_000, null);
    tc.addPartitions('tx', producerId, 0, [P0]);
    markers.failing.add('out-0');
    expect(tc.endTransaction('tx', producerId, 0, true)).toBe(ErrorCode.NONE);
    const records = store.records.length;
    tc.unloadPartitions([0]);
    markers.failing.clear();
    markers.retry();
    expect(markers.written).toEqual([]);
    expect(store.records.length).toBe(records);
    // The next leader (here: this broker again, in a newer epoch) finds it prepared and completes it.
    store.epoch = 1;
    tc.loadPartitions([0]);
    expect(markers.written.map((m) => [m.partition, m.commit, m.coordinatorEpoch])).toEqual([[0, true, 1]]);
    expect(tc.transaction('tx')?.state).toBe('CompleteCommit');
  });

  test('failover: an Ongoing transaction loaded from the log is aborted once its timeout has passed since it began', () => {
    const store = new MemoryTransactionStore();
    const clock = new ManualScheduler();
    stored(store, 'tx', {
      producerId: 7,
      producerEpoch: 0,
      transactionTimeoutMs: 15_000,
      state: 'Ongoing',
      partitions: new Map([['out', [1]]]),
      lastUpdateTimestampMs: clock.now() - 10_000,
      startTimestampMs: clock.now() - 10_000,
    });
    const { tc, markers } = setup({}, store, clock);
    expect(tc.transaction('tx')?.state).toBe('Ongoing');
    clock.advance(10_000);
    expect(tc.transaction('tx')?.state).toBe('CompleteAbort');
    expect(markers.written).toEqual([{ topic: 'out', partition: 1, producerId: 7, producerEpoch: 1, coordinatorEpoch: 0, commit: false }]);
  });

  test('a failed state write changes nothing and answers a retriable error', () => {
    const { tc, store } = setup();
    const { producerId } = tc.initProducerId('tx', 60_000, null);
    store.failWith = ErrorCode.NOT_ENOUGH_REPLICAS;
    expect(tc.addPartitions('tx', producerId, 0, [P0])).toBe(ErrorCode.COORDINATOR_NOT_AVAILABLE);
    expect(tc.transaction('tx')?.state).toBe('Empty');
    expect(tc.initProducerId('other', 60_000, null).errorCode).toBe(ErrorCode.COORDINATOR_NOT_AVAILABLE);
    expect(tc.transaction('other')).toBeUndefined();
  });

  test('KIP-360: a recovering producer keeps its id; a stale one is fenced; a retried bump gets the same answer', () => {
    const { tc } = setup();
    const { producerId } = tc.initProducerId('tx', 60_000, null);
    expect(tc.initProducerId('tx', 60_000, { producerId, producerEpoch: 0 })).toEqual({ errorCode: ErrorCode.NONE, producerId, producerEpoch: 1 });
    expect(tc.initProducerId('tx', 60_000, { producerId, producerEpoch: 0 })).toEqual({ errorCode: ErrorCode.NONE, producerId, producerEpoch: 1 });
    tc.initProducerId('tx', 60_000, null); // epoch 2, a new producer: the last epoch is forgotten
    expect(tc.initProducerId('tx', 60_000, { producerId, producerEpoch: 1 }).errorCode).toBe(ErrorCode.PRODUCER_FENCED);
    expect(tc.initProducerId('tx', 60_000, { producerId: producerId + 99, producerEpoch: 2 }).errorCode).toBe(ErrorCode.PRODUCER_FENCED);
  });

  test('an exhausted epoch rotates to a new producer id', () => {
    const store = new MemoryTransactionStore();
    store.append('tx', {
      key: encodeTransactionLogKey('tx'),
      value: encodeTransactionLogValue({
        producerId: 5,
        producerEpoch: 32766,
        transactionTimeoutMs: 60_000,
        state: 'Empty',
        partitions: new Map(),
        lastUpdateTimestampMs: 0,
        startTimestampMs: -1,
      }),
    });
    const { tc } = setup({}, store);
    expect(tc.initProducerId('tx', 60_000, null)).toEqual({ errorCode: ErrorCode.NONE, producerId: 1000, producerEpoch: 0 });
  });

  test('idle transactional ids expire (tombstoned); open ones do not', () => {
    const { tc, store, clock } = setup({ transactionalIdExpirationMs: 60_000, removeExpiredTransactionalIdsIntervalMs: 10_000 });
    tc.initProducerId('idle', 60_000, null);
    const busy = tc.initProducerId('busy', 900_000, null);
    tc.addPartitions('busy', busy.producerId, 0, [P0]);
    clock.advance(70_000);
    expect(tc.transaction('idle')).toBeUndefined();
    expect(tc.transaction('busy')?.state).toBe('Ongoing');
    const tomb = store.records.find((r) => r.value === null);
    expect(tomb && decodeTransactionLogKey(tomb.key)).toBe('idle');
    expect(tc.describe('idle').errorCode).toBe(ErrorCode.TRANSACTIONAL_ID_NOT_FOUND);
    // A restart replays the tombstone.
    expect(setup({}, store).tc.transaction('idle')).toBeUndefined();
  });

  test('DescribeTransactions and ListTransactions', () => {
    const { tc, clock } = setup();
    const a = tc.initProducerId('a', 60_000, null);
    tc.initProducerId('b', 60_000, null);
    tc.addPartitions('a', a.producerId, 0, [P1, P0, { topic: 'alpha', partition: 3 }]);
    clock.advance(2_000);
    expect(tc.describe('a')).toEqual({
      errorCode: ErrorCode.NONE,
      transactionalId: 'a',
      state: 'Ongoing',
      timeoutMs: 60_000,
      startTimestamp: clock.now() - 2_000,
      producerId: a.producerId,
      producerEpoch: 0,
      topics: [
        { topic: 'alpha', partitions: [3] },
        { topic: 'out', partitions: [0, 1] },
      ],
    });
    expect(tc.list([], [], -1).transactions.map((t) => t.transactionalId).sort()).toEqual(['a', 'b']);
    expect(tc.list(['Ongoing'], [], -1).transactions.map((t) => t.transactionalId)).toEqual(['a']);
    expect(tc.list([], [a.producerId], -1).transactions.map((t) => t.transactionalId)).toEqual(['a']);
    expect(tc.list(['Ongoing', 'Bogus'], [], -1).unknownStates).toEqual(['Bogus']);
    expect(tc.list(['Bogus'], [], -1).transactions).toEqual([]);
    expect(tc.list(['Ongoing'], [], 1_000).transactions.map((t) => t.transactionalId)).toEqual(['a']);
    expect(tc.list(['Ongoing'], [], 5_000).transactions).toEqual([]);
  });
});

describe('__transaction_state record formats', () => {
  test('TransactionLogKey v0 and TransactionLogValue v0 byte layout', () => {
    expect(encodeTransactionLogKey('tx').toString('hex')).toBe('0000' + '0002' + '7478');
    const value = encodeTransactionLogValue({
      producerId: 1,
      producerEpoch: 2,
      transactionTimeoutMs: 3,
      state: 'Ongoing',
      partitions: new Map([['t', [0, 5]]]),
      lastUpdateTimestampMs: 4,
      startTimestampMs: 5,
    });
    expect(value.toString('hex')).toBe(
      '0000' + '0000000000000001' + '0002' + '00000003' + '01' + '00000001' + '0001' + '74' + '00000002' + '00000000' + '00000005' + '0000000000000004' + '0000000000000005',
    );
    const empty = encodeTransactionLogValue({ producerId: 1, producerEpoch: 0, transactionTimeoutMs: 3, state: 'Empty', partitions: new Map(), lastUpdateTimestampMs: 4, startTimestampMs: -1 });
    expect(empty.subarray(17, 21).readInt32BE(0)).toBe(-1); // null partitions in Empty, as Kafka writes
    expect(decodeTransactionLogValue(empty)).toMatchObject({ state: 'Empty', partitions: new Map() });
  });

  test('the flexible v1 value decodes', () => {
    const v1 = Buffer.from(
      '0001' + '0000000000000001' + '0002' + '00000003' + '02' + '02' + '02' + '74' + '02' + '00000009' + '00' + '0000000000000004' + '0000000000000005' + '00',
      'hex',
    );
    expect(decodeTransactionLogValue(v1)).toEqual({
      producerId: 1,
      producerEpoch: 2,
      transactionTimeoutMs: 3,
      state: 'PrepareCommit',
      partitions: new Map([['t', [9]]]),
      lastUpdateTimestampMs: 4,
      startTimestampMs: 5,
    });
  });
});

/** Lets the promise callbacks of settled replication waits run. */
const settled = () => new Promise<void>((resolve) => setImmediate(resolve));

describe('TransactionCoordinator: markers wait for the Prepare record to be replicated', () => {
  test('EndTxn: no marker goes out until PrepareCommit is replicated; then they go and the commit completes', async () => {
    const store = new MemoryTransactionStore();
    const { tc, markers } = setup({}, store);
    const { producerId } = tc.initProducerId('tx', 60_000, null);
    tc.addPartitions('tx', producerId, 0, [P0, P1]);
    store.holdReplication = true;
    expect(tc.endTransaction('tx', producerId, 0, true)).toBe(ErrorCode.NONE);
    expect(tc.transaction('tx')?.state).toBe('PrepareCommit');
    expect(tc.endTransaction('tx', producerId, 0, true)).toBe(ErrorCode.CONCURRENT_TRANSACTIONS);
    await settled();
    expect(markers.written).toEqual([]);
    store.replicate();
    await settled();
    expect(markers.written.map((m) => [m.partition, m.commit])).toEqual([
      [0, true],
      [1, true],
    ]);
    expect(tc.transaction('tx')?.state).toBe('CompleteCommit');
  });

  test('the coordinator dies before PrepareCommit is replicated: no partition took a COMMIT, and its successor aborts the transaction whole', async () => {
    const store = new MemoryTransactionStore();
    const old = setup({}, store);
    const { producerId } = old.tc.initProducerId('tx', 60_000, null);
    old.tc.addPartitions('tx', producerId, 0, [P0, P1, { topic: '__consumer_offsets', partition: 7 }]);
    // What the followers have: everything but the PrepareCommit about to be written.
    const replicated = store.records.length;
    store.holdReplication = true;
    expect(old.tc.endTransaction('tx', producerId, 0, true)).toBe(ErrorCode.NONE);
    await settled();
    old.tc.close(); // SIGKILL: the record never reached a follower
    store.replicate(ErrorCode.NOT_LEADER_OR_FOLLOWER);
    await settled();
    expect(old.markers.written).toEqual([]);

    // The new leader's log: the transaction still Ongoing; the returning producer's InitProducerId aborts it.
    const successorStore = new MemoryTransactionStore();
    successorStore.records.push(...store.records.slice(0, replicated));
    const next = setup({}, successorStore);
    expect(next.tc.transaction('tx')?.state).toBe('Ongoing');
    expect(next.tc.initProducerId('tx', 60_000, null).errorCode).toBe(ErrorCode.CONCURRENT_TRANSACTIONS);
    expect(next.markers.written.map((m) => `${m.topic}-${m.partition} ${m.commit ? 'COMMIT' : 'ABORT'}`).sort()).toEqual([
      '__consumer_offsets-7 ABORT',
      'out-0 ABORT',
      'out-1 ABORT',
    ]);
  });

  test('a wait that ends otherwise (timed out) is started again; the markers go once replicated', async () => {
    const store = new MemoryTransactionStore();
    const { tc, markers, clock } = setup({}, store);
    const { producerId } = tc.initProducerId('tx', 60_000, null);
    tc.addPartitions('tx', producerId, 0, [P0]);
    store.holdReplication = true;
    tc.endTransaction('tx', producerId, 0, false);
    store.replicate(ErrorCode.REQUEST_TIMED_OUT);
    await settled();
    expect(markers.written).toEqual([]);
    expect(store.pendingReplicationWaits).toBe(0);
    clock.advance(100);
    expect(store.pendingReplicationWaits).toBe(1);
    store.replicate();
    await settled();
    expect(markers.written.map((m) => [m.partition, m.commit])).toEqual([[0, false]]);
    expect(tc.transaction('tx')?.state).toBe('CompleteAbort');
  });

  test('the partition moves while the wait is on: no markers from here (the new coordinator sends them)', async () => {
    const store = new MemoryTransactionStore();
    const { tc, markers, clock } = setup({}, store);
    const { producerId } = tc.initProducerId('tx', 60_000, null);
    tc.addPartitions('tx', producerId, 0, [P0]);
    store.holdReplication = true;
    tc.endTransaction('tx', producerId, 0, true);
    tc.unloadPartitions([0]);
    store.replicate();
    await settled();
    clock.advance(1_000);
    expect(markers.written).toEqual([]);
    expect(store.pendingReplicationWaits).toBe(0);
  });

  test('the abort of a re-initialized producer also waits for its PrepareAbort (with the bumped epoch) to be replicated', async () => {
    const store = new MemoryTransactionStore();
    const { tc, markers } = setup({}, store);
    const { producerId } = tc.initProducerId('tx', 60_000, null);
    tc.addPartitions('tx', producerId, 0, [P0]);
    store.holdReplication = true;
    expect(tc.initProducerId('tx', 60_000, null).errorCode).toBe(ErrorCode.CONCURRENT_TRANSACTIONS);
    await settled();
    expect(markers.written).toEqual([]);
    store.replicate();
    await settled();
    expect(markers.written.map((m) => [m.partition, m.commit, m.producerEpoch])).toEqual([[0, false, 1]]);
  });
});
