/**
 * The small runtime the generated codecs in `protocol/messages/` call into:
 * the codec interface, and the encodings that are the same for every message
 * (classic vs compact strings/bytes/arrays, tagged-field sections).
 */
import { ProtocolError } from './protocol-error';
import { Reader } from './reader';
import { RecordsValue, recordsLength } from './records-value';
import { Size, Writer, uvarintSize } from './writer';

export { Reader, Writer, Size, uvarintSize };
export type { RecordsValue };

/** One message type (a request, response, header or data schema), every version. */
export interface MessageCodec<T> {
  readonly name: string;
  /** The API key, or -1 for headers and data schemas. */
  readonly apiKey: number;
  readonly minVersion: number;
  readonly maxVersion: number;
  /** First version using compact encodings and tagged fields, or -1 for none. */
  readonly firstFlexibleVersion: number;
  read(r: Reader, version: number): T;
  /** Adds the exact encoded size of `value` to `s`. */
  size(value: T, version: number, s: Size): void;
  write(value: T, w: Writer, version: number): void;
  /** A value with every field at its default. */
  defaults(): T;
}

/** A tagged field the schema does not know, kept so the message re-encodes unchanged. */
export interface UnknownTaggedField {
  readonly tag: number;
  readonly data: Buffer;
}

export interface KnownTaggedField {
  readonly tag: number;
  size(s: Size): void;
  write(w: Writer): void;
}

export const EMPTY_BYTES: Buffer = Buffer.alloc(0);
export const ZERO_UUID = '00000000-0000-0000-0000-000000000000';

export function isFlexible(codec: MessageCodec<unknown>, version: number): boolean {
  return codec.firstFlexibleVersion >= 0 && version >= codec.firstFlexibleVersion;
}

export function checkVersion(codec: MessageCodec<unknown>, v: number): number {
  if (!Number.isInteger(v) || v < codec.minVersion || v > codec.maxVersion) {
    throw new ProtocolError('unsupported-version', `${codec.name} has no version ${v}`);
  }
  return v;
}

export function notNull<T>(value: T | null, field: string, nullable: boolean): T {
  if (value === null && !nullable) throw new ProtocolError('invalid-value', `${field} is null but not nullable`);
  return value as T;
}

export function nonNullable(field: string, v: number): ProtocolError {
  return new ProtocolError('unencodable', `${field} is not nullable in version ${v}`);
}

export function notInVersion(field: string, v: number): ProtocolError {
  return new ProtocolError('unencodable', `${field} has a non-default value but does not exist in version ${v}`);
}

export function readArray<T>(r: Reader, flex: boolean, readElement: (r: Reader) => T): T[] | null {
  const n = r.arrayLength(flex);
  if (n < 0) return null;
  const out = new Array<T>(n);
  for (let i = 0; i < n; i++) out[i] = readElement(r);
  return out;
}

/**
 * Reads a tagged-field section. `known` reads a tag the schema defines (from
 * a reader bounded to that field's bytes) and returns false for tags it does
 * not know; those are kept raw.
 */
export function readTaggedFields(
  r: Reader,
  known: ((tag: number, r: Reader) => boolean) | undefined,
): UnknownTaggedField[] | undefined {
  const count = r.uvarint();
  if (count > r.remaining) throw new ProtocolError('invalid-length', `${count} tagged fields with ${r.remaining} bytes left`);
  let unknown: UnknownTaggedField[] | undefined;
  let last = -1;
  for (let i = 0; i < count; i++) {
    const tag = r.uvarint();
    if (tag <= last) throw new ProtocolError('invalid-value', `tagged field ${tag} out of order`);
    last = tag;
    const size = r.uvarint();
    if (size > r.remaining) throw new ProtocolError('invalid-length', `tagged field ${tag} of ${size} bytes with ${r.remaining} left`);
    const start = r.offset;
    const sub = new Reader(r.buf, start, start + size);
    if (known?.(tag, sub)) {
      if (sub.remaining !== 0) throw new ProtocolError('invalid-length', `tagged field ${tag} has ${sub.remaining} extra bytes`);
    } else {
      (unknown ??= []).push({ tag, data: r.buf.subarray(start, start + size) });
    }
    r.offset = start + size;
  }
  return unknown;
}

export function stringSize(s: string | null, flex: boolean): number {
  if (s === null) return flex ? 1 : 2;
  const n = Buffer.byteLength(s, 'utf8');
  return (flex ? uvarintSize(n + 1) : 2) + n;
}

export function bytesSize(b: Buffer | null, flex: boolean): number {
  if (b === null) return flex ? 1 : 4;
  return (flex ? uvarintSize(b.length + 1) : 4) + b.length;
}

export function recordsSize(v: RecordsValue | null, flex: boolean, s: Size): void {
  if (v === null) {
    s.inline += flex ? 1 : 4;
    return;
  }
  const n = recordsLength(v);
  s.inline += flex ? uvarintSize(n + 1) : 4;
  s.external += n;
}

export function taggedFieldSize(tag: number, size: number): number {
  return uvarintSize(tag) + uvarintSize(size) + size;
}

export function unknownTaggedFieldsSize(unknown: UnknownTaggedField[] | undefined, knownCount: number, knownBytes: number): number {
  let n = knownCount;
  let bytes = knownBytes;
  if (unknown) {
    for (const u of unknown) bytes += taggedFieldSize(u.tag, u.data.length);
    n += unknown.length;
  }
  return uvarintSize(n) + bytes;
}

export function writeArrayLength(w: Writer, n: number, flex: boolean): void {
  if (flex) w.uvarint(n + 1);
  else w.int32(n);
}

export function writeString(w: Writer, s: string | null, flex: boolean): void {
  if (s === null) {
    if (flex) w.uvarint(0);
    else w.int16(-1);
    return;
  }
  const n = Buffer.byteLength(s, 'utf8');
  if (!flex && n > 0x7fff) throw new ProtocolError('unencodable', `string of ${n} bytes is too long`);
  if (flex) w.uvarint(n + 1);
  else w.int16(n);
  w.utf8(s);
}

export function writeBytes(w: Writer, b: Buffer | null, flex: boolean): void {
  if (b === null) {
    if (flex) w.uvarint(0);
    else w.int32(-1);
    return;
  }
  if (flex) w.uvarint(b.length + 1);
  else w.int32(b.length);
  w.raw(b);
}

export function writeRecords(w: Writer, v: RecordsValue | null, flex: boolean): void {
  if (v === null) {
    if (flex) w.uvarint(0);
    else w.int32(-1);
    return;
  }
  const n = recordsLength(v);
  if (flex) w.uvarint(n + 1);
  else w.int32(n);
  w.records(v);
}

/** Writes known and unknown tagged fields together, in ascending tag order. */
export function writeTaggedFields(w: Writer, unknown: UnknownTaggedField[] | undefined, known: KnownTaggedField[]): void {
  w.uvarint(known.length + (unknown?.length ?? 0));
  let u = 0;
  for (const k of known) {
    while (unknown && u < unknown.length && unknown[u]!.tag < k.tag) writeUnknown(w, unknown[u++]!);
    const s = new Size();
    k.size(s);
    w.uvarint(k.tag);
    w.uvarint(s.total);
    k.write(w);
  }
  while (unknown && u < unknown.length) writeUnknown(w, unknown[u++]!);
}

function writeUnknown(w: Writer, f: UnknownTaggedField): void {
  w.uvarint(f.tag);
  w.uvarint(f.data.length);
  w.raw(f.data);
}
