/**
 * The fixed 61-byte header of a RecordBatch (magic 2), read and patched in
 * place. The produce path only ever touches these bytes: records inside a
 * batch are not parsed to append or serve it.
 *
 *   0 baseOffset int64        8 batchLength int32     12 partitionLeaderEpoch int32
 *  16 magic int8             17 crc uint32 (CRC32C of bytes 21..end)
 *  21 attributes int16       23 lastOffsetDelta int32 27 baseTimestamp int64
 *  35 maxTimestamp int64     43 producerId int64      51 producerEpoch int16
 *  53 baseSequence int32     57 recordCount int32     61 records...
 */
export const BATCH_HEADER_SIZE = 61;
/** Bytes before `batchLength` counts: baseOffset + batchLength itself. */
export const LOG_OVERHEAD = 12;

export const BASE_OFFSET = 0;
export const BATCH_LENGTH = 8;
export const PARTITION_LEADER_EPOCH = 12;
export const MAGIC = 16;
export const CRC = 17;
export const ATTRIBUTES = 21;
export const LAST_OFFSET_DELTA = 23;
export const BASE_TIMESTAMP = 27;
export const MAX_TIMESTAMP = 35;
export const PRODUCER_ID = 43;
export const PRODUCER_EPOCH = 51;
export const BASE_SEQUENCE = 53;
export const RECORD_COUNT = 57;

/** attributes bits */
export const COMPRESSION_MASK = 0x07;
export const TIMESTAMP_TYPE_LOG_APPEND = 0x08;
export const TRANSACTIONAL_FLAG = 0x10;
export const CONTROL_FLAG = 0x20;
export const DELETE_HORIZON_FLAG = 0x40;

export const enum CompressionType {
  None = 0,
  Gzip = 1,
  Snappy = 2,
  Lz4 = 3,
  Zstd = 4,
}

/**
 * The header of the batch starting at `pos` in `buf`, as plain numbers: the
 * one parsed view every layer uses (produce validation, the log, the
 * cleaner, decoding). Offsets, producer ids and timestamps are int64 on the
 * wire but stay below 2^53 in practice; storage works in `number`s and the
 * wire codecs convert at the edge. `size` and `lastOffset` are derived.
 * Mutable: the log patches the offsets it assigns into its copy.
 */
export interface BatchHeader {
  baseOffset: number;
  /** baseOffset + lastOffsetDelta. */
  lastOffset: number;
  /** Total bytes: LOG_OVERHEAD + batchLength. */
  size: number;
  partitionLeaderEpoch: number;
  magic: number;
  crc: number;
  attributes: number;
  lastOffsetDelta: number;
  baseTimestamp: number;
  maxTimestamp: number;
  producerId: number;
  producerEpoch: number;
  baseSequence: number;
  recordCount: number;
}

/** Reads an int64 as a JS number without a BigInt allocation. */
export function readInt64(buf: Buffer, pos: number): number {
  return buf.readInt32BE(pos) * 0x1_0000_0000 + buf.readUInt32BE(pos + 4);
}

/** Writes a (safe-integer) number as an int64. */
export function writeInt64(buf: Buffer, value: number, pos: number): void {
  const hi = Math.floor(value / 0x1_0000_0000);
  buf.writeInt32BE(hi, pos);
  buf.writeUInt32BE(value - hi * 0x1_0000_0000, pos + 4);
}

/** The header of the batch at `pos` (the caller has checked that BATCH_HEADER_SIZE bytes are there). */
export function readBatchHeader(buf: Buffer, pos = 0): BatchHeader {
  const baseOffset = readInt64(buf, pos + BASE_OFFSET);
  const batchLength = buf.readInt32BE(pos + BATCH_LENGTH);
  const lastOffsetDelta = buf.readInt32BE(pos + LAST_OFFSET_DELTA);
  return {
    baseOffset,
    lastOffset: baseOffset + lastOffsetDelta,
    size: LOG_OVERHEAD + batchLength,
    partitionLeaderEpoch: buf.readInt32BE(pos + PARTITION_LEADER_EPOCH),
    magic: buf.readInt8(pos + MAGIC),
    crc: buf.readUInt32BE(pos + CRC),
    attributes: buf.readInt16BE(pos + ATTRIBUTES),
    lastOffsetDelta,
    baseTimestamp: readInt64(buf, pos + BASE_TIMESTAMP),
    maxTimestamp: readInt64(buf, pos + MAX_TIMESTAMP),
    producerId: readInt64(buf, pos + PRODUCER_ID),
    producerEpoch: buf.readInt16BE(pos + PRODUCER_EPOCH),
    baseSequence: buf.readInt32BE(pos + BASE_SEQUENCE),
    recordCount: buf.readInt32BE(pos + RECORD_COUNT),
  };
}

/** Total bytes the batch at `pos` occupies (header through last record). */
export function batchSizeAt(buf: Buffer, pos = 0): number {
  return LOG_OVERHEAD + buf.readInt32BE(pos + BATCH_LENGTH);
}
