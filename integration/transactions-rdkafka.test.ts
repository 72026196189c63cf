/**
 * Transactions with librdkafka (node-rdkafka): InitProducerId, FindCoordinator
 * key type 1, AddPartitionsToTxn/AddOffsetsToTxn v0, EndTxn v1,
 * TxnOffsetCommit v3, Fetch read_committed (librdkafka's default, G11).
 * Commits and aborts across partitions; a read_committed librdkafka consumer
 * sees only committed records, a read_uncommitted one everything; ListOffsets
 * under read_committed stops at the open transaction's first offset.
 */
import * as Rdkafka from 'node-rdkafka';
import { BrokerProcess, startBrokerProcess } from './support/broker-process';
import { waitFor } from './support/conditions';

jest.setTimeout(120_000);

const PARTITIONS = 3;
const TOPIC = 'rdk-tx';
let broker: BrokerProcess;
const cleanup: (() => Promise<void>)[] = [];

beforeAll(async () => {
  broker = await startBrokerProcess({
    config: { 'transaction.state.log.num.partitions': 4, 'offsets.topic.num.partitions': 4, 'group.initial.rebalance.delay.ms': 0, 'num.partitions': PARTITIONS },
  });
});

afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c().catch(() => undefined);
});

afterAll(async () => {
  await broker?.stop();
});

function call(fn: (cb: (err: Rdkafka.LibrdKafkaError | null | undefined) => void) => void): Promise<void> {
  return new Promise((resolve, reject) => fn((err) => (err ? reject(err) : resolve())));
}

async function transactionalProducer(transactionalId: string): Promise<Rdkafka.Producer> {
  const producer = new Rdkafka.Producer({
    'bootstrap.servers': broker.bootstrap,
    'transactional.id': transactionalId,
    'dr_cb': false,
    'linger.ms': 5,
    'allow.auto.create.topics': true,
  });
  await call((cb) => producer.connect({}, (err) => cb(err as Rdkafka.LibrdKafkaError | null)));
  cleanup.push(() => call((cb) => producer.disconnect(() => cb(null))));
  producer.setPollInterval(50);
  await call((cb) => producer.initTransactions(30_000, cb));
  return producer;
}

async function consume(isolation: 'read_committed' | 'read_uncommitted'): Promise<string[]> {
  const values: string[] = [];
  const consumer = new Rdkafka.KafkaConsumer(
    { 'bootstrap.servers': broker.bootstrap, 'group.id': `rdk-${isolation}-${Date.now()}`, 'isolation.level': isolation, 'enable.auto.commit': false, 'fetch.wait.max.ms': 100 },
    { 'auto.offset.reset': 'earliest' },
  );
  await call((cb) => consumer.connect({}, (err) => cb(err as Rdkafka.LibrdKafkaError | null)));
  cleanup.push(() => call((cb) => consumer.disconnect(() => cb(null))));
  consumer.assign(Array.from({ length: PARTITIONS }, (_, partition) => ({ topic: TOPIC, partition, offset: 0 })));
  consumer.on('data', (m) => values.push(m.value?.toString() ?? ''));
  consumer.consume();
  return values;
}

const produceAll = (producer: Rdkafka.Producer, prefix: string, n: number) => {
  for (let i = 0; i < n; i++) producer.produce(TOPIC, i % PARTITIONS, Buffer.from(`${prefix}-${i}`));
};
const sentinelsSeen = (values: string[], prefix: string) =>
  Array.from({ length: PARTITIONS }, (_, p) => `${prefix}-${p}`).every((s) => values.includes(s)) ? true : undefined;

test('commit and abort across partitions; read_committed sees only committed records', async () => {
  const producer = await transactionalProducer('rdk-1');
  await call((cb) => producer.beginTransaction(cb));
  produceAll(producer, 'c1', 12);
  await call((cb) => producer.commitTransaction(30_000, cb));
  await call((cb) => producer.beginTransaction(cb));
  produceAll(producer, 'a1', 12);
  // Flushed first: librdkafka's abort purges what it has not sent yet.
  await call((cb) => producer.flush(10_000, cb));
  await call((cb) => producer.abortTransaction(30_000, cb));

  // An open transaction: read_committed ListOffsets (the LSO) stops before it.
  await call((cb) => producer.beginTransaction(cb));
  produceAll(producer, 'open', PARTITIONS);
  await call((cb) => producer.flush(10_000, cb));
  const probe = new Rdkafka.KafkaConsumer({ 'bootstrap.servers': broker.bootstrap, 'group.id': 'rdk-probe', 'isolation.level': 'read_committed' }, {});
  await call((cb) => probe.connect({}, (err) => cb(err as Rdkafka.LibrdKafkaError | null)));
  cleanup.push(() => call((cb) => probe.disconnect(() => cb(null))));
  const watermarks = await new Promise<{ highOffset: number }>((resolve, reject) =>
    probe.queryWatermarkOffsets(TOPIC, 0, 5_000, (err, w) => (err ? reject(err) : resolve(w))),
  );
  // Partition 0: 4 committed + marker, 4 aborted + marker, then the open transaction.
  expect(watermarks.highOffset).toBe(10);
  for (let p = 0; p < PARTITIONS; p++) producer.produce(TOPIC, p, Buffer.from(`s-${p}`));
  await call((cb) => producer.commitTransaction(30_000, cb));

  const committed = await consume('read_committed');
  await waitFor('read_committed sentinels', () => sentinelsSeen(committed, 's'));
  expect(committed.filter((v) => v.startsWith('a1'))).toEqual([]);
  expect(committed.filter((v) => v.startsWith('c1')).length).toBe(12);
  expect(committed.filter((v) => v.startsWith('open')).length).toBe(PARTITIONS);

  const everything = await consume('read_uncommitted');
  await waitFor('read_uncommitted sentinels', () => sentinelsSeen(everything, 's'));
  expect(everything.filter((v) => v.startsWith('a1')).length).toBe(12);
});

test('a newer producer with the same transactional.id fences the older one', async () => {
  const older = await transactionalProducer('rdk-fence');
  await call((cb) => older.beginTransaction(cb));
  older.produce(TOPIC, 0, Buffer.from('zombie'));
  await call((cb) => older.flush(10_000, cb));
  await transactionalProducer('rdk-fence');
  await expect(call((cb) => older.commitTransaction(10_000, cb))).rejects.toThrow(/fenc|epoch/i);
});
