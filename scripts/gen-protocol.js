#!/usr/bin/env node
// @ts-check
'use strict';
/**
 * Generates src/protocol/messages/ from Kafka's JSON message schemas.
 *
 *   node scripts/gen-protocol.js [schema-dir] [--check]
 *
 * schema-dir holds messages/ and overlay-4.0/ (default ../shared/kafka-protocol).
 * One module per API (request + response, every version), one per header and
 * data schema, and index.ts with the table of all of them. --check compares
 * with what is committed instead of writing, and exits 1 on a difference.
 *
 * The generated code follows Kafka's own rules: fields absent from a version
 * read as their default; writing a non-default value into a version that
 * lacks the field throws unless the field is ignorable; tagged fields are
 * written only when they differ from their default; unknown tags are kept on
 * decode so a message re-encodes byte for byte.
 */
const fs = require('node:fs');
const path = require('node:path');
const { loadSchemas, DEFAULT_SCHEMA_DIR } = require('./protocol-schema');

const OUT_DIR = path.resolve(__dirname, '../src/protocol/messages');

/** @typedef {import('./protocol-schema').Field} Field */
/** @typedef {import('./protocol-schema').Struct} Struct */
/** @typedef {import('./protocol-schema').MessageSchema} MessageSchema */
/** @typedef {import('./protocol-schema').VersionRange} VersionRange */

// ---------------------------------------------------------------------------
// version-range expressions

/** A TS boolean expression for "v in range", simplified against the message's valid range. */
function rangeCond(r, valid, v = 'v') {
  if (r.min > r.max) return 'false';
  const lo = Math.max(r.min, valid.min);
  const hi = Math.min(r.max, valid.max);
  if (lo > hi) return 'false';
  const parts = [];
  if (lo > valid.min) parts.push(`${v} >= ${lo}`);
  if (hi < valid.max) parts.push(`${v} <= ${hi}`);
  return parts.length === 0 ? 'true' : parts.join(' && ');
}

function always(cond) {
  return cond === 'true';
}
function never(cond) {
  return cond === 'false';
}

// ---------------------------------------------------------------------------
// types

function scalarTsType(t) {
  switch (t) {
    case 'bool': return 'boolean';
    case 'int64': return 'bigint';
    case 'string': case 'uuid': return 'string';
    case 'bytes': return 'Buffer';
    case 'records': return 'RecordsValue';
    default: return 'number';
  }
}

function isNullableAnywhere(f) {
  return f.nullableVersions.min <= f.nullableVersions.max;
}

// ---------------------------------------------------------------------------

/**
 * What a generated module says about where it came from, and where it finds
 * the codec helpers (protocol messages and metadata records live in
 * different folders).
 */
const PROTOCOL_MODULE_STYLE = {
  source: 'the Apache Kafka 3.9.0 message schemas',
  regenerate: 'npm run gen:protocol',
  codecSupport: '../primitives/codec-support',
};

class ModuleGen {
  /** @param {MessageSchema[]} messages */
  constructor(moduleName, messages, style = PROTOCOL_MODULE_STYLE) {
    this.moduleName = moduleName;
    this.messages = messages;
    this.style = style;
    /** @type {string[]} */
    this.out = [];
  }

  line(s = '') {
    this.out.push(s);
  }

  /** TS name of a struct: the root is the message name, others live in its namespace. */
  tsName(m, s) {
    return s === m.root ? m.name : `${m.name}.${s.name}`;
  }

  fnName(kind, m, s) {
    return s === m.root ? `${kind}${m.name}` : `${kind}${m.name}_${s.name}`;
  }

  hasFlexible(m) {
    return m.flexibleVersions.min <= m.flexibleVersions.max && m.flexibleVersions.min <= m.validVersions.max;
  }

  fieldTsType(m, f) {
    let base;
    if (f.struct) base = this.tsName(m, f.struct);
    else base = scalarTsType(f.elementType);
    if (f.isArray) base = base.includes(' ') ? `Array<${base}>` : `${base}[]`;
    if (isNullableAnywhere(f) || f.elementType === 'records') base += ' | null';
    return base;
  }

  /** The default value expression of a field. */
  defaultExpr(m, f) {
    const d = f.default;
    if (f.isArray) return d === 'null' ? 'null' : '[]';
    if (f.struct) return d === 'null' ? 'null' : `${this.fnName('default', m, f.struct)}()`;
    switch (f.elementType) {
      case 'bool': return d === 'true' ? 'true' : 'false';
      case 'int8': case 'int16': case 'uint16': case 'int32': case 'uint32': {
        const n = d === undefined ? 0 : Number(d);
        if (!Number.isFinite(n)) throw new Error(`${m.name}.${f.name}: bad default ${d}`);
        return String(n);
      }
      case 'int64': return `${d === undefined ? 0n : BigInt(d)}n`;
      case 'float64': return d === undefined ? '0' : String(Number(d));
      case 'string': return d === 'null' ? 'null' : JSON.stringify(d ?? '');
      case 'bytes': return d === 'null' ? 'null' : 'EMPTY_BYTES';
      case 'uuid': return 'ZERO_UUID';
      case 'records': return 'null';
    }
    throw new Error(`no default for ${f.type}`);
  }

  /** An expression that is true when `x` holds the field's default. */
  isDefaultExpr(m, f, x) {
    const d = f.default;
    if (f.isArray) return d === 'null' ? `${x} === null` : `${x} !== null && ${x}.length === 0`;
    if (f.struct) {
      return d === 'null' ? `${x} === null` : `${x} !== null && ${this.fnName('isDefault', m, f.struct)}(${x})`;
    }
    switch (f.elementType) {
      case 'bytes': return d === 'null' ? `${x} === null` : `${x} !== null && ${x}.length === 0`;
      case 'records': return `${x} === null`;
      case 'float64': return `Object.is(${x}, ${this.defaultExpr(m, f)})`;
      default: return `${x} === ${this.defaultExpr(m, f)}`;
    }
  }

  // ------------------------------------------------------------ reading

  /** Expression reading one non-array value of the field. */
  readScalar(m, f, flex, nullableCond) {
    switch (f.elementType) {
      case 'bool': return 'r.bool()';
      case 'int8': return 'r.int8()';
      case 'int16': return 'r.int16()';
      case 'uint16': return 'r.uint16()';
      case 'int32': return 'r.int32()';
      case 'uint32': return 'r.uint32()';
      case 'int64': return 'r.int64()';
      case 'float64': return 'r.float64()';
      case 'uuid': return 'r.uuid()';
      case 'string': return this.nullCheck(`${flex} ? r.compactNullableString() : r.nullableString()`, f, nullableCond);
      case 'bytes': case 'records':
        return this.nullCheck(`${flex} ? r.compactNullableBytes() : r.nullableBytes()`, f, nullableCond);
    }
    if (f.struct) {
      const read = `${this.fnName('read', m, f.struct)}(r, v, ${flex})`;
      if (never(nullableCond)) return read;
      return `(${nullableCond} && r.int8() < 0 ? null : ${read})`;
    }
    throw new Error(`cannot read ${f.type}`);
  }

  nullCheck(expr, f, nullableCond) {
    const simplified = expr.replace(/^true \? (.*) : .*$/, '$1').replace(/^false \? .* : (.*)$/, '$1');
    if (always(nullableCond)) return simplified;
    return `notNull(${simplified}, ${JSON.stringify(f.name)}, ${nullableCond})`;
  }

  readArray(m, f, flex, nullableCond) {
    const el = { ...f, isArray: false, nullableVersions: { min: 1, max: 0 } };
    const elRead = this.readScalar(m, el, flex, 'false');
    const arr = `readArray(r, ${flex}, (r) => ${elRead})`;
    if (always(nullableCond)) return arr;
    return `notNull(${arr}, ${JSON.stringify(f.name)}, ${nullableCond})`;
  }

  /** Whether a field is flexible-encoded: the message's rule unless the field overrides it. */
  flexFor(m, f) {
    if (f.flexibleVersions) return rangeCond(f.flexibleVersions, m.validVersions);
    return 'flex';
  }

  readValue(m, f, flexExpr) {
    const nullableCond = rangeCond(f.nullableVersions, m.validVersions);
    return f.isArray ? this.readArray(m, f, flexExpr, nullableCond) : this.readScalar(m, f, flexExpr, nullableCond);
  }

  genRead(m, s) {
    const flexible = this.hasFlexible(m);
    const valid = m.validVersions;
    this.line(`function ${this.fnName('read', m, s)}(r: Reader, v: number, flex: boolean): ${this.tsName(m, s)} {`);
    if (!flexible) this.line('  void flex;');
    const tagged = s.fields.filter((f) => f.taggedVersions);
    for (const f of s.fields) {
      const present = this.regularCond(m, f);
      const def = this.defaultExpr(m, f);
      const type = this.fieldTsType(m, f);
      if (never(present)) {
        this.line(`  ${f.taggedVersions ? 'let' : 'const'} ${f.prop}: ${type} = ${def};`);
      } else if (always(present) && !f.taggedVersions) {
        this.line(`  const ${f.prop}: ${type} = ${this.readValue(m, f, this.flexFor(m, f))};`);
      } else {
        this.line(`  ${f.taggedVersions ? 'let' : 'const'} ${f.prop}: ${type} = ${present} ? ${this.readValue(m, f, this.flexFor(m, f))} : ${def};`);
      }
    }
    if (flexible) {
      this.line('  let unknownTags: UnknownTaggedField[] | undefined;');
      this.line('  if (flex) {');
      if (tagged.length === 0) {
        this.line('    unknownTags = readTaggedFields(r, undefined);');
      } else {
        this.line('    unknownTags = readTaggedFields(r, (tag, r) => {');
        this.line('      switch (tag) {');
        for (const f of tagged) {
          const cond = rangeCond(f.taggedVersions, valid);
          this.line(`        case ${f.tag}:`);
          this.line(`          if (!(${cond})) return false;`);
          this.line(`          ${f.prop} = ${this.readValue(m, f, 'true')};`);
          this.line('          return true;');
        }
        this.line('        default:');
        this.line('          return false;');
        this.line('      }');
        this.line('    });');
      }
      this.line('  }');
    }
    const props = s.fields.map((f) => f.prop);
    if (flexible) props.push('_unknownTaggedFields: unknownTags');
    this.line(`  return { ${props.join(', ')} };`);
    this.line('}');
    this.line();
  }

  /** Versions in which the field is a regular (untagged) field. */
  regularCond(m, f) {
    const valid = m.validVersions;
    const inVersions = rangeCond(f.versions, valid);
    if (!f.taggedVersions) return inVersions;
    const tagged = rangeCond(f.taggedVersions, valid);
    if (never(inVersions)) return 'false';
    if (always(tagged)) return 'false';
    // regular where in versions and not tagged
    const t = f.taggedVersions;
    const untaggedHigh = { min: f.versions.min, max: Math.min(f.versions.max, t.min - 1) };
    return rangeCond(untaggedHigh, valid);
  }

  // ------------------------------------------------------------ sizing

  sizeValueLines(m, f, x, flex, indent, nullableCond, acc = 's') {
    const I = ' '.repeat(indent);
    const lines = [];
    if (f.isArray) {
      const el = { ...f, isArray: false, nullableVersions: { min: 1, max: 0 } };
      const body = this.sizeValueLines(m, el, 'e', flex, indent + 4, 'false', acc);
      lines.push(`${I}if (${x} === null) {`);
      lines.push(`${I}  ${acc}.inline += ${flex === 'true' ? '1' : flex === 'false' ? '4' : `${flex} ? 1 : 4`};`);
      lines.push(`${I}} else {`);
      lines.push(`${I}  ${acc}.inline += ${flex === 'true' ? `uvarintSize(${x}.length + 1)` : flex === 'false' ? '4' : `${flex} ? uvarintSize(${x}.length + 1) : 4`};`);
      if (body.length === 1 && /^\s*\w+\.inline \+= \d+;$/.test(body[0])) {
        const n = body[0].trim().match(/\d+/)[0];
        lines.push(`${I}  ${acc}.inline += ${x}.length * ${n};`);
      } else {
        lines.push(`${I}  for (const e of ${x}) {`);
        lines.push(...body);
        lines.push(`${I}  }`);
      }
      lines.push(`${I}}`);
      return lines;
    }
    const fixed = { bool: 1, int8: 1, int16: 2, uint16: 2, int32: 4, uint32: 4, int64: 8, float64: 8, uuid: 16 }[f.elementType];
    if (fixed !== undefined) return [`${I}${acc}.inline += ${fixed};`];
    switch (f.elementType) {
      case 'string': return [`${I}${acc}.inline += stringSize(${x}, ${flex});`];
      case 'bytes': return [`${I}${acc}.inline += bytesSize(${x}, ${flex});`];
      case 'records': return [`${I}recordsSize(${x}, ${flex}, ${acc});`];
    }
    if (f.struct) {
      const call = `${this.fnName('size', m, f.struct)}(${x}, v, ${flex}, ${acc});`;
      if (never(nullableCond)) return [`${I}${call}`];
      return [`${I}if (${nullableCond}) ${acc}.inline += 1;`, `${I}if (${x} !== null) ${call}`];
    }
    throw new Error(`cannot size ${f.type}`);
  }

  genSize(m, s) {
    const flexible = this.hasFlexible(m);
    const tagged = s.fields.filter((f) => f.taggedVersions);
    this.line(`function ${this.fnName('size', m, s)}(x: ${this.tsName(m, s)}, v: number, flex: boolean, s: Size): void {`);
    if (!flexible) this.line('  void flex;');
    let usesV = false;
    for (const f of s.fields) {
      const present = this.regularCond(m, f);
      if (never(present)) continue;
      const nullableCond = rangeCond(f.nullableVersions, m.validVersions);
      const body = this.sizeValueLines(m, f, `x.${f.prop}`, this.flexFor(m, f), always(present) ? 2 : 4, nullableCond);
      if (always(present)) this.out.push(...body);
      else {
        usesV = true;
        this.line(`  if (${present}) {`);
        this.out.push(...body);
        this.line('  }');
      }
      if (body.join('').includes('v,') || nullableCond !== 'false') usesV = true;
    }
    if (flexible) {
      this.line('  if (flex) {');
      if (tagged.length === 0) {
        this.line('    s.inline += unknownTaggedFieldsSize(x._unknownTaggedFields, 0, 0);');
        this.line('  }');
      } else {
      this.line('    let n = 0;');
      this.line('    let bytes = 0;');
      for (const f of tagged) {
        usesV = true;
        const cond = rangeCond(f.taggedVersions, m.validVersions);
        this.line(`    if (${cond} && !(${this.isDefaultExpr(m, f, `x.${f.prop}`)})) {`);
        this.line('      const t = new Size();');
        const nullableCond = rangeCond(f.nullableVersions, m.validVersions);
        this.out.push(...this.sizeValueLines(m, f, `x.${f.prop}`, 'true', 6, nullableCond, 't'));
        this.line(`      bytes += taggedFieldSize(${f.tag}, t.total);`);
        this.line('      n++;');
        this.line('    }');
      }
      this.line('    s.inline += unknownTaggedFieldsSize(x._unknownTaggedFields, n, bytes);');
      this.line('  }');
      }
    }
    if (!usesV) this.line('  void v;');
    this.line('}');
    this.line();
  }

  // ------------------------------------------------------------ writing

  writeValueLines(m, f, x, flex, indent, nullableCond) {
    const I = ' '.repeat(indent);
    if (f.isArray) {
      const el = { ...f, isArray: false, nullableVersions: { min: 1, max: 0 } };
      const body = this.writeValueLines(m, el, 'e', flex, indent + 4, 'false');
      const lines = [];
      lines.push(`${I}if (${x} === null) {`);
      lines.push(`${I}  if (!(${nullableCond})) throw nonNullable(${JSON.stringify(f.name)}, v);`);
      lines.push(`${I}  writeArrayLength(w, -1, ${flex});`);
      lines.push(`${I}} else {`);
      lines.push(`${I}  writeArrayLength(w, ${x}.length, ${flex});`);
      lines.push(`${I}  for (const e of ${x}) {`);
      lines.push(...body);
      lines.push(`${I}  }`);
      lines.push(`${I}}`);
      return lines;
    }
    const simple = {
      bool: 'w.bool', int8: 'w.int8', int16: 'w.int16', uint16: 'w.uint16', int32: 'w.int32',
      uint32: 'w.uint32', int64: 'w.int64', float64: 'w.float64', uuid: 'w.uuid',
    }[f.elementType];
    if (simple) return [`${I}${simple}(${x});`];
    const nn = always(nullableCond) ? '' : `if (${x} === null && !(${nullableCond})) throw nonNullable(${JSON.stringify(f.name)}, v);\n${I}`;
    switch (f.elementType) {
      case 'string': return [`${I}${nn}writeString(w, ${x}, ${flex});`];
      case 'bytes': return [`${I}${nn}writeBytes(w, ${x}, ${flex});`];
      case 'records': return [`${I}${nn}writeRecords(w, ${x}, ${flex});`];
    }
    if (f.struct) {
      const call = `${this.fnName('write', m, f.struct)}(${x}, w, v, ${flex});`;
      if (never(nullableCond)) {
        return [`${I}if (${x} === null) throw nonNullable(${JSON.stringify(f.name)}, v);`, `${I}${call}`];
      }
      return [
        `${I}if (${x} === null) {`,
        `${I}  if (!(${nullableCond})) throw nonNullable(${JSON.stringify(f.name)}, v);`,
        `${I}  w.int8(-1);`,
        `${I}} else {`,
        `${I}  if (${nullableCond}) w.int8(1);`,
        `${I}  ${call}`,
        `${I}}`,
      ];
    }
    throw new Error(`cannot write ${f.type}`);
  }

  genWrite(m, s) {
    const flexible = this.hasFlexible(m);
    const tagged = s.fields.filter((f) => f.taggedVersions).sort((a, b) => a.tag - b.tag);
    this.line(`function ${this.fnName('write', m, s)}(x: ${this.tsName(m, s)}, w: Writer, v: number, flex: boolean): void {`);
    if (!flexible) this.line('  void flex;');
    this.line('  void v;');
    for (const f of s.fields) {
      const present = this.regularCond(m, f);
      const nullableCond = rangeCond(f.nullableVersions, m.validVersions);
      const inSomeForm = f.taggedVersions
        ? `(${present}) || (${rangeCond(f.taggedVersions, m.validVersions)})`
        : present;
      if (!f.ignorable && !always(inSomeForm)) {
        const absent = never(inSomeForm) ? 'true' : `!(${inSomeForm})`;
        this.line(`  if (${absent} && !(${this.isDefaultExpr(m, f, `x.${f.prop}`)})) throw notInVersion(${JSON.stringify(f.name)}, v);`);
      }
      if (never(present)) continue;
      const body = this.writeValueLines(m, f, `x.${f.prop}`, this.flexFor(m, f), always(present) ? 2 : 4, nullableCond);
      if (always(present)) this.out.push(...body);
      else {
        this.line(`  if (${present}) {`);
        this.out.push(...body);
        this.line('  }');
      }
    }
    if (flexible) {
      this.line('  if (flex) {');
      if (tagged.length === 0) {
        this.line('    writeTaggedFields(w, x._unknownTaggedFields, []);');
      } else {
        this.line('    const known: KnownTaggedField[] = [];');
        for (const f of tagged) {
          const cond = rangeCond(f.taggedVersions, m.validVersions);
          const nullableCond = rangeCond(f.nullableVersions, m.validVersions);
          this.line(`    if (${cond} && !(${this.isDefaultExpr(m, f, `x.${f.prop}`)})) {`);
          this.line(`      known.push({ tag: ${f.tag}, size: (s) => {`);
          this.out.push(...this.sizeValueLines(m, f, `x.${f.prop}`, 'true', 8, nullableCond));
          this.line('      }, write: (w) => {');
          this.out.push(...this.writeValueLines(m, f, `x.${f.prop}`, 'true', 8, nullableCond));
          this.line('      } });');
          this.line('    }');
        }
        this.line('    writeTaggedFields(w, x._unknownTaggedFields, known);');
      }
      this.line('  }');
    }
    this.line('}');
    this.line();
  }

  genDefault(m, s) {
    const props = s.fields.map((f) => `${f.prop}: ${this.defaultExpr(m, f)}`);
    this.line(`function ${this.fnName('default', m, s)}(): ${this.tsName(m, s)} {`);
    this.line(`  return { ${props.join(', ')} };`);
    this.line('}');
    this.line();
    this.line(`function ${this.fnName('isDefault', m, s)}(x: ${this.tsName(m, s)}): boolean {`);
    const conds = s.fields.map((f) => `(${this.isDefaultExpr(m, f, `x.${f.prop}`)})`);
    if (this.hasFlexible(m)) conds.push('(x._unknownTaggedFields === undefined || x._unknownTaggedFields.length === 0)');
    this.line(`  return ${conds.length ? conds.join(' &&\n    ') : 'true'};`);
    this.line('}');
    this.line();
  }

  genInterface(m, s, indent) {
    const I = ' '.repeat(indent);
    const name = s === m.root ? m.name : s.name;
    this.line(`${I}export interface ${name} {`);
    for (const f of s.fields) {
      this.line(`${I}  ${f.prop}: ${this.fieldTsType(m, f)};`);
    }
    if (this.hasFlexible(m)) this.line(`${I}  _unknownTaggedFields?: UnknownTaggedField[];`);
    this.line(`${I}}`);
  }

  genMessage(m) {
    this.genInterface(m, m.root, 0);
    if (m.structs.length > 0) {
      this.line(`// eslint-disable-next-line @typescript-eslint/no-namespace`);
      this.line(`export namespace ${m.name} {`);
      m.structs.forEach((s, i) => {
        if (i > 0) this.line();
        this.genInterface(m, s, 2);
      });
      this.line('}');
    }
    this.line();
    for (const s of [...m.structs, m.root]) {
      this.genRead(m, s);
      this.genSize(m, s);
      this.genWrite(m, s);
      this.genDefault(m, s);
    }
    const flexMin = this.hasFlexible(m) ? m.flexibleVersions.min : -1;
    this.line(`export const ${m.name}Codec: MessageCodec<${m.name}> = {`);
    this.line(`  name: ${JSON.stringify(m.name)},`);
    this.line(`  apiKey: ${m.apiKey ?? -1},`);
    this.line(`  minVersion: ${m.validVersions.min},`);
    this.line(`  maxVersion: ${m.validVersions.max},`);
    this.line(`  firstFlexibleVersion: ${flexMin},`);
    this.line(`  read: (r, v) => ${this.fnName('read', m, m.root)}(r, checkVersion(${m.name}Codec, v), ${flexMin >= 0 ? `v >= ${flexMin}` : 'false'}),`);
    this.line(`  size: (x, v, s) => ${this.fnName('size', m, m.root)}(x, checkVersion(${m.name}Codec, v), ${flexMin >= 0 ? `v >= ${flexMin}` : 'false'}, s),`);
    this.line(`  write: (x, w, v) => ${this.fnName('write', m, m.root)}(x, w, checkVersion(${m.name}Codec, v), ${flexMin >= 0 ? `v >= ${flexMin}` : 'false'}),`);
    this.line(`  defaults: ${this.fnName('default', m, m.root)},`);
    this.line('};');
    this.line();
  }

  generate() {
    const body = new ModuleGen(this.moduleName, this.messages, this.style);
    for (const m of this.messages) body.genMessage(m);
    const text = body.out.join('\n');
    const helpers = [
      'Reader', 'Writer', 'Size', 'MessageCodec', 'RecordsValue', 'UnknownTaggedField', 'KnownTaggedField',
      'checkVersion', 'notNull', 'readArray', 'readTaggedFields', 'uvarintSize', 'stringSize', 'bytesSize',
      'recordsSize', 'taggedFieldSize', 'unknownTaggedFieldsSize', 'writeArrayLength', 'writeString',
      'writeBytes', 'writeRecords', 'writeTaggedFields', 'nonNullable', 'notInVersion', 'EMPTY_BYTES', 'ZERO_UUID',
    ].filter((h) => new RegExp(`\\b${h}\\b`).test(text));
    const typeOnly = new Set(['MessageCodec', 'RecordsValue', 'UnknownTaggedField', 'KnownTaggedField']);
    const header = [
      `// GENERATED by scripts/gen-protocol.js from ${this.style.source}`,
      `// (${this.messages.map((m) => m.file).join(', ')}). Do not edit: run \`${this.style.regenerate}\`.`,
      '/* eslint-disable */',
      `import { ${helpers.map((h) => (typeOnly.has(h) ? `type ${h}` : h)).join(', ')} } from '${this.style.codecSupport}';`,
      '',
    ];
    return header.join('\n') + '\n' + text.replace(/\n+$/, '') + '\n';
  }
}

/** Groups schemas into modules: "FetchRequest" + "FetchResponse" -> "Fetch". */
function modules(schemas) {
  /** @type {Map<string, MessageSchema[]>} */
  const byModule = new Map();
  for (const s of schemas) {
    const mod = s.type === 'request' || s.type === 'response' ? s.name.replace(/(Request|Response)$/, '') : s.name;
    if (!byModule.has(mod)) byModule.set(mod, []);
    byModule.get(mod).push(s);
  }
  for (const list of byModule.values()) list.sort((a, b) => (a.type === 'request' ? -1 : b.type === 'request' ? 1 : 0));
  return byModule;
}

/**
 * index.ts re-exports every module's types, and its codecs lazily: a module
 * is loaded (required) the first time one of its codecs is used, so a
 * process pays only for the APIs it touches (the broker serves about a third
 * of the ~100 schemas; start-up time and memory). Each getter replaces itself
 * with the plain value on first use.
 */
function generateIndex(byModule) {
  const apis = [];
  const names = [...byModule.keys()].sort();
  const lines = [
    '// GENERATED by scripts/gen-protocol.js. Do not edit: run `npm run gen:protocol`.',
    '/* eslint-disable @typescript-eslint/no-require-imports */',
    "import type { MessageCodec } from '../primitives/codec-support';",
  ];
  for (const mod of names) lines.push(`import type * as ${mod}Module from './${mod}';`);
  lines.push('');
  for (const mod of names) lines.push(`export type * from './${mod}';`);
  lines.push('');
  lines.push('/** Defines `exports[name]` as a getter that loads its module on first use, then becomes the value. */');
  lines.push('function lazy(name: string, load: () => unknown): void {');
  lines.push('  const target = module.exports as Record<string, unknown>;');
  lines.push('  Object.defineProperty(target, name, {');
  lines.push('    enumerable: true,');
  lines.push('    configurable: true,');
  lines.push('    get() {');
  lines.push('      const value = load();');
  lines.push('      Object.defineProperty(target, name, { enumerable: true, value });');
  lines.push('      return value;');
  lines.push('    },');
  lines.push('  });');
  lines.push('}');
  lines.push('');
  for (const mod of names) {
    const list = byModule.get(mod);
    lines.push(`const load${mod} = (): typeof ${mod}Module => require('./${mod}') as typeof ${mod}Module;`);
    for (const m of list) {
      lines.push(`export declare const ${m.name}Codec: typeof ${mod}Module.${m.name}Codec;`);
      lines.push(`lazy('${m.name}Codec', () => load${mod}().${m.name}Codec);`);
    }
    const req = list.find((m) => m.type === 'request');
    const res = list.find((m) => m.type === 'response');
    if (req && res) apis.push({ key: req.apiKey, mod, req, res });
  }
  lines.push('');
  lines.push('/** A Kafka API as its schemas define it: every version Kafka 3.9 knows. */');
  lines.push('export interface ApiMessages {');
  lines.push('  readonly apiKey: number;');
  lines.push('  readonly name: string;');
  lines.push('  readonly request: MessageCodec<unknown>;');
  lines.push('  readonly response: MessageCodec<unknown>;');
  lines.push('}');
  lines.push('');
  lines.push('/** Every API in the schemas, by api key (codecs loaded on first use). */');
  lines.push('export const API_MESSAGES: readonly ApiMessages[] = [');
  for (const a of apis.sort((x, y) => x.key - y.key)) {
    lines.push(`  {`);
    lines.push(`    apiKey: ${a.key},`);
    lines.push(`    name: ${JSON.stringify(a.mod)},`);
    lines.push(`    get request(): MessageCodec<unknown> {`);
    lines.push(`      return load${a.mod}().${a.req.name}Codec as MessageCodec<unknown>;`);
    lines.push(`    },`);
    lines.push(`    get response(): MessageCodec<unknown> {`);
    lines.push(`      return load${a.mod}().${a.res.name}Codec as MessageCodec<unknown>;`);
    lines.push(`    },`);
    lines.push(`  },`);
  }
  lines.push('];');
  return lines.join('\n') + '\n';
}

/** @returns {Map<string, string>} file name -> contents */
function generateAll(schemaDir = DEFAULT_SCHEMA_DIR) {
  const byModule = modules(loadSchemas(schemaDir));
  const files = new Map();
  for (const [mod, list] of byModule) files.set(`${mod}.ts`, new ModuleGen(mod, list).generate());
  files.set('index.ts', generateIndex(byModule));
  return files;
}

/**
 * Writes `files` into `outDir` (replacing what is there), or with `check`
 * compares them with it and exits 1 naming the stale files.
 * @param {Map<string, string>} files
 */
function writeOrCheck(files, outDir, check, what, howToFix) {
  if (check) {
    const stale = [];
    for (const [name, text] of files) {
      const p = path.join(outDir, name);
      if (!fs.existsSync(p) || fs.readFileSync(p, 'utf8') !== text) stale.push(name);
    }
    const extra = fs.existsSync(outDir) ? fs.readdirSync(outDir).filter((f) => !files.has(f)) : [];
    if (stale.length || extra.length) {
      console.error(`${what} are stale: ${[...stale, ...extra].join(', ')}; run ${howToFix}`);
      process.exit(1);
    }
    return;
  }
  fs.rmSync(outDir, { recursive: true, force: true });
  fs.mkdirSync(outDir, { recursive: true });
  for (const [name, text] of files) fs.writeFileSync(path.join(outDir, name), text);
  console.log(`wrote ${files.size} files to ${path.relative(process.cwd(), outDir)}`);
}

function main(argv) {
  const dir = argv.find((a) => !a.startsWith('--')) ?? DEFAULT_SCHEMA_DIR;
  writeOrCheck(generateAll(path.resolve(dir)), OUT_DIR, argv.includes('--check'), 'protocol codecs', 'npm run gen:protocol');
}

module.exports = { generateAll, OUT_DIR, ModuleGen, writeOrCheck };

if (require.main === module) main(process.argv.slice(2));
