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
import type { MetadataImage } from '../cluster/metadata/metadata-image';
import { type ClusterCounts, countCluster, countReplicas, type ReplicaCounts, type ReplicaView } from './replication-counts';

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

/** ISR changes this broker made as leader and the controller committed, since it started. */
export interface IsrChangeCounts {
  expand: number;
  shrink: number;
}

/**
 * What the scrape-time gauges read: the broker's partitions, committed group
 * offsets, the metrics clients pushed, its replicas and ISR changes, and,
 * on the active controller, the cluster's metadata.
 */
export interface MetricsSource {
  partitions(): Iterable<PartitionStats>;
  groupOffsets?(): Iterable<GroupOffset>;
  clientTelemetry?(): Iterable<ClientTelemetryView>;
  replicas?(): Iterable<ReplicaView>;
  isrChangeCounts?(): IsrChangeCounts;
  /** The metadata image when this broker is the active controller (one node is its own); null on every other broker. */
  activeControllerImage?(): MetadataImage | null;
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
    const replicaCount = (pick: (c: ReplicaCounts) => number) => () => {
      const s = source();
      return s?.replicas ? pick(countReplicas(s.replicas())) : 0;
    };
    scrapedGauge(registers, 'weir_leader_partitions', 'Partitions this broker leads (Kafka: ReplicaManager LeaderCount)', replicaCount((c) => c.leaders));
    scrapedGauge(
      registers,
      'weir_under_replicated_partitions',
      'Partitions led here whose ISR is smaller than the replica set, adding replicas not counted (Kafka: ReplicaManager UnderReplicatedPartitions)',
      replicaCount((c) => c.underReplicated),
    );
    scrapedGauge(
      registers,
      'weir_under_min_isr_partitions',
      "Partitions led here whose ISR is below the topic's min.insync.replicas (Kafka: ReplicaManager UnderMinIsrPartitionCount)",
      replicaCount((c) => c.underMinIsr),
    );
    scrapedGauge(
      registers,
      'weir_at_min_isr_partitions',
      "Partitions led here whose ISR is exactly the topic's min.insync.replicas (Kafka: ReplicaManager AtMinIsrPartitionCount)",
      replicaCount((c) => c.atMinIsr),
    );
    const isrChanges = (kind: keyof IsrChangeCounts) => () => source()?.isrChangeCounts?.()[kind] ?? 0;
    scrapedCounter(registers, 'weir_isr_shrinks_total', 'ISR shrinks this broker made as leader, committed by the controller (Kafka: ReplicaManager IsrShrinksPerSec)', isrChanges('shrink'));
    scrapedCounter(registers, 'weir_isr_expands_total', 'ISR expands this broker made as leader, committed by the controller (Kafka: ReplicaManager IsrExpandsPerSec)', isrChanges('expand'));

    // The cluster-wide numbers come from the active controller alone, 0 on
    // every other broker, so summing them across brokers gives the cluster's.
    const activeImage = () => source()?.activeControllerImage?.() ?? null;
    const clusterCount = (pick: (c: ClusterCounts) => number) => () => {
      const image = activeImage();
      return image ? pick(countCluster(image)) : 0;
    };
    scrapedGauge(registers, 'weir_active_controller', '1 on the active controller, 0 elsewhere (Kafka: KafkaController ActiveControllerCount)', () => (activeImage() ? 1 : 0));
    scrapedGauge(registers, 'weir_offline_partitions', 'Partitions without a leader; active controller only (Kafka: KafkaController OfflinePartitionsCount)', clusterCount((c) => c.offline));
    scrapedGauge(registers, 'weir_global_topics', 'Topics in the cluster; active controller only (Kafka: KafkaController GlobalTopicCount)', clusterCount((c) => c.topics));
    scrapedGauge(registers, 'weir_global_partitions', 'Partitions in the cluster; active controller only (Kafka: KafkaController GlobalPartitionCount)', clusterCount((c) => c.partitions));
    scrapedGauge(
      registers,
      'weir_preferred_replica_imbalance',
      'Partitions not led by their preferred (first) replica; active controller only (Kafka: KafkaController PreferredReplicaImbalanceCount)',
      clusterCount((c) => c.preferredReplicaImbalance),
    );
    scrapedGauge(registers, 'weir_fenced_brokers', 'Registered brokers that are fenced; active controller only (Kafka: KafkaController FencedBrokerCount)', clusterCount((c) => c.fencedBrokers));
    scrapedGauge(registers, 'weir_active_brokers', 'Registered brokers that are not fenced; active controller only (Kafka: KafkaController ActiveBrokerCount)', clusterCount((c) => c.activeBrokers));

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

/** A gauge whose one value is read when scraped. */
function scrapedGauge(registers: Registry[], name: string, help: string, read: () => number): void {
  new Gauge({
    name,
    help,
    registers,
    collect() {
      this.set(read());
    },
  });
}

/** A counter kept by the broker (it only grows), read when scraped. */
function scrapedCounter(registers: Registry[], name: string, help: string, read: () => number): void {
  new Counter({
    name,
    help,
    registers,
    collect() {
      this.reset();
      this.inc(read());
    },
  });
}
