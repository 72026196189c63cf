import { ErrorCode } from '../errors';
import { Reader } from '../primitives/reader';
import { ProtocolError } from '../primitives/protocol-error';
import {
  ATTRIBUTES,
  BATCH_HEADER_SIZE,
  BATCH_LENGTH,
  BatchHeader,
  COMPRESSION_MASK,
  CONTROL_FLAG,
  LOG_OVERHEAD,
  MAGIC,
  TRANSACTIONAL_FLAG,
  readBatchHeader,
} from './batch-header';
import { Codec, decompress, isCodec } from './compression';
import { upConvertMessageSet } from './convert';
import { crc32cOf } from './crc';
import { MIN_RECORD_SIZE, skipRecordNoteNullKey } from './record';
import { DEFAULT_MAX_UNCOMPRESSED_BYTES } from './record-batch';

/** A batch without a producer (not idempotent). */
const NO_PRODUCER_ID = -1;

/**
 * Validation of the `records` of one partition in a Produce request.
 *
 * This is the hot path: for each batch we check the header and CRC only,
 * never decompress and never look at a record. The checks and the error
 * codes follow Kafka's LogValidator and ProduceRequest:
 *
 * - lengths that do not add up, a bad CRC, an unknown magic or codec:
 *   CORRUPT_MESSAGE
 * - a base offset other than 0, lastOffsetDelta + 1 != record count, a
 *   control batch from a client, a producer id without a sequence, magic 0/1
 *   in Produce v3+, more or fewer than one batch in Produce v3+:
 *   INVALID_RECORD
 * - zstd before Produce v7: UNSUPPORTED_COMPRESSION_TYPE
 *
 * Errors are returned, not thrown, so the broker answers per partition.
 */
export interface ValidatedBatch {
  position: number;
  size: number;
  header: BatchHeader;
  compression: Codec;
  transactional: boolean;
  control: boolean;
}

export interface ProduceValidation {
  errorCode: ErrorCode;
  errorMessage: string | null;
  batches: ValidatedBatch[];
  recordCount: number;
  /** Largest batch maxTimestamp, or -1. */
  maxTimestamp: number;
  /** True if any batch is transactional. */
  transactional: boolean;
}

export interface ValidateProduceOptions {
  /** The Produce request version (default: the newest). */
  apiVersion?: number;
}

/** Produce v3 introduced magic 2 and the one-batch-per-partition rule. */
const FIRST_V2_PRODUCE_VERSION = 3;
/** Produce v7 is the first that may carry zstd (KIP-110). */
const FIRST_ZSTD_PRODUCE_VERSION = 7;
const LATEST = Number.MAX_SAFE_INTEGER;

function failure(errorCode: ErrorCode, errorMessage: string, batches: ValidatedBatch[] = []): ProduceValidation {
  return { errorCode, errorMessage, batches, recordCount: 0, maxTimestamp: -1, transactional: false };
}

export function validateProduceRecords(records: Buffer, options: ValidateProduceOptions = {}): ProduceValidation {
  const apiVersion = options.apiVersion ?? LATEST;
  const batches: ValidatedBatch[] = [];
  let recordCount = 0;
  let maxTimestamp = -1;
  let transactional = false;
  let pos = 0;
  while (pos < records.length) {
    const left = records.length - pos;
    if (left < BATCH_HEADER_SIZE) {
      // Enough to see a legacy message? Say so precisely; otherwise it is cut off.
      if (left > MAGIC && records.readInt8(pos + MAGIC) < 2) {
        return failure(ErrorCode.INVALID_RECORD, 'Produce v3+ records must be RecordBatch v2 (magic 2)');
      }
      return failure(ErrorCode.CORRUPT_MESSAGE, `${left} trailing bytes at position ${pos} are shorter than a batch header`);
    }
    const magic = records.readInt8(pos + MAGIC);
    if (magic < 2) return failure(ErrorCode.INVALID_RECORD, `batch at position ${pos} has magic ${magic}; Produce v3+ needs magic 2`);
    if (magic > 2) return failure(ErrorCode.CORRUPT_MESSAGE, `batch at position ${pos} has unknown magic ${magic}`);
    const size = LOG_OVERHEAD + records.readInt32BE(pos + BATCH_LENGTH);
    if (size < BATCH_HEADER_SIZE || size > left) {
      return failure(ErrorCode.CORRUPT_MESSAGE, `batch at position ${pos} claims ${size} bytes, ${left} available`);
    }
    const header = readBatchHeader(records, pos);
    if (crc32cOf(records, pos + ATTRIBUTES, pos + size) !== header.crc) {
      return failure(ErrorCode.CORRUPT_MESSAGE, `batch at position ${pos} fails its CRC check`);
    }
    const codecId = header.attributes & COMPRESSION_MASK;
    if (!isCodec(codecId)) return failure(ErrorCode.CORRUPT_MESSAGE, `batch at position ${pos} has unknown compression codec ${codecId}`);
    if (codecId === Codec.Zstd && apiVersion < FIRST_ZSTD_PRODUCE_VERSION) {
      return failure(ErrorCode.UNSUPPORTED_COMPRESSION_TYPE, `zstd needs Produce v${FIRST_ZSTD_PRODUCE_VERSION} or later`);
    }
    if (header.baseOffset !== 0) {
      return failure(ErrorCode.INVALID_RECORD, `batch at position ${pos} has base offset ${header.baseOffset}; clients must send 0`);
    }
    if (header.lastOffsetDelta < 0 || header.recordCount !== header.lastOffsetDelta + 1) {
      return failure(
        ErrorCode.INVALID_RECORD,
        `batch at position ${pos}: record count ${header.recordCount} does not match lastOffsetDelta ${header.lastOffsetDelta}`,
      );
    }
    if (codecId === Codec.None && header.recordCount * MIN_RECORD_SIZE > size - BATCH_HEADER_SIZE) {
      return failure(ErrorCode.CORRUPT_MESSAGE, `batch at position ${pos}: ${header.recordCount} records cannot fit in ${size - BATCH_HEADER_SIZE} bytes`);
    }
    const control = (header.attributes & CONTROL_FLAG) !== 0;
    if (control) return failure(ErrorCode.INVALID_RECORD, 'clients may not write control batches');
    if (header.producerId !== NO_PRODUCER_ID && header.baseSequence < 0) {
      return failure(ErrorCode.INVALID_RECORD, `batch at position ${pos} has producer id ${header.producerId} but sequence ${header.baseSequence}`);
    }
    const isTransactional = (header.attributes & TRANSACTIONAL_FLAG) !== 0;
    batches.push({ position: pos, size, header, compression: codecId, transactional: isTransactional, control });
    recordCount += header.recordCount;
    if (header.maxTimestamp > maxTimestamp) maxTimestamp = header.maxTimestamp;
    transactional ||= isTransactional;
    pos += size;
  }
  if (apiVersion >= FIRST_V2_PRODUCE_VERSION && batches.length !== 1) {
    return failure(ErrorCode.INVALID_RECORD, `Produce v3+ must carry exactly one record batch per partition, got ${batches.length}`);
  }
  return { errorCode: ErrorCode.NONE, errorMessage: null, batches, recordCount, maxTimestamp, transactional };
}

export interface LegacyProduceValidation extends ProduceValidation {
  /** The up-converted batch the `batches` positions refer to. */
  converted: Buffer;
}

/**
 * Produce v0–2: the message set is decoded (it has to be, to convert it),
 * checked, and up-converted into one v2 batch, then that batch is validated
 * like a v3+ one.
 */
export function validateLegacyProduce(records: Buffer, maxUncompressedBytes = DEFAULT_MAX_UNCOMPRESSED_BYTES): LegacyProduceValidation {
  let converted: Buffer;
  try {
    converted = upConvertMessageSet(records, { maxUncompressedBytes }).batch;
  } catch (e) {
    const message = e instanceof Error ? e.message : 'invalid message set';
    return { ...failure(ErrorCode.CORRUPT_MESSAGE, message), converted: Buffer.alloc(0) };
  }
  if (converted.length === 0) {
    return { ...failure(ErrorCode.INVALID_RECORD, 'empty message set'), converted };
  }
  return { ...validateProduceRecords(converted), converted };
}

export interface KeyCheck {
  errorCode: ErrorCode;
  errorMessage: string | null;
  /** True if some record has a null key (compacted topics refuse those). */
  missingKey: boolean;
}

/**
 * Looks for a record without a key in already validated batches. Unlike the
 * validation above this reads every record (decompressing when needed), so
 * the broker calls it only for compacted topics.
 */
export function findRecordWithoutKey(
  records: Buffer,
  batches: readonly ValidatedBatch[],
  maxUncompressedBytes = DEFAULT_MAX_UNCOMPRESSED_BYTES,
): KeyCheck {
  try {
    for (const b of batches) {
      let data = records.subarray(b.position + BATCH_HEADER_SIZE, b.position + b.size);
      if (b.compression !== Codec.None) data = decompress(b.compression, data, maxUncompressedBytes);
      const r = new Reader(data);
      for (let i = 0; i < b.header.recordCount; i++) {
        if (skipRecordNoteNullKey(r)) return { errorCode: ErrorCode.NONE, errorMessage: null, missingKey: true };
      }
      if (r.remaining !== 0) throw new ProtocolError('invalid-length', `bytes left after the records of the batch at ${b.position}`);
    }
  } catch (e) {
    if (!(e instanceof ProtocolError)) throw e;
    return { errorCode: ErrorCode.CORRUPT_MESSAGE, errorMessage: e.message, missingKey: false };
  }
  return { errorCode: ErrorCode.NONE, errorMessage: null, missingKey: false };
}
