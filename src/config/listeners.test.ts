import { resolveBrokerConfig } from './broker-config';
import { resolveListeners } from './listeners';

const listeners = (props: Record<string, string>) => {
  const r = resolveBrokerConfig({ static: props });
  expect(r.errors).toEqual([]);
  return resolveListeners(r.config);
};

describe('listeners', () => {
  test('several listeners, their protocols, advertised endpoints per name', () => {
    const l = listeners({
      listeners: 'PLAINTEXT://:9092,secure://127.0.0.1:9093,SASL_SSL://[::1]:9095',
      'listener.security.protocol.map': 'PLAINTEXT:PLAINTEXT,SECURE:SSL,SASL_SSL:SASL_SSL',
      'advertised.listeners': 'SECURE://kafka.example:19093',
      'inter.broker.listener.name': 'secure',
    });
    expect(l.listeners).toEqual([
      { name: 'PLAINTEXT', host: '', port: 9092, securityProtocol: 'PLAINTEXT', advertised: null },
      { name: 'SECURE', host: '127.0.0.1', port: 9093, securityProtocol: 'SSL', advertised: { host: 'kafka.example', port: 19093 } },
      { name: 'SASL_SSL', host: '::1', port: 9095, securityProtocol: 'SASL_SSL', advertised: null },
    ]);
    expect(l.interBrokerListenerName).toBe('SECURE');
  });

  test('Kafka’s checks', () => {
    const fails = (props: Record<string, string>) => () => resolveListeners(resolveBrokerConfig({ static: props }).config);
    expect(fails({ listeners: 'FOO://:1' })).toThrow('no security protocol defined for listener FOO');
    expect(fails({ listeners: 'PLAINTEXT://:1,SSL://:1' })).toThrow('each listener must have a different port');
    expect(fails({ listeners: 'PLAINTEXT://:1,PLAINTEXT://:2' })).toThrow('PLAINTEXT appears twice');
    expect(fails({ listeners: 'PLAINTEXT://:1', 'advertised.listeners': 'SSL://x:1' })).toThrow('listener SSL is not one of listeners');
    expect(fails({ listeners: 'PLAINTEXT://:1', 'advertised.listeners': 'PLAINTEXT://0.0.0.0:1' })).toThrow('nonroutable meta-address');
    expect(fails({ listeners: 'PLAINTEXT://:1', 'inter.broker.listener.name': 'SSL' })).toThrow('inter.broker.listener.name must be a listener name');
    expect(fails({ listeners: 'PLAINTEXT://:1', 'inter.broker.listener.name': 'PLAINTEXT', 'security.inter.broker.protocol': 'PLAINTEXT' })).toThrow('Only one of');
  });

  test('listener.name.<l>. settings override the broker-wide ones for that listener only', () => {
    const r = resolveBrokerConfig({
      static: {
        'ssl.client.auth': 'requested',
        'listener.name.internal.ssl.client.auth': 'required',
        'listener.name.internal.plain.connections.max.reauth.ms': '5000',
        'listener.name.internal.ssl.keystore.password': 'hidden',
      },
    });
    expect(r.errors).toEqual([]);
    expect(r.config.listenerSetting('INTERNAL', 'ssl.client.auth')).toBe('required');
    expect(r.config.listenerSetting('EXTERNAL', 'ssl.client.auth')).toBe('requested');
    expect(r.config.listenerSetting('INTERNAL', 'connections.max.reauth.ms', 'PLAIN')).toBe(5000);
    expect(r.config.listenerSetting('INTERNAL', 'connections.max.reauth.ms', 'SCRAM-SHA-256')).toBe(0);
    expect(r.warnings).toEqual([]);
  });

  test('a bad listener-prefixed value is reported under its full name', () => {
    const r = resolveBrokerConfig({ static: { 'listener.name.x.ssl.client.auth': 'sometimes' } });
    expect(r.errors.map((e) => e.configName)).toEqual(['listener.name.x.ssl.client.auth']);
  });
});
