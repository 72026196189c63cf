/**
 * Dynamic broker configs through a real in-process broker: set per broker
 * and as the cluster-wide default with IncrementalAlterConfigs and
 * AlterConfigs (kafkajs and raw), reported with their source by
 * DescribeConfigs, applied at once to the partitions and the cleaner, and
 * refused as Kafka refuses them (not dynamic, per broker only, bad values,
 * a bad configuration as a whole).
 */
import { ConfigResourceTypes, Kafka, logLevel, type Admin } from 'kafkajs';
import { Broker } from '../broker';
import { RawKafkaClient, requestBody } from '../../../integration/support/raw-kafka-client';
import { Apis } from '../../protocol/apis';
import { ErrorCode } from '../../protocol/errors';
import { ConfigResourceType, ConfigSource } from '../../config';
import type { DescribeConfigsResponse } from '../../protocol/messages';

let broker: Broker;
let raw: RawKafkaClient;
let admin: Admin;
let node: string;

type Op = { name: string; configOperation: number; value: string | null };
const SET = 0;
const DELETE = 1;
const APPEND = 2;

async function alter(resourceName: string, configs: Op[], validateOnly = false) {
  const res = await raw.request(
    Apis.IncrementalAlterConfigs,
    1,
    requestBody(Apis.IncrementalAlterConfigs, { validateOnly, resources: [{ resourceType: ConfigResourceType.BROKER, resourceName, configs }] }),
  );
  const r = res.responses[0];
  return { errorCode: r?.errorCode, errorMessage: r?.errorMessage };
}

async function describeBroker(resourceName: string, names: string[] | null = null): Promise<DescribeConfigsResponse.DescribeConfigsResourceResult[]> {
  const res = await raw.request(
    Apis.DescribeConfigs,
    4,
    requestBody(Apis.DescribeConfigs, { resources: [{ resourceType: ConfigResourceType.BROKER, resourceName, configurationKeys: names }], includeSynonyms: true }),
  );
  expect(res.results[0]?.errorCode).toBe(ErrorCode.NONE);
  return res.results[0]?.configs ?? [];
}

async function createTopic(name: string, configs: Record<string, string> = {}): Promise<void> {
  const res = await raw.request(
    Apis.CreateTopics,
    7,
    requestBody(Apis.CreateTopics, { topics: [{ name, numPartitions: 1, replicationFactor: -1, assignments: [], configs: Object.entries(configs).map(([n, value]) => ({ name: n, value })) }] }),
  );
  expect(res.topics[0]?.errorCode).toBe(ErrorCode.NONE);
}

const logOf = (topic: string) => broker.context.replicaManager.getPartition(topic, 0)?.log.logConfig;

beforeAll(async () => {
  broker = await Broker.start({ memory: true, port: 0, host: '127.0.0.1', properties: { 'log.retention.hours': '100' } });
  raw = await RawKafkaClient.connect(broker.host, broker.port);
  admin = new Kafka({ clientId: 'dynamic-configs-test', brokers: [broker.bootstrapServers], logLevel: logLevel.NOTHING, retry: { retries: 0 } }).admin();
  await admin.connect();
  node = String(broker.context.nodeId);
});

afterAll(async () => {
  await admin.disconnect();
  raw.close();
  await broker.close();
});

test('a cluster default applies at once to every topic without its own value; a per-broker value wins over it', async () => {
  await createTopic('dyn-plain');
  await createTopic('dyn-own', { 'retention.ms': '5000' });
  expect(logOf('dyn-plain')?.retentionMs).toBe(100 * 3_600_000);

  expect(await alter('', [{ name: 'log.retention.ms', configOperation: SET, value: '60000' }])).toEqual({ errorCode: ErrorCode.NONE, errorMessage: null });
  expect(logOf('dyn-plain')?.retentionMs).toBe(60_000);
  expect(logOf('dyn-own')?.retentionMs).toBe(5000);
  const [entry] = await describeBroker(node, ['log.retention.ms']);
  expect(entry).toMatchObject({ value: '60000', configSource: ConfigSource.DYNAMIC_DEFAULT_BROKER_CONFIG, readOnly: false });
  expect(entry?.synonyms.map((s) => [s.name, s.source])).toEqual([
    ['log.retention.ms', ConfigSource.DYNAMIC_DEFAULT_BROKER_CONFIG],
    ['log.retention.hours', ConfigSource.STATIC_BROKER_CONFIG],
    ['log.retention.hours', ConfigSource.DEFAULT_CONFIG],
  ]);
  // The cluster default resource lists what is set there, and only that.
  expect((await describeBroker('')).map((c) => [c.name, c.value, c.configSource])).toEqual([['log.retention.ms', '60000', ConfigSource.DYNAMIC_DEFAULT_BROKER_CONFIG]]);

  expect((await alter(node, [{ name: 'log.retention.ms', configOperation: SET, value: '30000' }])).errorCode).toBe(ErrorCode.NONE);
  expect(logOf('dyn-plain')?.retentionMs).toBe(30_000);
  expect((await describeBroker(node, ['log.retention.ms']))[0]).toMatchObject({ value: '30000', configSource: ConfigSource.DYNAMIC_BROKER_CONFIG });
  // A topic's DescribeConfigs shows where its default comes from.
  const topic = await raw.request(Apis.DescribeConfigs, 4, requestBody(Apis.DescribeConfigs, { resources: [{ resourceType: ConfigResourceType.TOPIC, resourceName: 'dyn-plain', configurationKeys: ['retention.ms'] }], includeSynonyms: true }));
  expect(topic.results[0]?.configs[0]).toMatchObject({ value: '30000', configSource: ConfigSource.DYNAMIC_BROKER_CONFIG });

  // Removing them falls back, tier by tier.
  expect((await alter(node, [{ name: 'log.retention.ms', configOperation: DELETE, value: null }])).errorCode).toBe(ErrorCode.NONE);
  expect(logOf('dyn-plain')?.retentionMs).toBe(60_000);
  expect((await alter('', [{ name: 'log.retention.ms', configOperation: DELETE, value: null }])).errorCode).toBe(ErrorCode.NONE);
  expect(logOf('dyn-plain')?.retentionMs).toBe(100 * 3_600_000);
  expect(await describeBroker('')).toEqual([]);
});

test('other dynamic keys reach what uses them: segment size, message size, the cleaner, list APPEND', async () => {
  await createTopic('dyn-many');
  expect((await alter('', [
    { name: 'log.segment.bytes', configOperation: SET, value: '2097152' },
    { name: 'message.max.bytes', configOperation: SET, value: '4096' },
    { name: 'log.cleaner.backoff.ms', configOperation: SET, value: '1234' },
    { name: 'log.cleanup.policy', configOperation: APPEND, value: 'compact' },
  ])).errorCode).toBe(ErrorCode.NONE);
  expect(logOf('dyn-many')?.segmentBytes).toBe(2_097_152);
  expect(broker.context.replicaManager.getPartition('dyn-many', 0)?.topicConfig.maxMessageBytes).toBe(4096);
  expect(broker.context.logs.cleaner.settings.backoffMs).toBe(1234);
  expect(logOf('dyn-many')?.compactPolicy).toBe(true);
  expect(broker.context.metadata.image.brokerConfigs('').get('log.cleanup.policy')).toBe('delete,compact');
  // validateOnly stores nothing.
  expect((await alter('', [{ name: 'log.segment.bytes', configOperation: SET, value: '3145728' }], true)).errorCode).toBe(ErrorCode.NONE);
  expect(logOf('dyn-many')?.segmentBytes).toBe(2_097_152);
  // Legacy AlterConfigs replaces the whole set: raw for the cluster default, kafkajs for this broker.
  const legacy = await raw.request(
    Apis.AlterConfigs,
    2,
    requestBody(Apis.AlterConfigs, { resources: [{ resourceType: ConfigResourceType.BROKER, resourceName: '', configs: [{ name: 'log.segment.bytes', value: '1048576' }] }] }),
  );
  expect(legacy.responses[0]?.errorCode).toBe(ErrorCode.NONE);
  expect(Object.fromEntries(broker.context.metadata.image.brokerConfigs(''))).toEqual({ 'log.segment.bytes': '1048576' });
  expect(logOf('dyn-many')?.segmentBytes).toBe(1_048_576);
  expect(broker.context.logs.cleaner.settings.backoffMs).toBe(15_000);
  await admin.alterConfigs({ validateOnly: false, resources: [{ type: ConfigResourceTypes.BROKER, name: node, configEntries: [{ name: 'log.segment.bytes', value: '5242880' }] }] });
  expect(logOf('dyn-many')?.segmentBytes).toBe(5_242_880);
  await admin.alterConfigs({ validateOnly: false, resources: [{ type: ConfigResourceTypes.BROKER, name: node, configEntries: [] }] });
  await raw.request(Apis.AlterConfigs, 2, requestBody(Apis.AlterConfigs, { resources: [{ resourceType: ConfigResourceType.BROKER, resourceName: '', configs: [] }] }));
  expect(broker.context.metadata.image.brokerConfigs('').size).toBe(0);
  expect(logOf('dyn-many')?.segmentBytes).toBe(1024 * 1024 * 1024);
});

test('refusals, as Kafka words them (INVALID_REQUEST), except APPEND to a non-list (INVALID_CONFIG)', async () => {
  const refused = async (resource: string, ops: Op[]) => alter(resource, ops);
  expect(await refused(node, [{ name: 'num.partitions', configOperation: SET, value: '3' }])).toEqual({
    errorCode: ErrorCode.INVALID_REQUEST,
    errorMessage: 'Cannot update these configs dynamically: Set(num.partitions)',
  });
  expect(await refused(node, [{ name: 'listeners', configOperation: SET, value: 'PLAINTEXT://127.0.0.1:1' }])).toEqual({
    errorCode: ErrorCode.INVALID_REQUEST,
    errorMessage: 'Cannot update these configs dynamically (Weir applies them only at start): Set(listeners)',
  });
  expect((await refused('', [{ name: 'log.retention.ms', configOperation: SET, value: 'soon' }])).errorMessage).toBe(
    'Invalid value soon for configuration log.retention.ms: Not a number of type LONG',
  );
  expect(await refused('', [{ name: 'log.retention.ms', configOperation: SET, value: '0' }])).toEqual({
    errorCode: ErrorCode.INVALID_REQUEST,
    errorMessage: 'log.retention.ms must be unlimited (-1) or, greater than or equal to 1',
  });
  expect(await refused('', [{ name: 'log.retention.ms', configOperation: APPEND, value: '5' }])).toEqual({
    errorCode: ErrorCode.INVALID_CONFIG,
    errorMessage: 'Config value append is not allowed for config key: log.retention.ms',
  });
  expect((await refused('7', [{ name: 'log.retention.ms', configOperation: SET, value: '5' }])).errorMessage).toBe(`Unexpected broker id, expected ${node}, but received 7`);
  // Nothing was stored by any of them.
  expect(Object.fromEntries(broker.context.metadata.image.brokerConfigs(''))).toEqual({});
  expect(broker.context.metadata.image.brokerConfigs(Number(node)).size).toBe(0);
  // What DescribeConfigs says can change.
  const entries = await describeBroker(node, ['num.partitions', 'listeners', 'log.retention.ms', 'log.cleaner.threads']);
  expect(Object.fromEntries(entries.map((e) => [e.name, e.readOnly]))).toEqual({ 'log.cleaner.threads': false, listeners: true, 'log.retention.ms': false, 'num.partitions': true });
});
