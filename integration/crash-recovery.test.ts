/**
 * Nothing acknowledged is lost; nothing half-written is served.
 *
 * 1. With flush.messages=1 and acks=all, node-rdkafka produces a steady load
 *    with delivery reports while the broker is SIGKILLed mid-stream. After a
 *    restart every acknowledged message is at the offset its delivery report
 *    gave, the log reads back as contiguous, CRC-valid batches (raw Fetch and
 *    librdkafka with check.crcs), and new produces continue at the log end.
 * 2. A crash that leaves garbage after the last batch (simulated by appending
 *    a torn batch to one partition's active segment and random bytes to
 *    another's): the restart truncates the tail, the files shrink back to
 *    their last good batch, reads are clean, and appends go where they should.
 * 3. The same after a graceful stop: a tail past the recovery checkpoint is
 *    checked, not trusted.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as Kafka from 'node-rdkafka';
import { BrokerProcess, startBrokerProcess, tempDir } from './support/broker-process';
import { runKcat, waitFor } from './support/conditions';
import { RawKafkaClient, listOffset, metadata, producePartition, readPartitionLog } from './support/raw-kafka-client';
import { ErrorCode } from '../src/protocol/errors';
import { encodeRecordBatch, type RecordBatch } from '../src/protocol/records';

const TOPIC = 'crash-topic';
const PARTITIONS = 2;
const ACKED_BEFORE_KILL = 3000;
const dataDir = tempDir('weir-crash-');
let broker: BrokerProcess | undefined;

function start(): Promise<BrokerProcess> {
  return startBrokerProcess({
    dataDir,
    config: { 'num.partitions': PARTITIONS, 'log.flush.interval.messages': 1 },
  });
}

afterAll(async () => {
  await broker?.stop();
});

interface Delivered {
  partition: number;
  offset: number;
  value: string;
}

async function withClient<T>(b: BrokerProcess, fn: (c: RawKafkaClient) => Promise<T>): Promise<T> {
  const c = await RawKafkaClient.connect(b.host, b.port);
  try {
    return await fn(c);
  } finally {
    c.close();
  }
}

/** The partition as a consumer sees it (raw Fetch, CRCs and contiguity checked), as offset -> value. */
async function readValues(b: BrokerProcess, partition: number): Promise<{ values: Map<number, string>; batches: RecordBatch[]; end: bigint }> {
  return withClient(b, async (c) => {
    const log = await readPartitionLog(c, TOPIC, partition);
    const values = new Map<number, string>();
    for (const batch of log.batches) for (const r of batch.records) values.set(Number(r.offset), r.value?.toString() ?? '<null>');
    expect(await listOffset(c, TOPIC, partition)).toBe(log.highWatermark);
    return { values, batches: log.batches, end: log.highWatermark };
  });
}

/** librdkafka's own reading of the partition, with CRC checks on: offsets and values. */
async function readWithKcat(b: BrokerProcess, partition: number): Promise<Map<number, string>> {
  const r = await runKcat(['-C', '-b', b.bootstrap, '-t', TOPIC, '-p', String(partition), '-o', 'beginning', '-e', '-J', '-X', 'check.crcs=true']);
  expect(r.code).toBe(0);
  // kcat reports a CRC failure as an error on stderr, not as a message.
  expect(r.stderr).not.toMatch(/ERROR|CRC|corrupt/i);
  const out = new Map<number, string>();
  for (const line of r.stdout.split('\n')) {
    if (!line) continue;
    const j = JSON.parse(line) as { offset: number; payload: string | null };
    out.set(j.offset, j.payload ?? '<null>');
  }
  return out;
}

/** The first few differences between two offset -> value maps (a full diff of thousands would drown the report). */
function differences(actual: Map<number, string>, expected: Map<number, string>): string[] {
  const out: string[] = [];
  for (const [o, v] of expected) if (actual.get(o) !== v) out.push(`offset ${o}: expected ${v}, got ${actual.get(o)}`);
  for (const [o, v] of actual) if (!expected.has(o)) out.push(`offset ${o}: unexpected ${v}`);
  return out.slice(0, 5);
}

function activeSegment(partition: number): string {
  const dir = path.join(dataDir, `${TOPIC}-${partition}`);
  const logs = fs.readdirSync(dir).filter((f) => f.endsWith('.log')).sort();
  return path.join(dir, logs[logs.length - 1]!);
}

let recovered: { values: Map<number, string>; end: bigint }[] = [];

test('every message acknowledged before a SIGKILL is there after the restart, at its offset', async () => {
  broker = await start();
  await withClient(broker, async (c) => expect((await metadata(c, [TOPIC], true)).topics[0]?.errorCode).toBe(ErrorCode.NONE));

  const producer = new Kafka.Producer({
    'bootstrap.servers': broker.bootstrap,
    dr_cb: true,
    'linger.ms': 2,
    'batch.num.messages': 50,
    'reconnect.backoff.max.ms': 200,
  }, {
    'request.required.acks': -1,
    // After the kill, give up on what is still queued instead of retrying for minutes.
    'message.timeout.ms': 4000,
  });
  const acked: Delivered[] = [];
  let reports = 0;
  producer.on('delivery-report', (err, report) => {
    reports++;
    // The report carries the key (the value only with dr_msg_cb); key k-N was sent with value crash-N.
    if (!err) acked.push({ partition: report.partition, offset: report.offset, value: `crash-${String(report.key).slice(2)}` });
  });
  producer.on('event.error', () => undefined); // "broker down" after the kill is expected
  await new Promise<void>((resolve, reject) => producer.connect({}, (err) => (err ? reject(err) : resolve())));
  producer.setPollInterval(5);

  let sent = 0;
  const produceOne = () => {
    producer.produce(TOPIC, sent % PARTITIONS, Buffer.from(`crash-${sent}`), `k-${sent}`);
    sent++;
  };
  try {
    // Keep at most a few hundred messages outstanding and keep producing
    // through the kill, so it lands in a stream of in-flight produce requests.
    while (acked.length < ACKED_BEFORE_KILL) {
      if (sent - reports < 300) produceOne();
      else await new Promise((resolve) => setImmediate(resolve));
    }
    const exited = broker.kill();
    for (let i = 0; i < 300; i++) produceOne();
    await exited;
    // Every message gets its report (delivered before the kill, or failed after it).
    await waitFor('a delivery report for every message', () => (reports >= sent ? true : undefined), 30_000);
  } finally {
    await new Promise<void>((resolve) => producer.disconnect(5000, () => resolve()));
  }
  expect(acked.length).toBeGreaterThanOrEqual(ACKED_BEFORE_KILL);
  expect(sent).toBeGreaterThan(acked.length); // the kill did cut into the stream

  broker = await start();
  recovered = [];
  for (let p = 0; p < PARTITIONS; p++) recovered.push(await readValues(broker, p));

  const missing = acked.filter((d) => recovered[d.partition]!.values.get(d.offset) !== d.value);
  expect(missing.slice(0, 5)).toEqual([]);
  for (let p = 0; p < PARTITIONS; p++) {
    const { values, end } = recovered[p]!;
    // Contiguous from 0 to the end, and only messages this test sent.
    expect(values.size).toBe(Number(end));
    for (const [offset, v] of values) {
      expect(offset).toBeLessThan(Number(end));
      expect(v).toMatch(/^crash-\d+$/);
      expect(Number(v.slice(6)) % PARTITIONS).toBe(p);
    }
    expect(differences(await readWithKcat(broker, p), values)).toEqual([]);
  }

  // The recovered log takes new appends right at its end.
  await withClient(broker, async (c) => {
    for (let p = 0; p < PARTITIONS; p++) {
      const r = await producePartition(c, TOPIC, p, encodeRecordBatch([{ value: Buffer.from(`after-crash-${p}`) }]));
      expect(r.errorCode).toBe(ErrorCode.NONE);
      expect(r.baseOffset).toBe(recovered[p]!.end);
    }
  });
});

test('a garbage tail on the active segment is truncated at restart and never served', async () => {
  expect(broker).toBeDefined();
  const before: { values: Map<number, string>; end: bigint }[] = [];
  for (let p = 0; p < PARTITIONS; p++) before.push(await readValues(broker!, p));
  await broker!.kill();

  // Partition 0: the first half of a well-formed batch, as a crash mid-write leaves it.
  const seg0 = activeSegment(0);
  const good0 = fs.statSync(seg0).size;
  const torn = encodeRecordBatch(
    Array.from({ length: 20 }, (_, i) => ({ value: Buffer.from(`torn-${i}`) })),
    { baseOffset: before[0]!.end },
  );
  fs.appendFileSync(seg0, torn.subarray(0, Math.floor(torn.length / 2)));
  // Partition 1: bytes that are not a batch at all (a plausible length, then noise).
  const seg1 = activeSegment(1);
  const good1 = fs.statSync(seg1).size;
  const noise = Buffer.alloc(700);
  let x = 12345;
  for (let i = 0; i < noise.length; i++) noise[i] = (x = (x * 1103515245 + 12345) >>> 0) >>> 24;
  noise.writeBigInt64BE(before[1]!.end, 0);
  noise.writeInt32BE(600, 8);
  fs.appendFileSync(seg1, noise);

  broker = await start();
  // The tails are gone from the files, not just skipped.
  expect(fs.statSync(seg0).size).toBe(good0);
  expect(fs.statSync(seg1).size).toBe(good1);
  for (let p = 0; p < PARTITIONS; p++) {
    const after = await readValues(broker, p);
    expect(after.end).toBe(before[p]!.end);
    expect(differences(after.values, before[p]!.values)).toEqual([]);
    expect(differences(await readWithKcat(broker, p), before[p]!.values)).toEqual([]);
  }
  // And appends continue at the last good offset, readable right away.
  await withClient(broker, async (c) => {
    for (let p = 0; p < PARTITIONS; p++) {
      const r = await producePartition(c, TOPIC, p, encodeRecordBatch([{ value: Buffer.from(`after-garbage-${p}`) }]));
      expect(r.errorCode).toBe(ErrorCode.NONE);
      expect(r.baseOffset).toBe(before[p]!.end);
    }
  });
  for (let p = 0; p < PARTITIONS; p++) {
    const after = await readValues(broker, p);
    expect(after.values.get(Number(before[p]!.end))).toBe(`after-garbage-${p}`);
  }
});

test('garbage appended after a clean shutdown is truncated too (the recovery checkpoint does not vouch for it)', async () => {
  expect(broker).toBeDefined();
  const before = await readValues(broker!, 0);
  expect(await broker!.stop()).toBe(0);
  const seg = activeSegment(0);
  const good = fs.statSync(seg).size;
  const torn = encodeRecordBatch([{ value: Buffer.from('never-acknowledged') }], { baseOffset: before.end });
  fs.appendFileSync(seg, torn.subarray(0, torn.length - 5));

  broker = await start();
  expect(fs.statSync(seg).size).toBe(good);
  const after = await readValues(broker, 0);
  expect(after.end).toBe(before.end);
  expect(differences(after.values, before.values)).toEqual([]);
});
