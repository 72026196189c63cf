/**
 * fast-check arbitraries for any message in any version, built straight from
 * the normalised schema rather than from the generated code, so the two are
 * independent: a generator bug shows up as a disagreement.
 *
 * Fields a version has get random valid values (null only where that version
 * allows it); fields it lacks get their schema default, which is what the
 * decoder must produce for them. Flexible structs sometimes carry unknown
 * tagged fields, which must survive a round trip.
 */
import fc from 'fast-check';
import type { UnknownTaggedField } from '../primitives/codec-support';
import { ZERO_UUID } from '../primitives/codec-support';
import { inRange, type MessageSchema, type SchemaField, type SchemaStruct } from './schema-types';

export type StructValue = Record<string, unknown>;

/** How a field appears in one version. */
export type FieldForm = 'absent' | 'regular' | 'tagged';

export function isFlexible(m: MessageSchema, v: number): boolean {
  return inRange(m.flexibleVersions, v);
}

export function fieldForm(m: MessageSchema, f: SchemaField, v: number): FieldForm {
  if (!inRange(f.versions, v)) return 'absent';
  if (f.taggedVersions && inRange(f.taggedVersions, v) && isFlexible(m, v)) return 'tagged';
  return 'regular';
}

/** Whether strings/bytes/arrays of this field use the compact encoding in `v`. */
export function fieldIsCompact(m: MessageSchema, f: SchemaField, v: number): boolean {
  return f.flexibleVersions ? inRange(f.flexibleVersions, v) : isFlexible(m, v);
}

/** The schema default of a field, as the decoder represents it. */
export function defaultValue(f: SchemaField): unknown {
  const d = f.default === undefined ? undefined : String(f.default);
  if (f.isArray) return d === 'null' ? null : [];
  if (f.struct) return d === 'null' ? null : defaultStruct(f.struct);
  switch (f.elementType) {
    case 'bool':
      return d === 'true';
    case 'int8':
    case 'int16':
    case 'uint16':
    case 'int32':
    case 'uint32':
    case 'float64':
      return d === undefined ? 0 : Number(d);
    case 'int64':
      return d === undefined ? 0n : BigInt(d);
    case 'string':
      return d === 'null' ? null : (d ?? '');
    case 'bytes':
      return d === 'null' ? null : Buffer.alloc(0);
    case 'uuid':
      return ZERO_UUID;
    case 'records':
      return null;
  }
  throw new Error(`no default for ${f.type}`);
}

export function defaultStruct(s: SchemaStruct): StructValue {
  const out: StructValue = {};
  for (const f of s.fields) out[f.prop] = defaultValue(f);
  return out;
}

const uuidArb: fc.Arbitrary<string> = fc.uint8Array({ minLength: 16, maxLength: 16 }).map((b) => {
  const h = Buffer.from(b).toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
});

// ASCII, any Unicode grapheme (multi-byte UTF-8, astral planes), and lengths
// around the one-byte compact-length boundary (127 bytes).
const stringArb: fc.Arbitrary<string> = fc.oneof(
  { arbitrary: fc.string({ maxLength: 8 }), weight: 3 },
  { arbitrary: fc.string({ unit: 'grapheme', maxLength: 6 }), weight: 3 },
  { arbitrary: fc.integer({ min: 120, max: 135 }).map((n) => 'k'.repeat(n)), weight: 1 },
);

const bytesArb: fc.Arbitrary<Buffer> = fc.uint8Array({ maxLength: 12 }).map((b) => Buffer.from(b));

const int64Arb = fc.oneof(
  fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }),
  fc.constantFrom(-1n, 0n, 2n ** 63n - 1n, -(2n ** 63n)),
);

function scalarArb(f: SchemaField): fc.Arbitrary<unknown> {
  switch (f.elementType) {
    case 'bool':
      return fc.boolean();
    case 'int8':
      return fc.integer({ min: -128, max: 127 });
    case 'int16':
      return fc.integer({ min: -32768, max: 32767 });
    case 'uint16':
      return fc.integer({ min: 0, max: 65535 });
    case 'int32':
      return fc.integer({ min: -2147483648, max: 2147483647 });
    case 'uint32':
      return fc.integer({ min: 0, max: 0xffffffff });
    case 'int64':
      return int64Arb;
    case 'float64':
      return fc.double();
    case 'uuid':
      return uuidArb;
    case 'string':
      return stringArb;
    case 'bytes':
    case 'records':
      return bytesArb;
  }
  throw new Error(`no arbitrary for ${f.type}`);
}

/** Unknown tagged fields for a struct: none, or a few tags the struct does not define. */
function unknownTagsArb(s: SchemaStruct): fc.Arbitrary<UnknownTaggedField[] | undefined> {
  const known = new Set(s.fields.map((f) => f.tag).filter((t): t is number => t !== null));
  const tag = fc
    .oneof(fc.integer({ min: 0, max: 12 }), fc.integer({ min: 126, max: 20000 }))
    .filter((t) => !known.has(t));
  const fields = fc
    .uniqueArray(fc.tuple(tag, bytesArb), { minLength: 1, maxLength: 2, selector: ([t]) => t })
    .map((list) => list.sort(([a], [b]) => a - b).map(([t, data]) => ({ tag: t, data })));
  return fc.option(fields, { nil: undefined, freq: 3 });
}

export interface ArbitraryOptions {
  /** Longest generated array (default 3). */
  readonly maxArray?: number;
}

/**
 * Builds arbitraries for one message in one version. Structs are built once
 * and shared, which also keeps the arbitrary small for deep messages.
 */
class VersionArbitraries {
  private readonly structs = new Map<SchemaStruct, fc.Arbitrary<StructValue>>();

  constructor(
    private readonly m: MessageSchema,
    private readonly v: number,
    private readonly opts: Required<ArbitraryOptions>,
  ) {}

  struct(s: SchemaStruct): fc.Arbitrary<StructValue> {
    let arb = this.structs.get(s);
    if (!arb) {
      arb = this.buildStruct(s);
      this.structs.set(s, arb);
    }
    return arb;
  }

  private buildStruct(s: SchemaStruct): fc.Arbitrary<StructValue> {
    const shape: Record<string, fc.Arbitrary<unknown>> = {};
    for (const f of s.fields) shape[f.prop] = this.field(f);
    const fields = fc.record(shape);
    if (!isFlexible(this.m, this.v)) return fields;
    return fc.tuple(fields, unknownTagsArb(s)).map(([value, unknown]) =>
      unknown === undefined ? value : { ...value, _unknownTaggedFields: unknown },
    );
  }

  private field(f: SchemaField): fc.Arbitrary<unknown> {
    const form = fieldForm(this.m, f, this.v);
    if (form === 'absent') return fc.constant(defaultValue(f));
    let arb: fc.Arbitrary<unknown>;
    const element = f.struct ? this.struct(f.struct) : scalarArb(f);
    arb = f.isArray ? fc.array(element, { maxLength: this.opts.maxArray }) : element;
    if (inRange(f.nullableVersions, this.v)) arb = fc.option(arb, { nil: null, freq: 4 });
    // A tagged field is written only when it differs from its default, so
    // exercise both sides of that rule.
    if (form === 'tagged') arb = fc.oneof(fc.constant(defaultValue(f)), arb);
    return arb;
  }
}

export function messageArbitrary(m: MessageSchema, v: number, opts: ArbitraryOptions = {}): fc.Arbitrary<StructValue> {
  return new VersionArbitraries(m, v, { maxArray: opts.maxArray ?? 3 }).struct(m.root);
}
