import { Log } from '../log';
import type { LogConfig } from '../log-config';
import type { StorageDir } from '../storage-dir';
import { type CleanerTestEnv, cleanerTestEnvs, keyedBatch, latestPerKey, readRecords, type StoredRecord } from './cleaner-test-support';
import { FaultyStorageDir, SimulatedCrash } from './faulty-storage-dir';
import { LogCleaner } from './log-cleaner';
import { MemoryStorageDir } from '../memory-storage-dir';

const config: Partial<LogConfig> = { compactPolicy: true, deletePolicy: false, segmentBytes: 700, minCleanableDirtyRatio: 0.01 };
const LEFTOVER = /\.(cleaned|swap|swap-end)$/;

describe.each(cleanerTestEnvs)('cleaner swap crash safety over %s storage', (_name, makeEnv) => {
  let env: CleanerTestEnv;
  const now = (): number => 1_000_000;
  const openLog = (dir: StorageDir): Log => Log.open(dir, { topic: 't', partition: 0, config, now });
  // Each cleaning starts from scratch: the checkpoint is not what these tests are about.
  const clean = (_root: StorageDir, log: Log): void => {
    new LogCleaner(new MemoryStorageDir(), () => [log], { sliceBytes: 512 }, now).cleanUntilIdle();
  };

  /** 6 keys x 6 updates, ~100-byte records, over several segments, then a roll. */
  const fill = (log: Log): void => {
    for (let u = 0; u < 6; u++) {
      for (let k = 0; k < 6; k++) {
        const batch = keyedBatch([{ key: `k${k}`, value: `${u}`.padEnd(80, '.') }], { timestamp: 1_000_000 });
        log.append(batch, { leaderEpoch: 0 });
      }
    }
    // Later updates of the last keys written: the group holding their old
    // values loses its tail, so its cleaned segment ends before the group does.
    log.roll();
    for (const key of ['k4', 'k5']) log.append(keyedBatch([{ key, value: 'final' }], { timestamp: 1_000_000 }), { leaderEpoch: 0 });
    log.roll();
    log.append(keyedBatch([{ key: 'k0', value: 'active' }], { timestamp: 1_000_000 }), { leaderEpoch: 0 });
  };

  /**
   * Cleans until the simulated crash. The cleaner may catch the first
   * SimulatedCrash itself (a failed round); everything it tries after is
   * refused too, exactly as if the process had died.
   */
  const crashWhileCleaning = (faulty: FaultyStorageDir, log: Log): void => {
    try {
      clean(env.root, log);
    } catch (e) {
      expect(e).toBeInstanceOf(SimulatedCrash);
    }
    expect(faulty.crashed).toBe(true);
  };

  /** What a consistent log looks like after a crash at any point: a subset of the original, nothing mixed or doubled. */
  const expectConsistent = (log: Log, original: readonly StoredRecord[]): void => {
    expect(log.dir.listFiles().filter((f) => LEFTOVER.test(f))).toEqual([]);
    const records = readRecords(log);
    const byOffset = new Map(original.map((r) => [r.offset, r]));
    for (let i = 0; i < records.length; i++) {
      const r = records[i] as StoredRecord;
      if (i > 0) expect(r.offset).toBeGreaterThan((records[i - 1] as StoredRecord).offset);
      expect(byOffset.get(r.offset)).toEqual(r);
    }
    expect(latestPerKey(records)).toEqual(latestPerKey(original));
    const bases = log.segmentBaseOffsets();
    expect([...new Set(bases)].sort((a, b) => a - b)).toEqual(bases);
  };

  beforeEach(() => {
    env = makeEnv();
  });
  afterEach(() => env.cleanup());

  test('a crash at every file operation of a cleaning leaves the old or the new segments, never a mix', () => {
    // A full run, to learn the operations a cleaning performs.
    const reference = new FaultyStorageDir(env.root.dir('reference-0'));
    const referenceLog = openLog(reference);
    fill(referenceLog);
    const original = readRecords(referenceLog);
    const start = reference.operations.length;
    clean(env.root, referenceLog);
    const operations = reference.operations.slice(start);
    const cleaned = readRecords(referenceLog);
    referenceLog.close();
    // k0's old value stays: the active segment, never cleaned, is not mapped either.
    expect(cleaned.map((r) => `${r.key}=${r.value?.slice(0, 6)}`)).toEqual(['k0=5.....', 'k1=5.....', 'k2=5.....', 'k3=5.....', 'k4=final', 'k5=final', 'k0=active']);
    expect(operations).toEqual(expect.arrayContaining([expect.stringMatching(/^rename \d{20}\.log\.cleaned -> \d{20}\.log\.swap$/), expect.stringMatching(/^rename \d{20}\.log\.swap -> \d{20}\.log$/)]));

    // Every operation in memory; on disk (fsyncs are slow) those of the first
    // group and of the last two, which are the ones writing data and indexes.
    const stems = [...new Set(operations.map((op) => /\d{20}/.exec(op)?.[0]).filter((x): x is string => x !== undefined))];
    const sampled = new Set([stems[0], ...stems.slice(-2)]);
    const crashPoints = operations
      .map((op, i) => ({ op, i }))
      .filter(({ op }) => _name === 'memory' || sampled.has(/\d{20}/.exec(op)?.[0]))
      .map(({ i }) => i);
    expect(crashPoints.length).toBeGreaterThan(20);
    for (const crashAt of crashPoints) {
      const dirName = `crash${crashAt}-0`;
      const faulty = new FaultyStorageDir(env.root.dir(dirName));
      const log = openLog(faulty);
      fill(log);
      faulty.crashAt = faulty.operations.length + crashAt;
      crashWhileCleaning(faulty, log);

      const reopened = openLog(env.reopenRoot().dir(dirName));
      expectConsistent(reopened, original);
      // Cleaning again from whatever survived gives the same result as an uninterrupted cleaning.
      clean(env.reopenRoot(), reopened);
      expect(readRecords(reopened)).toEqual(cleaned);
      reopened.close();
    }
  });

  test('a .swap without its .swap-end marker (as Kafka leaves it) is completed by its own offset range', () => {
    const faulty = new FaultyStorageDir(env.root.dir('t-0'));
    const log = openLog(faulty);
    fill(log);
    const original = readRecords(log);
    const start = faulty.operations.length;
    // Learn where the first swap is committed, on a twin log.
    const twinDir = new FaultyStorageDir(env.root.dir('twin-0'));
    const twin = openLog(twinDir);
    fill(twin);
    const twinStart = twinDir.operations.length;
    clean(env.root, twin);
    const committed = twinDir.operations.findIndex((op, i) => i >= twinStart && /\.log\.cleaned -> .*\.log\.swap$/.test(op));
    twin.close();
    faulty.crashAt = start + (committed - twinStart) + 1;
    crashWhileCleaning(faulty, log);
    const dir = env.reopenRoot().dir('t-0');
    const marker = dir.listFiles().find((f) => f.endsWith('.swap-end'));
    expect(marker).toBeDefined();
    dir.deleteFile(marker as string);
    const reopened = openLog(dir);
    expect(reopened.recoveryReport.completedCleanerSwaps).toBe(1);
    expectConsistent(reopened, original);
    reopened.close();
  });
});
