import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { crc32c } from '@node-rs/crc32';
import { ErrorCode } from '../protocol/errors';
import { DiskStorageDir } from './disk-storage-dir';
import { Log, type LogOptions } from './log';
import { MemoryStorageDir } from './memory-storage-dir';
import type { StorageDir } from './storage-dir';
import { batchBaseOffsets, collectRecords, makeBatch } from './test-batches';

interface Env {
  dir: StorageDir;
  /** A fresh StorageDir over the same files (what a restarted process would see). */
  reopenDir: () => StorageDir;
  cleanup: () => void;
}

const envs: [string, () => Env][] = [
  [
    'memory',
    () => {
      const dir = new MemoryStorageDir();
      return { dir, reopenDir: () => dir, cleanup: () => {} };
    },
  ],
  [
    'disk',
    () => {
      const root = mkdtempSync(path.join(tmpdir(), 'weir-log-'));
      const dirs: StorageDir[] = [];
      const make = (): StorageDir => {
        const d = new DiskStorageDir(root);
        dirs.push(d);
        return d;
      };
      return {
        dir: make(),
        reopenDir: make,
        cleanup: () => rmSync(root, { recursive: true, force: true }),
      };
    },
  ],
];

describe.each(envs)('Log over %s storage', (_name, makeEnv) => {
  let env: Env;
  let clock: number;
  const now = (): number => clock;
  const open = (extra: Partial<LogOptions> = {}, dir: StorageDir = env.dir): Log =>
    Log.open(dir, { topic: 't', partition: 0, now, ...extra });

  beforeEach(() => {
    env = makeEnv();
    clock = 1_000_000;
  });
  afterEach(() => env.cleanup());

  test('assigns offsets, patches base offset and leader epoch, reads back', () => {
    const log = open();
    const a = log.append(makeBatch({ records: 3 }), { leaderEpoch: 7 });
    expect(a).toMatchObject({ errorCode: ErrorCode.NONE, baseOffset: 0, lastOffset: 2, duplicate: false, logAppendTime: -1 });
    const b = log.append(Buffer.concat([makeBatch({ records: 2 }), makeBatch({ records: 1 })]), { leaderEpoch: 7 });
    expect(b).toMatchObject({ baseOffset: 3, lastOffset: 5 });
    expect(log.logEndOffset).toBe(6);
    const r = log.read(0, 1 << 20);
    expect(r.errorCode).toBe(ErrorCode.NONE);
    const bytes = collectRecords(r.records);
    expect(batchBaseOffsets(bytes)).toEqual([0, 3, 5]);
    expect(bytes.readInt32BE(12)).toBe(7);
    // The CRC still holds: base offset and leader epoch are outside it.
    expect(crc32c(bytes.subarray(21, 12 + bytes.readInt32BE(8)))).toBe(bytes.readUInt32BE(17));
    log.close();
  });

  test('read from the middle of a batch returns the whole containing batch', () => {
    const log = open();
    log.append(makeBatch({ records: 5 }), { leaderEpoch: 0 });
    log.append(makeBatch({ records: 5 }), { leaderEpoch: 0 });
    expect(batchBaseOffsets(collectRecords(log.read(3, 1 << 20).records))).toEqual([0, 5]);
    expect(batchBaseOffsets(collectRecords(log.read(7, 1 << 20).records))).toEqual([5]);
    log.close();
  });

  test('maxBytes: whole batches only, the first one whole with minOneBatch', () => {
    const log = open();
    const size = makeBatch({ valueSize: 100 }).length;
    for (let i = 0; i < 4; i++) log.append(makeBatch({ valueSize: 100 }), { leaderEpoch: 0 });
    expect(batchBaseOffsets(collectRecords(log.read(0, size * 2 + 10).records))).toEqual([0, 1]);
    expect(batchBaseOffsets(collectRecords(log.read(0, 10).records))).toEqual([0]);
    expect(log.read(0, 10, { minOneBatch: false }).records).toBeNull();
    expect(batchBaseOffsets(collectRecords(log.read(1, size * 2).records))).toEqual([1, 2]);
    expect(batchBaseOffsets(collectRecords(log.read(0, 1 << 20, { upperBoundOffset: 2 }).records))).toEqual([0, 1]);
    log.close();
  });

  test('offset out of range below the log start or past the end; nothing at the end', () => {
    const log = open();
    log.append(makeBatch({ records: 2 }), { leaderEpoch: 0 });
    expect(log.read(3, 100).errorCode).toBe(ErrorCode.OFFSET_OUT_OF_RANGE);
    const atEnd = log.read(2, 100);
    expect(atEnd.errorCode).toBe(ErrorCode.NONE);
    expect(atEnd.records).toBeNull();
    log.append(makeBatch({ records: 2 }), { leaderEpoch: 0 });
    expect(log.deleteRecordsBefore(2)).toEqual({ errorCode: ErrorCode.NONE, lowWatermark: 2 });
    expect(log.read(1, 100).errorCode).toBe(ErrorCode.OFFSET_OUT_OF_RANGE);
    expect(log.deleteRecordsBefore(10).errorCode).toBe(ErrorCode.OFFSET_OUT_OF_RANGE);
    log.close();
  });

  test('rolls on segment.bytes; reads one segment per call and every offset finds its batch', () => {
    const batchSize = makeBatch({ records: 2, valueSize: 50 }).length;
    const log = open({ config: { segmentBytes: batchSize * 5, indexIntervalBytes: batchSize } });
    for (let i = 0; i < 23; i++) log.append(makeBatch({ records: 2, valueSize: 50 }), { leaderEpoch: 0 });
    expect(log.numberOfSegments).toBe(5);
    expect(log.segmentBaseOffsets()).toEqual([0, 10, 20, 30, 40]);
    expect(batchBaseOffsets(collectRecords(log.read(0, 1 << 20).records))).toEqual([0, 2, 4, 6, 8]);
    expect(batchBaseOffsets(collectRecords(log.read(12, 1 << 20).records))).toEqual([12, 14, 16, 18]);
    for (let o = 0; o < 46; o++) {
      const first = batchBaseOffsets(collectRecords(log.read(o, 1).records))[0];
      expect(first).toBe(o - (o % 2));
    }
    // maxBytes that needs the index jump and a header scan.
    expect(batchBaseOffsets(collectRecords(log.read(20, batchSize * 3 + 1).records))).toEqual([20, 22, 24]);
    log.close();
  });

  test('rolls on segment.ms measured from the first append', () => {
    const log = open({ config: { segmentMs: 1000 } });
    log.append(makeBatch(), { leaderEpoch: 0 });
    clock += 999;
    log.append(makeBatch(), { leaderEpoch: 0 });
    expect(log.numberOfSegments).toBe(1);
    clock += 1;
    log.append(makeBatch(), { leaderEpoch: 0 });
    expect(log.segmentBaseOffsets()).toEqual([0, 2]);
    log.close();
  });

  test('offsetForTimestamp and the max timestamp, through the time index and inside batches', () => {
    const batchSize = makeBatch({ records: 4, timestampStep: 10 }).length;
    const log = open({ config: { segmentBytes: batchSize * 3, indexIntervalBytes: 1 } });
    // batch i: offsets 4i..4i+3, timestamps 1000+100i + 0,10,20,30
    for (let i = 0; i < 8; i++) log.append(makeBatch({ records: 4, timestamp: 1000 + 100 * i, timestampStep: 10 }), { leaderEpoch: 0 });
    expect(log.numberOfSegments).toBeGreaterThan(1);
    expect(log.offsetForTimestamp(0)).toEqual({ offset: 0, timestamp: 1000 });
    expect(log.offsetForTimestamp(1000)).toEqual({ offset: 0, timestamp: 1000 });
    expect(log.offsetForTimestamp(1015)).toEqual({ offset: 2, timestamp: 1020 });
    expect(log.offsetForTimestamp(1031)).toEqual({ offset: 4, timestamp: 1100 });
    expect(log.offsetForTimestamp(1525)).toEqual({ offset: 23, timestamp: 1530 });
    expect(log.offsetForTimestamp(1730)).toEqual({ offset: 31, timestamp: 1730 });
    expect(log.offsetForTimestamp(1731)).toBeNull();
    expect(log.maxTimestampAndOffset()).toEqual({ offset: 31, timestamp: 1730 });
    // an out-of-order older batch does not change the max
    log.append(makeBatch({ records: 1, timestamp: 500 }), { leaderEpoch: 0 });
    expect(log.maxTimestampAndOffset()).toEqual({ offset: 31, timestamp: 1730 });
    log.close();
    const reopened = open({ config: { segmentBytes: batchSize * 3, indexIntervalBytes: 1 }, recoveryPoint: 33 }, env.reopenDir());
    expect(reopened.offsetForTimestamp(1525)).toEqual({ offset: 23, timestamp: 1530 });
    expect(reopened.maxTimestampAndOffset()).toEqual({ offset: 31, timestamp: 1730 });
    reopened.close();
  });

  test('empty log: no timestamps', () => {
    const log = open();
    expect(log.offsetForTimestamp(0)).toBeNull();
    expect(log.maxTimestampAndOffset()).toBeNull();
    log.close();
  });

  test('retention by time deletes old whole segments, including a stale active one', () => {
    const size = makeBatch().length;
    const log = open({ config: { segmentBytes: size * 2, retentionMs: 10_000 } });
    for (let i = 0; i < 6; i++) log.append(makeBatch({ timestamp: i < 4 ? 1000 : 50_000 }), { leaderEpoch: 0 });
    expect(log.segmentBaseOffsets()).toEqual([0, 2, 4]);
    expect(log.deleteRetentionExpired(20_000)).toBe(2);
    expect(log.segmentBaseOffsets()).toEqual([4]);
    expect(log.logStartOffset).toBe(4);
    expect(log.read(3, 100).errorCode).toBe(ErrorCode.OFFSET_OUT_OF_RANGE);
    expect(log.deleteRetentionExpired(100_000)).toBe(1);
    expect(log.segmentBaseOffsets()).toEqual([6]);
    expect(log.logStartOffset).toBe(6);
    expect(log.logEndOffset).toBe(6);
    expect(log.append(makeBatch(), { leaderEpoch: 0 }).baseOffset).toBe(6);
    log.close();
  });

  test('retention by size keeps the newest segments within retention.bytes', () => {
    const size = makeBatch().length;
    const log = open({ config: { segmentBytes: size * 2, retentionBytes: size * 3 } });
    for (let i = 0; i < 7; i++) log.append(makeBatch(), { leaderEpoch: 0 });
    expect(log.segmentBaseOffsets()).toEqual([0, 2, 4, 6]);
    expect(log.deleteRetentionExpired(clock)).toBe(2);
    expect(log.segmentBaseOffsets()).toEqual([4, 6]);
    expect(log.size).toBe(size * 3);
    log.close();
  });

  test('deleteRecordsBefore moves the log start and deletes whole segments below it', () => {
    const size = makeBatch().length;
    const log = open({ config: { segmentBytes: size * 2 } });
    for (let i = 0; i < 6; i++) log.append(makeBatch(), { leaderEpoch: 0 });
    expect(log.deleteRecordsBefore(3)).toEqual({ errorCode: ErrorCode.NONE, lowWatermark: 3 });
    expect(log.segmentBaseOffsets()).toEqual([2, 4]);
    expect(batchBaseOffsets(collectRecords(log.read(3, 1 << 20).records))).toEqual([3]);
    expect(log.deleteRecordsBefore(1).lowWatermark).toBe(3);
    log.close();
    const reopened = open({ logStartOffset: 3 }, env.reopenDir());
    expect(reopened.logStartOffset).toBe(3);
    reopened.close();
  });

  test('clean close and reopen keeps everything; appends continue', () => {
    const size = makeBatch().length;
    const config = { segmentBytes: size * 3, indexIntervalBytes: 1 };
    const log = open({ config });
    for (let i = 0; i < 8; i++) log.append(makeBatch(), { leaderEpoch: 0 });
    log.close();
    const again = open({ config, recoveryPoint: 8 }, env.reopenDir());
    expect(again.logEndOffset).toBe(8);
    expect(again.segmentBaseOffsets()).toEqual([0, 3, 6]);
    expect(again.recoveryReport.truncatedBytes).toBe(0);
    expect(again.append(makeBatch(), { leaderEpoch: 0 }).baseOffset).toBe(8);
    for (let o = 0; o < 9; o++) expect(batchBaseOffsets(collectRecords(again.read(o, 1).records))).toEqual([o]);
    again.close();
  });

  test('recovery truncates a torn tail; nothing half-written is served', () => {
    const log = open();
    for (let i = 0; i < 3; i++) log.append(makeBatch({ records: 2 }), { leaderEpoch: 0 });
    const goodSize = log.size;
    // crash: no close. Half a batch, then garbage, reach the file.
    const f = env.reopenDir().openFile('00000000000000000000.log');
    f.append(makeBatch({ records: 4, baseOffset: 6 }).subarray(0, 40));
    const again = open({ recoveryPoint: 0 }, env.reopenDir());
    expect(again.recoveryReport.truncatedBytes).toBe(40);
    expect(again.size).toBe(goodSize);
    expect(again.logEndOffset).toBe(6);
    expect(again.read(6, 1 << 20).records).toBeNull();
    expect(again.append(makeBatch(), { leaderEpoch: 0 }).baseOffset).toBe(6);
    expect(batchBaseOffsets(collectRecords(again.read(0, 1 << 20).records))).toEqual([0, 2, 4, 6]);
    again.close();
  });

  test('recovery truncates a tail batch with a bad CRC, and later segments', () => {
    const size = makeBatch({ records: 2 }).length;
    const log = open({ config: { segmentBytes: size * 2 } });
    for (let i = 0; i < 5; i++) log.append(makeBatch({ records: 2 }), { leaderEpoch: 0 });
    expect(log.segmentBaseOffsets()).toEqual([0, 4, 8]);
    // Corrupt the second batch of segment 4 (offsets 6..7): rewrite it with a flipped payload byte.
    const d = env.reopenDir();
    const f = d.openFile('00000000000000000004.log');
    const bytes = f.read(0, f.size);
    f.truncate(size);
    const bad = Buffer.from(bytes.subarray(size));
    bad[bad.length - 1] = (bad[bad.length - 1] ?? 0) ^ 0xff;
    f.append(bad);
    const again = open({ config: { segmentBytes: size * 2 }, recoveryPoint: 4 }, env.reopenDir());
    expect(again.logEndOffset).toBe(6);
    expect(again.segmentBaseOffsets()).toEqual([0, 4]);
    expect(again.recoveryReport).toEqual({ truncatedBytes: size, deletedSegments: 1, completedCleanerSwaps: 0, rewrittenIndexes: 0 });
    expect(again.append(makeBatch(), { leaderEpoch: 0 }).baseOffset).toBe(6);
    again.close();
  });

  test('garbage length field in the tail is truncated', () => {
    const log = open();
    log.append(makeBatch(), { leaderEpoch: 0 });
    const f = env.reopenDir().openFile('00000000000000000000.log');
    const junk = Buffer.alloc(100, 0xff);
    f.append(junk);
    const again = open({}, env.reopenDir());
    expect(again.logEndOffset).toBe(1);
    expect(again.recoveryReport.truncatedBytes).toBe(100);
    again.close();
  });

  test('recovery from the recovery point trusts the indexes below it and rescans after', () => {
    const size = makeBatch().length;
    const config = { indexIntervalBytes: size };
    const log = open({ config });
    for (let i = 0; i < 10; i++) log.append(makeBatch(), { leaderEpoch: 0 });
    log.close();
    const second = open({ config, recoveryPoint: 10 }, env.reopenDir());
    for (let i = 0; i < 3; i++) second.append(makeBatch(), { leaderEpoch: 0 });
    // crash with a torn tail after the recovery point
    env.reopenDir().openFile('00000000000000000000.log').append(makeBatch().subarray(0, 70));
    const third = open({ config, recoveryPoint: 10 }, env.reopenDir());
    expect(third.logEndOffset).toBe(13);
    expect(third.recoveryReport.truncatedBytes).toBe(70);
    for (let o = 0; o < 13; o++) expect(batchBaseOffsets(collectRecords(third.read(o, 1).records))).toEqual([o]);
    third.close();
  });

  describe('idempotent producers', () => {
    const idem = (seq: number, records = 1, epoch = 0, pid = 42): Buffer =>
      makeBatch({ records, producerId: pid, producerEpoch: epoch, baseSequence: seq });

    test('a retried batch answers with the original offsets and is stored once', () => {
      const log = open();
      expect(log.append(idem(0, 2), { leaderEpoch: 0 })).toMatchObject({ baseOffset: 0, lastOffset: 1, duplicate: false });
      expect(log.append(idem(2, 3), { leaderEpoch: 0 })).toMatchObject({ baseOffset: 2, lastOffset: 4 });
      const dup = log.append(idem(0, 2), { leaderEpoch: 0 });
      expect(dup).toMatchObject({ errorCode: ErrorCode.NONE, baseOffset: 0, lastOffset: 1, duplicate: true });
      expect(log.logEndOffset).toBe(5);
      expect(batchBaseOffsets(collectRecords(log.read(0, 1 << 20).records))).toEqual([0, 2]);
      log.close();
    });

    test('only the last five batches are remembered; older retries are out of order', () => {
      const log = open();
      for (let s = 0; s < 6; s++) log.append(idem(s), { leaderEpoch: 0 });
      expect(log.append(idem(1), { leaderEpoch: 0 })).toMatchObject({ duplicate: true, baseOffset: 1 });
      expect(log.append(idem(0), { leaderEpoch: 0 }).errorCode).toBe(ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER);
      log.close();
    });

    test('a sequence gap is OUT_OF_ORDER_SEQUENCE_NUMBER and nothing is stored', () => {
      const log = open();
      log.append(idem(0), { leaderEpoch: 0 });
      const r = log.append(idem(2), { leaderEpoch: 0 });
      expect(r.errorCode).toBe(ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER);
      expect(r.baseOffset).toBe(-1);
      expect(log.logEndOffset).toBe(1);
      expect(log.append(idem(1), { leaderEpoch: 0 }).baseOffset).toBe(1);
      log.close();
    });

    test('epochs: older fenced, newer must start at 0, unknown producers accepted at any sequence', () => {
      const log = open();
      expect(log.append(idem(17, 1, 3), { leaderEpoch: 0 }).errorCode).toBe(ErrorCode.NONE); // unknown producer
      expect(log.append(idem(18, 1, 2), { leaderEpoch: 0 }).errorCode).toBe(ErrorCode.INVALID_PRODUCER_EPOCH);
      expect(log.append(idem(5, 1, 4), { leaderEpoch: 0 }).errorCode).toBe(ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER);
      expect(log.append(idem(0, 1, 4), { leaderEpoch: 0 }).errorCode).toBe(ErrorCode.NONE);
      expect(log.append(idem(17, 1, 3), { leaderEpoch: 0 }).errorCode).toBe(ErrorCode.INVALID_PRODUCER_EPOCH);
      expect(log.append(idem(1, 1, 4), { leaderEpoch: 0 }).errorCode).toBe(ErrorCode.NONE);
      log.close();
    });

    test('sequences wrap from Int32 max to 0', () => {
      const log = open();
      const max = 0x7fffffff;
      expect(log.append(idem(max - 1, 2), { leaderEpoch: 0 }).errorCode).toBe(ErrorCode.NONE);
      expect(log.append(idem(0, 1), { leaderEpoch: 0 }).errorCode).toBe(ErrorCode.NONE);
      expect(log.append(idem(max - 1, 2), { leaderEpoch: 0 }).duplicate).toBe(true);
      log.close();
    });

    test('state survives a clean reopen (snapshot) and a crash (replay)', () => {
      const size = idem(0).length;
      const config = { segmentBytes: size * 2 };
      const log = open({ config });
      for (let s = 0; s < 3; s++) log.append(idem(s), { leaderEpoch: 0 });
      log.append(idem(0, 1, 0, 7), { leaderEpoch: 0 });
      log.close();
      const clean = open({ config, recoveryPoint: 4 }, env.reopenDir());
      expect(clean.append(idem(2), { leaderEpoch: 0 })).toMatchObject({ duplicate: true, baseOffset: 2 });
      // Older in-flight batches too: Kafka's .snapshot keeps the last batch, Weir's .producer-batches the rest.
      expect(clean.append(idem(0), { leaderEpoch: 0 })).toMatchObject({ duplicate: true, baseOffset: 0 });
      expect(clean.append(idem(4), { leaderEpoch: 0 }).errorCode).toBe(ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER);
      expect(clean.append(idem(3), { leaderEpoch: 0 }).baseOffset).toBe(4);
      expect(clean.append(idem(1, 1, 0, 7), { leaderEpoch: 0 }).baseOffset).toBe(5);
      // crash: no close, no snapshot at the end; the rolled segments' snapshots plus replay rebuild it.
      const crashed = open({ config, recoveryPoint: 0 }, env.reopenDir());
      expect(crashed.logEndOffset).toBe(6);
      expect(crashed.append(idem(3), { leaderEpoch: 0 })).toMatchObject({ duplicate: true, baseOffset: 4 });
      expect(crashed.append(idem(1, 1, 0, 7), { leaderEpoch: 0 })).toMatchObject({ duplicate: true, baseOffset: 5 });
      expect(crashed.append(idem(4), { leaderEpoch: 0 }).baseOffset).toBe(6);
      crashed.close();
    });

    test('producers whose data is all deleted are forgotten (any sequence accepted again)', () => {
      const log = open();
      log.append(idem(0), { leaderEpoch: 0 });
      log.append(makeBatch(), { leaderEpoch: 0 });
      log.deleteRecordsBefore(2);
      expect(log.append(idem(9), { leaderEpoch: 0 }).errorCode).toBe(ErrorCode.NONE);
      log.close();
    });

    test('producer id expiration', () => {
      const log = open({ config: { producerIdExpirationMs: 1000 } });
      log.append(makeBatch({ producerId: 1, producerEpoch: 0, baseSequence: 0, timestamp: clock }), { leaderEpoch: 0 });
      log.removeExpiredProducers(clock + 999);
      expect(log.producerEntry(1)).toBeDefined();
      log.removeExpiredProducers(clock + 1000);
      expect(log.producerEntry(1)).toBeUndefined();
      log.close();
    });
  });
});
