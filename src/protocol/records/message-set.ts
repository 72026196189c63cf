import { Reader } from '../primitives/reader';
import { ProtocolError } from '../primitives/protocol-error';
import { Codec, compress, decompress, toCodec } from './compression';
import { crc32Of } from './crc';
import { DEFAULT_MAX_UNCOMPRESSED_BYTES, NO_TIMESTAMP, TimestampType } from './record-batch';

/**
 * Legacy MessageSet, magic 0 and 1 (Kafka before 0.11), as Produce v0–2 send
 * it and Fetch v0–3 expect it:
 *
 *   offset int64 | messageSize int32 | crc uint32 (CRC32 of the rest) |
 *   magic int8 | attributes int8 | [timestamp int64, magic 1 only] |
 *   key (int32 length, -1 = null) | value (same)
 *
 * attributes: bits 0–2 codec (no zstd before magic 2), bit 3 (magic 1)
 * LogAppendTime. A compressed message is a "wrapper" whose value is a whole
 * inner message set, compressed. Inner offsets are absolute in magic 0; in
 * magic 1 they are relative and the wrapper carries the absolute offset of
 * the last inner message, so inner i is at wrapper - lastInner + inner_i.
 */
export type LegacyMagic = 0 | 1;

export const LOG_ENTRY_OVERHEAD = 12; // offset + messageSize
const CRC_SIZE = 4;
/** crc + magic + attributes + key length + value length */
const MIN_MESSAGE_SIZE_V0 = 14;
/** ... + timestamp */
const MIN_MESSAGE_SIZE_V1 = 22;
const LEGACY_CODEC_MASK = 0x07;
const LEGACY_LOG_APPEND_TIME = 0x08;

export interface LegacyRecord {
  offset: bigint;
  magic: LegacyMagic;
  /** -1 (NO_TIMESTAMP) for magic 0. */
  timestamp: bigint;
  timestampType: TimestampType;
  key: Buffer | null;
  value: Buffer | null;
}

/** One top-level message, as it sits in the set (a wrapper is not expanded). */
export interface LegacyEntry {
  position: number;
  size: number;
  offset: bigint;
  magic: LegacyMagic;
  attributes: number;
  codec: Codec;
  timestamp: bigint;
  key: Buffer | null;
  value: Buffer | null;
}

export interface DecodeMessageSetOptions {
  /**
   * 'fetch': a partial message at the end is cut-off data, we stop there.
   * 'produce': the set must be whole; a partial tail is an error.
   */
  mode: 'fetch' | 'produce';
  maxUncompressedBytes?: number;
  verifyCrc?: boolean;
}

export interface DecodedMessageSet {
  /** Every record, wrappers expanded, with absolute offsets. */
  records: LegacyRecord[];
  entries: LegacyEntry[];
  /** The codec of the last compressed wrapper (Kafka's "source codec"), or none. */
  compression: Codec;
}

function corrupt(message: string): ProtocolError {
  return new ProtocolError('invalid-value', message);
}

/** The top-level messages of a set, each checked (size, CRC, magic, codec). */
export function readMessageSetEntries(buf: Buffer, options: DecodeMessageSetOptions): LegacyEntry[] {
  const entries: LegacyEntry[] = [];
  let pos = 0;
  while (pos < buf.length) {
    const left = buf.length - pos;
    if (left < LOG_ENTRY_OVERHEAD + CRC_SIZE + 1) {
      if (options.mode === 'fetch') break;
      throw new ProtocolError('truncated', `${left} trailing bytes at position ${pos} are not a message`);
    }
    const messageSize = buf.readInt32BE(pos + 8);
    const magic = buf.readInt8(pos + LOG_ENTRY_OVERHEAD + CRC_SIZE);
    if (magic !== 0 && magic !== 1) throw corrupt(`message at position ${pos} has magic ${magic}, expected 0 or 1`);
    if (messageSize < (magic === 0 ? MIN_MESSAGE_SIZE_V0 : MIN_MESSAGE_SIZE_V1)) {
      throw new ProtocolError('invalid-length', `message at position ${pos} has size ${messageSize}, below the minimum`);
    }
    const size = LOG_ENTRY_OVERHEAD + messageSize;
    if (size > left) {
      if (options.mode === 'fetch') break;
      throw new ProtocolError('truncated', `message at position ${pos} needs ${size} bytes, ${left} left`);
    }
    entries.push(readEntry(buf, pos, size, magic, options.verifyCrc !== false));
    pos += size;
  }
  return entries;
}

function readEntry(buf: Buffer, pos: number, size: number, magic: LegacyMagic, verifyCrc: boolean): LegacyEntry {
  const crcAt = pos + LOG_ENTRY_OVERHEAD;
  if (verifyCrc && buf.readUInt32BE(crcAt) !== crc32Of(buf, crcAt + CRC_SIZE, pos + size)) {
    throw corrupt(`message at position ${pos} fails its CRC check`);
  }
  const r = new Reader(buf, crcAt + CRC_SIZE + 1, pos + size);
  const attributes = r.int8();
  const codec = toCodec(attributes & LEGACY_CODEC_MASK);
  if (codec === Codec.Zstd) throw corrupt(`message at position ${pos}: zstd needs magic 2`);
  const timestamp = magic === 1 ? r.int64() : NO_TIMESTAMP;
  const key = r.nullableBytes();
  const value = r.nullableBytes();
  if (r.remaining !== 0) throw new ProtocolError('invalid-length', `message at position ${pos} has ${r.remaining} unused bytes`);
  return { position: pos, size, offset: buf.readBigInt64BE(pos), magic, attributes, codec, timestamp, key, value };
}

function timestampTypeOf(e: LegacyEntry): TimestampType {
  return e.magic === 1 && (e.attributes & LEGACY_LOG_APPEND_TIME) !== 0 ? 'log-append' : 'create';
}

/** Decodes a message set, expanding compressed wrappers. */
export function decodeMessageSet(buf: Buffer, options: DecodeMessageSetOptions): DecodedMessageSet {
  const entries = readMessageSetEntries(buf, options);
  let budget = options.maxUncompressedBytes ?? DEFAULT_MAX_UNCOMPRESSED_BYTES;
  let compression: Codec = Codec.None;
  const records: LegacyRecord[] = [];
  for (const e of entries) {
    const timestampType = timestampTypeOf(e);
    if (e.codec === Codec.None) {
      records.push({ offset: e.offset, magic: e.magic, timestamp: e.timestamp, timestampType, key: e.key, value: e.value });
      continue;
    }
    compression = e.codec;
    if (e.value === null) throw corrupt(`compressed message at position ${e.position} has a null value`);
    const inner = decompress(e.codec, e.value, budget);
    budget -= inner.length;
    const innerEntries = readMessageSetEntries(inner, { mode: 'produce', verifyCrc: options.verifyCrc });
    const last = innerEntries[innerEntries.length - 1];
    if (last === undefined) throw corrupt(`compressed message at position ${e.position} holds no messages`);
    const base = e.magic === 0 ? 0n : e.offset - last.offset;
    for (const m of innerEntries) {
      if (m.codec !== Codec.None) throw corrupt('inner messages must not be compressed');
      if (m.magic !== e.magic) throw corrupt(`inner message magic ${m.magic} differs from wrapper magic ${e.magic}`);
      const logAppend = timestampType === 'log-append';
      records.push({
        offset: base + m.offset,
        magic: m.magic,
        timestamp: logAppend ? e.timestamp : m.timestamp,
        timestampType,
        key: m.key,
        value: m.value,
      });
    }
  }
  return { records, entries, compression };
}

/** What a caller supplies to encode one legacy message. */
export interface LegacyRecordInput {
  offset: bigint;
  /** Ignored for magic 0; defaults to -1. */
  timestamp?: bigint;
  key: Buffer | null;
  value: Buffer | null;
}

export interface EncodeMessageSetOptions {
  magic: LegacyMagic;
  compression?: Codec;
  timestampType?: TimestampType;
  /** Wrapper timestamp for LogAppendTime (magic 1). */
  logAppendTime?: bigint;
}

function encodeMessage(offset: bigint, magic: LegacyMagic, attributes: number, timestamp: bigint, key: Buffer | null, value: Buffer | null): Buffer {
  const messageSize = (magic === 0 ? MIN_MESSAGE_SIZE_V0 : MIN_MESSAGE_SIZE_V1) + (key?.length ?? 0) + (value?.length ?? 0);
  const b = Buffer.allocUnsafe(LOG_ENTRY_OVERHEAD + messageSize);
  b.writeBigInt64BE(offset, 0);
  b.writeInt32BE(messageSize, 8);
  let p = LOG_ENTRY_OVERHEAD + CRC_SIZE;
  b.writeInt8(magic, p++);
  b.writeInt8(attributes, p++);
  if (magic === 1) p = b.writeBigInt64BE(timestamp, p);
  for (const field of [key, value]) {
    if (field === null) {
      p = b.writeInt32BE(-1, p);
    } else {
      p = b.writeInt32BE(field.length, p);
      p += field.copy(b, p);
    }
  }
  b.writeUInt32BE(crc32Of(b, LOG_ENTRY_OVERHEAD + CRC_SIZE), LOG_ENTRY_OVERHEAD);
  return b;
}

/**
 * Encodes records as a message set. Uncompressed: one message per record, at
 * its own offset. Compressed: one wrapper holding them all, following the
 * offset rule of the magic (see the file comment).
 */
export function encodeMessageSet(records: readonly LegacyRecordInput[], options: EncodeMessageSetOptions): Buffer {
  const { magic } = options;
  const codec = options.compression ?? Codec.None;
  if (codec === Codec.Zstd) throw new ProtocolError('unencodable', 'zstd cannot be used with magic 0 or 1');
  const logAppend = magic === 1 && options.timestampType === 'log-append';
  if (logAppend && options.logAppendTime === undefined) throw new ProtocolError('unencodable', 'LogAppendTime needs logAppendTime');
  const typeBit = logAppend ? LEGACY_LOG_APPEND_TIME : 0;
  const first = records[0];
  const last = records[records.length - 1];
  if (first === undefined || last === undefined) return Buffer.alloc(0);
  const ts = (r: LegacyRecordInput): bigint => (magic === 0 ? NO_TIMESTAMP : (r.timestamp ?? NO_TIMESTAMP));
  if (codec === Codec.None) {
    return Buffer.concat(records.map((r) => encodeMessage(r.offset, magic, typeBit, logAppend ? options.logAppendTime! : ts(r), r.key, r.value)));
  }
  const inner = Buffer.concat(
    records.map((r) => encodeMessage(magic === 0 ? r.offset : r.offset - first.offset, magic, typeBit, ts(r), r.key, r.value)),
  );
  let wrapperTimestamp = NO_TIMESTAMP;
  if (magic === 1) {
    if (logAppend) wrapperTimestamp = options.logAppendTime!;
    else for (const r of records) if (ts(r) > wrapperTimestamp) wrapperTimestamp = ts(r);
  }
  const packed = compress(codec, inner, { legacyLz4Checksum: magic === 0 });
  return encodeMessage(last.offset, magic, codec | typeBit, wrapperTimestamp, null, packed);
}
