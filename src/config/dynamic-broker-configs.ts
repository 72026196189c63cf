/**
 * Kafka's rules for dynamic broker configs (KIP-226, DynamicBrokerConfig):
 * which keys may be changed at runtime, at which level, and how a stored
 * set is cleaned before use.
 *
 * - A known key Kafka does not mark dynamic cannot be set:
 *   "Cannot update these configs dynamically: Set(…)". Weir adds the keys it
 *   uses but applies only at start (its listeners, for one): the same
 *   refusal, saying so.
 * - TLS keystore/truststore settings may only be changed per listener
 *   (`listener.name.<l>.ssl.…`).
 * - Listener and security settings are per broker: the cluster-wide default
 *   ("" resource) cannot hold them.
 * - Values must parse and pass the key's validator; unknown keys are
 *   accepted (Kafka keeps custom configs for plugins) and ignored.
 * A stored set is cleaned the same way before it is applied (a value that
 * became invalid is dropped with one log line, not fatal), as Kafka's
 * fromPersistentProps does.
 *
 * Every refusal is INVALID_REQUEST, as Kafka answers for BROKER resources
 * (KAFKA-13609).
 */
import { BROKER_CONFIGS } from './broker-configs';
import { invalidRequest, type ConfigError } from './config-error';
import { parseAndValidate } from './config-value';

/** TLS settings that may change only per listener (Kafka's SslConfigs.RECONFIGURABLE_CONFIGS). */
const LISTENER_ONLY_SECURITY_CONFIGS: ReadonlySet<string> = new Set([
  'ssl.keystore.type',
  'ssl.keystore.location',
  'ssl.keystore.password',
  'ssl.key.password',
  'ssl.keystore.key',
  'ssl.keystore.certificate.chain',
  'ssl.truststore.type',
  'ssl.truststore.location',
  'ssl.truststore.password',
  'ssl.truststore.certificates',
]);

/** Listener and security settings, which only a broker's own resource may hold (Kafka's PerBrokerConfigs). */
const PER_BROKER_CONFIGS: ReadonlySet<string> = new Set([
  ...LISTENER_ONLY_SECURITY_CONFIGS,
  'listeners',
  'advertised.listeners',
  'listener.security.protocol.map',
  'principal.builder.class',
  'sasl.enabled.mechanisms',
  'sasl.jaas.config',
  'sasl.mechanism.inter.broker.protocol',
  'ssl.protocol',
  'ssl.provider',
  'ssl.cipher.suites',
  'ssl.enabled.protocols',
  'ssl.keymanager.algorithm',
  'ssl.trustmanager.algorithm',
  'ssl.endpoint.identification.algorithm',
  'ssl.secure.random.implementation',
  'ssl.client.auth',
  'ssl.engine.factory.class',
]);

const LISTENER_PREFIX = /^listener\.name\.[^.]*\.(.*)$/;

/** A Scala Set as Kafka prints it in these messages. */
function scalaSet(names: readonly string[]): string {
  return `Set(${names.join(', ')})`;
}

/** What a dynamic change is checked against. */
export interface DynamicUpdatability {
  /** Whether a key can change at runtime here: Kafka marks it dynamic and Weir applies it (or ignores it anyway). */
  isUpdatable(name: string): boolean;
}

/** The base name of a listener-prefixed key (`listener.name.x.ssl.keystore.location` -> `ssl.keystore.location`). */
function baseName(name: string): string {
  return LISTENER_PREFIX.exec(name)?.[1] ?? name;
}

/** The per-key problems of a set of dynamic broker configs, in Kafka's order; null when there is none. */
export function dynamicBrokerConfigProblem(props: ReadonlyMap<string, string>, perBroker: boolean, rules: DynamicUpdatability): ConfigError | null {
  const names = [...props.keys()];
  const kafkaStatic = names.filter((n) => BROKER_CONFIGS.get(n)?.dynamic === false);
  // Kafka checks `nonDynamicConfigs` before anything else.
  if (kafkaStatic.length > 0) return invalidRequest(`Cannot update these configs dynamically: ${scalaSet(kafkaStatic)}`);
  const startOnly = names.filter((n) => BROKER_CONFIGS.has(baseName(n)) && !rules.isUpdatable(baseName(n)));
  if (startOnly.length > 0) return invalidRequest(`Cannot update these configs dynamically (Weir applies them only at start): ${scalaSet(startOnly)}`);
  const unprefixed = names.filter((n) => LISTENER_ONLY_SECURITY_CONFIGS.has(n));
  if (unprefixed.length > 0) {
    return invalidRequest(`These security configs can be dynamically updated only per-listener using the listener prefix: ${scalaSet(unprefixed)}`);
  }
  for (const [name, value] of props) {
    const key = BROKER_CONFIGS.get(baseName(name));
    if (key === undefined) continue;
    const parsed = parseAndValidate(key, value);
    if (!parsed.ok) return invalidRequest(parsed.error.message.replace(`configuration ${key.name}`, `configuration ${name}`));
  }
  if (!perBroker) {
    const perBrokerOnly = names.filter((n) => PER_BROKER_CONFIGS.has(n) || (LISTENER_PREFIX.test(n) && PER_BROKER_CONFIGS.has(baseName(n))));
    if (perBrokerOnly.length > 0) return invalidRequest(`Cannot update these configs at default cluster level, broker id must be specified: ${scalaSet(perBrokerOnly)}`);
  }
  return null;
}

/** A stored set with what cannot be applied taken out (Kafka's fromPersistentProps), and why. */
export function cleanDynamicBrokerConfigs(
  stored: ReadonlyMap<string, string>,
  perBroker: boolean,
  rules: DynamicUpdatability,
): { configs: Map<string, string>; dropped: { name: string; reason: string }[] } {
  const configs = new Map<string, string>();
  const dropped: { name: string; reason: string }[] = [];
  for (const [name, value] of stored) {
    const problem = dynamicBrokerConfigProblem(new Map([[name, value]]), perBroker, rules);
    if (problem === null) configs.set(name, value);
    else dropped.push({ name, reason: problem.message });
  }
  return { configs, dropped };
}
