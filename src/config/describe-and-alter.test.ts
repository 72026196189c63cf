import { AlterConfigOp, applyIncrementalTopicChanges, replaceTopicConfigs } from './alter-configs';
import { resolveBrokerConfig } from './broker-config';
import { ConfigSource, DescribeConfigType } from './config-source';
import { describeBrokerConfigs, describeTopicConfigs } from './describe-configs';
import { resolveTopicConfig } from './topic-config';
import { ErrorCode } from '../protocol/errors';

const broker = (staticConfigs: Record<string, string> = {}, dynamicBroker: Record<string, string> = {}) =>
  resolveBrokerConfig({ static: staticConfigs, dynamicBroker }).config;

describe('resolveTopicConfig', () => {
  it('takes the override, else the broker synonym, else the default', () => {
    const config = resolveTopicConfig({ 'segment.bytes': '1000' }, broker({ 'log.retention.hours': '1', 'log.cleanup.policy': 'compact' }));
    expect(config.segmentBytes).toBe(1000);
    expect(config.retentionMs).toBe(3600000);
    expect(config.cleanupPolicy).toEqual(['compact']);
    expect(config.compact).toBe(true);
    expect(config.maxMessageBytes).toBe(1048588);
    expect(config.localRetentionMs).toBe(3600000);
    expect([...config.overridden]).toEqual(['segment.bytes']);
  });

  it('falls back to timestamp.difference.max.ms for before/after left at default', () => {
    const config = resolveTopicConfig({ 'message.timestamp.difference.max.ms': '1000', 'message.timestamp.after.max.ms': '5' }, broker());
    expect(config.messageTimestampBeforeMaxMs).toBe(1000);
    expect(config.messageTimestampAfterMaxMs).toBe(5);
  });
});

describe('describeTopicConfigs', () => {
  it('reports the override first, then broker synonyms, then defaults', () => {
    const entries = describeTopicConfigs({ 'retention.ms': '1000' }, broker({ 'log.retention.hours': '24' }), { includeSynonyms: true });
    const retention = entries.find((e) => e.name === 'retention.ms');
    expect(retention).toEqual({
      name: 'retention.ms',
      value: '1000',
      readOnly: false,
      isDefault: false,
      configSource: ConfigSource.DYNAMIC_TOPIC_CONFIG,
      isSensitive: false,
      synonyms: [
        { name: 'retention.ms', value: '1000', source: ConfigSource.DYNAMIC_TOPIC_CONFIG },
        { name: 'log.retention.hours', value: '24', source: ConfigSource.STATIC_BROKER_CONFIG },
        { name: 'log.retention.hours', value: '168', source: ConfigSource.DEFAULT_CONFIG },
      ],
      configType: DescribeConfigType.LONG,
      documentation: null,
    });
  });

  it('reports a broker-inherited value with the broker source', () => {
    const entries = describeTopicConfigs({}, broker({ 'log.retention.hours': '24' }, { 'log.cleanup.policy': 'compact,delete' }), {
      includeSynonyms: true,
    });
    const retention = entries.find((e) => e.name === 'retention.ms');
    expect(retention?.value).toBe('86400000');
    expect(retention?.configSource).toBe(ConfigSource.STATIC_BROKER_CONFIG);
    const policy = entries.find((e) => e.name === 'cleanup.policy');
    expect(policy?.value).toBe('compact,delete');
    expect(policy?.configSource).toBe(ConfigSource.DYNAMIC_BROKER_CONFIG);
    expect(policy?.configType).toBe(DescribeConfigType.LIST);
  });

  it('reports defaults, Long.MAX_VALUE exactly, and configs with no broker synonym', () => {
    const entries = describeTopicConfigs({}, broker(), { includeSynonyms: true });
    const flush = entries.find((e) => e.name === 'flush.messages');
    expect(flush?.value).toBe('9223372036854775807');
    expect(flush?.configSource).toBe(ConfigSource.DEFAULT_CONFIG);
    expect(flush?.synonyms).toEqual([{ name: 'log.flush.interval.messages', value: '9223372036854775807', source: ConfigSource.DEFAULT_CONFIG }]);
    const remote = entries.find((e) => e.name === 'remote.storage.enable');
    expect(remote).toEqual(expect.objectContaining({ value: 'false', configSource: ConfigSource.DEFAULT_CONFIG, synonyms: [] }));
  });

  it('filters by requested names and omits synonyms unless asked', () => {
    const entries = describeTopicConfigs({}, broker(), { names: ['segment.bytes', 'no.such.config'] });
    expect(entries.map((e) => e.name)).toEqual(['segment.bytes']);
    expect(entries[0]?.synonyms).toEqual([]);
    expect(entries[0]?.configSource).toBe(ConfigSource.DEFAULT_CONFIG);
  });
});

describe('describeBrokerConfigs', () => {
  it('lists static values, read-only flags and synonyms the Kafka way', () => {
    const entries = describeBrokerConfigs(broker({ 'log.retention.ms': '5000', 'num.partitions': '3' }), true, { includeSynonyms: true });
    const partitions = entries.find((e) => e.name === 'num.partitions');
    expect(partitions).toEqual(
      expect.objectContaining({ value: '3', readOnly: true, configSource: ConfigSource.STATIC_BROKER_CONFIG, configType: DescribeConfigType.INT }),
    );
    const hours = entries.find((e) => e.name === 'log.retention.hours');
    expect(hours?.synonyms).toEqual([{ name: 'log.retention.hours', value: '168', source: ConfigSource.DEFAULT_CONFIG }]);
    const ms = entries.find((e) => e.name === 'log.retention.ms');
    expect(ms).toEqual(expect.objectContaining({ value: '5000', readOnly: false, configSource: ConfigSource.STATIC_BROKER_CONFIG }));
    expect(ms?.synonyms.map((s) => s.name)).toEqual(['log.retention.ms', 'log.retention.hours']);
  });

  it('hides sensitive values', () => {
    const entries = describeBrokerConfigs(broker({ 'ssl.keystore.password': 'secret' }), true, {
      names: ['ssl.keystore.password'],
      includeSynonyms: true,
    });
    expect(entries).toEqual([
      expect.objectContaining({
        value: null,
        isSensitive: true,
        configType: DescribeConfigType.PASSWORD,
        synonyms: [{ name: 'ssl.keystore.password', value: null, source: ConfigSource.STATIC_BROKER_CONFIG }],
      }),
    ]);
  });

  it('describes the cluster default resource with only dynamic default values', () => {
    const config = resolveBrokerConfig({ static: { 'num.partitions': '3' }, dynamicDefault: { 'log.retention.ms': '100' } }).config;
    const entries = describeBrokerConfigs(config, false, { includeSynonyms: true });
    expect(entries).toEqual([
      expect.objectContaining({
        name: 'log.retention.ms',
        value: '100',
        configSource: ConfigSource.DYNAMIC_DEFAULT_BROKER_CONFIG,
        synonyms: [{ name: 'log.retention.ms', value: '100', source: ConfigSource.DYNAMIC_DEFAULT_BROKER_CONFIG }],
      }),
    ]);
  });
});

describe('applyIncrementalTopicChanges', () => {
  const set = (name: string, value: string) => ({ name, configOperation: AlterConfigOp.SET, value });

  it('sets and deletes overrides', () => {
    const result = applyIncrementalTopicChanges(
      { 'retention.ms': '1000', 'segment.bytes': '2000' },
      [set('retention.ms', '5000'), { name: 'segment.bytes', configOperation: AlterConfigOp.DELETE, value: null }],
      broker(),
    );
    expect(result.ok && [...result.value]).toEqual([['retention.ms', '5000']]);
  });

  it('appends to and subtracts from lists, starting from the topic default', () => {
    const appended = applyIncrementalTopicChanges({}, [{ name: 'cleanup.policy', configOperation: AlterConfigOp.APPEND, value: 'compact' }], broker());
    expect(appended.ok && appended.value.get('cleanup.policy')).toBe('delete,compact');
    const subtracted = applyIncrementalTopicChanges(
      { 'cleanup.policy': 'compact,delete' },
      [{ name: 'cleanup.policy', configOperation: AlterConfigOp.SUBTRACT, value: 'delete' }],
      broker(),
    );
    expect(subtracted.ok && subtracted.value.get('cleanup.policy')).toBe('compact');
  });

  it('rejects APPEND/SUBTRACT on non-list configs with INVALID_CONFIG', () => {
    const result = applyIncrementalTopicChanges({}, [{ name: 'retention.ms', configOperation: AlterConfigOp.APPEND, value: '1' }], broker());
    expect(result).toEqual({
      ok: false,
      error: expect.objectContaining({ code: ErrorCode.INVALID_CONFIG, message: "Can't APPEND to key retention.ms because its type is not LIST." }),
    });
  });

  it('rejects duplicates and null values with INVALID_REQUEST', () => {
    const dup = applyIncrementalTopicChanges({}, [set('retention.ms', '1'), set('retention.ms', '2')], broker());
    expect(dup).toEqual({ ok: false, error: expect.objectContaining({ code: ErrorCode.INVALID_REQUEST, message: 'Error due to duplicate config keys' }) });
    const nullValue = applyIncrementalTopicChanges({}, [{ name: 'retention.ms', configOperation: AlterConfigOp.SET, value: null }], broker());
    expect(nullValue.ok === false && nullValue.error.code).toBe(ErrorCode.INVALID_REQUEST);
  });

  it('rejects unknown names, bad values and inconsistent combinations with INVALID_CONFIG', () => {
    const unknown = applyIncrementalTopicChanges({}, [set('retention.msec', '1')], broker());
    expect(unknown.ok === false && unknown.error.message).toBe('Unknown topic config name: retention.msec');
    const bad = applyIncrementalTopicChanges({}, [set('min.insync.replicas', '0')], broker());
    expect(bad.ok === false && bad.error.message).toBe('Invalid value 0 for configuration min.insync.replicas: Value must be at least 1');
    const lag = applyIncrementalTopicChanges({ 'max.compaction.lag.ms': '10' }, [set('min.compaction.lag.ms', '20')], broker());
    expect(lag.ok === false && lag.error.message).toBe('conflict topic config setting min.compaction.lag.ms (20) > max.compaction.lag.ms (10)');
    const remote = applyIncrementalTopicChanges({}, [set('remote.storage.enable', 'true')], broker());
    expect(remote.ok === false && remote.error.code).toBe(ErrorCode.INVALID_CONFIG);
  });
});

describe('replaceTopicConfigs', () => {
  it('replaces the whole override set', () => {
    const result = replaceTopicConfigs([{ name: 'segment.ms', value: '100' }], broker());
    expect(result.ok && [...result.value]).toEqual([['segment.ms', '100']]);
    const bad = replaceTopicConfigs([{ name: 'segment.ms', value: '0' }], broker());
    expect(bad.ok === false && bad.error.code).toBe(ErrorCode.INVALID_CONFIG);
  });
});
