/**
 * A file region handed to a Fetch response holds its segment file open until
 * released, whatever happens to the segment meanwhile (retention,
 * DeleteRecords, the log cleaner's swap, the log closing); and once nothing
 * holds a segment's descriptor it is closed at once — no grace timer.
 */
import * as fs from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { ErrorCode } from '../protocol/errors';
import { type FileRegion, isFileRegion } from '../protocol/primitives/records-value';
import { decodeRecordBatches } from '../protocol/records/record-batch';
import { keyedBatch } from './cleaner/cleaner-test-support';
import { LogCleaner } from './cleaner/log-cleaner';
import { DiskStorageDir } from './disk-storage-dir';
import { Log } from './log';
import { batchBaseOffsets, makeBatch } from './test-batches';

/** Descriptors of this process that point at deleted files under `root`. */
function deletedFilesHeldOpen(root: string): string[] {
  const held: string[] = [];
  for (const fd of fs.readdirSync('/proc/self/fd')) {
    let target: string;
    try {
      target = fs.readlinkSync(`/proc/self/fd/${fd}`);
    } catch {
      continue;
    }
    if (target.startsWith(root) && target.endsWith(' (deleted)')) held.push(target);
  }
  return held;
}

function readRegion(region: FileRegion): Buffer {
  const buf = Buffer.alloc(region.length);
  expect(fs.readSync(region.fd, buf, 0, region.length, region.position)).toBe(region.length);
  return buf;
}

function regionOf(log: Log, offset: number): FileRegion {
  const r = log.read(offset, 1 << 20).records;
  if (!isFileRegion(r)) throw new Error('a disk log reads file regions');
  return r;
}

const onLinux = process.platform === 'linux';

describe('file regions own their segment files (disk)', () => {
  let root: string;
  let clock: number;
  const open = (config: Parameters<typeof Log.open>[1]['config'] = {}): Log =>
    Log.open(new DiskStorageDir(root).dir('t-0'), { topic: 't', partition: 0, config: { segmentBytes: 1024, ...config }, now: () => clock });
  /** Appends batches of 10 records until the log has `segments` segments (at least one batch). */
  const fill = (log: Log, segments: number): void => {
    do expect(log.append(makeBatch({ records: 10, timestamp: clock }), { leaderEpoch: 0 }).errorCode).toBe(ErrorCode.NONE);
    while (log.numberOfSegments < segments);
  };

  beforeEach(() => {
    root = fs.realpathSync(fs.mkdtempSync(path.join(tmpdir(), 'weir-regions-')));
    clock = 1_000_000;
  });
  afterEach(() => fs.rmSync(root, { recursive: true, force: true }));

  test('DeleteRecords removes a segment that a response is sending: the response reads every byte, the descriptor closes on release', () => {
    const log = open();
    fill(log, 3);
    const region = regionOf(log, 0);
    const before = readRegion(region);
    const firstOfSecond = log.segmentBaseOffsets()[1] as number;
    expect(log.deleteRecordsBefore(firstOfSecond).errorCode).toBe(ErrorCode.NONE);
    expect(log.segmentBaseOffsets()[0]).toBe(firstOfSecond);
    expect(readRegion(region).equals(before)).toBe(true);
    expect(batchBaseOffsets(before)[0]).toBe(0);
    if (onLinux) expect(deletedFilesHeldOpen(root)).toHaveLength(1);
    region.release();
    if (onLinux) expect(deletedFilesHeldOpen(root)).toEqual([]);
    expect(() => fs.fstatSync(region.fd)).toThrow(expect.objectContaining({ code: 'EBADF' }));
    log.close();
  });

  test('retention deletes segments: those with a region in flight stay open until it is released, the others close at once', () => {
    const log = open({ retentionMs: 1000, deletePolicy: true });
    fill(log, 4);
    const region = regionOf(log, 0);
    const before = readRegion(region);
    clock += 10_000; // every segment is now past retention.ms (a new empty one is rolled)
    expect(log.deleteRetentionExpired(clock)).toBe(4);
    // Only the segment being sent is still open, though four were deleted.
    if (onLinux) expect(deletedFilesHeldOpen(root)).toHaveLength(1);
    expect(readRegion(region).equals(before)).toBe(true);
    region.release();
    if (onLinux) expect(deletedFilesHeldOpen(root)).toEqual([]);
    log.close();
  });

  test('the log cleaner replaces a segment that a response is sending: the response gets the bytes as they were', () => {
    const log = open({ compactPolicy: true, deletePolicy: false, minCleanableDirtyRatio: 0.01 });
    for (let i = 0; i < 40; i++) log.append(keyedBatch([{ key: `k${i % 4}`, value: `v${i}`.repeat(20) }], { timestamp: clock }), { leaderEpoch: 0 });
    log.roll();
    const region = regionOf(log, 0);
    const before = readRegion(region);
    const rounds = new LogCleaner(new DiskStorageDir(root), () => [log], { sliceBytes: 1 << 20 }, () => clock).cleanUntilIdle();
    expect(rounds.some((r) => r.completed)).toBe(true);
    expect(decodeRecordBatches(readRegion(region)).map((b) => b.header.baseOffset)).toEqual(decodeRecordBatches(before).map((b) => b.header.baseOffset));
    expect(readRegion(region).equals(before)).toBe(true);
    region.release();
    if (onLinux) expect(deletedFilesHeldOpen(root)).toEqual([]);
    log.close();
  });

  test('closing the log leaves a region in flight readable; releasing it closes the last descriptor', () => {
    const log = open();
    fill(log, 1);
    const region = regionOf(log, 0);
    const before = readRegion(region);
    log.close();
    expect(readRegion(region).equals(before)).toBe(true);
    region.release();
    expect(() => fs.fstatSync(region.fd)).toThrow(expect.objectContaining({ code: 'EBADF' }));
  });

  test('a region released twice lets go once: the segment it came from still reads', () => {
    const log = open();
    fill(log, 1);
    const region = regionOf(log, 0);
    region.release();
    region.release();
    const again = regionOf(log, 0);
    expect(again.fd).toBe(region.fd);
    expect(batchBaseOffsets(readRegion(again))[0]).toBe(0);
    again.release();
    log.close();
    expect(() => fs.fstatSync(region.fd)).toThrow(expect.objectContaining({ code: 'EBADF' }));
  });
});
