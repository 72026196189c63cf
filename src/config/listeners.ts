/**
 * The broker's listeners as Kafka configures them:
 *
 *   listeners=PLAINTEXT://:9092,SSL://:9093,SASL_SSL://:9095
 *   listener.security.protocol.map=PLAINTEXT:PLAINTEXT,SSL:SSL,SASL_SSL:SASL_SSL
 *   advertised.listeners=PLAINTEXT://kafka.local:9092,...   (per listener name)
 *   inter.broker.listener.name=PLAINTEXT
 *
 * A listener's name is its key into the protocol map and into the
 * per-listener settings (`listener.name.<name lowercased>.<config>`); names
 * are case-insensitive and kept uppercased, as Kafka's ListenerName does.
 * Problems are reported with Kafka's wording where Kafka has one.
 */
import { SECURITY_PROTOCOLS, type SecurityProtocol } from '../security/security-protocol';
import type { BrokerConfig } from './broker-config';

/** One `NAME://host:port` entry. An empty host means every interface. */
export interface Endpoint {
  name: string;
  host: string;
  port: number;
}

export interface ListenerConfig extends Endpoint {
  securityProtocol: SecurityProtocol;
  /** From advertised.listeners when it names this listener; null: advertise the bound address. */
  advertised: { host: string; port: number } | null;
}

export interface ListenersConfig {
  /** In the order of `listeners`; the first one is the default (bootstrapServers, --port). */
  listeners: ListenerConfig[];
  /** The listener other brokers use (a cluster will dial it); always one of `listeners`. */
  interBrokerListenerName: string;
}

export function parseEndpoints(text: string, configName: string): Endpoint[] {
  return text
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0)
    .map((s) => {
      const m = /^([A-Za-z0-9_]+):\/\/(\[[^\]]*\]|[^:]*):(\d+)$/.exec(s);
      if (!m) throw new Error(`${configName}: unable to parse ${s} to a broker endpoint (expected NAME://host:port)`);
      const port = Number(m[3]);
      if (port > 65535) throw new Error(`${configName}: port ${port} of ${s} is out of range`);
      return { name: m[1]!.toUpperCase(), host: m[2]!.replace(/^\[|\]$/g, ''), port };
    });
}

/** `NAME:PROTOCOL,...`; throws on an unknown protocol or a malformed entry. */
export function parseSecurityProtocolMap(text: string): Map<string, SecurityProtocol> {
  const map = new Map<string, SecurityProtocol>();
  for (const entry of text.split(',').map((s) => s.trim()).filter((s) => s.length > 0)) {
    const colon = entry.indexOf(':');
    if (colon <= 0) throw new Error(`listener.security.protocol.map: '${entry}' is not NAME:PROTOCOL`);
    const name = entry.slice(0, colon).trim().toUpperCase();
    const protocol = entry.slice(colon + 1).trim().toUpperCase();
    if (!(SECURITY_PROTOCOLS as readonly string[]).includes(protocol)) {
      throw new Error(`listener.security.protocol.map: unknown security protocol ${protocol} for listener ${name} (one of ${SECURITY_PROTOCOLS.join(', ')})`);
    }
    map.set(name, protocol as SecurityProtocol);
  }
  return map;
}

export function resolveListeners(config: BrokerConfig): ListenersConfig {
  const protocolMap = parseSecurityProtocolMap(config.string('listener.security.protocol.map'));
  const endpoints = parseEndpoints(config.string('listeners'), 'listeners');
  if (endpoints.length === 0) throw new Error('listeners: no listener configured');
  const seenNames = new Set<string>();
  const seenPorts = new Map<number, string>();
  for (const e of endpoints) {
    if (seenNames.has(e.name)) throw new Error(`listeners: each listener must have a different name, ${e.name} appears twice`);
    seenNames.add(e.name);
    // Port 0 asks for any free port, so several listeners may use it.
    const other = e.port === 0 ? undefined : seenPorts.get(e.port);
    if (other !== undefined) throw new Error(`listeners: each listener must have a different port, ${e.name} and ${other} both use ${e.port}`);
    seenPorts.set(e.port, e.name);
    if (!protocolMap.has(e.name)) throw new Error(`listeners: no security protocol defined for listener ${e.name} (listener.security.protocol.map)`);
  }

  const advertisedByName = new Map<string, Endpoint>();
  const advertisedText = config.optionalString('advertised.listeners');
  if (advertisedText !== null) {
    for (const a of parseEndpoints(advertisedText, 'advertised.listeners')) {
      if (!seenNames.has(a.name)) throw new Error(`advertised.listeners: listener ${a.name} is not one of listeners (${[...seenNames].join(', ')})`);
      if (a.host === '0.0.0.0' || a.host === '::') throw new Error(`advertised.listeners cannot use the nonroutable meta-address ${a.host}. Use a routable IP address.`);
      advertisedByName.set(a.name, a);
    }
  }

  const listeners = endpoints.map((e): ListenerConfig => {
    const a = advertisedByName.get(e.name);
    return { ...e, securityProtocol: protocolMap.get(e.name)!, advertised: a ? { host: a.host, port: a.port } : null };
  });
  return { listeners, interBrokerListenerName: interBrokerListener(config, listeners) };
}

function interBrokerListener(config: BrokerConfig, listeners: readonly ListenerConfig[]): string {
  const explicit = config.optionalString('inter.broker.listener.name');
  if (explicit !== null) {
    if (config.isSet('security.inter.broker.protocol')) {
      throw new Error('Only one of inter.broker.listener.name and security.inter.broker.protocol should be set.');
    }
    const name = explicit.trim().toUpperCase();
    if (!listeners.some((l) => l.name === name)) {
      throw new Error(`inter.broker.listener.name must be a listener name defined in listeners; ${name} is not one of ${listeners.map((l) => l.name).join(', ')}`);
    }
    return name;
  }
  // Kafka defaults to the listener named after security.inter.broker.protocol
  // (PLAINTEXT). A single broker has no peers to dial, so a config without
  // such a listener (e.g. SASL_SSL only) falls back to the first listener
  // instead of refusing to start.
  const byProtocol = config.string('security.inter.broker.protocol').toUpperCase();
  const match = listeners.find((l) => l.name === byProtocol);
  if (match) return match.name;
  if (config.isSet('security.inter.broker.protocol')) {
    throw new Error(`security.inter.broker.protocol ${byProtocol}: no listener named ${byProtocol} in listeners (set inter.broker.listener.name)`);
  }
  return listeners[0]!.name;
}
