/**
 * The producer-state snapshot files of a partition, taken at an offset (on
 * roll and clean close) so that start-up replays only the batches after it.
 *
 * `<offset>.snapshot` is Kafka's file, byte for byte (Kafka's
 * ProducerStateManager, version 1; big-endian):
 *
 *   int16 version (1) | uint32 crc32c of every byte after this field
 *   | int32 count | count × { int64 producerId | int16 epoch
 *     | int32 lastSequence | int64 lastOffset | int32 offsetDelta
 *     | int64 timestamp | int32 coordinatorEpoch | int64 currentTxnFirstOffset }
 *
 * It keeps each producer's last batch only (lastOffset -1 when the producer
 * has none: only transaction markers). Weir remembers the last five batches,
 * so that a retry of any in-flight batch is still recognised as a duplicate
 * after a restart; the four older ones go into a file of Weir's own beside
 * it, `<offset>.producer-batches`, written first and used only when it
 * agrees with the Kafka snapshot:
 *
 *   int16 version (1) | uint32 crc32c of every byte after this field
 *   | int32 count | count × { int64 producerId | int8 batchCount
 *     | batchCount × { int32 firstSeq | int32 lastSeq | int64 firstOffset
 *       | int64 lastOffset | int64 timestamp } }
 *
 * (only producers with more than one batch are listed).
 */
import { crc32c } from '../checksum/crc32c';
import { readInt64, writeInt64 } from './batch-info';
import type { ProducerBatchMetadata, ProducerStateEntry } from './producer-state-manager';

export const PRODUCER_SNAPSHOT_SUFFIX = '.snapshot';
export const PRODUCER_BATCHES_SUFFIX = '.producer-batches';

const VERSION = 1;
/** version + crc: the CRC covers everything from here on. */
const CRC_START = 6;
const HEADER_SIZE = 10;
const KAFKA_ENTRY_SIZE = 46;
const BATCH_SIZE = 32;
const INT32_MAX = 0x7fffffff;

/** Kafka's sequence arithmetic backwards: `lastSeq - delta`, wrapping below 0 to Int32 max. */
function firstSequence(lastSeq: number, delta: number): number {
  if (lastSeq < 0) return -1;
  return lastSeq - delta < 0 ? INT32_MAX - (delta - lastSeq) + 1 : lastSeq - delta;
}

function sealed(buf: Buffer): Buffer {
  buf.writeInt16BE(VERSION, 0);
  buf.writeUInt32BE(crc32c(buf.subarray(CRC_START)), 2);
  return buf;
}

/** The body after version and CRC, or null when the version is unknown, the CRC wrong or the file short. */
function checkedBody(buf: Buffer): Buffer | null {
  if (buf.length < HEADER_SIZE || buf.readInt16BE(0) !== VERSION) return null;
  if (crc32c(buf.subarray(CRC_START)) !== buf.readUInt32BE(2)) return null;
  return buf;
}

/** Kafka's `.snapshot` content for these producers. */
export function encodeKafkaProducerSnapshot(entries: readonly ProducerStateEntry[]): Buffer {
  const buf = Buffer.alloc(HEADER_SIZE + entries.length * KAFKA_ENTRY_SIZE);
  buf.writeInt32BE(entries.length, 6);
  let p = HEADER_SIZE;
  for (const e of entries) {
    const last = e.batches[e.batches.length - 1];
    writeInt64(buf, e.producerId, p);
    buf.writeInt16BE(e.producerEpoch, p + 8);
    buf.writeInt32BE(last ? last.lastSeq : -1, p + 10);
    writeInt64(buf, last ? last.lastOffset : -1, p + 14);
    buf.writeInt32BE(last ? last.lastOffset - last.firstOffset : 0, p + 22);
    writeInt64(buf, e.lastTimestamp, p + 26);
    buf.writeInt32BE(e.coordinatorEpoch, p + 34);
    writeInt64(buf, e.currentTxnFirstOffset ?? -1, p + 38);
    p += KAFKA_ENTRY_SIZE;
  }
  return sealed(buf);
}

/** The producers of a Kafka `.snapshot` (each with its last batch, if any); null when the file is damaged. */
export function decodeKafkaProducerSnapshot(buf: Buffer): ProducerStateEntry[] | null {
  if (!checkedBody(buf)) return null;
  const count = buf.readInt32BE(6);
  if (count < 0 || buf.length !== HEADER_SIZE + count * KAFKA_ENTRY_SIZE) return null;
  const out: ProducerStateEntry[] = [];
  for (let i = 0, p = HEADER_SIZE; i < count; i++, p += KAFKA_ENTRY_SIZE) {
    const lastSeq = buf.readInt32BE(p + 10);
    const lastOffset = readInt64(buf, p + 14);
    const offsetDelta = buf.readInt32BE(p + 22);
    const timestamp = readInt64(buf, p + 26);
    const txnFirst = readInt64(buf, p + 38);
    out.push({
      producerId: readInt64(buf, p),
      producerEpoch: buf.readInt16BE(p + 8),
      batches:
        lastOffset >= 0
          ? [{ firstSeq: firstSequence(lastSeq, offsetDelta), lastSeq, firstOffset: lastOffset - offsetDelta, lastOffset, timestamp }]
          : [],
      coordinatorEpoch: buf.readInt32BE(p + 34),
      currentTxnFirstOffset: txnFirst >= 0 ? txnFirst : null,
      lastTimestamp: timestamp,
    });
  }
  return out;
}

/** Weir's `.producer-batches` content: every retained batch of the producers with more than one; null when there are none. */
export function encodeRetainedBatches(entries: readonly ProducerStateEntry[]): Buffer | null {
  const listed = entries.filter((e) => e.batches.length > 1);
  if (listed.length === 0) return null;
  let size = HEADER_SIZE;
  for (const e of listed) size += 9 + e.batches.length * BATCH_SIZE;
  const buf = Buffer.alloc(size);
  buf.writeInt32BE(listed.length, 6);
  let p = HEADER_SIZE;
  for (const e of listed) {
    writeInt64(buf, e.producerId, p);
    buf.writeInt8(e.batches.length, p + 8);
    p += 9;
    for (const b of e.batches) {
      buf.writeInt32BE(b.firstSeq, p);
      buf.writeInt32BE(b.lastSeq, p + 4);
      writeInt64(buf, b.firstOffset, p + 8);
      writeInt64(buf, b.lastOffset, p + 16);
      writeInt64(buf, b.timestamp, p + 24);
      p += BATCH_SIZE;
    }
  }
  return sealed(buf);
}

/** Retained batches by producer id; null when the file is damaged. */
export function decodeRetainedBatches(buf: Buffer): Map<number, ProducerBatchMetadata[]> | null {
  if (!checkedBody(buf)) return null;
  const out = new Map<number, ProducerBatchMetadata[]>();
  const count = buf.readInt32BE(6);
  let p = HEADER_SIZE;
  for (let i = 0; i < count; i++) {
    if (p + 9 > buf.length) return null;
    const producerId = readInt64(buf, p);
    const n = buf.readInt8(p + 8);
    p += 9;
    if (n < 0 || p + n * BATCH_SIZE > buf.length) return null;
    const batches: ProducerBatchMetadata[] = [];
    for (let j = 0; j < n; j++, p += BATCH_SIZE) {
      batches.push({
        firstSeq: buf.readInt32BE(p),
        lastSeq: buf.readInt32BE(p + 4),
        firstOffset: readInt64(buf, p + 8),
        lastOffset: readInt64(buf, p + 16),
        timestamp: readInt64(buf, p + 24),
      });
    }
    out.set(producerId, batches);
  }
  return p === buf.length ? out : null;
}

/**
 * The producers of a snapshot: Kafka's file, with each producer's older
 * batches from Weir's file when that file's newest batch for the producer is
 * the one the Kafka file names (a file from another snapshot, or a producer
 * that changed, is ignored). Null when the Kafka file is damaged.
 */
export function decodeProducerSnapshot(snapshot: Buffer, retainedBatches: Buffer | null): ProducerStateEntry[] | null {
  const entries = decodeKafkaProducerSnapshot(snapshot);
  if (!entries) return null;
  const older = retainedBatches ? decodeRetainedBatches(retainedBatches) : null;
  if (!older) return entries;
  for (const e of entries) {
    const batches = older.get(e.producerId);
    const last = batches?.[batches.length - 1];
    const kafkaLast = e.batches[0];
    if (batches && last && kafkaLast && last.lastOffset === kafkaLast.lastOffset && last.lastSeq === kafkaLast.lastSeq && last.firstOffset === kafkaLast.firstOffset) {
      e.batches = batches.map((b) => ({ ...b }));
    }
  }
  return entries;
}
