import { existsSync, fstatSync, mkdtempSync, readdirSync, readFileSync, readSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { DataDirLockedError } from './dir-lock';
import { LogManager, parsePartitionDirName } from './log-manager';
import { MemoryStorageDir } from './memory-storage-dir';
import { OffsetCheckpointFile } from './offset-checkpoint-file';
import { batchBaseOffsets, collectRecords, makeBatch } from './test-batches';
import { isFileRegion } from '../protocol/primitives/records-value';
import { DiskStorageDir } from './disk-storage-dir';

/**
 * Spies on what the logs ask of their directories. (On the class: a spy on
 * `fs` itself would see nothing, as each module compiled by @swc/jest holds
 * its own copy of the `node:fs` namespace.)
 */
function spyOnDirs<K extends 'listFiles' | 'readFile' | 'exists' | 'writeFile'>(method: K): { paths(): string[]; restore(): void } {
  const spy = jest.spyOn(DiskStorageDir.prototype, method as 'exists');
  return {
    paths: () => spy.mock.calls.map((args, i) => path.join((spy.mock.contexts[i] as DiskStorageDir).path, String(args[0] ?? ''))),
    restore: () => spy.mockRestore(),
  };
}

describe('LogManager on disk', () => {
  let root: string;
  beforeEach(() => {
    root = mkdtempSync(path.join(tmpdir(), 'weir-lm-'));
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  test('creates partition dirs, writes Kafka checkpoint files, reloads everything', () => {
    const m = LogManager.open({ dataDir: root });
    const a = m.getOrCreateLog('orders', 0);
    const b = m.getOrCreateLog('my-topic.v2', 11);
    expect(m.getOrCreateLog('orders', 0)).toBe(a);
    a.append(makeBatch({ records: 3 }), { leaderEpoch: 0 });
    b.append(makeBatch({ records: 2 }), { leaderEpoch: 0 });
    b.deleteRecordsBefore(1);
    m.close();
    expect(existsSync(path.join(root, 'orders-0', '00000000000000000000.log'))).toBe(true);
    expect(existsSync(path.join(root, 'orders-0', '00000000000000000000.index'))).toBe(true);
    expect(existsSync(path.join(root, 'orders-0', '00000000000000000000.timeindex'))).toBe(true);
    expect(existsSync(path.join(root, 'orders-0', '00000000000000000003.snapshot'))).toBe(true);
    const recovery = readFileSync(path.join(root, 'recovery-point-offset-checkpoint'), 'utf8');
    expect(recovery.split('\n').slice(0, 2)).toEqual(['0', '2']);
    expect(recovery).toContain('orders 0 3\n');
    expect(recovery).toContain('my-topic.v2 11 2\n');
    expect(readFileSync(path.join(root, 'log-start-offset-checkpoint'), 'utf8')).toContain('my-topic.v2 11 1\n');
    expect(existsSync(path.join(root, '.lock'))).toBe(false);

    const again = LogManager.open({ dataDir: root });
    expect(again.getLog('orders', 0)?.logEndOffset).toBe(3);
    expect(again.getLog('my-topic.v2', 11)?.logStartOffset).toBe(1);
    expect(batchBaseOffsets(collectRecords(again.getLog('orders', 0)?.read(0, 1000).records ?? null))).toEqual([0]);
    again.close();
  });

  test('logs prepared in the thread pool open without listing their directory, and are the logs a direct creation gives', async () => {
    const m = LogManager.open({ dataDir: root });
    const direct = m.getOrCreateLog('direct', 0);
    const existing = m.getOrCreateLog('t', 1);
    existing.append(makeBatch({ records: 1 }), { leaderEpoch: 0 });
    // A directory that exists already is left as it is, and its log is found by listing it.
    const prepared = m.prepareLogsAsync([{ topic: 't', partition: 0 }, { topic: 't', partition: 1 }, { topic: 't', partition: 2 }, { topic: 't', partition: 0 }]);
    expect(prepared).not.toBeNull();
    await prepared;
    expect(m.prepareLogsAsync([{ topic: 't', partition: 1 }])).toBeNull();
    expect(existsSync(path.join(root, 't-0', '00000000000000000000.log'))).toBe(true);
    expect(existsSync(path.join(root, 't-2', '00000000000000000000.log'))).toBe(true);

    const listings = spyOnDirs('listFiles');
    const logs = [m.getOrCreateLog('t', 0), m.getOrCreateLog('t', 2)];
    expect(listings.paths()).toEqual([]);
    listings.restore();
    expect(m.getOrCreateLog('t', 1)).toBe(existing);

    for (const log of [direct, ...logs]) {
      expect([log.logStartOffset, log.logEndOffset]).toEqual([0, 0]);
      log.append(makeBatch({ records: 2 }), { leaderEpoch: 4 });
    }
    m.close();
    const files = (dir: string): string[] => readdirSync(path.join(root, dir)).sort();
    expect(files('t-0')).toEqual(files('direct-0'));
    expect(files('t-2')).toEqual(files('direct-0'));
    expect(readFileSync(path.join(root, 't-0', 'leader-epoch-checkpoint'), 'utf8')).toBe(readFileSync(path.join(root, 'direct-0', 'leader-epoch-checkpoint'), 'utf8'));

    const again = LogManager.open({ dataDir: root });
    expect([0, 2].map((p) => again.getLog('t', p)?.logEndOffset)).toEqual([2, 2]);
    again.close();
  });

  test('a log prepared with its topic id opens with it, reading nothing, and an idle one writes nothing at close', async () => {
    const topicId = 'b9f0e3a4-6c1d-4e2f-8a7b-0c1d2e3f4a5b';
    const m = LogManager.open({ dataDir: root });
    const direct = m.getOrCreateLog('direct', 0);
    direct.assignTopicId(topicId);
    await direct.whenTopicIdWritten();
    await m.prepareLogsAsync([
      { topic: 't', partition: 0, topicId },
      { topic: 't', partition: 1, topicId },
    ]);
    expect(readFileSync(path.join(root, 't-0', 'partition.metadata'), 'utf8')).toBe(readFileSync(path.join(root, 'direct-0', 'partition.metadata'), 'utf8'));

    const asked = [spyOnDirs('listFiles'), spyOnDirs('readFile'), spyOnDirs('exists')];
    const [busy, idle] = [m.getOrCreateLog('t', 0), m.getOrCreateLog('t', 1)];
    expect(asked.map((a) => a.paths())).toEqual([[], [], []]);
    for (const a of asked) a.restore();
    expect([busy.topicId, idle.topicId]).toEqual([topicId, topicId]);
    busy.append(makeBatch({ records: 2 }), { leaderEpoch: 4 });
    direct.append(makeBatch({ records: 2 }), { leaderEpoch: 4 });

    // The idle log's files are already what a closed new log leaves: nothing is opened to write them.
    const writes = spyOnDirs('writeFile');
    m.close();
    const written = writes.paths();
    writes.restore();
    expect(written.filter((f) => f.includes(`${path.sep}t-1${path.sep}`))).toEqual([]);
    expect(written).toContain(path.join(root, 't-0', '00000000000000000000.timeindex'));
    const files = (dir: string): string[] => readdirSync(path.join(root, dir)).sort();
    expect(files('t-0')).toEqual(files('direct-0'));
    expect(files('t-1')).toEqual(['00000000000000000000.index', '00000000000000000000.log', '00000000000000000000.timeindex', 'partition.metadata']);

    const again = LogManager.open({ dataDir: root });
    expect([again.getLog('t', 0)?.logEndOffset, again.getLog('t', 1)?.logEndOffset]).toEqual([2, 0]);
    expect([again.getLog('t', 0)?.topicId, again.getLog('t', 1)?.topicId]).toEqual([topicId, topicId]);
    again.close();
  });

  test('a prepared log that never got a record writes no file at its close, and opens again as the empty log a direct creation leaves', async () => {
    const m = LogManager.open({ dataDir: root });
    const direct = m.getOrCreateLog('direct', 0);
    await m.prepareLogsAsync([0, 1, 2].map((partition) => ({ topic: 't', partition })));
    const logs = [0, 1, 2].map((p) => m.getOrCreateLog('t', p));
    await m.flushAllAsync();
    // Each file by inode: a file replaced (written anew and renamed over) gets another.
    const inodes = (dir: string): string[] => readdirSync(path.join(root, dir)).sort().map((f) => `${f} ${statSync(path.join(root, dir, f)).ino}`);
    const before = [0, 1, 2].map((p) => inodes(`t-${p}`));
    m.close();
    expect([0, 1, 2].map((p) => inodes(`t-${p}`))).toEqual(before);
    const files = (dir: string): string[] => readdirSync(path.join(root, dir)).sort();
    for (const p of [0, 1, 2]) {
      expect(files(`t-${p}`)).toEqual(files('direct-0'));
      for (const f of files(`t-${p}`).filter((name) => /\.(log|index|timeindex)$/.test(name))) {
        expect([f, statSync(path.join(root, `t-${p}`, f)).size]).toEqual([f, 0]);
      }
    }
    expect(logs.every((l) => l.isClosed) && direct.isClosed).toBe(true);

    const again = LogManager.open({ dataDir: root });
    const reopened = again.getLog('t', 1);
    expect([reopened?.logStartOffset, reopened?.logEndOffset]).toEqual([0, 0]);
    reopened?.append(makeBatch({ records: 2 }), { leaderEpoch: 0 });
    again.close();
    const last = LogManager.open({ dataDir: root });
    expect(batchBaseOffsets(collectRecords(last.getLog('t', 1)?.read(0, 1000).records ?? null))).toEqual([0]);
    last.close();
  });

  test('a second broker on the same dir fails clearly; a stale lock is taken over', () => {
    const m = LogManager.open({ dataDir: root });
    // Same process counts as "in use" too: the lock holds our pid.
    expect(() => LogManager.open({ dataDir: root })).toThrow(DataDirLockedError);
    m.close();
    writeFileSync(path.join(root, '.lock'), '999999999\n'); // a pid that is not running
    const n = LogManager.open({ dataDir: root });
    expect(readFileSync(path.join(root, '.lock'), 'utf8').trim()).toBe(String(process.pid));
    n.close();
  });

  test('deleteLog removes the partition directory; a region being sent keeps its file readable until released, then the fd closes', () => {
    const m = LogManager.open({ dataDir: root });
    const log = m.getOrCreateLog('t', 0);
    log.append(makeBatch({ records: 2 }), { leaderEpoch: 0 });
    const region = log.read(0, 1000).records;
    if (!isFileRegion(region)) throw new Error('a disk log reads file regions');
    const fd = region.fd;
    expect(m.deleteLog('t', 0)).toBe(true);
    expect(existsSync(path.join(root, 't-0'))).toBe(false);
    // The in-flight response can still be read from the unlinked file...
    const bytes = Buffer.alloc(region.length);
    expect(readSync(fd, bytes, 0, region.length, region.position)).toBe(region.length);
    expect(batchBaseOffsets(bytes)).toEqual([0]);
    // ...and once it lets go, nothing holds the descriptor any more: no timer, no grace period.
    region.release();
    expect(() => fstatSync(fd)).toThrow(expect.objectContaining({ code: 'EBADF' }));
    expect(m.getLog('t', 0)).toBeUndefined();
    m.close();
  });

  test('tick applies retention and flush.ms and keeps the checkpoints current', () => {
    let clock = 1_000_000;
    const size = makeBatch().length;
    const m = LogManager.open({ dataDir: root, now: () => clock, defaults: { segmentBytes: size, retentionMs: 1000, flushMs: 500 } });
    const log = m.getOrCreateLog('t', 0);
    for (let i = 0; i < 3; i++) log.append(makeBatch({ timestamp: clock }), { leaderEpoch: 0 });
    clock += 500;
    expect(m.tick(clock).flushedLogs).toBe(1);
    expect(log.recoveryPoint).toBe(3);
    clock += 1000;
    expect(m.tick(clock).deletedSegments).toBe(3);
    expect(log.logStartOffset).toBe(3);
    const starts = new OffsetCheckpointFile(m.dir, 'log-start-offset-checkpoint').read();
    expect(starts.get('t-0')).toBe(3);
    m.close();
  });

  test("the broker's tick writes the checkpoints with their fsyncs in the background", async () => {
    let clock = 1_000_000;
    const m = LogManager.open({ dataDir: root, now: () => clock, defaults: { retentionMs: 1000 } });
    const log = m.getOrCreateLog('t', 0);
    log.append(makeBatch({ records: 2, timestamp: clock }), { leaderEpoch: 0 });
    log.roll();
    log.append(makeBatch({ records: 2, timestamp: clock + 2000 }), { leaderEpoch: 0 });
    clock += 1500;
    expect(m.tick(clock, { checkpointsInBackground: true }).deletedSegments).toBe(1);
    await m.whenCheckpointsWritten();
    expect(m.lastCheckpointError).toBeNull();
    expect(new OffsetCheckpointFile(m.dir, 'log-start-offset-checkpoint').read().get('t-0')).toBe(2);
    m.close();
  });

  test('crash without close: recovery from the checkpoints truncates the torn tail', () => {
    const m = LogManager.open({ dataDir: root });
    const log = m.getOrCreateLog('t', 0);
    log.append(makeBatch({ records: 2 }), { leaderEpoch: 0 });
    m.writeCheckpoints();
    log.append(makeBatch({ records: 2 }), { leaderEpoch: 0 });
    writeFileSync(path.join(root, 't-0', '00000000000000000000.log'), makeBatch().subarray(0, 30), { flag: 'a' });
    rmSync(path.join(root, '.lock')); // the crashed process is gone
    const again = LogManager.open({ dataDir: root });
    const l = again.getLog('t', 0);
    expect(l?.logEndOffset).toBe(4);
    expect(l?.recoveryReport.truncatedBytes).toBe(30);
    again.close();
  });
});

describe('LogManager in memory', () => {
  test('same API without touching disk; reopening over the same MemoryStorageDir recovers', () => {
    const m = LogManager.open({ memory: true });
    m.getOrCreateLog('t', 1).append(makeBatch({ records: 2 }), { leaderEpoch: 0 });
    expect(m.getLog('t', 1)?.logEndOffset).toBe(2);
    m.close();

    const dir = new MemoryStorageDir();
    const a = LogManager.open({ dir });
    a.getOrCreateLog('t', 0).append(makeBatch({ records: 5 }), { leaderEpoch: 0 });
    a.close();
    const b = LogManager.open({ dir });
    expect(b.getLog('t', 0)?.logEndOffset).toBe(5);
    b.close();
  });
});

test('partition directory names', () => {
  expect(parsePartitionDirName('a-b-12')).toEqual({ topic: 'a-b', partition: 12 });
  expect(parsePartitionDirName('nope')).toBeNull();
});
