/**
 * The shape of one configuration key, modelled on Kafka's ConfigDef: a name,
 * a type, a default, an optional validator, and the two flags that
 * DescribeConfigs reports (read-only vs dynamic, sensitive).
 *
 * The `define*` helpers keep the literal name and type in the TypeScript type,
 * so a table built from them yields precise unions of config names per type
 * (see BrokerConfig's typed accessors).
 */

export type ConfigType = 'boolean' | 'string' | 'int' | 'short' | 'long' | 'double' | 'list' | 'class' | 'password';

/** A parsed config value. `null` only for keys whose default is "not set". */
export type ConfigValue = boolean | number | string | readonly string[] | null;

/**
 * Checks an already-parsed value. Returns `undefined` when valid, otherwise
 * the reason, worded to follow "Invalid value X for configuration Y: ".
 */
export interface ConfigValidator {
  check(value: ConfigValue): string | undefined;
  /** Human description of the valid values, e.g. "[1,...]". */
  readonly describe: string;
  /** For list validators: the element to name in the message (Kafka names the bad element). */
  offending?(value: ConfigValue): string | undefined;
}

/**
 * How Weir treats a key it knows:
 * - `used`: Weir honours it.
 * - `ignored`: a real Kafka key Weir accepts (so a Kafka server.properties
 *   loads without warnings) but does not act on, e.g. ZooKeeper or thread
 *   pool sizes that have no meaning in a single Node.js process.
 */
export type ConfigSupport = 'used' | 'ignored';

export interface ConfigKey {
  readonly name: string;
  readonly type: ConfigType;
  /** Parsed default; `null` means Kafka's "no default" (the key is unset). */
  readonly default: ConfigValue;
  readonly validator?: ConfigValidator;
  /** Can be changed at runtime (Kafka's dynamic configs); DescribeConfigs readOnly = !dynamic. */
  readonly dynamic: boolean;
  /** Value is never shown (PASSWORD-typed keys). */
  readonly sensitive: boolean;
  readonly support: ConfigSupport;
}

export interface ConfigKeyOptions {
  readonly validator?: ConfigValidator;
  readonly dynamic?: boolean;
  readonly support?: ConfigSupport;
}

type Typed<N extends string, T extends ConfigType, D extends ConfigValue> = ConfigKey & {
  readonly name: N;
  readonly type: T;
  readonly default: D;
};

function make<N extends string, T extends ConfigType, D extends ConfigValue>(
  name: N,
  type: T,
  dflt: D,
  options: ConfigKeyOptions,
): Typed<N, T, D> {
  const key: Typed<N, T, D> = {
    name,
    type,
    default: dflt,
    dynamic: options.dynamic ?? false,
    sensitive: type === 'password',
    support: options.support ?? 'used',
    ...(options.validator !== undefined ? { validator: options.validator } : {}),
  };
  return key;
}

export function defineBoolean<N extends string, D extends boolean | null>(name: N, dflt: D, options: ConfigKeyOptions = {}) {
  return make(name, 'boolean', dflt, options);
}
export function defineString<N extends string, D extends string | null>(name: N, dflt: D, options: ConfigKeyOptions = {}) {
  return make(name, 'string', dflt, options);
}
export function defineInt<N extends string, D extends number | null>(name: N, dflt: D, options: ConfigKeyOptions = {}) {
  return make(name, 'int', dflt, options);
}
export function defineShort<N extends string, D extends number | null>(name: N, dflt: D, options: ConfigKeyOptions = {}) {
  return make(name, 'short', dflt, options);
}
export function defineLong<N extends string, D extends number | null>(name: N, dflt: D, options: ConfigKeyOptions = {}) {
  return make(name, 'long', dflt, options);
}
export function defineDouble<N extends string, D extends number | null>(name: N, dflt: D, options: ConfigKeyOptions = {}) {
  return make(name, 'double', dflt, options);
}
export function defineList<N extends string, D extends readonly string[] | null>(name: N, dflt: D, options: ConfigKeyOptions = {}) {
  return make(name, 'list', dflt, options);
}
export function defineClass<N extends string, D extends string | null>(name: N, dflt: D, options: ConfigKeyOptions = {}) {
  return make(name, 'class', dflt, options);
}
export function definePassword<N extends string>(name: N, options: ConfigKeyOptions = {}) {
  return make(name, 'password', null, options);
}

/**
 * The nearest double to Java's Long.MAX_VALUE (2^63 - 1 is not representable).
 * Kafka uses Long.MAX_VALUE as "unlimited" for several configs; formatting
 * turns this number back into "9223372036854775807".
 */
export const JAVA_LONG_MAX = 2 ** 63;
export const JAVA_LONG_MIN = -(2 ** 63);
export const JAVA_INT_MAX = 2147483647;
export const JAVA_INT_MIN = -2147483648;
/** Java's Double.MAX_VALUE, Kafka's "unlimited" for log.cleaner.io.max.bytes.per.second. */
export const JAVA_DOUBLE_MAX = Number.MAX_VALUE;

/** Index a list of keys by name; throws on a duplicate (a programming error in a table). */
export function indexConfigKeys<K extends ConfigKey>(keys: readonly K[]): ReadonlyMap<string, K> {
  const byName = new Map<string, K>();
  for (const key of keys) {
    if (byName.has(key.name)) throw new Error(`Configuration ${key.name} is defined twice`);
    byName.set(key.name, key);
  }
  return byName;
}
