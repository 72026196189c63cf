import { parseJaasConfig, parseSingleJaasEntry } from './jaas-config';

describe('JAAS config (sasl.jaas.config)', () => {
  test('a login module, its flag and quoted or bare options', () => {
    const [e] = parseJaasConfig(
      'org.apache.kafka.common.security.plain.PlainLoginModule required username="admin" password="a b\\"c" user_alice=alice-secret;',
    );
    expect(e!.loginModule).toBe('org.apache.kafka.common.security.plain.PlainLoginModule');
    expect(e!.controlFlag).toBe('required');
    expect([...e!.options]).toEqual([
      ['username', 'admin'],
      ['password', 'a b"c'],
      ['user_alice', 'alice-secret'],
    ]);
  });

  test('comments are skipped; several entries parse; sasl.jaas.config takes exactly one', () => {
    const text = '// one\nA required x="1"; /* two */ B optional;';
    expect(parseJaasConfig(text).map((e) => e.loginModule)).toEqual(['A', 'B']);
    expect(() => parseSingleJaasEntry(text, 'sasl.jaas.config')).toThrow(/exactly one login module/);
  });

  test('Kafka’s errors, without echoing values', () => {
    expect(() => parseJaasConfig('A required x="secret"')).toThrow('JAAS config entry not terminated by semi-colon');
    expect(() => parseJaasConfig('A maybe;')).toThrow("Invalid login module control flag 'maybe' in JAAS config");
    expect(() => parseJaasConfig('A required x=;')).toThrow("Value not specified for key 'x' in JAAS config");
    expect(() => parseJaasConfig('  ')).toThrow('Login module not specified in JAAS config');
  });
});
