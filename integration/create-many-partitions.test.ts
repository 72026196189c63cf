/**
 * Creating a topic of many partitions on a broker that is busy: the new
 * logs' directories are made in the thread pool while the broker goes on
 * serving (see ReplicaManager.prepare), and when CreateTopics answers,
 * every new partition is led and takes writes at once (kafkajs's producer
 * here is allowed no retry). A producer writing to another topic meanwhile
 * keeps every acknowledgement, and after a restart both topics read back
 * exactly what was acknowledged.
 */
import { Kafka, logLevel } from 'kafkajs';
import { type BrokerProcess, startBrokerProcess, tempDir } from './support/broker-process';
import { waitFor } from './support/conditions';

jest.setTimeout(120_000);

const WIDE_PARTITIONS = 1000;

let broker: BrokerProcess | undefined;
afterAll(async () => {
  await broker?.stop();
});

/** Every value in `topic`, read from the beginning by a fresh group until `expected` have arrived. */
async function readAll(kafka: Kafka, topic: string, expected: number): Promise<string[]> {
  const consumer = kafka.consumer({ groupId: `read-${topic}-${Date.now()}`, maxWaitTimeInMs: 100 });
  const values: string[] = [];
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({ eachMessage: async ({ message }) => void values.push(message.value?.toString() ?? '') });
    await waitFor(`${expected} values in ${topic}`, () => (values.length >= expected ? true : undefined), 60_000);
  } finally {
    await consumer.disconnect();
  }
  return values;
}

test('a topic of 1,000 partitions created while another is written: usable at once, nothing acknowledged lost', async () => {
  const dataDir = tempDir('weir-wide-');
  broker = await startBrokerProcess({ dataDir });
  let kafka = new Kafka({ clientId: 'wide', brokers: [broker.bootstrap], logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic: 'busy', numPartitions: 1 }] });

  const busy = kafka.producer();
  await busy.connect();
  const acknowledged: string[] = [];
  let writing = true;
  const writer = (async () => {
    for (let i = 0; writing; i++) {
      await busy.send({ topic: 'busy', acks: -1, messages: [{ value: `busy-${i}` }] });
      acknowledged.push(`busy-${i}`);
    }
  })();
  await waitFor('the busy producer to be under way', () => (acknowledged.length >= 20 ? true : undefined), 30_000, 1);

  // Answered only once the partitions are led here: no waiting for leaders, no retries.
  expect(await admin.createTopics({ topics: [{ topic: 'wide', numPartitions: WIDE_PARTITIONS }], waitForLeaders: false })).toBe(true);
  const strict = kafka.producer({ retry: { retries: 0 } });
  await strict.connect();
  const sent = await strict.send({
    topic: 'wide',
    acks: -1,
    messages: Array.from({ length: WIDE_PARTITIONS }, (_, p) => ({ partition: p, value: `wide-${p}` })),
  });
  expect(sent.filter((r) => r.errorCode !== 0)).toEqual([]);
  expect(sent).toHaveLength(WIDE_PARTITIONS);
  await strict.disconnect();

  const during = acknowledged.length;
  await waitFor('the busy producer to go on after the create', () => (acknowledged.length >= during + 20 ? true : undefined), 30_000, 1);
  writing = false;
  await writer;
  await busy.disconnect();
  await admin.disconnect();

  // Everything acknowledged survives a restart, read back in full.
  await broker.stop();
  broker = await startBrokerProcess({ dataDir });
  kafka = new Kafka({ clientId: 'wide-after', brokers: [broker.bootstrap], logLevel: logLevel.NOTHING });
  const after = kafka.admin();
  await after.connect();
  const offsets = await after.fetchTopicOffsets('wide');
  await after.disconnect();
  expect(offsets).toHaveLength(WIDE_PARTITIONS);
  expect(offsets.filter((o) => o.low !== '0' || o.high !== '1')).toEqual([]);
  expect((await readAll(kafka, 'wide', WIDE_PARTITIONS)).sort()).toEqual(Array.from({ length: WIDE_PARTITIONS }, (_, p) => `wide-${p}`).sort());
  expect(await readAll(kafka, 'busy', acknowledged.length)).toEqual(acknowledged);
});
