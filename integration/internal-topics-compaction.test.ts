/**
 * The internal topics are compacted, as Kafka's are: `__consumer_offsets`
 * and `__transaction_state` are created with `cleanup.policy=compact` and
 * the segment size of `offsets.topic.segment.bytes` /
 * `transaction.state.log.segment.bytes`. A group that commits the same few
 * partitions tens of thousands of times must not grow the topic without
 * bound, and the cleaning must never lose the latest commit: after a restart
 * (graceful, then SIGKILL) the broker replays the compacted topic and serves
 * exactly the offsets committed last.
 *
 * Load: pipelined raw OffsetCommit requests (generation -1, no members: what
 * admin tools such as kafkajs `admin.setOffsets` send) for one group, plus a
 * kafkajs group member committing in a loop with `consumer.commitOffsets`
 * (generation and member id of a real, stable group). Then a node-rdkafka
 * transactional producer running many one-record transactions.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as Rdkafka from 'node-rdkafka';
import { Kafka, logLevel } from 'kafkajs';
import { Apis } from '../src/protocol/apis';
import { BrokerProcess, startBrokerProcess, tempDir } from './support/broker-process';
import { waitFor } from './support/conditions';
import { RawKafkaClient, listOffset } from './support/raw-kafka-client';

jest.setTimeout(180_000);

const OFFSETS_SEGMENT_BYTES = 32 * 1024;
const TXN_SEGMENT_BYTES = 8 * 1024;
const BROKER_CONFIG = {
  'offsets.topic.num.partitions': 2,
  'offsets.topic.segment.bytes': OFFSETS_SEGMENT_BYTES,
  'transaction.state.log.num.partitions': 2,
  'transaction.state.log.segment.bytes': TXN_SEGMENT_BYTES,
  'log.cleaner.backoff.ms': 100,
  'group.initial.rebalance.delay.ms': 0,
};

const TOPIC = 'committed-topic';
const PARTITIONS = 4;
const BULK_GROUP = 'bulk-committer';
const MEMBER_GROUP = 'member-committer';
/** Raw OffsetCommit requests, each committing all 4 partitions: 4 records per request. */
const BULK_REQUESTS = 10_000;
const PIPELINE = 200;
const MEMBER_COMMITS = 1_500;
const TRANSACTIONS = 3_000;

const dataDir = tempDir('weir-internal-compaction-');
let broker: BrokerProcess;

afterAll(async () => {
  await broker?.stop();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

/**
 * Bytes on disk of every partition directory of an internal topic (all its
 * segment and index files). The broker's cleaner may rename or remove a
 * file (a swap's temporary) between the listing and the stat: it no longer
 * takes space.
 */
function topicBytes(topic: string): number {
  let total = 0;
  for (const dir of fs.readdirSync(dataDir)) {
    if (!dir.startsWith(`${topic}-`)) continue;
    for (const f of fs.readdirSync(path.join(dataDir, dir))) total += fs.statSync(path.join(dataDir, dir, f), { throwIfNoEntry: false })?.size ?? 0;
  }
  return total;
}

/** Records ever appended to an internal topic: the sum of its partitions' log end offsets (compaction keeps offsets). */
async function recordsAppended(topic: string, partitions: number): Promise<number> {
  const client = await RawKafkaClient.connect(broker.host, broker.port);
  try {
    let sum = 0;
    for (let p = 0; p < partitions; p++) sum += Number(await listOffset(client, topic, p));
    return sum;
  } finally {
    client.close();
  }
}

/** The offset committed in round `round` for partition `p` (distinct per round and partition). */
const bulkOffset = (round: number, p: number) => round * 10 + p;

async function bulkCommits(): Promise<void> {
  const client = await RawKafkaClient.connect(broker.host, broker.port);
  try {
    for (let first = 0; first < BULK_REQUESTS; first += PIPELINE) {
      const ids: number[] = [];
      const frames: Buffer[] = [];
      for (let round = first; round < Math.min(first + PIPELINE, BULK_REQUESTS); round++) {
        const id = client.correlationId();
        ids.push(id);
        frames.push(
          client.encode(
            Apis.OffsetCommit,
            8,
            {
              groupId: BULK_GROUP,
              generationIdOrMemberEpoch: -1,
              memberId: '',
              groupInstanceId: null,
              retentionTimeMs: -1n,
              topics: [
                {
                  name: TOPIC,
                  partitions: Array.from({ length: PARTITIONS }, (_, p) => ({
                    partitionIndex: p,
                    committedOffset: BigInt(bulkOffset(round, p)),
                    committedLeaderEpoch: -1,
                    commitTimestamp: -1n,
                    committedMetadata: `round-${round}`,
                  })),
                },
              ],
            },
            id,
          ),
        );
      }
      client.writeRaw(Buffer.concat(frames));
      for (const id of ids) {
        const res = await client.readResponse(Apis.OffsetCommit, 8, id);
        const codes = res.topics.flatMap((t) => t.partitions.map((p) => p.errorCode));
        if (codes.some((c) => c !== 0)) throw new Error(`OffsetCommit answered error codes ${codes.join()}`);
      }
    }
  } finally {
    client.close();
  }
}

async function committed(kafka: Kafka, groupId: string): Promise<{ partition: number; offset: string; metadata: string | null }[]> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const res = await admin.fetchOffsets({ groupId, topics: [TOPIC] });
    return (res[0]?.partitions ?? []).map((p) => ({ partition: p.partition, offset: p.offset, metadata: p.metadata })).sort((a, b) => a.partition - b.partition);
  } finally {
    await admin.disconnect();
  }
}

const expectedBulk = Array.from({ length: PARTITIONS }, (_, p) => ({
  partition: p,
  offset: String(bulkOffset(BULK_REQUESTS - 1, p)),
  metadata: `round-${BULK_REQUESTS - 1}`,
}));
/** The kafkajs member commits offset i+1 for partition i % PARTITIONS in its i-th commit (i from 0). */
const expectedMember = Array.from({ length: PARTITIONS }, (_, p) => {
  let last = p;
  while (last + PARTITIONS < MEMBER_COMMITS) last += PARTITIONS;
  return { partition: p, offset: String(last + 1) };
});

test('__consumer_offsets stays small under tens of thousands of commits, and the last commits survive restarts', async () => {
  broker = await startBrokerProcess({ dataDir, config: BROKER_CONFIG });
  const kafka = new Kafka({ clientId: 'internal-compaction', brokers: [broker.bootstrap], logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic: TOPIC, numPartitions: PARTITIONS }], waitForLeaders: true });
  await admin.disconnect();

  // A real member of a stable group commits with its generation and member id.
  const consumer = kafka.consumer({ groupId: MEMBER_GROUP, sessionTimeout: 10_000, heartbeatInterval: 500 });
  let assigned = 0;
  consumer.on(consumer.events.GROUP_JOIN, (e) => (assigned = (e.payload.memberAssignment[TOPIC] ?? []).length));
  await consumer.connect();
  await consumer.subscribe({ topic: TOPIC });
  await consumer.run({ autoCommit: false, eachMessage: async () => undefined });
  await waitFor('the member holding every partition', () => (assigned === PARTITIONS ? true : undefined), 30_000);

  const memberLoop = (async () => {
    for (let i = 0; i < MEMBER_COMMITS; i++) {
      await consumer.commitOffsets([{ topic: TOPIC, partition: i % PARTITIONS, offset: String(i + 1) }]);
    }
  })();
  await bulkCommits();
  await memberLoop;
  await consumer.disconnect();

  const appended = await recordsAppended('__consumer_offsets', BROKER_CONFIG['offsets.topic.num.partitions']);
  // Every commit of a partition is one record; the member's join/sync/leave add a few group records.
  expect(appended).toBeGreaterThanOrEqual(BULK_REQUESTS * PARTITIONS + MEMBER_COMMITS);
  // A commit record is at least ~60 bytes on disk (key: group, topic, partition; value: offset,
  // metadata, timestamps; plus record and batch framing), so the commits wrote >= 2.5 MB.
  const writtenAtLeast = appended * 60;
  // The cleaner keeps the latest record per (group, topic, partition): what may remain per
  // partition is the active segment (< segment.bytes, never cleaned) and the small cleaned
  // segments before it, with their indexes.
  const bound = BROKER_CONFIG['offsets.topic.num.partitions'] * 2 * OFFSETS_SEGMENT_BYTES;
  expect(bound).toBeLessThan(writtenAtLeast / 15);
  await waitFor(
    `__consumer_offsets cleaned below ${bound} bytes (now ${topicBytes('__consumer_offsets')}; >= ${writtenAtLeast} written)`,
    () => (topicBytes('__consumer_offsets') < bound ? true : undefined),
    30_000,
    200,
  );

  expect(await committed(kafka, BULK_GROUP)).toEqual(expectedBulk);
  expect((await committed(kafka, MEMBER_GROUP)).map(({ partition, offset }) => ({ partition, offset }))).toEqual(expectedMember);

  // Replay from the compacted topic: a graceful restart, then a crash.
  expect(await broker.stop()).toBe(0);
  broker = await startBrokerProcess({ dataDir, config: BROKER_CONFIG });
  const afterStop = new Kafka({ clientId: 'internal-compaction-2', brokers: [broker.bootstrap], logLevel: logLevel.NOTHING });
  expect(await committed(afterStop, BULK_GROUP)).toEqual(expectedBulk);
  expect((await committed(afterStop, MEMBER_GROUP)).map(({ partition, offset }) => ({ partition, offset }))).toEqual(expectedMember);

  await broker.kill();
  broker = await startBrokerProcess({ dataDir, config: BROKER_CONFIG });
  const afterKill = new Kafka({ clientId: 'internal-compaction-3', brokers: [broker.bootstrap], logLevel: logLevel.NOTHING });
  expect(await committed(afterKill, BULK_GROUP)).toEqual(expectedBulk);
  expect((await committed(afterKill, MEMBER_GROUP)).map(({ partition, offset }) => ({ partition, offset }))).toEqual(expectedMember);
});

function call(fn: (cb: (err: Rdkafka.LibrdKafkaError | null | undefined) => void) => void): Promise<void> {
  return new Promise((resolve, reject) => fn((err) => (err ? reject(err) : resolve())));
}

async function initProducerId(transactionalId: string): Promise<{ producerId: bigint; producerEpoch: number }> {
  const client = await RawKafkaClient.connect(broker.host, broker.port);
  try {
    // This broker is the only one, so it is the transaction coordinator: no FindCoordinator needed.
    const res = await client.request(Apis.InitProducerId, 4, { transactionalId, transactionTimeoutMs: 60_000, producerId: -1n, producerEpoch: -1 });
    if (res.errorCode !== 0) throw new Error(`InitProducerId error ${res.errorCode}`);
    return { producerId: res.producerId, producerEpoch: res.producerEpoch };
  } finally {
    client.close();
  }
}

test('__transaction_state stays small under many short transactions, and the transactional id survives a restart', async () => {
  const txTopic = 'tx-data';
  const admin = new Kafka({ clientId: 'internal-compaction-tx', brokers: [broker.bootstrap], logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic: txTopic, numPartitions: 1 }], waitForLeaders: true });
  await admin.disconnect();

  const producer = new Rdkafka.Producer({ 'bootstrap.servers': broker.bootstrap, 'transactional.id': 'short-tx', dr_cb: false, 'linger.ms': 0 });
  await call((cb) => producer.connect({}, (err) => cb(err as Rdkafka.LibrdKafkaError | null)));
  producer.setPollInterval(20);
  try {
    await call((cb) => producer.initTransactions(30_000, cb));
    for (let i = 0; i < TRANSACTIONS; i++) {
      await call((cb) => producer.beginTransaction(cb));
      producer.produce(txTopic, 0, Buffer.from(`tx-${i}`));
      await call((cb) => producer.commitTransaction(30_000, cb));
    }
  } finally {
    await call((cb) => producer.disconnect(() => cb(null)));
  }

  const appended = await recordsAppended('__transaction_state', BROKER_CONFIG['transaction.state.log.num.partitions']);
  // Ongoing, PrepareCommit and CompleteCommit per transaction, all under one key.
  expect(appended).toBeGreaterThanOrEqual(TRANSACTIONS * 3);
  // A transaction state record (key: the id; value: producer id and epoch, state, partitions,
  // timestamps) is at least ~50 bytes with its framing.
  const writtenAtLeast = appended * 50;
  const bound = BROKER_CONFIG['transaction.state.log.num.partitions'] * 2 * TXN_SEGMENT_BYTES;
  expect(bound).toBeLessThan(writtenAtLeast / 10);
  await waitFor(
    `__transaction_state cleaned below ${bound} bytes (now ${topicBytes('__transaction_state')}; >= ${writtenAtLeast} written)`,
    () => (topicBytes('__transaction_state') < bound ? true : undefined),
    30_000,
    200,
  );

  // The coordinator's state for the id: the same producer id, the epoch bumped on every init.
  const before = await initProducerId('short-tx');
  await broker.kill();
  broker = await startBrokerProcess({ dataDir, config: BROKER_CONFIG });
  const after = await initProducerId('short-tx');
  expect(after).toEqual({ producerId: before.producerId, producerEpoch: before.producerEpoch + 1 });

  // Every transaction committed: one record and one commit marker each, nothing left open.
  const client = await RawKafkaClient.connect(broker.host, broker.port);
  try {
    expect(Number(await listOffset(client, txTopic, 0))).toBe(TRANSACTIONS * 2);
  } finally {
    client.close();
  }
});
