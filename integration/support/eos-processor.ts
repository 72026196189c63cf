/**
 * A consume-transform-produce processor in a child process, as an
 * exactly-once application runs it: it reads `input` in a consumer group,
 * and per batch opens a transaction, writes one `out-<value>` record per
 * input (keyed, so a batch's outputs spread over the output partitions;
 * kafkajs sends them one per send(), around a kafkajs bug noted below),
 * commits its input offsets with sendOffsets in the same transaction, and
 * commits. On any failure it exits (the supervisor starts a new one, which
 * takes over the transactional id and resumes from the committed offsets),
 * so nothing is retried in memory with an unknown outcome.
 *
 * kafkajs reads the group's committed offsets without `require_stable`
 * (OffsetFetch v1–4; KIP-447 is not implemented), so an offset commit whose
 * transaction is decided but whose marker has not reached
 * `__consumer_offsets` yet reads as the older offset, as Kafka answers too;
 * librdkafka asks with `require_stable` under read_committed and waits.
 * Reading it would process a batch again that a completing commit also
 * makes visible. The kafkajs processor therefore initializes its
 * transactional producer (InitProducerId waits until the previous
 * instance's transaction is complete) before its consumer joins, and exits
 * rather than rejoin (kafkajs fetches the offsets again on every join,
 * while its own last commit may still be completing).
 *
 * Lines it prints: `SENT` once a batch's records are produced, `ENDING`
 * just before EndTxn (commit), `COMMITTED` after it.
 */
import { type ChildProcess, spawn } from 'node:child_process';

export type ProcessorClient = 'kafkajs' | 'rdkafka';

export interface EosProcessorOptions {
  client: ProcessorClient;
  bootstrap: string;
  input: string;
  output: string;
  groupId: string;
  transactionalId: string;
}

const KAFKAJS_SCRIPT = `
const { Kafka, logLevel } = require(${JSON.stringify(require.resolve('kafkajs'))});
const [bootstrap, input, output, groupId, transactionalId] = process.argv.slice(1);
const kafka = new Kafka({ clientId: 'eos-kafkajs', brokers: bootstrap.split(','), logLevel: Number(process.env.EOS_LOG_LEVEL || 0), retry: { retries: 8, initialRetryTime: 200, maxRetryTime: 2000 } });
const consumer = kafka.consumer({ groupId, sessionTimeout: 6000, heartbeatInterval: 500, maxBytesPerPartition: 600, maxWaitTimeInMs: 100 });
const producer = kafka.producer({ transactionalId, idempotent: true, maxInFlightRequests: 1, transactionTimeout: 20000 });
const die = (e) => { process.stderr.write('processor failed: ' + (e && e.stack) + '\\n'); process.exit(1); };
consumer.on(consumer.events.CRASH, (e) => die(e.payload.error));
// Each join fetches the committed offsets (see the header): a second one would read around a commit still completing.
let joins = 0;
consumer.on(consumer.events.GROUP_JOIN, () => { if (++joins > 1) die(new Error('rejoined the group; a new processor takes over')); });
(async () => {
  await producer.connect();
  // The transactional InitProducerId first, so the previous instance's transaction is complete before
  // the consumer fetches its offsets; an empty transaction sends no EndTxn.
  await (await producer.transaction()).abort();
  await consumer.connect();
  await consumer.subscribe({ topic: input, fromBeginning: true });
  await consumer.run({ autoCommit: false, eachBatch: async ({ batch }) => {
    if (batch.messages.length === 0) return;
    try {
      const txn = await producer.transaction();
      // One record per send(), so each send() writes one partition: kafkajs 2.2.4 can report a
      // multi-partition send() as done while one partition's records were never sent, when
      // leaders move during it (kafkajs#1303; see integration/cluster-kafkajs-idempotence.test.ts).
      for (const m of batch.messages) await txn.send({ topic: output, messages: [{ key: m.value, value: 'out-' + m.value.toString() }] });
      process.stdout.write('SENT\\n');
      await txn.sendOffsets({ consumerGroupId: groupId, topics: [{ topic: batch.topic, partitions: [{ partition: batch.partition, offset: (BigInt(batch.lastOffset()) + 1n).toString() }] }] });
      process.stdout.write('ENDING\\n');
      await txn.commit();
      process.stdout.write('COMMITTED\\n');
    } catch (e) { die(e); }
  } });
})().catch(die);
`;

const RDKAFKA_SCRIPT = `
const Kafka = require(${JSON.stringify(require.resolve('node-rdkafka'))});
const [bootstrap, input, output, groupId, transactionalId] = process.argv.slice(1);
const die = (e) => { process.stderr.write('processor failed: ' + (e && e.message) + '\\n'); process.exit(1); };
const call = (f) => new Promise((resolve, reject) => f((err) => (err ? reject(err) : resolve())));
const consumer = new Kafka.KafkaConsumer({ 'bootstrap.servers': bootstrap, 'group.id': groupId, 'enable.auto.commit': false, 'isolation.level': 'read_committed',
  'session.timeout.ms': 6000, 'heartbeat.interval.ms': 500, 'fetch.wait.max.ms': 100, 'topic.metadata.refresh.interval.ms': 1000 }, { 'auto.offset.reset': 'earliest' });
const producer = new Kafka.Producer({ 'bootstrap.servers': bootstrap, 'transactional.id': transactionalId, 'enable.idempotence': true, 'linger.ms': 5,
  'transaction.timeout.ms': 20000, 'topic.metadata.refresh.interval.ms': 1000 });
(async () => {
  await call((cb) => producer.connect({ timeout: 20000 }, cb));
  producer.setPollInterval(10);
  await call((cb) => producer.initTransactions(60000, cb));
  await call((cb) => consumer.connect({ timeout: 20000 }, cb));
  consumer.subscribe([input]);
  for (;;) {
    const messages = await new Promise((resolve, reject) => consumer.consume(20, (err, m) => (err ? reject(err) : resolve(m))));
    if (messages.length === 0) continue;
    await call((cb) => producer.beginTransaction(cb));
    const next = new Map();
    for (const m of messages) {
      producer.produce(output, null, Buffer.from('out-' + m.value.toString()), m.value);
      next.set(m.partition, Math.max(next.get(m.partition) || 0, m.offset + 1));
    }
    process.stdout.write('SENT\\n');
    const offsets = [...next].map(([partition, offset]) => ({ topic: input, partition, offset }));
    await call((cb) => producer.sendOffsetsToTransaction(offsets, consumer, 60000, cb));
    process.stdout.write('ENDING\\n');
    await call((cb) => producer.commitTransaction(60000, cb));
    process.stdout.write('COMMITTED\\n');
  }
})().catch(die);
`;

/** Runs processors one after the other: when one exits, the next starts, until `stop`. */
export class SupervisedProcessor {
  /** Lines printed by every processor so far, in order. */
  readonly events: string[] = [];
  readonly failures: string[] = [];
  private child: ChildProcess | null = null;
  private stopped = false;
  private stderr = '';

  constructor(private readonly options: EosProcessorOptions) {
    this.spawn();
  }

  count(event: 'SENT' | 'ENDING' | 'COMMITTED'): number {
    return this.events.filter((e) => e === event).length;
  }

  /** Resolves right after the processor prints `event` for the `nth` time (1-based, over all its lives). */
  async nth(event: 'SENT' | 'ENDING' | 'COMMITTED', nth: number, timeoutMs = 90_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (this.count(event) < nth) {
      if (Date.now() > deadline) throw new Error(`the processor did not print ${event} ${nth} times (${this.count(event)}); ${this.describe()}`);
      await new Promise((r) => setTimeout(r, 1));
    }
  }

  /** What went on, for a failed test's message. */
  describe(): string {
    return (
      `events: ${this.events.length} (${this.count('COMMITTED')} commits), last: ${this.events.slice(-6).join(' ')}; ` +
      `failures:\n${this.failures.join('\n')}\nthe running one's stderr:\n${this.stderr.split('\n').slice(-30).join('\n')}`
    );
  }

  /** SIGKILLs the running processor, whatever it is doing; the next one starts as after any exit. */
  async killRunning(): Promise<void> {
    await this.killChild();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.killChild();
  }

  private async killChild(): Promise<void> {
    const child = this.child;
    if (child && child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGKILL');
      await exited;
    }
  }

  private spawn(): void {
    const o = this.options;
    const script = o.client === 'kafkajs' ? KAFKAJS_SCRIPT : RDKAFKA_SCRIPT;
    const child = spawn(process.execPath, ['-e', script, o.bootstrap, o.input, o.output, o.groupId, o.transactionalId], { stdio: ['ignore', 'pipe', 'pipe'] });
    this.child = child;
    this.stderr = '';
    let pending = '';
    child.stdout?.on('data', (d: Buffer) => {
      pending += d.toString();
      const lines = pending.split('\n');
      pending = lines.pop() ?? '';
      for (const line of lines) if (line) this.events.push(line.trim());
    });
    child.stderr?.on('data', (d: Buffer) => (this.stderr += d.toString()));
    child.once('exit', (code, signal) => {
      if (this.stopped) return;
      this.failures.push(`exit ${code ?? signal}: ${this.stderr.trim().split('\n').slice(-25).join(' | ')}`);
      // A new instance takes the transactional id over (fencing nothing: this one is gone) and resumes.
      setTimeout(() => this.spawn(), 200);
    });
  }
}
