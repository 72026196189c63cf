import { resolveBrokerConfig } from './broker-config';
import { replaceTopicConfigs } from './alter-configs';
import { parseKafkaVersion } from './kafka-versions';

describe('Kafka version strings, as MetadataVersion.fromVersionString reads them', () => {
  test.each([
    ['0.10.0.0', '0.10.0-IV1'],
    ['0.10.0', '0.10.0-IV1'],
    ['0.10.0-IV0', '0.10.0-IV0'],
    ['0.8.2.2', '0.8.2'],
    ['0.11.0', '0.11.0-IV2'],
    ['1.0.1', '1.0-IV0'],
    ['2.8', '2.8-IV1'],
    ['3.0-IV1', '3.0-IV1'],
    ['3.9', '3.9-IV0'],
    ['3.9.0', '3.9-IV0'],
    ['4.0-IV1', '4.0-IV1'],
  ])('%s is %s', (text, version) => {
    expect(parseKafkaVersion(text)).toBe(version);
  });

  test.each(['', '4.0', '3.10', '0.10', '0.10.3', 'x.y', '3.9-IV9', '3.9.'])('%j is refused', (text) => {
    expect(parseKafkaVersion(text)).toBeNull();
  });

  test('AlterConfigs accepts message.format.version=0.10.0.0 and refuses nonsense with Kafka\'s message', () => {
    const broker = resolveBrokerConfig().config;
    const ok = replaceTopicConfigs([{ name: 'message.format.version', value: '0.10.0.0' }], broker);
    expect(ok.ok).toBe(true);
    const bad = replaceTopicConfigs([{ name: 'message.format.version', value: '0.10.7' }], broker);
    expect(bad.ok ? null : bad.error.message).toBe('Invalid value 0.10.7 for configuration message.format.version: Version 0.10.7 is not a valid version');
    expect(resolveBrokerConfig({ static: { 'inter.broker.protocol.version': '3.7' } }).errors).toEqual([]);
  });
});
