/**
 * Kafka's rule for a field a version does not have: writing its default is
 * fine; writing anything else throws, unless the schema marks the field
 * `ignorable`, in which case it is silently left out. Checked for every
 * field (at any depth) of every message in every version that lacks it.
 */
import { encodeMessageToBuffer } from './message-io';
import { MetadataRequestCodec, type MetadataRequest } from './messages';
import { ProtocolError } from './primitives/protocol-error';
import { codecFor } from './test-support/message-codecs';
import { defaultStruct, defaultValue, fieldForm, type StructValue } from './test-support/schema-arbitrary';
import { loadSchemas, versionsOf, type MessageSchema, type SchemaField, type SchemaStruct } from './test-support/schema-types';

/** A value different from the field's default, or undefined where none is easy to make. */
function nonDefault(f: SchemaField): unknown {
  const d = defaultValue(f);
  if (f.isArray) return d === null ? [] : [f.struct ? defaultStruct(f.struct) : defaultValue({ ...f, isArray: false, default: undefined })];
  if (f.struct) return d === null ? defaultStruct(f.struct) : undefined;
  switch (f.elementType) {
    case 'bool':
      return !d;
    case 'int64':
      return d === 0n ? 1n : 0n;
    case 'string':
      return d === 'x' ? 'y' : 'x';
    case 'bytes':
    case 'records':
      return Buffer.from([1]);
    case 'uuid':
      return '00000000-0000-0000-0000-000000000001';
    default:
      return d === 0 ? 1 : 0;
  }
}

interface Target {
  readonly path: string;
  readonly field: SchemaField;
  /** The whole message with this field set to `x` and everything else at its default. */
  readonly build: (x: unknown) => StructValue;
}

/** Every field absent from version `v`, reachable through fields present in `v`. */
function absentFields(m: MessageSchema, v: number): Target[] {
  const out: Target[] = [];
  const visit = (s: SchemaStruct, path: string, wrap: (value: StructValue) => StructValue): void => {
    for (const f of s.fields) {
      const with_ = (x: unknown): StructValue => wrap({ ...defaultStruct(s), [f.prop]: x });
      if (fieldForm(m, f, v) === 'absent') out.push({ path: `${path}.${f.name}`, field: f, build: with_ });
      else if (f.struct) visit(f.struct, `${path}.${f.name}`, (child) => with_(f.isArray ? [child] : child));
    }
  };
  visit(m.root, m.name, (root) => root);
  return out;
}

function errorKind(f: () => unknown): string | undefined {
  try {
    f();
    return undefined;
  } catch (e) {
    if (e instanceof ProtocolError) return e.kind;
    throw e;
  }
}

describe('fields absent from a version', () => {
  const cases = loadSchemas().flatMap((m) =>
    versionsOf(m).flatMap((v) => absentFields(m, v).map((t) => ({ m, v, t }))),
  );

  it('cover a good part of the schemas', () => {
    expect(cases.length).toBeGreaterThan(500);
    expect(cases.some((c) => c.t.field.ignorable)).toBe(true);
    expect(cases.some((c) => !c.t.field.ignorable)).toBe(true);
  });

  it('throw unless ignorable, and are dropped when ignorable', () => {
    let checked = 0;
    for (const { m, v, t } of cases) {
      const codec = codecFor(m);
      const value = nonDefault(t.field);
      if (value === undefined) continue;
      let baseline: Buffer;
      try {
        baseline = encodeMessageToBuffer(codec, t.build(defaultValue(t.field)), v);
      } catch {
        continue; // the all-default path itself is not encodable here (a default null in a non-nullable version)
      }
      const where = `${t.path} in v${v}`;
      if (t.field.ignorable) {
        expect([where, encodeMessageToBuffer(codec, t.build(value), v).toString('hex')]).toEqual([where, baseline.toString('hex')]);
      } else {
        expect([where, errorKind(() => encodeMessageToBuffer(codec, t.build(value), v))]).toEqual([where, 'unencodable']);
      }
      checked++;
    }
    expect(checked).toBeGreaterThan(500);
  });
});

describe('the rule on known fields', () => {
  const request = (v: Partial<MetadataRequest>): MetadataRequest => ({ ...MetadataRequestCodec.defaults(), topics: [], ...v });

  it('refuses allow_auto_topic_creation=false before Metadata v4 (not ignorable)', () => {
    expect(errorKind(() => encodeMessageToBuffer(MetadataRequestCodec, request({ allowAutoTopicCreation: false }), 3))).toBe('unencodable');
    expect(encodeMessageToBuffer(MetadataRequestCodec, request({ allowAutoTopicCreation: true }), 3).toString('hex')).toBe('00000000');
  });

  it('drops a topic id before Metadata v10 (ignorable)', () => {
    const topics = [{ topicId: '12345678-1234-1234-1234-123456789abc', name: 'a' }];
    expect(encodeMessageToBuffer(MetadataRequestCodec, request({ topics }), 9).toString('hex')).toBe('02 0261 00 01 00 00 00'.replace(/ /g, ''));
  });
});
