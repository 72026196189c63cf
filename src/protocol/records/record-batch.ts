import { Reader } from '../primitives/reader';
import { ProtocolError } from '../primitives/protocol-error';
import { Writer } from '../primitives/writer';
import {
  ATTRIBUTES,
  BASE_OFFSET,
  BASE_SEQUENCE,
  BASE_TIMESTAMP,
  BATCH_HEADER_SIZE,
  BATCH_LENGTH,
  BatchHeader,
  COMPRESSION_MASK,
  CONTROL_FLAG,
  LAST_OFFSET_DELTA,
  LOG_OVERHEAD,
  MAGIC,
  MAX_TIMESTAMP,
  PARTITION_LEADER_EPOCH,
  PRODUCER_EPOCH,
  PRODUCER_ID,
  RECORD_COUNT,
  TIMESTAMP_TYPE_LOG_APPEND,
  TRANSACTIONAL_FLAG,
  readBatchHeader,
} from './batch-header';
import { Codec, compress, decompress, toCodec } from './compression';
import { crc32cOf, writeBatchCrc } from './crc';
import { MIN_RECORD_SIZE, PreparedRecord, Record, RecordInput, encodedRecordSize, prepareRecord, readRecord, writeRecord } from './record';

/**
 * RecordBatch v2 (magic 2), whole: header plus records, compressed or not.
 *
 * The broker's produce and fetch paths never come here for uncompressed data
 * (they work on headers only); this is for control batches, conversions,
 * internal topics, the log cleaner, tools and tests.
 */
export const NO_TIMESTAMP = -1n;
export const NO_PRODUCER_ID = -1n;
export const NO_PRODUCER_EPOCH = -1;
export const NO_SEQUENCE = -1;
export const NO_PARTITION_LEADER_EPOCH = -1;

/** A default ceiling for decompressed batch data when the caller gives none. */
export const DEFAULT_MAX_UNCOMPRESSED_BYTES = 64 * 1024 * 1024;

export type TimestampType = 'create' | 'log-append';

export interface RecordBatch {
  header: BatchHeader;
  compression: Codec;
  timestampType: TimestampType;
  transactional: boolean;
  control: boolean;
  records: Record[];
}

export interface DecodeBatchOptions {
  /** Check the CRC32C (default true). */
  verifyCrc?: boolean;
  /** Ceiling for the decompressed records section. */
  maxUncompressedBytes?: number;
}

/**
 * Decodes the batch at `pos`. Every problem with the bytes (lengths, magic,
 * CRC, codec, records) is a ProtocolError.
 */
export function decodeRecordBatch(buf: Buffer, pos = 0, options: DecodeBatchOptions = {}): RecordBatch {
  if (pos < 0 || buf.length - pos < BATCH_HEADER_SIZE) {
    throw new ProtocolError('truncated', `record batch at ${pos} needs ${BATCH_HEADER_SIZE} header bytes, ${buf.length - pos} left`);
  }
  const size = LOG_OVERHEAD + buf.readInt32BE(pos + BATCH_LENGTH);
  if (size < BATCH_HEADER_SIZE || size > buf.length - pos) {
    throw new ProtocolError('invalid-length', `record batch at ${pos} claims ${size} bytes, ${buf.length - pos} available`);
  }
  const magic = buf.readInt8(pos + MAGIC);
  if (magic !== 2) throw new ProtocolError('invalid-value', `record batch magic ${magic}, expected 2`);
  const header = readBatchHeader(buf, pos);
  if (options.verifyCrc !== false && crc32cOf(buf, pos + ATTRIBUTES, pos + size) !== header.crc) {
    throw new ProtocolError('invalid-value', `record batch at ${pos} fails its CRC check`);
  }
  const compression = toCodec(header.attributes & COMPRESSION_MASK);
  const logAppend = (header.attributes & TIMESTAMP_TYPE_LOG_APPEND) !== 0;
  if (header.recordCount < 0) throw new ProtocolError('invalid-value', `negative record count ${header.recordCount}`);

  let data = buf.subarray(pos + BATCH_HEADER_SIZE, pos + size);
  if (compression !== Codec.None) {
    data = decompress(compression, data, options.maxUncompressedBytes ?? DEFAULT_MAX_UNCOMPRESSED_BYTES);
  }
  // Bound the count by the bytes before trusting it in a loop.
  if (header.recordCount > data.length / MIN_RECORD_SIZE) {
    throw new ProtocolError('invalid-length', `record count ${header.recordCount} cannot fit in ${data.length} bytes`);
  }
  const r = new Reader(data);
  const records: Record[] = [];
  // Records carry int64 offsets and timestamps (bigint), relative to these.
  const appendTime = logAppend ? BigInt(header.maxTimestamp) : null;
  const baseOffset = BigInt(header.baseOffset);
  const baseTimestamp = BigInt(header.baseTimestamp);
  for (let i = 0; i < header.recordCount; i++) {
    records.push(readRecord(r, baseOffset, baseTimestamp, appendTime));
  }
  if (r.remaining !== 0) {
    throw new ProtocolError('invalid-length', `${r.remaining} bytes left after the ${header.recordCount} records of the batch at ${pos}`);
  }
  return {
    header,
    compression,
    timestampType: logAppend ? 'log-append' : 'create',
    transactional: (header.attributes & TRANSACTIONAL_FLAG) !== 0,
    control: (header.attributes & CONTROL_FLAG) !== 0,
    records,
  };
}

export interface EncodeBatchOptions {
  baseOffset?: bigint;
  partitionLeaderEpoch?: number;
  compression?: Codec;
  timestampType?: TimestampType;
  /** Required for LogAppendTime batches: the broker's append time. */
  logAppendTime?: bigint;
  transactional?: boolean;
  control?: boolean;
  producerId?: bigint;
  producerEpoch?: number;
  baseSequence?: number;
  /** Defaults to the largest offsetDelta (or 0 for an empty batch). */
  lastOffsetDelta?: number;
}

/**
 * Encodes records into one RecordBatch v2, CRC included. As Kafka's
 * producer does, the base timestamp is the first record's timestamp and the
 * max timestamp the largest one (-1 when no record has one).
 */
export function encodeRecordBatch(records: readonly RecordInput[], options: EncodeBatchOptions = {}): Buffer {
  const first = records[0];
  const baseTimestamp = first?.timestamp ?? NO_TIMESTAMP;
  let maxTimestamp = NO_TIMESTAMP;
  let maxOffsetDelta = 0;
  const prepared: PreparedRecord[] = [];
  let recordsSize = 0;
  records.forEach((rec, i) => {
    const timestamp = rec.timestamp ?? NO_TIMESTAMP;
    const offsetDelta = rec.offsetDelta ?? i;
    if (timestamp > maxTimestamp) maxTimestamp = timestamp;
    if (offsetDelta > maxOffsetDelta) maxOffsetDelta = offsetDelta;
    const p = prepareRecord(rec, offsetDelta, timestamp - baseTimestamp);
    recordsSize += encodedRecordSize(p);
    prepared.push(p);
  });
  const w = new Writer(recordsSize);
  for (const p of prepared) writeRecord(w, p);
  const compression = options.compression ?? Codec.None;
  const body = compress(compression, w.buf);

  const logAppend = options.timestampType === 'log-append';
  if (logAppend) {
    if (options.logAppendTime === undefined) throw new ProtocolError('unencodable', 'a LogAppendTime batch needs logAppendTime');
    maxTimestamp = options.logAppendTime;
  }
  let attributes: number = compression;
  if (logAppend) attributes |= TIMESTAMP_TYPE_LOG_APPEND;
  if (options.transactional) attributes |= TRANSACTIONAL_FLAG;
  if (options.control) attributes |= CONTROL_FLAG;

  const out = Buffer.allocUnsafe(BATCH_HEADER_SIZE + body.length);
  out.writeBigInt64BE(options.baseOffset ?? 0n, BASE_OFFSET);
  out.writeInt32BE(out.length - LOG_OVERHEAD, BATCH_LENGTH);
  out.writeInt32BE(options.partitionLeaderEpoch ?? NO_PARTITION_LEADER_EPOCH, PARTITION_LEADER_EPOCH);
  out.writeInt8(2, MAGIC);
  out.writeInt16BE(attributes, ATTRIBUTES);
  out.writeInt32BE(options.lastOffsetDelta ?? maxOffsetDelta, LAST_OFFSET_DELTA);
  out.writeBigInt64BE(baseTimestamp, BASE_TIMESTAMP);
  out.writeBigInt64BE(maxTimestamp, MAX_TIMESTAMP);
  out.writeBigInt64BE(options.producerId ?? NO_PRODUCER_ID, PRODUCER_ID);
  out.writeInt16BE(options.producerEpoch ?? NO_PRODUCER_EPOCH, PRODUCER_EPOCH);
  out.writeInt32BE(options.baseSequence ?? NO_SEQUENCE, BASE_SEQUENCE);
  out.writeInt32BE(records.length, RECORD_COUNT);
  body.copy(out, BATCH_HEADER_SIZE);
  writeBatchCrc(out, 0);
  return out;
}

/** Decodes every batch in a buffer of concatenated v2 batches. */
export function decodeRecordBatches(buf: Buffer, options: DecodeBatchOptions & { allowPartialTail?: boolean } = {}): RecordBatch[] {
  const out: RecordBatch[] = [];
  let pos = 0;
  while (pos < buf.length) {
    const left = buf.length - pos;
    const size = left >= LOG_OVERHEAD ? LOG_OVERHEAD + buf.readInt32BE(pos + BATCH_LENGTH) : -1;
    if (options.allowPartialTail && (size < 0 || size > left)) break;
    out.push(decodeRecordBatch(buf, pos, options));
    pos += size;
  }
  return out;
}
