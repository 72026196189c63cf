/**
 * DescribeConfigs entries for topic and broker resources, field for field as
 * the response carries them (value, readOnly, isDefault for v0, source,
 * isSensitive, synonyms, configType for v3+, documentation).
 *
 * Synonyms are listed highest precedence first: for a topic, its override,
 * then its broker synonyms tier by tier (dynamic per-broker, dynamic cluster
 * default, static, default), each tier in the synonym order of Kafka's
 * ServerTopicConfigSynonyms. Kafka 3.9 additionally drops every synonym listed
 * before the primary broker name (so with only log.retention.hours set,
 * Kafka reports retention.ms with no synonyms and source DEFAULT_CONFIG);
 * Weir keeps them, so the source says where the value really came from.
 * For broker resources Weir follows Kafka exactly, including that drop.
 */
import type { BrokerConfig, ParsedLayer } from './broker-config';
import { BROKER_CONFIGS, brokerConfigSynonyms } from './broker-configs';
import type { ConfigKey } from './config-def';
import { ConfigSource, describeConfigTypeOf, type ConfigSourceId, type DescribeConfigTypeId } from './config-source';
import { canonicalString, formatConfigValue } from './config-value';
import { topicSetting } from './topic-config';
import { TOPIC_BROKER_SYNONYMS, TOPIC_CONFIGS } from './topic-configs';
import type { RawConfigs } from './broker-config';

export interface DescribedConfigSynonym {
  readonly name: string;
  readonly value: string | null;
  readonly source: ConfigSourceId;
}

export interface DescribedConfig {
  readonly name: string;
  readonly value: string | null;
  readonly readOnly: boolean;
  /** For DescribeConfigs v0, which has no source: true when the source is DEFAULT_CONFIG. */
  readonly isDefault: boolean;
  readonly configSource: ConfigSourceId;
  readonly isSensitive: boolean;
  readonly synonyms: readonly DescribedConfigSynonym[];
  readonly configType: DescribeConfigTypeId;
  /** Weir ships no per-key documentation text; always null. */
  readonly documentation: string | null;
}

export interface DescribeOptions {
  /** Only these keys (null/undefined/empty: all). Unknown names are left out, as Kafka does. */
  readonly names?: readonly string[] | null;
  readonly includeSynonyms?: boolean;
  /**
   * Broker resources: whether a key can change at runtime (readOnly is its
   * negation). Default: Kafka's dynamic flag.
   */
  readonly isUpdatable?: (name: string) => boolean;
}

function wanted(options: DescribeOptions, name: string): boolean {
  const names = options.names;
  return names === null || names === undefined || names.length === 0 || names.includes(name);
}

function shown(key: ConfigKey | undefined, raw: string): string | null {
  if (key?.sensitive === true) return null;
  return key === undefined ? raw : (canonicalString(key, raw) ?? raw.trim());
}

function brokerTiers(broker: BrokerConfig): readonly [ParsedLayer, ConfigSourceId][] {
  return [
    [broker.dynamicBrokerLayer, ConfigSource.DYNAMIC_BROKER_CONFIG],
    [broker.dynamicDefaultLayer, ConfigSource.DYNAMIC_DEFAULT_BROKER_CONFIG],
    [broker.staticLayer, ConfigSource.STATIC_BROKER_CONFIG],
  ];
}

/** Every place one of `names` is set on the broker, tier by tier, then their non-null defaults. */
function brokerSynonymEntries(broker: BrokerConfig, names: readonly string[]): DescribedConfigSynonym[] {
  const entries: DescribedConfigSynonym[] = [];
  for (const [layer, source] of brokerTiers(broker)) {
    for (const name of names) {
      const entry = layer.get(name);
      if (entry !== undefined) entries.push({ name, value: shown(BROKER_CONFIGS.get(name), entry.raw), source });
    }
  }
  for (const name of names) {
    const key = BROKER_CONFIGS.get(name);
    const value = broker.defaultOf(name);
    if (key === undefined || value === undefined || value === null) continue;
    entries.push({ name, value: key.sensitive ? null : formatConfigValue(key, value), source: ConfigSource.DEFAULT_CONFIG });
  }
  return entries;
}

function entry(
  key: ConfigKey,
  value: string | null,
  readOnly: boolean,
  synonyms: readonly DescribedConfigSynonym[],
  includeSynonyms: boolean,
): DescribedConfig {
  const configSource = synonyms[0]?.source ?? ConfigSource.DEFAULT_CONFIG;
  return {
    name: key.name,
    value: key.sensitive ? null : value,
    readOnly,
    isDefault: configSource === ConfigSource.DEFAULT_CONFIG,
    configSource,
    isSensitive: key.sensitive,
    synonyms: includeSynonyms ? synonyms : [],
    configType: describeConfigTypeOf(key.type),
    documentation: null,
  };
}

/** DescribeConfigs for a topic: every topic config (or the requested ones), sorted by name. */
export function describeTopicConfigs(overrides: RawConfigs, broker: BrokerConfig, options: DescribeOptions = {}): DescribedConfig[] {
  const overrideMap: ReadonlyMap<string, string> =
    overrides instanceof Map ? (overrides as ReadonlyMap<string, string>) : new Map(Object.entries(overrides));
  const includeSynonyms = options.includeSynonyms ?? false;
  const result: DescribedConfig[] = [];
  for (const name of [...TOPIC_CONFIGS.keys()].sort()) {
    if (!wanted(options, name)) continue;
    const key = TOPIC_CONFIGS.get(name);
    if (key === undefined) continue;
    const synonyms: DescribedConfigSynonym[] = [];
    const override = overrideMap.get(name);
    if (override !== undefined) synonyms.push({ name, value: shown(key, override), source: ConfigSource.DYNAMIC_TOPIC_CONFIG });
    const brokerNames = (TOPIC_BROKER_SYNONYMS.get(name) ?? []).map((s) => s.name);
    synonyms.push(...brokerSynonymEntries(broker, brokerNames));
    const value = override !== undefined ? shown(key, override) : formatConfigValue(key, topicSetting(name, overrideMap, broker)?.value ?? null);
    result.push(entry(key, value, false, synonyms, includeSynonyms));
  }
  return result;
}

/**
 * DescribeConfigs for a broker resource. `perBroker` is true for the
 * resource named by this broker's id, false for the cluster default ("");
 * the cluster default view only reports DYNAMIC_DEFAULT_BROKER_CONFIG
 * values and lists only keys set there, as Kafka does.
 */
export function describeBrokerConfigs(broker: BrokerConfig, perBroker: boolean, options: DescribeOptions = {}): DescribedConfig[] {
  const includeSynonyms = options.includeSynonyms ?? false;
  const result: DescribedConfig[] = [];
  for (const name of [...BROKER_CONFIGS.keys()].sort()) {
    if (!wanted(options, name)) continue;
    const key = BROKER_CONFIGS.get(name);
    if (key === undefined) continue;
    if (!perBroker && !broker.dynamicDefaultLayer.has(name)) continue;
    const all = brokerSynonymEntries(broker, brokerConfigSynonyms(name));
    const scoped = perBroker ? all : all.filter((s) => s.source === ConfigSource.DYNAMIC_DEFAULT_BROKER_CONFIG);
    const firstOwn = scoped.findIndex((s) => s.name === name);
    const synonyms = firstOwn < 0 ? [] : scoped.slice(firstOwn);
    const value = perBroker
      ? formatConfigValue(key, broker.setting(name)?.value ?? null)
      : shown(key, broker.dynamicDefaultLayer.get(name)?.raw ?? '');
    const updatable = options.isUpdatable ? options.isUpdatable(name) : key.dynamic;
    result.push(entry(key, value, !updatable, synonyms, includeSynonyms));
  }
  return result;
}
