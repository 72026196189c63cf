/**
 * A data dir written by the previous Weir (main at 4c43039, before the
 * metadata log: topics in weir-metadata.json, a reserved producer-id block
 * in producer-id-block; see fixtures/make-earlier-data-dir.mjs) opens with
 * everything a client relied on: the same cluster id, topic ids and configs,
 * every record at its offset, the committed transaction, the group's
 * committed offsets, the transactional id's producer, and no producer id
 * handed out twice. The topic metadata is migrated into the metadata log
 * once, with one log line; the next start finds nothing to migrate.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { Apis } from '../src/protocol/apis';
import { ErrorCode } from '../src/protocol/errors';
import { type BrokerProcess, startBrokerProcess, tempDir } from './support/broker-process';
import { fetchOnce, metadata, RawKafkaClient, readPartitionLog, requestBody } from './support/raw-kafka-client';

const FIXTURE = path.join(__dirname, 'fixtures', 'weir-data-4c43039');
const MIGRATION_LINE = 'migrated the topic metadata of weir-metadata.json into the metadata log';

interface LegacyImage {
  clusterId: string;
  topics: { name: string; topicId: string; partitions: number; configs: Record<string, string> }[];
}

const legacy = JSON.parse(fs.readFileSync(path.join(FIXTURE, 'weir-metadata.json'), 'utf8')) as LegacyImage;

let dataDir: string;
let broker: BrokerProcess | null = null;
let raw: RawKafkaClient | null = null;

beforeAll(() => {
  dataDir = tempDir('weir-earlier-');
  fs.cpSync(FIXTURE, dataDir, { recursive: true });
});

afterEach(async () => {
  raw?.close();
  raw = null;
  await broker?.stop();
  broker = null;
});

afterAll(() => fs.rmSync(dataDir, { recursive: true, force: true }));

async function start(): Promise<{ broker: BrokerProcess; raw: RawKafkaClient }> {
  broker = await startBrokerProcess({ dataDir });
  raw = await RawKafkaClient.connect(broker.host, broker.port);
  return { broker, raw };
}

function values(log: Awaited<ReturnType<typeof readPartitionLog>>): [bigint, string][] {
  return log.batches.filter((b) => !b.control).flatMap((b) => b.records.map((r): [bigint, string] => [r.offset, r.value?.toString() ?? '']));
}

/** What every start must find. */
async function expectEverythingKept(client: RawKafkaClient, bootstrap: string): Promise<void> {
  const meta = await metadata(client, null);
  expect(meta.clusterId).toBe(legacy.clusterId);
  for (const t of legacy.topics) {
    const topic = meta.topics.find((x) => x.name === t.name);
    expect(topic).toMatchObject({ errorCode: ErrorCode.NONE, topicId: t.topicId });
    expect(topic?.partitions.map((p) => [p.partitionIndex, p.leaderId, p.leaderEpoch, p.replicaNodes, p.isrNodes])).toEqual(
      Array.from({ length: t.partitions }, (_, i) => [i, 1, 0, [1], [1]]),
    );
  }

  expect(values(await readPartitionLog(client, 'orders', 0)).slice(0, 5)).toEqual([0, 1, 2, 3, 4].map((i) => [BigInt(i), `v${i}`]));
  expect(values(await readPartitionLog(client, 'orders', 1)).slice(0, 5)).toEqual([5, 6, 7, 8, 9].map((i, k) => [BigInt(k), `v${i}`]));
  expect(values(await readPartitionLog(client, 'compacted', 0)).map(([, v]) => v)).toEqual(expect.arrayContaining(['b1', 'a2']));
  const txn = await readPartitionLog(client, 'txn-out', 0);
  expect(values(txn).map(([, v]) => v)).toEqual(['committed-0', 'committed-1']);
  expect(txn.batches.at(-1)?.control).toBe(true); // the commit marker
  // read_committed sees the transaction as committed (the LSO is past it).
  const committed = await client.request(Apis.Fetch, 11, { ...(await fetchBodyReadCommitted('txn-out')) });
  expect(committed.responses[0]?.partitions[0]).toMatchObject({ errorCode: ErrorCode.NONE, lastStableOffset: txn.highWatermark, abortedTransactions: [] });

  // Leader epoch 0 since the first offset: OffsetForLeaderEpoch answers the log end.
  const ofle = await client.request(
    Apis.OffsetForLeaderEpoch,
    4,
    requestBody(Apis.OffsetForLeaderEpoch, { replicaId: -1, topics: [{ topic: 'orders', partitions: [{ partition: 0, currentLeaderEpoch: 0, leaderEpoch: 0 }] }] }),
  );
  expect(ofle.topics[0]?.partitions[0]).toMatchObject({ errorCode: ErrorCode.NONE, leaderEpoch: 0, endOffset: (await fetchOnce(client, 'orders', 0, 0n)).highWatermark });

  const kafka = new Kafka({ clientId: 'earlier-data-dir', brokers: [bootstrap], logLevel: logLevel.NOTHING, retry: { retries: 2 } });
  const admin = kafka.admin();
  await admin.connect();
  try {
    const configs = await admin.describeConfigs({ includeSynonyms: false, resources: [{ type: 2, name: 'compacted', configNames: ['cleanup.policy', 'retention.ms'] }] });
    const entries = Object.fromEntries(configs.resources[0]!.configEntries.map((e) => [e.configName, e.configValue]));
    expect(entries).toEqual({ 'cleanup.policy': 'compact', 'retention.ms': '3600000' });
    const offsets = await admin.fetchOffsets({ groupId: 'legacy-group', topics: ['orders'] });
    expect(offsets[0]?.partitions.sort((a, b) => a.partition - b.partition).map((p) => [p.partition, p.offset])).toEqual([
      [0, '3'],
      [1, '5'],
    ]);
  } finally {
    await admin.disconnect();
  }
}

function fetchBodyReadCommitted(topic: string) {
  return {
    ...requestBody(Apis.Fetch, {}),
    replicaId: -1,
    maxWaitMs: 0,
    minBytes: 0,
    maxBytes: 1 << 20,
    isolationLevel: 1,
    sessionEpoch: -1,
    topics: [{ topic, topicId: '00000000-0000-0000-0000-000000000000', partitions: [{ partition: 0, currentLeaderEpoch: -1, fetchOffset: 0n, lastFetchedEpoch: -1, logStartOffset: -1n, partitionMaxBytes: 1 << 20, replicaDirectoryId: '00000000-0000-0000-0000-000000000000' }] }],
  };
}

test('the first start migrates once; every topic, record, offset and producer is as the earlier Weir left it', async () => {
  const { broker: b, raw: client } = await start();
  expect(b.output().split('\n').filter((l) => l.includes(MIGRATION_LINE))).toHaveLength(1);
  expect(b.output()).toMatch(/"topics":5/);
  await expectEverythingKept(client, b.bootstrap);

  // The earlier files are gone; the metadata log holds their facts.
  expect(fs.existsSync(path.join(dataDir, 'weir-metadata.json'))).toBe(false);
  expect(fs.existsSync(path.join(dataDir, 'producer-id-block'))).toBe(false);
  expect(fs.readdirSync(path.join(dataDir, '__cluster_metadata-0')).some((f) => f.endsWith('.log'))).toBe(true);

  // Ids the earlier Weir may have handed out (below its reserved block end) are never handed out again.
  const idempotent = await client.request(Apis.InitProducerId, 4, requestBody(Apis.InitProducerId, { transactionalId: null, transactionTimeoutMs: -1 }));
  expect(idempotent.errorCode).toBe(ErrorCode.NONE);
  expect(idempotent.producerId).toBeGreaterThanOrEqual(1000n);
  // The transactional id is known: its producer keeps its id, with the epoch bumped.
  const known = await client.request(Apis.InitProducerId, 4, requestBody(Apis.InitProducerId, { transactionalId: 'legacy-tx', transactionTimeoutMs: 60_000 }));
  expect(known.errorCode).toBe(ErrorCode.NONE);
  expect(known.producerId).toBeLessThan(1000n);
  expect(known.producerEpoch).toBeGreaterThan(0);

  // Appends continue at the log end.
  const kafka = new Kafka({ clientId: 'earlier-data-dir-producer', brokers: [b.bootstrap], logLevel: logLevel.NOTHING });
  const producer = kafka.producer();
  await producer.connect();
  const [sent] = await producer.send({ topic: 'orders', acks: -1, messages: [{ value: 'after-migration', partition: 0 }] });
  await producer.disconnect();
  expect(sent?.baseOffset).toBe('5');
});

test('the next start has nothing to migrate and finds the same', async () => {
  const { broker: b, raw: client } = await start();
  expect(b.output()).not.toContain(MIGRATION_LINE);
  await expectEverythingKept(client, b.bootstrap);
  expect(values(await readPartitionLog(client, 'orders', 0)).at(-1)).toEqual([5n, 'after-migration']);
});
