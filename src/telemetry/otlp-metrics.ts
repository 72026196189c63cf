/**
 * Decodes the OTLP metrics a client pushes (KIP-714: an
 * opentelemetry.proto.metrics.v1.MetricsData, protobuf, after
 * decompression) into flat data points.
 *
 * The protobuf decoding is protobufjs's (a well-kept, dependency-light
 * decoder; its "light" build reads a schema given as JSON, so no .proto
 * parser and no generated code). The schema below is the subset of the
 * OTLP metrics, common and resource messages Weir reads, with their field
 * numbers; anything else in a payload is skipped as unknown fields.
 * protobufjs is loaded on the first push, not at broker start.
 *
 * Exponential histograms are reported by their count and sum only.
 */
import type * as ProtobufLight from 'protobufjs/light';

export type MetricKind = 'gauge' | 'counter' | 'histogram' | 'summary';

export interface MetricPoint {
  /** The OTLP metric name (e.g. org.apache.kafka.producer.record.queue.time.avg). */
  readonly name: string;
  readonly description: string;
  readonly kind: MetricKind;
  /** Sums and histograms: the points are deltas since the previous push (else cumulative or instant). */
  readonly delta: boolean;
  /** The data point's attributes (topic, partition, node_id, ...). */
  readonly attributes: ReadonlyMap<string, string>;
  /** Gauges and counters: the value; histograms and summaries: the sum. */
  readonly value: number;
  /** Histograms and summaries: the count. */
  readonly count?: number;
  /** Histograms: (upper bound, cumulative count) per explicit bucket, then +Inf. */
  readonly buckets?: readonly (readonly [number, number])[];
}

export interface DecodedMetrics {
  /** The resource attributes (the client's own labels, e.g. client_rack, group_id). */
  readonly resource: ReadonlyMap<string, string>;
  readonly points: readonly MetricPoint[];
}

const KV = { key: { type: 'string', id: 1 }, value: { type: 'AnyValue', id: 2 } };
const OTLP_SCHEMA = {
  nested: {
    MetricsData: { fields: { resourceMetrics: { rule: 'repeated', type: 'ResourceMetrics', id: 1 } } },
    ResourceMetrics: { fields: { resource: { type: 'Resource', id: 1 }, scopeMetrics: { rule: 'repeated', type: 'ScopeMetrics', id: 2 } } },
    Resource: { fields: { attributes: { rule: 'repeated', type: 'KeyValue', id: 1 } } },
    ScopeMetrics: { fields: { metrics: { rule: 'repeated', type: 'Metric', id: 2 } } },
    Metric: {
      oneofs: { data: { oneof: ['gauge', 'sum', 'histogram', 'exponentialHistogram', 'summary'] } },
      fields: {
        name: { type: 'string', id: 1 },
        description: { type: 'string', id: 2 },
        unit: { type: 'string', id: 3 },
        gauge: { type: 'Gauge', id: 5 },
        sum: { type: 'Sum', id: 7 },
        histogram: { type: 'Histogram', id: 9 },
        exponentialHistogram: { type: 'ExponentialHistogram', id: 10 },
        summary: { type: 'Summary', id: 11 },
      },
    },
    Gauge: { fields: { dataPoints: { rule: 'repeated', type: 'NumberDataPoint', id: 1 } } },
    Sum: {
      fields: {
        dataPoints: { rule: 'repeated', type: 'NumberDataPoint', id: 1 },
        aggregationTemporality: { type: 'int32', id: 2 },
        isMonotonic: { type: 'bool', id: 3 },
      },
    },
    Histogram: { fields: { dataPoints: { rule: 'repeated', type: 'HistogramDataPoint', id: 1 }, aggregationTemporality: { type: 'int32', id: 2 } } },
    ExponentialHistogram: {
      fields: { dataPoints: { rule: 'repeated', type: 'ExponentialHistogramDataPoint', id: 1 }, aggregationTemporality: { type: 'int32', id: 2 } },
    },
    Summary: { fields: { dataPoints: { rule: 'repeated', type: 'SummaryDataPoint', id: 1 } } },
    NumberDataPoint: {
      oneofs: { value: { oneof: ['asDouble', 'asInt'] } },
      fields: {
        attributes: { rule: 'repeated', type: 'KeyValue', id: 7 },
        timeUnixNano: { type: 'fixed64', id: 3 },
        asDouble: { type: 'double', id: 4 },
        asInt: { type: 'sfixed64', id: 6 },
      },
    },
    HistogramDataPoint: {
      fields: {
        attributes: { rule: 'repeated', type: 'KeyValue', id: 9 },
        count: { type: 'fixed64', id: 4 },
        sum: { type: 'double', id: 5 },
        bucketCounts: { rule: 'repeated', type: 'fixed64', id: 6 },
        explicitBounds: { rule: 'repeated', type: 'double', id: 7 },
      },
    },
    ExponentialHistogramDataPoint: {
      fields: { attributes: { rule: 'repeated', type: 'KeyValue', id: 1 }, count: { type: 'fixed64', id: 4 }, sum: { type: 'double', id: 5 } },
    },
    SummaryDataPoint: {
      fields: { attributes: { rule: 'repeated', type: 'KeyValue', id: 7 }, count: { type: 'fixed64', id: 4 }, sum: { type: 'double', id: 5 } },
    },
    KeyValue: { fields: KV },
    AnyValue: {
      oneofs: { value: { oneof: ['stringValue', 'boolValue', 'intValue', 'doubleValue'] } },
      fields: {
        stringValue: { type: 'string', id: 1 },
        boolValue: { type: 'bool', id: 2 },
        intValue: { type: 'int64', id: 3 },
        doubleValue: { type: 'double', id: 4 },
      },
    },
  },
};

/** AggregationTemporality.DELTA */
const DELTA = 1;

let metricsDataType: ProtobufLight.Type | undefined;

function metricsData(): ProtobufLight.Type {
  if (!metricsDataType) {
    const protobuf = require('protobufjs/light') as typeof ProtobufLight;
    metricsDataType = protobuf.Root.fromJSON(OTLP_SCHEMA).lookupType('MetricsData');
  }
  return metricsDataType;
}

// The decoded shape (protobufjs objects with longs as numbers).
interface AnyValueObj { stringValue?: string; boolValue?: boolean; intValue?: number; doubleValue?: number }
interface KeyValueObj { key?: string; value?: AnyValueObj }
interface NumberPointObj { attributes?: KeyValueObj[]; asDouble?: number; asInt?: number }
interface HistogramPointObj { attributes?: KeyValueObj[]; count?: number; sum?: number; bucketCounts?: number[]; explicitBounds?: number[] }
interface MetricObj {
  name?: string;
  description?: string;
  gauge?: { dataPoints?: NumberPointObj[] };
  sum?: { dataPoints?: NumberPointObj[]; aggregationTemporality?: number; isMonotonic?: boolean };
  histogram?: { dataPoints?: HistogramPointObj[]; aggregationTemporality?: number };
  exponentialHistogram?: { dataPoints?: HistogramPointObj[]; aggregationTemporality?: number };
  summary?: { dataPoints?: HistogramPointObj[] };
}
interface MetricsDataObj {
  resourceMetrics?: { resource?: { attributes?: KeyValueObj[] }; scopeMetrics?: { metrics?: MetricObj[] }[] }[];
}

function anyValueText(v: AnyValueObj | undefined): string {
  if (!v) return '';
  if (v.stringValue !== undefined) return v.stringValue;
  if (v.boolValue !== undefined) return String(v.boolValue);
  if (v.intValue !== undefined) return String(v.intValue);
  if (v.doubleValue !== undefined) return String(v.doubleValue);
  return '';
}

function attributes(list: KeyValueObj[] | undefined): Map<string, string> {
  const out = new Map<string, string>();
  for (const kv of list ?? []) if (kv.key) out.set(kv.key, anyValueText(kv.value));
  return out;
}

/** Decodes a MetricsData payload; throws on bytes that are not one. */
export function decodeOtlpMetrics(payload: Buffer): DecodedMetrics {
  const type = metricsData();
  const obj = type.toObject(type.decode(payload), { longs: Number, defaults: false }) as MetricsDataObj;
  const resource = new Map<string, string>();
  const points: MetricPoint[] = [];
  for (const rm of obj.resourceMetrics ?? []) {
    for (const [k, v] of attributes(rm.resource?.attributes)) resource.set(k, v);
    for (const sm of rm.scopeMetrics ?? []) {
      for (const m of sm.metrics ?? []) {
        const name = m.name ?? '';
        if (name === '') continue;
        const description = m.description ?? '';
        const numberPoints = (dataPoints: NumberPointObj[] | undefined, kind: MetricKind, delta: boolean) => {
          for (const p of dataPoints ?? []) {
            points.push({ name, description, kind, delta, attributes: attributes(p.attributes), value: p.asDouble ?? p.asInt ?? 0 });
          }
        };
        if (m.gauge) numberPoints(m.gauge.dataPoints, 'gauge', false);
        else if (m.sum) {
          const monotonic = m.sum.isMonotonic === true;
          numberPoints(m.sum.dataPoints, monotonic ? 'counter' : 'gauge', monotonic && m.sum.aggregationTemporality === DELTA);
        } else if (m.histogram) {
          const delta = m.histogram.aggregationTemporality === DELTA;
          for (const p of m.histogram.dataPoints ?? []) {
            const bounds = p.explicitBounds ?? [];
            const counts = p.bucketCounts ?? [];
            let cumulative = 0;
            const buckets: [number, number][] = [];
            for (let i = 0; i < counts.length; i++) {
              cumulative += counts[i] ?? 0;
              buckets.push([i < bounds.length ? (bounds[i] ?? Infinity) : Infinity, cumulative]);
            }
            points.push({ name, description, kind: 'histogram', delta, attributes: attributes(p.attributes), value: p.sum ?? 0, count: p.count ?? 0, buckets });
          }
        } else if (m.exponentialHistogram || m.summary) {
          const delta = m.exponentialHistogram?.aggregationTemporality === DELTA;
          for (const p of (m.exponentialHistogram ?? m.summary)?.dataPoints ?? []) {
            points.push({ name, description, kind: 'summary', delta, attributes: attributes(p.attributes), value: p.sum ?? 0, count: p.count ?? 0 });
          }
        }
      }
    }
  }
  return { resource, points };
}

/** Encodes a MetricsData from its JSON-like form (tests and the bench build pushes with it). */
export function encodeOtlpMetrics(data: Record<string, unknown>): Buffer {
  const type = metricsData();
  const problem = type.verify(data);
  if (problem) throw new Error(`not an OTLP MetricsData: ${problem}`);
  return Buffer.from(type.encode(type.fromObject(data)).finish());
}
