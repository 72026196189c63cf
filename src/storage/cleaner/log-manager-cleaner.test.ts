import { LogManager } from '../log-manager';
import type { LogConfig } from '../log-config';
import { MemoryStorageDir } from '../memory-storage-dir';
import { keyedBatch, readRecords } from './cleaner-test-support';
import { CLEANER_OFFSET_CHECKPOINT } from './log-cleaner';

const compacted: Partial<LogConfig> = { compactPolicy: true, deletePolicy: false, segmentBytes: 1024, minCleanableDirtyRatio: 0.1 };

describe('LogManager and the log cleaner', () => {
  let clock: number;
  const now = (): number => clock;
  beforeEach(() => {
    clock = 1_000_000;
  });

  /** Lets the event loop turn (the cleaner's slices are setImmediate / setTimeout callbacks) until `condition` holds. */
  const until = async (condition: () => boolean): Promise<void> => {
    for (let turns = 0; !condition(); turns++) {
      if (turns > 10_000) throw new Error('condition not reached');
      await new Promise((resolve) => setTimeout(resolve, 1));
    }
  };

  const fill = (logs: LogManager, topic: string): void => {
    const log = logs.getOrCreateLog(topic, 0, compacted);
    for (let u = 0; u < 8; u++) {
      for (let k = 0; k < 5; k++) log.append(keyedBatch([{ key: `k${k}`, value: `v${u}` }], { timestamp: clock }), { leaderEpoch: 0 });
    }
    log.roll();
  };

  test('the background timer cleans compacted logs and leaves delete-policy logs alone', async () => {
    const dir = new MemoryStorageDir();
    const logs = LogManager.open({ dir, now, cleaner: { backoffMs: 5, sliceBytes: 256 } });
    fill(logs, 'compacted');
    const plain = logs.getOrCreateLog('plain', 0, { segmentBytes: 1024 });
    for (let u = 0; u < 8; u++) plain.append(keyedBatch([{ key: 'k', value: `v${u}` }], { timestamp: clock }), { leaderEpoch: 0 });
    plain.roll();
    logs.startCleaner();
    await until(() => logs.cleaner.recentRounds.length === 1 && logs.cleaner.logInProgress === null);
    expect(readRecords(logs.getLog('compacted', 0)!).map((r) => `${r.key}=${r.value}`)).toEqual(['k0=v7', 'k1=v7', 'k2=v7', 'k3=v7', 'k4=v7']);
    expect(readRecords(plain)).toHaveLength(8);
    expect(logs.cleaner.logInProgress).toBeNull();

    // New dirt is picked up after log.cleaner.backoff.ms.
    const log = logs.getLog('compacted', 0)!;
    for (let u = 0; u < 8; u++) log.append(keyedBatch([{ key: 'k0', value: `w${u}` }], { timestamp: clock }), { leaderEpoch: 0 });
    log.roll();
    await until(() => logs.cleaner.recentRounds.length === 2 && logs.cleaner.logInProgress === null);
    expect(readRecords(log).map((r) => `${r.key}=${r.value}`)).toEqual(['k1=v7', 'k2=v7', 'k3=v7', 'k4=v7', 'k0=w7']);
    logs.close();
    expect(dir.readFile(CLEANER_OFFSET_CHECKPOINT)?.toString()).toBe(`0\n1\ncompacted 0 ${log.logEndOffset}\n`);
  });

  test('close during a round discards its .cleaned file; the data is intact on reopen and the checkpoint survives', () => {
    const dir = new MemoryStorageDir();
    const logs = LogManager.open({ dir, now, cleaner: { sliceBytes: 64 } });
    fill(logs, 'c');
    const before = readRecords(logs.getLog('c', 0)!);
    const partitionDir = dir.dir('c-0');
    while (!partitionDir.listFiles().some((f) => f.endsWith('.log.cleaned'))) logs.cleaner.runSlice();
    logs.close();
    expect(partitionDir.listFiles().filter((f) => f.includes('.cleaned'))).toEqual([]);

    const again = LogManager.open({ dir, now, cleaner: { sliceBytes: 64 } });
    const log = again.getLog('c', 0)!;
    log.updateConfig(compacted);
    const after = readRecords(log);
    // Some groups may have been swapped before the close: a subset, same latest values.
    expect(new Map(after.map((r) => [r.key, r.value]))).toEqual(new Map(before.map((r) => [r.key, r.value])));
    again.cleaner.cleanUntilIdle();
    expect(readRecords(log)).toHaveLength(5);
    again.close();
    const reopened = LogManager.open({ dir, now });
    expect(reopened.cleaner.cleanedUpTo(reopened.getLog('c', 0)!)).toBe(40);
    reopened.close();
  });

  test('deleting a log being cleaned stops the round and forgets its checkpoint', () => {
    const dir = new MemoryStorageDir();
    const logs = LogManager.open({ dir, now, cleaner: { sliceBytes: 64 } });
    fill(logs, 'gone');
    logs.cleaner.runSlice();
    expect(logs.cleaner.logInProgress?.topic).toBe('gone');
    logs.deleteLog('gone', 0);
    expect(logs.cleaner.logInProgress).toBeNull();
    expect(logs.cleaner.runSlice()).toBe('idle');
    logs.close();
    expect(dir.readFile(CLEANER_OFFSET_CHECKPOINT)?.toString()).toBe('0\n0\n');
  });
});
