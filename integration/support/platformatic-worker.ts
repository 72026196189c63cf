/**
 * Runs @platformatic/kafka in a plain Node process for the round-trip test.
 * The package is ESM-only (and uses import.meta), which Jest's CommonJS
 * runtime can't load, so integration/support/platformatic.ts compiles this
 * file with swc and runs it: one JSON command on stdin, one JSON answer on
 * stdout.
 *
 * Only the slice of platformatic's API used here is declared below.
 */

/** Header keys must be Buffers too (the default serializers only pass Buffers through). */
type PlatHeaders = Map<Buffer, Buffer>;
interface PlatMessage {
  topic: string;
  partition: number;
  key: Buffer;
  value?: Buffer;
  headers: PlatHeaders;
  timestamp: bigint;
}
interface PlatRecord {
  offsetDelta: number;
  timestampDelta: bigint;
  key: Buffer | null;
  value: Buffer | null;
  headers: [Buffer | null, Buffer | null][];
}
interface PlatBatch {
  firstOffset: bigint;
  lastOffsetDelta: number;
  firstTimestamp: bigint;
  attributes: number;
  records: PlatRecord[];
}
interface PlatFetchResponse {
  responses: { topicId: string; partitions: { partitionIndex: number; errorCode: number; highWatermark: bigint; records?: PlatBatch[] }[] }[];
}
interface PlatMetadata {
  topics: Map<string, { id: string; partitions: { leader: number }[] }>;
}
interface PlatProducer {
  send(o: { messages: PlatMessage[]; compression: string; acks: number }): Promise<unknown>;
  close(): Promise<void>;
}
interface PlatConsumer {
  metadata(o: { topics: string[] }): Promise<PlatMetadata>;
  fetch(o: {
    node: number;
    topics: { topicId: string; partitions: { partition: number; fetchOffset: bigint; partitionMaxBytes: number; currentLeaderEpoch: number; lastFetchedEpoch: number }[] }[];
    maxWaitTime: number;
    minBytes: number;
    maxBytes: number;
    isolationLevel: number;
  }): Promise<PlatFetchResponse>;
  listOffsets(o: { topics: string[]; timestamp?: bigint }): Promise<Map<string, bigint[]>>;
  close(): Promise<void>;
}
/** SASL settings as platformatic takes them (`sasl` client option). */
export interface PlatSasl {
  mechanism: 'PLAIN' | 'SCRAM-SHA-256' | 'SCRAM-SHA-512';
  username: string;
  password: string;
}
/** The admin calls the client-quota test uses (shapes as the package declares them). */
interface PlatQuotaEntity {
  entityType: 'user' | 'client-id';
  entityName: string | null;
}
interface PlatAdmin {
  alterClientQuotas(o: { entries: { entities: PlatQuotaEntity[]; ops: ({ key: string; value: number; remove: false } | { key: string; remove: true })[] }[] }): Promise<{ errorCode: number; errorMessage: string | null; entity: PlatQuotaEntity[] }[]>;
  describeClientQuotas(o: { components: ({ entityType: 'user' | 'client-id'; matchType: 0; match: string } | { entityType: 'user' | 'client-id'; matchType: 1 | 2 })[] }): Promise<{ entity: PlatQuotaEntity[]; values: { key: string; value: number }[] }[]>;
  close(): Promise<void>;
}
interface PlatModule {
  Admin: new (o: { clientId: string; bootstrapBrokers: string[] }) => PlatAdmin;
  Producer: new (o: { clientId: string; bootstrapBrokers: string[]; autocreateTopics: boolean; sasl?: PlatSasl; retries?: number }) => PlatProducer;
  Consumer: new (o: { clientId: string; bootstrapBrokers: string[]; groupId: string; sasl?: PlatSasl; retries?: number }) => PlatConsumer;
}

export interface WireMessage {
  key: string;
  value: string | null;
  headers: [string, string][];
  timestamp: number;
  partition: number;
}

export type Command =
  | { op: 'produce'; bootstrap: string; topic: string; codec: string; messages: WireMessage[]; sasl?: PlatSasl }
  | { op: 'read'; bootstrap: string; topic: string; starts: { partition: number; offset: number }[]; limitPerPartition?: number; sasl?: PlatSasl }
  | { op: 'offsetsForTime'; bootstrap: string; topic: string; timestamp: number }
  /** Sets producer_byte_rate of `user` with the admin client, then describes every user entity. */
  | { op: 'quotas'; bootstrap: string; user: string; producerByteRate: number };

export interface WireRecord {
  partition: number;
  offset: number;
  key: string | null;
  value: string | null;
  headers: [string, string][];
  timestamp: number;
  batchFirstOffset: number;
  batchCodec: number;
}

export type Answer = { ok: true; records?: WireRecord[]; offsets?: number[]; quotas?: unknown } | { ok: false; error: string };

async function produce(k: PlatModule, c: Extract<Command, { op: 'produce' }>): Promise<Answer> {
  const producer = new k.Producer({ clientId: 'roundtrip-platformatic', bootstrapBrokers: c.bootstrap.split(','), autocreateTopics: false, ...(c.sasl ? { sasl: c.sasl, retries: 0 } : {}) });
  try {
    // 500 messages per send: one Produce request, one batch of ~60 per partition.
    for (let i = 0; i < c.messages.length; i += 500) {
      await producer.send({
        compression: c.codec,
        acks: -1,
        messages: c.messages.slice(i, i + 500).map((m) => {
          const msg: PlatMessage = {
            topic: c.topic,
            partition: m.partition,
            key: Buffer.from(m.key),
            headers: new Map(m.headers.map(([hk, hv]) => [Buffer.from(hk), Buffer.from(hv)])),
            timestamp: BigInt(m.timestamp),
          };
          if (m.value !== null) msg.value = Buffer.from(m.value);
          return msg;
        }),
      });
    }
    return { ok: true };
  } finally {
    await producer.close();
  }
}

async function read(k: PlatModule, c: Extract<Command, { op: 'read' }>): Promise<Answer> {
  const consumer = new k.Consumer({ clientId: 'roundtrip-platformatic-reader', bootstrapBrokers: c.bootstrap.split(','), groupId: 'unused-no-join', ...(c.sasl ? { sasl: c.sasl, retries: 0 } : {}) });
  try {
    const md = await consumer.metadata({ topics: [c.topic] });
    const topic = md.topics.get(c.topic);
    if (!topic) return { ok: false, error: `no metadata for ${c.topic}` };
    const records: WireRecord[] = [];
    for (const start of c.starts) {
      let next = BigInt(start.offset);
      let count = 0;
      for (let round = 0; round < 100_000; round++) {
        const res = await consumer.fetch({
          node: topic.partitions[start.partition]!.leader,
          topics: [{ topicId: topic.id, partitions: [{ partition: start.partition, fetchOffset: next, partitionMaxBytes: 1 << 20, currentLeaderEpoch: -1, lastFetchedEpoch: -1 }] }],
          maxWaitTime: 10,
          minBytes: 1,
          maxBytes: 4 << 20,
          isolationLevel: 0,
        });
        const part = res.responses[0]?.partitions[0];
        if (!part) return { ok: false, error: 'empty fetch response' };
        if (part.errorCode !== 0) return { ok: false, error: `fetch error ${part.errorCode} at ${start.partition}/${next}` };
        for (const batch of part.records ?? []) {
          for (const r of batch.records) {
            const offset = batch.firstOffset + BigInt(r.offsetDelta);
            // The broker returns whole batches: drop what precedes the asked offset.
            if (offset < next) continue;
            if (c.limitPerPartition !== undefined && count >= c.limitPerPartition) break;
            count++;
            records.push({
              partition: start.partition,
              offset: Number(offset),
              key: r.key === null ? null : r.key.toString('utf8'),
              value: r.value === null ? null : r.value.toString('utf8'),
              headers: r.headers.map(([hk, hv]) => [hk?.toString('utf8') ?? '', hv?.toString('utf8') ?? '']),
              timestamp: Number(batch.firstTimestamp + r.timestampDelta),
              batchFirstOffset: Number(batch.firstOffset),
              batchCodec: batch.attributes & 7,
            });
          }
          const last = batch.firstOffset + BigInt(batch.lastOffsetDelta) + 1n;
          if (last > next) next = last;
        }
        if (next >= part.highWatermark || (c.limitPerPartition !== undefined && count >= c.limitPerPartition)) break;
      }
    }
    return { ok: true, records };
  } finally {
    await consumer.close();
  }
}

async function offsetsForTime(k: PlatModule, c: Extract<Command, { op: 'offsetsForTime' }>): Promise<Answer> {
  const consumer = new k.Consumer({ clientId: 'roundtrip-platformatic-offsets', bootstrapBrokers: c.bootstrap.split(','), groupId: 'unused-no-join' });
  try {
    const res = await consumer.listOffsets({ topics: [c.topic], timestamp: BigInt(c.timestamp) });
    return { ok: true, offsets: (res.get(c.topic) ?? []).map(Number) };
  } finally {
    await consumer.close();
  }
}

async function quotas(k: PlatModule, c: Extract<Command, { op: 'quotas' }>): Promise<Answer> {
  const admin = new k.Admin({ clientId: 'quotas-platformatic', bootstrapBrokers: c.bootstrap.split(',') });
  try {
    const altered = await admin.alterClientQuotas({
      entries: [{ entities: [{ entityType: 'user', entityName: c.user }], ops: [{ key: 'producer_byte_rate', value: c.producerByteRate, remove: false }] }],
    });
    const described = await admin.describeClientQuotas({ components: [{ entityType: 'user', matchType: 2 }] });
    return { ok: true, quotas: { altered, described } };
  } finally {
    await admin.close();
  }
}

/** platformatic wraps failures in AggregateErrors (with codes and nested errors): spell them all out. */
function describe(e: unknown, depth = 0): string {
  if (!(e instanceof Error) || depth > 4) return String(e);
  const extra = e as Error & { code?: string; errors?: unknown[]; cause?: unknown };
  let text = `${e.name}${extra.code ? `[${extra.code}]` : ''}: ${e.message}`;
  for (const inner of extra.errors ?? []) text += ` {${describe(inner, depth + 1)}}`;
  if (extra.cause) text += ` (cause: ${describe(extra.cause, depth + 1)})`;
  return text;
}

async function main(): Promise<void> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  const cmd = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Command;
  // Kept as a real dynamic import by the swc build (ignoreDynamic): an ESM package.
  const k = (await import('@platformatic/kafka')) as unknown as PlatModule;
  let answer: Answer;
  try {
    answer =
      cmd.op === 'produce' ? await produce(k, cmd) : cmd.op === 'read' ? await read(k, cmd) : cmd.op === 'quotas' ? await quotas(k, cmd) : await offsetsForTime(k, cmd);
  } catch (e) {
    answer = { ok: false, error: describe(e) };
  }
  process.stdout.write(JSON.stringify(answer));
}

void main();
