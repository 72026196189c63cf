import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { ErrorCode } from '../protocol/errors';
import { CONTROL_FLAG, TRANSACTIONAL_FLAG } from '../protocol/records/batch-header';
import { ControlRecordType, encodeEndTxnMarkerBatch } from '../protocol/records/control-record';
import { DiskStorageDir } from './disk-storage-dir';
import { Log } from './log';
import { MemoryStorageDir } from './memory-storage-dir';
import type { StorageDir } from './storage-dir';
import { makeBatch } from './test-batches';
import { ABORTED_TXN_SIZE, decodeAbortedTxns, encodeAbortedTxn, TransactionIndex, TXN_INDEX_SUFFIX } from './transaction-index';

const txnBatch = (producerId: number, baseSequence: number, records = 2, producerEpoch = 0): Buffer =>
  makeBatch({ producerId, producerEpoch, baseSequence, records, attributes: TRANSACTIONAL_FLAG });

const marker = (type: ControlRecordType, producerId: number, producerEpoch = 0, coordinatorEpoch = 7): Buffer =>
  encodeEndTxnMarkerBatch(type, { producerId: BigInt(producerId), producerEpoch, coordinatorEpoch, timestamp: 1_000n });

describe.each([
  ['memory', () => ({ dir: new MemoryStorageDir() as StorageDir, reopen: (d: StorageDir) => d, cleanup: () => {} })],
  [
    'disk',
    () => {
      const root = mkdtempSync(path.join(tmpdir(), 'weir-txn-'));
      return {
        dir: new DiskStorageDir(root) as StorageDir,
        reopen: () => new DiskStorageDir(root) as StorageDir,
        cleanup: () => rmSync(root, { recursive: true, force: true }),
      };
    },
  ],
])('Log transactions over %s storage', (_name, makeEnv) => {
  let env: ReturnType<typeof makeEnv>;
  beforeEach(() => {
    env = makeEnv();
  });
  afterEach(() => env.cleanup());
  const open = (dir: StorageDir = env.dir, recoveryPoint = 0): Log => Log.open(dir, { topic: 't', partition: 0, recoveryPoint, now: () => 1_000 });
  const append = (log: Log, data: Buffer, origin: 'client' | 'coordinator' = 'client') => log.append(data, { leaderEpoch: 0, origin });

  it('holds the last stable offset at the first offset of the oldest open transaction', () => {
    const log = open();
    append(log, makeBatch({ records: 3 })); // 0..2, not transactional
    expect(log.lastStableOffset).toBe(3);
    append(log, txnBatch(1, 0)); // 3..4
    append(log, txnBatch(2, 0)); // 5..6
    append(log, makeBatch({ records: 1 })); // 7
    expect(log.logEndOffset).toBe(8);
    expect(log.lastStableOffset).toBe(3);
    expect(log.firstUnstableOffset).toBe(3);
    append(log, marker(ControlRecordType.Commit, 1), 'coordinator'); // 8
    expect(log.lastStableOffset).toBe(5);
    append(log, marker(ControlRecordType.Abort, 2), 'coordinator'); // 9
    expect(log.lastStableOffset).toBe(10);
    expect(log.firstUnstableOffset).toBeNull();
    expect(log.producerEntry(1)?.coordinatorEpoch).toBe(7);
    log.close();
  });

  it('indexes aborted transactions only, with the LSO at abort time, and reports those overlapping a read', () => {
    const log = open();
    append(log, txnBatch(1, 0)); // 0..1
    append(log, txnBatch(2, 0)); // 2..3
    append(log, marker(ControlRecordType.Abort, 1), 'coordinator'); // 4: pid 2 still open at 2
    append(log, marker(ControlRecordType.Commit, 2), 'coordinator'); // 5
    append(log, txnBatch(1, 2)); // 6..7
    append(log, marker(ControlRecordType.Abort, 1), 'coordinator'); // 8
    expect(log.abortedTransactions(0, log.lastStableOffset)).toEqual([
      { producerId: 1, firstOffset: 0, lastOffset: 4, lastStableOffset: 2 },
      { producerId: 1, firstOffset: 6, lastOffset: 8, lastStableOffset: 9 },
    ]);
    expect(log.abortedTransactions(5, 9)).toEqual([{ producerId: 1, firstOffset: 6, lastOffset: 8, lastStableOffset: 9 }]);
    expect(log.abortedTransactions(0, 1)).toEqual([{ producerId: 1, firstOffset: 0, lastOffset: 4, lastStableOffset: 2 }]);
    expect(log.abortedTransactions(9, 9)).toEqual([]);
    log.close();
  });

  it('indexes an abort of a transaction that wrote nothing to the partition at the marker itself', () => {
    const log = open();
    append(log, marker(ControlRecordType.Abort, 3), 'coordinator');
    expect(log.abortedTransactions(0, 1)).toEqual([{ producerId: 3, firstOffset: 0, lastOffset: 0, lastStableOffset: 1 }]);
    log.close();
  });

  it('keeps open transactions and the index across a clean restart', () => {
    let log = open();
    append(log, txnBatch(1, 0));
    append(log, marker(ControlRecordType.Abort, 1), 'coordinator');
    append(log, txnBatch(2, 0)); // 3..4 open
    log.close();
    log = open(env.reopen(env.dir), log.logEndOffset);
    expect(log.lastStableOffset).toBe(3);
    expect(log.abortedTransactions(0, 5)).toEqual([{ producerId: 1, firstOffset: 0, lastOffset: 2, lastStableOffset: 3 }]);
    expect(log.producerEntry(2)?.currentTxnFirstOffset).toBe(3);
    log.close();
  });

  it('rebuilds a lost .txnindex from the markers when the producer state is replayed', () => {
    let log = open();
    append(log, txnBatch(1, 0));
    append(log, marker(ControlRecordType.Abort, 1), 'coordinator');
    append(log, txnBatch(4, 0));
    append(log, marker(ControlRecordType.Commit, 4), 'coordinator');
    log.close();
    const dir = env.reopen(env.dir);
    for (const f of dir.listFiles()) if (f.endsWith(TXN_INDEX_SUFFIX) || f.endsWith('.snapshot')) dir.deleteFile(f);
    log = open(dir);
    expect(log.abortedTransactions(0, log.lastStableOffset)).toEqual([{ producerId: 1, firstOffset: 0, lastOffset: 2, lastStableOffset: 3 }]);
    log.close();
  });

  it('drops index entries whose marker recovery cut off, and a torn entry', () => {
    let log = open();
    append(log, txnBatch(1, 0));
    append(log, marker(ControlRecordType.Abort, 1), 'coordinator'); // 2
    log.close();
    const dir = env.reopen(env.dir);
    const name = dir.listFiles().find((f) => f.endsWith(TXN_INDEX_SUFFIX)) as string;
    const extra = encodeAbortedTxn({ producerId: 9, firstOffset: 50, lastOffset: 60, lastStableOffset: 61 });
    dir.writeFile(name, Buffer.concat([dir.readFile(name) as Buffer, extra, extra.subarray(0, 10)]));
    log = open(dir, log.logEndOffset);
    expect(log.abortedTransactions(0, 100)).toEqual([{ producerId: 1, firstOffset: 0, lastOffset: 2, lastStableOffset: 3 }]);
    log.close();
    expect((env.reopen(env.dir).readFile(name) as Buffer).length).toBe(ABORTED_TXN_SIZE);
  });

  it('refuses a non-transactional write from a producer with an open transaction', () => {
    const log = open();
    append(log, txnBatch(1, 0));
    const r = append(log, makeBatch({ producerId: 1, producerEpoch: 0, baseSequence: 2 }));
    expect(r.errorCode).toBe(ErrorCode.INVALID_TXN_STATE);
    log.close();
  });

  it('takes coordinator writes without sequence numbers, never as duplicates', () => {
    const log = open();
    const offsets = makeBatch({ producerId: 5, producerEpoch: 0, baseSequence: -1, attributes: TRANSACTIONAL_FLAG });
    expect(append(log, Buffer.from(offsets), 'coordinator').duplicate).toBe(false);
    const second = append(log, Buffer.from(offsets), 'coordinator');
    expect(second.errorCode).toBe(ErrorCode.NONE);
    expect(second.duplicate).toBe(false);
    expect(second.baseOffset).toBe(1);
    expect(log.lastStableOffset).toBe(0);
    append(log, marker(ControlRecordType.Commit, 5), 'coordinator');
    expect(log.lastStableOffset).toBe(3);
    log.close();
  });

  it('forgets index entries below the log start offset', () => {
    const log = open();
    append(log, txnBatch(1, 0));
    append(log, marker(ControlRecordType.Abort, 1), 'coordinator'); // 2
    append(log, makeBatch());
    log.deleteRecordsBefore(3);
    expect(log.abortedTransactions(3, 4)).toEqual([]);
    log.close();
  });
});

describe('aborted transaction entries', () => {
  it('round-trip in Kafka\'s 34-byte layout with version 0', () => {
    const e = { producerId: 2 ** 40 + 3, firstOffset: 10, lastOffset: 20, lastStableOffset: 21 };
    const b = encodeAbortedTxn(e);
    expect(b.length).toBe(34);
    expect(b.readInt16BE(0)).toBe(0);
    expect(b.readBigInt64BE(2)).toBe(BigInt(e.producerId));
    expect(b.readBigInt64BE(26)).toBe(21n);
    expect(decodeAbortedTxns(Buffer.concat([b, b.subarray(0, 5)]))).toEqual([e]);
  });

  it('marker batches carry the control and transactional flags', () => {
    const b = marker(ControlRecordType.Commit, 1);
    expect(b.readInt16BE(21) & (CONTROL_FLAG | TRANSACTIONAL_FLAG)).toBe(CONTROL_FLAG | TRANSACTIONAL_FLAG);
  });
});

describe('transaction index files and segments', () => {
  it('a file whose segment is gone merges into the segment holding its markers, each transaction once (a crash mid-merge)', () => {
    const dir = new MemoryStorageDir();
    const t = (producerId: number, lastOffset: number) => ({ producerId, firstOffset: lastOffset - 1, lastOffset, lastStableOffset: lastOffset + 1 });
    dir.writeFile(`00000000000000000000${TXN_INDEX_SUFFIX}`, Buffer.concat([t(1, 3), t(2, 12)].map(encodeAbortedTxn)));
    // Segment 10 was merged into segment 0 by the cleaner; t(2, 12) was already copied when the process died.
    dir.writeFile(`00000000000000000010${TXN_INDEX_SUFFIX}`, Buffer.concat([t(2, 12), t(3, 15)].map(encodeAbortedTxn)));
    dir.writeFile(`00000000000000000020${TXN_INDEX_SUFFIX}`, encodeAbortedTxn(t(4, 25)));
    const index = TransactionIndex.load(dir, 0, [0, 20], 30);
    expect(dir.listFiles().sort()).toEqual([`00000000000000000000${TXN_INDEX_SUFFIX}`, `00000000000000000020${TXN_INDEX_SUFFIX}`]);
    expect(decodeAbortedTxns(dir.readFile(`00000000000000000000${TXN_INDEX_SUFFIX}`) as Buffer)).toEqual([t(1, 3), t(2, 12), t(3, 15)]);
    expect(index.all()).toEqual([t(1, 3), t(2, 12), t(3, 15), t(4, 25)]);
    // Appends after the merge go to the rewritten file.
    index.append(0, t(5, 18));
    expect(decodeAbortedTxns(dir.readFile(`00000000000000000000${TXN_INDEX_SUFFIX}`) as Buffer)).toHaveLength(4);
    index.close();
  });
});
