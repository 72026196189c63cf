/**
 * Protocol Buffers encoding for the few etcd messages Weir sends and reads,
 * driven by small schemas written from etcd's rpc.proto and kv.proto
 * (etcd-messages.ts). It replaces protobufjs, which the etcd3 client loads
 * and feeds etcd's .proto files at require time.
 *
 * Representation (the etcd3 client's, which the call sites were written
 * against): int64 and uint64 as decimal strings (etcd's lease ids and
 * revisions can pass 2^53); bytes as Buffers (strings are accepted when
 * encoding); bools; enums as numbers, or as names where a schema gives
 * names. Decoding fills in proto3's defaults ('0', empty Buffer, false, [],
 * the first enum name) so a field etcd left out reads as its zero, as with
 * etcd3; a nested message etcd left out stays undefined.
 *
 * Encoding writes every field whose value is present, zeros included: a
 * Compare's target is a oneof, where a zero that is sent differs from one
 * that is not.
 */

export type FieldType = 'int64' | 'uint64' | 'bool' | 'bytes' | 'string' | 'enum' | MessageSchema;

export interface FieldSchema {
  readonly no: number;
  readonly type: FieldType;
  readonly repeated?: boolean;
  /** For enums read as names: the name of each value (index = number). */
  readonly names?: readonly string[];
}

/** Field name -> its number and type. */
export type MessageSchema = { readonly [field: string]: FieldSchema };

const VARINT = 0;
const FIXED64 = 1;
const LENGTH_DELIMITED = 2;
const FIXED32 = 5;

// ---------------------------------------------------------------- encoding

/** Bytes appended in pieces, joined once at the end. */
class Writer {
  private readonly parts: Buffer[] = [];
  private bytes: number[] = [];

  varint(value: bigint): void {
    let v = BigInt.asUintN(64, value);
    while (v > 0x7fn) {
      this.bytes.push(Number(v & 0x7fn) | 0x80);
      v >>= 7n;
    }
    this.bytes.push(Number(v));
  }

  /** A small non-negative number (tags, lengths, enums, bools) without BigInt. */
  smallVarint(value: number): void {
    let v = value;
    while (v > 0x7f) {
      this.bytes.push((v & 0x7f) | 0x80);
      v = Math.floor(v / 128);
    }
    this.bytes.push(v);
  }

  raw(buffer: Buffer): void {
    this.flush();
    this.parts.push(buffer);
  }

  finish(): Buffer {
    this.flush();
    return this.parts.length === 1 ? (this.parts[0] as Buffer) : Buffer.concat(this.parts);
  }

  private flush(): void {
    if (this.bytes.length > 0) this.parts.push(Buffer.from(this.bytes));
    this.bytes = [];
  }
}

/** The protobuf bytes of `message` under `schema`; a field not in the schema is an error (a typo would otherwise vanish). */
export function encodeMessage(schema: MessageSchema, message: object): Buffer {
  const w = new Writer();
  writeMessage(w, schema, message);
  return w.finish();
}

function writeMessage(w: Writer, schema: MessageSchema, message: object): void {
  const values = message as Record<string, unknown>;
  for (const name of Object.keys(values)) {
    if (!(name in schema) && values[name] !== undefined) throw new Error(`no field ${name} in this etcd message`);
  }
  // In the schema's order (field numbers ascending), as protoc writes them.
  for (const [name, field] of Object.entries(schema)) {
    const value = values[name];
    if (value === undefined || value === null) continue;
    if (field.repeated) {
      const list = value as unknown[];
      if (field.type === 'enum' || field.type === 'bool' || field.type === 'int64' || field.type === 'uint64') {
        // proto3 packs repeated scalars: one length-delimited run of varints.
        if (list.length === 0) continue;
        const packed = new Writer();
        for (const v of list) writeScalar(packed, field, v);
        const body = packed.finish();
        w.smallVarint((field.no << 3) | LENGTH_DELIMITED);
        w.smallVarint(body.length);
        w.raw(body);
      } else {
        for (const v of list) writeField(w, field, v);
      }
    } else {
      writeField(w, field, value);
    }
  }
}

function writeField(w: Writer, field: FieldSchema, value: unknown): void {
  const type = field.type;
  if (typeof type === 'object') {
    const body = encodeMessage(type, value as object);
    w.smallVarint((field.no << 3) | LENGTH_DELIMITED);
    w.smallVarint(body.length);
    w.raw(body);
  } else if (type === 'bytes' || type === 'string') {
    const body = Buffer.isBuffer(value) ? value : Buffer.from(String(value));
    w.smallVarint((field.no << 3) | LENGTH_DELIMITED);
    w.smallVarint(body.length);
    if (body.length > 0) w.raw(body);
  } else {
    w.smallVarint((field.no << 3) | VARINT);
    writeScalar(w, field, value);
  }
}

function writeScalar(w: Writer, field: FieldSchema, value: unknown): void {
  if (field.type === 'bool') {
    w.smallVarint(value ? 1 : 0);
  } else if (field.type === 'enum') {
    const n = typeof value === 'string' ? (field.names ?? []).indexOf(value) : Number(value);
    if (!Number.isInteger(n) || n < 0) throw new Error(`not a value of this enum: ${String(value)}`);
    w.smallVarint(n);
  } else {
    w.varint(BigInt(value as string | number | bigint));
  }
}

// ---------------------------------------------------------------- decoding

/** Reads `message` under `schema`; fields the schema does not name are skipped by their wire type. */
export function decodeMessage<T>(schema: MessageSchema, message: Buffer): T {
  return readMessage(new Reader(message), schema, message.length) as T;
}

class Reader {
  pos = 0;
  constructor(readonly buf: Buffer) {}

  varint(): bigint {
    let value = 0n;
    for (let shift = 0n; ; shift += 7n) {
      if (this.pos >= this.buf.length || shift > 63n) throw new Error('an etcd message with a malformed varint');
      const b = this.buf[this.pos++] as number;
      value |= BigInt(b & 0x7f) << shift;
      if ((b & 0x80) === 0) return value;
    }
  }

  /** A varint known to be small (a tag, a length); checked to fit a JavaScript number exactly. */
  smallVarint(): number {
    let value = 0;
    for (let scale = 1; ; scale *= 128) {
      if (this.pos >= this.buf.length || scale > 2 ** 49) throw new Error('an etcd message with a malformed varint');
      const b = this.buf[this.pos++] as number;
      value += (b & 0x7f) * scale;
      if ((b & 0x80) === 0) return value;
    }
  }

  skip(bytes: number, end: number): void {
    if (this.pos + bytes > end) throw new Error('an etcd message cut short');
    this.pos += bytes;
  }
}

function defaults(schema: MessageSchema): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [name, field] of Object.entries(schema)) {
    if (field.repeated) out[name] = [];
    else if (typeof field.type === 'object') continue;
    else if (field.type === 'int64' || field.type === 'uint64') out[name] = '0';
    else if (field.type === 'bool') out[name] = false;
    else if (field.type === 'bytes') out[name] = Buffer.alloc(0);
    else if (field.type === 'string') out[name] = '';
    else out[name] = field.names ? field.names[0] : 0;
  }
  return out;
}

function readMessage(r: Reader, schema: MessageSchema, end: number): Record<string, unknown> {
  const out = defaults(schema);
  const byNumber = numbered(schema);
  while (r.pos < end) {
    const tag = r.smallVarint();
    const no = Math.floor(tag / 8);
    const wireType = tag & 7;
    const known = byNumber.get(no);
    if (wireType === VARINT) {
      const value = r.varint();
      if (known) put(out, known, scalar(known[1], value));
    } else if (wireType === LENGTH_DELIMITED) {
      const length = r.smallVarint();
      const start = r.pos;
      r.skip(length, end);
      if (!known) continue;
      const [, field] = known;
      if (typeof field.type === 'object') {
        const inner = new Reader(r.buf);
        inner.pos = start;
        put(out, known, readMessage(inner, field.type, start + length));
      } else if (field.type === 'bytes') {
        // A copy: the caller may keep it long after the response it came in.
        put(out, known, Buffer.from(r.buf.subarray(start, start + length)));
      } else if (field.type === 'string') {
        put(out, known, r.buf.toString('utf8', start, start + length));
      } else if (field.repeated) {
        // A packed run of scalars.
        const inner = new Reader(r.buf);
        inner.pos = start;
        while (inner.pos < start + length) put(out, known, scalar(field, inner.varint()));
        if (inner.pos !== start + length) throw new Error('an etcd message with a malformed packed field');
      } else {
        throw new Error(`an etcd message with field ${no} of an unexpected wire type`);
      }
    } else if (wireType === FIXED64) {
      r.skip(8, end);
    } else if (wireType === FIXED32) {
      r.skip(4, end);
    } else {
      throw new Error(`an etcd message with a field of wire type ${wireType}`);
    }
  }
  if (r.pos !== end) throw new Error('an etcd message cut short');
  return out;
}

function put(out: Record<string, unknown>, [name, field]: [string, FieldSchema], value: unknown): void {
  if (field.repeated) (out[name] as unknown[]).push(value);
  else out[name] = value;
}

function scalar(field: FieldSchema, value: bigint): unknown {
  switch (field.type) {
    case 'int64':
      return BigInt.asIntN(64, value).toString();
    case 'uint64':
      return value.toString();
    case 'bool':
      return value !== 0n;
    case 'enum': {
      const n = Number(BigInt.asIntN(32, value));
      return field.names?.[n] ?? n;
    }
    default:
      throw new Error(`an etcd message with a varint where ${String(field.type)} was expected`);
  }
}

const byNumberCache = new WeakMap<MessageSchema, Map<number, [string, FieldSchema]>>();

function numbered(schema: MessageSchema): Map<number, [string, FieldSchema]> {
  let map = byNumberCache.get(schema);
  if (!map) {
    map = new Map(Object.entries(schema).map(([name, field]) => [field.no, [name, field]]));
    byNumberCache.set(schema, map);
  }
  return map;
}
