/**
 * Log cleaner throughput: how fast a compacted log is cleaned, in MB/s of
 * log before cleaning (the bytes the cleaner had to read and decide about).
 *
 * Run from the repository root (compiles this file and what it imports into
 * /tmp, nothing is written to the tree):
 *
 *   npx tsc bench/cleaner.ts --outDir /tmp/weir-bench --module commonjs --target es2022 --esModuleInterop --skipLibCheck && NODE_PATH=$PWD/node_modules node /tmp/weir-bench/bench/cleaner.js
 *
 * (NODE_PATH: the compiled codecs load lz4-napi / zstd-napi / snappy from the repository.)
 *
 * Each case builds a fresh log (memory or a temp dir on disk) of `keys` keys
 * updated `rounds` times, rolls it, then runs the cleaner's slices back to
 * back (`cleanUntilIdle`) and times them. One cleaning round maps the whole
 * dirty section unless the dedupe buffer is smaller than the key count (the
 * multi-pass case). Numbers, not asserts: see bench/RESULTS.md.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { Codec } from '../src/protocol/records/compression';
import { encodeRecordBatch } from '../src/protocol/records/record-batch';
import { LogCleaner } from '../src/storage/cleaner/log-cleaner';
import { DiskStorageDir } from '../src/storage/disk-storage-dir';
import { Log } from '../src/storage/log';
import { MemoryStorageDir } from '../src/storage/memory-storage-dir';
import type { StorageDir } from '../src/storage/storage-dir';

interface BenchCase {
  name: string;
  storage: 'memory' | 'disk';
  keys: number;
  rounds: number;
  valueBytes: number;
  recordsPerBatch: number;
  codec: Codec;
  dedupeBufferSize?: number;
}

const CASES: BenchCase[] = [
  { name: '20k keys x 10, 100 B values, 10 records/batch, none', storage: 'memory', keys: 20_000, rounds: 10, valueBytes: 100, recordsPerBatch: 10, codec: Codec.None },
  { name: '20k keys x 10, 100 B values, 10 records/batch, none', storage: 'disk', keys: 20_000, rounds: 10, valueBytes: 100, recordsPerBatch: 10, codec: Codec.None },
  { name: '5k keys x 10, 1 KiB values, 10 records/batch, none', storage: 'disk', keys: 5_000, rounds: 10, valueBytes: 1024, recordsPerBatch: 10, codec: Codec.None },
  { name: '20k keys x 10, 100 B values, 100 records/batch, lz4', storage: 'memory', keys: 20_000, rounds: 10, valueBytes: 100, recordsPerBatch: 100, codec: Codec.Lz4 },
  { name: '20k keys x 10, 100 B values, 100 records/batch, zstd', storage: 'memory', keys: 20_000, rounds: 10, valueBytes: 100, recordsPerBatch: 100, codec: Codec.Zstd },
  { name: '20k keys x 10, 100 B values, 1 record/batch, none', storage: 'memory', keys: 20_000, rounds: 10, valueBytes: 100, recordsPerBatch: 1, codec: Codec.None },
  {
    name: '100k keys x 3, 100 B values, 10 records/batch, 1 MB dedupe buffer (multi-pass)',
    storage: 'memory',
    keys: 100_000,
    rounds: 3,
    valueBytes: 100,
    recordsPerBatch: 10,
    codec: Codec.None,
    dedupeBufferSize: 1024 * 1024,
  },
];

interface Result {
  name: string;
  storage: string;
  inputMB: number;
  outputMB: number;
  records: number;
  seconds: number;
  rounds: number;
}

function buildLog(dir: StorageDir, c: BenchCase): Log {
  const log = Log.open(dir, {
    topic: 'bench',
    partition: 0,
    config: { compactPolicy: true, deletePolicy: false, segmentBytes: 16 * 1024 * 1024, minCleanableDirtyRatio: 0.01 },
  });
  const value = Buffer.alloc(c.valueBytes, 0x61);
  let k = 0;
  const total = c.keys * c.rounds;
  for (let i = 0; i < total; i += c.recordsPerBatch) {
    const records = [];
    for (let j = 0; j < c.recordsPerBatch && i + j < total; j++) {
      records.push({ key: Buffer.from(`key-${k}`), value, timestamp: BigInt(Date.now()) });
      k = (k + 1) % c.keys;
    }
    log.append(encodeRecordBatch(records, { compression: c.codec }), { leaderEpoch: 0 });
  }
  log.roll();
  return log;
}

function run(c: BenchCase): Result {
  const tmp = c.storage === 'disk' ? mkdtempSync(path.join(tmpdir(), 'weir-cleaner-bench-')) : null;
  const root: StorageDir = tmp ? new DiskStorageDir(tmp) : new MemoryStorageDir();
  try {
    const log = buildLog(root.dir('bench-0'), c);
    const before = log.size;
    const cleaner = new LogCleaner(root, () => [log], { sliceBytes: 64 * 1024 * 1024, sliceMs: 1e9, dedupeBufferSize: c.dedupeBufferSize ?? 128 * 1024 * 1024 }, Date.now);
    const start = performance.now();
    const rounds = cleaner.cleanUntilIdle(Date.now(), 1000);
    const seconds = (performance.now() - start) / 1000;
    const result = { name: c.name, storage: c.storage, inputMB: before / 1e6, outputMB: log.size / 1e6, records: c.keys * c.rounds, seconds, rounds: rounds.length };
    log.close();
    return result;
  } finally {
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  }
}

console.log(`node ${process.version}, ${process.platform}/${process.arch}`);
console.log('| case | storage | log before (MB) | after (MB) | rounds | s | MB/s | records/s |');
console.log('| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |');
for (const c of CASES) {
  const r = run(c);
  const fmt = (n: number, d = 1): string => n.toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d });
  console.log(
    `| ${r.name} | ${r.storage} | ${fmt(r.inputMB)} | ${fmt(r.outputMB, 2)} | ${r.rounds} | ${fmt(r.seconds, 2)} | ${fmt(r.inputMB / r.seconds)} | ${Math.round(r.records / r.seconds).toLocaleString('en-US')} |`,
  );
}
