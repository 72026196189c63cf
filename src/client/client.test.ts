/**
 * The client against a real in-process Weir broker over TCP.
 */
import { RunningBroker, startBroker } from '../index';
import { Apis } from '../protocol/apis';
import { ErrorCode } from '../protocol/errors';
import { ClientApis } from './client-apis';
import { KafkaClient } from './client';
import { ResourceType, alterConfigs, describeConfigs } from './configs';
import { BrokerConnectionError, KafkaResponseError } from './errors';
import { fetch } from './fetch';
import { listOffsets } from './offsets';
import { produce } from './produce';
import { createTopics, deleteTopics, describeTopic, listTopics } from './topics';
import * as net from 'node:net';

let broker: RunningBroker;
let client: KafkaClient;

beforeAll(async () => {
  broker = await startBroker({ port: 0 });
  client = await KafkaClient.connect(broker.bootstrapServers);
});
afterAll(async () => {
  await client.close();
  await broker.close();
});

test('negotiates min(ours, theirs) per API', () => {
  expect(client.versions.pick(ClientApis.Produce)).toBe(Math.min(ClientApis.Produce.maxVersion, Apis.Produce.maxVersion));
  expect(client.versions.pick(ClientApis.Fetch)).toBe(12); // capped by the client
  expect(client.versions.pick(ClientApis.Metadata)).toBe(Apis.Metadata.maxVersion);
});

test('creates, lists, describes and deletes topics', async () => {
  await createTopics(client, [{ name: 'c-topics', partitions: 3, configs: { 'retention.ms': '3600000' } }]);
  expect((await listTopics(client)).map((t) => t.name)).toContain('c-topics');
  const t = await describeTopic(client, 'c-topics');
  expect(t.partitions.map((p) => p.partition)).toEqual([0, 1, 2]);
  expect(t.partitions[0]!.leaderId).toBeGreaterThanOrEqual(0);

  await expect(createTopics(client, [{ name: 'c-topics', partitions: 1 }])).rejects.toMatchObject({ errorCode: ErrorCode.TOPIC_ALREADY_EXISTS });
  await createTopics(client, [{ name: 'c-topics', partitions: 1 }], { ifNotExists: true });

  await deleteTopics(client, ['c-topics']);
  expect((await listTopics(client)).map((t) => t.name)).not.toContain('c-topics');
  await expect(describeTopic(client, 'c-topics')).rejects.toMatchObject({ errorName: 'UNKNOWN_TOPIC_OR_PARTITION' });
  await deleteTopics(client, ['c-topics'], { ifExists: true });
});

test('produces and fetches records with keys, headers and timestamps', async () => {
  await createTopics(client, [{ name: 'c-roundtrip', partitions: 2 }]);
  const produced = await produce(client, 'c-roundtrip', [
    { key: Buffer.from('k1'), value: Buffer.from('v1'), headers: [{ key: 'h', value: Buffer.from('x') }], partition: 1, timestamp: 1_000 },
    { key: null, value: Buffer.from('v2'), partition: 1, timestamp: 2_000 },
    { key: Buffer.from('k3'), value: null, partition: 0, timestamp: 3_000 },
  ]);
  expect(produced).toEqual([
    { partition: 0, baseOffset: 0n, count: 1 },
    { partition: 1, baseOffset: 0n, count: 2 },
  ]);
  const [p1] = await fetch(client, 'c-roundtrip', [{ partition: 1, offset: 0n }]);
  expect(p1!.highWatermark).toBe(2n);
  expect(p1!.nextOffset).toBe(2n);
  expect(p1!.records.map((r) => [r.offset, r.key?.toString() ?? null, r.value?.toString(), r.timestamp])).toEqual([
    [0n, 'k1', 'v1', 1000n],
    [1n, null, 'v2', 2000n],
  ]);
  expect(p1!.records[0]!.headers).toEqual([{ key: 'h', value: Buffer.from('x') }]);

  // From the middle of a batch: earlier records are dropped.
  const [mid] = await fetch(client, 'c-roundtrip', [{ partition: 1, offset: 1n }]);
  expect(mid!.records.map((r) => r.offset)).toEqual([1n]);

  const [p0] = await fetch(client, 'c-roundtrip', [{ partition: 0, offset: 0n }]);
  expect(p0!.records[0]!.value).toBeNull();
});

test('keyed records without a partition are spread by murmur2 consistently', async () => {
  await createTopics(client, [{ name: 'c-keys', partitions: 4 }]);
  const msgs = Array.from({ length: 20 }, (_, i) => ({ key: Buffer.from(`key-${i % 5}`), value: Buffer.from(String(i)) }));
  await produce(client, 'c-keys', msgs);
  const parts = await fetch(client, 'c-keys', [0, 1, 2, 3].map((partition) => ({ partition, offset: 0n })));
  const where = new Map<string, Set<number>>();
  for (const p of parts) for (const r of p.records) {
    const k = r.key!.toString();
    if (!where.has(k)) where.set(k, new Set());
    where.get(k)!.add(p.partition);
  }
  expect(where.size).toBe(5);
  for (const s of where.values()) expect(s.size).toBe(1);
});

test('lists earliest, latest and by-timestamp offsets', async () => {
  await createTopics(client, [{ name: 'c-offsets', partitions: 1 }]);
  await produce(client, 'c-offsets', [10, 20, 30].map((ts) => ({ value: Buffer.from('x'), timestamp: ts, partition: 0 })));
  expect(await listOffsets(client, 'c-offsets', 'earliest')).toEqual(new Map([[0, 0n]]));
  expect(await listOffsets(client, 'c-offsets', 'latest')).toEqual(new Map([[0, 3n]]));
  expect(await listOffsets(client, 'c-offsets', { timestamp: 15 })).toEqual(new Map([[0, 1n]]));
  // Past the last timestamp: the end of the log.
  expect(await listOffsets(client, 'c-offsets', { timestamp: 99 })).toEqual(new Map([[0, 3n]]));
});

test('describes and alters topic configs', async () => {
  await createTopics(client, [{ name: 'c-configs', partitions: 1 }]);
  await alterConfigs(client, ResourceType.TOPIC, 'c-configs', [{ name: 'retention.ms', value: '12345' }]);
  let entries = await describeConfigs(client, ResourceType.TOPIC, 'c-configs');
  const retention = entries.find((e) => e.name === 'retention.ms');
  expect(retention).toMatchObject({ value: '12345', source: 'dynamic-topic', isDefault: false });
  await alterConfigs(client, ResourceType.TOPIC, 'c-configs', [{ name: 'retention.ms', value: null }]);
  entries = await describeConfigs(client, ResourceType.TOPIC, 'c-configs', ['retention.ms']);
  expect(entries).toHaveLength(1);
  expect(entries[0]!.isDefault).toBe(true);
  await expect(alterConfigs(client, ResourceType.TOPIC, 'c-configs', [{ name: 'no.such.config', value: '1' }])).rejects.toBeInstanceOf(KafkaResponseError);
});

test('unknown topics and partitions are named in the error', async () => {
  await expect(produce(client, 'c-missing', [{ value: Buffer.from('x') }])).rejects.toThrow(/topic 'c-missing': UNKNOWN_TOPIC_OR_PARTITION/);
  await createTopics(client, [{ name: 'c-one', partitions: 1 }]);
  await expect(produce(client, 'c-one', [{ value: Buffer.from('x'), partition: 5 }])).rejects.toThrow(/partition 5 of 'c-one' \(it has 1\)/);
});

test('acks=0 produce needs no answer', async () => {
  await createTopics(client, [{ name: 'c-acks0', partitions: 1 }]);
  expect(await produce(client, 'c-acks0', [{ value: Buffer.from('x') }], { acks: 0 })).toEqual([]);
  // The next request on the same connection is answered normally.
  const [p] = await fetch(client, 'c-acks0', [{ partition: 0, offset: 0n }], { maxWaitMs: 1000 });
  expect(p!.records).toHaveLength(1);
});

test('an unreachable broker gives a sentence that says what to do', async () => {
  const port = await new Promise<number>((resolve) => {
    const s = net.createServer();
    s.listen(0, '127.0.0.1', () => {
      const p = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(p));
    });
  });
  const err = await KafkaClient.connect(`127.0.0.1:${port}`).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(BrokerConnectionError);
  expect((err as Error).message).toMatch(/cannot reach a broker at 127\.0\.0\.1:\d+ \(connection refused\)/);
});
