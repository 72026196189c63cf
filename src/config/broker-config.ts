/**
 * The resolved broker configuration: Kafka's layers, highest precedence first,
 *   dynamic per-broker (DYNAMIC_BROKER_CONFIG)
 *   > dynamic cluster default (DYNAMIC_DEFAULT_BROKER_CONFIG)
 *   > static: server.properties and embedding overrides (STATIC_BROKER_CONFIG)
 *   > defaults (DEFAULT_CONFIG).
 * As in Kafka, the layers are merged key by key first, and only then are
 * multi-name settings derived (log.retention.ms > .minutes > .hours, etc.).
 */
import { BROKER_CONFIGS, ACCEPTED_BROKER_CONFIG_PREFIXES, type BrokerConfigKey, type BrokerConfigName } from './broker-configs';
import type { ConfigKey, ConfigValue } from './config-def';
import { invalidConfig, type ConfigError } from './config-error';
import { ConfigSource, type ConfigSourceId } from './config-source';
import { parseAndValidate } from './config-value';
import { nearestKey } from './nearest-key';
import { parseProperties } from './properties-file';
import { MS_PER_HOUR, MS_PER_MINUTE, TOPIC_CONFIGS, TOPIC_BROKER_SYNONYMS, convertSynonymValue } from './topic-configs';

export type RawConfigs = ReadonlyMap<string, string> | Readonly<Record<string, string>>;

export interface BrokerConfigLayers {
  /** server.properties plus embedding overrides. */
  readonly static?: RawConfigs;
  /** Cluster-wide dynamic configs (resource name ""). */
  readonly dynamicDefault?: RawConfigs;
  /** This broker's dynamic configs (resource name = its id). */
  readonly dynamicBroker?: RawConfigs;
}

export interface ConfigWarning {
  readonly key: string;
  readonly message: string;
  readonly suggestion?: string;
}

export interface BrokerConfigResolution {
  readonly config: BrokerConfig;
  /** Invalid values (the default is used instead) and structural problems. */
  readonly errors: readonly ConfigError[];
  /** Unknown keys, with a suggestion when one is close. */
  readonly warnings: readonly ConfigWarning[];
  /** Keys that were set but that Weir accepts without acting on them. */
  readonly ignoredKeys: readonly string[];
}

type NameWhere<C> = Extract<BrokerConfigKey, C>['name'];
export type BrokerNumberName = NameWhere<{ type: 'int' | 'short' | 'long' | 'double'; default: number }>;
export type BrokerOptionalNumberName = NameWhere<{ type: 'int' | 'short' | 'long' | 'double' }>;
export type BrokerBooleanName = NameWhere<{ type: 'boolean'; default: boolean }>;
export type BrokerStringName = NameWhere<{ type: 'string' | 'class'; default: string }>;
export type BrokerOptionalStringName = NameWhere<{ type: 'string' | 'class' | 'password' }>;
export type BrokerListName = NameWhere<{ type: 'list' }>;

/** A broker layer after parsing: only known keys with valid values. */
export type ParsedLayer = ReadonlyMap<string, { readonly raw: string; readonly value: ConfigValue }>;

export interface BrokerSetting {
  readonly value: ConfigValue;
  readonly source: ConfigSourceId;
}

function entriesOf(raw: RawConfigs | undefined): [string, string][] {
  if (raw === undefined) return [];
  return raw instanceof Map ? [...(raw as ReadonlyMap<string, string>).entries()] : Object.entries(raw);
}

const SASL_MECHANISM_PREFIXES = ['plain.', 'scram-sha-256.', 'scram-sha-512.', 'oauthbearer.', 'gssapi.'];

/**
 * Splits `listener.name.<listener>.[<mechanism>.]<config>`; null for any
 * other key. The mechanism part is recognised only for SASL mechanisms
 * Kafka knows, so `listener.name.x.ssl.keystore.location` keeps its base.
 */
export function listenerScopedKey(key: string): { listener: string; mechanism: string | null; base: string } | null {
  const m = /^listener\.name\.([A-Za-z0-9_]+)\.(.+)$/.exec(key);
  if (!m) return null;
  const rest = m[2]!;
  const mech = SASL_MECHANISM_PREFIXES.find((p) => rest.toLowerCase().startsWith(p));
  return {
    listener: m[1]!.toLowerCase(),
    mechanism: mech === undefined ? null : mech.slice(0, -1).toUpperCase(),
    base: mech === undefined ? rest : rest.slice(mech.length),
  };
}

function isAcceptedUnlisted(key: string): boolean {
  return ACCEPTED_BROKER_CONFIG_PREFIXES.some((prefix) => key.startsWith(prefix));
}

/** The warning for a key that is not a broker config. */
export function unknownBrokerKeyWarning(key: string): ConfigWarning {
  const brokerSynonym = TOPIC_BROKER_SYNONYMS.get(key)?.[0]?.name;
  if (brokerSynonym !== undefined && brokerSynonym !== key) {
    return {
      key,
      message: `'${key}' is a topic config, not a broker config; the broker-wide default is '${brokerSynonym}'`,
      suggestion: brokerSynonym,
    };
  }
  const suggestion = nearestKey(key, BROKER_CONFIGS.keys());
  return suggestion === undefined
    ? { key, message: `Unknown broker config '${key}' (ignored)` }
    : { key, message: `Unknown broker config '${key}' (ignored); did you mean '${suggestion}'?`, suggestion };
}

function parseLayer(raw: RawConfigs | undefined, errors: ConfigError[], warnings: ConfigWarning[], ignored: Set<string>): ParsedLayer {
  const layer = new Map<string, { raw: string; value: ConfigValue }>();
  for (const [key, value] of entriesOf(raw)) {
    const scoped = listenerScopedKey(key);
    if (scoped !== null) {
      // listener.name.<l>.[<mechanism>.]<config>: validated as <config> is,
      // kept in the layer under its full name (BrokerConfig.listenerSetting).
      const baseDef = BROKER_CONFIGS.get(scoped.base);
      if (baseDef === undefined) {
        ignored.add(key);
        layer.set(key, { raw: value, value });
        continue;
      }
      const parsed = parseAndValidate({ ...baseDef, name: key }, value);
      if (!parsed.ok) errors.push(parsed.error);
      else layer.set(key, { raw: value, value: parsed.value });
      continue;
    }
    const def = BROKER_CONFIGS.get(key);
    if (def === undefined) {
      if (!isAcceptedUnlisted(key)) warnings.push(unknownBrokerKeyWarning(key));
      else ignored.add(key);
      continue;
    }
    const parsed = parseAndValidate(def, value);
    if (!parsed.ok) {
      errors.push(parsed.error);
      continue;
    }
    if (def.support === 'ignored') ignored.add(key);
    layer.set(key, { raw: value, value: parsed.value });
  }
  return layer;
}

/**
 * Kafka's defaults for the internal topics' replication. Weir's defaults
 * are 1 so that one node works out of the box (a drop-in local Kafka, as
 * Kafka's own single-node sample configs set them); a broker of a cluster
 * on etcd takes Kafka's, so `__consumer_offsets` and `__transaction_state`
 * survive a broker's loss as they do in Kafka.
 */
const CLUSTER_DEFAULTS: ReadonlyMap<string, ConfigValue> = new Map<string, ConfigValue>([
  ['offsets.topic.replication.factor', 3],
  ['transaction.state.log.replication.factor', 3],
  ['transaction.state.log.min.isr', 2],
]);

export class BrokerConfig {
  private merged = new Map<string, BrokerSetting>();
  private dynamicBroker: ParsedLayer;
  private dynamicDefault: ParsedLayer;

  /** Use `resolveBrokerConfig`; this constructor trusts its (already validated) layers. */
  constructor(dynamicBrokerLayer: ParsedLayer, dynamicDefaultLayer: ParsedLayer, readonly staticLayer: ParsedLayer) {
    this.dynamicBroker = dynamicBrokerLayer;
    this.dynamicDefault = dynamicDefaultLayer;
    this.merge();
  }

  /** This broker's dynamic configs (DYNAMIC_BROKER_CONFIG). */
  get dynamicBrokerLayer(): ParsedLayer {
    return this.dynamicBroker;
  }

  /** The cluster-wide dynamic defaults (DYNAMIC_DEFAULT_BROKER_CONFIG). */
  get dynamicDefaultLayer(): ParsedLayer {
    return this.dynamicDefault;
  }

  /**
   * Takes the dynamic layers of `next` (resolved over the same static
   * layer), so everything holding this config reads the new values from
   * now on, as Kafka's KafkaConfig.updateCurrentConfig does. Its one caller
   * is the DynamicBrokerConfig publisher, after validating `next` whole.
   */
  updateDynamicLayers(next: BrokerConfig): void {
    this.dynamicBroker = next.dynamicBrokerLayer;
    this.dynamicDefault = next.dynamicDefaultLayer;
    this.merge();
  }

  private merge(): void {
    const merged = new Map<string, BrokerSetting>();
    const layers: readonly [ParsedLayer, ConfigSourceId][] = [
      [this.staticLayer, ConfigSource.STATIC_BROKER_CONFIG],
      [this.dynamicDefault, ConfigSource.DYNAMIC_DEFAULT_BROKER_CONFIG],
      [this.dynamicBroker, ConfigSource.DYNAMIC_BROKER_CONFIG],
    ];
    for (const [layer, source] of layers) {
      for (const [key, entry] of layer) merged.set(key, { value: entry.value, source });
    }
    // node.id and broker.id name one thing: setting either sets both (Kafka's populateSynonyms).
    const nodeId = merged.get('node.id');
    const brokerId = merged.get('broker.id');
    if (nodeId !== undefined && brokerId === undefined) merged.set('broker.id', nodeId);
    if (brokerId !== undefined && nodeId === undefined) merged.set('node.id', brokerId);
    this.merged = merged;
  }

  /** The effective value and where it came from (DEFAULT_CONFIG when unset). */
  setting(name: string): BrokerSetting | undefined {
    const set = this.merged.get(name);
    if (set !== undefined) return set;
    const value = this.defaultOf(name);
    return value === undefined ? undefined : { value, source: ConfigSource.DEFAULT_CONFIG };
  }

  /**
   * What a setting is when no layer sets it: Weir's default, except that a
   * broker in a cluster (etcd.endpoints set) takes Kafka's own default where
   * Weir's single-node one differs (CLUSTER_DEFAULTS). undefined for an
   * unknown name.
   */
  defaultOf(name: string): ConfigValue | undefined {
    const def = BROKER_CONFIGS.get(name);
    if (def === undefined) return undefined;
    const endpoints = this.merged.get('etcd.endpoints')?.value;
    const inCluster = Array.isArray(endpoints) && endpoints.length > 0;
    return inCluster && CLUSTER_DEFAULTS.has(name) ? (CLUSTER_DEFAULTS.get(name) as ConfigValue) : def.default;
  }

  /** Explicitly set in some layer (not just defaulted). */
  isSet(name: string): boolean {
    return this.merged.has(name);
  }

  get(name: BrokerConfigName): ConfigValue {
    return this.setting(name)?.value ?? null;
  }

  number(name: BrokerNumberName): number {
    const value = this.get(name);
    if (typeof value !== 'number') throw new Error(`${name} is not a number`);
    return value;
  }

  optionalNumber(name: BrokerOptionalNumberName): number | null {
    const value = this.get(name);
    return typeof value === 'number' ? value : null;
  }

  boolean(name: BrokerBooleanName): boolean {
    return this.get(name) === true;
  }

  string(name: BrokerStringName): string {
    const value = this.get(name);
    if (typeof value !== 'string') throw new Error(`${name} is not a string`);
    return value;
  }

  optionalString(name: BrokerOptionalStringName): string | null {
    const value = this.get(name);
    return typeof value === 'string' ? value : null;
  }

  list(name: BrokerListName): readonly string[] {
    const value = this.get(name);
    return Array.isArray(value) ? value : [];
  }

  /**
   * A setting as one listener sees it, Kafka's precedence:
   * `listener.name.<listener>.<mechanism>.<name>` (when a mechanism is given),
   * then `listener.name.<listener>.<name>`, then the broker-wide `<name>`.
   */
  listenerSetting(listener: string, name: BrokerConfigName, mechanism?: string): ConfigValue {
    const prefix = `listener.name.${listener.toLowerCase()}.`;
    if (mechanism !== undefined) {
      const own = this.merged.get(`${prefix}${mechanism.toLowerCase()}.${name}`);
      if (own !== undefined) return own.value;
    }
    const scoped = this.merged.get(prefix + name);
    return scoped !== undefined ? scoped.value : this.get(name);
  }

  /** True when `listener.name.<listener>.<name>` is set (some settings apply only then, e.g. ssl.client.auth on SASL_SSL). */
  isSetForListener(listener: string, name: BrokerConfigName): boolean {
    return this.merged.has(`listener.name.${listener.toLowerCase()}.${name}`);
  }

  // ---- derived settings, named as Kafka's KafkaConfig names them ----

  get nodeId(): number {
    return this.number('node.id');
  }

  /** log.dirs if set, else log.dir; comma-separated, trimmed. */
  get logDirs(): readonly string[] {
    const dirs = this.optionalString('log.dirs') ?? this.string('log.dir');
    return dirs
      .split(',')
      .map((dir) => dir.trim())
      .filter((dir) => dir !== '');
  }

  get listeners(): readonly string[] {
    return splitCsv(this.string('listeners'));
  }

  /** advertised.listeners if set, else listeners. */
  get advertisedListeners(): readonly string[] {
    const advertised = this.optionalString('advertised.listeners');
    return advertised === null ? this.listeners : splitCsv(advertised);
  }

  /** log.retention.ms > log.retention.minutes > log.retention.hours; any negative value means -1 (unlimited). */
  get logRetentionMs(): number {
    const ms =
      this.optionalNumber('log.retention.ms') ??
      mapNullable(this.optionalNumber('log.retention.minutes'), (m) => m * MS_PER_MINUTE) ??
      this.number('log.retention.hours') * MS_PER_HOUR;
    return ms < 0 ? -1 : ms;
  }

  /** log.roll.ms > log.roll.hours. */
  get logRollMs(): number {
    return this.optionalNumber('log.roll.ms') ?? this.number('log.roll.hours') * MS_PER_HOUR;
  }

  /** log.roll.jitter.ms > log.roll.jitter.hours. */
  get logRollJitterMs(): number {
    return this.optionalNumber('log.roll.jitter.ms') ?? this.number('log.roll.jitter.hours') * MS_PER_HOUR;
  }

  /** log.flush.interval.ms > log.flush.scheduler.interval.ms. */
  get logFlushIntervalMs(): number {
    return this.optionalNumber('log.flush.interval.ms') ?? this.number('log.flush.scheduler.interval.ms');
  }

  get offsetsRetentionMs(): number {
    return this.number('offsets.retention.minutes') * MS_PER_MINUTE;
  }

  /**
   * The broker's value for a topic config (what a topic without an override
   * gets), and the source of the broker synonym that supplied it.
   */
  topicDefault(topicConfigName: string): BrokerSetting | undefined {
    const topicKey = TOPIC_CONFIGS.get(topicConfigName);
    if (topicKey === undefined) return undefined;
    const synonyms = TOPIC_BROKER_SYNONYMS.get(topicConfigName) ?? [];
    if (topicConfigName === 'retention.ms' && synonyms.length > 0) {
      const source = synonyms.map((s) => this.merged.get(s.name)?.source).find((s) => s !== undefined);
      return { value: this.logRetentionMs, source: source ?? ConfigSource.DEFAULT_CONFIG };
    }
    for (const synonym of synonyms) {
      const set = this.merged.get(synonym.name);
      if (set !== undefined && typeof set.value === 'number') {
        return { value: convertSynonymValue(synonym.unit, set.value), source: set.source };
      }
      if (set !== undefined) return set;
    }
    for (const synonym of synonyms) {
      const dflt = BROKER_CONFIGS.get(synonym.name)?.default ?? null;
      if (dflt !== null) {
        const value = typeof dflt === 'number' ? convertSynonymValue(synonym.unit, dflt) : dflt;
        return { value, source: ConfigSource.DEFAULT_CONFIG };
      }
    }
    return { value: topicKey.default, source: ConfigSource.DEFAULT_CONFIG };
  }
}

function splitCsv(text: string): readonly string[] {
  return text
    .split(',')
    .map((part) => part.trim())
    .filter((part) => part !== '');
}

function mapNullable<T, U>(value: T | null, f: (v: T) => U): U | null {
  return value === null ? null : f(value);
}

/** A parsed layer's raw values, as they were given. */
export function rawLayer(layer: ParsedLayer): Map<string, string> {
  return new Map([...layer].map(([key, entry]) => [key, entry.raw]));
}

/** Parse and validate every layer, collecting all problems rather than stopping at the first. */
export function resolveBrokerConfig(layers: BrokerConfigLayers = {}): BrokerConfigResolution {
  const errors: ConfigError[] = [];
  const warnings: ConfigWarning[] = [];
  const ignored = new Set<string>();
  const staticLayer = parseLayer(layers.static, errors, warnings, ignored);
  const dynamicDefault = parseLayer(layers.dynamicDefault, errors, warnings, ignored);
  const dynamicBroker = parseLayer(layers.dynamicBroker, errors, warnings, ignored);
  const config = new BrokerConfig(dynamicBroker, dynamicDefault, staticLayer);

  const nodeId = config.setting('node.id')?.value;
  const brokerId = config.setting('broker.id')?.value;
  if (nodeId !== brokerId) {
    errors.push(invalidConfig(`broker.id (${String(brokerId)}) and node.id (${String(nodeId)}) must be equal`, 'node.id'));
  }
  if (config.logRollMs < 1) errors.push(invalidConfig('log.roll.ms must be greater than or equal to 1', 'log.roll.ms'));
  if (config.logRollJitterMs < 0) errors.push(invalidConfig('log.roll.jitter.ms must be greater than or equal to 0', 'log.roll.jitter.ms'));
  const retention = config.logRetentionMs;
  if (retention === 0) {
    errors.push(invalidConfig('log.retention.ms must be unlimited (-1) or, greater than or equal to 1', 'log.retention.ms'));
  }
  const minLag = config.number('log.cleaner.min.compaction.lag.ms');
  const maxLag = config.number('log.cleaner.max.compaction.lag.ms');
  if (minLag > maxLag) {
    errors.push(
      invalidConfig(
        `conflict topic config setting min.compaction.lag.ms (${minLag}) > max.compaction.lag.ms (${maxLag})`,
        'log.cleaner.min.compaction.lag.ms',
      ),
    );
  }
  errors.push(...consumerGroupBoundProblems(config));
  return { config, errors, warnings, ignoredKeys: [...ignored] };
}

/**
 * The KIP-848 session timeout and heartbeat interval must sit within their
 * min/max bounds (Kafka's GroupCoordinatorConfig checks, same messages).
 */
function consumerGroupBoundProblems(config: BrokerConfig): ConfigError[] {
  const problems: ConfigError[] = [];
  const check = (ok: boolean, message: string, key: string) => {
    if (!ok) problems.push(invalidConfig(message, key));
  };
  const n = (name: BrokerNumberName) => config.number(name);
  const [hb, minHb, maxHb] = [n('group.consumer.heartbeat.interval.ms'), n('group.consumer.min.heartbeat.interval.ms'), n('group.consumer.max.heartbeat.interval.ms')];
  const [st, minSt, maxSt] = [n('group.consumer.session.timeout.ms'), n('group.consumer.min.session.timeout.ms'), n('group.consumer.max.session.timeout.ms')];
  check(maxHb >= minHb, 'group.consumer.max.heartbeat.interval.ms must be greater than or equals to group.consumer.min.heartbeat.interval.ms', 'group.consumer.max.heartbeat.interval.ms');
  check(hb >= minHb, 'group.consumer.heartbeat.interval.ms must be greater than or equals to group.consumer.min.heartbeat.interval.ms', 'group.consumer.heartbeat.interval.ms');
  check(hb <= maxHb, 'group.consumer.heartbeat.interval.ms must be less than or equals to group.consumer.max.heartbeat.interval.ms', 'group.consumer.heartbeat.interval.ms');
  check(maxSt >= minSt, 'group.consumer.max.session.timeout.ms must be greater than or equals to group.consumer.min.session.timeout.ms', 'group.consumer.max.session.timeout.ms');
  check(st >= minSt, 'group.consumer.session.timeout.ms must be greater than or equals to group.consumer.min.session.timeout.ms', 'group.consumer.session.timeout.ms');
  check(st <= maxSt, 'group.consumer.session.timeout.ms must be less than or equals to group.consumer.max.session.timeout.ms', 'group.consumer.session.timeout.ms');
  return problems;
}

/**
 * Read server.properties text (plus embedding overrides, which win) into a
 * resolved broker config. Malformed lines become errors.
 */
export function loadBrokerConfig(propertiesText: string, overrides: RawConfigs = {}): BrokerConfigResolution {
  const parsed = parseProperties(propertiesText);
  const merged = new Map(parsed.properties);
  for (const [key, value] of entriesOf(overrides)) merged.set(key, value);
  const resolution = resolveBrokerConfig({ static: merged });
  const syntaxErrors = parsed.errors.map((message) => invalidConfig(`server.properties ${message}`));
  return { ...resolution, errors: [...syntaxErrors, ...resolution.errors] };
}

/** The definition of a broker config, if it is one Weir knows. */
export function brokerConfigKey(name: string): ConfigKey | undefined {
  return BROKER_CONFIGS.get(name);
}
