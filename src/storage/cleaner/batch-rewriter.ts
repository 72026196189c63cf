/**
 * Re-encoding a batch after the cleaner removed some of its records. Every
 * header field that carries meaning beyond the records is kept: base offset
 * and lastOffsetDelta (so offsets never move and the producer's last sequence
 * stays baseSequence + lastOffsetDelta), partition leader epoch, producer id,
 * epoch and base sequence, the compression codec, timestamp type and the
 * transactional / control flags. Kafka's MemoryRecords.filterTo does the same.
 */
import { Writer } from '../../protocol/primitives/writer';
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
import { encodedRecordSize, prepareRecord, type PreparedRecord, type Record, writeRecord } from '../../protocol/records/record';
import { readInt64, writeInt64 } from '../batch-info';

/** KIP-534: with DELETE_HORIZON_FLAG set, a batch's base timestamp is its delete horizon. */
export function deleteHorizonOf(batch: Buffer): number | null {
  return (batch.readInt16BE(ATTRIBUTES) & DELETE_HORIZON_FLAG) !== 0 ? readInt64(batch, BASE_TIMESTAMP) : null;
}

/**
 * The batch `original` (whole bytes) holding only `retained` (decoded from it,
 * in order, at least one). With `deleteHorizonMs` the batch is marked with
 * DELETE_HORIZON_FLAG and its base timestamp becomes the horizon (KIP-534);
 * record timestamps stay what they were, their deltas re-based.
 */
export function rewriteBatch(original: Buffer, retained: readonly Record[], deleteHorizonMs: number | null): Buffer {
  const attributes = original.readInt16BE(ATTRIBUTES);
  const originalBase = BigInt(readInt64(original, BASE_TIMESTAMP));
  const logAppendTime = (attributes & TIMESTAMP_TYPE_LOG_APPEND) !== 0;
  // A record's own (create) timestamp is base + delta even under LogAppendTime,
  // where readers ignore it; keep it so nothing about the record changes.
  const timestamps = retained.map((r) => originalBase + r.timestampDelta);
  const newBase = deleteHorizonMs !== null ? BigInt(deleteHorizonMs) : (timestamps[0] ?? originalBase);
  let maxTimestamp = -1n;
  let recordsSize = 0;
  const prepared: PreparedRecord[] = retained.map((r, i) => {
    const ts = timestamps[i] as bigint;
    if (ts > maxTimestamp) maxTimestamp = ts;
    const p = prepareRecord({ key: r.key, value: r.value, headers: r.headers }, r.offsetDelta, ts - newBase);
    recordsSize += encodedRecordSize(p);
    return p;
  });
  const w = new Writer(recordsSize);
  for (const p of prepared) writeRecord(w, p);
  const body = compress(attributes & COMPRESSION_MASK, w.buf);

  const out = Buffer.allocUnsafe(BATCH_HEADER_SIZE + body.length);
  original.copy(out, 0, 0, BATCH_HEADER_SIZE);
  out.writeInt32BE(out.length - LOG_OVERHEAD, BATCH_LENGTH);
  out.writeInt16BE(deleteHorizonMs !== null ? attributes | DELETE_HORIZON_FLAG : attributes, ATTRIBUTES);
  out.writeBigInt64BE(newBase, BASE_TIMESTAMP);
  if (!logAppendTime) writeInt64(out, Number(maxTimestamp), MAX_TIMESTAMP);
  out.writeInt32BE(retained.length, RECORD_COUNT);
  body.copy(out, BATCH_HEADER_SIZE);
  writeBatchCrc(out, 0);
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
