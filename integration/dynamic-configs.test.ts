/**
 * A dynamic broker config on a running broker process: the cluster-wide
 * default log.retention.ms, set with IncrementalAlterConfigs, deletes old
 * segments without a restart, is reported as DYNAMIC_DEFAULT_BROKER_CONFIG,
 * and is still in force after the broker restarts on its data dir.
 */
import * as fs from 'node:fs';
import { BrokerProcess, startBrokerProcess } from './support/broker-process';
import { RawKafkaClient, listOffset, producePartition, requestBody } from './support/raw-kafka-client';
import { waitFor } from './support/roundtrip';
import { Apis } from '../src/protocol/apis';
import { ErrorCode } from '../src/protocol/errors';
import { ConfigResourceType, ConfigSource } from '../src/config';
import { encodeRecordBatch } from '../src/protocol/records';

const TOPIC = 'dynamic-retention';
const STATIC = { 'log.retention.check.interval.ms': 100, 'log.segment.delete.delay.ms': 0 };
let broker: BrokerProcess;

async function produceSome(c: RawKafkaClient, batches: number): Promise<void> {
  for (let i = 0; i < batches; i++) {
    const batch = encodeRecordBatch([{ value: Buffer.alloc(400, 0x61 + i), timestamp: BigInt(Date.now()) }]);
    expect((await producePartition(c, TOPIC, 0, batch)).errorCode).toBe(0);
  }
}

async function describeRetention(c: RawKafkaClient) {
  const res = await c.request(
    Apis.DescribeConfigs,
    4,
    requestBody(Apis.DescribeConfigs, { resources: [{ resourceType: ConfigResourceType.BROKER, resourceName: '', configurationKeys: null }] }),
  );
  return res.results[0]?.configs.map((e) => ({ name: e.name, value: e.value, source: e.configSource }));
}

afterAll(async () => {
  await broker?.stop();
  if (broker) fs.rmSync(broker.dataDir, { recursive: true, force: true });
});

test('the cluster default log.retention.ms applies at once and survives a restart', async () => {
  broker = await startBrokerProcess({ config: STATIC });
  let c = await RawKafkaClient.connect(broker.host, broker.port);
  const created = await c.request(
    Apis.CreateTopics,
    5,
    requestBody(Apis.CreateTopics, { topics: [{ name: TOPIC, numPartitions: 1, replicationFactor: 1, assignments: [], configs: [{ name: 'segment.bytes', value: '1024' }] }] }),
  );
  expect(created.topics[0]?.errorCode).toBe(0);
  await produceSome(c, 6);
  // A week of retention (the default): nothing goes.
  expect(await listOffset(c, TOPIC, 0, -2n)).toBe(0n);

  const res = await c.request(
    Apis.IncrementalAlterConfigs,
    1,
    requestBody(Apis.IncrementalAlterConfigs, { resources: [{ resourceType: ConfigResourceType.BROKER, resourceName: '', configs: [{ name: 'log.retention.ms', configOperation: 0, value: '1' }] }] }),
  );
  expect(res.responses[0]?.errorCode).toBe(ErrorCode.NONE);
  await waitFor('retention to delete the old segments', async () => (await listOffset(c, TOPIC, 0, -2n)) > 0n, 30_000);
  expect(await describeRetention(c)).toEqual([{ name: 'log.retention.ms', value: '1', source: ConfigSource.DYNAMIC_DEFAULT_BROKER_CONFIG }]);
  c.close();

  expect(await broker.stop()).toBe(0);
  broker = await startBrokerProcess({ dataDir: broker.dataDir, config: STATIC });
  c = await RawKafkaClient.connect(broker.host, broker.port);
  try {
    expect(await describeRetention(c)).toEqual([{ name: 'log.retention.ms', value: '1', source: ConfigSource.DYNAMIC_DEFAULT_BROKER_CONFIG }]);
    const start = await listOffset(c, TOPIC, 0, -2n);
    await produceSome(c, 6);
    await waitFor('retention, after the restart, to delete the new segments', async () => (await listOffset(c, TOPIC, 0, -2n)) > start + 3n, 30_000);
  } finally {
    c.close();
  }
}, 90_000);
