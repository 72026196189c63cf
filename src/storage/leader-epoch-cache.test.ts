/**
 * When the leader-epoch checkpoint is written. Its entries follow the log's
 * data (see LeaderEpochCache): a change is written by the log's next flush,
 * but an entry that starts at or past the log end (a leader's epoch on a
 * partition with no record in it yet) is dropped by every load, so it alone
 * writes nothing; it is written once records make it count.
 */
import { FaultyStorageDir } from './cleaner/faulty-storage-dir';
import { LeaderEpochCache } from './leader-epoch-cache';
import { LEADER_EPOCH_CHECKPOINT, leaderEpochCheckpointFile } from './leader-epoch-checkpoint-file';
import { MemoryStorageDir } from './memory-storage-dir';

const writes = (dir: FaultyStorageDir): number => dir.operations.filter((op) => op === `write ${LEADER_EPOCH_CHECKPOINT}`).length;

test('an epoch with no record yet writes nothing; the records that follow write it, sync or async', async () => {
  for (const async of [false, true]) {
    const inner = new MemoryStorageDir();
    const dir = new FaultyStorageDir(inner);
    const sync = (cache: LeaderEpochCache, leo: number): Promise<void> => (async ? cache.syncAsync(leo) : Promise.resolve(cache.sync(leo)));
    const cache = LeaderEpochCache.withoutCheckpoint(dir);
    cache.assign(0, 0);
    await sync(cache, 0);
    expect([async, writes(dir), inner.exists(LEADER_EPOCH_CHECKPOINT)]).toEqual([async, 0, false]);

    // Records in epoch 0 (the append assigns nothing new): the flush writes the entry.
    await sync(cache, 3);
    expect(leaderEpochCheckpointFile(inner).read()).toEqual([{ epoch: 0, startOffset: 0 }]);

    // A new leader epoch at the log end, then a flush before its first record: nothing.
    cache.assign(4, 3);
    await sync(cache, 3);
    expect(writes(dir)).toBe(1);
    // Its records arrive (no new assignment): the next flush writes it.
    await sync(cache, 5);
    expect([writes(dir), leaderEpochCheckpointFile(inner).read()]).toEqual([2, [{ epoch: 0, startOffset: 0 }, { epoch: 4, startOffset: 3 }]]);
    await sync(cache, 5);
    expect(writes(dir)).toBe(2);
  }
});

test('a restart of a partition without records writes its checkpoint neither at the load nor at the stop', () => {
  const inner = new MemoryStorageDir();
  const first = LeaderEpochCache.withoutCheckpoint(inner);
  first.assign(0, 0);
  first.assign(2, 0);
  first.sync(1); // as if a record had been written, then removed: the file holds (2, 0)
  const dir = new FaultyStorageDir(inner);
  const cache = LeaderEpochCache.load(dir);
  // The load trims what starts at the log end (0), then the leader's epoch comes back.
  cache.truncateFromEnd(0);
  cache.sync(0);
  expect(cache.list()).toEqual([]);
  cache.assign(2, 0);
  cache.sync(0);
  expect(dir.operations).toEqual([]);
  expect(leaderEpochCheckpointFile(inner).read()).toEqual([{ epoch: 2, startOffset: 0 }]);
});

test('an entry the file lacks is written once it counts, though the entries past the end matched before', () => {
  const inner = new MemoryStorageDir();
  const dir = new FaultyStorageDir(inner);
  const cache = LeaderEpochCache.withoutCheckpoint(dir);
  cache.assign(1, 0);
  cache.sync(10);
  // A log cut back to 5 by a follower's truncation, then a new epoch there, not yet written to.
  cache.truncateFromEnd(5);
  cache.assign(3, 5);
  cache.sync(5);
  expect(writes(dir)).toBe(1);
  cache.sync(8);
  expect(leaderEpochCheckpointFile(inner).read()).toEqual([
    { epoch: 1, startOffset: 0 },
    { epoch: 3, startOffset: 5 },
  ]);
});
