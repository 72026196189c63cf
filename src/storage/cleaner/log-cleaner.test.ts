import { ErrorCode } from '../../protocol/errors';
import { CONTROL_FLAG, DELETE_HORIZON_FLAG } from '../../protocol/records/batch-header';
import { ControlRecordType, encodeEndTxnMarkerBatch } from '../../protocol/records/control-record';
import { Codec } from '../../protocol/records/compression';
import { decodeRecordBatches, encodeRecordBatch } from '../../protocol/records/record-batch';
import { Log } from '../log';
import type { LogConfig } from '../log-config';
import type { StorageDir } from '../storage-dir';
import { collectRecords } from '../test-batches';
import { type CleanerTestEnv, cleanerTestEnvs, keyedBatch, type KeyedRecord, latestPerKey, readBatches, readRecords } from './cleaner-test-support';
import { CLEANER_OFFSET_CHECKPOINT, LogCleaner } from './log-cleaner';
import { decodeAbortedTxns } from '../transaction-index';
import type { LogCleanerConfig } from './log-cleaner-config';

describe.each(cleanerTestEnvs)('LogCleaner over %s storage', (_name, makeEnv) => {
  let env: CleanerTestEnv;
  let clock: number;
  const now = (): number => clock;
  const compactConfig: Partial<LogConfig> = {
    compactPolicy: true,
    deletePolicy: false,
    segmentBytes: 1024,
    minCleanableDirtyRatio: 0.01,
    deleteRetentionMs: 60_000,
  };
  const openLog = (config: Partial<LogConfig> = {}, root: StorageDir = env.root): Log =>
    Log.open(root.dir('t-0'), { topic: 't', partition: 0, config: { ...compactConfig, ...config }, now });
  const cleanerFor = (logs: Log[], config: Partial<LogCleanerConfig> = {}, root: StorageDir = env.root): LogCleaner =>
    new LogCleaner(root, () => logs, { sliceBytes: 4096, ...config }, now);
  const append = (log: Log, records: KeyedRecord[], options: { compression?: Codec; producerId?: number; baseSequence?: number } = {}): number => {
    const r = log.append(keyedBatch(records, { timestamp: clock, producerEpoch: options.producerId !== undefined ? 0 : -1, ...options }), { leaderEpoch: 0 });
    expect(r.errorCode).toBe(ErrorCode.NONE);
    return r.baseOffset;
  };
  /** `updates` values per key for `keys` keys, one record per batch, round-robin; returns the expected latest values. */
  const writeUpdates = (log: Log, keys: number, updates: number): Map<string, string> => {
    const expected = new Map<string, string>();
    for (let u = 0; u < updates; u++) {
      for (let k = 0; k < keys; k++) {
        const value = `v${u}-of-k${k}`;
        append(log, [{ key: `k${k}`, value }]);
        expected.set(`k${k}`, value);
        clock += 1;
      }
    }
    return expected;
  };

  beforeEach(() => {
    env = makeEnv();
    clock = 1_000_000;
  });
  afterEach(() => env.cleanup());

  test('many updates per key over several segments: exactly the latest value per key remains, at its original offset', () => {
    const log = openLog();
    const offsetOfLatest = new Map<string, number>();
    for (let u = 0; u < 10; u++) {
      for (let k = 0; k < 8; k++) {
        offsetOfLatest.set(`k${k}`, append(log, [{ key: `k${k}`, value: `v${u}` }]));
      }
    }
    log.roll();
    const segmentsBefore = log.numberOfSegments;
    expect(segmentsBefore).toBeGreaterThan(4);
    const before = readRecords(log);

    const rounds = cleanerFor([log]).cleanUntilIdle();
    expect(rounds.length).toBeGreaterThanOrEqual(1);
    expect(rounds.every((r) => r.completed)).toBe(true);

    const after = readRecords(log);
    expect(after).toHaveLength(8);
    for (const r of after) {
      expect(r.value).toBe('v9');
      expect(r.offset).toBe(offsetOfLatest.get(r.key as string));
    }
    expect(latestPerKey(after)).toEqual(latestPerKey(before));
    // Groups are sized by the segments' size before cleaning (as Kafka does),
    // so the now small segments merge on the next round.
    expect(log.numberOfSegments).toBe(segmentsBefore);
    for (let k = 0; k < 8; k++) offsetOfLatest.set(`k${k}`, append(log, [{ key: `k${k}`, value: 'v10' }]));
    log.roll();
    cleanerFor([log]).cleanUntilIdle();
    expect(log.numberOfSegments).toBeLessThanOrEqual(3);
    expect(readRecords(log).map((r) => [r.offset, r.value])).toEqual([...offsetOfLatest.values()].map((o) => [o, 'v10']));
    // Nothing left behind by the swaps.
    expect(log.dir.listFiles().filter((f) => /\.(cleaned|swap|swap-end)$/.test(f))).toEqual([]);
    log.close();
  });

  test('a fetch at a removed offset returns the next batch; offsets keep their gaps after a reopen', () => {
    const log = openLog();
    append(log, [{ key: 'a', value: '1' }]); // 0
    append(log, [{ key: 'b', value: '1' }]); // 1
    append(log, [{ key: 'a', value: '2' }]); // 2
    append(log, [{ key: 'c', value: '1' }]); // 3
    log.roll();
    append(log, [{ key: 'z', value: 'active' }]); // 4, active segment
    cleanerFor([log]).cleanUntilIdle();
    expect(readRecords(log).map((r) => r.offset)).toEqual([1, 2, 3, 4]);
    const atRemoved = collectRecords(log.read(0, 1 << 20).records);
    expect(Number(atRemoved.readBigInt64BE(0))).toBe(1);
    log.close();

    const again = openLog({}, env.reopenRoot());
    expect(readRecords(again).map((r) => `${r.offset}:${r.key}=${r.value}`)).toEqual(['1:b=1', '2:a=2', '3:c=1', '4:z=active']);
    expect(again.logEndOffset).toBe(5);
    expect(again.append(keyedBatch([{ key: 'a', value: '3' }], { timestamp: clock }), { leaderEpoch: 0 }).baseOffset).toBe(5);
    again.close();
  });

  test('tombstones stay until delete.retention.ms after the cleaning that first kept them, then go', () => {
    const log = openLog({ deleteRetentionMs: 60_000 });
    append(log, [{ key: 'a', value: '1' }]);
    append(log, [{ key: 'b', value: '1' }]);
    append(log, [{ key: 'a', value: null }]);
    log.roll();
    const cleaner = cleanerFor([log]);
    cleaner.cleanUntilIdle();
    const firstPass = readBatches(log);
    expect(firstPass.flatMap((b) => b.records).map((r) => `${r.key}=${r.value}`)).toEqual(['b=1', 'a=null']);
    // The tombstone's batch now carries its delete horizon (KIP-534).
    const tombstoneBatch = firstPass.find((b) => b.records.some((r) => r.value === null));
    expect((tombstoneBatch?.attributes ?? 0) & DELETE_HORIZON_FLAG).toBe(DELETE_HORIZON_FLAG);
    // Its record keeps its own timestamp.
    expect(tombstoneBatch?.records[0]?.timestamp).toBe(1_000_000);

    clock += 59_999;
    expect(cleaner.grabFilthiestLog()).toBeNull();
    cleaner.cleanUntilIdle();
    expect(readRecords(log).map((r) => `${r.key}=${r.value}`)).toEqual(['b=1', 'a=null']);

    clock += 1;
    // No new data: the passed horizon alone makes the log worth cleaning.
    expect(cleaner.grabFilthiestLog()?.log).toBe(log);
    cleaner.cleanUntilIdle();
    expect(readRecords(log).map((r) => `${r.key}=${r.value}`)).toEqual(['b=1']);
    log.close();
  });

  test('a log larger than the dedupe buffer is cleaned in several passes', () => {
    const log = openLog({ segmentBytes: 2048 });
    const expected = writeUpdates(log, 60, 4);
    log.roll();
    // 24 bytes per entry: room for about 18 keys at a 0.9 load factor.
    const cleaner = cleanerFor([log], { dedupeBufferSize: 24 * 20 });
    const rounds = cleaner.cleanUntilIdle();
    expect(rounds.length).toBeGreaterThan(3);
    expect(rounds.every((r) => r.stats.mappedKeys <= 18)).toBe(true);
    const after = readRecords(log);
    expect(after).toHaveLength(60);
    expect(new Map(after.map((r) => [r.key, r.value]))).toEqual(expected);
    expect(cleaner.cleanedUpTo(log)).toBe(log.activeSegmentBaseOffset);
    log.close();
  });

  test('min.compaction.lag.ms: records younger than the lag are not compacted', () => {
    const log = openLog({ minCompactionLagMs: 10_000 });
    writeUpdates(log, 4, 5);
    log.roll();
    const cleaner = cleanerFor([log]);
    clock += 5_000;
    expect(cleaner.cleanableState(log).cleanableBytes).toBe(0);
    cleaner.cleanUntilIdle();
    expect(readRecords(log)).toHaveLength(20);
    clock += 5_000;
    cleaner.cleanUntilIdle();
    expect(readRecords(log)).toHaveLength(4);
    log.close();
  });

  test('min.compaction.lag.ms stops cleaning at the first segment still too young', () => {
    const log = openLog({ minCompactionLagMs: 10_000, segmentBytes: 1 << 20 });
    writeUpdates(log, 4, 3); // old
    log.roll();
    clock += 20_000;
    writeUpdates(log, 4, 3); // young, in a later segment
    log.roll();
    const cleaner = cleanerFor([log]);
    const state = cleaner.cleanableState(log);
    expect(state.firstUncleanableOffset).toBe(12);
    cleaner.cleanUntilIdle();
    const after = readRecords(log);
    // The old segment keeps only its latest values (no later update was mapped); the young one is untouched.
    expect(after.filter((r) => r.offset < 12).map((r) => r.value)).toEqual(['v2-of-k0', 'v2-of-k1', 'v2-of-k2', 'v2-of-k3']);
    expect(after.filter((r) => r.offset >= 12)).toHaveLength(12);
    log.close();
  });

  test('max.compaction.lag.ms forces cleaning below min.cleanable.dirty.ratio, and rolls the active segment', () => {
    const log = openLog({ minCleanableDirtyRatio: 0.99, maxCompactionLagMs: 30_000, segmentMs: 7 * 24 * 3600_000 });
    writeUpdates(log, 4, 5);
    // The active segment is older than max.compaction.lag.ms: the next append rolls it.
    clock += 31_000;
    append(log, [{ key: 'k0', value: 'newest' }]);
    expect(log.activeSegmentBaseOffset).toBe(20);
    const cleaner = cleanerFor([log]);
    expect(cleaner.cleanableState(log).maxCompactionDelayMs).toBeGreaterThan(0);
    cleaner.cleanUntilIdle();
    expect(readRecords(log).map((r) => r.value)).toEqual(['v4-of-k0', 'v4-of-k1', 'v4-of-k2', 'v4-of-k3', 'newest']);
    log.close();
  });

  test('min.cleanable.dirty.ratio: a log below it is left alone', () => {
    const log = openLog({ minCleanableDirtyRatio: 0.5 });
    writeUpdates(log, 4, 5);
    log.roll();
    const cleaner = cleanerFor([log]);
    cleaner.cleanUntilIdle();
    expect(readRecords(log)).toHaveLength(4);
    // A little new dirt on a large clean section: ratio below 0.5.
    append(log, [{ key: 'k0', value: 'x' }]);
    log.roll();
    expect(cleaner.cleanableState(log).dirtyRatio).toBeLessThan(0.5);
    expect(cleaner.grabFilthiestLog()).toBeNull();
    log.close();
  });

  test.each([
    ['gzip', Codec.Gzip],
    ['snappy', Codec.Snappy],
    ['lz4', Codec.Lz4],
    ['zstd', Codec.Zstd],
  ])('%s batches are rewritten with the same codec', (_codec, codec) => {
    const log = openLog({ segmentBytes: 1 << 20 });
    for (let u = 0; u < 4; u++) {
      append(log, [0, 1, 2, 3, 4].map((k) => ({ key: `k${k}`, value: `v${u}-${'x'.repeat(50)}` })), { compression: codec });
    }
    log.roll();
    cleanerFor([log]).cleanUntilIdle();
    const batches = readBatches(log);
    expect(batches).toHaveLength(1);
    const batch = batches[0]!;
    expect(batch.attributes & 0x07).toBe(codec);
    expect(batch.baseOffset).toBe(15);
    expect(batch.lastOffset).toBe(19);
    expect(batch.records.map((r) => r.value?.slice(0, 2))).toEqual(['v3', 'v3', 'v3', 'v3', 'v3']);
    log.close();
  });

  test('a batch losing some records keeps its offsets, producer fields and lastOffsetDelta', () => {
    const log = openLog({ segmentBytes: 1 << 20 });
    append(log, [{ key: 'a', value: '1' }, { key: 'b', value: '1' }, { key: 'c', value: '1' }], { producerId: 42, baseSequence: 0 });
    append(log, [{ key: 'c', value: '2' }]);
    log.roll();
    cleanerFor([log]).cleanUntilIdle();
    const batches = readBatches(log);
    expect(batches[0]).toMatchObject({ baseOffset: 0, lastOffset: 2, producerId: 42, baseSequence: 0 });
    expect(batches[0]?.records.map((r) => r.offset)).toEqual([0, 1]);
    log.close();
  });

  test("a live producer's last batch is kept, empty, so its sequence state survives a restart", () => {
    const log = openLog({ segmentBytes: 1 << 20 });
    append(log, [{ key: 'a', value: '1' }], { producerId: 7, baseSequence: 0 });
    append(log, [{ key: 'b', value: '1' }], { producerId: 7, baseSequence: 1 });
    append(log, [{ key: 'a', value: '2' }, { key: 'b', value: '2' }]);
    log.roll();
    cleanerFor([log]).cleanUntilIdle();
    const batches = readBatches(log);
    expect(batches.map((b) => [b.baseOffset, b.records.length, b.producerId, b.baseSequence])).toEqual([
      [1, 0, 7, 1],
      [2, 2, -1, -1],
    ]);
    log.close();
    const again = openLog({}, env.reopenRoot());
    expect(again.producerEntry(7)?.batches.at(-1)).toMatchObject({ lastSeq: 1, lastOffset: 1 });
    // The retry of sequence 1 is still recognised as a duplicate.
    const retry = again.append(keyedBatch([{ key: 'b', value: '1' }], { timestamp: clock, producerId: 7, producerEpoch: 0, baseSequence: 1 }), { leaderEpoch: 0 });
    expect(retry).toMatchObject({ duplicate: true, baseOffset: 1 });
    again.close();
  });

  test('kept records keep their headers and timestamps, also when a delete horizon re-bases a compressed batch', () => {
    const log = openLog({ segmentBytes: 1 << 20 });
    const records = [
      { key: Buffer.from('a'), value: Buffer.from('old'), timestamp: 5_000n, headers: [] },
      { key: Buffer.from('b'), value: Buffer.from('keep'), timestamp: 7_000n, headers: [{ key: 'h1', value: Buffer.from('x') }, { key: 'h2', value: null }] },
      { key: Buffer.from('c'), value: null, timestamp: 9_000n, headers: [{ key: 'why', value: Buffer.from('deleted') }] },
      { key: Buffer.from('a'), value: Buffer.from('new'), timestamp: 11_000n, headers: [] },
    ];
    log.append(encodeRecordBatch(records, { compression: Codec.Gzip }), { leaderEpoch: 0 });
    log.roll();
    cleanerFor([log]).cleanUntilIdle();
    const bytes = collectRecords(log.read(0, 1 << 20).records);
    const [batch] = decodeRecordBatches(bytes);
    expect(batch?.compression).toBe(Codec.Gzip);
    expect(batch && (batch.header.attributes & DELETE_HORIZON_FLAG) !== 0).toBe(true);
    expect(batch?.header.baseTimestamp).toBe(clock + 60_000);
    expect(batch?.header.maxTimestamp).toBe(11_000);
    expect(batch?.records.map((r) => [Number(r.offset), r.key?.toString(), r.value?.toString() ?? null, r.timestamp, r.headers])).toEqual([
      [1, 'b', 'keep', 7_000n, [{ key: 'h1', value: Buffer.from('x') }, { key: 'h2', value: null }]],
      [2, 'c', null, 9_000n, [{ key: 'why', value: Buffer.from('deleted') }]],
      [3, 'a', 'new', 11_000n, []],
    ]);
    log.close();
  });

  test('aborted transactions: their records go (and never shadow a committed value), markers stay while their batches do', () => {
    const log = openLog({ segmentBytes: 1 << 20 });
    const txn = (producerId: number, records: KeyedRecord[]): void => {
      const batch = encodeRecordBatch(
        records.map((r) => ({ key: Buffer.from(r.key as string), value: r.value === null ? null : Buffer.from(r.value), timestamp: BigInt(clock) })),
        { transactional: true, producerId: BigInt(producerId), producerEpoch: 0, baseSequence: 0 },
      );
      expect(log.append(batch, { leaderEpoch: 0 }).errorCode).toBe(ErrorCode.NONE);
    };
    const marker = (type: ControlRecordType, producerId: number): void => {
      const batch = encodeEndTxnMarkerBatch(type, { producerId: BigInt(producerId), producerEpoch: 0, coordinatorEpoch: 0, timestamp: BigInt(clock) });
      expect(log.append(batch, { leaderEpoch: 0, origin: 'coordinator' }).errorCode).toBe(ErrorCode.NONE);
    };
    txn(1, [{ key: 'a', value: 'committed' }]); // 0
    marker(ControlRecordType.Commit, 1); // 1
    txn(2, [{ key: 'a', value: 'aborted' }, { key: 'b', value: 'aborted' }]); // 2..3
    marker(ControlRecordType.Abort, 2); // 4
    append(log, [{ key: 'c', value: 'plain' }]); // 5
    txn(3, [{ key: 'd', value: 'open' }]); // 6: never ended
    append(log, [{ key: 'c', value: 'after the open transaction' }]); // 7
    log.roll();
    const cleaner = cleanerFor([log]);
    expect(cleaner.cleanableState(log).firstUncleanableOffset).toBe(6);
    cleaner.cleanUntilIdle();
    const batches = readBatches(log);
    const data = batches.filter((b) => (b.attributes & CONTROL_FLAG) === 0);
    expect(data.flatMap((b) => b.records).map((r) => `${r.offset}:${r.key}=${r.value}`)).toEqual([
      '0:a=committed',
      '5:c=plain',
      '6:d=open',
      '7:c=after the open transaction',
    ]);
    // The aborted batch is producer 2's last: kept, empty, for its sequence state.
    expect(data.find((b) => b.baseOffset === 2)).toMatchObject({ lastOffset: 3, records: [] });
    expect(batches.filter((b) => (b.attributes & CONTROL_FLAG) !== 0).map((b) => b.baseOffset)).toEqual([1, 4]);
    log.close();
  });

  test('aborted-transaction index files of merged segments move to the cleaned segment (Kafka drops a .txnindex without its .log)', () => {
    const log = openLog({ segmentBytes: 600 });
    for (let p = 1; p <= 6; p++) {
      const batch = encodeRecordBatch([{ key: Buffer.from(`k${p}`), value: Buffer.from('aborted'.repeat(8)), timestamp: BigInt(clock) }], {
        transactional: true,
        producerId: BigInt(p),
        producerEpoch: 0,
        baseSequence: 0,
      });
      expect(log.append(batch, { leaderEpoch: 0 }).errorCode).toBe(ErrorCode.NONE);
      const abort = encodeEndTxnMarkerBatch(ControlRecordType.Abort, { producerId: BigInt(p), producerEpoch: 0, coordinatorEpoch: 0, timestamp: BigInt(clock) });
      expect(log.append(abort, { leaderEpoch: 0, origin: 'coordinator' }).errorCode).toBe(ErrorCode.NONE);
      for (let i = 0; i < 3; i++) append(log, [{ key: `k${p}`, value: `committed ${i} `.repeat(6) }]);
    }
    log.roll();
    const txnFiles = (): string[] => log.dir.listFiles().filter((f) => f.endsWith('.txnindex'));
    expect(txnFiles().length).toBeGreaterThan(2);
    const aborted = log.abortedTransactions(0, log.logEndOffset);
    expect(aborted.map((a) => a.producerId)).toEqual([1, 2, 3, 4, 5, 6]);
    log.updateConfig({ ...compactConfig, segmentBytes: 1 << 20 }); // lets the cleaner merge the small segments
    cleanerFor([log]).cleanUntilIdle();
    expect(log.numberOfSegments).toBeLessThan(4);
    const end = log.logEndOffset;
    log.close();
    // Every .txnindex belongs to a segment; each entry lies in the segment holding its marker.
    const dir = env.reopenRoot().dir('t-0');
    const bases = dir
      .listFiles()
      .filter((f) => /^\d{20}\.log$/.test(f))
      .map((f) => Number(f.slice(0, 20)))
      .sort((a, b) => a - b);
    for (const f of dir.listFiles().filter((n) => n.endsWith('.txnindex'))) {
      const base = Number(f.slice(0, 20));
      expect(bases).toContain(base);
      const next = bases.find((b) => b > base) ?? Infinity;
      for (const e of decodeAbortedTxns(dir.readFile(f) as Buffer)) {
        expect(e.lastOffset).toBeGreaterThanOrEqual(base);
        expect(e.lastOffset).toBeLessThan(next);
      }
    }
    const reopened = openLog({}, env.reopenRoot());
    expect(reopened.logEndOffset).toBe(end);
    expect(reopened.abortedTransactions(0, end)).toEqual(aborted);
    reopened.close();
  });

  test('records without a key are removed', () => {
    const log = openLog({ segmentBytes: 1 << 20 });
    append(log, [{ key: null, value: 'orphan' }, { key: 'a', value: '1' }]);
    log.roll();
    cleanerFor([log]).cleanUntilIdle();
    expect(readRecords(log).map((r) => r.key)).toEqual(['a']);
    log.close();
  });

  test('the cleaner checkpoint is written in Kafka format and picked up by a new cleaner', () => {
    const log = openLog();
    writeUpdates(log, 4, 4);
    log.roll();
    const cleaner = cleanerFor([log]);
    cleaner.cleanUntilIdle();
    const end = log.activeSegmentBaseOffset;
    expect(env.root.readFile(CLEANER_OFFSET_CHECKPOINT)?.toString()).toBe(`0\n1\nt 0 ${end}\n`);
    const next = cleanerFor([log], {}, env.reopenRoot());
    expect(next.cleanedUpTo(log)).toBe(end);
    expect(next.cleanableState(log).cleanableBytes).toBe(0);
    log.close();
  });

  test('cleanup.policy changed to delete mid-round: the round is abandoned and its .cleaned file removed', () => {
    const log = openLog();
    writeUpdates(log, 8, 6);
    log.roll();
    const cleaner = cleanerFor([log], { sliceBytes: 64 });
    let slices = 0;
    while (!log.dir.listFiles().some((f) => f.endsWith('.log.cleaned')) && slices++ < 10_000) cleaner.runSlice();
    expect(cleaner.logInProgress).toBe(log);
    log.updateConfig({ ...log.logConfig, compactPolicy: false, deletePolicy: true });
    cleaner.runSlice();
    expect(cleaner.logInProgress).toBeNull();
    expect(cleaner.recentRounds.at(-1)).toMatchObject({ completed: false, abortReason: 'cleanup.policy no longer includes compact' });
    expect(log.dir.listFiles().filter((f) => f.includes('.cleaned'))).toEqual([]);
    expect(cleaner.grabFilthiestLog()).toBeNull();
    log.close();
  });

  test('segments deleted by DeleteRecords mid-round abandon the round; data stays consistent', () => {
    const log = openLog();
    const expected = writeUpdates(log, 8, 6);
    log.roll();
    const cleaner = cleanerFor([log], { sliceBytes: 64 });
    while (cleaner.logInProgress === null || !log.dir.listFiles().some((f) => f.endsWith('.log.cleaned'))) cleaner.runSlice();
    const second = log.segmentBaseOffsets()[1] as number;
    log.deleteRecordsBefore(second);
    cleaner.runSlice();
    expect(cleaner.recentRounds.at(-1)?.completed).toBe(false);
    cleaner.cleanUntilIdle();
    const after = readRecords(log);
    expect(new Map(after.map((r) => [r.key, r.value]))).toEqual(expected);
    expect(after.every((r) => r.offset >= second)).toBe(true);
    log.close();
  });

  test('work is done in bounded slices', () => {
    const log = openLog();
    writeUpdates(log, 8, 10);
    log.roll();
    const cleaner = cleanerFor([log], { sliceBytes: 200 });
    let slices = 0;
    while (cleaner.runSlice() === 'cleaning') slices++;
    expect(slices).toBeGreaterThan(10);
    expect(readRecords(log)).toHaveLength(8);
    log.close();
  });
});

describe.each(cleanerTestEnvs)('cleanup.policy and retention over %s storage', (_name, makeEnv) => {
  let env: CleanerTestEnv;
  let clock = 0;
  beforeEach(() => {
    env = makeEnv();
    clock = 1_000_000;
  });
  afterEach(() => env.cleanup());

  test.each([
    ['compact', { compactPolicy: true, deletePolicy: false }, 3],
    ['delete', { compactPolicy: false, deletePolicy: true }, 1],
    ['compact,delete', { compactPolicy: true, deletePolicy: true }, 1],
  ])('retention.ms applies only with delete in the policy (%s)', (_policy, policy, segmentsLeft) => {
    const log = Log.open(env.root.dir('t-0'), { topic: 't', partition: 0, config: { ...policy, retentionMs: 1000, segmentBytes: 100 }, now: () => clock });
    for (let i = 0; i < 3; i++) log.append(keyedBatch([{ key: 'k', value: 'x'.repeat(60) }], { timestamp: clock }), { leaderEpoch: 0 });
    clock += 10_000;
    log.deleteRetentionExpired(clock);
    expect(log.numberOfSegments).toBe(segmentsLeft);
    log.close();
  });
});
