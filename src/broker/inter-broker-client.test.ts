/**
 * The inter-broker listener's security as a client's: what a broker logs in
 * with, and the settings it refuses at start instead of failing every fetch.
 */
import { resolveBrokerConfig } from '../config/broker-config';
import { resolveListeners } from '../config/listeners';
import { interBrokerSecurity } from './inter-broker-client';

const JAAS = 'org.apache.kafka.common.security.plain.PlainLoginModule required username="broker" password="b-pw" user_broker="b-pw";';

function securityOf(props: Record<string, string>) {
  const { config } = resolveBrokerConfig({ static: props });
  const { listeners, interBrokerListenerName } = resolveListeners(config);
  return interBrokerSecurity(config, listeners.find((l) => l.name === interBrokerListenerName)!);
}

describe('interBrokerSecurity', () => {
  it('is plain text on a PLAINTEXT inter-broker listener', () => {
    expect(securityOf({ listeners: 'PLAINTEXT://:9092' })).toEqual({ protocol: 'PLAINTEXT', tls: null, sasl: null });
  });

  it("logs in with the username and password of the listener's own JAAS entry for sasl.mechanism.inter.broker.protocol", () => {
    const security = securityOf({
      listeners: 'CLIENTS://:9092,INTERNAL://:9093',
      'listener.security.protocol.map': 'CLIENTS:SASL_PLAINTEXT,INTERNAL:SASL_PLAINTEXT',
      'inter.broker.listener.name': 'INTERNAL',
      'sasl.mechanism.inter.broker.protocol': 'PLAIN',
      'listener.name.internal.plain.sasl.jaas.config': JAAS,
      'listener.name.clients.plain.sasl.jaas.config': JAAS.replace('b-pw"', 'other"'),
    });
    expect(security.protocol).toBe('SASL_PLAINTEXT');
    expect(security.sasl).toEqual({ mechanism: 'PLAIN', username: 'broker', password: 'b-pw' });
  });

  it("refuses Kafka's default GSSAPI and a missing JAAS entry, naming what to set", () => {
    const base = { listeners: 'SASL_PLAINTEXT://:9092', 'listener.name.sasl_plaintext.plain.sasl.jaas.config': JAAS };
    expect(() => securityOf(base)).toThrow(/sasl.mechanism.inter.broker.protocol=GSSAPI is not supported/);
    expect(() => securityOf({ ...base, 'sasl.mechanism.inter.broker.protocol': 'SCRAM-SHA-256' })).toThrow(
      /listener.name.sasl_plaintext.scram-sha-256.sasl.jaas.config must hold the broker's own username and password/,
    );
  });

  it('verifies peers with the listener truststore; an empty ssl.endpoint.identification.algorithm turns the host-name check off, as in Kafka', () => {
    const security = securityOf({
      listeners: 'SSL://:9093',
      'listener.name.ssl.ssl.truststore.type': 'PEM',
      'listener.name.ssl.ssl.truststore.certificates': '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----',
      'listener.name.ssl.ssl.endpoint.identification.algorithm': '',
    });
    expect(security.protocol).toBe('SSL');
    expect(security.tls?.ca).toEqual(['-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----']);
    expect(security.tls?.checkServerIdentity).toBeDefined();
  });
});
