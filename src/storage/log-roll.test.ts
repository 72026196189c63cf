/**
 * A roll happens inside a produce request: it must not wait for the disk.
 * The old segment's index files are written without fsync at once, and made
 * durable (data, index files, directory) in the background; the recovery
 * point moves past the segment only when that has finished.
 */
import { Log } from './log';
import { MemoryStorageDir } from './memory-storage-dir';
import { makeBatch } from './test-batches';

/** A memory dir that records how files are written and synced. */
class RecordingDir extends MemoryStorageDir {
  readonly events: string[] = [];
  private readonly pendingSyncs: (() => void)[] = [];

  override writeFile(name: string, data: Buffer, options: { sync?: boolean } = {}): void {
    this.events.push(`write ${name}${options.sync ? ' sync' : ''}`);
    super.writeFile(name, data);
  }

  override syncFileAsync(name: string): Promise<void> {
    this.events.push(`fsync ${name}`);
    // Completes only when the test says the disk is done.
    return new Promise((resolve) => this.pendingSyncs.push(resolve));
  }

  finishSyncs(): number {
    const n = this.pendingSyncs.length;
    for (const f of this.pendingSyncs.splice(0)) f();
    return n;
  }
}

async function until(cond: () => boolean): Promise<void> {
  for (let i = 0; i < 100 && !cond(); i++) await new Promise((r) => setImmediate(r));
  expect(cond()).toBe(true);
}

test('a roll writes the old indexes without fsync and syncs them in the background before the recovery point moves', async () => {
  const dir = new RecordingDir();
  const log = Log.open(dir, { topic: 't', partition: 0, config: { segmentBytes: 1024, indexIntervalBytes: 100 } });
  while (log.numberOfSegments < 2) log.append(makeBatch({ records: 10 }), { leaderEpoch: 0 });
  const base = log.segmentBaseOffsets()[1] as number;
  const indexWrites = dir.events.filter((e) => e.startsWith('write 00000000000000000000.'));
  expect(indexWrites).toEqual(['write 00000000000000000000.index', 'write 00000000000000000000.timeindex']);
  expect(log.recoveryPoint).toBeLessThan(base);

  // The background chain fsyncs the data, then each index file; the recovery point waits for all.
  for (const file of ['00000000000000000000.index', '00000000000000000000.timeindex']) {
    await until(() => dir.events.includes(`fsync ${file}`));
    expect(log.recoveryPoint).toBeLessThan(base);
    expect(dir.finishSyncs()).toBe(1);
  }
  await log.whenRollsFlushed();
  expect(log.recoveryPoint).toBe(base);
  expect(log.lastFlushError).toBeNull();
  log.close();
});
