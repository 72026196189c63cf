/**
 * String <-> typed value conversion with Kafka's rules (ConfigDef.parseType
 * and convertToString), so a value set by a Kafka tool parses the same way
 * and a described value prints the way Kafka prints it.
 *
 * - Every value is trimmed first.
 * - boolean: "true"/"false", case-insensitive.
 * - int/short/long: decimal integers within the Java type's range; an
 *   optional leading sign. Longs become JS numbers: exact up to 2^53, and the
 *   string form is kept exact through `canonicalString`.
 * - double: Java's decimal syntax (also "NaN", "Infinity", a trailing d/f).
 * - list: comma-separated, each element trimmed; "" is the empty list.
 */
import {
  JAVA_INT_MAX,
  JAVA_INT_MIN,
  JAVA_LONG_MAX,
  type ConfigKey,
  type ConfigType,
  type ConfigValue,
} from './config-def';
import { fail, invalidValue, ok, type ConfigResult } from './config-error';

const INTEGER = /^[+-]?\d+$/;
const DOUBLE = /^[+-]?(NaN|Infinity|((\d+\.?\d*|\.\d+)([eE][+-]?\d+)?)[fFdD]?)$/;

const RANGES: Partial<Record<ConfigType, readonly [bigint, bigint]>> = {
  short: [-32768n, 32767n],
  int: [BigInt(JAVA_INT_MIN), BigInt(JAVA_INT_MAX)],
  long: [-(2n ** 63n), 2n ** 63n - 1n],
};

function typeLabel(type: ConfigType): string {
  return type.toUpperCase();
}

function parseInteger(raw: string, type: ConfigType): bigint | undefined {
  if (!INTEGER.test(raw)) return undefined;
  const big = BigInt(raw);
  const range = RANGES[type];
  if (range === undefined || big < range[0] || big > range[1]) return undefined;
  return big;
}

/** Parse without validating. Errors carry Kafka's message. */
export function parseConfigValue(key: ConfigKey, raw: string): ConfigResult<ConfigValue> {
  const trimmed = raw.trim();
  switch (key.type) {
    case 'boolean': {
      const lower = trimmed.toLowerCase();
      if (lower === 'true') return ok(true);
      if (lower === 'false') return ok(false);
      return fail(invalidValue(key.name, raw, 'Expected value to be either true or false'));
    }
    case 'string':
    case 'class':
    case 'password':
      return ok(trimmed);
    case 'short':
    case 'int':
    case 'long': {
      const big = parseInteger(trimmed, key.type);
      if (big === undefined) return fail(invalidValue(key.name, raw, `Not a number of type ${typeLabel(key.type)}`));
      return ok(Number(big));
    }
    case 'double': {
      if (!DOUBLE.test(trimmed)) return fail(invalidValue(key.name, raw, 'Not a number of type DOUBLE'));
      return ok(Number(trimmed.replace(/[fFdD]$/, '')));
    }
    case 'list':
      return ok(trimmed === '' ? [] : trimmed.split(/\s*,\s*/));
  }
}

/** Parse then run the key's validator: the check every SET goes through. */
export function parseAndValidate(key: ConfigKey, raw: string): ConfigResult<ConfigValue> {
  const parsed = parseConfigValue(key, raw);
  if (!parsed.ok) return parsed;
  const reason = key.validator?.check(parsed.value);
  if (reason !== undefined) {
    const shown = key.validator?.offending?.(parsed.value) ?? shownValue(key, parsed.value, raw);
    return fail(invalidValue(key.name, shown, reason));
  }
  return parsed;
}

/** Kafka prints the parsed value in its message; lists print as [a, b]. */
function shownValue(key: ConfigKey, value: ConfigValue, raw: string): string {
  if (Array.isArray(value)) return `[${value.join(', ')}]`;
  if (key.type === 'long' || key.type === 'int' || key.type === 'short') return canonicalString(key, raw) ?? raw.trim();
  return formatConfigValue(key, value) ?? raw.trim();
}

/** Java's Double.toString: "1.0", "0.5", "1.0E7", "1.7976931348623157E308". */
export function formatJavaDouble(n: number): string {
  if (Number.isNaN(n)) return 'NaN';
  if (n === Infinity) return 'Infinity';
  if (n === -Infinity) return '-Infinity';
  if (n === 0) return Object.is(n, -0) ? '-0.0' : '0.0';
  const abs = Math.abs(n);
  if (abs >= 1e-3 && abs < 1e7) {
    const plain = String(n);
    return plain.includes('.') || plain.includes('e') ? plain : `${plain}.0`;
  }
  const [mantissa = '', exponent = '0'] = n.toExponential().split('e');
  const withPoint = mantissa.includes('.') ? mantissa : `${mantissa}.0`;
  return `${withPoint}E${exponent.replace('+', '')}`;
}

function formatLong(n: number): string {
  if (n >= JAVA_LONG_MAX) return '9223372036854775807';
  if (n <= -JAVA_LONG_MAX) return '-9223372036854775808';
  return Number.isSafeInteger(n) ? String(n) : BigInt(n).toString();
}

/**
 * A parsed value as Kafka's DescribeConfigs shows it (null stays null).
 * Prefer `canonicalString` when the original string is at hand: it keeps
 * longs beyond 2^53 exact.
 */
export function formatConfigValue(key: ConfigKey, value: ConfigValue): string | null {
  if (value === null) return null;
  if (Array.isArray(value)) return value.join(',');
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (typeof value === 'number') {
    if (key.type === 'double') return formatJavaDouble(value);
    if (key.type === 'long') return formatLong(value);
    return String(value);
  }
  return String(value);
}

/** The described form of a raw string that parses for `key`, or undefined if it does not parse. */
export function canonicalString(key: ConfigKey, raw: string): string | undefined {
  const trimmed = raw.trim();
  if (key.type === 'long' || key.type === 'int' || key.type === 'short') {
    return parseInteger(trimmed, key.type)?.toString();
  }
  const parsed = parseConfigValue(key, raw);
  if (!parsed.ok) return undefined;
  return formatConfigValue(key, parsed.value) ?? undefined;
}
