/**
 * The `.index` and `.timeindex` files as Kafka writes them, checked the way
 * Kafka's DumpLogSegments checks them (--verify-index-only), without a JVM:
 *
 * - every offset-index entry names the **last** offset of the batch that
 *   starts at its position;
 * - every time-index entry names the last offset of a batch, whose largest
 *   record timestamp is the entry's timestamp, and timestamps increase;
 * - every segment has both index files, even an empty one.
 *
 * After appends (several records per batch, several batches per append),
 * rolls, recovery (a whole segment, and from a recovery point inside one),
 * compaction, and the one-time rewrite of an earlier Weir's indexes; and the
 * lookups built on them (Fetch at every offset, ListOffsets by timestamp)
 * still find the right batch.
 */
import { readBatchHeader, readInt64 } from './batch-info';
import { LogCleaner } from './cleaner/log-cleaner';
import { Log, type LogOptions } from './log';
import { LogManager } from './log-manager';
import type { StorageDir } from './storage-dir';
import { batchBaseOffsets, collectRecords, makeBatch } from './test-batches';
import { type CleanerTestEnv, cleanerTestEnvs, keyedBatch } from './cleaner/cleaner-test-support';
import { encodeKafkaProducerSnapshot } from './producer-snapshot';

interface IndexCheck {
  offsetEntries: number;
  timeEntries: number;
  /** Offset-index entries whose batch holds more than one offset (where first and last offsets differ). */
  multiOffsetEntries: number;
  problems: string[];
}

/** Kafka's DumpLogSegments --verify-index-only over every segment of a partition directory. */
function verifyIndexes(dir: StorageDir): IndexCheck {
  const result: IndexCheck = { offsetEntries: 0, timeEntries: 0, multiOffsetEntries: 0, problems: [] };
  const logBytes = (stem: string): Buffer => dir.readFile(`${stem}.log`) ?? Buffer.alloc(0);
  const batchAt = (log: Buffer, position: number) => readBatchHeader(log, position);
  const files = new Set(dir.listFiles());
  for (const name of files) {
    const stem = /^(\d{20})\.log$/.exec(name)?.[1];
    // Kafka's layout: every segment, even an empty one, has both index files.
    if (stem && !(files.has(`${stem}.index`) && files.has(`${stem}.timeindex`))) result.problems.push(`${name} has no index files`);
  }
  for (const name of dir.listFiles().sort()) {
    const m = /^(\d{20})\.(index|timeindex)$/.exec(name);
    if (!m) continue;
    const stem = m[1] as string;
    const base = Number(stem);
    const log = logBytes(stem);
    const buf = dir.readFile(name) as Buffer;
    if (m[2] === 'index') {
      for (let p = 0; p < buf.length; p += 8) {
        const offset = base + buf.readInt32BE(p);
        const position = buf.readInt32BE(p + 4);
        const batch = batchAt(log, position);
        result.offsetEntries++;
        if (batch.lastOffset !== batch.baseOffset) result.multiOffsetEntries++;
        if (batch.lastOffset !== offset) result.problems.push(`${name}: index offset ${offset}, log offset ${batch.lastOffset}`);
      }
    } else {
      let previous = -1;
      for (let p = 0; p < buf.length; p += 12) {
        const timestamp = readInt64(buf, p);
        const offset = base + buf.readInt32BE(p + 8);
        result.timeEntries++;
        let found = null;
        for (let pos = 0; pos < log.length; pos += 12 + log.readInt32BE(pos + 8)) {
          const b = batchAt(log, pos);
          if (b.lastOffset >= offset) {
            found = b;
            break;
          }
        }
        if (!found || found.lastOffset !== offset) result.problems.push(`${name}: time index offset ${offset} is not the last offset of a batch`);
        else if (found.maxTimestamp !== timestamp) result.problems.push(`${name}: time index timestamp ${timestamp}, batch max timestamp ${found.maxTimestamp}`);
        if (timestamp <= previous) result.problems.push(`${name}: time index timestamp ${timestamp} after ${previous}`);
        previous = timestamp;
      }
    }
  }
  return result;
}

/** The batch a Fetch at `offset` starts with must hold `offset`. */
function expectEveryOffsetFound(log: Log): void {
  for (let o = log.logStartOffset; o < log.logEndOffset; o++) {
    const bytes = collectRecords(log.read(o, 1).records);
    if (bytes.length === 0) continue; // compacted away; the next batch is checked by its own offsets
    const info = readBatchHeader(bytes, 0);
    expect(info.lastOffset).toBeGreaterThanOrEqual(o);
    if (info.baseOffset > o) {
      // A gap (compaction): nothing between o and the batch start may exist.
      expect(batchBaseOffsets(collectRecords(log.read(o, 1 << 20).records))[0]).toBe(info.baseOffset);
    }
  }
}

describe.each(cleanerTestEnvs)("offset and time indexes in Kafka's layout over %s storage", (_name, makeEnv) => {
  let env: CleanerTestEnv;
  let clock: number;
  const now = (): number => clock;
  const config = { segmentBytes: 6000, indexIntervalBytes: 200 };
  const open = (extra: Partial<LogOptions> = {}, dir: StorageDir = env.root): Log => Log.open(dir, { topic: 't', partition: 0, now, config, ...extra });

  /** Batches of 1..7 records, growing timestamps with a few going back; sometimes two batches in one append. */
  function fill(log: Log, appends: number, seed = 0): void {
    for (let i = 0; i < appends; i++) {
      const records = 1 + ((i + seed) % 7);
      const timestamp = 10_000 + i * 10 - (i % 5 === 3 ? 25 : 0);
      const batch = makeBatch({ records, timestamp, timestampStep: 1, valueSize: 20 });
      const data = i % 4 === 1 ? Buffer.concat([batch, makeBatch({ records: 2, timestamp: timestamp + 3, valueSize: 20 })]) : batch;
      log.append(data, { leaderEpoch: 0, now: clock });
      clock += 1;
    }
  }

  beforeEach(() => {
    env = makeEnv();
    clock = 1_000_000;
  });
  afterEach(() => env.cleanup());

  test('after appends and rolls each entry names the last offset of its batch; lookups find every offset', () => {
    const log = open();
    fill(log, 300);
    expect(log.numberOfSegments).toBeGreaterThan(3);
    log.close();
    const check = verifyIndexes(env.root);
    expect(check.problems).toEqual([]);
    expect(check.offsetEntries).toBeGreaterThan(50);
    expect(check.multiOffsetEntries).toBeGreaterThan(check.offsetEntries / 2);
    expect(check.timeEntries).toBeGreaterThan(10);

    const again = open({ recoveryPoint: log.logEndOffset }, env.reopenRoot());
    expectEveryOffsetFound(again);
    // ListOffsets by timestamp: the first batch whose max timestamp reaches it, as a scan of every batch finds it.
    const all: { base: number; last: number; max: number }[] = [];
    for (let o = 0; o < again.logEndOffset; ) {
      const info = readBatchHeader(collectRecords(again.read(o, 1).records), 0);
      all.push({ base: info.baseOffset, last: info.lastOffset, max: info.maxTimestamp });
      o = info.lastOffset + 1;
    }
    for (const ts of [0, 10_000, 10_005, 10_500, 11_234, 12_990, 13_004]) {
      const expected = all.find((b) => b.max >= ts);
      const found = again.offsetForTimestamp(ts);
      if (!expected) expect(found).toBeNull();
      else {
        expect(found?.offset).toBeGreaterThanOrEqual(expected.base);
        expect(found?.offset).toBeLessThanOrEqual(expected.last);
      }
    }
    again.close();
  });

  test('recovery rebuilds the same entries: from a recovery point inside a segment, and a whole segment', () => {
    const log = open({ config: { segmentBytes: 1 << 20, indexIntervalBytes: 200 } });
    fill(log, 100);
    log.close();
    const recoveryPoint = log.logEndOffset;
    const before = env.root.readFile('00000000000000000000.index');

    // Reopened with the recovery point at the end of what was closed: more appends, then a crash (no close).
    const second = open({ config: { segmentBytes: 1 << 20, indexIntervalBytes: 200 }, recoveryPoint }, env.reopenRoot());
    fill(second, 60, 3);
    const end = second.logEndOffset;
    const third = open({ config: { segmentBytes: 1 << 20, indexIntervalBytes: 200 }, recoveryPoint }, env.reopenRoot());
    expect(third.logEndOffset).toBe(end);
    expectEveryOffsetFound(third);
    third.close();
    let check = verifyIndexes(env.root);
    expect(check.problems).toEqual([]);
    const after = env.root.readFile('00000000000000000000.index') as Buffer;
    expect(after.subarray(0, before?.length ?? 0)).toEqual(before);

    // Everything past the recovery point, from scratch (recovery point 0).
    const fourth = open({ config: { segmentBytes: 1 << 20, indexIntervalBytes: 200 }, recoveryPoint: 0 }, env.reopenRoot());
    expect(fourth.logEndOffset).toBe(end);
    expectEveryOffsetFound(fourth);
    fourth.close();
    check = verifyIndexes(env.root);
    expect(check.problems).toEqual([]);
    expect(check.multiOffsetEntries).toBeGreaterThan(0);
  });

  test('a torn tail after the recovery point: the indexes lose exactly the entries past the cut', () => {
    const cfg = { segmentBytes: 1 << 20, indexIntervalBytes: 200 };
    const log = open({ config: cfg });
    fill(log, 80);
    log.flush();
    const recoveryPoint = log.recoveryPoint;
    fill(log, 40, 5);
    log.close();
    const f = env.reopenRoot().openFile('00000000000000000000.log');
    f.append(makeBatch({ records: 5 }).subarray(0, 50));
    const again = open({ config: cfg, recoveryPoint }, env.reopenRoot());
    expect(again.recoveryReport.truncatedBytes).toBe(50);
    expectEveryOffsetFound(again);
    again.close();
    expect(verifyIndexes(env.root).problems).toEqual([]);
  });

  test('the cleaner writes cleaned segments in the same layout', () => {
    const compact = { compactPolicy: true, deletePolicy: false, segmentBytes: 2000, indexIntervalBytes: 100, minCleanableDirtyRatio: 0.01 };
    const log = Log.open(env.root.dir('c-0'), { topic: 'c', partition: 0, now, config: compact });
    for (let u = 0; u < 40; u++) {
      const records = [0, 1, 2].map((k) => ({ key: `k${(u + k) % 9}`, value: `value ${u}-${k}` }));
      log.append(keyedBatch(records, { timestamp: clock }), { leaderEpoch: 0 });
      clock += 1;
    }
    const cleaner = new LogCleaner(env.root, () => [log], { sliceBytes: 4096 }, now);
    expect(cleaner.cleanUntilIdle().length).toBeGreaterThan(0);
    log.close();
    const check = verifyIndexes(env.root.dir('c-0'));
    expect(check.problems).toEqual([]);
    expect(check.offsetEntries).toBeGreaterThan(0);
    const again = Log.open(env.reopenRoot().dir('c-0'), { topic: 'c', partition: 0, now, config: compact, recoveryPoint: log.logEndOffset });
    expectEveryOffsetFound(again);
    again.close();
  });

  test("an earlier Weir's indexes (entries naming a batch's first offset) and producer snapshots are rewritten once, through the LogManager", () => {
    const cfg = { segmentBytes: 3000, indexIntervalBytes: 150 };
    const first = LogManager.open({ dir: env.root, now, defaults: cfg });
    const log = first.getOrCreateLog('old', 0);
    fill(log, 120);
    const end = log.logEndOffset;
    first.close(); // writes the recovery-point checkpoint: the reopened logs trust their index files
    const partition = env.root.dir('old-0');
    // Turn every index into the earlier layout: each entry's offset becomes its batch's base offset.
    let rewritten = 0;
    for (const name of partition.listFiles()) {
      if (!name.endsWith('.index')) continue;
      const idx = Buffer.from(partition.readFile(name) as Buffer);
      const logBytes = partition.readFile(name.replace('.index', '.log')) as Buffer;
      const base = Number(name.slice(0, 20));
      for (let p = 0; p < idx.length; p += 8) idx.writeInt32BE(readBatchHeader(logBytes, idx.readInt32BE(p + 4)).baseOffset - base, p);
      partition.writeFile(name, idx);
      rewritten++;
    }
    expect(verifyIndexes(partition).problems.length).toBeGreaterThan(0);
    // And a producer snapshot the batches do not support (as an earlier Weir's file may decode).
    const ghost = { producerId: 77, producerEpoch: 5, batches: [], coordinatorEpoch: -1, currentTxnFirstOffset: null, lastTimestamp: clock };
    partition.writeFile(`${String(end).padStart(20, '0')}.snapshot`, encodeKafkaProducerSnapshot([ghost]));

    // Without the flag the log trusts the files (they still serve lookups correctly).
    const plain = LogManager.open({ dir: env.reopenRoot(), now, defaults: cfg });
    expect(plain.rewrittenIndexSegments).toBe(0);
    expectEveryOffsetFound(plain.getLog('old', 0) as Log);
    expect(plain.getLog('old', 0)?.producerEntry(77)).toBeDefined();
    plain.close();
    expect(verifyIndexes(env.reopenRoot().dir('old-0')).problems.length).toBeGreaterThan(0);

    const manager = LogManager.open({ dir: env.reopenRoot(), now, defaults: cfg, convertEarlierWeirFiles: true });
    expect(manager.rewrittenIndexSegments).toBe(rewritten);
    // Rewritten at open, before any close.
    expect(verifyIndexes(env.reopenRoot().dir('old-0')).problems).toEqual([]);
    const reopened = manager.getLog('old', 0) as Log;
    expect(reopened.logEndOffset).toBe(end);
    expect(reopened.producerEntries().length).toBe(0); // rebuilt from the batches, which have no producer
    expectEveryOffsetFound(reopened);
    manager.close();
    expect(verifyIndexes(env.reopenRoot().dir('old-0')).problems).toEqual([]);
  });
});
