/**
 * What closing a log costs. A broker stopping closes every log it holds, so
 * a log with nothing new writes nothing (its index files and producer
 * snapshot from the last close still hold), and a shutdown flushes the logs
 * first with `flushAsync` (many in flight at once), leaving `close` nothing
 * to fsync. Before both, a broker of 3,000 idle partitions took 17-23 s to
 * stop; now about 3.
 */
import { FaultyStorageDir } from './cleaner/faulty-storage-dir';
import { Log } from './log';
import { MemoryStorageDir } from './memory-storage-dir';
import { makeBatch } from './test-batches';

function reopen(inner: MemoryStorageDir, recoveryPoint: number): { log: Log; dir: FaultyStorageDir } {
  const dir = new FaultyStorageDir(inner);
  return { log: Log.open(dir, { topic: 't', partition: 0, recoveryPoint }), dir };
}

test('a log idle since a clean open writes nothing when it closes, with data or without', () => {
  for (const records of [0, 3]) {
    const inner = new MemoryStorageDir();
    const first = Log.open(inner, { topic: 't', partition: 0 });
    if (records > 0) first.append(makeBatch({ records }), { leaderEpoch: 0 });
    first.close();
    const files = inner.listFiles().sort();

    const { log, dir } = reopen(inner, first.logEndOffset);
    log.close();
    expect([records, dir.operations]).toEqual([records, []]);
    expect(inner.listFiles().sort()).toEqual(files);
  }
});

test('a log that moved writes its producer snapshot and the indexes that changed at close', () => {
  const inner = new MemoryStorageDir();
  const first = Log.open(inner, { topic: 't', partition: 0 });
  first.close();
  const { log, dir } = reopen(inner, 0);
  log.append(makeBatch({ records: 2 }), { leaderEpoch: 0 });
  log.close();
  const written = dir.operations.filter((op) => op.startsWith('write ')).map((op) => op.slice(6));
  // Two small records add no offset index entry: that file still holds the
  // same (no) bytes and is left alone; the time index gets its last entry.
  expect(written).toEqual(expect.arrayContaining(['00000000000000000002.snapshot', '00000000000000000000.timeindex']));
  expect(written).not.toContain('00000000000000000000.index');
  expect(inner.readFile('00000000000000000000.timeindex')?.length).toBe(12);

  // Past index.interval.bytes the offset index gains entries, and is written.
  const { log: again, dir: dirAgain } = reopen(inner, log.logEndOffset);
  for (let i = 0; i < 4; i++) again.append(makeBatch({ records: 2, valueSize: 2000 }), { leaderEpoch: 0 });
  again.close();
  expect(dirAgain.operations).toContain('write 00000000000000000000.index');
  expect(inner.readFile('00000000000000000000.index')?.length).toBeGreaterThan(0);
  const last = Log.open(inner, { topic: 't', partition: 0, recoveryPoint: again.logEndOffset });
  expect([last.logEndOffset, last.read(0, 1 << 20).logEndOffset]).toEqual([10, 10]);
  last.close();
});

test('flushAsync makes the log durable up to its end; the close after it fsyncs nothing', async () => {
  const inner = new MemoryStorageDir();
  const { log, dir } = reopen(inner, 0);
  log.append(makeBatch({ records: 4 }), { leaderEpoch: 3 });
  expect(log.recoveryPoint).toBe(0);
  await log.flushAsync();
  expect(log.recoveryPoint).toBe(4);
  // The leader epoch checkpoint went with it.
  expect(dir.operations).toContain('write leader-epoch-checkpoint');
  const before = dir.operations.length;
  log.close();
  const fsyncs = dir.operations.slice(before).filter((op) => op.startsWith('fsync') || op === 'sync dir' || op === 'write leader-epoch-checkpoint');
  expect(fsyncs).toEqual([]);
});

test('a truncation since the last flush is fsynced, though nothing lies past the recovery point', () => {
  const { log, dir } = reopen(new MemoryStorageDir(), 0);
  log.append(makeBatch({ records: 2 }), { leaderEpoch: 0 });
  log.append(makeBatch({ records: 2 }), { leaderEpoch: 0 });
  log.flush();
  const flushed = dir.operations.length;
  log.flush();
  expect(dir.operations.slice(flushed).filter((op) => op.startsWith('fsync'))).toEqual([]);
  expect(log.truncateTo(2)).toBe(true);
  expect(log.recoveryPoint).toBe(2);
  const truncated = dir.operations.length;
  log.flush();
  expect(dir.operations.slice(truncated).filter((op) => op.startsWith('fsync'))).toEqual(['fsync 00000000000000000000.log']);
  log.close();
});
