/**
 * A `__transaction_state` partition loaded in steps (loadSteps, as
 * CoordinatorPartitions runs them one slice per turn; here each step is
 * run by hand): its transactional ids answer COORDINATOR_LOAD_IN_PROGRESS
 * until the last step, nothing of them is timed out or completed before
 * it, and then the coordinator holds exactly what a one-turn load gives;
 * an unload mid-load leaves nothing and answers NOT_COORDINATOR; a reload
 * with a new epoch mid-load gives the right state and epoch.
 */
import { ErrorCode } from '../../protocol/errors';
import { ManualScheduler } from '../../time/manual-scheduler';
import { MemoryTransactionStore } from './memory-transaction-store';
import { TransactionCoordinator, type TransactionCoordinatorConfig, type TransactionMarkerSender } from './transaction-coordinator';
import type { TransactionMarkerRequest } from './transaction-marker-channel';
import { encodeTransactionLogKey, encodeTransactionLogValue, type TransactionLogValue } from './transaction-log-records';

const CONFIG: TransactionCoordinatorConfig = {
  transactionMaxTimeoutMs: 900_000,
  transactionalIdExpirationMs: 7 * 24 * 3600 * 1000,
  abortTimedOutTransactionsIntervalMs: 10_000,
  removeExpiredTransactionalIdsIntervalMs: 3_600_000,
};
const STEP_RECORDS = 5;

/** Markers written at once; what was asked for is kept. */
class WrittenMarkers implements TransactionMarkerSender {
  readonly requests: TransactionMarkerRequest[] = [];
  addMarkers(request: TransactionMarkerRequest): void {
    this.requests.push(request);
    request.onComplete();
  }
  removeMarkersFor(): void {}
  close(): void {}
}

const START = 1_700_000_000_000;
const IDS = Array.from({ length: 20 }, (_, i) => `tx-${i}`);

/** The log an earlier coordinator left: settled ids, one open transaction, one prepared, one removed. */
function earlierLog(): MemoryTransactionStore {
  const store = new MemoryTransactionStore();
  const put = (id: string, value: TransactionLogValue | null) =>
    store.append(id, { key: encodeTransactionLogKey(id), value: value === null ? null : encodeTransactionLogValue(value) });
  const base = { transactionTimeoutMs: 60_000, partitions: new Map<string, number[]>(), lastUpdateTimestampMs: START, startTimestampMs: START };
  IDS.forEach((id, i) => put(id, { ...base, producerId: 1000 + i, producerEpoch: 0, state: 'Empty' }));
  IDS.forEach((id, i) => put(id, { ...base, producerId: 1000 + i, producerEpoch: 1, state: 'CompleteCommit' }));
  put('open', { ...base, producerId: 2000, producerEpoch: 0, state: 'Ongoing', partitions: new Map([['out', [0]]]) });
  put('prepared', { ...base, producerId: 2001, producerEpoch: 0, state: 'PrepareCommit', partitions: new Map([['out', [1]]]) });
  put('removed', { ...base, producerId: 2002, producerEpoch: 0, state: 'CompleteAbort' });
  put('removed', null);
  return store;
}
const ALL = [...IDS, 'open', 'prepared', 'removed'];

function coordinator(store: MemoryTransactionStore, clock = new ManualScheduler(START)) {
  const markers = new WrittenMarkers();
  const tc = new TransactionCoordinator(CONFIG, clock, store, markers, () => 5000);
  return { tc, markers, clock };
}

const described = (tc: TransactionCoordinator) => ALL.map((id) => tc.describe(id));

/** What a one-turn load (the coordinator's start) gives over the same log. */
function oneTurnLoad(store: MemoryTransactionStore) {
  const { tc, markers } = coordinator(store);
  tc.start();
  const out = { described: described(tc), markers: markers.requests.map((r) => r.marker) };
  tc.close();
  return out;
}

function drain(steps: Iterator<void>): number {
  let n = 0;
  while (steps.next().done !== true) n++;
  return n;
}

test('ids answer COORDINATOR_LOAD_IN_PROGRESS until the last step; then the state is a one-turn load’s', () => {
  const store = earlierLog();
  const { tc, markers, clock } = coordinator(store);
  tc.start({ load: false });
  const steps = tc.loadSteps(0, STEP_RECORDS);
  expect(tc.initProducerId('tx-1', 60_000, null).errorCode).toBe(ErrorCode.COORDINATOR_LOAD_IN_PROGRESS);
  expect(steps.next().done).toBe(false);
  expect(tc.isLoading()).toBe(true);
  expect(tc.initProducerId('tx-1', 60_000, null).errorCode).toBe(ErrorCode.COORDINATOR_LOAD_IN_PROGRESS);
  expect(tc.describe('tx-1').errorCode).toBe(ErrorCode.COORDINATOR_LOAD_IN_PROGRESS);
  expect(tc.addPartitions('open', 2000, 0, [{ topic: 'out', partition: 2 }])).toBe(ErrorCode.COORDINATOR_LOAD_IN_PROGRESS);
  expect(tc.endTransaction('open', 2000, 0, false)).toBe(ErrorCode.COORDINATOR_LOAD_IN_PROGRESS);
  // The open transaction is past its timeout, but not aborted while its partition loads; the prepared one waits too.
  clock.advance(CONFIG.abortTimedOutTransactionsIntervalMs + 60_000);
  expect(markers.requests).toEqual([]);
  const appended = store.records.length;
  expect(drain(steps)).toBeGreaterThan(5);
  expect(tc.isLoading()).toBe(false);
  // The prepared transaction completes once loaded.
  expect(markers.requests.map((r) => r.transactionalId)).toEqual(['prepared']);
  const loaded = described(tc);
  const reference = oneTurnLoad(earlierLog());
  // The same, but for what the completion wrote since (prepared -> CompleteCommit).
  expect(loaded.filter((d) => d.transactionalId !== 'prepared')).toEqual(reference.described.filter((d) => d.transactionalId !== 'prepared'));
  expect(loaded.find((d) => d.transactionalId === 'prepared')!.state).toBe('CompleteCommit');
  expect(markers.requests.map((r) => r.marker)).toEqual(reference.markers);
  expect(store.records.length).toBe(appended + 1);
  // Loaded: the open transaction times out at the next check.
  clock.advance(CONFIG.abortTimedOutTransactionsIntervalMs);
  expect(markers.requests.map((r) => r.transactionalId)).toEqual(['prepared', 'open']);
  tc.close();
});

test('an unload mid-load leaves nothing behind and answers NOT_COORDINATOR', () => {
  const store = earlierLog();
  const { tc, markers, clock } = coordinator(store);
  tc.start({ load: false });
  const steps = tc.loadSteps(0, STEP_RECORDS);
  steps.next();
  steps.next();
  tc.unloadPartitions([0]);
  expect(tc.isLoading()).toBe(false);
  // A step after the unload replays nothing more.
  expect(steps.next().done).toBe(true);
  for (const id of ALL) {
    expect(tc.transaction(id)).toBeUndefined();
    expect(tc.describe(id).errorCode).toBe(ErrorCode.NOT_COORDINATOR);
  }
  expect(tc.initProducerId('tx-1', 60_000, null).errorCode).toBe(ErrorCode.NOT_COORDINATOR);
  clock.advance(CONFIG.abortTimedOutTransactionsIntervalMs + 60_000);
  expect(markers.requests).toEqual([]);
  tc.close();
});

test('a reload with a new epoch mid-load: the newer load gives the one-turn state, markers with the new epoch', () => {
  const store = earlierLog();
  const { tc, markers } = coordinator(store);
  tc.start({ load: false });
  const first = tc.loadSteps(0, STEP_RECORDS);
  first.next();
  tc.unloadPartitions([0]);
  store.epoch = 3;
  const second = tc.loadSteps(0, STEP_RECORDS);
  expect(first.next().done).toBe(true);
  expect(tc.describe('tx-1').errorCode).toBe(ErrorCode.COORDINATOR_LOAD_IN_PROGRESS);
  drain(second);
  const referenceStore = earlierLog();
  referenceStore.epoch = 3;
  const reference = oneTurnLoad(referenceStore);
  expect(described(tc).filter((d) => d.transactionalId !== 'prepared')).toEqual(reference.described.filter((d) => d.transactionalId !== 'prepared'));
  expect(markers.requests.map((r) => r.marker)).toEqual(reference.markers);
  expect(markers.requests[0]!.marker.coordinatorEpoch).toBe(3);
  tc.close();
});
