/**
 * Types for the normalised schemas that `scripts/protocol-schema.js` (plain
 * CommonJS) returns, so tests can walk them without `any`.
 */
export interface VersionRange {
  readonly min: number;
  /** Infinity for "N+"; below `min` for "none". */
  readonly max: number;
}

export interface SchemaField {
  readonly name: string;
  readonly prop: string;
  readonly type: string;
  readonly isArray: boolean;
  readonly elementType: string;
  readonly struct: SchemaStruct | null;
  readonly versions: VersionRange;
  readonly nullableVersions: VersionRange;
  readonly taggedVersions: VersionRange | null;
  readonly tag: number | null;
  readonly flexibleVersions: VersionRange | null;
  readonly ignorable: boolean;
  /** Raw schema default: usually a string, sometimes a JSON number. */
  readonly default: string | number | undefined;
}

export interface SchemaStruct {
  readonly name: string;
  readonly fields: readonly SchemaField[];
  readonly versions: VersionRange;
}

export interface MessageSchema {
  readonly name: string;
  readonly type: 'request' | 'response' | 'header' | 'data';
  readonly apiKey: number | null;
  readonly validVersions: VersionRange;
  readonly flexibleVersions: VersionRange;
  readonly root: SchemaStruct;
  readonly structs: readonly SchemaStruct[];
  readonly file: string;
}

interface ProtocolSchemaModule {
  loadSchemas(dir?: string): MessageSchema[];
}

// eslint-disable-next-line @typescript-eslint/no-require-imports
const schemaModule = require('../../../scripts/protocol-schema') as ProtocolSchemaModule;

let cached: readonly MessageSchema[] | undefined;

/** Every message schema (requests, responses, headers, data), loaded once per test file. */
export function loadSchemas(): readonly MessageSchema[] {
  return (cached ??= schemaModule.loadSchemas());
}

export function inRange(r: VersionRange, v: number): boolean {
  return v >= r.min && v <= r.max;
}

export function versionsOf(m: MessageSchema): number[] {
  const out: number[] = [];
  for (let v = m.validVersions.min; v <= m.validVersions.max; v++) out.push(v);
  return out;
}
