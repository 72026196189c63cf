import * as fs from 'node:fs';
import { MemoryStorageDir } from './memory-storage-dir';
import { OffsetCheckpointFile } from './offset-checkpoint-file';
import { OffsetIndex } from './offset-index';
import { ProducerStateManager } from './producer-state-manager';
import { readBatchInfo } from './batch-info';
import { TimeIndex } from './time-index';
import { makeBatch } from './test-batches';

describe('OffsetIndex', () => {
  test('floor lookups by offset and by position; Kafka byte layout round trip', () => {
    const idx = new OffsetIndex(100);
    idx.append(110, 4096);
    idx.append(125, 8200);
    idx.append(125, 9000); // not increasing: ignored
    expect(idx.lookup(99)).toEqual({ offset: 100, position: 0 });
    expect(idx.lookup(109)).toEqual({ offset: 100, position: 0 });
    expect(idx.lookup(110)).toEqual({ offset: 110, position: 4096 });
    expect(idx.lookup(1000)).toEqual({ offset: 125, position: 8200 });
    expect(idx.lookupByPosition(8199)).toEqual({ offset: 110, position: 4096 });
    const buf = idx.toBuffer();
    expect([...buf]).toEqual([0, 0, 0, 10, 0, 0, 0x10, 0, 0, 0, 0, 25, 0, 0, 0x20, 0x08]);
    expect(OffsetIndex.fromBuffer(100, buf, 10_000)?.lookup(120)).toEqual({ offset: 110, position: 4096 });
    expect(OffsetIndex.fromBuffer(100, buf, 8000)).toBeNull(); // points past the data
    expect(OffsetIndex.fromBuffer(100, buf.subarray(0, 12), 10_000)).toBeNull();
    idx.truncateToPosition(8200);
    expect(idx.entries).toBe(1);
  });
});

describe('TimeIndex', () => {
  test('only growing timestamps are indexed; lastOffsetBefore; 12-byte layout', () => {
    const idx = new TimeIndex(0);
    idx.maybeAppend(1000, 5);
    idx.maybeAppend(900, 9);
    idx.maybeAppend(2000, 20);
    expect(idx.entries).toBe(2);
    expect(idx.lastOffsetBefore(1000)).toBeNull();
    expect(idx.lastOffsetBefore(1001)).toBe(5);
    expect(idx.lastOffsetBefore(5000)).toBe(20);
    const buf = idx.toBuffer();
    expect(buf.length).toBe(24);
    expect(buf.readBigInt64BE(12)).toBe(2000n);
    expect(buf.readInt32BE(20)).toBe(20);
    expect(TimeIndex.fromBuffer(0, buf)?.lastEntry()).toEqual({ timestamp: 2000, offset: 20 });
    expect(TimeIndex.fromBuffer(0, Buffer.alloc(24))).toBeNull(); // zero-filled: not increasing
  });
});

describe('OffsetCheckpointFile', () => {
  test("Kafka's text format, atomic replace, strict parse", () => {
    const dir = new MemoryStorageDir();
    const f = new OffsetCheckpointFile(dir, 'recovery-point-offset-checkpoint');
    expect(f.read().size).toBe(0);
    f.write([
      [{ topic: 'a', partition: 0 }, 5],
      [{ topic: 'b.c', partition: 3 }, 0],
    ]);
    expect(dir.readFile('recovery-point-offset-checkpoint')?.toString()).toBe('0\n2\na 0 5\nb.c 3 0\n');
    expect(f.read()).toEqual(
      new Map([
        ['a-0', 5],
        ['b.c-3', 0],
      ]),
    );
    dir.writeFile('recovery-point-offset-checkpoint', Buffer.from('1\n0\n'));
    expect(() => f.read()).toThrow(/unsupported version/);
    dir.writeFile('recovery-point-offset-checkpoint', Buffer.from('0\n2\na 0 5\n'));
    expect(() => f.read()).toThrow(/bad line/);
  });
});

describe('ProducerStateManager snapshot', () => {
  test('round trip keeps all retained batches and the transaction field; damage is detected', () => {
    const psm = new ProducerStateManager();
    for (let s = 0; s < 7; s++) psm.replay({ ...readBatchInfo(makeBatch({ producerId: 9, producerEpoch: 2, baseSequence: s }), 0), baseOffset: s, lastOffset: s });
    const snap = psm.toSnapshot();
    const back = new ProducerStateManager();
    expect(back.loadSnapshot(snap)).toBe(true);
    expect(back.entry(9)).toEqual(psm.entry(9));
    expect(back.entry(9)?.batches.map((b) => b.firstSeq)).toEqual([2, 3, 4, 5, 6]);
    expect(back.entry(9)?.currentTxnFirstOffset).toBeNull();
    snap.writeUInt8((snap[snap.length - 1] ?? 0) ^ 1, snap.length - 1);
    expect(back.loadSnapshot(snap)).toBe(false);
    expect(back.size).toBe(0);
  });
});
