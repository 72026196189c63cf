/**
 * Exactly-once under crashes, with kafkajs.
 *
 * 1. Consume-transform-produce: a child process reads `eos-in`, writes one
 *    output per input and commits its input offsets with sendOffsets in the
 *    same transaction. It is SIGKILLed while it has a transaction open, then
 *    restarted with the same transactional id (which aborts the zombie's
 *    transaction): the output topic, read read_committed, holds every input
 *    exactly once.
 * 2. The broker is SIGKILLed during a burst of transactions (10 records over
 *    2 partitions each) and restarted on the same data: every transaction is
 *    all-or-nothing to read_committed, every acknowledged commit is there,
 *    and the partitions' last stable offset reaches their end (prepared
 *    transactions are completed, the open one is aborted on its timeout).
 */
import { Kafka, logLevel } from 'kafkajs';
import { BrokerProcess, startBrokerProcess, tempDir } from './support/broker-process';
import { waitFor } from './support/conditions';
import { SupervisedProcessor } from './support/eos-processor';

jest.setTimeout(180_000);

const BROKER_CONFIG = {
  'transaction.abort.timed.out.transaction.cleanup.interval.ms': 500,
  'transaction.state.log.num.partitions': 4,
  'offsets.topic.num.partitions': 4,
  'group.initial.rebalance.delay.ms': 0,
};

/** Every value in `topic` a read_committed reader sees, once the group offsets show it read up to the end. */
async function readCommitted(kafka: Kafka, topic: string, expectAtLeast: number): Promise<string[]> {
  const consumer = kafka.consumer({ groupId: `reader-${topic}-${Date.now()}`, maxWaitTimeInMs: 100 });
  await consumer.connect();
  const values: string[] = [];
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({ eachMessage: async ({ message }) => void values.push(message.value?.toString() ?? '') });
    await waitFor(`${expectAtLeast} committed values in ${topic}`, () => (values.length >= expectAtLeast ? true : undefined), 60_000);
  } finally {
    await consumer.disconnect();
  }
  return values;
}

test('consume-transform-produce: a processor killed mid-transaction and restarted writes every input exactly once', async () => {
  const broker = await startBrokerProcess({ config: BROKER_CONFIG });
  const kafka = new Kafka({ clientId: 'eos-test', brokers: [broker.bootstrap], logLevel: logLevel.NOTHING });
  let processor: SupervisedProcessor | null = null;
  try {
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic: 'eos-in', numPartitions: 3 }, { topic: 'eos-out', numPartitions: 3 }] });
    const seed = kafka.producer();
    await seed.connect();
    const N = 600;
    for (let i = 0; i < N; i += 100) {
      await seed.send({ topic: 'eos-in', messages: Array.from({ length: 100 }, (_, j) => ({ key: String(i + j), value: String(i + j) })) });
    }
    await seed.disconnect();

    // The shared kafkajs processor (support/eos-processor.ts): one transaction per batch, its offsets sent in it.
    processor = new SupervisedProcessor({ client: 'kafkajs', bootstrap: broker.bootstrap, input: 'eos-in', output: 'eos-out', groupId: 'eos-group', transactionalId: 'eos-processor' });
    // Kill it right after it wrote a transaction's records, before that transaction commits;
    // the next one takes the transactional id over (aborting the zombie's transaction) and resumes.
    await processor.nth('SENT', 4, 60_000);
    await processor.killRunning();

    await waitFor(
      'the group offsets to reach the end of the input',
      async () => {
        const offsets = await admin.fetchOffsets({ groupId: 'eos-group', topics: ['eos-in'] });
        const done = offsets[0]?.partitions.reduce((n, p) => n + Math.max(0, Number(p.offset)), 0) ?? 0;
        return done === N ? true : undefined;
      },
      90_000,
      200,
    );
    await admin.disconnect();
    const values = await readCommitted(kafka, 'eos-out', N);
    const distinct = new Set(values);
    expect(distinct.size).toBe(N);
    expect(values.length).toBe(N);
  } finally {
    await processor?.stop();
    await broker.stop();
  }
});

test('a broker killed during a burst of transactions: each is all-or-nothing, acknowledged ones survive, none hangs', async () => {
  const dataDir = tempDir();
  let broker = await startBrokerProcess({ dataDir, config: BROKER_CONFIG });
  const port = broker.port;
  const kafka = new Kafka({ clientId: 'burst', brokers: [broker.bootstrap], logLevel: logLevel.NOTHING, retry: { retries: 2, initialRetryTime: 100 } });
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic: 'burst', numPartitions: 2 }] });
  await admin.disconnect();

  const producer = kafka.producer({ transactionalId: 'burst-producer', idempotent: true, maxInFlightRequests: 1, transactionTimeout: 3_000 });
  await producer.connect();
  const acknowledged: number[] = [];
  let stop = false;
  const burst = (async () => {
    for (let t = 0; !stop; t++) {
      const txn = await producer.transaction();
      await txn.send({ topic: 'burst', messages: Array.from({ length: 10 }, (_, i) => ({ value: `${t}:${i}`, partition: i % 2 })) });
      await txn.commit();
      acknowledged.push(t);
    }
  })().catch(() => undefined);
  await waitFor('some committed transactions', () => (acknowledged.length >= 30 ? true : undefined), 60_000, 1);
  await broker.kill();
  stop = true;
  await burst;
  await producer.disconnect().catch(() => undefined);

  broker = await startBrokerProcess({ dataDir, port, config: BROKER_CONFIG });
  try {
    const reader = new Kafka({ clientId: 'burst-reader', brokers: [broker.bootstrap], logLevel: logLevel.NOTHING });
    // A transaction committed after the restart lands behind whatever the
    // killed producer left open or prepared: read_committed can only reach
    // it once that was decided (completed on start, or aborted on timeout).
    const sentinel = reader.producer({ transactionalId: 'burst-sentinel', idempotent: true, maxInFlightRequests: 1 });
    await sentinel.connect();
    const txn = await sentinel.transaction();
    await txn.send({ topic: 'burst', messages: [0, 1].map((partition) => ({ value: `S:${partition}`, partition })) });
    await txn.commit();
    await sentinel.disconnect();
    const consumer = reader.consumer({ groupId: 'burst-check', maxWaitTimeInMs: 100 });
    await consumer.connect();
    const values: string[] = [];
    await consumer.subscribe({ topic: 'burst', fromBeginning: true });
    await consumer.run({ eachMessage: async ({ message }) => void values.push(message.value?.toString() ?? '') });
    await waitFor('read_committed to reach the sentinels in both partitions', () => (values.includes('S:0') && values.includes('S:1') ? true : undefined), 60_000);
    await consumer.disconnect();
    const perTxn = new Map<number, number>();
    for (const v of values) {
      if (v.startsWith('S:')) continue;
      const t = Number(v.split(':')[0]);
      perTxn.set(t, (perTxn.get(t) ?? 0) + 1);
    }
    for (const t of acknowledged) expect(perTxn.get(t)).toBe(10);
    for (const [t, n] of perTxn) expect([t, n]).toEqual([t, 10]);
  } finally {
    await broker.stop();
  }
});
