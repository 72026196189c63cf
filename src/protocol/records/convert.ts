import { ProtocolError } from '../primitives/protocol-error';
import { COMPRESSION_MASK } from './batch-header';
import { iterateBatches } from './batch-iterator';
import { Codec } from './compression';
import { LegacyMagic, LegacyRecordInput, decodeMessageSet, encodeMessageSet } from './message-set';
import { DEFAULT_MAX_UNCOMPRESSED_BYTES, NO_TIMESTAMP, decodeRecordBatch, encodeRecordBatch } from './record-batch';

/**
 * Conversions between the legacy message format and RecordBatch v2.
 *
 * Up: Produce v0–2 carry magic 0/1 message sets; the log stores only v2, so
 * the broker turns the whole set into one batch, as Kafka's LogValidator
 * does: records keep their keys, values and (magic 1) timestamps, magic 0
 * records get NO_TIMESTAMP, offsets are reassigned 0..n-1 from the base
 * offset (the producer's own offsets carry no meaning), and the producer's
 * codec is kept unless the caller names another.
 *
 * Down: Fetch v0–3 clients cannot read v2. Fetch v0/v1 get magic 0, v2/v3
 * magic 1. Offsets are kept, headers dropped, control batches dropped, each
 * batch's codec kept (one wrapper message per compressed batch). zstd has no
 * legacy form: callers should answer UNSUPPORTED_COMPRESSION_TYPE first
 * (see `containsZstdBatch`); converting one throws a ProtocolError of kind
 * 'unencodable'.
 */

export interface UpConvertOptions {
  baseOffset?: bigint;
  partitionLeaderEpoch?: number;
  /** Target codec; defaults to the producer's (the last compressed wrapper's). */
  compression?: Codec;
  maxUncompressedBytes?: number;
  verifyCrc?: boolean;
}

export interface UpConverted {
  /** One RecordBatch v2, or an empty buffer for an empty set. */
  batch: Buffer;
  recordCount: number;
  compression: Codec;
}

export function upConvertMessageSet(messageSet: Buffer, options: UpConvertOptions = {}): UpConverted {
  const decoded = decodeMessageSet(messageSet, {
    mode: 'produce',
    maxUncompressedBytes: options.maxUncompressedBytes,
    verifyCrc: options.verifyCrc,
  });
  const compression = options.compression ?? decoded.compression;
  if (decoded.records.length === 0) return { batch: Buffer.alloc(0), recordCount: 0, compression };
  const batch = encodeRecordBatch(
    decoded.records.map((r, i) => ({
      offsetDelta: i,
      timestamp: r.magic === 0 ? NO_TIMESTAMP : r.timestamp,
      key: r.key,
      value: r.value,
    })),
    { baseOffset: options.baseOffset ?? 0n, partitionLeaderEpoch: options.partitionLeaderEpoch, compression },
  );
  return { batch, recordCount: decoded.records.length, compression };
}

/** True if any complete batch in `batches` is zstd-compressed (header only). */
export function containsZstdBatch(batches: Buffer): boolean {
  for (const b of iterateBatches(batches, { allowPartialTail: true })) {
    if ((b.header.attributes & COMPRESSION_MASK) === Codec.Zstd) return true;
  }
  return false;
}

export interface DownConvertOptions {
  /**
   * The fetch offset: uncompressed records below it are dropped, as Kafka
   * does (compressed wrappers are kept whole; clients skip what they did not
   * ask for).
   */
  firstOffset?: bigint;
  /** Ceiling for each batch's decompressed records. */
  maxUncompressedBytes?: number;
}

/**
 * Converts stored v2 batches (a partial batch at the end is ignored, as in
 * fetched data) to a legacy message set of the given magic.
 */
export function downConvertBatches(batches: Buffer, magic: LegacyMagic, options: DownConvertOptions = {}): Buffer {
  const out: Buffer[] = [];
  const firstOffset = options.firstOffset ?? -1n;
  const maxUncompressedBytes = options.maxUncompressedBytes ?? DEFAULT_MAX_UNCOMPRESSED_BYTES;
  for (const loc of iterateBatches(batches, { allowPartialTail: true })) {
    const batch = decodeRecordBatch(batches, loc.position, { maxUncompressedBytes });
    if (batch.control || batch.records.length === 0) continue;
    if (batch.compression === Codec.Zstd) {
      throw new ProtocolError('unencodable', `batch at offset ${batch.header.baseOffset} is zstd-compressed; magic ${magic} cannot carry it`);
    }
    const logAppend = batch.timestampType === 'log-append';
    const records: LegacyRecordInput[] = [];
    for (const r of batch.records) {
      if (batch.compression === Codec.None && r.offset < firstOffset) continue;
      records.push({ offset: r.offset, timestamp: r.timestamp, key: r.key, value: r.value });
    }
    if (records.length === 0) continue;
    out.push(
      encodeMessageSet(records, {
        magic,
        compression: batch.compression,
        timestampType: batch.timestampType,
        logAppendTime: logAppend ? BigInt(batch.header.maxTimestamp) : undefined,
      }),
    );
  }
  return Buffer.concat(out);
}
