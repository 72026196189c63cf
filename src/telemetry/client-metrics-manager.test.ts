import { zstdCompress } from '../protocol/records/zstd';
import { gzipSync } from 'node:zlib';
import { ErrorCode } from '../protocol/errors';
import { ConfigResourceType } from '../config';
import { MetadataDelta } from '../cluster/metadata/metadata-delta';
import { MetadataImage } from '../cluster/metadata/metadata-image';
import { ClientMetricsManager, type ClientSelectors, kafkaUuidString } from './client-metrics-manager';
import { decodeOtlpMetrics, encodeOtlpMetrics } from './otlp-metrics';

const ZERO = '00000000-0000-0000-0000-000000000000';
const selectors: ClientSelectors = { clientId: 'app-1', softwareName: 'librdkafka', softwareVersion: '2.12.0', sourceAddress: '127.0.0.1', sourcePort: '40000' };

/** A MetricsData with one gauge and one monotonic sum (cumulative unless `delta`). */
function payload(sent: number, queueTime: number, delta = false): Buffer {
  const attrs = (kv: Record<string, string>) => Object.entries(kv).map(([key, v]) => ({ key, value: { stringValue: v } }));
  return encodeOtlpMetrics({
    resourceMetrics: [
      {
        resource: { attributes: attrs({ client_rack: 'r1' }) },
        scopeMetrics: [
          {
            metrics: [
              { name: 'org.apache.kafka.producer.record.queue.time.max', description: 'queue time', gauge: { dataPoints: [{ asDouble: queueTime, attributes: [] }] } },
              {
                name: 'org.apache.kafka.producer.node.request.total',
                sum: { isMonotonic: true, aggregationTemporality: delta ? 1 : 2, dataPoints: [{ asInt: sent, attributes: attrs({ node_id: '1' }) }] },
              },
            ],
          },
        ],
      },
    ],
  });
}

function withSubscriptions(m: ClientMetricsManager, subs: Record<string, Record<string, string>>): void {
  let delta = new MetadataDelta(MetadataImage.EMPTY);
  for (const [name, configs] of Object.entries(subs)) {
    for (const [key, value] of Object.entries(configs)) delta.replay({ type: 'ConfigRecord', data: { resourceType: ConfigResourceType.CLIENT_METRICS, resourceName: name, name: key, value } });
  }
  const image = delta.apply();
  m.onMetadataUpdate(delta, image);
  delta = new MetadataDelta(image);
}

describe('ClientMetricsManager', () => {
  let now = 1_000_000;
  const manager = () => new ClientMetricsManager({ telemetryMaxBytes: 4096, now: () => now, randomUuid: () => '11111111-2222-3333-4444-555555555555' });

  test('no subscription: a new instance id, no metrics, the default interval; asking again early is throttled', () => {
    const m = manager();
    const a = m.getSubscriptions(ZERO, selectors);
    expect(a).toMatchObject({ errorCode: 0, clientInstanceId: '11111111-2222-3333-4444-555555555555', requestedMetrics: [], pushIntervalMs: 300_000, telemetryMaxBytes: 4096 });
    expect(a.acceptedCompressionTypes).toEqual([4, 3, 1, 2]);
    expect(m.getSubscriptions(a.clientInstanceId, selectors)).toMatchObject({ errorCode: ErrorCode.THROTTLING_QUOTA_EXCEEDED, clientInstanceId: ZERO });
    now += 300_000;
    expect(m.getSubscriptions(a.clientInstanceId, selectors).errorCode).toBe(0);
  });

  test('matching subscriptions: metrics unioned, shortest interval, full-match patterns; a change is seen at once', () => {
    const m = manager();
    withSubscriptions(m, {
      producers: { metrics: 'org.apache.kafka.producer.', 'interval.ms': '1000', match: 'client_software_name=librdkafka' },
      rdk212: { metrics: 'org.apache.kafka.consumer.', 'interval.ms': '2000', match: 'client_software_version=2\\.12\\..*,client_id=app-.*' },
      java: { metrics: '*', match: 'client_software_name=java' },
      partial: { metrics: 'x.', match: 'client_id=app' },
    });
    const a = m.getSubscriptions(ZERO, selectors);
    expect(a.requestedMetrics).toEqual(['org.apache.kafka.consumer.', 'org.apache.kafka.producer.']);
    expect(a.pushIntervalMs).toBe(1000);
    expect(m.subscriptionNames().sort()).toEqual(['java', 'partial', 'producers', 'rdk212']);
    // A new subscription: the client gets it at once, with a new subscription id, no throttling.
    withSubscriptions(m, { all: { metrics: '*', 'interval.ms': '500' } });
    const b = m.getSubscriptions(a.clientInstanceId, selectors);
    expect(b).toMatchObject({ errorCode: 0, requestedMetrics: ['*'], pushIntervalMs: 500 });
    expect(b.subscriptionId).not.toBe(a.subscriptionId);
  });

  test('pushes: decoded, kept per series; Kafka\'s refusals in Kafka\'s order', () => {
    const m = manager();
    withSubscriptions(m, { all: { metrics: '*', 'interval.ms': '1000' } });
    const a = m.getSubscriptions(ZERO, selectors);
    const push = (o: Partial<{ subscriptionId: number; terminating: boolean; compressionType: number; metrics: Buffer; clientInstanceId: string }>) =>
      m.push({ clientInstanceId: a.clientInstanceId, subscriptionId: a.subscriptionId, terminating: false, compressionType: 0, metrics: payload(1, 1), ...o }, selectors).errorCode;

    expect(push({ metrics: payload(5, 2.5) })).toBe(ErrorCode.NONE); // the first push right after a Get is fine
    expect(push({})).toBe(ErrorCode.THROTTLING_QUOTA_EXCEEDED);
    now += 1000;
    expect(push({ subscriptionId: a.subscriptionId + 1 })).toBe(ErrorCode.UNKNOWN_SUBSCRIPTION_ID);
    now += 1000;
    expect(push({ compressionType: 9 })).toBe(ErrorCode.UNSUPPORTED_COMPRESSION_TYPE);
    now += 1000;
    expect(push({ metrics: Buffer.alloc(5000) })).toBe(ErrorCode.TELEMETRY_TOO_LARGE);
    now += 1000;
    expect(push({ metrics: Buffer.from([0x0a, 0xff, 0xff, 0x01]) })).toBe(ErrorCode.INVALID_RECORD); // a length past the end
    now += 1000;
    expect(push({ compressionType: 4, metrics: zstdCompress(payload(9, 3)) })).toBe(ErrorCode.NONE);
    expect(push({ clientInstanceId: ZERO })).toBe(ErrorCode.INVALID_REQUEST);

    const [client] = m.clients();
    expect(client?.clientInstanceId).toBe(kafkaUuidString(a.clientInstanceId));
    const series = [...(client?.series.values() ?? [])].map((s) => [s.name, s.kind, s.value, Object.fromEntries(s.attributes)]);
    expect(series).toEqual([
      ['org.apache.kafka.producer.record.queue.time.max', 'gauge', 3, { client_rack: 'r1' }],
      ['org.apache.kafka.producer.node.request.total', 'counter', 9, { node_id: '1', client_rack: 'r1' }],
    ]);

    // A terminating push is taken at any time; nothing after it is.
    expect(push({ terminating: true, compressionType: 1, metrics: gzipSync(payload(10, 1)) })).toBe(ErrorCode.NONE);
    now += 1000;
    expect(push({})).toBe(ErrorCode.INVALID_REQUEST);
  });

  test('delta counters add up; clients are forgotten after max(60 s, 3 intervals)', () => {
    const m = manager();
    withSubscriptions(m, { all: { metrics: '*', 'interval.ms': '30000' } });
    const a = m.getSubscriptions(ZERO, selectors);
    const push = (sent: number) =>
      m.push({ clientInstanceId: a.clientInstanceId, subscriptionId: a.subscriptionId, terminating: false, compressionType: 0, metrics: payload(sent, 1, true) }, selectors).errorCode;
    expect(push(4)).toBe(0);
    now += 30_000;
    expect(push(6)).toBe(0);
    const counter = [...(m.clients()[0]?.series.values() ?? [])].find((s) => s.kind === 'counter');
    expect(counter?.value).toBe(10);
    now += 89_999;
    expect(m.clients().length).toBe(1);
    now += 2;
    expect(m.clients().length).toBe(0);
  });

  test('OTLP decoding: histograms as cumulative buckets; garbage is an error', () => {
    const decoded = decodeOtlpMetrics(
      encodeOtlpMetrics({
        resourceMetrics: [
          { scopeMetrics: [{ metrics: [{ name: 'h', histogram: { aggregationTemporality: 2, dataPoints: [{ count: 6, sum: 12, bucketCounts: [1, 2, 3], explicitBounds: [1, 5] }] } }] }] },
        ],
      }),
    );
    expect(decoded.points).toEqual([{ name: 'h', description: '', kind: 'histogram', delta: false, attributes: new Map(), value: 12, count: 6, buckets: [[1, 1], [5, 3], [Infinity, 6]] }]);
    expect(() => decodeOtlpMetrics(Buffer.from([0x0f, 0x01]))).toThrow();
  });
});
