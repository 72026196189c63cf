import * as fs from 'node:fs';
import { MemoryStorageDir } from './memory-storage-dir';
import { OffsetCheckpointFile } from './offset-checkpoint-file';
import { OffsetIndex } from './offset-index';
import { ProducerStateManager } from './producer-state-manager';
import { decodeProducerSnapshot, encodeKafkaProducerSnapshot, encodeRetainedBatches } from './producer-snapshot';
import { crc32c } from '@node-rs/crc32';
import { readBatchHeader } from './batch-info';
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
    expect(() => f.read()).toThrow(/expected 2 entries, found 1/);
    dir.writeFile('recovery-point-offset-checkpoint', Buffer.from('0\n2\na 0 5\nb x 1\n'));
    expect(() => f.read()).toThrow(/bad line 4/);
  });
});

describe('producer snapshots', () => {
  const idempotentState = (): ProducerStateManager => {
    const psm = new ProducerStateManager();
    for (let s = 0; s < 7; s++) psm.replay({ ...readBatchHeader(makeBatch({ producerId: 9, producerEpoch: 2, baseSequence: s }), 0), baseOffset: s, lastOffset: s });
    return psm;
  };

  test('round trip keeps all retained batches and the transaction field; damage is detected', () => {
    const psm = idempotentState();
    const entries = psm.snapshotEntries();
    const snap = encodeKafkaProducerSnapshot(entries);
    const retained = encodeRetainedBatches(entries) as Buffer;
    const decoded = decodeProducerSnapshot(snap, retained);
    expect(decoded).not.toBeNull();
    const back = new ProducerStateManager();
    back.loadEntries(decoded ?? []);
    expect(back.entry(9)).toEqual(psm.entry(9));
    expect(back.entry(9)?.batches.map((b) => b.firstSeq)).toEqual([2, 3, 4, 5, 6]);
    expect(back.entry(9)?.currentTxnFirstOffset).toBeNull();
    snap.writeUInt8((snap[snap.length - 1] ?? 0) ^ 1, snap.length - 1);
    expect(decodeProducerSnapshot(snap, retained)).toBeNull();
  });

  test("the .snapshot is Kafka's file: version 1, CRC32C, one 46-byte entry per producer with its last batch", () => {
    const psm = new ProducerStateManager();
    psm.replay({ ...readBatchHeader(makeBatch({ producerId: 7, producerEpoch: 3, baseSequence: 10, records: 4, timestamp: 5000 }), 0), baseOffset: 20, lastOffset: 23 });
    const snap = encodeKafkaProducerSnapshot(psm.snapshotEntries());
    const expected = Buffer.alloc(56);
    expected.writeInt16BE(1, 0);
    expected.writeInt32BE(1, 6);
    expected.writeBigInt64BE(7n, 10); // producer id
    expected.writeInt16BE(3, 18); // epoch
    expected.writeInt32BE(13, 20); // last sequence
    expected.writeBigInt64BE(23n, 24); // last offset
    expected.writeInt32BE(3, 32); // offset delta
    expected.writeBigInt64BE(5000n, 36); // timestamp
    expected.writeInt32BE(-1, 44); // coordinator epoch
    expected.writeBigInt64BE(-1n, 48); // no open transaction
    expected.writeUInt32BE(crc32c(expected.subarray(6)), 2);
    expect(snap).toEqual(expected);
    // Without Weir's retained-batch file (or with a damaged one) the last batch is known, as in Kafka.
    const alone = decodeProducerSnapshot(snap, Buffer.from('junk'));
    expect(alone).toEqual([
      {
        producerId: 7,
        producerEpoch: 3,
        batches: [{ firstSeq: 10, lastSeq: 13, firstOffset: 20, lastOffset: 23, timestamp: 5000 }],
        coordinatorEpoch: -1,
        currentTxnFirstOffset: null,
        lastTimestamp: 5000,
      },
    ]);
    // A retained-batch file of another snapshot (its newest batch differs) is ignored.
    const other = encodeRetainedBatches(idempotentState().snapshotEntries().map((e) => ({ ...e, producerId: 7 }))) as Buffer;
    expect(decodeProducerSnapshot(snap, other)?.[0]?.batches).toHaveLength(1);
  });
});
