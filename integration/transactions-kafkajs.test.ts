/**
 * Transactions with kafkajs (InitProducerId v1 with a transactional id,
 * FindCoordinator key type 1, AddPartitionsToTxn/AddOffsetsToTxn/EndTxn/
 * TxnOffsetCommit v0–1, Fetch v11 read_committed) against a broker process:
 * commits and aborts across partitions, what read_committed and
 * read_uncommitted consumers see, fencing of a producer by a newer one with
 * the same transactional id, a transaction left open past its timeout, and
 * sendOffsets in a transaction.
 */
import { Kafka, logLevel, type Consumer, type Producer } from 'kafkajs';
import { BrokerProcess, startBrokerProcess } from './support/broker-process';
import { waitFor } from './support/conditions';

jest.setTimeout(120_000);

const PARTITIONS = 3;
let broker: BrokerProcess;
let kafka: Kafka;
const cleanup: (() => Promise<void>)[] = [];

beforeAll(async () => {
  broker = await startBrokerProcess({
    config: {
      'transaction.abort.timed.out.transaction.cleanup.interval.ms': 500,
      'transaction.state.log.num.partitions': 4,
      'offsets.topic.num.partitions': 4,
      'group.initial.rebalance.delay.ms': 0,
    },
  });
  kafka = new Kafka({ clientId: 'txn-test', brokers: [broker.bootstrap], logLevel: logLevel.NOTHING, retry: { retries: 8, initialRetryTime: 100 } });
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({ topics: ['tx-out', 'tx-fence', 'tx-timeout', 'tx-in', 'tx-sink'].map((topic) => ({ topic, numPartitions: PARTITIONS })) });
  await admin.disconnect();
});

afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c().catch(() => undefined);
});

afterAll(async () => {
  await broker?.stop();
});

async function transactionalProducer(transactionalId: string, transactionTimeout = 60_000): Promise<Producer> {
  const producer = kafka.producer({ transactionalId, idempotent: true, maxInFlightRequests: 1, transactionTimeout });
  await producer.connect();
  cleanup.push(() => producer.disconnect());
  return producer;
}

/** Collects every value a consumer group reads from `topic`, from the beginning. */
async function collect(topic: string, readUncommitted: boolean): Promise<{ values: string[]; consumer: Consumer }> {
  const consumer = kafka.consumer({ groupId: `g-${topic}-${readUncommitted}-${Date.now()}`, readUncommitted, maxWaitTimeInMs: 200 });
  await consumer.connect();
  cleanup.push(() => consumer.disconnect());
  await consumer.subscribe({ topic, fromBeginning: true });
  const values: string[] = [];
  await consumer.run({ eachMessage: async ({ message }) => void values.push(message.value?.toString() ?? '') });
  return { values, consumer };
}

const messages = (prefix: string, n: number) => Array.from({ length: n }, (_, i) => ({ value: `${prefix}-${i}`, partition: i % PARTITIONS }));
const sentinels = (prefix: string) => Array.from({ length: PARTITIONS }, (_, partition) => ({ value: `${prefix}-end-${partition}`, partition }));
const allSentinels = (values: string[], prefix: string) => (Array.from({ length: PARTITIONS }, (_, p) => `${prefix}-end-${p}`).every((s) => values.includes(s)) ? true : undefined);

test('committed transactions are visible to read_committed, aborted ones only to read_uncommitted', async () => {
  const producer = await transactionalProducer('kjs-commit-abort');
  let txn = await producer.transaction();
  await txn.send({ topic: 'tx-out', messages: messages('c1', 9) });
  await txn.commit();
  txn = await producer.transaction();
  await txn.send({ topic: 'tx-out', messages: messages('a1', 9) });
  await txn.abort();
  txn = await producer.transaction();
  await txn.send({ topic: 'tx-out', messages: [...messages('c2', 6), ...sentinels('s')] });
  await txn.commit();

  const committed = await collect('tx-out', false);
  await waitFor('read_committed sentinels', () => allSentinels(committed.values, 's'));
  expect(committed.values.filter((v) => v.startsWith('a1'))).toEqual([]);
  expect(committed.values.filter((v) => v.startsWith('c')).sort()).toEqual([...messages('c1', 9), ...messages('c2', 6)].map((m) => m.value).sort());

  const everything = await collect('tx-out', true);
  await waitFor('read_uncommitted sentinels', () => allSentinels(everything.values, 's'));
  expect(everything.values.filter((v) => v.startsWith('a1')).sort()).toEqual(messages('a1', 9).map((m) => m.value).sort());

  // ListOffsets under read_committed answers the LSO, which is the end here (no open transaction).
  const admin = kafka.admin();
  await admin.connect();
  cleanup.push(() => admin.disconnect());
  const offsets = await admin.fetchTopicOffsets('tx-out');
  // 3 transactions × (data + a marker) per partition.
  expect(offsets.reduce((n, o) => n + Number(o.high), 0)).toBe(9 + 9 + 6 + PARTITIONS + 3 * PARTITIONS);
});

test('a second producer with the same transactional id fences the first', async () => {
  const older = await transactionalProducer('kjs-fence');
  const txn = await older.transaction();
  await txn.send({ topic: 'tx-fence', messages: messages('old', 3) });
  const newer = await transactionalProducer('kjs-fence');
  // kafkajs sends InitProducerId when the first transaction begins: that
  // aborts the older producer's open transaction and bumps the epoch.
  const t2 = await newer.transaction();
  await expect(txn.commit()).rejects.toThrow(/epoch|fenced/i);
  await t2.send({ topic: 'tx-fence', messages: [...messages('new', 3), ...sentinels('f')] });
  await t2.commit();
  const { values } = await collect('tx-fence', false);
  await waitFor('fence sentinels', () => allSentinels(values, 'f'));
  expect(values.filter((v) => v.startsWith('old'))).toEqual([]);
  expect(values.filter((v) => v.startsWith('new')).length).toBe(3);
});

test('a transaction left open past its timeout is aborted and never visible to read_committed', async () => {
  const stuck = await transactionalProducer('kjs-timeout', 2_000);
  const txn = await stuck.transaction();
  await txn.send({ topic: 'tx-timeout', messages: messages('stuck', 6) });
  const { values } = await collect('tx-timeout', false);
  // After the timeout the coordinator aborts it; a later transaction becomes readable.
  const later = await transactionalProducer('kjs-timeout-later');
  const t2 = await later.transaction();
  await t2.send({ topic: 'tx-timeout', messages: sentinels('t') });
  await t2.commit();
  await waitFor('timeout sentinels (the LSO moved past the aborted transaction)', () => allSentinels(values, 't'), 30_000);
  expect(values.filter((v) => v.startsWith('stuck'))).toEqual([]);
  await expect(txn.commit()).rejects.toThrow();
});

test('sendOffsets commits the group offsets with the transaction', async () => {
  const seed = kafka.producer();
  await seed.connect();
  cleanup.push(() => seed.disconnect());
  await seed.send({ topic: 'tx-in', messages: messages('in', 6) });
  const producer = await transactionalProducer('kjs-send-offsets');
  const groupId = 'kjs-eos-group';
  let txn = await producer.transaction();
  await txn.send({ topic: 'tx-sink', messages: [{ value: 'derived', partition: 0 }] });
  await txn.sendOffsets({ consumerGroupId: groupId, topics: [{ topic: 'tx-in', partitions: [{ partition: 0, offset: '2' }] }] });
  const admin = kafka.admin();
  await admin.connect();
  cleanup.push(() => admin.disconnect());
  // Pending: not committed yet.
  const before = await admin.fetchOffsets({ groupId, topics: ['tx-in'] });
  expect(before[0]?.partitions.find((p) => p.partition === 0)?.offset).toBe('-1');
  await txn.commit();
  const after = await admin.fetchOffsets({ groupId, topics: ['tx-in'] });
  expect(after[0]?.partitions.find((p) => p.partition === 0)?.offset).toBe('2');
  // An aborted sendOffsets leaves the committed offset alone.
  txn = await producer.transaction();
  await txn.send({ topic: 'tx-sink', messages: [{ value: 'dropped', partition: 0 }] });
  await txn.sendOffsets({ consumerGroupId: groupId, topics: [{ topic: 'tx-in', partitions: [{ partition: 0, offset: '5' }] }] });
  await txn.abort();
  const aborted = await admin.fetchOffsets({ groupId, topics: ['tx-in'] });
  expect(aborted[0]?.partitions.find((p) => p.partition === 0)?.offset).toBe('2');
});
