/**
 * Shared pieces of the client round-trip tests (integration/roundtrip-*.test.ts):
 * a deterministic message generator, groupless readers (node-rdkafka assign,
 * kcat -C), a checker that compares what was produced with what was read, and
 * a reader of the broker's segment files that tells which codec each stored
 * batch really carries (a client that silently stops compressing must fail).
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as Kafka from 'node-rdkafka';
import { Kafka as KafkaJs, logLevel } from 'kafkajs';
import type { BrokerProcess } from './broker-process';
import { RawKafkaClient, requestBody } from './raw-kafka-client';
import { Apis } from '../../src/protocol/apis';
import { notInstalled } from './conditions';

export type CodecName = 'none' | 'gzip' | 'snappy' | 'lz4' | 'zstd';
/** The codec id in a record batch's attributes (low 3 bits). */
export const CODEC_ID: Record<CodecName, number> = { none: 0, gzip: 1, snappy: 2, lz4: 3, zstd: 4 };

export type Header = [string, string];

export interface OutMessage {
  key: string;
  /** null = tombstone. */
  value: string | null;
  headers: Header[];
  /** Explicit CreateTime; undefined when the producer can't set one (kcat). */
  timestamp?: number;
  /** Explicit partition; undefined when the producer's partitioner picks it. */
  partition?: number;
  codec: CodecName;
  /** Position in the producer's overall send order. */
  order: number;
}

export interface ReadRecord {
  partition: number;
  offset: number;
  key: string | null;
  value: string | null;
  headers: Header[];
  timestamp: number;
}

/** Small seeded PRNG so every run produces the same messages. */
function prng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const WORDS = ['alpha', 'bravo', 'charlie', 'delta', 'echo', 'foxtrot', 'golf', 'hotel', 'india', 'juliet', 'kilo', 'lima'];

export interface GenerateOptions {
  client: string;
  codec: CodecName;
  count: number;
  partitions: number;
  /** First order number (so order keeps increasing across codecs). */
  firstOrder: number;
  /** First timestamp; message i gets baseTimestamp + i. Omit for wall-clock producers. */
  baseTimestamp?: number;
  /** Produce a tombstone every 997th message (clients that can send null values). */
  tombstones?: boolean;
  /** Leave the partition to the producer's partitioner. */
  partitionerPicks?: boolean;
}

/**
 * Distinct keys, values of varied length (compressible words plus a random
 * tail), two headers (a third, non-ASCII one on every 10th message, none on
 * every 500th), explicit timestamps far from "now" so a broker that stamps its
 * own time is caught, partitions round-robin.
 */
export function generateMessages(o: GenerateOptions): OutMessage[] {
  const rnd = prng(o.firstOrder + o.count * 31 + o.codec.length);
  const out: OutMessage[] = [];
  for (let i = 0; i < o.count; i++) {
    const key = `${o.client}-${o.codec}-${String(i).padStart(6, '0')}`;
    const words: string[] = [];
    const n = 2 + Math.floor(rnd() * 40);
    for (let w = 0; w < n; w++) words.push(WORDS[Math.floor(rnd() * WORDS.length)]!);
    const tail = Math.floor(rnd() * 1e12).toString(36);
    const value = o.tombstones && i % 997 === 996 ? null : `${key}|${words.join(' ')}|${tail}`;
    const headers: Header[] =
      i % 500 === 499
        ? []
        : [
            ['seq', String(i)],
            ['src', `${o.client}/${o.codec}`],
          ];
    if (i % 10 === 3) headers.push(['note', `ünïcødé ✓ ${i}`]);
    out.push({
      key,
      value,
      headers,
      timestamp: o.baseTimestamp === undefined ? undefined : o.baseTimestamp + i,
      partition: o.partitionerPicks ? undefined : i % o.partitions,
      codec: o.codec,
      order: o.firstOrder + i,
    });
  }
  return out;
}

/** Polls `cond` until it is true or the deadline passes (no fixed sleeps). */
export async function waitFor(what: string, cond: () => boolean | Promise<boolean>, timeoutMs = 60_000, everyMs = 25): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

// ---------------------------------------------------------------------------
// Topic creation

/** Creates the topic with kafkajs's admin client (CreateTopics) and waits until Metadata shows it. */
export async function createTopic(bootstrap: string, topic: string, partitions: number): Promise<void> {
  const kafka = new KafkaJs({ brokers: [bootstrap], clientId: 'roundtrip-admin', logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  try {
    const created = await admin.createTopics({ topics: [{ topic, numPartitions: partitions }], waitForLeaders: true });
    if (!created) throw new Error(`createTopics says ${topic} already exists`);
    const md = await admin.fetchTopicMetadata({ topics: [topic] });
    const count = md.topics[0]?.partitions.length;
    if (count !== partitions) throw new Error(`${topic} has ${count} partitions, wanted ${partitions}`);
  } finally {
    await admin.disconnect();
  }
}

// ---------------------------------------------------------------------------
// Readers

function headersOf(h: Kafka.MessageHeader[] | undefined): Header[] {
  const out: Header[] = [];
  for (const entry of h ?? []) for (const [k, v] of Object.entries(entry)) out.push([k, Buffer.isBuffer(v) ? v.toString('utf8') : v]);
  return out;
}

function rdkafkaConsumer(bootstrap: string, extra: Kafka.ConsumerGlobalConfig = {}): Kafka.KafkaConsumer {
  // librdkafka's KafkaConsumer insists on a group.id, but with assign() and
  // no commits it never needs a coordinator (Weir has none yet).
  return new Kafka.KafkaConsumer(
    {
      'bootstrap.servers': bootstrap,
      'group.id': `roundtrip-reader-${process.pid}`,
      'enable.auto.commit': false,
      'enable.auto.offset.store': false,
      'fetch.wait.max.ms': 100,
      ...extra,
    },
    { 'auto.offset.reset': 'error' },
  );
}

function connect(c: Kafka.KafkaConsumer): Promise<void> {
  return new Promise((resolve, reject) => c.connect({ timeout: 10_000 }, (err) => (err ? reject(err) : resolve())));
}

function disconnect(c: Kafka.KafkaConsumer): Promise<void> {
  return new Promise((resolve) => c.disconnect(() => resolve()));
}

function consumeBatch(c: Kafka.KafkaConsumer, n: number): Promise<Kafka.Message[]> {
  return new Promise((resolve, reject) => c.consume(n, (err, msgs) => (err ? reject(err) : resolve(msgs))));
}

export function toReadRecord(m: Kafka.Message): ReadRecord {
  return {
    partition: m.partition,
    offset: m.offset,
    key: m.key === undefined || m.key === null ? null : Buffer.isBuffer(m.key) ? m.key.toString('utf8') : String(m.key),
    value: m.value === null ? null : m.value.toString('utf8'),
    headers: headersOf(m.headers),
    timestamp: m.timestamp ?? -1,
  };
}

export async function watermarks(bootstrap: string, topic: string, partitions: number): Promise<{ low: number; high: number }[]> {
  const c = rdkafkaConsumer(bootstrap);
  await connect(c);
  try {
    const out: { low: number; high: number }[] = [];
    for (let p = 0; p < partitions; p++) {
      const w = await new Promise<Kafka.WatermarkOffsets>((resolve, reject) =>
        c.queryWatermarkOffsets(topic, p, 10_000, (err, o) => (err ? reject(err) : resolve(o))),
      );
      out.push({ low: w.lowOffset, high: w.highOffset });
    }
    return out;
  } finally {
    await disconnect(c);
  }
}

/**
 * Reads with node-rdkafka's KafkaConsumer by assign() (no group): every
 * listed partition from its start offset up to `endOffsets[partition]`
 * (exclusive), or only `limit` records in total when given.
 */
export async function readWithRdkafka(
  bootstrap: string,
  topic: string,
  starts: { partition: number; offset: number }[],
  endOffsets: Map<number, number>,
  limit = Infinity,
  timeoutMs = 60_000,
): Promise<ReadRecord[]> {
  const c = rdkafkaConsumer(bootstrap);
  const errors: string[] = [];
  c.on('event.error', (e) => errors.push(e.message));
  await connect(c);
  const out: ReadRecord[] = [];
  const next = new Map<number, number>();
  for (const s of starts) next.set(s.partition, s.offset);
  const done = (): boolean =>
    out.length >= limit || [...next].every(([p, off]) => off >= (endOffsets.get(p) ?? Number.MAX_SAFE_INTEGER));
  try {
    c.assign(starts.map((s) => ({ topic, partition: s.partition, offset: s.offset })));
    const deadline = Date.now() + timeoutMs;
    while (!done()) {
      if (Date.now() > deadline) {
        throw new Error(`node-rdkafka read stalled at ${JSON.stringify([...next])} (${out.length} read); errors: ${errors.slice(0, 5).join('; ')}`);
      }
      for (const m of await consumeBatch(c, 5000)) {
        if (out.length >= limit) break;
        out.push(toReadRecord(m));
        next.set(m.partition, m.offset + 1);
      }
    }
    return out;
  } finally {
    await disconnect(c);
  }
}

/** node-rdkafka offsetsForTimes (ListOffsets with a timestamp). */
export async function offsetsForTimesRdkafka(bootstrap: string, topic: string, query: { partition: number; timestamp: number }[]): Promise<Map<number, number>> {
  const c = rdkafkaConsumer(bootstrap);
  await connect(c);
  try {
    const res = await new Promise<Kafka.TopicPartitionOffset[]>((resolve, reject) =>
      c.offsetsForTimes(
        query.map((q) => ({ topic, partition: q.partition, offset: q.timestamp })),
        10_000,
        (err, offsets) => (err ? reject(err) : resolve(offsets)),
      ),
    );
    return new Map(res.map((r) => [r.partition, r.offset]));
  } finally {
    await disconnect(c);
  }
}

export interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export function run(cmd: string, args: string[], input?: string | Buffer, timeoutMs = 60_000): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (d: Buffer) => out.push(d));
    child.stderr.on('data', (d: Buffer) => err.push(d));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${cmd} ${args.join(' ')} timed out; stderr: ${Buffer.concat(err).toString().slice(-2000)}`));
    }, timeoutMs);
    child.once('error', (e) => {
      clearTimeout(timer);
      reject(notInstalled(cmd, e));
    });
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8') });
    });
    child.stdin.on('error', () => undefined);
    child.stdin.end(input ?? '');
  });
}

/** kcat, found on PATH (Debian's package installs /usr/bin/kcat; .ci/run installs it). */
export const KCAT = 'kcat';


/** kcat -J envelope, the fields we use. */
interface KcatJson {
  partition: number;
  offset: number;
  ts: number;
  headers?: string[];
  key: string | null;
  payload: string | null;
}

/**
 * Reads with kcat (librdkafka 2.0.2: Fetch ≤ 11) as JSON envelopes.
 * `offset` is any kcat -o value (beginning, 1234, s@<ts>); `-e` exits at the end.
 */
export async function readWithKcat(bootstrap: string, topic: string, opts: { offset: string; partition?: number; count?: number }): Promise<ReadRecord[]> {
  const args = ['-C', '-b', bootstrap, '-t', topic, '-o', opts.offset, '-e', '-J', '-q', '-X', 'api.version.request=true'];
  if (opts.partition !== undefined) args.push('-p', String(opts.partition));
  if (opts.count !== undefined) args.push('-c', String(opts.count));
  const r = await run(KCAT, args);
  if (r.code !== 0) throw new Error(`kcat exited ${r.code}: ${r.stderr.slice(-2000)}`);
  const out: ReadRecord[] = [];
  for (const line of r.stdout.split('\n')) {
    if (!line) continue;
    const j = JSON.parse(line) as KcatJson;
    const headers: Header[] = [];
    const h = j.headers ?? [];
    for (let i = 0; i + 1 < h.length; i += 2) headers.push([h[i]!, h[i + 1]!]);
    out.push({ partition: j.partition, offset: j.offset, key: j.key, value: j.payload, headers, timestamp: j.ts });
  }
  return out;
}

// ---------------------------------------------------------------------------
// Checking

export interface CheckOptions {
  /** When the producer stamps wall-clock time: the window the timestamps must fall in. */
  timestampWindow?: { from: number; to: number };
}

/**
 * Compares produced and read messages: each exactly once, key, value,
 * headers (in order), timestamp and partition intact, and per partition the
 * offsets strictly increasing in produce order. Returns the problems found
 * (at most a few of each kind, plus counts), empty when all is well.
 */
export function checkRoundTrip(expected: OutMessage[], read: ReadRecord[], opts: CheckOptions = {}): string[] {
  const problems: string[] = [];
  const note = (kind: string, text: string, counts: Map<string, number>) => {
    const n = (counts.get(kind) ?? 0) + 1;
    counts.set(kind, n);
    if (n <= 3) problems.push(`${kind}: ${text}`);
  };
  const counts = new Map<string, number>();
  const byKey = new Map(expected.map((m) => [m.key, m]));
  const seen = new Map<string, ReadRecord>();
  for (const r of read) {
    const e = r.key === null ? undefined : byKey.get(r.key);
    if (!e) {
      note('unexpected record', JSON.stringify(r).slice(0, 200), counts);
      continue;
    }
    if (seen.has(e.key)) {
      note('duplicate', `${e.key} at ${r.partition}/${r.offset} and ${seen.get(e.key)!.partition}/${seen.get(e.key)!.offset}`, counts);
      continue;
    }
    seen.set(e.key, r);
    if (r.value !== e.value) note('value', `${e.key}: ${JSON.stringify(r.value)?.slice(0, 80)} != ${JSON.stringify(e.value)?.slice(0, 80)}`, counts);
    if (JSON.stringify(r.headers) !== JSON.stringify(e.headers)) note('headers', `${e.key}: ${JSON.stringify(r.headers)} != ${JSON.stringify(e.headers)}`, counts);
    if (e.timestamp !== undefined && r.timestamp !== e.timestamp) note('timestamp', `${e.key}: ${r.timestamp} != ${e.timestamp}`, counts);
    if (e.timestamp === undefined && opts.timestampWindow && (r.timestamp < opts.timestampWindow.from || r.timestamp > opts.timestampWindow.to)) {
      note('timestamp window', `${e.key}: ${r.timestamp} outside [${opts.timestampWindow.from}, ${opts.timestampWindow.to}]`, counts);
    }
    if (e.partition !== undefined && r.partition !== e.partition) note('partition', `${e.key}: ${r.partition} != ${e.partition}`, counts);
  }
  for (const e of expected) if (!seen.has(e.key)) note('missing', `${e.key} (${e.codec}, partition ${e.partition})`, counts);

  const byPartition = new Map<number, ReadRecord[]>();
  for (const r of seen.values()) {
    const list = byPartition.get(r.partition) ?? [];
    list.push(r);
    byPartition.set(r.partition, list);
  }
  for (const [p, list] of byPartition) {
    list.sort((a, b) => a.offset - b.offset);
    for (let i = 1; i < list.length; i++) {
      const prev = list[i - 1]!;
      const cur = list[i]!;
      if (cur.offset <= prev.offset) note('offset order', `partition ${p}: ${prev.offset} then ${cur.offset}`, counts);
      if (byKey.get(cur.key!)!.order <= byKey.get(prev.key!)!.order) {
        note('produce order', `partition ${p}: ${prev.key}@${prev.offset} before ${cur.key}@${cur.offset}`, counts);
      }
    }
  }
  for (const [kind, n] of counts) if (n > 3) problems.push(`${kind}: ${n} in total`);
  return problems;
}

// ---------------------------------------------------------------------------
// What the broker stored

export interface StoredBatch {
  baseOffset: number;
  lastOffset: number;
  magic: number;
  codec: number;
  records: number;
}

/**
 * Walks the partition's segment files in the broker's data dir (Kafka's own
 * layout: <dir>/<topic>-<p>/<base>.log holding v2 record batches) and lists
 * the batches with their codec, so a test can tell what really went over the
 * wire and into the log.
 */
export function storedBatches(dataDir: string, topic: string, partition: number): StoredBatch[] {
  const dir = path.join(dataDir, `${topic}-${partition}`);
  const files = fs
    .readdirSync(dir)
    .filter((f) => f.endsWith('.log'))
    .sort();
  const out: StoredBatch[] = [];
  for (const f of files) {
    const buf = fs.readFileSync(path.join(dir, f));
    let pos = 0;
    while (pos + 61 <= buf.length) {
      const baseOffset = Number(buf.readBigInt64BE(pos));
      const length = buf.readInt32BE(pos + 8);
      if (length <= 0) break;
      const magic = buf[pos + 16]!;
      const attributes = buf.readInt16BE(pos + 21);
      const lastOffsetDelta = buf.readInt32BE(pos + 23);
      out.push({ baseOffset, lastOffset: baseOffset + lastOffsetDelta, magic, codec: attributes & 7, records: buf.readInt32BE(pos + 57) });
      pos += 12 + length;
    }
  }
  return out;
}

/**
 * Checks that every read record sits in a stored batch of its producer's
 * codec. Returns problems (empty when fine) and, per codec, a batch with at
 * least three records for the seek-into-a-batch tests.
 */
export function checkStoredCodecs(
  dataDir: string,
  topic: string,
  partitions: number,
  expected: OutMessage[],
  read: ReadRecord[],
  /** Codecs the client is known to replace (librdkafka sends lz4 uncompressed without FindCoordinator v0). */
  replaced: Partial<Record<CodecName, CodecName>> = {},
): { problems: string[]; multiRecordBatch: Map<CodecName, { partition: number; batch: StoredBatch }> } {
  const problems: string[] = [];
  const codecOf = new Map(expected.map((m) => [m.key, m.codec]));
  const batches: StoredBatch[][] = [];
  for (let p = 0; p < partitions; p++) batches.push(storedBatches(dataDir, topic, p));
  const multiRecordBatch = new Map<CodecName, { partition: number; batch: StoredBatch }>();
  let wrong = 0;
  for (const r of read) {
    const want = codecOf.get(r.key ?? '');
    if (!want) continue;
    const batch = batches[r.partition]!.find((b) => b.baseOffset <= r.offset && r.offset <= b.lastOffset);
    if (!batch) {
      if (wrong++ < 3) problems.push(`${r.key}: no stored batch holds ${r.partition}/${r.offset}`);
      continue;
    }
    if (batch.magic !== 2 || batch.codec !== CODEC_ID[replaced[want] ?? want]) {
      if (wrong++ < 3) problems.push(`${r.key} (${want}) is in a magic ${batch.magic} batch with codec ${batch.codec} at ${r.partition}/${batch.baseOffset}`);
      continue;
    }
    if (batch.records >= 3 && !multiRecordBatch.has(want)) multiRecordBatch.set(want, { partition: r.partition, batch });
  }
  if (wrong > 3) problems.push(`${wrong} records in a batch of the wrong codec in total`);
  return { problems, multiRecordBatch };
}

/** The first offset in `records` of `partition` whose timestamp is >= ts (Kafka's ListOffsets rule), or undefined. */
export function firstOffsetAtOrAfter(records: ReadRecord[], partition: number, ts: number): number | undefined {
  let best: number | undefined;
  for (const r of records) if (r.partition === partition && r.timestamp >= ts && (best === undefined || r.offset < best)) best = r.offset;
  return best;
}

export function endOffsetsOf(w: { high: number }[]): Map<number, number> {
  return new Map(w.map((x, p) => [p, x.high]));
}

/**
 * Reads back by seek, from the middle of a stored batch of each codec (the
 * reader gets the whole batch from the broker and must drop the records
 * before the asked offset) and by timestamp (the first record at or after
 * a record's timestamp minus 3 ms), with node-rdkafka and, when asked, kcat.
 * Returns the problems found.
 */
export async function checkSeeks(
  bootstrap: string,
  topic: string,
  read: ReadRecord[],
  multiRecordBatch: Map<CodecName, { partition: number; batch: StoredBatch }>,
  opts: { kcat: boolean; /** Codecs node-rdkafka can't decompress (this build has no zstd). */ rdkafkaSkips?: CodecName[] },
): Promise<string[]> {
  const problems: string[] = [];
  const at = new Map(read.map((r) => [`${r.partition}/${r.offset}`, r]));
  for (const [codec, { partition, batch }] of multiRecordBatch) {
    const target = batch.baseOffset + 1;
    const want = at.get(`${partition}/${target}`);
    if (!want) {
      problems.push(`${codec}: no read record at ${partition}/${target}`);
      continue;
    }
    const got = opts.rdkafkaSkips?.includes(codec) ? [want] : await readWithRdkafka(bootstrap, topic, [{ partition, offset: target }], new Map([[partition, target + 2]]), 2);
    if (got[0]?.offset !== target || got[0]?.key !== want.key) {
      problems.push(`${codec}: node-rdkafka from ${partition}/${target} (inside batch ${batch.baseOffset}..${batch.lastOffset}) got ${got[0]?.offset}/${got[0]?.key}, want ${want.key}`);
    }
    if (opts.kcat) {
      const k = await readWithKcat(bootstrap, topic, { partition, offset: String(target), count: 2 });
      if (k[0]?.offset !== target || k[0]?.key !== want.key) {
        problems.push(`${codec}: kcat from ${partition}/${target} got ${k[0]?.offset}/${k[0]?.key}, want ${want.key}`);
      }
    }

    const ts = want.timestamp - 3;
    const expectOffset = firstOffsetAtOrAfter(read, partition, ts);
    const byTime = await offsetsForTimesRdkafka(bootstrap, topic, [{ partition, timestamp: ts }]);
    if (byTime.get(partition) !== expectOffset) {
      problems.push(`${codec}: node-rdkafka offsetsForTimes(${partition}, ${ts}) = ${byTime.get(partition)}, want ${expectOffset}`);
    }
    if (opts.kcat) {
      const k = await readWithKcat(bootstrap, topic, { partition, offset: `s@${ts}`, count: 1 });
      if (k[0]?.offset !== expectOffset) problems.push(`${codec}: kcat -o s@${ts} -p ${partition} starts at ${k[0]?.offset}, want ${expectOffset}`);
    }
  }
  // Past the newest timestamp there is no such offset: Kafka answers -1, which librdkafka reports as -1 (end).
  const newest = Math.max(...read.map((r) => r.timestamp));
  const none = await offsetsForTimesRdkafka(bootstrap, topic, [{ partition: 0, timestamp: newest + 1 }]);
  if (none.get(0) !== -1) problems.push(`offsetsForTimes past the newest timestamp = ${none.get(0)}, want -1`);
  return problems;
}

/**
 * The broker's advertised API ranges, asked with a raw ApiVersions v0 request
 * (some client behaviour depends on them, e.g. librdkafka's LZ4 feature
 * needs FindCoordinator v0: clients.md G1).
 */
export async function advertisedApis(host: string, port: number): Promise<Map<number, { min: number; max: number }>> {
  const c = await RawKafkaClient.connect(host, port);
  try {
    const res = await c.request(Apis.ApiVersions, 0, requestBody(Apis.ApiVersions, {}));
    if (res.errorCode !== 0) throw new Error(`ApiVersions error ${res.errorCode}`);
    return new Map(res.apiKeys.map((k) => [k.apiKey, { min: k.minVersion, max: k.maxVersion }]));
  } finally {
    c.close();
  }
}

/** librdkafka (2.0.2 and 2.12 alike) only compresses with LZ4 when the broker advertises FindCoordinator v0 (clients.md G1). */
export async function librdkafkaCanLz4(host: string, port: number): Promise<boolean> {
  const fc = (await advertisedApis(host, port)).get(10);
  return fc !== undefined && fc.min === 0;
}

/** The `replace` argument of checkStoredCodecs for librdkafka producers: lz4 stored plain unless librdkafkaCanLz4. */
export async function librdkafkaLz4Replacement(host: string, port: number): Promise<Partial<Record<CodecName, CodecName>>> {
  return (await librdkafkaCanLz4(host, port)) ? {} : { lz4: 'none' };
}

/** Reads every partition of the topic from offset 0 to its high watermark with node-rdkafka (assign, no group). */
export async function readAllWithRdkafka(bootstrap: string, topic: string, partitions: number): Promise<ReadRecord[]> {
  const w = await watermarks(bootstrap, topic, partitions);
  return readWithRdkafka(
    bootstrap,
    topic,
    w.map((_, p) => ({ partition: p, offset: 0 })),
    endOffsetsOf(w),
  );
}

/** A round-trip suite's afterAll: shows the broker's warnings (they explain a failure), stops it, removes its data. */
export async function stopRoundTripBroker(broker: BrokerProcess | undefined): Promise<void> {
  const warnings = broker ? brokerWarnings(broker.output()) : [];
  if (warnings.length) console.warn(`broker warnings:\n${warnings.slice(-20).join('\n')}`);
  await broker?.stop();
  if (broker) fs.rmSync(broker.dataDir, { recursive: true, force: true });
}

/** The broker's warning and error log lines (level ≥ 40), for diagnosing a failed run. */
export function brokerWarnings(output: string): string[] {
  return output.split('\n').filter((l) => /"level":(4|5|6)0/.test(l));
}
