/**
 * The admin handlers through a real in-process broker over TCP: kafkajs's
 * admin client where it can send the request, the raw protocol client for
 * other versions and APIs kafkajs lacks. Data for DeleteRecords,
 * DescribeLogDirs, DescribeProducers and OffsetForLeaderEpoch is appended
 * straight to the partition logs, so these tests do not depend on Produce.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Admin, ConfigResourceTypes, Kafka, logLevel } from 'kafkajs';
import { Broker } from '../broker';
import { RawKafkaClient, requestBody } from '../../../integration/support/raw-kafka-client';
import { Apis } from '../../protocol/apis';
import { ErrorCode } from '../../protocol/errors';
import { ZERO_UUID } from '../../protocol/primitives/codec-support';
import { encodeRecordBatch } from '../../protocol/records';
import { ConfigResourceType, ConfigSource, DescribeConfigType } from '../../config';
import { AclOperation as Op } from '../../security/authorizer/acl';

/** Without an authorizer every cluster operation is authorized (KIP-430 bit positions). */
const CLUSTER_OPERATIONS_ALL = [Op.CREATE, Op.CLUSTER_ACTION, Op.DESCRIBE_CONFIGS, Op.ALTER_CONFIGS, Op.IDEMPOTENT_WRITE, Op.ALTER, Op.DESCRIBE].reduce(
  (bits, op) => bits | (1 << op),
  0,
);

let broker: Broker;
let admin: Admin;
let raw: RawKafkaClient;
let topicSeq = 0;

/** A fresh topic name per test, so tests do not see each other's topics. */
function topicName(prefix: string): string {
  topicSeq += 1;
  return `${prefix}-${topicSeq}`;
}

async function createTopic(name: string, numPartitions = 1, configs: Record<string, string> = {}): Promise<void> {
  const res = await raw.request(
    Apis.CreateTopics,
    7,
    requestBody(Apis.CreateTopics, {
      topics: [{ name, numPartitions, replicationFactor: -1, assignments: [], configs: Object.entries(configs).map(([n, value]) => ({ name: n, value })) }],
    }),
  );
  expect(res.topics[0]?.errorCode).toBe(ErrorCode.NONE);
}

/** The topic as the metadata image has it: id, partition count, config overrides. */
function topicInfo(name: string): { topicId: string; partitions: number; configs: Record<string, string> } | undefined {
  const image = broker.context.metadata.image;
  const t = image.topics.get(name);
  return t && { topicId: t.id, partitions: t.partitions.size, configs: image.topicConfigObject(name) };
}

/** Appends `batches` batches of `perBatch` records to the partition leader (not through Produce); idempotent when a producer id is given. */
function appendRecords(topic: string, partition: number, batches: number, perBatch: number, producer?: { id: bigint; epoch: number }): void {
  const p = broker.context.replicaManager.getPartition(topic, partition);
  if (!p) throw new Error(`no partition ${topic}-${partition}`);
  for (let i = 0; i < batches; i++) {
    const records = Array.from({ length: perBatch }, (_, k) => ({ value: Buffer.from(`v${i}-${k}`), timestamp: 1_700_000_000_000n + BigInt(k) }));
    const batch = encodeRecordBatch(
      records,
      producer ? { producerId: producer.id, producerEpoch: producer.epoch, baseSequence: i * perBatch } : {},
    );
    const r = p.appendAsLeader(batch, { origin: 'client', now: Date.now() });
    expect(r.errorCode).toBe(ErrorCode.NONE);
  }
}

beforeAll(async () => {
  broker = await Broker.start({ memory: true, port: 0, host: '127.0.0.1' });
  const kafka = new Kafka({ clientId: 'admin-handlers-test', brokers: [broker.bootstrapServers], logLevel: logLevel.NOTHING, retry: { retries: 0 } });
  admin = kafka.admin();
  await admin.connect();
  raw = await RawKafkaClient.connect(broker.host, broker.port);
});

afterAll(async () => {
  await admin?.disconnect();
  raw?.close();
  await broker?.close();
});

describe('CreateTopics', () => {
  test('kafkajs creates a topic with configs; metadata shows it; a second create reports it exists', async () => {
    const topic = topicName('ct-kafkajs');
    const created = await admin.createTopics({ topics: [{ topic, numPartitions: 3, configEntries: [{ name: 'retention.ms', value: '60000' }] }] });
    expect(created).toBe(true);
    const meta = await admin.fetchTopicMetadata({ topics: [topic] });
    expect(meta.topics[0]?.partitions).toHaveLength(3);
    expect(topicInfo(topic)?.configs).toEqual({ 'retention.ms': '60000' });
    expect(await admin.createTopics({ topics: [{ topic }] })).toBe(false);
  });

  test('every version encodes; v5+ returns partitions, replication factor and configs; v7 the topic id', async () => {
    for (let v = 0; v <= 7; v++) {
      const name = topicName(`ct-v${v}`);
      const res = await raw.request(
        Apis.CreateTopics,
        v,
        requestBody(Apis.CreateTopics, {
          topics: [{ name, numPartitions: 2, replicationFactor: 1, assignments: [], configs: [{ name: 'cleanup.policy', value: 'compact' }] }],
        }),
      );
      const r = res.topics[0]!;
      expect(r.errorCode).toBe(ErrorCode.NONE);
      expect(topicInfo(name)?.partitions).toBe(2);
      if (v >= 5) {
        expect(r.numPartitions).toBe(2);
        expect(r.replicationFactor).toBe(1);
        const policy = r.configs?.find((c) => c.name === 'cleanup.policy');
        expect(policy).toMatchObject({ value: 'compact', configSource: ConfigSource.DYNAMIC_TOPIC_CONFIG, readOnly: false });
        expect(r.configs?.find((c) => c.name === 'retention.ms')?.configSource).toBe(ConfigSource.DEFAULT_CONFIG);
      }
      if (v >= 7) expect(r.topicId).toBe(topicInfo(name)?.topicId);
    }
  });

  test('validateOnly creates nothing but answers as for a creation', async () => {
    const name = topicName('ct-validate');
    const res = await raw.request(
      Apis.CreateTopics,
      7,
      requestBody(Apis.CreateTopics, { validateOnly: true, topics: [{ name, numPartitions: 4, replicationFactor: -1, assignments: [], configs: [] }] }),
    );
    expect(res.topics[0]).toMatchObject({ errorCode: ErrorCode.NONE, numPartitions: 4, replicationFactor: 1, topicId: ZERO_UUID });
    expect(topicInfo(name)).toBeUndefined();
  });

  test('request-level errors: duplicates, collisions, null configs, bad settings', async () => {
    const dup = topicName('ct-dup');
    const existing = topicName('ct.coll');
    await createTopic(existing);
    const colliding = existing.replace('.', '_');
    const nullConfig = topicName('ct-null');
    const res = await raw.request(
      Apis.CreateTopics,
      7,
      requestBody(Apis.CreateTopics, {
        topics: [
          { name: dup, numPartitions: 1, replicationFactor: -1, assignments: [], configs: [] },
          { name: dup, numPartitions: 1, replicationFactor: -1, assignments: [], configs: [] },
          { name: colliding, numPartitions: 1, replicationFactor: -1, assignments: [], configs: [] },
          { name: nullConfig, numPartitions: 1, replicationFactor: -1, assignments: [], configs: [{ name: 'retention.ms', value: null }] },
          { name: topicName('ct-rf'), numPartitions: 1, replicationFactor: 3, assignments: [], configs: [] },
          { name: topicName('ct-bad-config'), numPartitions: 1, replicationFactor: -1, assignments: [], configs: [{ name: 'retention.ms', value: 'soon' }] },
          { name: '__cluster_metadata', numPartitions: 1, replicationFactor: -1, assignments: [], configs: [] },
          { name: 'bad/name', numPartitions: 1, replicationFactor: -1, assignments: [], configs: [] },
        ],
      }),
    );
    const byName = new Map(res.topics.map((t) => [t.name, t]));
    expect(res.topics.filter((t) => t.name === dup)).toHaveLength(1);
    expect(byName.get(dup)).toMatchObject({ errorCode: ErrorCode.INVALID_REQUEST, errorMessage: 'Duplicate topic name.', numPartitions: -1 });
    expect(topicInfo(dup)).toBeUndefined();
    expect(byName.get(colliding)?.errorCode).toBe(ErrorCode.INVALID_TOPIC_EXCEPTION);
    expect(byName.get(colliding)?.errorMessage).toContain('collides with existing topic');
    expect(byName.get(nullConfig)?.errorCode).toBe(ErrorCode.INVALID_CONFIG);
    expect(byName.get('__cluster_metadata')?.errorCode).toBe(ErrorCode.INVALID_REQUEST);
    expect(byName.get('bad/name')?.errorCode).toBe(ErrorCode.INVALID_TOPIC_EXCEPTION);
    const codes = res.topics.map((t) => t.errorCode);
    expect(codes).toContain(ErrorCode.INVALID_REPLICATION_FACTOR);
    expect(codes).toContain(ErrorCode.INVALID_CONFIG);
  });
});

describe('DeleteTopics', () => {
  test('kafkajs deletes by name', async () => {
    const topic = topicName('dt-kafkajs');
    await createTopic(topic, 2);
    await admin.deleteTopics({ topics: [topic] });
    expect(topicInfo(topic)).toBeUndefined();
    expect(broker.context.logs.getLog(topic, 0)).toBeUndefined();
  });

  test('v6 by id and by name; unknown ids and names; duplicates; name+id of one topic', async () => {
    const byId = topicName('dt-id');
    const byName = topicName('dt-name');
    const both = topicName('dt-both');
    for (const t of [byId, byName, both]) await createTopic(t);
    const idOf = (t: string) => topicInfo(t)!.topicId;
    const unknownId = '11111111-2222-3333-4444-555555555555';
    const bothId = idOf(both);
    const res = await raw.request(
      Apis.DeleteTopics,
      6,
      requestBody(Apis.DeleteTopics, {
        topics: [
          { name: null, topicId: idOf(byId) },
          { name: byName, topicId: ZERO_UUID },
          { name: null, topicId: unknownId },
          { name: 'dt-missing', topicId: ZERO_UUID },
          { name: 'dt-twice', topicId: ZERO_UUID },
          { name: 'dt-twice', topicId: ZERO_UUID },
          { name: null, topicId: ZERO_UUID },
          { name: both, topicId: ZERO_UUID },
          { name: null, topicId: bothId },
        ],
      }),
    );
    const find = (name: string | null, topicId: string) => res.responses.find((r) => r.name === name && r.topicId === topicId);
    expect(res.responses.find((r) => r.name === byId)?.errorCode).toBe(ErrorCode.NONE);
    expect(res.responses.find((r) => r.name === byName)).toMatchObject({ errorCode: ErrorCode.NONE });
    expect(find(null, unknownId)?.errorCode).toBe(ErrorCode.UNKNOWN_TOPIC_ID);
    expect(find('dt-missing', ZERO_UUID)?.errorCode).toBe(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
    expect(res.responses.filter((r) => r.name === 'dt-twice')).toEqual([
      expect.objectContaining({ errorCode: ErrorCode.INVALID_REQUEST, errorMessage: 'Duplicate topic name.' }),
    ]);
    expect(find(null, ZERO_UUID)?.errorCode).toBe(ErrorCode.INVALID_REQUEST);
    expect(find(both, bothId)?.errorCode).toBe(ErrorCode.INVALID_REQUEST);
    expect(topicInfo(byId)).toBeUndefined();
    expect(topicInfo(byName)).toBeUndefined();
    expect(topicInfo(both)).toBeDefined();
  });

  test('every version deletes by name', async () => {
    for (let v = 0; v <= 6; v++) {
      const name = topicName(`dt-v${v}`);
      await createTopic(name);
      const body =
        v >= 6
          ? requestBody(Apis.DeleteTopics, { topics: [{ name, topicId: ZERO_UUID }] })
          : requestBody(Apis.DeleteTopics, { topicNames: [name] });
      const res = await raw.request(Apis.DeleteTopics, v, body);
      expect(res.responses).toEqual([expect.objectContaining({ name, errorCode: ErrorCode.NONE })]);
      expect(topicInfo(name)).toBeUndefined();
    }
  });
});

describe('internal topics', () => {
  test('neither grown nor deleted: groups and transactional ids must keep their partitions', async () => {
    // FindCoordinator creates the internal topics on first use.
    for (const keyType of [0, 1]) {
      const found = await raw.request(Apis.FindCoordinator, 3, requestBody(Apis.FindCoordinator, { key: 'internal-topics', keyType }));
      expect(found.errorCode).toBe(ErrorCode.NONE);
    }
    for (const name of ['__consumer_offsets', '__transaction_state']) {
      const before = topicInfo(name)?.partitions;
      expect(before).toBeGreaterThan(0);
      for (const validateOnly of [true, false]) {
        const grown = await raw.request(Apis.CreatePartitions, 3, requestBody(Apis.CreatePartitions, { validateOnly, topics: [{ name, count: before! + 1, assignments: null }] }));
        expect(grown.results[0]).toMatchObject({
          errorCode: ErrorCode.INVALID_TOPIC_EXCEPTION,
          errorMessage: 'The number of partitions for the offsets topic or the transaction topic cannot be changed.',
        });
      }
      const deleted = await raw.request(Apis.DeleteTopics, 6, requestBody(Apis.DeleteTopics, { topics: [{ name, topicId: ZERO_UUID }], timeoutMs: 1000 }));
      expect(deleted.responses[0]).toMatchObject({ errorCode: ErrorCode.INVALID_TOPIC_EXCEPTION, errorMessage: `Cannot delete internal topic ${name}` });
      expect(topicInfo(name)?.partitions).toBe(before);
    }
  });
});

describe('CreatePartitions', () => {
  test('kafkajs grows a topic', async () => {
    const topic = topicName('cp-kafkajs');
    await createTopic(topic, 1);
    await admin.createPartitions({ topicPartitions: [{ topic, count: 3 }] });
    const meta = await admin.fetchTopicMetadata({ topics: [topic] });
    expect(meta.topics[0]?.partitions).toHaveLength(3);
    expect(broker.context.logs.getLog(topic, 2)).toBeDefined();
  });

  test('validateOnly, assignments, duplicates, unknown topics, every version', async () => {
    const topic = topicName('cp-raw');
    await createTopic(topic, 1);
    const nodeId = broker.context.nodeId;
    let res = await raw.request(
      Apis.CreatePartitions,
      3,
      requestBody(Apis.CreatePartitions, { validateOnly: true, topics: [{ name: topic, count: 5, assignments: null }] }),
    );
    expect(res.results).toEqual([expect.objectContaining({ name: topic, errorCode: ErrorCode.NONE })]);
    expect(topicInfo(topic)?.partitions).toBe(1);

    res = await raw.request(
      Apis.CreatePartitions,
      3,
      requestBody(Apis.CreatePartitions, {
        topics: [
          { name: topic, count: 2, assignments: [{ brokerIds: [nodeId] }] },
          { name: 'cp-missing', count: 2, assignments: null },
          { name: 'cp-dup', count: 2, assignments: null },
          { name: 'cp-dup', count: 2, assignments: null },
        ],
      }),
    );
    const byName = new Map(res.results.map((r) => [r.name, r]));
    expect(byName.get(topic)?.errorCode).toBe(ErrorCode.NONE);
    expect(byName.get('cp-missing')?.errorCode).toBe(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
    expect(byName.get('cp-dup')).toMatchObject({ errorCode: ErrorCode.INVALID_REQUEST, errorMessage: 'Duplicate topic name.' });
    expect(res.results).toHaveLength(3);
    expect(topicInfo(topic)?.partitions).toBe(2);

    for (let v = 0; v <= 3; v++) {
      res = await raw.request(
        Apis.CreatePartitions,
        v,
        requestBody(Apis.CreatePartitions, { topics: [{ name: topic, count: 3 + v, assignments: null }] }),
      );
      expect(res.results[0]?.errorCode).toBe(ErrorCode.NONE);
    }
    expect(topicInfo(topic)?.partitions).toBe(6);
  });
});

describe('DescribeConfigs', () => {
  test('kafkajs describes a topic: overrides and defaults, with synonyms', async () => {
    const topic = topicName('dc-kafkajs');
    await createTopic(topic, 1, { 'retention.ms': '60000' });
    const res = await admin.describeConfigs({
      includeSynonyms: true,
      resources: [{ type: ConfigResourceTypes.TOPIC, name: topic, configNames: ['retention.ms', 'cleanup.policy'] }],
    });
    const entries = res.resources[0]!.configEntries;
    expect(entries.map((e) => e.configName).sort()).toEqual(['cleanup.policy', 'retention.ms']);
    const retention = entries.find((e) => e.configName === 'retention.ms')!;
    expect(retention).toMatchObject({ configValue: '60000', configSource: ConfigSource.DYNAMIC_TOPIC_CONFIG, readOnly: false });
    expect(retention.configSynonyms[0]).toMatchObject({ configName: 'retention.ms', configValue: '60000' });
    expect(entries.find((e) => e.configName === 'cleanup.policy')).toMatchObject({ configValue: 'delete', configSource: ConfigSource.DEFAULT_CONFIG });
  });

  test('kafkajs describes this broker', async () => {
    const res = await admin.describeConfigs({
      includeSynonyms: false,
      resources: [{ type: ConfigResourceTypes.BROKER, name: String(broker.context.nodeId), configNames: ['num.partitions', 'log.retention.ms', 'broker.id'] }],
    });
    const entries = res.resources[0]!.configEntries;
    expect(entries.find((e) => e.configName === 'num.partitions')).toMatchObject({ configValue: '1', readOnly: true });
    expect(entries.find((e) => e.configName === 'log.retention.ms')?.readOnly).toBe(false);
    expect(entries.find((e) => e.configName === 'broker.id')?.readOnly).toBe(true);
  });

  test('version differences: isDefault (v0), source and synonyms (v1+), type (v3+)', async () => {
    const topic = topicName('dc-versions');
    await createTopic(topic, 1, { 'retention.ms': '60000' });
    for (let v = 0; v <= 4; v++) {
      const res = await raw.request(
        Apis.DescribeConfigs,
        v,
        requestBody(Apis.DescribeConfigs, {
          resources: [{ resourceType: ConfigResourceType.TOPIC, resourceName: topic, configurationKeys: ['retention.ms', 'segment.bytes'] }],
          ...(v >= 1 ? { includeSynonyms: true } : {}),
          ...(v >= 3 ? { includeDocumentation: true } : {}),
        }),
      );
      const result = res.results[0]!;
      expect(result.errorCode).toBe(ErrorCode.NONE);
      const retention = result.configs.find((c) => c.name === 'retention.ms')!;
      const segment = result.configs.find((c) => c.name === 'segment.bytes')!;
      expect(retention.value).toBe('60000');
      if (v === 0) {
        expect(retention.isDefault).toBe(false);
        expect(segment.isDefault).toBe(true);
      } else {
        expect(retention.configSource).toBe(ConfigSource.DYNAMIC_TOPIC_CONFIG);
        expect(segment.configSource).toBe(ConfigSource.DEFAULT_CONFIG);
        expect(retention.synonyms.map((s) => s.name)).toContain('log.retention.hours');
      }
      if (v >= 3) {
        expect(retention.configType).toBe(DescribeConfigType.LONG);
        expect(segment.configType).toBe(DescribeConfigType.INT);
      }
    }
  });

  test('errors: unknown topic, illegal name, broker ids, cluster default, loggers, client metrics', async () => {
    const nodeId = String(broker.context.nodeId);
    const res = await raw.request(
      Apis.DescribeConfigs,
      4,
      requestBody(Apis.DescribeConfigs, {
        resources: [
          { resourceType: ConfigResourceType.TOPIC, resourceName: 'dc-missing', configurationKeys: null },
          { resourceType: ConfigResourceType.TOPIC, resourceName: 'bad/name', configurationKeys: null },
          { resourceType: ConfigResourceType.BROKER, resourceName: '99', configurationKeys: null },
          { resourceType: ConfigResourceType.BROKER, resourceName: 'one', configurationKeys: null },
          { resourceType: ConfigResourceType.BROKER, resourceName: '', configurationKeys: null },
          { resourceType: ConfigResourceType.BROKER, resourceName: nodeId, configurationKeys: ['no.such.key'] },
          { resourceType: ConfigResourceType.BROKER_LOGGER, resourceName: nodeId, configurationKeys: null },
          { resourceType: ConfigResourceType.BROKER_LOGGER, resourceName: '', configurationKeys: null },
          { resourceType: ConfigResourceType.CLIENT_METRICS, resourceName: 'subscription', configurationKeys: null },
        ],
      }),
    );
    const [missing, illegal, otherBroker, notInt, clusterDefault, unknownKey, loggers, emptyLogger, metrics] = res.results;
    expect(missing).toMatchObject({ errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, errorMessage: null, configs: [] });
    expect(illegal?.errorCode).toBe(ErrorCode.INVALID_TOPIC_EXCEPTION);
    expect(otherBroker).toMatchObject({ errorCode: ErrorCode.INVALID_REQUEST, errorMessage: `Unexpected broker id, expected ${nodeId} or empty string, but received 99` });
    expect(notInt).toMatchObject({ errorCode: ErrorCode.INVALID_REQUEST, errorMessage: 'Broker id must be an integer, but it is: one' });
    expect(clusterDefault).toMatchObject({ errorCode: ErrorCode.NONE, configs: [] });
    expect(unknownKey).toMatchObject({ errorCode: ErrorCode.NONE, configs: [] });
    expect(loggers).toMatchObject({ errorCode: ErrorCode.NONE, configs: [] });
    expect(emptyLogger?.errorCode).toBe(ErrorCode.INVALID_REQUEST);
    expect(metrics).toMatchObject({ errorCode: ErrorCode.NONE, configs: [] });
  });

  test('an unknown resource type fails every resource of the request', async () => {
    const topic = topicName('dc-unknown-type');
    await createTopic(topic);
    const res = await raw.request(
      Apis.DescribeConfigs,
      4,
      requestBody(Apis.DescribeConfigs, {
        resources: [
          { resourceType: ConfigResourceType.TOPIC, resourceName: topic, configurationKeys: null },
          { resourceType: 77, resourceName: 'x', configurationKeys: null },
        ],
      }),
    );
    expect(res.results.map((r) => r.errorCode)).toEqual([ErrorCode.INVALID_REQUEST, ErrorCode.INVALID_REQUEST]);
  });
});

describe('AlterConfigs', () => {
  test('kafkajs replaces a topic\'s overrides; validateOnly changes nothing', async () => {
    const topic = topicName('ac-kafkajs');
    await createTopic(topic, 1, { 'retention.ms': '60000', 'segment.ms': '3600000' });
    await admin.alterConfigs({
      validateOnly: true,
      resources: [{ type: ConfigResourceTypes.TOPIC, name: topic, configEntries: [{ name: 'retention.ms', value: '1000' }] }],
    });
    expect(topicInfo(topic)?.configs).toEqual({ 'retention.ms': '60000', 'segment.ms': '3600000' });
    await admin.alterConfigs({
      validateOnly: false,
      resources: [{ type: ConfigResourceTypes.TOPIC, name: topic, configEntries: [{ name: 'retention.ms', value: '1000' }] }],
    });
    // Legacy AlterConfigs replaces the whole set: segment.ms is gone.
    expect(topicInfo(topic)?.configs).toEqual({ 'retention.ms': '1000' });
    expect(broker.context.replicaManager.getPartition(topic, 0)?.topicConfig.retentionMs).toBe(1000);
    expect(broker.context.logs.getLog(topic, 0)?.logConfig.retentionMs).toBe(1000);
  });

  test('errors per resource, every version', async () => {
    const topic = topicName('ac-errors');
    await createTopic(topic);
    const nodeId = String(broker.context.nodeId);
    for (let v = 0; v <= 2; v++) {
      const res = await raw.request(
        Apis.AlterConfigs,
        v,
        requestBody(Apis.AlterConfigs, {
          resources: [
            { resourceType: ConfigResourceType.TOPIC, resourceName: 'ac-missing', configs: [{ name: 'retention.ms', value: '1' }] },
            { resourceType: ConfigResourceType.TOPIC, resourceName: topic, configs: [{ name: 'retention.ms', value: 'never' }] },
            { resourceType: ConfigResourceType.TOPIC, resourceName: '', configs: [] },
            // num.partitions is not dynamic in Kafka (log.cleaner.threads, once used here, is).
            { resourceType: ConfigResourceType.BROKER, resourceName: nodeId, configs: [{ name: 'num.partitions', value: '2' }] },
            { resourceType: ConfigResourceType.BROKER, resourceName: '', configs: [] },
            { resourceType: ConfigResourceType.BROKER, resourceName: '7', configs: [] },
            { resourceType: ConfigResourceType.BROKER_LOGGER, resourceName: nodeId, configs: [] },
            { resourceType: ConfigResourceType.TOPIC, resourceName: 'ac-twice', configs: [] },
            { resourceType: ConfigResourceType.TOPIC, resourceName: 'ac-twice', configs: [] },
          ],
        }),
      );
      expect(res.responses.map((r) => r.errorCode)).toEqual([
        ErrorCode.UNKNOWN_TOPIC_OR_PARTITION,
        ErrorCode.INVALID_CONFIG,
        ErrorCode.INVALID_REQUEST,
        ErrorCode.INVALID_REQUEST,
        ErrorCode.NONE,
        ErrorCode.INVALID_REQUEST,
        ErrorCode.INVALID_REQUEST,
        ErrorCode.INVALID_REQUEST,
        ErrorCode.INVALID_REQUEST,
      ]);
      expect(res.responses[3]?.errorMessage).toBe('Cannot update these configs dynamically: Set(num.partitions)');
      expect(res.responses[7]?.errorMessage).toBe('Each resource must appear at most once.');
    }
  });
});

describe('IncrementalAlterConfigs', () => {
  test('SET, APPEND, SUBTRACT and DELETE on a topic; validateOnly; both versions', async () => {
    const topic = topicName('iac');
    await createTopic(topic, 1, { 'segment.ms': '3600000' });
    const alter = (v: number, configs: { name: string; configOperation: number; value: string | null }[], validateOnly = false) =>
      raw.request(
        Apis.IncrementalAlterConfigs,
        v,
        requestBody(Apis.IncrementalAlterConfigs, { validateOnly, resources: [{ resourceType: ConfigResourceType.TOPIC, resourceName: topic, configs }] }),
      );
    let res = await alter(0, [{ name: 'retention.ms', configOperation: 0, value: '5000' }]);
    expect(res.responses[0]).toMatchObject({ errorCode: ErrorCode.NONE, resourceName: topic, resourceType: ConfigResourceType.TOPIC });
    expect(topicInfo(topic)?.configs).toEqual({ 'segment.ms': '3600000', 'retention.ms': '5000' });

    res = await alter(1, [{ name: 'cleanup.policy', configOperation: 2, value: 'compact' }]);
    expect(res.responses[0]?.errorCode).toBe(ErrorCode.NONE);
    expect(topicInfo(topic)?.configs['cleanup.policy']).toBe('delete,compact');
    res = await alter(1, [{ name: 'cleanup.policy', configOperation: 3, value: 'delete' }]);
    expect(topicInfo(topic)?.configs['cleanup.policy']).toBe('compact');

    res = await alter(1, [{ name: 'segment.ms', configOperation: 1, value: null }], true);
    expect(res.responses[0]?.errorCode).toBe(ErrorCode.NONE);
    expect(topicInfo(topic)?.configs['segment.ms']).toBe('3600000');
    res = await alter(1, [{ name: 'segment.ms', configOperation: 1, value: null }]);
    expect(topicInfo(topic)?.configs['segment.ms']).toBeUndefined();

    res = await alter(1, [{ name: 'retention.ms', configOperation: 2, value: '1' }]);
    expect(res.responses[0]?.errorCode).toBe(ErrorCode.INVALID_CONFIG);
    res = await alter(1, [{ name: 'no.such.config', configOperation: 0, value: '1' }]);
    expect(res.responses[0]?.errorCode).toBe(ErrorCode.INVALID_CONFIG);
    res = await alter(1, [{ name: 'retention.ms', configOperation: 0, value: null }]);
    expect(res.responses[0]?.errorCode).toBe(ErrorCode.INVALID_REQUEST);
    res = await alter(1, [{ name: 'retention.ms', configOperation: 9, value: '1' }]);
    expect(res.responses[0]?.errorCode).toBe(ErrorCode.INVALID_REQUEST);
  });

  test('other resources: unknown topic, broker, broker loggers, unsupported types', async () => {
    const nodeId = String(broker.context.nodeId);
    const res = await raw.request(
      Apis.IncrementalAlterConfigs,
      1,
      requestBody(Apis.IncrementalAlterConfigs, {
        resources: [
          { resourceType: ConfigResourceType.TOPIC, resourceName: 'iac-missing', configs: [{ name: 'retention.ms', configOperation: 0, value: '1' }] },
          { resourceType: ConfigResourceType.BROKER, resourceName: nodeId, configs: [{ name: 'num.partitions', configOperation: 0, value: '2' }] },
          { resourceType: ConfigResourceType.BROKER, resourceName: '', configs: [{ name: 'log.cleaner.threads', configOperation: 1, value: null }] },
          { resourceType: ConfigResourceType.BROKER_LOGGER, resourceName: nodeId, configs: [{ name: 'kafka.server', configOperation: 0, value: 'DEBUG' }] },
          { resourceType: ConfigResourceType.BROKER_LOGGER, resourceName: '5', configs: [] },
          // GROUP configs (Kafka 3.9) Weir does not have; CLIENT_METRICS, once listed here, it now has.
          { resourceType: 32, resourceName: 'g', configs: [] },
        ],
      }),
    );
    expect(res.responses.map((r) => r.errorCode)).toEqual([
      ErrorCode.UNKNOWN_TOPIC_OR_PARTITION,
      ErrorCode.INVALID_REQUEST,
      ErrorCode.NONE,
      ErrorCode.INVALID_CONFIG,
      ErrorCode.INVALID_REQUEST,
      ErrorCode.INVALID_REQUEST,
    ]);
    expect(res.responses[0]?.errorMessage).toBe("The topic 'iac-missing' does not exist.");
  });
});

describe('DeleteRecords', () => {
  test('moves the low watermark; -1 means the high watermark; every version', async () => {
    const topic = topicName('dr');
    await createTopic(topic, 2);
    appendRecords(topic, 0, 5, 2); // offsets 0..9
    const log = broker.context.logs.getLog(topic, 0)!;
    for (let v = 0; v <= 2; v++) {
      const res = await raw.request(
        Apis.DeleteRecords,
        v,
        requestBody(Apis.DeleteRecords, { topics: [{ name: topic, partitions: [{ partitionIndex: 0, offset: BigInt(2 + v) }] }] }),
      );
      expect(res.topics[0]?.partitions[0]).toMatchObject({ partitionIndex: 0, errorCode: ErrorCode.NONE, lowWatermark: BigInt(2 + v) });
    }
    expect(log.logStartOffset).toBe(4);

    const res = await raw.request(
      Apis.DeleteRecords,
      2,
      requestBody(Apis.DeleteRecords, {
        topics: [
          {
            name: topic,
            partitions: [
              { partitionIndex: 0, offset: 11n },
              { partitionIndex: 0, offset: -2n },
              { partitionIndex: 1, offset: -1n },
              { partitionIndex: 7, offset: 0n },
            ],
          },
          { name: 'dr-missing', partitions: [{ partitionIndex: 0, offset: 0n }] },
        ],
      }),
    );
    expect(res.topics[0]?.partitions).toEqual([
      expect.objectContaining({ partitionIndex: 0, errorCode: ErrorCode.OFFSET_OUT_OF_RANGE, lowWatermark: -1n }),
      expect.objectContaining({ partitionIndex: 0, errorCode: ErrorCode.OFFSET_OUT_OF_RANGE, lowWatermark: -1n }),
      expect.objectContaining({ partitionIndex: 1, errorCode: ErrorCode.NONE, lowWatermark: 0n }),
      expect.objectContaining({ partitionIndex: 7, errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, lowWatermark: -1n }),
    ]);
    expect(res.topics[1]?.partitions[0]?.errorCode).toBe(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);

    const all = await raw.request(
      Apis.DeleteRecords,
      1,
      requestBody(Apis.DeleteRecords, { topics: [{ name: topic, partitions: [{ partitionIndex: 0, offset: -1n }] }] }),
    );
    expect(all.topics[0]?.partitions[0]).toMatchObject({ errorCode: ErrorCode.NONE, lowWatermark: 10n });
  });

  test('a compacted topic refuses with POLICY_VIOLATION', async () => {
    const topic = topicName('dr-compact');
    await createTopic(topic, 1, { 'cleanup.policy': 'compact' });
    const res = await raw.request(
      Apis.DeleteRecords,
      2,
      requestBody(Apis.DeleteRecords, { topics: [{ name: topic, partitions: [{ partitionIndex: 0, offset: 0n }] }] }),
    );
    expect(res.topics[0]?.partitions[0]?.errorCode).toBe(ErrorCode.POLICY_VIOLATION);
  });
});

describe('DescribeLogDirs', () => {
  test('one memory log dir; sizes; filters; every version', async () => {
    const topic = topicName('dld');
    await createTopic(topic, 2);
    appendRecords(topic, 1, 3, 4);
    const size = broker.context.logs.getLog(topic, 1)!.size;
    expect(size).toBeGreaterThan(0);
    for (let v = 0; v <= 4; v++) {
      const res = await raw.request(
        Apis.DescribeLogDirs,
        v,
        requestBody(Apis.DescribeLogDirs, { topics: [{ topic, partitions: [1, 9] }, { topic: 'dld-missing', partitions: [0] }] }),
      );
      expect(res.results).toHaveLength(1);
      const dir = res.results[0]!;
      expect(dir.errorCode).toBe(ErrorCode.NONE);
      expect(dir.logDir).toBe(broker.context.logs.dir.path);
      expect(dir.topics).toEqual([
        expect.objectContaining({ name: topic, partitions: [expect.objectContaining({ partitionIndex: 1, partitionSize: BigInt(size), offsetLag: 0n, isFutureKey: false })] }),
      ]);
      expect(dir.totalBytes).toBe(-1n);
    }
    const all = await raw.request(Apis.DescribeLogDirs, 4, requestBody(Apis.DescribeLogDirs, { topics: null }));
    expect(all.results[0]?.topics.find((t) => t.name === topic)?.partitions.map((p) => p.partitionIndex)).toEqual([0, 1]);
  });

  test('a disk broker reports its data dir and the file system\'s space (v4)', async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'weir-dld-'));
    const disk = await Broker.start({ dataDir, port: 0, host: '127.0.0.1' });
    const client = await RawKafkaClient.connect(disk.host, disk.port);
    try {
      const res = await client.request(Apis.DescribeLogDirs, 4, requestBody(Apis.DescribeLogDirs, { topics: null }));
      const dir = res.results[0]!;
      expect(dir.logDir).toBe(path.resolve(dataDir));
      if (typeof fs.statfsSync === 'function') {
        expect(dir.totalBytes).toBeGreaterThan(0n);
        expect(dir.usableBytes).toBeGreaterThanOrEqual(0n);
        expect(dir.usableBytes).toBeLessThanOrEqual(dir.totalBytes);
      }
    } finally {
      client.close();
      await disk.close();
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  });
});

describe('DescribeProducers', () => {
  test('lists the idempotent producers a partition knows', async () => {
    const topic = topicName('dp');
    await createTopic(topic, 2);
    appendRecords(topic, 0, 2, 3, { id: 4242n, epoch: 1 });
    appendRecords(topic, 0, 1, 1); // not idempotent: not a producer entry
    const res = await raw.request(
      Apis.DescribeProducers,
      0,
      requestBody(Apis.DescribeProducers, {
        topics: [
          { name: topic, partitionIndexes: [0, 1, 5] },
          { name: 'dp-missing', partitionIndexes: [0] },
          { name: 'bad/name', partitionIndexes: [0] },
        ],
      }),
    );
    const [p0, p1, p5] = res.topics[0]!.partitions;
    expect(p0).toMatchObject({ partitionIndex: 0, errorCode: ErrorCode.NONE });
    expect(p0?.activeProducers).toEqual([
      expect.objectContaining({ producerId: 4242n, producerEpoch: 1, lastSequence: 5, lastTimestamp: 1_700_000_000_002n, coordinatorEpoch: -1, currentTxnStartOffset: -1n }),
    ]);
    expect(p1).toMatchObject({ partitionIndex: 1, errorCode: ErrorCode.NONE, activeProducers: [] });
    expect(p5?.errorCode).toBe(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
    expect(res.topics[1]?.partitions[0]?.errorCode).toBe(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
    expect(res.topics[2]?.partitions[0]?.errorCode).toBe(ErrorCode.INVALID_TOPIC_EXCEPTION);
  });
});

describe('DescribeCluster', () => {
  test('this broker, its cluster id; authorized operations on request; both versions', async () => {
    for (let v = 0; v <= 1; v++) {
      const res = await raw.request(Apis.DescribeCluster, v, requestBody(Apis.DescribeCluster, { includeClusterAuthorizedOperations: v === 1 }));
      expect(res).toMatchObject({
        errorCode: ErrorCode.NONE,
        clusterId: broker.context.clusterId,
        controllerId: broker.context.nodeId,
        brokers: [{ brokerId: broker.context.nodeId, host: '127.0.0.1', port: broker.port, rack: null }],
        clusterAuthorizedOperations: v === 1 ? CLUSTER_OPERATIONS_ALL : -2147483648,
      });
    }
  });

  test('a controller endpoint type is mismatched; unknown types unsupported', async () => {
    const controller = await raw.request(Apis.DescribeCluster, 1, requestBody(Apis.DescribeCluster, { endpointType: 2 }));
    expect(controller).toMatchObject({ errorCode: ErrorCode.MISMATCHED_ENDPOINT_TYPE, brokers: [] });
    const unknown = await raw.request(Apis.DescribeCluster, 1, requestBody(Apis.DescribeCluster, { endpointType: 9 }));
    expect(unknown.errorCode).toBe(ErrorCode.UNSUPPORTED_ENDPOINT_TYPE);
  });

  test('kafkajs describeCluster sees the same broker', async () => {
    const cluster = await admin.describeCluster();
    expect(cluster.clusterId).toBe(broker.context.clusterId);
    expect(cluster.brokers).toEqual([expect.objectContaining({ nodeId: broker.context.nodeId, port: broker.port })]);
  });
});

describe('OffsetForLeaderEpoch', () => {
  test('the current epoch ends at the log end; other epochs and fencing as Kafka answers', async () => {
    const topic = topicName('ofle');
    await createTopic(topic, 1);
    appendRecords(topic, 0, 4, 2); // offsets 0..7
    const log = broker.context.logs.getLog(topic, 0)!;
    log.deleteRecordsBefore(3);
    const epoch = broker.context.replicaManager.getPartition(topic, 0)!.leaderEpoch;
    const ask = (v: number, partitions: { partition: number; currentLeaderEpoch: number; leaderEpoch: number }[], name = topic) =>
      raw.request(Apis.OffsetForLeaderEpoch, v, requestBody(Apis.OffsetForLeaderEpoch, { topics: [{ topic: name, partitions }] }));

    for (let v = 0; v <= 4; v++) {
      const res = await ask(v, [{ partition: 0, currentLeaderEpoch: -1, leaderEpoch: epoch }]);
      expect(res.topics[0]?.partitions[0]).toMatchObject({ errorCode: ErrorCode.NONE, partition: 0, endOffset: 8n, leaderEpoch: v >= 1 ? epoch : -1 });
    }
    const res = await ask(4, [
      { partition: 0, currentLeaderEpoch: epoch, leaderEpoch: epoch },
      { partition: 0, currentLeaderEpoch: epoch + 1, leaderEpoch: epoch },
      { partition: 0, currentLeaderEpoch: epoch - 2, leaderEpoch: epoch },
      { partition: 0, currentLeaderEpoch: -1, leaderEpoch: -1 },
      { partition: 0, currentLeaderEpoch: -1, leaderEpoch: epoch + 3 },
      { partition: 0, currentLeaderEpoch: -1, leaderEpoch: epoch - 3 },
      { partition: 4, currentLeaderEpoch: -1, leaderEpoch: epoch },
    ]);
    expect(res.topics[0]?.partitions.map((p) => [p.errorCode, p.leaderEpoch, p.endOffset])).toEqual([
      [ErrorCode.NONE, epoch, 8n],
      [ErrorCode.UNKNOWN_LEADER_EPOCH, -1, -1n],
      [ErrorCode.FENCED_LEADER_EPOCH, -1, -1n],
      [ErrorCode.NONE, -1, -1n],
      [ErrorCode.NONE, -1, -1n],
      [ErrorCode.NONE, epoch - 3, 3n],
      [ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, -1, -1n],
    ]);
    const missing = await ask(2, [{ partition: 0, currentLeaderEpoch: -1, leaderEpoch: 0 }], 'ofle-missing');
    expect(missing.topics[0]?.partitions[0]?.errorCode).toBe(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
  });
});

describe('InitProducerId', () => {
  test('idempotent producers get fresh ids with epoch 0, every version', async () => {
    const ids = new Set<bigint>();
    for (let v = 0; v <= 5; v++) {
      const res = await raw.request(Apis.InitProducerId, v, requestBody(Apis.InitProducerId, { transactionalId: null, transactionTimeoutMs: 60000 }));
      expect(res).toMatchObject({ errorCode: ErrorCode.NONE, producerEpoch: 0 });
      expect(res.producerId).toBeGreaterThanOrEqual(0n);
      ids.add(res.producerId);
    }
    expect(ids.size).toBe(6);
  });

  test('a recovering idempotent producer (KIP-360) gets a new id; half-given ids are invalid', async () => {
    const first = await raw.request(Apis.InitProducerId, 4, requestBody(Apis.InitProducerId, { transactionalId: null }));
    const again = await raw.request(
      Apis.InitProducerId,
      4,
      requestBody(Apis.InitProducerId, { transactionalId: null, producerId: first.producerId, producerEpoch: first.producerEpoch }),
    );
    expect(again.errorCode).toBe(ErrorCode.NONE);
    expect(again.producerId).not.toBe(first.producerId);
    expect(again.producerEpoch).toBe(0);
    const half = await raw.request(Apis.InitProducerId, 3, requestBody(Apis.InitProducerId, { transactionalId: null, producerId: 5n, producerEpoch: -1 }));
    expect(half).toMatchObject({ errorCode: ErrorCode.INVALID_REQUEST, producerId: -1n, producerEpoch: -1 });
  });

  test('transactional ids: the coordinator bumps the epoch on re-init, after Kafka\'s checks', async () => {
    const send = (transactionalId: string, transactionTimeoutMs: number) =>
      raw.request(Apis.InitProducerId, 5, requestBody(Apis.InitProducerId, { transactionalId, transactionTimeoutMs }));
    const first = await send('tx-1', 60000);
    expect(first.errorCode).toBe(ErrorCode.NONE);
    expect(first.producerEpoch).toBe(0);
    const second = await send('tx-1', 60000);
    expect(second).toMatchObject({ errorCode: ErrorCode.NONE, producerId: first.producerId, producerEpoch: 1 });
    expect((await send('', 60000)).errorCode).toBe(ErrorCode.INVALID_REQUEST);
    expect((await send('tx-1', 0)).errorCode).toBe(ErrorCode.INVALID_TRANSACTION_TIMEOUT);
    expect((await send('tx-1', 900_001)).errorCode).toBe(ErrorCode.INVALID_TRANSACTION_TIMEOUT);
  });
});

describe('ElectLeaders, AlterPartitionReassignments, ListPartitionReassignments on one node', () => {
  test('every version of ElectLeaders: the only replica already leads (ELECTION_NOT_NEEDED); unknown partitions and election types as Kafka answers', async () => {
    const topic = topicName('elect');
    await createTopic(topic, 2);
    for (const v of [0, 1, 2]) {
      const res = await raw.request(Apis.ElectLeaders, v, requestBody(Apis.ElectLeaders, { electionType: 0, topicPartitions: [{ topic, partitions: [0, 1, 5] }], timeoutMs: 1000 }));
      expect(res.replicaElectionResults).toEqual([
        {
          topic,
          partitionResult: [
            { partitionId: 0, errorCode: ErrorCode.ELECTION_NOT_NEEDED, errorMessage: null },
            { partitionId: 1, errorCode: ErrorCode.ELECTION_NOT_NEEDED, errorMessage: null },
            { partitionId: 5, errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, errorMessage: `No such partition as ${topic}-5` },
          ],
        },
      ]);
    }
    // Every partition: none needed an election, so none is listed.
    const all = await raw.request(Apis.ElectLeaders, 2, requestBody(Apis.ElectLeaders, { electionType: 1, topicPartitions: null, timeoutMs: 1000 }));
    expect(all.errorCode).toBe(ErrorCode.NONE);
    expect(all.replicaElectionResults.every((t) => t.partitionResult.length === 0)).toBe(true);
    const bad = await raw.request(Apis.ElectLeaders, 2, requestBody(Apis.ElectLeaders, { electionType: 7, topicPartitions: [{ topic, partitions: [0] }], timeoutMs: 1000 }));
    expect(bad).toMatchObject({ errorCode: ErrorCode.INVALID_REQUEST, replicaElectionResults: [{ topic, partitionResult: [{ partitionId: 0, errorCode: ErrorCode.INVALID_REQUEST }] }] });
  });

  test('a reassignment to this broker only changes nothing; to an unknown broker INVALID_REPLICA_ASSIGNMENT; nothing is listed', async () => {
    const topic = topicName('reassign');
    await createTopic(topic, 1);
    const alter = (replicas: number[] | null) =>
      raw.request(Apis.AlterPartitionReassignments, 0, requestBody(Apis.AlterPartitionReassignments, { timeoutMs: 1000, topics: [{ name: topic, partitions: [{ partitionIndex: 0, replicas }] }] }));
    expect((await alter([broker.context.nodeId])).responses).toEqual([{ name: topic, partitions: [{ partitionIndex: 0, errorCode: ErrorCode.NONE, errorMessage: null }] }]);
    expect((await alter([broker.context.nodeId + 1])).responses[0]!.partitions[0]).toMatchObject({ errorCode: ErrorCode.INVALID_REPLICA_ASSIGNMENT });
    expect((await alter(null)).responses[0]!.partitions[0]).toMatchObject({ errorCode: ErrorCode.NO_REASSIGNMENT_IN_PROGRESS });
    const list = await raw.request(Apis.ListPartitionReassignments, 0, requestBody(Apis.ListPartitionReassignments, { timeoutMs: 1000, topics: null }));
    expect(list).toMatchObject({ errorCode: ErrorCode.NONE, topics: [] });
  });
});
