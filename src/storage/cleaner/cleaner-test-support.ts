/**
 * Test helper (not a test): keyed record batches, reading a log back as
 * records, and the two storage environments the cleaner tests run over.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { Codec } from '../../protocol/records/compression';
import { decodeRecordBatches, encodeRecordBatch } from '../../protocol/records/record-batch';
import { DiskStorageDir } from '../disk-storage-dir';
import type { Log } from '../log';
import { MemoryStorageDir } from '../memory-storage-dir';
import type { StorageDir } from '../storage-dir';
import { collectRecords } from '../test-batches';

export interface CleanerTestEnv {
  /** The data directory (cleaner checkpoint lives here). */
  root: StorageDir;
  /** A fresh StorageDir over the same files, as a restarted process sees them. */
  reopenRoot: () => StorageDir;
  cleanup: () => void;
}

export const cleanerTestEnvs: [string, () => CleanerTestEnv][] = [
  [
    'memory',
    () => {
      const root = new MemoryStorageDir();
      return { root, reopenRoot: () => root, cleanup: () => {} };
    },
  ],
  [
    'disk',
    () => {
      const dirPath = mkdtempSync(path.join(tmpdir(), 'weir-cleaner-'));
      const make = (): StorageDir => new DiskStorageDir(dirPath);
      return {
        root: make(),
        reopenRoot: make,
        cleanup: () => rmSync(dirPath, { recursive: true, force: true }),
      };
    },
  ],
];

export interface KeyedRecord {
  key: string | null;
  /** null: a tombstone. */
  value: string | null;
}

export interface BatchOptions {
  compression?: Codec;
  producerId?: number;
  producerEpoch?: number;
  baseSequence?: number;
  timestamp: number;
}

export function keyedBatch(records: readonly KeyedRecord[], options: BatchOptions): Buffer {
  return encodeRecordBatch(
    records.map((r) => ({
      key: r.key === null ? null : Buffer.from(r.key),
      value: r.value === null ? null : Buffer.from(r.value),
      timestamp: BigInt(options.timestamp),
    })),
    {
      compression: options.compression ?? Codec.None,
      producerId: BigInt(options.producerId ?? -1),
      producerEpoch: options.producerEpoch ?? -1,
      baseSequence: options.baseSequence ?? -1,
    },
  );
}

export interface StoredRecord {
  offset: number;
  key: string | null;
  value: string | null;
  timestamp: number;
}

export interface StoredBatch {
  baseOffset: number;
  lastOffset: number;
  attributes: number;
  baseSequence: number;
  producerId: number;
  records: StoredRecord[];
}

/** Every batch of the log from its start, read through `Log.read` as a consumer would. */
export function readBatches(log: Log): StoredBatch[] {
  const out: StoredBatch[] = [];
  let offset = log.logStartOffset;
  while (offset < log.logEndOffset) {
    const bytes = collectRecords(log.read(offset, 1 << 20).records);
    if (bytes.length === 0) break;
    for (const b of decodeRecordBatches(bytes)) {
      const baseOffset = b.header.baseOffset;
      const lastOffset = baseOffset + b.header.lastOffsetDelta;
      out.push({
        baseOffset,
        lastOffset,
        attributes: b.header.attributes,
        baseSequence: b.header.baseSequence,
        producerId: b.header.producerId,
        records: b.records.map((r) => ({
          offset: Number(r.offset),
          key: r.key === null ? null : r.key.toString(),
          value: r.value === null ? null : r.value.toString(),
          timestamp: Number(r.timestamp),
        })),
      });
      offset = lastOffset + 1;
    }
  }
  return out;
}

export function readRecords(log: Log): StoredRecord[] {
  return readBatches(log).flatMap((b) => b.records);
}

/** key -> value of the last record per key (tombstones included as null). */
export function latestPerKey(records: readonly StoredRecord[]): Map<string | null, string | null> {
  const m = new Map<string | null, string | null>();
  for (const r of records) m.set(r.key, r.value);
  return m;
}
