/**
 * Metrics end to end: a broker started with a metrics port, real traffic
 * through Weir's client, then /metrics fetched over HTTP and parsed.
 */
import * as http from 'node:http';
import { KafkaClient, createTopics, fetch, produce } from '../client';
import { RunningBroker, startBroker } from '../index';

function get(url: string): Promise<{ status: number; type: string; body: string }> {
  return new Promise((resolve, reject) => {
    http
      .get(url, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => (body += d));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, type: String(res.headers['content-type']), body }));
      })
      .on('error', reject);
  });
}

/** The value of one sample line, e.g. sample(text, 'weir_requests_total{api="Produce"}'). */
function sample(text: string, series: string): number {
  const line = text.split('\n').find((l) => l.startsWith(series + ' '));
  return line === undefined ? NaN : Number(line.slice(series.length + 1));
}

let broker: RunningBroker;
beforeAll(async () => {
  broker = await startBroker({ metricsPort: 0 });
});
afterAll(() => broker.close());

test('request, byte, message, partition, log and connection metrics move with traffic', async () => {
  expect(broker.metricsUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/metrics$/);
  const before = (await get(broker.metricsUrl!)).body;
  expect(sample(before, 'weir_partitions')).toBe(0);

  const client = await KafkaClient.connect(broker.bootstrapServers);
  try {
    await createTopics(client, [{ name: 'm', partitions: 2 }]);
    await produce(client, 'm', Array.from({ length: 7 }, (_, i) => ({ value: Buffer.from(`v${i}`), partition: i % 2 })));
    await produce(client, 'm', [{ value: Buffer.from('x'), partition: 0 }]);
    await fetch(client, 'm', [{ partition: 0, offset: 0n }]);

    const { status, type, body } = await get(broker.metricsUrl!);
    expect(status).toBe(200);
    expect(type).toContain('text/plain');
    expect(sample(body, 'weir_requests_total{api="Produce"}')).toBe(2);
    expect(sample(body, 'weir_requests_total{api="ApiVersions"}')).toBeGreaterThanOrEqual(1);
    expect(sample(body, 'weir_request_duration_seconds_count{api="Produce"}')).toBe(2);
    expect(sample(body, 'weir_request_duration_seconds_bucket{le="+Inf",api="Fetch"}')).toBe(1);
    expect(sample(body, 'weir_messages_in_total{topic="m"}')).toBe(8);
    expect(sample(body, 'weir_network_received_bytes_total{api="Produce"}')).toBeGreaterThan(100);
    expect(sample(body, 'weir_network_sent_bytes_total{api="Fetch"}')).toBeGreaterThan(100);
    // The fetch from offset 0 returned the whole log of partition 0: its record bytes, by topic.
    expect(sample(body, 'weir_bytes_out_total{topic="m"}')).toBe(sample(body, 'weir_log_size_bytes{topic="m",partition="0"}'));
    expect(sample(body, 'weir_partitions')).toBe(2);
    expect(sample(body, 'weir_log_end_offset{topic="m",partition="0"}')).toBe(5);
    expect(sample(body, 'weir_log_size_bytes{topic="m",partition="1"}')).toBeGreaterThan(0);
    // The client keeps a bootstrap connection and one per leader it talks to.
    expect(sample(body, 'weir_connections')).toBeGreaterThanOrEqual(1);
    expect(sample(body, 'weir_connections_opened_total')).toBe(sample(body, 'weir_connections'));
  } finally {
    await client.close();
  }
  // The connection gauge follows closes.
  for (let i = 0; i < 50 && sample((await get(broker.metricsUrl!)).body, 'weir_connections') !== 0; i++) await new Promise((r) => setTimeout(r, 10));
  expect(sample((await get(broker.metricsUrl!)).body, 'weir_connections')).toBe(0);
});

test('a single broker is its own active controller: it reports the cluster counts and leads every partition', async () => {
  const client = await KafkaClient.connect(broker.bootstrapServers);
  let topics: number;
  let partitions: number;
  try {
    await createTopics(client, [
      { name: 'single-a', partitions: 3 },
      { name: 'single-b', partitions: 1 },
    ]);
    // Every topic the cluster has (the first test's 'm' too), as Metadata lists them.
    const all = [...(await client.metadata(null)).topics.values()];
    topics = all.length;
    partitions = all.reduce((n, t) => n + t.partitions.length, 0);
  } finally {
    await client.close();
  }
  expect(partitions).toBeGreaterThanOrEqual(6);
  const body = (await get(broker.metricsUrl!)).body;
  expect(sample(body, 'weir_active_controller')).toBe(1);
  expect(sample(body, 'weir_global_topics')).toBe(topics);
  expect(sample(body, 'weir_global_partitions')).toBe(partitions);
  expect(sample(body, 'weir_partitions')).toBe(partitions);
  expect(sample(body, 'weir_leader_partitions')).toBe(sample(body, 'weir_partitions'));
  expect(sample(body, 'weir_active_brokers')).toBe(1);
  expect(sample(body, 'weir_fenced_brokers')).toBe(0);
  expect(sample(body, 'weir_offline_partitions')).toBe(0);
  expect(sample(body, 'weir_preferred_replica_imbalance')).toBe(0);
  // One replica, all of it in sync: nothing under-replicated; its ISR of 1 is min.insync.replicas capped at 1.
  expect(sample(body, 'weir_under_replicated_partitions')).toBe(0);
  expect(sample(body, 'weir_under_min_isr_partitions')).toBe(0);
  expect(sample(body, 'weir_at_min_isr_partitions')).toBe(sample(body, 'weir_partitions'));
  expect(sample(body, 'weir_isr_shrinks_total')).toBe(0);
  expect(sample(body, 'weir_isr_expands_total')).toBe(0);
});

test('other paths are 404', async () => {
  expect((await get(broker.metricsUrl!.replace('/metrics', '/nope'))).status).toBe(404);
});

test('two brokers in one process keep separate numbers', async () => {
  const other = await startBroker({ metricsPort: 0 });
  try {
    const body = (await get(other.metricsUrl!)).body;
    expect(Number.isNaN(sample(body, 'weir_requests_total{api="Produce"}')) || sample(body, 'weir_requests_total{api="Produce"}') === 0).toBe(true);
  } finally {
    await other.close();
  }
});

test('without metricsPort there is no endpoint', async () => {
  const plain = await startBroker();
  try {
    expect(plain.metricsUrl).toBeUndefined();
  } finally {
    await plain.close();
  }
});
