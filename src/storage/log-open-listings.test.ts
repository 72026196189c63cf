/**
 * A log lists its directory once while it opens, whatever recovery has to do
 * (leftovers to delete, a cleaner swap to finish, snapshots to drop, indexes
 * to rewrite): a broker restarting with thousands of partitions lists
 * thousands of directories, and each listing is a `readdir`. The recovery
 * itself is checked by the other storage tests; here each open also checks
 * that what the one listing led recovery to do was done.
 */
import { ControlRecordType, encodeEndTxnMarkerBatch } from '../protocol/records/control-record';
import { TRANSACTIONAL_FLAG } from '../protocol/records/batch-header';
import { type CleanerTestEnv, cleanerTestEnvs, keyedBatch, readRecords } from './cleaner/cleaner-test-support';
import { FaultyStorageDir } from './cleaner/faulty-storage-dir';
import { LogCleaner } from './cleaner/log-cleaner';
import { Log, type LogOptions } from './log';
import type { LogConfig } from './log-config';
import { MemoryStorageDir } from './memory-storage-dir';
import { segmentFileStem } from './segment';
import { makeBatch } from './test-batches';

/** A StorageDir that counts its listings (and, being a FaultyStorageDir, can crash on a chosen operation). */
class ListingCountingStorageDir extends FaultyStorageDir {
  listings = 0;

  override listFiles(): string[] {
    this.listings++;
    return super.listFiles();
  }
}

const config: Partial<LogConfig> = { compactPolicy: true, deletePolicy: false, segmentBytes: 700, minCleanableDirtyRatio: 0.01 };
const now = (): number => 1_000_000;
const RECOVERY_LEFTOVER = /\.(tmp|deleted|cleaned|swap|swap-end)$/;

describe.each(cleanerTestEnvs)('opening a log over %s storage', (_name, makeEnv) => {
  let env: CleanerTestEnv;
  beforeEach(() => {
    env = makeEnv();
  });
  afterEach(() => env.cleanup());

  /** Opens the log in `name` under a fresh root (as a restarted broker), counting the listings of its directory. */
  const openCounting = (name: string, options: Partial<LogOptions> = {}): { log: Log; listings: number } => {
    const dir = new ListingCountingStorageDir(env.reopenRoot().dir(name));
    const log = Log.open(dir, { topic: 't', partition: 0, config, now, ...options });
    return { log, listings: dir.listings };
  };

  /** 6 keys x 6 updates over several segments (rolled, so producer snapshots are written), then an active segment. */
  const fill = (log: Log): void => {
    for (let u = 0; u < 6; u++) {
      for (let k = 0; k < 6; k++) log.append(keyedBatch([{ key: `k${k}`, value: `${u}`.padEnd(80, '.') }], { timestamp: 1_000_000 }), { leaderEpoch: 0 });
    }
    log.roll();
    log.append(keyedBatch([{ key: 'k0', value: 'active' }], { timestamp: 1_000_000 }), { leaderEpoch: 0 });
  };

  const clean = (log: Log): void => {
    new LogCleaner(new MemoryStorageDir(), () => [log], { sliceBytes: 512 }, now).cleanUntilIdle();
  };

  test('a new log: one listing', () => {
    const { log, listings } = openCounting('new-0');
    expect(listings).toBe(1);
    expect(log.logEndOffset).toBe(0);
    log.close();
  });

  test('a cleanly closed log with segments, producer snapshots and an aborted transaction: one listing', () => {
    const first = Log.open(env.root.dir('t-0'), { topic: 't', partition: 0, config, now });
    fill(first);
    first.append(makeBatch({ producerId: 9, producerEpoch: 0, baseSequence: 0, records: 2, attributes: TRANSACTIONAL_FLAG }), { leaderEpoch: 0 });
    const abort = encodeEndTxnMarkerBatch(ControlRecordType.Abort, { producerId: 9n, producerEpoch: 0, coordinatorEpoch: 1, timestamp: 1_000n });
    first.append(abort, { leaderEpoch: 0, origin: 'coordinator' });
    const records = readRecords(first);
    const aborted = first.abortedTransactions(0, first.logEndOffset);
    expect(aborted).toHaveLength(1);
    first.close();
    expect(env.root.dir('t-0').listFiles().filter((f) => f.endsWith('.snapshot')).length).toBeGreaterThan(0);

    const { log, listings } = openCounting('t-0');
    expect(listings).toBe(1);
    expect(readRecords(log)).toEqual(records);
    expect(log.abortedTransactions(0, log.logEndOffset)).toEqual(aborted);
    expect(log.producerEntry(9)).toBeDefined();
    log.close();
  });

  test('a log with leftovers, stray producer files and an interrupted cleaner swap: one listing, and all of it recovered', () => {
    // Learn, on a twin, the operation that commits the first swap (`.log.cleaned` -> `.log.swap`).
    const twinDir = new FaultyStorageDir(env.root.dir('twin-0'));
    const twin = Log.open(twinDir, { topic: 't', partition: 0, config, now });
    fill(twin);
    const twinStart = twinDir.operations.length;
    clean(twin);
    const committed = twinDir.operations.findIndex((op, i) => i >= twinStart && /\.log\.cleaned -> .*\.log\.swap$/.test(op));
    expect(committed).toBeGreaterThan(twinStart);
    const cleaned = readRecords(twin);
    twin.close();

    // The same log, "crashed" just after that commit: the old segments and the .swap are both on disk.
    const faulty = new FaultyStorageDir(env.root.dir('t-0'));
    const log = Log.open(faulty, { topic: 't', partition: 0, config, now });
    fill(log);
    faulty.crashAt = faulty.operations.length + (committed - twinStart) + 1;
    try {
      clean(log);
    } catch {
      // The simulated crash; the cleaner may also have caught it itself.
    }
    expect(faulty.crashed).toBe(true);

    const dir = env.reopenRoot().dir('t-0');
    const before = dir.listFiles();
    expect(before.some((f) => /\.log\.swap$/.test(f))).toBe(true);
    const snapshots = before.filter((f) => f.endsWith('.snapshot')).sort();
    const latestSnapshot = dir.readFile(snapshots[snapshots.length - 1] as string) as Buffer;
    // Leftovers of other crashes: a half-written replacement, a segment Kafka renamed for deletion,
    // a snapshot past the log end (recovery cut its data off), retained batches without their snapshot.
    dir.writeFile('leader-epoch-checkpoint.tmp', Buffer.from('half'));
    dir.writeFile(`${segmentFileStem(900)}.log.deleted`, Buffer.from('old'));
    dir.writeFile(`${segmentFileStem(1_000_000)}.snapshot`, latestSnapshot);
    dir.writeFile(`${segmentFileStem(3)}.producer-batches`, Buffer.from('orphan'));

    const { log: reopened, listings } = openCounting('t-0');
    expect(listings).toBe(1);
    expect(reopened.recoveryReport.completedCleanerSwaps).toBe(1);
    const after = dir.listFiles();
    expect(after.filter((f) => RECOVERY_LEFTOVER.test(f))).toEqual([]);
    expect(after).not.toContain(`${segmentFileStem(1_000_000)}.snapshot`);
    expect(after).not.toContain(`${segmentFileStem(3)}.producer-batches`);
    // Every segment the log holds has its file, and no segment file is left outside the log.
    const segmentLogs = after.filter((f) => /^\d{20}\.log$/.test(f)).sort();
    expect(segmentLogs).toEqual(reopened.segmentBaseOffsets().map((b) => `${segmentFileStem(b)}.log`));
    // Finishing the cleaning from there gives what an uninterrupted one gave.
    clean(reopened);
    expect(readRecords(reopened)).toEqual(cleaned);
    reopened.close();
  });

  test('with and without a leader-epoch checkpoint: one listing, and a missing checkpoint still noticed', () => {
    const first = Log.open(env.root.dir('t-0'), { topic: 't', partition: 0, config, now });
    for (let i = 0; i < 3; i++) first.append(keyedBatch([{ key: `k${i}`, value: 'v' }], { timestamp: 1_000_000 }), { leaderEpoch: 3 });
    const leo = first.logEndOffset;
    first.close();
    const dir = env.reopenRoot().dir('t-0');

    // Without a checkpoint (a log written before Weir kept one): the first batch's epoch from the log start.
    dir.deleteFile('leader-epoch-checkpoint');
    const without = openCounting('t-0', { recoveryPoint: leo });
    expect(without.listings).toBe(1);
    expect(without.log.leaderEpochEntries()).toEqual([{ epoch: 3, startOffset: 0 }]);
    without.log.close();

    // With one that holds no entry, nothing is made up (below the recovery point the checkpoint is trusted).
    dir.writeFile('leader-epoch-checkpoint', Buffer.from('0\n0\n'));
    const withEmpty = openCounting('t-0', { recoveryPoint: leo });
    expect(withEmpty.listings).toBe(1);
    expect(withEmpty.log.leaderEpochEntries()).toEqual([]);
    withEmpty.log.close();
  });

  test('converting an earlier Weir\'s files (indexes and snapshots dropped, indexes rewritten): one listing', () => {
    const first = Log.open(env.root.dir('t-0'), { topic: 't', partition: 0, config, now });
    fill(first);
    const records = readRecords(first);
    first.close();

    const { log, listings } = openCounting('t-0', { convertEarlierWeirFiles: true });
    expect(listings).toBe(1);
    expect(log.recoveryReport.rewrittenIndexes).toBe(log.numberOfSegments);
    expect(readRecords(log)).toEqual(records);
    const files = env.reopenRoot().dir('t-0').listFiles();
    expect(files.filter((f) => f.endsWith('.index')).length).toBe(log.numberOfSegments);
    expect(files.filter((f) => f.endsWith('.snapshot'))).toEqual([]);
    log.close();
  });
});
