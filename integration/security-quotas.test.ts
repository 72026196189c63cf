/**
 * Client quotas, end to end with real clients and a broker process:
 *
 * - `weir quota set|describe` (AlterClientQuotas / DescribeClientQuotas)
 *   round-trip, with Kafka's errors for what Kafka refuses;
 * - a node-rdkafka producer over its client id's producer_byte_rate is told
 *   throttle_time_ms (librdkafka's throttle events) and held to the quota
 *   within 10%, while a producer with another client id, running at the
 *   same time, is never throttled and goes much faster;
 * - a node-rdkafka consumer over its consumer_byte_rate likewise;
 * - raw AlterClientQuotas / DescribeClientQuotas v0 and v1 answer as Kafka;
 * - KIP-219: after a throttled response the connection is not read until
 *   the throttle time has passed, even from a client that ignores it;
 * - the quotas survive a restart (they are ClientQuotaRecords in the
 *   metadata log).
 *
 * The rate is measured as the broker accounts it (Kafka's sampled rate
 * over `quota.window.num` windows): bytes acknowledged over a stretch of
 * several seconds after the first window. quota.window.num is 2 here
 * instead of Kafka's 11: with 11 windows a new client may send ten windows'
 * worth at once before being held, so a rate over a few seconds says
 * nothing; with 2 its burst is one window and the rate is steady after it.
 * The byte counts are the records' values; the request framing the broker
 * also counts adds ~2% (asserted with the 10%). Kafka's sampled
 * rate lets a client a little over its quota where old samples expire
 * during a throttle (here ~5% of values, ~7% on the wire, run after run).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import Kafka from 'node-rdkafka';
import { BrokerProcess, startBrokerProcess, tempDir } from './support/broker-process';
import { createTopic, run } from './support/roundtrip';
import { platformatic } from './support/platformatic';
import { RawKafkaClient, listOffset, produceBody } from './support/raw-kafka-client';
import { Apis } from '../src/protocol/apis';
import { ErrorCode } from '../src/protocol/errors';
import { encodeRecordBatch } from '../src/protocol/records';

const CLI = path.resolve(__dirname, '../dist/cli/main.js');
const QUOTA = 200_000; // bytes per second
const VALUE = Buffer.alloc(1000, 'q');
const dataDir = tempDir('weir-quotas-');
let broker: BrokerProcess | undefined;

function weir(args: string[]): ReturnType<typeof run> {
  return run(process.execPath, [CLI, ...args], '', 30_000);
}

function start(): Promise<BrokerProcess> {
  return startBrokerProcess({ dataDir, config: { 'quota.window.num': 2, 'quota.window.size.seconds': 1 } });
}

afterAll(async () => {
  await broker?.stop();
  // The unthrottled producer writes a few hundred MB.
  fs.rmSync(dataDir, { recursive: true, force: true });
});

interface ProduceRun {
  /** [ms since the run started, bytes] per acknowledged message. */
  acked: [number, number][];
  throttles: number[];
  failed: string[];
}

/** Produces as fast as librdkafka will for `durationMs` (small batches, so each request is small next to a second's quota). */
async function produceFlat(clientId: string, topic: string, durationMs: number): Promise<ProduceRun> {
  const result: ProduceRun = { acked: [], throttles: [], failed: [] };
  const producer = new Kafka.Producer({
    'bootstrap.servers': broker!.bootstrap,
    'client.id': clientId,
    dr_cb: true,
    'request.required.acks': 1,
    'batch.size': 16384,
    'linger.ms': 1,
    // Little queued beyond what the quota lets through, so the flush at the end is short.
    'queue.buffering.max.messages': 200,
  } as Kafka.ProducerGlobalConfig);
  producer.on('event.throttle', (e: { throttleTime: number }) => result.throttles.push(e.throttleTime));
  await new Promise<void>((resolve, reject) => producer.connect({ timeout: 15_000 }, (err) => (err ? reject(err) : resolve())));
  const started = Date.now();
  producer.on('delivery-report', (err, report) => {
    if (err) result.failed.push(err.message);
    else result.acked.push([Date.now() - started, report.size]);
  });
  producer.setPollInterval(5);
  try {
    while (Date.now() - started < durationMs) {
      try {
        producer.produce(topic, 0, VALUE);
      } catch (err) {
        // QUEUE_FULL: the broker is holding this client back; let the queue drain a little.
        if ((err as { code?: number }).code !== Kafka.CODES.ERRORS.ERR__QUEUE_FULL) throw err;
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
    }
    await new Promise<void>((resolve, reject) => producer.flush(60_000, (err) => (err ? reject(err) : resolve())));
  } finally {
    await new Promise<void>((resolve) => producer.disconnect(() => resolve()));
  }
  return result;
}

/** Reads `topic` partition 0 from the start for `durationMs` with node-rdkafka. */
async function consumeFlat(clientId: string, topic: string, durationMs: number): Promise<ProduceRun> {
  const result: ProduceRun = { acked: [], throttles: [], failed: [] };
  const consumer = new Kafka.KafkaConsumer(
    {
      'bootstrap.servers': broker!.bootstrap,
      'client.id': clientId,
      'group.id': `quota-${clientId}`,
      'enable.auto.commit': false,
      'fetch.wait.max.ms': 100,
      // Small fetches, so each is small next to a second's quota (as the producer's small batches).
      'max.partition.fetch.bytes': 16384,
      'fetch.max.bytes': 32768,
      'message.max.bytes': 32768,
    } as Kafka.ConsumerGlobalConfig,
    { 'auto.offset.reset': 'earliest' },
  );
  consumer.on('event.throttle', (e: { throttleTime: number }) => result.throttles.push(e.throttleTime));
  consumer.on('event.error', (e) => result.failed.push(e.message));
  await new Promise<void>((resolve, reject) => consumer.connect({ timeout: 15_000 }, (err) => (err ? reject(err) : resolve())));
  try {
    consumer.assign([{ topic, partition: 0, offset: 0 }]);
    const started = Date.now();
    consumer.on('data', (m) => result.acked.push([Date.now() - started, m.value?.length ?? 0]));
    consumer.consume();
    await new Promise((resolve) => setTimeout(resolve, durationMs));
  } finally {
    consumer.pause([{ topic, partition: 0 }]);
    consumer.unassign();
    await new Promise<void>((resolve) => consumer.disconnect(() => resolve()));
  }
  return result;
}

/** Acknowledged bytes per second between `fromMs` and `toMs` of a run. */
function rate(r: ProduceRun, fromMs: number, toMs: number): number {
  let bytes = 0;
  for (const [at, n] of r.acked) if (at >= fromMs && at < toMs) bytes += n;
  return bytes / ((toMs - fromMs) / 1000);
}

async function highWatermark(topic: string): Promise<bigint> {
  const client = await RawKafkaClient.connect(broker!.host, broker!.port);
  try {
    return await listOffset(client, topic, 0);
  } finally {
    client.socket.destroy();
  }
}

describe('client quotas', () => {
  beforeAll(async () => {
    broker = await start();
  }, 60_000);

  it('weir quota set / describe round-trip through AlterClientQuotas and DescribeClientQuotas', async () => {
    const set = await weir(['quota', 'set', '--client-id', 'throttled', `producer_byte_rate=${QUOTA}`, '-b', broker!.bootstrap]);
    expect(set.stderr).toBe('');
    expect(set.code).toBe(0);
    expect((await weir(['quota', 'set', '--user-default', '--client-id-default', 'request_percentage=250', 'consumer_byte_rate=1048576', '-b', broker!.bootstrap])).code).toBe(0);
    expect((await weir(['quota', 'set', '--user', 'alice', 'producer_byte_rate=1000', '-b', broker!.bootstrap])).code).toBe(0);
    expect((await weir(['quota', 'set', '--user', 'alice', '--delete', 'producer_byte_rate', '-b', broker!.bootstrap])).code).toBe(0);

    const all = await weir(['quota', 'describe', '-b', broker!.bootstrap]);
    expect(all.code).toBe(0);
    expect(all.stdout.trim().split('\n').slice(1).map((l) => l.split(/\s+/))).toEqual([
      ['client-id=throttled', 'producer_byte_rate', String(QUOTA)],
      ['user=<default>,client-id=<default>', 'request_percentage', '250'],
      ['user=<default>,client-id=<default>', 'consumer_byte_rate', '1048576'],
    ]);
    const one = await weir(['quota', 'describe', '--client-id', 'throttled', '--strict', '-b', broker!.bootstrap]);
    expect(one.stdout.trim().split('\n').slice(1).map((l) => l.split(/\s+/)[0])).toEqual(['client-id=throttled']);

    // What Kafka refuses, refused with its error and message.
    const fractional = await weir(['quota', 'set', '--user', 'bob', 'producer_byte_rate=1.5', '-b', broker!.bootstrap]);
    expect(fractional.code).not.toBe(0);
    expect(fractional.stderr).toContain('INVALID_REQUEST (producer_byte_rate cannot be a fractional value.)');
    const ipKey = await weir(['quota', 'set', '--ip', '10.1.2.3', 'producer_byte_rate=5', '-b', broker!.bootstrap]);
    expect(ipKey.stderr).toContain('INVALID_REQUEST (Invalid configuration key producer_byte_rate)');
    // Remove the default-entity quotas again: they would apply to every client below.
    expect((await weir(['quota', 'set', '--user-default', '--client-id-default', '--delete', 'request_percentage', '--delete', 'consumer_byte_rate', '-b', broker!.bootstrap])).code).toBe(0);
  });

  it('a producer over its producer_byte_rate is throttled to the quota; another client id is not slowed', async () => {
    await createTopic(broker!.bootstrap, 'quota-throttled', 1);
    await createTopic(broker!.bootstrap, 'quota-free', 1);
    const [throttled, free] = await Promise.all([produceFlat('throttled', 'quota-throttled', 10_000), produceFlat('free', 'quota-free', 10_000)]);
    expect(throttled.failed).toEqual([]);
    expect(free.failed).toEqual([]);

    // The broker said throttle_time_ms to the throttled client, never to the other.
    // (librdkafka also reports 0 when a throttle ends.)
    expect(Math.max(...throttled.throttles)).toBeGreaterThan(0);
    expect(free.throttles.filter((t) => t > 0)).toEqual([]);

    // After the first window's burst, the rate is the quota (±10%), over 8 s.
    const held = rate(throttled, 2_000, 10_000);
    expect(held).toBeGreaterThan(QUOTA * 0.9);
    expect(held).toBeLessThan(QUOTA * 1.1);
    // The other client was not held to it.
    expect(rate(free, 2_000, 10_000)).toBeGreaterThan(QUOTA * 2);

    // Every acknowledged message is in the log.
    expect(await highWatermark('quota-throttled')).toBe(BigInt(throttled.acked.length));
    expect(await highWatermark('quota-free')).toBe(BigInt(free.acked.length));
  }, 120_000);

  it('a consumer over its consumer_byte_rate is throttled to the quota', async () => {
    // quota-throttled holds ~2 MB from the test above: about ten seconds' worth at the quota.
    expect((await weir(['quota', 'set', '--client-id', 'slow-reader', `consumer_byte_rate=${QUOTA}`, '-b', broker!.bootstrap])).code).toBe(0);
    const read = await consumeFlat('slow-reader', 'quota-throttled', 9_000);
    expect(Math.max(...read.throttles)).toBeGreaterThan(0);
    const held = rate(read, 2_000, 9_000);
    expect(held).toBeGreaterThan(QUOTA * 0.9);
    expect(held).toBeLessThan(QUOTA * 1.1);
    expect((await weir(['quota', 'set', '--client-id', 'slow-reader', '--delete', 'consumer_byte_rate', '-b', broker!.bootstrap])).code).toBe(0);
  }, 60_000);

  it('raw AlterClientQuotas / DescribeClientQuotas v0 and v1: Kafka\'s answers', async () => {
    const client = await RawKafkaClient.connect(broker!.host, broker!.port);
    try {
      const alter = await client.request(Apis.AlterClientQuotas, 0, {
        entries: [
          { entity: [{ entityType: 'user', entityName: 'raw-user' }, { entityType: 'client-id', entityName: null }], ops: [{ key: 'consumer_byte_rate', value: 4096, remove: false }] },
          { entity: [{ entityType: 'user', entityName: 'raw-user' }], ops: [{ key: 'consumer_byte_rate', value: -1, remove: false }] },
        ],
        validateOnly: false,
      });
      expect(alter.entries.map((e) => [e.errorCode, e.errorMessage])).toEqual([
        [ErrorCode.NONE, null],
        [ErrorCode.INVALID_REQUEST, 'Quota consumer_byte_rate must be greater than 0'],
      ]);
      const validateOnly = await client.request(Apis.AlterClientQuotas, 1, {
        entries: [{ entity: [{ entityType: 'user', entityName: 'raw-other' }], ops: [{ key: 'request_percentage', value: 10, remove: false }] }],
        validateOnly: true,
      });
      expect(validateOnly.entries[0]!.errorCode).toBe(ErrorCode.NONE);
      for (const version of [0, 1]) {
        const described = await client.request(Apis.DescribeClientQuotas, version, { components: [{ entityType: 'user', matchType: 0, match: 'raw-user' }], strict: false });
        expect(described.errorCode).toBe(ErrorCode.NONE);
        expect(described.entries).toEqual([
          {
            entity: expect.arrayContaining([
              { entityType: 'user', entityName: 'raw-user' },
              { entityType: 'client-id', entityName: null },
            ]),
            values: [{ key: 'consumer_byte_rate', value: 4096 }],
          },
        ]);
      }
      const other = await client.request(Apis.DescribeClientQuotas, 1, { components: [{ entityType: 'user', matchType: 0, match: 'raw-other' }], strict: false });
      expect(other.entries).toEqual([]);
      const bad = await client.request(Apis.DescribeClientQuotas, 1, { components: [{ entityType: 'user', matchType: 1, match: 'x' }], strict: false });
      expect([bad.errorCode, bad.errorMessage, bad.entries]).toEqual([ErrorCode.INVALID_REQUEST, 'Request specified MATCH_TYPE_DEFAULT, but also specified a match string.', null]);
      await client.request(Apis.AlterClientQuotas, 1, {
        entries: [{ entity: [{ entityType: 'user', entityName: 'raw-user' }, { entityType: 'client-id', entityName: null }], ops: [{ key: 'consumer_byte_rate', value: 0, remove: true }] }],
        validateOnly: false,
      });
    } finally {
      client.close();
    }
  });

  it('@platformatic/kafka\'s admin client: alterClientQuotas and describeClientQuotas', async () => {
    const answer = await platformatic({ op: 'quotas', bootstrap: broker!.bootstrap, user: 'plat-user', producerByteRate: 123456 });
    if (!answer.ok) throw new Error(answer.error);
    expect(answer.quotas).toEqual({
      altered: [{ errorCode: 0, errorMessage: null, entity: [{ entityType: 'user', entityName: 'plat-user' }] }],
      described: [{ entity: [{ entityType: 'user', entityName: 'plat-user' }], values: [{ key: 'producer_byte_rate', value: 123456 }] }],
    });
    expect((await weir(['quota', 'set', '--user', 'plat-user', '--delete', 'producer_byte_rate', '-b', broker!.bootstrap])).code).toBe(0);
  }, 60_000);

  it('KIP-219: a throttled response comes at once, then the connection is not read until the throttle time has passed', async () => {
    // The raw client's client id is weir-raw-client: 10 kB/s, and a 20 kB produce is twice that over the 1 s minimum window.
    expect((await weir(['quota', 'set', '--client-id', 'weir-raw-client', 'producer_byte_rate=10000', '-b', broker!.bootstrap])).code).toBe(0);
    await createTopic(broker!.bootstrap, 'quota-raw', 1);
    const client = await RawKafkaClient.connect(broker!.host, broker!.port);
    try {
      const batch = encodeRecordBatch([{ value: Buffer.alloc(20_000, 'r') }]);
      const first = client.request(Apis.Produce, 9, produceBody('quota-raw', 0, batch, { acks: 1 }));
      const firstRes = await first;
      const answeredAt = Date.now();
      expect(firstRes.responses[0]!.partitionResponses[0]!.errorCode).toBe(ErrorCode.NONE);
      expect(firstRes.throttleTimeMs).toBeGreaterThan(500);
      // A client that ignores throttle_time_ms and asks again at once is not answered before (most of) the throttle time.
      const second = await client.request(Apis.Metadata, 12, { topics: [], allowAutoTopicCreation: false, includeClusterAuthorizedOperations: false, includeTopicAuthorizedOperations: false });
      expect(second.brokers.length).toBe(1);
      expect(Date.now() - answeredAt).toBeGreaterThanOrEqual(firstRes.throttleTimeMs / 2);
    } finally {
      client.close();
    }
    expect((await weir(['quota', 'set', '--client-id', 'weir-raw-client', '--delete', 'producer_byte_rate', '-b', broker!.bootstrap])).code).toBe(0);
  });

  it('request_percentage: a client using more than its share of request handling time is throttled', async () => {
    expect((await weir(['quota', 'set', '--client-id', 'weir-raw-client', 'request_percentage=0.01', '-b', broker!.bootstrap])).code).toBe(0);
    const client = await RawKafkaClient.connect(broker!.host, broker!.port);
    try {
      // 0.01% of a thread is 100 µs per second: a few Metadata requests use it up.
      let throttleTimeMs = 0;
      for (let i = 0; i < 1000 && throttleTimeMs === 0; i++) {
        const res = await client.request(Apis.Metadata, 12, { topics: null, allowAutoTopicCreation: false, includeClusterAuthorizedOperations: false, includeTopicAuthorizedOperations: false });
        throttleTimeMs = res.throttleTimeMs;
      }
      expect(throttleTimeMs).toBeGreaterThan(0);
      // Request throttles are capped at one quota window (1 s here).
      expect(throttleTimeMs).toBeLessThanOrEqual(1000);
    } finally {
      client.close();
    }
    expect((await weir(['quota', 'set', '--client-id', 'weir-raw-client', '--delete', 'request_percentage', '-b', broker!.bootstrap])).code).toBe(0);
  });

  it('quotas survive a restart', async () => {
    expect(await broker!.stop()).toBe(0);
    broker = await start();
    const all = await weir(['quota', 'describe', '-b', broker.bootstrap]);
    expect(all.stdout.trim().split('\n').slice(1).map((l) => l.split(/\s+/))).toEqual([['client-id=throttled', 'producer_byte_rate', String(QUOTA)]]);
    await createTopic(broker.bootstrap, 'quota-after-restart', 1);
    const again = await produceFlat('throttled', 'quota-after-restart', 3_000);
    expect(again.failed).toEqual([]);
    expect(Math.max(...again.throttles)).toBeGreaterThan(0);
  }, 60_000);
});
