/**
 * How a broker of a cluster dials the others (the controller channel, its
 * replica fetchers): at their inter-broker listener as registered in the
 * metadata, and with that listener's security, as a client. Kafka's brokers
 * do the same, with the same settings:
 * - the listener is `inter.broker.listener.name`, else the one named by
 *   `security.inter.broker.protocol` (listeners.ts resolves it);
 * - TLS (SSL, SASL_SSL): the listener's `ssl.truststore.*` verify the peer,
 *   its `ssl.keystore.*` are presented as the client certificate (for peers
 *   with `ssl.client.auth=required`), and `ssl.endpoint.identification.algorithm`
 *   (default https) checks the peer's certificate names the host it
 *   registered;
 * - SASL: the mechanism is `sasl.mechanism.inter.broker.protocol`, and the
 *   broker logs in with the `username` and `password` of the listener's own
 *   JAAS entry for that mechanism (`listener.name.<l>.<mechanism>.sasl.jaas.config`),
 *   the entry it also serves with. GSSAPI, Kafka's default, is not served by
 *   Weir: a SASL inter-broker listener needs PLAIN or SCRAM-SHA-256/512
 *   (whose credential must exist in the cluster before its brokers start;
 *   Kafka adds them with `kafka-storage format --add-scram`).
 *
 * Everything is checked at start, so a broker that could not reach its
 * peers stops with a reason rather than failing its first fetch.
 */
import { BrokerConnection } from '../client/connection';
import { clientSecurityFromProperties, type ClientSecurity } from '../client/client-security';
import { saslLogin } from '../client/sasl-login';
import type { BrokerConfig } from '../config/broker-config';
import type { BrokerConfigName } from '../config/broker-configs';
import type { ListenerConfig } from '../config/listeners';
import type { MetadataImage } from '../cluster/metadata/metadata-image';
import { usesSasl, usesTls } from '../security/security-protocol';

/** The client side of a listener's TLS settings, under the names a Kafka client reads them. */
const TLS_CLIENT_KEYS: readonly BrokerConfigName[] = [
  'ssl.truststore.type',
  'ssl.truststore.location',
  'ssl.truststore.password',
  'ssl.truststore.certificates',
  'ssl.keystore.type',
  'ssl.keystore.location',
  'ssl.keystore.password',
  'ssl.key.password',
  'ssl.keystore.key',
  'ssl.keystore.certificate.chain',
  'ssl.endpoint.identification.algorithm',
];

export interface InterBrokerClient {
  /** host:port of a broker's inter-broker endpoint, as registered; null when it has none (or is unknown). */
  addressOf(nodeId: number): string | null;
  /** Opens a connection to `address` with the inter-broker listener's security (TLS, then the SASL login). */
  connect(address: string, options: { clientId: string; requestTimeoutMs: number }): Promise<BrokerConnection>;
}

export function interBrokerClient(config: BrokerConfig, listener: ListenerConfig, image: () => MetadataImage): InterBrokerClient {
  const security = interBrokerSecurity(config, listener);
  return {
    addressOf(nodeId) {
      const endpoint = image()
        .brokers.get(nodeId)
        ?.endpoints.find((e) => e.name === listener.name);
      return endpoint ? `${endpoint.host}:${endpoint.port}` : null;
    },
    async connect(address, options) {
      const connection = await BrokerConnection.connect(address, { ...options, security });
      if (!security.sasl) return connection;
      try {
        await saslLogin(connection, security.sasl);
        return connection;
      } catch (err) {
        await connection.close();
        throw err;
      }
    },
  };
}

/** The inter-broker listener's security as a client's (see the file header). */
export function interBrokerSecurity(config: BrokerConfig, listener: ListenerConfig): ClientSecurity {
  const props = new Map<string, string>([['security.protocol', listener.securityProtocol]]);
  if (usesTls(listener.securityProtocol)) {
    for (const key of TLS_CLIENT_KEYS) {
      const value = config.listenerSetting(listener.name, key);
      if (typeof value === 'string') props.set(key, value);
    }
  }
  if (usesSasl(listener.securityProtocol)) {
    const mechanism = config.string('sasl.mechanism.inter.broker.protocol').toUpperCase();
    if (!['PLAIN', 'SCRAM-SHA-256', 'SCRAM-SHA-512'].includes(mechanism)) {
      throw new Error(
        `inter-broker listener ${listener.name} (${listener.securityProtocol}): sasl.mechanism.inter.broker.protocol=${mechanism} is not supported between Weir brokers (set PLAIN, SCRAM-SHA-256 or SCRAM-SHA-512)`,
      );
    }
    const jaas = config.listenerSetting(listener.name, 'sasl.jaas.config', mechanism);
    if (typeof jaas !== 'string') {
      throw new Error(
        `inter-broker listener ${listener.name}: listener.name.${listener.name.toLowerCase()}.${mechanism.toLowerCase()}.sasl.jaas.config must hold the broker's own username and password for ${mechanism}`,
      );
    }
    props.set('sasl.mechanism', mechanism);
    props.set('sasl.jaas.config', jaas);
  }
  try {
    return clientSecurityFromProperties(props);
  } catch (err) {
    throw new Error(`inter-broker listener ${listener.name} (${listener.securityProtocol}): ${(err as Error).message}`);
  }
}
