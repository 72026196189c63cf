/**
 * Idempotent producers: a retried batch is stored once and answered with the
 * original offset; sequence gaps and fenced epochs are refused.
 *
 * Real clients (node-rdkafka with enable.idempotence, kafkajs with
 * idempotent: true) talk to the broker through a frame-aware proxy that
 * re-sends some of their Produce requests — the same bytes under a new
 * correlation id, exactly what a retry after a lost response looks like to
 * the broker — and swallows the extra responses, keeping them for the test.
 * The raw client checks the same rules one request at a time.
 */
import * as net from 'node:net';
import * as Kafka from 'node-rdkafka';
import { Kafka as KafkaJs, logLevel } from 'kafkajs';
import { BrokerProcess, startBrokerProcess } from './support/broker-process';
import { KafkaProxy, startKafkaProxy } from './support/kafka-proxy';
import { waitFor } from './support/conditions';
import { RawKafkaClient, decodeResponse, listOffset, metadata, producePartition, readPartitionLog } from './support/raw-kafka-client';
import { Apis } from '../src/protocol/apis';
import { ErrorCode } from '../src/protocol/errors';
import { ProduceRequestCodec, ProduceResponseCodec, RequestHeaderCodec, type ProduceResponse } from '../src/protocol/messages';
import { Reader } from '../src/protocol/primitives/reader';
import { encodeRecordBatch, readBatchHeader } from '../src/protocol/records';

const PARTITIONS = 2;
/** Correlation ids the proxy gives its duplicates; no client counts this high in a test. */
const DUPLICATE_ID_BASE = 0x70000000;

let broker: BrokerProcess;
let proxy: KafkaProxy;

interface Duplicated {
  /** The client's request and the copy the proxy sent. */
  originalId: number;
  duplicateId: number;
  version: number;
  topic: string;
  originalResponse?: ProduceResponse;
  duplicateResponse?: ProduceResponse;
}

/** Which idempotent Produce requests (1-based, per topic) the proxy re-sends. */
const DUPLICATE_NTH = new Set([1, 4]);
const duplicated: Duplicated[] = [];
const producesSeen = new Map<string, number>();
let nextDuplicateId = DUPLICATE_ID_BASE;

/** Api key, version, correlation id and the decoded body of a Produce frame (null for any other frame). */
function parseProduce(frame: Buffer): { version: number; correlationId: number; topic: string; idempotent: boolean } | null {
  if (frame.readInt16BE(0) !== Apis.Produce.apiKey) return null;
  const version = frame.readInt16BE(2);
  const r = new Reader(frame);
  const flexible = version >= ProduceRequestCodec.firstFlexibleVersion;
  const header = RequestHeaderCodec.read(r, flexible ? 2 : 1);
  const body = ProduceRequestCodec.read(r, version);
  const topic = body.topicData[0]?.name ?? '';
  const records = body.topicData[0]?.partitionData[0]?.records;
  const idempotent = Buffer.isBuffer(records) && records.length >= 61 && readBatchHeader(records, 0).producerId >= 0;
  return { version, correlationId: header.correlationId, topic, idempotent };
}

function onRequest(frame: Buffer): Buffer[] {
  const p = parseProduce(frame);
  if (!p || !p.idempotent || !p.topic.startsWith('idem-')) return [frame];
  const n = (producesSeen.get(p.topic) ?? 0) + 1;
  producesSeen.set(p.topic, n);
  if (!DUPLICATE_NTH.has(n)) return [frame];
  const copy = Buffer.from(frame);
  const duplicateId = nextDuplicateId++;
  copy.writeInt32BE(duplicateId, 4);
  duplicated.push({ originalId: p.correlationId, duplicateId, version: p.version, topic: p.topic });
  return [frame, copy];
}

function onResponse(frame: Buffer): Buffer[] {
  const correlationId = frame.readInt32BE(0);
  const dup = duplicated.find((d) => d.duplicateId === correlationId);
  if (dup) {
    dup.duplicateResponse = decodeResponse(ProduceResponseCodec, 0, dup.version, frame).body;
    return []; // the client never asked for it
  }
  const orig = duplicated.find((d) => d.originalId === correlationId && d.originalResponse === undefined);
  if (orig) orig.originalResponse = decodeResponse(ProduceResponseCodec, 0, orig.version, frame).body;
  return [frame];
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

beforeAll(async () => {
  // The broker must advertise the proxy, or clients would bypass it after
  // their first Metadata (see kafka-proxy.ts).
  const proxyPort = await freePort();
  broker = await startBrokerProcess({
    memory: true,
    config: { 'num.partitions': PARTITIONS, 'advertised.listeners': `PLAINTEXT://127.0.0.1:${proxyPort}` },
  });
  proxy = await startKafkaProxy({ host: broker.host, port: broker.port }, { onRequest, onResponse }, proxyPort);
});

afterAll(async () => {
  await proxy?.close();
  await broker?.stop();
});

async function withClient<T>(fn: (c: RawKafkaClient) => Promise<T>): Promise<T> {
  const c = await RawKafkaClient.connect(broker.host, broker.port);
  try {
    return await fn(c);
  } finally {
    c.close();
  }
}

async function createTopic(topic: string): Promise<void> {
  await withClient(async (c) => expect((await metadata(c, [topic], true)).topics[0]?.errorCode).toBe(ErrorCode.NONE));
}

/** Every value stored in the topic, in offset order per partition (raw Fetch: CRCs and contiguity checked). */
async function storedValues(topic: string): Promise<string[]> {
  return withClient(async (c) => {
    const out: string[] = [];
    for (let p = 0; p < PARTITIONS; p++) {
      const log = await readPartitionLog(c, topic, p);
      for (const b of log.batches) for (const r of b.records) out.push(r.value!.toString());
    }
    return out;
  });
}

/** The proxy re-sent requests for this topic; each copy was answered like its original: no error, same offsets. */
function expectDuplicatesAnsweredWithOriginalOffsets(topic: string): void {
  const dups = duplicated.filter((d) => d.topic === topic);
  expect(dups.length).toBe(DUPLICATE_NTH.size);
  for (const d of dups) {
    expect(d.originalResponse).toBeDefined();
    expect(d.duplicateResponse).toBeDefined();
    const parts = (r: ProduceResponse) => r.responses.flatMap((t) => t.partitionResponses.map((p) => ({ index: p.index, errorCode: p.errorCode, baseOffset: p.baseOffset })));
    const original = parts(d.originalResponse!);
    expect(original.every((p) => p.errorCode === ErrorCode.NONE)).toBe(true);
    expect(parts(d.duplicateResponse!)).toEqual(original);
  }
}

test('node-rdkafka (enable.idempotence): a re-sent Produce is stored once and answered with the original offset', async () => {
  const topic = 'idem-rdkafka';
  await createTopic(topic);
  const producer = new Kafka.Producer({
    'bootstrap.servers': proxy.address,
    'enable.idempotence': true,
    dr_cb: true,
    'linger.ms': 5,
    'batch.num.messages': 20,
  });
  let reports = 0;
  const errors: string[] = [];
  producer.on('delivery-report', (err) => {
    reports++;
    if (err) errors.push(err.message);
  });
  await new Promise<void>((resolve, reject) => producer.connect({}, (err) => (err ? reject(err) : resolve())));
  producer.setPollInterval(10);
  const count = 200;
  try {
    for (let i = 0; i < count; i++) {
      producer.produce(topic, i % PARTITIONS, Buffer.from(`rd-${i}`), `k-${i}`);
      // Space the messages out a little so they make several Produce requests.
      if (i % 20 === 19) await waitFor('deliveries', () => (reports > i - 20 ? true : undefined));
    }
    await waitFor('every delivery report', () => (reports >= count ? true : undefined));
  } finally {
    await new Promise<void>((resolve) => producer.disconnect(() => resolve()));
  }
  expect(errors).toEqual([]);
  expectDuplicatesAnsweredWithOriginalOffsets(topic);
  const values = await storedValues(topic);
  expect(values).toHaveLength(count);
  expect(new Set(values).size).toBe(count);
});

test('kafkajs (idempotent: true): a re-sent Produce is stored once and answered with the original offset', async () => {
  const topic = 'idem-kafkajs';
  await createTopic(topic);
  const kafka = new KafkaJs({ brokers: [proxy.address], clientId: 'idem-kafkajs', logLevel: logLevel.NOTHING });
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  const count = 120;
  try {
    for (let i = 0; i < count; i += 10) {
      await producer.send({
        topic,
        messages: Array.from({ length: 10 }, (_, j) => ({ key: `k-${i + j}`, value: `js-${i + j}`, partition: (i + j) % PARTITIONS })),
      });
    }
  } finally {
    await producer.disconnect();
  }
  expectDuplicatesAnsweredWithOriginalOffsets(topic);
  const values = await storedValues(topic);
  expect(values).toHaveLength(count);
  expect(new Set(values).size).toBe(count);
});

describe('the rules, one raw request at a time', () => {
  const topic = 'raw-idem';
  let c: RawKafkaClient;
  let producerId: bigint;
  let epoch: number;

  beforeAll(async () => {
    await createTopic(topic);
    c = await RawKafkaClient.connect(broker.host, broker.port);
    const res = await c.request(Apis.InitProducerId, 4, { transactionalId: null, transactionTimeoutMs: -1, producerId: -1n, producerEpoch: -1 });
    expect(res.errorCode).toBe(ErrorCode.NONE);
    expect(res.producerId).toBeGreaterThanOrEqual(0n);
    producerId = res.producerId;
    epoch = res.producerEpoch;
  });

  afterAll(() => c?.close());

  const batch = (values: string[], baseSequence: number, producerEpoch = epoch) =>
    encodeRecordBatch(
      values.map((v) => ({ value: Buffer.from(v) })),
      { producerId, producerEpoch, baseSequence },
    );

  test('the same producer id, epoch and sequence twice: the second answer has the first one\'s offset, nothing is added', async () => {
    const start = await listOffset(c, topic, 0);
    const first = await producePartition(c, topic, 0, batch(['a0', 'a1', 'a2'], 0));
    expect(first.errorCode).toBe(ErrorCode.NONE);
    expect(first.baseOffset).toBe(start);
    const again = await producePartition(c, topic, 0, batch(['a0', 'a1', 'a2'], 0));
    expect(again.errorCode).toBe(ErrorCode.NONE);
    expect(again.baseOffset).toBe(first.baseOffset);
    expect(await listOffset(c, topic, 0)).toBe(start + 3n);
    // The next sequence is accepted, and an older (not the latest) batch is still recognised.
    const next = await producePartition(c, topic, 0, batch(['b0', 'b1'], 3));
    expect(next.errorCode).toBe(ErrorCode.NONE);
    expect(next.baseOffset).toBe(start + 3n);
    const older = await producePartition(c, topic, 0, batch(['a0', 'a1', 'a2'], 0));
    expect(older.errorCode).toBe(ErrorCode.NONE);
    expect(older.baseOffset).toBe(start);
    expect(await listOffset(c, topic, 0)).toBe(start + 5n);
  });

  test('a sequence gap gets OUT_OF_ORDER_SEQUENCE_NUMBER and stores nothing', async () => {
    const end = await listOffset(c, topic, 0);
    const gap = await producePartition(c, topic, 0, batch(['gap'], 10));
    expect(gap.errorCode).toBe(ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER);
    expect(await listOffset(c, topic, 0)).toBe(end);
    // The producer can carry on from where it really is.
    const ok = await producePartition(c, topic, 0, batch(['c0'], 5));
    expect(ok.errorCode).toBe(ErrorCode.NONE);
    expect(ok.baseOffset).toBe(end);
  });

  test('after an epoch bump, the older epoch gets INVALID_PRODUCER_EPOCH and stores nothing', async () => {
    // An idempotent producer bumps its own epoch and restarts at sequence 0 (KIP-360).
    const bumped = await producePartition(c, topic, 0, batch(['d0'], 0, epoch + 1));
    expect(bumped.errorCode).toBe(ErrorCode.NONE);
    const end = await listOffset(c, topic, 0);
    const stale = await producePartition(c, topic, 0, batch(['stale'], 6, epoch));
    expect(stale.errorCode).toBe(ErrorCode.INVALID_PRODUCER_EPOCH);
    expect(await listOffset(c, topic, 0)).toBe(end);
    const values = (await storedValues(topic)).filter((v) => v !== 'stale');
    expect(values).toEqual(['a0', 'a1', 'a2', 'b0', 'b1', 'c0', 'd0']);
  });
});

test('the producer state survives a restart: a retry after it still gets the original offset, a gap is still a gap', async () => {
  const topic = 'idem-restart';
  let disk = await startBrokerProcess({ config: { 'num.partitions': 1 } });
  try {
    const connect = () => RawKafkaClient.connect(disk.host, disk.port);
    let c = await connect();
    expect((await metadata(c, [topic], true)).topics[0]?.errorCode).toBe(ErrorCode.NONE);
    const init = await c.request(Apis.InitProducerId, 4, { transactionalId: null, transactionTimeoutMs: -1, producerId: -1n, producerEpoch: -1 });
    const mk = (values: string[], baseSequence: number) =>
      encodeRecordBatch(values.map((v) => ({ value: Buffer.from(v) })), { producerId: init.producerId, producerEpoch: init.producerEpoch, baseSequence });
    expect((await producePartition(c, topic, 0, mk(['x0', 'x1'], 0))).baseOffset).toBe(0n);
    const last = await producePartition(c, topic, 0, mk(['y0', 'y1', 'y2'], 2));
    expect(last.baseOffset).toBe(2n);
    c.close();

    // Both a graceful stop (snapshot) and a crash (replay from the log) must keep the state.
    for (const stop of ['SIGTERM', 'SIGKILL'] as const) {
      if (stop === 'SIGTERM') expect(await disk.stop()).toBe(0);
      else await disk.kill();
      disk = await startBrokerProcess({ dataDir: disk.dataDir });
      c = await connect();
      const retry = await producePartition(c, topic, 0, mk(['y0', 'y1', 'y2'], 2));
      expect(retry.errorCode).toBe(ErrorCode.NONE);
      expect(retry.baseOffset).toBe(2n);
      expect((await producePartition(c, topic, 0, mk(['gap'], 9))).errorCode).toBe(ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER);
      expect(await listOffset(c, topic, 0)).toBe(5n);
      c.close();
    }
  } finally {
    await disk.stop();
  }
});
