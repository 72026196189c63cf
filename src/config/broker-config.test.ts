import { loadBrokerConfig, resolveBrokerConfig } from './broker-config';
import { BROKER_CONFIGS } from './broker-configs';
import { ConfigSource } from './config-source';
import { TOPIC_BROKER_SYNONYMS, TOPIC_CONFIGS } from './topic-configs';

const KAFKA_KRAFT_SAMPLE = `
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@localhost:9093
listeners=PLAINTEXT://:9092,CONTROLLER://:9093
inter.broker.listener.name=PLAINTEXT
advertised.listeners=PLAINTEXT://localhost:9092,CONTROLLER://localhost:9093
controller.listener.names=CONTROLLER
listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT,SSL:SSL,SASL_PLAINTEXT:SASL_PLAINTEXT,SASL_SSL:SASL_SSL
num.network.threads=3
num.io.threads=8
socket.send.buffer.bytes=102400
socket.receive.buffer.bytes=102400
socket.request.max.bytes=104857600
log.dirs=/tmp/kraft-combined-logs
num.partitions=1
num.recovery.threads.per.data.dir=1
offsets.topic.replication.factor=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
log.retention.hours=168
log.segment.bytes=1073741824
log.retention.check.interval.ms=300000
`;

describe('broker config defaults', () => {
  it('uses Kafka defaults, with Weir single-node defaults where documented', () => {
    const { config, errors, warnings } = resolveBrokerConfig();
    expect(errors).toEqual([]);
    expect(warnings).toEqual([]);
    expect(config.nodeId).toBe(1);
    expect(config.listeners).toEqual(['PLAINTEXT://127.0.0.1:9092']);
    expect(config.advertisedListeners).toEqual(['PLAINTEXT://127.0.0.1:9092']);
    expect(config.logDirs).toEqual(['./weir-data']);
    expect(config.number('num.partitions')).toBe(1);
    expect(config.number('default.replication.factor')).toBe(1);
    expect(config.boolean('auto.create.topics.enable')).toBe(true);
    expect(config.boolean('delete.topic.enable')).toBe(true);
    expect(config.number('message.max.bytes')).toBe(1048588);
    expect(config.number('socket.request.max.bytes')).toBe(104857600);
    expect(config.number('connections.max.idle.ms')).toBe(600000);
    expect(config.number('offsets.topic.num.partitions')).toBe(50);
    expect(config.number('offsets.retention.minutes')).toBe(10080);
    expect(config.number('group.initial.rebalance.delay.ms')).toBe(3000);
    expect(config.number('transaction.max.timeout.ms')).toBe(900000);
    expect(config.number('transaction.state.log.num.partitions')).toBe(50);
    expect(config.logRetentionMs).toBe(604800000);
    expect(config.logRollMs).toBe(604800000);
    expect(config.logFlushIntervalMs).toBe(2 ** 63);
  });

  it("replicates the internal topics once on one node, as Kafka does (3, min ISR 2) in a cluster on etcd", () => {
    const single = resolveBrokerConfig().config;
    expect(single.number('offsets.topic.replication.factor')).toBe(1);
    expect(single.number('transaction.state.log.replication.factor')).toBe(1);
    expect(single.number('transaction.state.log.min.isr')).toBe(1);
    const cluster = resolveBrokerConfig({ static: { 'etcd.endpoints': 'http://127.0.0.1:2379' } }).config;
    expect(cluster.number('offsets.topic.replication.factor')).toBe(3);
    expect(cluster.number('transaction.state.log.replication.factor')).toBe(3);
    expect(cluster.number('transaction.state.log.min.isr')).toBe(2);
    expect(cluster.setting('offsets.topic.replication.factor')?.source).toBe(ConfigSource.DEFAULT_CONFIG);
    // What is set wins in both.
    const set = resolveBrokerConfig({ static: { 'etcd.endpoints': 'http://127.0.0.1:2379', 'offsets.topic.replication.factor': '2' } }).config;
    expect(set.number('offsets.topic.replication.factor')).toBe(2);
  });

  it('names every topic synonym as a known broker config', () => {
    for (const [topicName, synonyms] of TOPIC_BROKER_SYNONYMS) {
      expect(TOPIC_CONFIGS.has(topicName)).toBe(true);
      for (const synonym of synonyms) expect(BROKER_CONFIGS.has(synonym.name)).toBe(true);
    }
  });
});

describe('log retention precedence', () => {
  it('prefers ms over minutes over hours', () => {
    expect(resolveBrokerConfig({ static: { 'log.retention.hours': '1' } }).config.logRetentionMs).toBe(3600000);
    expect(resolveBrokerConfig({ static: { 'log.retention.hours': '1', 'log.retention.minutes': '2' } }).config.logRetentionMs).toBe(120000);
    expect(
      resolveBrokerConfig({ static: { 'log.retention.hours': '1', 'log.retention.minutes': '2', 'log.retention.ms': '5' } }).config
        .logRetentionMs,
    ).toBe(5);
  });

  it('merges layers before deriving: a static ms beats a dynamic hours', () => {
    const { config } = resolveBrokerConfig({ static: { 'log.retention.ms': '1000' }, dynamicBroker: { 'log.retention.hours': '2' } });
    expect(config.logRetentionMs).toBe(1000);
  });

  it('treats any negative retention as unlimited and rejects zero', () => {
    expect(resolveBrokerConfig({ static: { 'log.retention.hours': '-5' } }).config.logRetentionMs).toBe(-1);
    const { errors } = resolveBrokerConfig({ static: { 'log.retention.ms': '0' } });
    expect(errors.map((e) => e.configName)).toEqual(['log.retention.ms']);
  });

  it('derives segment.ms for topics from log.roll.hours', () => {
    const { config } = resolveBrokerConfig({ static: { 'log.roll.hours': '2' } });
    expect(config.topicDefault('segment.ms')).toEqual({ value: 7200000, source: ConfigSource.STATIC_BROKER_CONFIG });
  });
});

describe('loading server.properties', () => {
  it("loads Kafka's own single-node sample without warnings", () => {
    const { config, errors, warnings, ignoredKeys } = loadBrokerConfig(KAFKA_KRAFT_SAMPLE);
    expect(errors).toEqual([]);
    expect(warnings).toEqual([]);
    expect(ignoredKeys).toEqual(expect.arrayContaining(['process.roles', 'controller.quorum.voters', 'num.io.threads']));
    expect(config.logDirs).toEqual(['/tmp/kraft-combined-logs']);
    expect(config.advertisedListeners).toEqual(['PLAINTEXT://localhost:9092', 'CONTROLLER://localhost:9093']);
    expect(config.nodeId).toBe(1);
  });

  it('warns about unknown keys with the nearest known key', () => {
    const { warnings } = loadBrokerConfig('log.retension.hours=1\nretention.ms=5\nfoo.bar.baz.qux=1\nlistener.name.x.y=1');
    expect(warnings).toEqual([
      expect.objectContaining({ key: 'log.retension.hours', suggestion: 'log.retention.hours' }),
      expect.objectContaining({ key: 'retention.ms', suggestion: 'log.retention.ms' }),
      { key: 'foo.bar.baz.qux', message: "Unknown broker config 'foo.bar.baz.qux' (ignored)" },
    ]);
  });

  it('reports invalid values and keeps the default', () => {
    const { config, errors } = loadBrokerConfig('num.partitions=0\nauto.create.topics.enable=maybe');
    expect(errors.map((e) => e.message)).toEqual([
      'Invalid value 0 for configuration num.partitions: Value must be at least 1',
      'Invalid value maybe for configuration auto.create.topics.enable: Expected value to be either true or false',
    ]);
    expect(config.number('num.partitions')).toBe(1);
  });

  it('lets overrides win over the file', () => {
    const { config } = loadBrokerConfig('num.partitions=3', { 'num.partitions': '7' });
    expect(config.number('num.partitions')).toBe(7);
  });

  it('treats broker.id and node.id as one setting', () => {
    expect(loadBrokerConfig('broker.id=5').config.nodeId).toBe(5);
    expect(loadBrokerConfig('node.id=5').config.number('broker.id')).toBe(5);
    expect(loadBrokerConfig('node.id=5\nbroker.id=6').errors).toHaveLength(1);
  });

  it('prefers log.dirs over log.dir', () => {
    expect(loadBrokerConfig('log.dir=/a').config.logDirs).toEqual(['/a']);
    expect(loadBrokerConfig('log.dir=/a\nlog.dirs=/b, /c').config.logDirs).toEqual(['/b', '/c']);
  });
});
