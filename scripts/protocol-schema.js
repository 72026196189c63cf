// @ts-check
'use strict';
/**
 * Loads Kafka's JSON message schemas into a normalised form that the code
 * generator (gen-protocol.js) and the schema-driven tests share.
 *
 * Only facts are taken from the schemas (names, types, version ranges,
 * defaults); their `about` texts and license headers are left behind.
 */
const fs = require('node:fs');
const path = require('node:path');

const DEFAULT_SCHEMA_DIR = path.resolve(__dirname, '../../shared/kafka-protocol');

/** @typedef {{ min: number, max: number }} VersionRange  max is Infinity for "N+", min > max for "none" */

/**
 * @typedef {object} Field
 * @property {string} name        schema name, e.g. "ThrottleTimeMs"
 * @property {string} prop        TypeScript property name, e.g. "throttleTimeMs"
 * @property {string} type        raw schema type, e.g. "[]FetchTopic", "int32"
 * @property {boolean} isArray
 * @property {string} elementType element type for arrays, the type itself otherwise
 * @property {Struct | null} struct the struct for struct-typed fields or struct arrays
 * @property {VersionRange} versions
 * @property {VersionRange} nullableVersions
 * @property {VersionRange | null} taggedVersions
 * @property {number | null} tag
 * @property {VersionRange | null} flexibleVersions field-level override (the header's ClientId)
 * @property {boolean} ignorable
 * @property {string | undefined} default raw default text from the schema
 */

/**
 * @typedef {object} Struct
 * @property {string} name
 * @property {Field[]} fields
 * @property {VersionRange} versions
 */

/**
 * @typedef {object} MessageSchema
 * @property {string} name           e.g. "FetchRequest"
 * @property {'request'|'response'|'header'|'data'} type
 * @property {number | null} apiKey
 * @property {VersionRange} validVersions
 * @property {VersionRange} flexibleVersions
 * @property {Struct} root
 * @property {Struct[]} structs       every named struct, in definition order
 * @property {string} file
 */

const PRIMITIVES = new Set([
  'bool', 'int8', 'int16', 'uint16', 'int32', 'uint32', 'int64', 'float64',
  'string', 'bytes', 'uuid', 'records',
]);

/** @param {string | undefined} text @returns {VersionRange} */
function parseVersions(text) {
  if (text === undefined || text === 'none') return { min: 1, max: 0 };
  const t = text.trim();
  if (t.endsWith('+')) return { min: Number(t.slice(0, -1)), max: Infinity };
  const dash = t.indexOf('-');
  if (dash >= 0) return { min: Number(t.slice(0, dash)), max: Number(t.slice(dash + 1)) };
  const n = Number(t);
  return { min: n, max: n };
}

/** @param {VersionRange} r @param {number} v */
function inRange(r, v) {
  return v >= r.min && v <= r.max;
}

/** "ThrottleTimeMs" -> "throttleTimeMs" */
function propName(name) {
  return name.charAt(0).toLowerCase() + name.slice(1);
}

/** Strip whole-line // comments (the schemas' only comment form), then parse. */
function readSchemaFile(file) {
  return parseSchemaText(fs.readFileSync(file, 'utf8'));
}

/** A schema file's text (with its // comment lines) as JSON. */
function parseSchemaText(text) {
  const stripped = text
    .split('\n')
    .filter((line) => !/^\s*\/\//.test(line))
    .join('\n');
  return JSON.parse(stripped);
}

/**
 * The schema files to use: messages/*.json, with same-named files from
 * overlay-4.0/ replacing them (ConsumerGroupHeartbeat v1, see SOURCE.txt).
 * @param {string} dir
 * @returns {Map<string, string>} base name -> path
 */
function schemaFiles(dir) {
  const files = new Map();
  for (const sub of ['messages', 'overlay-4.0']) {
    const d = path.join(dir, sub);
    if (!fs.existsSync(d)) continue;
    for (const f of fs.readdirSync(d).sort()) {
      if (f.endsWith('.json')) files.set(f, path.join(d, f));
    }
  }
  return files;
}

/**
 * @param {any} json
 * @param {string} file
 * @returns {MessageSchema}
 */
function normalise(json, file) {
  /** @type {Map<string, Struct>} */
  const byName = new Map();
  /** @type {Struct[]} */
  const structs = [];
  /** @type {{ field: Field, typeName: string }[]} */
  const unresolved = [];

  /** @param {any[]} rawFields @returns {Field[]} */
  function fields(rawFields) {
    return (rawFields ?? []).map((f) => {
      const isArray = f.type.startsWith('[]');
      const elementType = isArray ? f.type.slice(2) : f.type;
      /** @type {Field} */
      const field = {
        name: f.name,
        prop: propName(f.name),
        type: f.type,
        isArray,
        elementType,
        struct: null,
        versions: parseVersions(f.versions),
        nullableVersions: parseVersions(f.nullableVersions),
        taggedVersions: f.taggedVersions !== undefined ? parseVersions(f.taggedVersions) : null,
        // A few schemas spell the tag as a string ("tag": "0"); tags are numbers.
        tag: f.tag === undefined ? null : Number(f.tag),
        flexibleVersions: f.flexibleVersions !== undefined ? parseVersions(f.flexibleVersions) : null,
        ignorable: f.ignorable === true,
        default: f.default,
      };
      if (!PRIMITIVES.has(elementType)) {
        if (f.fields) {
          const s = { name: elementType, fields: fields(f.fields), versions: parseVersions(f.versions) };
          if (byName.has(elementType)) throw new Error(`${file}: struct ${elementType} defined twice`);
          byName.set(elementType, s);
          structs.push(s);
          field.struct = s;
        } else {
          unresolved.push({ field, typeName: elementType });
        }
      }
      return field;
    });
  }

  for (const c of json.commonStructs ?? []) {
    const s = { name: c.name, fields: [], versions: parseVersions(c.versions) };
    byName.set(c.name, s);
    structs.push(s);
    s.fields = fields(c.fields);
  }
  const root = { name: json.name, fields: fields(json.fields), versions: parseVersions(json.validVersions) };
  for (const { field, typeName } of unresolved) {
    const s = byName.get(typeName);
    if (!s) throw new Error(`${file}: unknown type ${typeName}`);
    field.struct = s;
  }
  return {
    name: json.name,
    type: json.type,
    apiKey: json.apiKey ?? null,
    validVersions: parseVersions(json.validVersions),
    flexibleVersions: parseVersions(json.flexibleVersions),
    root,
    structs,
    file: path.basename(file),
  };
}

/**
 * @param {string} [dir] folder holding messages/ and overlay-4.0/
 * @returns {MessageSchema[]} sorted by name
 */
function loadSchemas(dir = DEFAULT_SCHEMA_DIR) {
  const out = [];
  for (const [, file] of schemaFiles(dir)) out.push(normalise(readSchemaFile(file), file));
  return out.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

module.exports = { loadSchemas, normalise, parseSchemaText, parseVersions, inRange, propName, DEFAULT_SCHEMA_DIR, PRIMITIVES };
