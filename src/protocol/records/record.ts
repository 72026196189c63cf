import { Reader } from '../primitives/reader';
import { ProtocolError } from '../primitives/protocol-error';
import { Writer, varintSize, varlongSize } from '../primitives/writer';

/**
 * One record inside a RecordBatch v2 (Kafka's DefaultRecord):
 *
 *   length varint | attributes int8 (unused, 0) | timestampDelta varlong |
 *   offsetDelta varint | key (varint length, -1 = null) | value (same) |
 *   header count varint | [key (varint length + UTF-8) | value (varint length, -1 = null)]*
 */
export interface RecordHeader {
  key: string;
  value: Buffer | null;
}

export interface Record {
  /** Absolute offset: the batch's base offset + offsetDelta. */
  offset: bigint;
  offsetDelta: number;
  /** Absolute timestamp (the batch's max timestamp under LogAppendTime). */
  timestamp: bigint;
  timestampDelta: bigint;
  key: Buffer | null;
  value: Buffer | null;
  headers: RecordHeader[];
}

/** What a caller supplies to encode a record; missing fields get defaults. */
export interface RecordInput {
  key?: Buffer | null;
  value?: Buffer | null;
  headers?: readonly RecordHeader[];
  /** Defaults to -1 (no timestamp). */
  timestamp?: bigint;
  /** Defaults to the record's index in the batch. */
  offsetDelta?: number;
}

/** The smallest possible record body: six one-byte fields. */
export const MIN_RECORD_BODY_SIZE = 6;
/** The smallest possible encoded record: a one-byte length plus the body. */
export const MIN_RECORD_SIZE = 7;

function nullableBytesSize(b: Buffer | null | undefined): number {
  return b == null ? 1 : varintSize(b.length) + b.length;
}

/** A record ready to be written: sizes computed, header keys encoded once. */
export interface PreparedRecord {
  bodySize: number;
  timestampDelta: bigint;
  offsetDelta: number;
  key: Buffer | null;
  value: Buffer | null;
  headers: { key: Buffer; value: Buffer | null }[];
}

export function prepareRecord(input: RecordInput, offsetDelta: number, timestampDelta: bigint): PreparedRecord {
  const key = input.key ?? null;
  const value = input.value ?? null;
  const headers = (input.headers ?? []).map((h) => ({ key: Buffer.from(h.key, 'utf8'), value: h.value }));
  let bodySize = 1 + varlongSize(timestampDelta) + varintSize(offsetDelta) + nullableBytesSize(key) + nullableBytesSize(value);
  bodySize += varintSize(headers.length);
  for (const h of headers) bodySize += varintSize(h.key.length) + h.key.length + nullableBytesSize(h.value);
  return { bodySize, timestampDelta, offsetDelta, key, value, headers };
}

export function encodedRecordSize(r: PreparedRecord): number {
  return varintSize(r.bodySize) + r.bodySize;
}

function writeNullableBytes(w: Writer, b: Buffer | null): void {
  if (b === null) {
    w.varint(-1);
  } else {
    w.varint(b.length);
    w.raw(b);
  }
}

export function writeRecord(w: Writer, r: PreparedRecord): void {
  w.varint(r.bodySize);
  w.int8(0);
  w.varlong(r.timestampDelta);
  w.varint(r.offsetDelta);
  writeNullableBytes(w, r.key);
  writeNullableBytes(w, r.value);
  w.varint(r.headers.length);
  for (const h of r.headers) {
    w.varint(h.key.length);
    w.raw(h.key);
    writeNullableBytes(w, h.value);
  }
}

/**
 * Reads the record at the reader's position. The record must consume exactly
 * the bytes its length says (as Kafka checks), or it is corrupt.
 */
export function readRecord(r: Reader, baseOffset: bigint, baseTimestamp: bigint, logAppendTime: bigint | null): Record {
  const start = r.offset;
  const bodySize = r.varint();
  if (bodySize < MIN_RECORD_BODY_SIZE || bodySize > r.remaining) {
    throw new ProtocolError('invalid-length', `record length ${bodySize} at offset ${start} with ${r.remaining} bytes left`);
  }
  const end = r.offset + bodySize;
  const body = new Reader(r.buf, r.offset, end);
  body.int8(); // attributes: unused by every record format so far
  const timestampDelta = body.varlong();
  const offsetDelta = body.varint();
  const key = body.varintBytes();
  const value = body.varintBytes();
  const headerCount = body.varint();
  // Each header takes at least two bytes; bound the count before looping.
  if (headerCount < 0 || headerCount * 2 > body.remaining) {
    throw new ProtocolError('invalid-length', `record header count ${headerCount} at offset ${start}`);
  }
  const headers: RecordHeader[] = [];
  for (let i = 0; i < headerCount; i++) {
    const k = body.varintBytes();
    if (k === null) throw new ProtocolError('invalid-value', `null record header key at offset ${start}`);
    headers.push({ key: k.toString('utf8'), value: body.varintBytes() });
  }
  if (body.remaining !== 0) {
    throw new ProtocolError('invalid-length', `record at offset ${start} declares ${bodySize} bytes but uses ${bodySize - body.remaining}`);
  }
  r.offset = end;
  return {
    offset: baseOffset + BigInt(offsetDelta),
    offsetDelta,
    timestamp: logAppendTime ?? baseTimestamp + timestampDelta,
    timestampDelta,
    key,
    value,
    headers,
  };
}

/**
 * Skips the record at the reader's position and reports whether its key is
 * null, reading no more than the key's length (for compacted-topic checks).
 */
export function skipRecordNoteNullKey(r: Reader): boolean {
  const start = r.offset;
  const bodySize = r.varint();
  if (bodySize < MIN_RECORD_BODY_SIZE || bodySize > r.remaining) {
    throw new ProtocolError('invalid-length', `record length ${bodySize} at offset ${start} with ${r.remaining} bytes left`);
  }
  const end = r.offset + bodySize;
  const body = new Reader(r.buf, r.offset, end);
  body.int8();
  body.varlong();
  body.varint();
  const keyLength = body.varint();
  if (keyLength < -1 || keyLength > body.remaining) {
    throw new ProtocolError('invalid-length', `record key length ${keyLength} at offset ${start}`);
  }
  r.offset = end;
  return keyLength < 0;
}
