/**
 * Opening a log fsyncs only what recovery had to check: data past the
 * recovery point. A clean restart or a new partition costs no fsync (a broker
 * with 10,000 partitions paid 10,000 of them at start and on CreateTopics).
 */
import { FaultyStorageDir } from './cleaner/faulty-storage-dir';
import { Log } from './log';
import { MemoryStorageDir } from './memory-storage-dir';
import { makeBatch } from './test-batches';

const fsyncs = (dir: FaultyStorageDir): string[] => dir.operations.filter((op) => op.startsWith('fsync'));

test('a new log and a clean reopen fsync nothing; a reopen after a crash fsyncs what it recovered', () => {
  const inner = new MemoryStorageDir();
  const created = new FaultyStorageDir(inner);
  const log = Log.open(created, { topic: 't', partition: 0 });
  expect(fsyncs(created)).toEqual([]);
  log.append(makeBatch({ records: 3 }), { leaderEpoch: 0 });
  log.close();
  const end = log.logEndOffset;

  const clean = new FaultyStorageDir(inner);
  const reopened = Log.open(clean, { topic: 't', partition: 0, recoveryPoint: end });
  expect(reopened.logEndOffset).toBe(end);
  expect(fsyncs(clean)).toEqual([]);
  reopened.append(makeBatch({ records: 2 }), { leaderEpoch: 0 });
  // No close: a crash. The recovery point on disk is still `end`.

  const crashed = new FaultyStorageDir(inner);
  const recovered = Log.open(crashed, { topic: 't', partition: 0, recoveryPoint: end });
  expect(recovered.logEndOffset).toBe(end + 2);
  expect(fsyncs(crashed)).toEqual(['fsync 00000000000000000000.log']);
  recovered.close();
});
