/**
 * Builds each listener's security from the broker's config: TLS from the
 * listener's ssl.* settings (each may be overridden with
 * `listener.name.<listener>.ssl.…`), SASL mechanisms from its sasl.* and JAAS
 * settings. Everything is checked here, at start-up, so a broken keystore or
 * an unsupported mechanism stops the broker with a reason instead of failing
 * the first client.
 */
import type { BrokerConfig } from '../config/broker-config';
import type { ListenerConfig } from '../config/listeners';
import type { ListenerSecurity } from '../network/listener-security';
import type { ClientAuth } from '../network/tls/tls-listener';
import type { ScramCredentialStore } from '../security/scram/credential-store';
import { usesSasl, usesTls } from '../security/security-protocol';

export function buildListenerSecurity(config: BrokerConfig, l: ListenerConfig, credentials: ScramCredentialStore, now: () => number): ListenerSecurity {
  const name = l.name;
  const str = (key: Parameters<BrokerConfig['listenerSetting']>[1]): string | null => {
    const v = config.listenerSetting(name, key);
    return typeof v === 'string' ? v : null;
  };
  const list = (key: Parameters<BrokerConfig['listenerSetting']>[1]): readonly string[] => {
    const v = config.listenerSetting(name, key);
    return Array.isArray(v) ? v : [];
  };
  const wrap = <T>(what: string, build: () => T): T => {
    try {
      return build();
    } catch (err) {
      throw new Error(`listener ${name} (${l.securityProtocol}): ${what}: ${(err as Error).message}`);
    }
  };

  const tls = usesTls(l.securityProtocol)
    ? wrap('TLS', () => {
        // KIP-684: on SASL_SSL listeners only a listener-prefixed ssl.client.auth counts (SASL authenticates the client).
        // The TLS code (node:tls, keystores) loads only for a TLS listener; likewise SASL's below.
        const { tlsListener } = require('../network/tls/tls-listener') as typeof import('../network/tls/tls-listener');
        const clientAuthRaw = l.securityProtocol === 'SASL_SSL' && !config.isSetForListener(name, 'ssl.client.auth') ? 'none' : (str('ssl.client.auth') ?? 'none');
        return tlsListener({
          keystore: {
            type: str('ssl.keystore.type') ?? 'JKS',
            location: str('ssl.keystore.location'),
            password: str('ssl.keystore.password'),
            keyPassword: str('ssl.key.password'),
            key: str('ssl.keystore.key'),
            certificateChain: str('ssl.keystore.certificate.chain'),
          },
          truststore: {
            type: str('ssl.truststore.type') ?? 'JKS',
            location: str('ssl.truststore.location'),
            password: str('ssl.truststore.password'),
            certificates: str('ssl.truststore.certificates'),
          },
          clientAuth: clientAuthRaw as ClientAuth,
          enabledProtocols: list('ssl.enabled.protocols'),
          cipherSuites: list('ssl.cipher.suites'),
          principalMappingRules: str('ssl.principal.mapping.rules') ?? 'DEFAULT',
          handshakeTimeoutMs: Math.min(config.number('connections.max.idle.ms'), 2 ** 31 - 1),
        });
      })
    : null;
  const sasl = usesSasl(l.securityProtocol) ? wrap('SASL', () => (require('../security/sasl/listener-mechanisms') as typeof import('../security/sasl/listener-mechanisms')).listenerSaslMechanisms(config, name, credentials, now)) : null;
  const maxReceive = config.listenerSetting(name, 'sasl.server.max.receive.size');
  const failDelay = config.listenerSetting(name, 'connection.failed.authentication.delay.ms');
  return {
    name,
    securityProtocol: l.securityProtocol,
    tls,
    sasl,
    saslMaxReceiveBytes: typeof maxReceive === 'number' ? maxReceive : 524_288,
    failedAuthenticationDelayMs: typeof failDelay === 'number' ? failDelay : 100,
  };
}
