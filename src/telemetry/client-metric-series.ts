/**
 * The latest metrics one client instance pushed, one entry per series
 * (metric name plus attributes), ready to be shown on the Prometheus
 * endpoint. Cumulative points replace the previous value; delta points
 * (a client may send them even though Weir asks for cumulative ones) are
 * added to it, so a counter keeps counting.
 */
import type { DecodedMetrics, MetricKind, MetricPoint } from './otlp-metrics';

export interface ClientSeries {
  readonly name: string;
  readonly description: string;
  readonly kind: MetricKind;
  /** Data point attributes, then the resource's for keys the point lacks. */
  readonly attributes: ReadonlyMap<string, string>;
  value: number;
  count: number;
  buckets: [number, number][];
}

/** Keeps a push from growing the broker's memory without bound. */
export const MAX_SERIES_PER_CLIENT = 10_000;

function seriesKey(p: MetricPoint): string {
  return `${p.name}\u0000${[...p.attributes].sort(([a], [b]) => (a < b ? -1 : 1)).map(([k, v]) => `${k}=${v}`).join('\u0000')}`;
}

export class ClientMetricSeries {
  private readonly series = new Map<string, ClientSeries>();
  /** When the client last pushed metrics (ms). */
  lastPushMs = 0;

  /** Takes a decoded push. */
  record(decoded: DecodedMetrics, now: number): void {
    this.lastPushMs = now;
    for (const p of decoded.points) {
      const key = seriesKey(p);
      const existing = this.series.get(key);
      if (existing && p.delta) {
        existing.value += p.value;
        existing.count += p.count ?? 0;
        existing.buckets = existing.buckets.length === (p.buckets?.length ?? 0)
          ? existing.buckets.map(([le, c], i) => [le, c + (p.buckets?.[i]?.[1] ?? 0)])
          : [...(p.buckets ?? [])].map(([le, c]) => [le, c]);
        continue;
      }
      if (!existing && this.series.size >= MAX_SERIES_PER_CLIENT) continue;
      const attributes = new Map(p.attributes);
      for (const [k, v] of decoded.resource) if (!attributes.has(k)) attributes.set(k, v);
      this.series.set(key, {
        name: p.name,
        description: p.description,
        kind: p.kind,
        attributes,
        value: p.value,
        count: p.count ?? 0,
        buckets: [...(p.buckets ?? [])].map(([le, c]) => [le, c]),
      });
    }
  }

  get size(): number {
    return this.series.size;
  }

  values(): IterableIterator<ClientSeries> {
    return this.series.values();
  }
}
