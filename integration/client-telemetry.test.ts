/**
 * Client telemetry (KIP-714) against a real broker process:
 * - a subscription made with IncrementalAlterConfigs on a CLIENT_METRICS
 *   resource is listed (ListClientMetricsResources) and described;
 * - node-rdkafka (librdkafka 2.12, which calls GetTelemetrySubscriptions on
 *   its own once the broker advertises it) pushes its metrics (zstd
 *   compressed, as the broker prefers) and they appear on /metrics with the
 *   client's labels;
 * - with no subscription a librdkafka producer asks once and pushes nothing;
 * - raw pushes that are malformed, oversize, early, stale or after a
 *   terminating push get Kafka's errors.
 */
import * as fs from 'node:fs';
import { scrape } from './support/metrics';
import Kafka from 'node-rdkafka';
import { BrokerProcess, startBrokerProcess } from './support/broker-process';
import { RawKafkaClient, requestBody } from './support/raw-kafka-client';
import { waitFor } from './support/roundtrip';
import { Apis } from '../src/protocol/apis';
import { ErrorCode } from '../src/protocol/errors';
import { ConfigResourceType, ConfigSource } from '../src/config';
import { ZERO_UUID } from '../src/protocol/primitives/codec-support';
import { encodeOtlpMetrics } from '../src/telemetry/otlp-metrics';

let broker: BrokerProcess;
let metricsUrl: string;
let raw: RawKafkaClient;

function sample(text: string, prefix: string): number {
  const line = text.split('\n').find((l) => l.startsWith(prefix));
  return line === undefined ? NaN : Number(line.slice(line.lastIndexOf(' ') + 1));
}

async function subscribe(name: string, configs: Record<string, string>, op = 0) {
  const res = await raw.request(
    Apis.IncrementalAlterConfigs,
    1,
    requestBody(Apis.IncrementalAlterConfigs, {
      resources: [{ resourceType: ConfigResourceType.CLIENT_METRICS, resourceName: name, configs: Object.entries(configs).map(([n, value]) => ({ name: n, configOperation: op, value })) }],
    }),
  );
  return res.responses[0];
}

async function producerSession(clientId: string, messages: number): Promise<void> {
  const producer = new Kafka.Producer({ 'bootstrap.servers': broker.bootstrap, 'client.id': clientId, dr_cb: true, 'linger.ms': 5 });
  let reports = 0;
  producer.on('delivery-report', () => reports++);
  await new Promise<void>((resolve, reject) => producer.connect({}, (err) => (err ? reject(err) : resolve())));
  producer.setPollInterval(10);
  try {
    for (let i = 0; i < messages; i++) producer.produce('telemetry-topic', null, Buffer.from(`m${i}`), `k${i}`);
    await waitFor('delivery reports', () => reports >= messages, 30_000);
  } finally {
    await new Promise<void>((resolve) => producer.disconnect(() => resolve()));
  }
}

beforeAll(async () => {
  broker = await startBrokerProcess({ memory: true, args: ['--metrics-port', '0'], config: { 'telemetry.max.bytes': 65536 } });
  const m = /"metricsUrl":"([^"]+)"/.exec(broker.output());
  if (!m?.[1]) throw new Error(`no metrics URL in:\n${broker.output()}`);
  metricsUrl = m[1];
  raw = await RawKafkaClient.connect(broker.host, broker.port);
}, 60_000);

afterAll(async () => {
  raw?.close();
  await broker?.stop();
  if (broker && fs.existsSync(broker.dataDir)) fs.rmSync(broker.dataDir, { recursive: true, force: true });
});

test('with no subscription, a librdkafka producer asks for one and pushes nothing', async () => {
  await producerSession('quiet-producer', 10);
  const text = await scrape(metricsUrl);
  expect(sample(text, 'weir_requests_total{api="GetTelemetrySubscriptions"}')).toBeGreaterThanOrEqual(1);
  expect(text).not.toContain('weir_requests_total{api="PushTelemetry"}');
}, 60_000);

test('a subscription is stored, listed and described as Kafka does', async () => {
  expect(await subscribe('producers', { metrics: 'org.apache.kafka.producer.', 'interval.ms': '200', match: 'client_id=telemetry-.*' })).toMatchObject({ errorCode: 0 });
  const listed = await raw.request(Apis.ListClientMetricsResources, 0, {});
  expect(listed.clientMetricsResources.map((r) => r.name)).toEqual(['producers']);
  const described = await raw.request(
    Apis.DescribeConfigs,
    4,
    requestBody(Apis.DescribeConfigs, { resources: [{ resourceType: ConfigResourceType.CLIENT_METRICS, resourceName: 'producers', configurationKeys: null }] }),
  );
  expect(described.results[0]?.configs.map((c) => [c.name, c.value, c.configSource]).sort()).toEqual([
    ['interval.ms', '200', ConfigSource.CLIENT_METRICS_CONFIG],
    ['match', 'client_id=telemetry-.*', ConfigSource.CLIENT_METRICS_CONFIG],
    ['metrics', 'org.apache.kafka.producer.', ConfigSource.CLIENT_METRICS_CONFIG],
  ]);
  // Kafka's checks.
  expect(await subscribe('bad', { 'interval.ms': '50' })).toMatchObject({ errorCode: ErrorCode.INVALID_REQUEST });
  expect(await subscribe('bad', { colour: 'blue' })).toMatchObject({ errorCode: ErrorCode.INVALID_REQUEST, errorMessage: 'Unknown client metrics configuration: colour' });
  expect(await subscribe('bad', { match: 'client_colour=blue' })).toMatchObject({ errorCode: ErrorCode.INVALID_CONFIG, errorMessage: 'Illegal client matching pattern: client_colour=blue' });
  expect(await subscribe('producers', { 'interval.ms': '1' }, 2)).toMatchObject({ errorCode: ErrorCode.INVALID_CONFIG });
}, 30_000);

test('librdkafka pushes its metrics; they show on /metrics with the client\'s labels', async () => {
  await producerSession('telemetry-producer', 50);
  // The session pushed at least once (every 200 ms, and a terminating push on close).
  await waitFor('pushed producer metrics on /metrics', async () => (await scrape(metricsUrl)).includes('client_id="telemetry-producer"'), 30_000);
  const text = await scrape(metricsUrl);
  const lines = text.split('\n').filter((l) => l.includes('client_id="telemetry-producer"'));
  expect(lines.length).toBeGreaterThan(3);
  expect(lines.every((l) => l.startsWith('org_apache_kafka_producer_'))).toBe(true);
  expect(lines[0]).toContain('client_software_name="librdkafka"');
  expect(lines[0]).toMatch(/client_instance_id="[A-Za-z0-9_-]{22}"/);
  expect(sample(text, 'weir_requests_total{api="PushTelemetry"}')).toBeGreaterThanOrEqual(1);
  // The broker has no record of a refused push from it.
  expect(broker.output()).not.toMatch(/telemetry push not decodable/);
}, 60_000);

describe('raw pushes refused with Kafka\'s errors', () => {
  test('malformed, oversize, early, stale, unknown compression, after terminating', async () => {
    const unmatched = await raw.request(Apis.GetTelemetrySubscriptions, 0, { clientInstanceId: ZERO_UUID });
    expect(unmatched).toMatchObject({ errorCode: 0, requestedMetrics: [], pushIntervalMs: 300_000 });
    await subscribe('raw', { metrics: '*', 'interval.ms': '60000', match: 'client_id=weir-raw-client' });
    const good = encodeOtlpMetrics({ resourceMetrics: [{ scopeMetrics: [{ metrics: [{ name: 'raw.gauge', gauge: { dataPoints: [{ asDouble: 42 }] } }] }] }] });
    /** A fresh client instance (its first push after a Get is never early), and one push from it. */
    const pushAsNewClient = async (o: Partial<{ subscriptionId: number; terminating: boolean; compressionType: number; metrics: Buffer }>) => {
      const s = await raw.request(Apis.GetTelemetrySubscriptions, 0, { clientInstanceId: ZERO_UUID });
      expect(s).toMatchObject({ errorCode: 0, requestedMetrics: ['*'], pushIntervalMs: 60_000, telemetryMaxBytes: 65536, deltaTemporality: false });
      const push = (p: typeof o) =>
        raw.request(Apis.PushTelemetry, 0, { clientInstanceId: s.clientInstanceId, subscriptionId: s.subscriptionId, terminating: false, compressionType: 0, metrics: good, ...p });
      return { first: (await push(o)).errorCode, push };
    };

    expect((await pushAsNewClient({ metrics: Buffer.from([0x0a, 0xff, 0xff, 0x01]) })).first).toBe(ErrorCode.INVALID_RECORD);
    expect((await pushAsNewClient({ metrics: Buffer.alloc(70_000) })).first).toBe(ErrorCode.TELEMETRY_TOO_LARGE);
    expect((await pushAsNewClient({ subscriptionId: 12345 })).first).toBe(ErrorCode.UNKNOWN_SUBSCRIPTION_ID);
    expect((await pushAsNewClient({ compressionType: 7 })).first).toBe(ErrorCode.UNSUPPORTED_COMPRESSION_TYPE);
    const ok = await pushAsNewClient({});
    expect(ok.first).toBe(0);
    expect((await ok.push({})).errorCode).toBe(ErrorCode.THROTTLING_QUOTA_EXCEEDED);
    await waitFor('the raw gauge on /metrics', async () => sample(await scrape(metricsUrl), 'raw_gauge{') === 42, 10_000);
    // A terminating push is taken even early; nothing after it is.
    expect((await ok.push({ terminating: true })).errorCode).toBe(0);
    expect((await ok.push({})).errorCode).toBe(ErrorCode.INVALID_REQUEST);
    // The zero id is never a client's.
    expect((await raw.request(Apis.PushTelemetry, 0, { clientInstanceId: ZERO_UUID, subscriptionId: 0, terminating: false, compressionType: 0, metrics: good })).errorCode).toBe(
      ErrorCode.INVALID_REQUEST,
    );
  }, 30_000);
});
