/** Helpers for the integration tests that run a cluster on etcd (startCluster). */
import * as Kafka from 'node-rdkafka';
import { KafkaClient } from '../../src/client/client';
import { createTopics } from '../../src/client/topics';
import type { RunningCluster } from '../../src/start-cluster';
import type { ClusterMetadata } from '../../src/client/metadata';
import { waitFor } from './conditions';
import { brokerWarnings, type ReadRecord, toReadRecord } from './roundtrip';

/** Creates a topic with replication factor 3 through Weir's client (test setup, not what is tested). */
export async function createReplicatedTopic(bootstrap: string, topic: string, partitions: number): Promise<void> {
  const admin = await KafkaClient.connect(bootstrap);
  try {
    await createTopics(admin, [{ name: topic, partitions, replicationFactor: 3 }]);
  } finally {
    await admin.close();
  }
}

/** Each partition's leader (by partition index; -1 when it has none), as Metadata shows it. */
export async function leadersOf(bootstrap: string, topic: string): Promise<number[]> {
  const c = await KafkaClient.connect(bootstrap);
  try {
    const md = await c.metadata([topic]);
    return (md.topics.get(topic)?.partitions ?? []).map((p) => p.leaderId);
  } finally {
    await c.close();
  }
}

/** Metadata as one broker of the cluster answers it. */
export async function metadataFrom(cluster: RunningCluster, nodeId: number, topics: string[]): Promise<ClusterMetadata> {
  const port = cluster.brokers.find((x) => x.nodeId === nodeId)!.port;
  const c = await KafkaClient.connect(`127.0.0.1:${port}`);
  try {
    return await c.metadata(topics);
  } finally {
    await c.close();
  }
}

/** One partition as Metadata shows it (ISR sorted). */
export interface PartitionView {
  p: number;
  leader: number;
  epoch: number;
  replicas: number[];
  isr: number[];
}

export function partitionsOf(md: ClusterMetadata, topic: string): PartitionView[] {
  const t = md.topics.get(topic);
  if (!t) throw new Error(`no topic ${topic} in Metadata`);
  return t.partitions.map((p) => ({ p: p.partition, leader: p.leaderId, epoch: p.leaderEpoch, replicas: [...p.replicas], isr: [...p.isr].sort() }));
}

/** Waits until broker `from` shows every partition of `topic` as `ok` says. */
export function waitForPartitions(
  cluster: RunningCluster,
  what: string,
  from: number,
  topic: string,
  ok: (p: PartitionView) => boolean,
  timeoutMs = 30_000,
): Promise<PartitionView[]> {
  return waitFor(
    what,
    async () => {
      const ps = partitionsOf(await metadataFrom(cluster, from, [topic]), topic);
      return ps.every(ok) ? ps : undefined;
    },
    timeoutMs,
    200,
  );
}

/** A leader and every replica of three in the ISR. */
export const fullIsr = (p: PartitionView): boolean => p.leader > 0 && p.isr.length === 3;

/** An afterAll: shows each broker's last 20 warnings (they explain a failure), then stops the cluster. */
export async function stopClusterShowingWarnings(cluster: RunningCluster | undefined): Promise<void> {
  for (const b of cluster?.brokers ?? []) {
    const warnings = brokerWarnings(cluster!.output(b.nodeId)).slice(-20);
    if (warnings.length > 0) console.warn(`broker ${b.nodeId} warnings:\n${warnings.join('\n')}`);
  }
  await cluster?.close();
}

export interface Acked {
  partition: number;
  offset: number;
  value: string;
}

/** An idempotent acks=all librdkafka producer that records every acknowledgement. */
export class RecordingProducer {
  readonly acked: Acked[] = [];
  readonly errors: string[] = [];
  /** librdkafka's fatal errors (an idempotent producer's broken guarantees); none is ever expected. */
  readonly fatalErrors: string[] = [];
  private sent = 0;
  private readonly producer: Kafka.Producer;

  /** `settings`: librdkafka settings of the test's own (security.*, sasl.*, ssl.* for a secured cluster; timeouts). */
  constructor(bootstrap: string, settings: Record<string, string> = {}) {
    this.producer = new Kafka.Producer({
      ...settings,
      'bootstrap.servers': bootstrap,
      dr_cb: true,
      'enable.idempotence': true,
      acks: -1,
      'linger.ms': 5,
      'message.timeout.ms': 120_000,
      'retry.backoff.ms': 100,
      'topic.metadata.refresh.interval.ms': 1000,
    } as Kafka.ProducerGlobalConfig);
    this.producer.on('delivery-report', (err, report) => {
      if (err) this.errors.push(`${String(report.opaque)}: ${err.message}`);
      else this.acked.push({ partition: report.partition, offset: report.offset, value: String(report.opaque) });
    });
    this.producer.on('event.error', (err: Kafka.LibrdKafkaError) => {
      if (err.isFatal) this.fatalErrors.push(err.message);
    });
  }

  connect(): Promise<void> {
    this.producer.setPollInterval(10);
    return new Promise((resolve, reject) => this.producer.connect({ timeout: 10_000 }, (err) => (err ? reject(err) : resolve())));
  }

  produce(topic: string, partition: number, value: string): void {
    this.producer.produce(topic, partition, Buffer.from(value), null, Date.now(), value);
    this.sent++;
  }

  /**
   * Writes to every partition without pause (`prefix-partition-n`) until the
   * returned function is called; it resolves once the writing has stopped.
   */
  steady(topic: string, partitions: number, prefix: string): () => Promise<void> {
    let producing = true;
    const load = (async () => {
      for (let n = 0; producing; n++) {
        for (let p = 0; p < partitions; p++) this.produce(topic, p, `${prefix}-${p}-${n}`);
        await new Promise((r) => setTimeout(r, 5));
      }
    })();
    return () => {
      producing = false;
      return load;
    };
  }

  get sentCount(): number {
    return this.sent;
  }

  /** Every message sent has its delivery report. */
  async settle(timeoutMs = 150_000): Promise<void> {
    await waitFor('every delivery report', () => (this.acked.length + this.errors.length === this.sent ? true : undefined), timeoutMs, 50);
  }

  disconnect(): Promise<void> {
    return new Promise((resolve) => this.producer.disconnect(() => resolve()));
  }
}

/**
 * The history check: every acknowledged record is read back at its offset;
 * no value is read twice; per partition the acknowledged values of one
 * producer keep their order.
 */
export function checkHistory(read: ReadRecord[], acked: readonly Acked[], partitions: number): void {
  const at = new Map(read.map((r) => [`${r.partition}/${r.offset}`, r.value]));
  const missing = acked.filter((a) => at.get(`${a.partition}/${a.offset}`) !== a.value);
  expect(missing).toEqual([]);
  const counts = new Map<string, number>();
  for (const r of read) counts.set(r.value ?? '', (counts.get(r.value ?? '') ?? 0) + 1);
  expect([...counts].filter(([, n]) => n > 1)).toEqual([]);
  for (let p = 0; p < partitions; p++) {
    const mine = acked.filter((a) => a.partition === p).sort((a, b) => a.offset - b.offset);
    const seq = mine.map((a) => Number(a.value.split('-')[2]));
    expect(seq).toEqual([...seq].sort((a, b) => a - b));
  }
}

/**
 * A node-rdkafka consumer reading assigned partitions from offset 0 without
 * pause (no group: assign() and no commits), collecting every record; with
 * `clientRack`, librdkafka's `client.rack` (KIP-392).
 */
export class ContinuousConsumer {
  readonly read: ReadRecord[] = [];
  /** Errors consume() reported (reading goes on after each). */
  readonly errors: string[] = [];
  private readonly consumer: Kafka.KafkaConsumer;
  private running = true;
  private loop: Promise<void> | null = null;

  constructor(bootstrap: string, clientRack?: string) {
    this.consumer = new Kafka.KafkaConsumer(
      {
        'bootstrap.servers': bootstrap,
        'group.id': `continuous-reader-${process.pid}`,
        ...(clientRack === undefined ? {} : { 'client.rack': clientRack }),
        'enable.auto.commit': false,
        'enable.auto.offset.store': false,
        'fetch.wait.max.ms': 100,
        'topic.metadata.refresh.interval.ms': 1000,
      },
      { 'auto.offset.reset': 'error' },
    );
  }

  async start(topic: string, partitions: number): Promise<void> {
    await new Promise<void>((resolve, reject) => this.consumer.connect({ timeout: 10_000 }, (err) => (err ? reject(err) : resolve())));
    this.consumer.assign(Array.from({ length: partitions }, (_, partition) => ({ topic, partition, offset: 0 })));
    this.loop = (async () => {
      while (this.running) {
        const batch = await new Promise<Kafka.Message[]>((resolve) =>
          this.consumer.consume(100, (err, m) => {
            if (err) this.errors.push(err.message);
            resolve(err ? [] : m);
          }),
        );
        for (const m of batch) this.read.push(toReadRecord(m));
      }
    })();
  }

  /** Resolves once `n` records have been read. */
  async readUpTo(n: number, what: string, timeoutMs = 90_000): Promise<void> {
    await waitFor(what, () => (this.read.length >= n ? true : undefined), timeoutMs, 50).catch((err: Error) => {
      throw new Error(`${err.message} (${this.read.length} read; consume errors: ${this.errors.slice(-5).join('; ') || 'none'})`);
    });
  }

  /** Stops reading and disconnects (again: a no-op). */
  async stop(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    await this.loop?.catch(() => undefined);
    await new Promise<void>((resolve) => this.consumer.disconnect(() => resolve()));
  }
}
