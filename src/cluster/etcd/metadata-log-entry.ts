/**
 * The value of one metadata log key in etcd: the committed records, each in
 * Kafka's metadata framing (the codec's business), packed as one Kafka
 * record batch (v2, CRC-32C, uncompressed) whose base offset is the offset of
 * the first record: byte for byte what a batch of `__cluster_metadata-0`
 * holds in Kafka's KRaft, and what the single-node store writes to disk. A
 * torn or altered value fails its CRC instead of being applied.
 *
 * A snapshot chunk is the same: a batch of framed records, its base offset
 * the index of its first record in the snapshot.
 */
import { batchSizeAt, decodeRecordBatch, encodeRecordBatch } from '../../protocol/records';

/** Record batch header (61 bytes) plus room to spare. */
const BATCH_OVERHEAD = 64;
/** The most a record adds around its value: length, attributes, timestamp and offset deltas, key, value length, header count (varints). */
const RECORD_OVERHEAD = 24;

export interface LogEntry {
  readonly baseOffset: number;
  readonly lastOffset: number;
  readonly values: Buffer[];
}

/** Bytes `values` take once packed into one entry (an upper bound). */
export function entrySize(values: readonly Buffer[]): number {
  let size = BATCH_OVERHEAD;
  for (const v of values) size += v.length + RECORD_OVERHEAD;
  return size;
}

export function encodeLogEntry(values: readonly Buffer[], baseOffset: number, timestampMs: number): Buffer {
  const timestamp = BigInt(timestampMs);
  return encodeRecordBatch(
    values.map((value) => ({ key: null, value, timestamp })),
    { baseOffset: BigInt(baseOffset), partitionLeaderEpoch: 0 },
  );
}

/** Decodes an entry; throws (ProtocolError) on anything that is not one whole, intact batch. */
export function decodeLogEntry(bytes: Buffer): LogEntry {
  const batch = decodeRecordBatch(bytes);
  const size = batchSizeAt(bytes);
  if (size !== bytes.length) throw new Error(`metadata log entry holds ${bytes.length} bytes, its batch ${size}`);
  if (batch.records.length !== batch.header.lastOffsetDelta + 1) {
    throw new Error(`metadata log entry has ${batch.records.length} records for ${batch.header.lastOffsetDelta + 1} offsets`);
  }
  const values = batch.records.map((r, i) => {
    if (r.value === null) throw new Error(`metadata log entry record ${i} has no value`);
    return r.value;
  });
  const baseOffset = Number(batch.header.baseOffset);
  return { baseOffset, lastOffset: baseOffset + batch.header.lastOffsetDelta, values };
}

/** Splits `values` into consecutive groups whose entries stay within `maxEntryBytes` (a value alone larger than that is an error). */
export function splitIntoEntries(values: readonly Buffer[], maxEntryBytes: number): Buffer[][] {
  const groups: Buffer[][] = [];
  let current: Buffer[] = [];
  let size = BATCH_OVERHEAD;
  for (const v of values) {
    const add = v.length + RECORD_OVERHEAD;
    if (BATCH_OVERHEAD + add > maxEntryBytes) throw new Error(`a metadata record of ${v.length} bytes cannot fit an etcd value of ${maxEntryBytes} bytes`);
    if (size + add > maxEntryBytes && current.length > 0) {
      groups.push(current);
      current = [];
      size = BATCH_OVERHEAD;
    }
    current.push(v);
    size += add;
  }
  if (current.length > 0) groups.push(current);
  return groups;
}
