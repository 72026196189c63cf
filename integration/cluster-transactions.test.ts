/**
 * Transactions across the brokers of a cluster on etcd: a real etcd and
 * three broker processes (startCluster), every topic (and the internal
 * ones) with replication factor 3 and min.insync.replicas 2, driven by
 * kafkajs and node-rdkafka.
 *
 * - A transaction writes partitions led by all three brokers and commits
 *   its input offsets (sendOffsets to a group coordinated elsewhere): each
 *   partition leader verifies with the remote coordinator (AddPartitionsToTxn
 *   v4), the coordinator sends WriteTxnMarkers to each leader; read_committed
 *   sees the committed transactions whole and the aborted one never.
 * - The transaction coordinator's broker is SIGKILLed while a transaction is
 *   open: a new coordinator loads the partition; the producer that comes
 *   back with the same transactional id aborts the open transaction (its
 *   records are never visible) and commits its own.
 * - A partition leader is SIGKILLed as EndTxn is sent: the commit is
 *   answered, its marker goes to the new leader, and read_committed sees the
 *   transaction whole.
 * - Consume-transform-produce (kafkajs, then node-rdkafka, in a child
 *   process restarted whenever it fails): the transaction coordinator's
 *   broker SIGKILLed mid-transaction, later a partition leader SIGKILLed
 *   during EndTxn; input is fed until both steps are done (they wait for
 *   more commits, so they must never wait on input that ran out); the
 *   read_committed output holds every input fed exactly once (an aborted
 *   attempt's records would show as duplicates).
 */
import { Kafka as KafkaJs, logLevel, type Producer } from 'kafkajs';
import * as Kafka from 'node-rdkafka';
import { type RunningCluster, startCluster } from '../src/start-cluster';
import { KafkaClient } from '../src/client/client';
import { RawKafkaClient, fetchOnce } from './support/raw-kafka-client';
import { partitionForKey } from '../src/coordinator/partition-for-key';
import { waitFor } from './support/conditions';
import { RecordingProducer, createReplicatedTopic, leadersOf, stopClusterShowingWarnings } from './support/cluster';
import { type ProcessorClient, SupervisedProcessor } from './support/eos-processor';

jest.setTimeout(240_000);

const PARTITIONS = 3;
let cluster: RunningCluster;

beforeAll(async () => {
  cluster = await startCluster({
    brokers: 3,
    config: {
      'broker.session.timeout.ms': 3000,
      'broker.heartbeat.interval.ms': 500,
      'default.replication.factor': 3,
      'min.insync.replicas': 2,
      'num.partitions': PARTITIONS,
      'replica.lag.time.max.ms': 5000,
      'offsets.topic.replication.factor': 3,
      'offsets.topic.num.partitions': 3,
      'transaction.state.log.replication.factor': 3,
      'transaction.state.log.min.isr': 2,
      'transaction.state.log.num.partitions': 3,
      'transaction.abort.timed.out.transaction.cleanup.interval.ms': 500,
      'group.initial.rebalance.delay.ms': 0,
    },
  });
}, 120_000);

afterAll(() => stopClusterShowingWarnings(cluster));

function kafkajs(clientId: string): KafkaJs {
  return new KafkaJs({ clientId, brokers: cluster.bootstrapServers.split(','), logLevel: logLevel.NOTHING, retry: { retries: 30, initialRetryTime: 100, maxRetryTime: 1000 } });
}

const leaders = (topic: string): Promise<number[]> => leadersOf(cluster.bootstrapServers, topic);

/** The broker coordinating a transactional id: the leader of its `__transaction_state` partition. */
async function coordinatorOf(transactionalId: string): Promise<number> {
  const l = await leaders('__transaction_state');
  return l[partitionForKey(transactionalId, l.length)] ?? -1;
}

/** Every record of the topic a read_committed kafkajs consumer sees, once it has `expected` of them. */
async function readCommitted(topic: string, expected: number): Promise<string[]> {
  const consumer = kafkajs(`reader-${topic}`).consumer({ groupId: `reader-${topic}-${Date.now()}`, readUncommitted: false, maxWaitTimeInMs: 200 });
  const seen: string[] = [];
  const perPartition = new Map<number, number>();
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ message, partition }) => {
        perPartition.set(partition, (perPartition.get(partition) ?? 0) + 1);
        seen.push(String(message.value));
      },
    });
    await waitFor(`${expected} committed records in ${topic}`, () => seen.length >= expected || undefined, 90_000, 200).catch(async (err: Error) => {
      // Per partition, what was read against the last stable offsets: a transaction left open shows as an LSO short of the records written.
      throw new Error(`${err.message} (have ${seen.length}: ${JSON.stringify([...perPartition])}); last stable offsets ${await stableOffsets(topic).catch((e: Error) => e.message)}`);
    });
    // Anything more (an aborted record leaking) would show within a few fetches.
    await new Promise((r) => setTimeout(r, 1000));
    return [...seen];
  } finally {
    await consumer.disconnect();
  }
}

/** Per partition, its leader's high watermark and last stable offset (a Fetch from 0 that asks for one byte). */
async function stableOffsets(topic: string): Promise<string> {
  const c = await KafkaClient.connect(cluster.bootstrapServers);
  try {
    const md = await c.metadata([topic]);
    const ends: string[] = [];
    for (const p of md.topics.get(topic)?.partitions ?? []) {
      const leader = md.brokers.get(p.leaderId);
      if (!leader) {
        ends.push(`${p.partition}: no leader`);
        continue;
      }
      const raw = await RawKafkaClient.connect(leader.host, leader.port);
      try {
        const f = await fetchOnce(raw, topic, p.partition, 0n, 1);
        ends.push(`${p.partition}: leader ${p.leaderId} hw ${f.highWatermark} lso ${f.lastStableOffset} error ${f.errorCode}`);
      } finally {
        raw.close();
      }
    }
    return ends.join(', ');
  } finally {
    await c.close();
  }
}

async function transactionalProducer(transactionalId: string, transactionTimeout = 60_000): Promise<Producer> {
  const producer = kafkajs(transactionalId).producer({ transactionalId, idempotent: true, maxInFlightRequests: 1, transactionTimeout });
  await producer.connect();
  return producer;
}

const onEachPartition = (prefix: string) => Array.from({ length: PARTITIONS }, (_, p) => ({ partition: p, value: `${prefix}-${p}` }));

test('kafkajs: a transaction over partitions led by all three brokers commits whole (with its offsets); an aborted one is never visible', async () => {
  await createReplicatedTopic(cluster.bootstrapServers, 'xb-out', PARTITIONS);
  await createReplicatedTopic(cluster.bootstrapServers, 'xb-in', PARTITIONS);
  expect(new Set(await leaders('xb-out')).size).toBe(3);
  const producer = await transactionalProducer('xb-kafkajs');
  try {
    const commit1 = await producer.transaction();
    await commit1.send({ topic: 'xb-out', messages: onEachPartition('c1') });
    await commit1.sendOffsets({ consumerGroupId: 'xb-group', topics: [{ topic: 'xb-in', partitions: [{ partition: 0, offset: '5' }] }] });
    await commit1.commit();
    const aborted = await producer.transaction();
    await aborted.send({ topic: 'xb-out', messages: onEachPartition('a') });
    await aborted.sendOffsets({ consumerGroupId: 'xb-group', topics: [{ topic: 'xb-in', partitions: [{ partition: 0, offset: '9' }] }] });
    await aborted.abort();
    const commit2 = await producer.transaction();
    await commit2.send({ topic: 'xb-out', messages: onEachPartition('c2') });
    await commit2.commit();
  } finally {
    await producer.disconnect();
  }
  const read = await readCommitted('xb-out', 6);
  expect(read.sort()).toEqual(['c1-0', 'c1-1', 'c1-2', 'c2-0', 'c2-1', 'c2-2']);
  const admin = kafkajs('xb-admin').admin();
  await admin.connect();
  try {
    const offsets = await admin.fetchOffsets({ groupId: 'xb-group', topics: ['xb-in'] });
    expect(offsets[0]?.partitions.find((p) => p.partition === 0)?.offset).toBe('5');
  } finally {
    await admin.disconnect();
  }
});

test('node-rdkafka: transactions over partitions led by all three brokers', async () => {
  await createReplicatedTopic(cluster.bootstrapServers, 'xb-rd', PARTITIONS);
  const producer = new Kafka.Producer({
    'bootstrap.servers': cluster.bootstrapServers,
    'transactional.id': 'xb-rdkafka',
    'enable.idempotence': true,
    dr_cb: true,
  } as Kafka.ProducerGlobalConfig);
  await new Promise<void>((resolve, reject) => producer.connect({ timeout: 10_000 }, (err) => (err ? reject(err) : resolve())));
  producer.setPollInterval(10);
  const call = (f: (cb: (err: Kafka.LibrdKafkaError | null) => void) => void) =>
    new Promise<void>((resolve, reject) => f((err) => (err ? reject(new Error(err.message)) : resolve())));
  try {
    await call((cb) => producer.initTransactions(30_000, cb));
    for (const [prefix, commit] of [['r1', true], ['ra', false], ['r2', true]] as const) {
      await call((cb) => producer.beginTransaction(cb));
      for (const m of onEachPartition(prefix)) producer.produce('xb-rd', m.partition, Buffer.from(m.value));
      if (commit) await call((cb) => producer.commitTransaction(30_000, cb));
      else await call((cb) => producer.abortTransaction(30_000, cb));
    }
  } finally {
    await new Promise<void>((resolve) => producer.disconnect(() => resolve()));
  }
  const read = await readCommitted('xb-rd', 6);
  expect(read.sort()).toEqual(['r1-0', 'r1-1', 'r1-2', 'r2-0', 'r2-1', 'r2-2']);
});

test('the coordinator SIGKILLed with a transaction open: the new coordinator aborts it for the returning producer, which commits', async () => {
  await createReplicatedTopic(cluster.bootstrapServers, 'xb-failover', PARTITIONS);
  const transactionalId = 'xb-failover-tx';
  const zombie = await transactionalProducer(transactionalId, 10_000);
  const open = await zombie.transaction();
  await open.send({ topic: 'xb-failover', messages: onEachPartition('zombie') });
  const coordinator = await coordinatorOf(transactionalId);
  await cluster.kill(coordinator);
  try {
    await waitFor('a new transaction coordinator', async () => ((await coordinatorOf(transactionalId)) !== coordinator ? true : undefined), 30_000, 200);
    const producer = await transactionalProducer(transactionalId);
    try {
      const txn = await producer.transaction();
      await txn.send({ topic: 'xb-failover', messages: onEachPartition('after') });
      await txn.commit();
    } finally {
      await producer.disconnect();
    }
    await zombie.disconnect().catch(() => undefined);
    const read = await readCommitted('xb-failover', 3);
    expect(read.sort()).toEqual(['after-0', 'after-1', 'after-2']);
  } finally {
    await cluster.restart(coordinator);
  }
});

test('a partition leader SIGKILLed during EndTxn: the commit is answered and its marker reaches the new leader', async () => {
  await createReplicatedTopic(cluster.bootstrapServers, 'xb-endtxn', PARTITIONS);
  const transactionalId = 'xb-endtxn-tx';
  const coordinator = await coordinatorOf(transactionalId);
  const victim = (await leaders('xb-endtxn')).find((l) => l !== coordinator)!;
  const producer = await transactionalProducer(transactionalId);
  try {
    const txn = await producer.transaction();
    await txn.send({ topic: 'xb-endtxn', messages: onEachPartition('e') });
    const killed = cluster.kill(victim);
    await txn.commit();
    await killed;
    const read = await readCommitted('xb-endtxn', 3);
    expect(read.sort()).toEqual(['e-0', 'e-1', 'e-2']);
    // The next transaction goes through too (the coordinator completed the last one).
    const next = await producer.transaction();
    await next.send({ topic: 'xb-endtxn', messages: onEachPartition('f') });
    await next.commit();
    expect((await readCommitted('xb-endtxn', 6)).sort()).toEqual(['e-0', 'e-1', 'e-2', 'f-0', 'f-1', 'f-2']);
  } finally {
    await producer.disconnect();
    await cluster.restart(victim);
  }
});

/**
 * Writes inputs 0, 1, 2, ... (value = the number, partition = number mod 3)
 * with librdkafka's idempotent acks=all producer, a few at a time so the
 * processor's transactions stay small, paced so that input keeps arriving
 * through the kills. It keeps writing until `stop` is called and at least
 * `minimum` inputs are written: the test's steps wait for the processor to
 * commit more transactions after each kill, so the input must not run out
 * before they are done, however fast the processor went. `stop` resolves
 * with the number written once every one of them is acknowledged.
 */
function feed(topic: string, minimum: number, perRound = 6, pauseMs = 100): { stop(): Promise<number> } {
  let stopping = false;
  const writing = (async () => {
    const producer = new RecordingProducer(cluster.bootstrapServers);
    await producer.connect();
    try {
      let i = 0;
      while (!stopping || i < minimum) {
        for (let n = 0; n < perRound; n++, i++) producer.produce(topic, i % PARTITIONS, String(i));
        await new Promise((r) => setTimeout(r, pauseMs));
      }
      await producer.settle();
      if (producer.errors.length > 0 || producer.acked.length !== i) throw new Error(`inputs not acknowledged (${producer.acked.length} of ${i}): ${producer.errors.slice(0, 5).join('; ')}`);
      return i;
    } finally {
      await producer.disconnect();
    }
  })();
  writing.catch(() => undefined); // awaited through stop(); a failure before then must not be unhandled
  return {
    stop: () => {
      stopping = true;
      return writing;
    },
  };
}

/** Per input partition: the group's committed offset and the partition's end, for a failed test's message. */
async function offsetsReport(groupId: string, topic: string): Promise<string> {
  const admin = kafkajs(`report-${groupId}`).admin();
  await admin.connect();
  try {
    const committed = await admin.fetchOffsets({ groupId, topics: [topic] });
    const ends = await admin.fetchTopicOffsets(topic);
    return `committed ${JSON.stringify(committed[0]?.partitions)}, ends ${JSON.stringify(ends)}, leaders ${JSON.stringify(await leaders(topic))}`;
  } finally {
    await admin.disconnect();
  }
}

/** The sum of the topic's high watermarks. */
async function endOffsets(topic: string): Promise<number> {
  const admin = kafkajs(`ends-${topic}`).admin();
  await admin.connect();
  try {
    return (await admin.fetchTopicOffsets(topic)).reduce((n, p) => n + Number(p.high), 0);
  } finally {
    await admin.disconnect();
  }
}

async function committedInputs(groupId: string, topic: string): Promise<number> {
  const admin = kafkajs(`offsets-${groupId}`).admin();
  await admin.connect();
  try {
    const offsets = await admin.fetchOffsets({ groupId, topics: [topic] });
    return offsets[0]?.partitions.reduce((n, p) => n + Math.max(0, Number(p.offset)), 0) ?? 0;
  } finally {
    await admin.disconnect();
  }
}

describe.each<ProcessorClient>(['kafkajs', 'rdkafka'])('consume-transform-produce with %s', (client) => {
  test('the coordinator SIGKILLed mid-transaction, a partition leader SIGKILLed during EndTxn: every input exactly once in the read_committed output', async () => {
    const input = `ctp-${client}-in`;
    const output = `ctp-${client}-out`;
    const groupId = `ctp-${client}`;
    const transactionalId = `ctp-${client}-processor`;
    // At least this many inputs; the feeder goes on until the steps are done.
    const MINIMUM = 600;
    await createReplicatedTopic(cluster.bootstrapServers, input, PARTITIONS);
    await createReplicatedTopic(cluster.bootstrapServers, output, PARTITIONS);
    const feeding = feed(input, MINIMUM);
    const processor = new SupervisedProcessor({ client, bootstrap: cluster.bootstrapServers, input, output, groupId, transactionalId });
    const down = new Set<number>();
    const kill = async (nodeId: number) => {
      down.add(nodeId);
      await cluster.kill(nodeId);
    };
    const restart = async (nodeId: number) => {
      await cluster.restart(nodeId);
      down.delete(nodeId);
    };
    let total = 0;
    try {
      // 1. The transaction coordinator's broker dies while a transaction has records written.
      await processor.nth('COMMITTED', 3);
      await processor.nth('SENT', processor.count('COMMITTED') + 1);
      const coordinator = await coordinatorOf(transactionalId);
      await kill(coordinator);
      await processor.nth('COMMITTED', processor.count('COMMITTED') + 3, 150_000);
      await restart(coordinator);

      // 2. A leader of an output partition (not the coordinator's broker) dies as EndTxn goes out.
      const current = await coordinatorOf(transactionalId);
      await processor.nth('ENDING', processor.count('ENDING') + 1);
      const victim = (await leaders(output)).find((l) => l >= 0 && l !== current)!;
      await kill(victim);
      await processor.nth('COMMITTED', processor.count('COMMITTED') + 3, 150_000);
      await restart(victim);

      // Every input written is acknowledged (acks=all): the input topic must hold them all.
      total = await feeding.stop();
      let inputs = 0;
      await waitFor('the input topic to hold every acknowledged input', async () => ((inputs = await endOffsets(input)) === total ? true : undefined), 30_000, 500).catch(
        (err: Error) => {
          throw new Error(`${err.message}: ${inputs} of ${total}`);
        },
      );
      let committed = 0;
      await waitFor('the group offsets to reach the end of the input', async () => ((committed = await committedInputs(groupId, input)) === total ? true : undefined), 150_000, 500).catch(
        async (err: Error) => {
          throw new Error(`${err.message} (${committed} of ${total}); ${await offsetsReport(groupId, input)}; ${processor.describe()}`);
        },
      );
    } catch (err) {
      // A step that timed out: say how far the group got through the input, to tell a stalled processor from one that ran out of input.
      throw new Error(`${(err as Error).message}\n${await offsetsReport(groupId, input).catch((e: Error) => `(no offsets: ${e.message})`)}`);
    } finally {
      await feeding.stop().catch(() => undefined);
      await processor.stop();
      for (const nodeId of down) await cluster.restart(nodeId);
    }
    // How often a processor failed and was replaced (expected around the kills).
    console.log(`${client}: ${total} inputs fed, processor restarts: ${processor.failures.length}\n${processor.failures.join('\n')}`);
    const values = await readCommitted(output, total);
    const expected = Array.from({ length: total }, (_, i) => `out-${i}`);
    expect(values.length).toBe(total);
    expect([...new Set(values)].sort()).toEqual(expected.sort());
  }, 600_000);
});
