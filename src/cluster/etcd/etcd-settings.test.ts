import { resolveBrokerConfig } from '../../config/broker-config';
import { etcdSettings } from './etcd-settings';

describe('etcd settings', () => {
  it('are absent by default: the broker stays a single node', () => {
    const { config, errors } = resolveBrokerConfig();
    expect(errors).toEqual([]);
    expect(etcdSettings(config)).toBeNull();
  });

  it('read etcd.endpoints and etcd.key.prefix, and Kafka names for the timings', () => {
    const { config, errors, warnings } = resolveBrokerConfig({
      static: {
        'etcd.endpoints': 'http://10.0.0.1:2379, 10.0.0.2:2379',
        'etcd.key.prefix': '/weir/prod',
        'broker.session.timeout.ms': '3000',
      },
    });
    expect(errors).toEqual([]);
    expect(warnings).toEqual([]);
    expect(etcdSettings(config)).toEqual({
      endpoints: ['http://10.0.0.1:2379', 'http://10.0.0.2:2379'],
      keyPrefix: '/weir/prod',
      sessionTimeoutMs: 3000,
      heartbeatIntervalMs: 2000,
      registrationTimeoutMs: 60000,
    });
  });

  it('refuse what etcd could not be reached with', () => {
    const message = (configs: Record<string, string>) => resolveBrokerConfig({ static: configs }).errors.map((e) => e.message);
    expect(message({ 'etcd.endpoints': 'https://etcd:2379' })[0]).toMatch(/https endpoints are not supported/);
    expect(message({ 'etcd.endpoints': 'etcd' })[0]).toMatch(/etcd\.endpoints/);
    expect(message({ 'etcd.key.prefix': 'weir' })[0]).toMatch(/must start with \//);
    expect(message({ 'etcd.key.prefix': '/' })[0]).toMatch(/must start with \//);
    expect(message({ 'etcd.endpoints': '[::1]:2379,localhost:2379', 'etcd.key.prefix': '/a/b' })).toEqual([]);
  });
});
