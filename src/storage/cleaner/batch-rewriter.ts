/**
 * Re-encoding a batch after the cleaner removed some of its records. Every
 * header field that carries meaning beyond the records is kept: base offset
 * and lastOffsetDelta (so offsets never move and the producer's last sequence
 * stays baseSequence + lastOffsetDelta), partition leader epoch, producer id,
 * epoch and base sequence, the compression codec, timestamp type and the
 * transactional / control flags. Kafka's MemoryRecords.filterTo does the same.
 *
 * Kept records are copied as they were. Only when the batch gets a delete
 * horizon does its base timestamp change (KIP-534), and then each record's
 * timestamp delta is re-encoded so its timestamp stays what it was.
 */
import {
  ATTRIBUTES,
  BASE_TIMESTAMP,
  BATCH_HEADER_SIZE,
  BATCH_LENGTH,
  COMPRESSION_MASK,
  DELETE_HORIZON_FLAG,
  LOG_OVERHEAD,
  MAX_TIMESTAMP,
  RECORD_COUNT,
  TIMESTAMP_TYPE_LOG_APPEND,
} from '../../protocol/records/batch-header';
import { compress } from '../../protocol/records/compression';
import { writeBatchCrc } from '../../protocol/records/crc';
import { readInt64, writeInt64 } from '../batch-info';

/** KIP-534: with DELETE_HORIZON_FLAG set, a batch's base timestamp is its delete horizon. */
export function deleteHorizonOf(batch: Buffer): number | null {
  return (batch.readInt16BE(ATTRIBUTES) & DELETE_HORIZON_FLAG) !== 0 ? readInt64(batch, BASE_TIMESTAMP) : null;
}

/** A record to keep, located in the batch's (decompressed) records section. */
export interface KeptRecord {
  start: number;
  end: number;
  timestampDelta: number;
  offsetDelta: number;
  /** Where key, value and headers start (they are copied unchanged). */
  keySectionStart: number;
}

/**
 * The batch `original` (whole bytes, records section `records`) holding only
 * `kept` (at least one, in order). With `deleteHorizonMs` the batch is marked
 * with DELETE_HORIZON_FLAG and its base timestamp becomes the horizon.
 */
export function rewriteBatch(original: Buffer, records: Buffer, kept: readonly KeptRecord[], deleteHorizonMs: number | null): Buffer {
  const attributes = original.readInt16BE(ATTRIBUTES);
  const originalBase = readInt64(original, BASE_TIMESTAMP);
  const newBase = deleteHorizonMs ?? originalBase;
  let maxTimestamp = -1;
  const parts: Buffer[] = [];
  for (const r of kept) {
    // A record's own timestamp is base + delta (under LogAppendTime too, where readers ignore it).
    const timestamp = originalBase + r.timestampDelta;
    if (timestamp > maxTimestamp) maxTimestamp = timestamp;
    if (newBase === originalBase) parts.push(records.subarray(r.start, r.end));
    else parts.push(reencodeRecord(records, r, timestamp - newBase));
  }
  const body = compress(attributes & COMPRESSION_MASK, Buffer.concat(parts));

  const out = Buffer.allocUnsafe(BATCH_HEADER_SIZE + body.length);
  original.copy(out, 0, 0, BATCH_HEADER_SIZE);
  out.writeInt32BE(out.length - LOG_OVERHEAD, BATCH_LENGTH);
  out.writeInt16BE(deleteHorizonMs !== null ? attributes | DELETE_HORIZON_FLAG : attributes, ATTRIBUTES);
  writeInt64(out, newBase, BASE_TIMESTAMP);
  if ((attributes & TIMESTAMP_TYPE_LOG_APPEND) === 0) writeInt64(out, maxTimestamp, MAX_TIMESTAMP);
  out.writeInt32BE(kept.length, RECORD_COUNT);
  body.copy(out, BATCH_HEADER_SIZE);
  writeBatchCrc(out, 0);
  return out;
}

/** The record with a new timestamp delta: attributes, delta, offset delta re-written, the rest copied. */
function reencodeRecord(records: Buffer, r: KeptRecord, timestampDelta: number): Buffer {
  const tail = records.subarray(r.keySectionStart, r.end);
  const head = [0, ...zigzagVarlong(timestampDelta), ...zigzagVarlong(r.offsetDelta)];
  const bodyLength = head.length + tail.length;
  return Buffer.concat([Buffer.from([...zigzagVarlong(bodyLength), ...head]), tail]);
}

function zigzagVarlong(value: number): number[] {
  let n = value >= 0 ? value * 2 : -value * 2 - 1;
  const out: number[] = [];
  while (n >= 0x80) {
    out.push((n % 128) | 0x80);
    n = Math.floor(n / 128);
  }
  out.push(n);
  return out;
}

/**
 * A batch with no records left but whose header must stay: the last batch of
 * a live idempotent producer, whose sequence numbers the producer state needs
 * after a restart (Kafka's BatchRetention.RETAIN_EMPTY). Same offsets,
 * producer fields, flags; no compression; both timestamps the original max.
 */
export function emptyBatchOf(original: Buffer): Buffer {
  const out = Buffer.allocUnsafe(BATCH_HEADER_SIZE);
  original.copy(out, 0, 0, BATCH_HEADER_SIZE);
  const attributes = original.readInt16BE(ATTRIBUTES) & ~COMPRESSION_MASK & ~DELETE_HORIZON_FLAG;
  out.writeInt32BE(BATCH_HEADER_SIZE - LOG_OVERHEAD, BATCH_LENGTH);
  out.writeInt16BE(attributes, ATTRIBUTES);
  original.copy(out, BASE_TIMESTAMP, MAX_TIMESTAMP, MAX_TIMESTAMP + 8);
  out.writeInt32BE(0, RECORD_COUNT);
  writeBatchCrc(out, 0);
  return out;
}
