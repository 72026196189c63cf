/**
 * The broker's Prometheus metrics, on prom-client.
 *
 * Each BrokerMetrics has its own Registry (never prom-client's global one),
 * so several brokers in one process keep separate numbers. Request metrics
 * arrive through the network layer's RequestObserver; partition, log and
 * group-lag gauges are computed when scraped, from a MetricsSource, so an
 * idle broker does no metrics work at all.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { ObservedRequest, RequestObserver } from '../network/request-observer';
import { type ClientTelemetryView, clientTelemetryText } from './client-telemetry-text';
import { countProducedRecords } from './produced-records';
import { countFetchedBytes } from './fetched-bytes';

export interface PartitionStats {
  topic: string;
  partition: number;
  sizeBytes: number;
  logStartOffset: number;
  logEndOffset: number;
}

export interface GroupOffset {
  group: string;
  topic: string;
  partition: number;
  committed: bigint;
}

/** What the scrape-time gauges read: the broker's partitions, committed group offsets and the metrics clients pushed. */
export interface MetricsSource {
  partitions(): Iterable<PartitionStats>;
  groupOffsets?(): Iterable<GroupOffset>;
  clientTelemetry?(): Iterable<ClientTelemetryView>;
}

export interface BrokerMetricsOptions {
  /** Add prom-client's process metrics (CPU, RSS, event-loop lag, GC): on for `weir start`. */
  processMetrics?: boolean;
}

/** Latency buckets from 100 µs (in-memory produce) to 30 s (long-poll fetch, join group). */
const LATENCY_BUCKETS = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

export class BrokerMetrics {
  readonly registry = new Registry();
  readonly observer: RequestObserver;
  private source: MetricsSource | null = null;

  constructor(options: BrokerMetricsOptions = {}) {
    const registers = [this.registry];
    const requests = new Counter({ name: 'weir_requests_total', help: 'Requests answered, by API', labelNames: ['api'], registers });
    const latency = new Histogram({
      name: 'weir_request_duration_seconds',
      help: 'Time from receiving a request to queueing its response, by API',
      labelNames: ['api'],
      buckets: LATENCY_BUCKETS,
      registers,
    });
    const bytesIn = new Counter({ name: 'weir_network_received_bytes_total', help: 'Request bytes received, by API', labelNames: ['api'], registers });
    const bytesOut = new Counter({ name: 'weir_network_sent_bytes_total', help: 'Response bytes sent, by API', labelNames: ['api'], registers });
    const messagesIn = new Counter({ name: 'weir_messages_in_total', help: 'Records appended by Produce requests, by topic', labelNames: ['topic'], registers });
    const bytesOutByTopic = new Counter({
      name: 'weir_bytes_out_total',
      help: "Record bytes sent to consumers in Fetch responses, by topic (Kafka's BrokerTopicMetrics BytesOutPerSec; follower fetches not counted)",
      labelNames: ['topic'],
      registers,
    });
    const connections = new Gauge({ name: 'weir_connections', help: 'Open client connections', registers });
    const connectionsOpened = new Counter({ name: 'weir_connections_opened_total', help: 'Client connections accepted', registers });

    this.observer = {
      connectionOpened: () => {
        connections.inc();
        connectionsOpened.inc();
      },
      connectionClosed: () => connections.dec(),
      requestCompleted: (r: ObservedRequest) => {
        requests.inc({ api: r.apiName });
        latency.observe({ api: r.apiName }, r.seconds);
        bytesIn.inc({ api: r.apiName }, r.requestBytes);
        if (r.responseBytes > 0) bytesOut.inc({ api: r.apiName }, r.responseBytes);
        if (r.apiName === 'Produce') for (const [topic, n] of countProducedRecords(r.request, r.response)) messagesIn.inc({ topic }, n);
        if (r.apiName === 'Fetch') for (const [topic, n] of countFetchedBytes(r.apiVersion, r.request, r.response)) bytesOutByTopic.inc({ topic }, n);
      },
    };

    const source = () => this.source;
    new Gauge({
      name: 'weir_partitions',
      help: 'Partitions hosted by this broker',
      registers,
      collect() {
        const s = source();
        let n = 0;
        if (s) for (const _ of s.partitions()) n++;
        this.set(n);
      },
    });
    new Gauge({
      name: 'weir_log_size_bytes',
      help: 'Bytes on disk (or in memory) of each partition log',
      labelNames: ['topic', 'partition'],
      registers,
      collect() {
        this.reset();
        const s = source();
        if (s) for (const p of s.partitions()) this.set({ topic: p.topic, partition: String(p.partition) }, p.sizeBytes);
      },
    });
    new Gauge({
      name: 'weir_log_end_offset',
      help: 'Next offset to be written, per partition',
      labelNames: ['topic', 'partition'],
      registers,
      collect() {
        this.reset();
        const s = source();
        if (s) for (const p of s.partitions()) this.set({ topic: p.topic, partition: String(p.partition) }, p.logEndOffset);
      },
    });
    new Gauge({
      name: 'weir_consumer_group_lag',
      help: 'Log end offset minus the committed offset, per group and partition',
      labelNames: ['group', 'topic', 'partition'],
      registers,
      collect() {
        this.reset();
        const s = source();
        if (!s?.groupOffsets) return;
        const ends = new Map<string, number>();
        for (const p of s.partitions()) ends.set(`${p.topic}\u0000${p.partition}`, p.logEndOffset);
        for (const g of s.groupOffsets()) {
          const end = ends.get(`${g.topic}\u0000${g.partition}`);
          if (end === undefined || g.committed < 0n) continue;
          this.set({ group: g.group, topic: g.topic, partition: String(g.partition) }, Math.max(0, end - Number(g.committed)));
        }
      },
    });
    if (options.processMetrics) collectDefaultMetrics({ register: this.registry, prefix: 'weir_' });
  }

  /** Connects the scrape-time gauges to a running broker. */
  attach(source: MetricsSource): void {
    this.source = source;
  }

  /** The Prometheus text exposition of every metric, the clients' pushed metrics last. */
  async text(): Promise<string> {
    const own = await this.registry.metrics();
    const clients = this.source?.clientTelemetry?.();
    return clients ? own + clientTelemetryText(clients) : own;
  }

  get contentType(): string {
    return this.registry.contentType;
  }
}
