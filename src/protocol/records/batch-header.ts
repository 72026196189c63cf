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

/** A typed view of the header of the batch starting at `pos` in `buf`. */
export interface BatchHeader {
  baseOffset: bigint;
  batchLength: number;
  partitionLeaderEpoch: number;
  magic: number;
  crc: number;
  attributes: number;
  lastOffsetDelta: number;
  baseTimestamp: bigint;
  maxTimestamp: bigint;
  producerId: bigint;
  producerEpoch: number;
  baseSequence: number;
  recordCount: number;
}

export function readBatchHeader(buf: Buffer, pos = 0): BatchHeader {
  return {
    baseOffset: buf.readBigInt64BE(pos + BASE_OFFSET),
    batchLength: buf.readInt32BE(pos + BATCH_LENGTH),
    partitionLeaderEpoch: buf.readInt32BE(pos + PARTITION_LEADER_EPOCH),
    magic: buf.readInt8(pos + MAGIC),
    crc: buf.readUInt32BE(pos + CRC),
    attributes: buf.readInt16BE(pos + ATTRIBUTES),
    lastOffsetDelta: buf.readInt32BE(pos + LAST_OFFSET_DELTA),
    baseTimestamp: buf.readBigInt64BE(pos + BASE_TIMESTAMP),
    maxTimestamp: buf.readBigInt64BE(pos + MAX_TIMESTAMP),
    producerId: buf.readBigInt64BE(pos + PRODUCER_ID),
    producerEpoch: buf.readInt16BE(pos + PRODUCER_EPOCH),
    baseSequence: buf.readInt32BE(pos + BASE_SEQUENCE),
    recordCount: buf.readInt32BE(pos + RECORD_COUNT),
  };
}

/** Total bytes the batch at `pos` occupies (header through last record). */
export function batchSizeAt(buf: Buffer, pos = 0): number {
  return LOG_OVERHEAD + buf.readInt32BE(pos + BATCH_LENGTH);
}
