/**
 * Records golden wire fixtures from real Kafka clients.
 *
 *   npm run build && node scripts/record-golden.js [client ...]
 *
 * (`record-golden.js` compiles this file on the fly with @swc/core, so the
 * broker helpers in `integration/support/` are used as they are.) Clients:
 * kafkajs, platformatic, rdkafka, kcat; default all.
 *
 * For each client: start a Weir broker (in memory) behind the frame-aware
 * proxy, advertise the proxy's port so every connection goes through it,
 * drive the client through a typical session (ApiVersions, Metadata, create
 * topics, produce with every codec it has, ListOffsets, fetch by assignment,
 * admin calls) and write `src/protocol/golden/fixtures/<client>.json`: every
 * distinct request frame with the broker's response, and the records each
 * topic was given. Steps that fail are noted in the fixture, not fatal: the
 * point is to capture what the client sends, even to an API Weir refuses.
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { Kafka, CompressionCodecs, CompressionTypes, logLevel } from 'kafkajs';
import * as Rdkafka from 'node-rdkafka';
import { compressSync as snappyRawCompress, uncompressSync as snappyRawUncompress } from 'snappy';
import { compressFrameSync as lz4Compress, decompressFrameSync as lz4Decompress } from 'lz4-napi';
import { compress as zstdCompress, decompress as zstdDecompress } from 'zstd-napi';
import { startBrokerProcess } from '../integration/support/broker-process';
import { startKafkaProxy } from '../integration/support/kafka-proxy';
import { API_MESSAGES } from '../src/protocol/messages';
import { produceShape } from '../src/protocol/golden/test-support/frames';
import type { GoldenExchange, GoldenFixture, GoldenRecord, GoldenTopic } from '../src/protocol/golden/test-support/fixture-format';

const ROOT = path.resolve(__dirname, '..');
const FIXTURES = path.join(ROOT, 'src/protocol/golden/fixtures');
const CODECS = ['none', 'gzip', 'snappy', 'lz4', 'zstd'] as const;
type CodecName = (typeof CODECS)[number];
const CODEC_IDS: Readonly<Record<CodecName, number>> = { none: 0, gzip: 1, snappy: 2, lz4: 3, zstd: 4 };
/** Fixed timestamps, so the fixture's expected records are exact. */
const BASE_TS = 1_700_000_000_000;
/** Per api+version, keep this many distinct requests (every Produce is kept: the batch tests need all records). */
const MAX_PER_VERSION = 3;

// ---------------------------------------------------------------- recording

interface Pending {
  seq: number;
  connection: number;
  apiKey: number;
  version: number;
  correlationId: number;
  request: Buffer;
  response: Buffer | null;
}

class Recorder {
  readonly exchanges: Pending[] = [];
  readonly notes: string[] = [];
  readonly produced: GoldenTopic[] = [];
  private seq = 0;

  onRequest(frame: Buffer, connection: number): void {
    this.exchanges.push({
      seq: ++this.seq,
      connection,
      apiKey: frame.readInt16BE(0),
      version: frame.readInt16BE(2),
      correlationId: frame.readInt32BE(4),
      request: Buffer.from(frame),
      response: null,
    });
  }

  onResponse(frame: Buffer, connection: number): void {
    const correlationId = frame.readInt32BE(0);
    const match = this.exchanges.find((e) => e.connection === connection && e.correlationId === correlationId && e.response === null);
    if (match) match.response = Buffer.from(frame);
    else this.notes.push(`response with correlation id ${correlationId} on connection ${connection} matched no request`);
  }

  note(message: string): void {
    this.notes.push(message);
    process.stderr.write(`  note: ${message}\n`);
  }

  async step(name: string, fn: () => Promise<unknown>): Promise<void> {
    try {
      await fn();
    } catch (e) {
      this.note(`${name} failed: ${e instanceof Error ? e.message : String(e)}`);
    }
  }

  fixture(client: string, clientVersion: string): GoldenFixture {
    const kept: GoldenExchange[] = [];
    const seen = new Set<string>();
    const perVersion = new Map<string, number>();
    for (const e of this.exchanges) {
      const api = API_MESSAGES.find((m) => m.apiKey === e.apiKey)?.name ?? `Api${e.apiKey}`;
      const shape = e.apiKey === 0 ? safeShape(e.request) : undefined;
      // The same bytes apart from the correlation id are the same fixture.
      const body = Buffer.from(e.request);
      body.writeInt32BE(0, 4);
      const exact = `${e.apiKey}/${e.version}/${body.toString('base64')}`;
      if (seen.has(exact)) continue;
      seen.add(exact);
      const bucket = `${e.apiKey}/${e.version}/${shape ?? ''}`;
      const n = perVersion.get(bucket) ?? 0;
      if (n >= MAX_PER_VERSION && e.apiKey !== 0) continue;
      perVersion.set(bucket, n + 1);
      kept.push({
        seq: e.seq,
        connection: e.connection,
        apiKey: e.apiKey,
        api,
        version: e.version,
        request: e.request.toString('base64'),
        response: e.response ? e.response.toString('base64') : null,
        ...(shape !== undefined ? { shape } : {}),
      });
    }
    return { client, clientVersion, recordedAt: new Date().toISOString(), notes: this.notes, exchanges: kept, produced: this.produced };
  }
}

/** A frame our decoder refuses is still a fixture: the golden test will say why. */
function safeShape(frame: Buffer): string {
  try {
    return produceShape(frame);
  } catch (e) {
    return `undecodable: ${e instanceof Error ? e.message : String(e)}`;
  }
}

// ---------------------------------------------------------------- records

function expectedRecords(client: string, codec: CodecName, withTimestamps: boolean, perRecordHeaders: boolean): GoldenRecord[] {
  // Compressible values, so each codec really compresses; null key, null value and an empty header value.
  const filler = `${client}/${codec} `.repeat(6);
  const ts = (i: number): string | null => (withTimestamps ? String(BASE_TS + i) : null);
  if (!perRecordHeaders) {
    const headers = [{ key: 'h-one', value: '1' }];
    return [
      { key: 'key-0', value: `value-0 ${filler}`, headers, timestamp: ts(0) },
      { key: null, value: `value-1 ${filler}`, headers, timestamp: ts(1) },
      { key: 'key-2', value: null, headers, timestamp: ts(2) },
    ];
  }
  return [
    { key: 'key-0', value: `value-0 ${filler}`, headers: [{ key: 'h-one', value: '1' }, { key: 'h-empty', value: '' }], timestamp: ts(0) },
    { key: null, value: `value-1 ${filler}`, headers: [], timestamp: ts(1) },
    { key: 'key-2', value: null, headers: [{ key: 'h-three', value: 'three' }], timestamp: ts(2) },
  ];
}

const text = (s: string | null): Buffer | null => (s === null ? null : Buffer.from(s));

// ---------------------------------------------------------------- broker + proxy

async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

async function withBroker(recorder: Recorder, run: (bootstrap: string) => Promise<void>): Promise<void> {
  const proxyPort = await freePort();
  const broker = await startBrokerProcess({
    memory: true,
    config: { 'advertised.listeners': `PLAINTEXT://127.0.0.1:${proxyPort}`, 'auto.create.topics.enable': true, 'num.partitions': 1 },
  });
  const proxy = await startKafkaProxy(
    { host: broker.host, port: broker.port },
    {
      onRequest: (frame, id) => {
        recorder.onRequest(frame, id);
        return [frame];
      },
      onResponse: (frame, id) => {
        recorder.onResponse(frame, id);
        return [frame];
      },
    },
    proxyPort,
  );
  try {
    await run(`127.0.0.1:${proxyPort}`);
  } finally {
    await proxy.close();
    await broker.stop();
  }
}

function topicName(client: string, codec: string): string {
  return `golden-${client}-${codec}`;
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

// ---------------------------------------------------------------- kafkajs

/** The parts of kafkajs's internal cluster/broker objects the recorder uses for a group-less fetch. */
interface KjsBroker {
  fetch(request: {
    replicaId?: number;
    isolationLevel?: number;
    maxWaitTime?: number;
    minBytes?: number;
    maxBytes?: number;
    topics: { topic: string; partitions: { partition: number; fetchOffset: string; maxBytes: number }[] }[];
  }): Promise<unknown>;
}
interface KjsCluster {
  connect(): Promise<void>;
  disconnect(): Promise<void>;
  addTargetTopic(topic: string): Promise<void>;
  findLeaderForPartitions(topic: string, partitions: number[]): Record<string, number[]>;
  findBroker(opts: { nodeId: string }): Promise<KjsBroker>;
}

async function recordKafkajs(recorder: Recorder, bootstrap: string): Promise<void> {
  // kafkajs ships gzip only; the snappy/lz4/zstd plugins (kafkajs-snappy, kafkajs-lz4,
  // @kafkajs/zstd) wrap the same native libraries Weir depends on, so register those.
  const codecs = CompressionCodecs as unknown as Record<number, () => { compress(e: { buffer: Buffer }): Promise<Buffer>; decompress(b: Buffer): Promise<Buffer> }>;
  codecs[CompressionTypes.Snappy] = () => ({ compress: async (e) => snappyRawCompress(e.buffer), decompress: async (b) => Buffer.from(snappyRawUncompress(b) as Buffer) });
  codecs[CompressionTypes.LZ4] = () => ({ compress: async (e) => lz4Compress(e.buffer), decompress: async (b) => lz4Decompress(b) });
  codecs[CompressionTypes.ZSTD] = () => ({ compress: async (e) => zstdCompress(e.buffer), decompress: async (b) => zstdDecompress(b) });
  const kjsCodec: Readonly<Record<CodecName, CompressionTypes>> = {
    none: CompressionTypes.None,
    gzip: CompressionTypes.GZIP,
    snappy: CompressionTypes.Snappy,
    lz4: CompressionTypes.LZ4,
    zstd: CompressionTypes.ZSTD,
  };
  recorder.note('kafkajs: snappy/lz4/zstd use plugin-style codecs registered by the recorder (raw snappy, LZ4 frame, zstd frame)');

  const kafka = new Kafka({ clientId: 'golden-kafkajs', brokers: [bootstrap], logLevel: logLevel.NOTHING, retry: { retries: 2 } });
  const admin = kafka.admin();
  await admin.connect();
  const topics = CODECS.map((c) => topicName('kafkajs', c));
  await recorder.step('kafkajs createTopics', () => admin.createTopics({ topics: topics.map((topic) => ({ topic, numPartitions: 1 })), waitForLeaders: true }));
  await recorder.step('kafkajs fetchTopicMetadata', () => admin.fetchTopicMetadata({ topics }));

  const producer = kafka.producer({ allowAutoTopicCreation: false });
  await producer.connect();
  for (const codec of CODECS) {
    const records = expectedRecords('kafkajs', codec, true, true);
    await recorder.step(`kafkajs produce ${codec}`, async () => {
      await producer.send({
        topic: topicName('kafkajs', codec),
        acks: -1,
        compression: kjsCodec[codec],
        messages: records.map((r) => ({
          key: text(r.key),
          value: text(r.value),
          timestamp: r.timestamp ?? undefined,
          partition: 0,
          headers: Object.fromEntries(r.headers.map((h) => [h.key, h.value])),
        })),
      });
      recorder.produced.push({ topic: topicName('kafkajs', codec), codec, records });
    });
  }
  await producer.disconnect();

  // An idempotent producer adds InitProducerId and producer ids/sequences in the batch.
  const idem = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  await recorder.step('kafkajs idempotent produce', async () => {
    await idem.connect();
    const records = expectedRecords('kafkajs', 'gzip', true, true);
    const topic = topicName('kafkajs', 'idempotent');
    await admin.createTopics({ topics: [{ topic, numPartitions: 1 }] });
    await idem.send({
      topic,
      acks: -1,
      compression: CompressionTypes.GZIP,
      messages: records.map((r) => ({ key: text(r.key), value: text(r.value), timestamp: r.timestamp ?? undefined, partition: 0, headers: Object.fromEntries(r.headers.map((h) => [h.key, h.value])) })),
    });
    recorder.produced.push({ topic, codec: 'gzip', records });
  });
  await idem.disconnect().catch(() => undefined);

  for (const topic of topics) await recorder.step(`kafkajs fetchTopicOffsets ${topic}`, () => admin.fetchTopicOffsets(topic));
  await recorder.step('kafkajs fetchTopicOffsetsByTimestamp', () => admin.fetchTopicOffsetsByTimestamp(topics[0]!, BASE_TS + 1));

  // kafkajs's consumer needs a group (not served yet), so fetch through its internal cluster.
  await recorder.step('kafkajs fetch', async () => {
    const create = Object.getOwnPropertySymbols(kafka).find((s) => s.description === 'private:Kafka:createCluster');
    if (!create) throw new Error('kafkajs internals changed: no createCluster symbol');
    const factory = (kafka as unknown as Record<symbol, (opts: object) => KjsCluster>)[create]!;
    const cluster = factory({});
    await cluster.connect();
    for (const topic of topics) await cluster.addTargetTopic(topic);
    for (const topic of topics) {
      const leaders = cluster.findLeaderForPartitions(topic, [0]);
      const nodeId = Object.keys(leaders)[0];
      if (nodeId === undefined) throw new Error(`no leader for ${topic}`);
      const broker = await cluster.findBroker({ nodeId });
      // read_committed (kafkajs's default) and read_uncommitted.
      for (const isolationLevel of [1, 0]) {
        await broker.fetch({ isolationLevel, maxWaitTime: 100, topics: [{ topic, partitions: [{ partition: 0, fetchOffset: '0', maxBytes: 1 << 20 }] }] });
      }
    }
    await cluster.disconnect();
  });

  await recorder.step('kafkajs describeCluster', () => admin.describeCluster());
  await recorder.step('kafkajs describeConfigs', () =>
    admin.describeConfigs({ resources: [{ type: 2, name: topics[0]! }], includeSynonyms: true }),
  );
  await recorder.step('kafkajs alterConfigs', () =>
    admin.alterConfigs({ validateOnly: false, resources: [{ type: 2, name: topics[0]!, configEntries: [{ name: 'retention.ms', value: '86400000' }] }] }),
  );
  await recorder.step('kafkajs createPartitions', () => admin.createPartitions({ topicPartitions: [{ topic: topics[0]!, count: 2 }] }));
  await recorder.step('kafkajs deleteTopicRecords', () => admin.deleteTopicRecords({ topic: topics[0]!, partitions: [{ partition: 0, offset: '1' }] }));
  await recorder.step('kafkajs create+delete scratch topic', async () => {
    await admin.createTopics({ topics: [{ topic: 'golden-kafkajs-scratch', numPartitions: 2, configEntries: [{ name: 'cleanup.policy', value: 'compact' }] }] });
    await admin.deleteTopics({ topics: ['golden-kafkajs-scratch'] });
  });
  await admin.disconnect();
}

// ---------------------------------------------------------------- node-rdkafka

function rdkafkaSupports(codec: CodecName): boolean {
  if (codec === 'none') return true;
  return Rdkafka.features.includes(codec);
}

async function recordRdkafka(recorder: Recorder, bootstrap: string): Promise<void> {
  const admin = Rdkafka.AdminClient.create({ 'bootstrap.servers': bootstrap, 'client.id': 'golden-rdkafka' });
  const codecs = CODECS.filter((c) => {
    if (rdkafkaSupports(c)) return true;
    recorder.note(`node-rdkafka: librdkafka ${Rdkafka.librdkafkaVersion} was built without ${c} (features: ${Rdkafka.features.join(',')})`);
    return false;
  });
  for (const codec of codecs) {
    await recorder.step(`rdkafka createTopic ${codec}`, () => new Promise<void>((resolve, reject) => admin.createTopic({ topic: topicName('rdkafka', codec), num_partitions: 1, replication_factor: 1 }, 10_000, (err) => (err ? reject(err) : resolve()))));
  }
  await recorder.step('rdkafka createPartitions', () => new Promise<void>((resolve, reject) => admin.createPartitions(topicName('rdkafka', 'none'), 2, 10_000, (err) => (err ? reject(err) : resolve()))));
  await recorder.step('rdkafka create+delete scratch topic', async () => {
    await new Promise<void>((resolve, reject) => admin.createTopic({ topic: 'golden-rdkafka-scratch', num_partitions: 1, replication_factor: 1, config: { 'cleanup.policy': 'compact' } }, 10_000, (err) => (err ? reject(err) : resolve())));
    await new Promise<void>((resolve, reject) => admin.deleteTopic('golden-rdkafka-scratch', 10_000, (err) => (err ? reject(err) : resolve())));
  });
  admin.disconnect();

  for (const codec of codecs) {
    for (const idempotent of [false, true]) {
      const topic = idempotent ? topicName('rdkafka', `idempotent-${codec}`) : topicName('rdkafka', codec);
      if (idempotent && codec !== 'lz4') continue; // one idempotent session is enough
      const records = expectedRecords('rdkafka', codec, true, true);
      await recorder.step(`rdkafka produce ${topic}`, async () => {
        const producer = new Rdkafka.Producer({
          'bootstrap.servers': bootstrap,
          'client.id': 'golden-rdkafka',
          'compression.codec': codec,
          'linger.ms': 50,
          'enable.idempotence': idempotent,
          dr_cb: true,
        });
        await new Promise<void>((resolve, reject) => {
          producer.connect({}, (err) => (err ? reject(err) : resolve()));
        });
        let delivered = 0;
        let failure: Rdkafka.LibrdKafkaError | null = null;
        producer.on('delivery-report', (err) => {
          if (err) failure = err;
          delivered++;
        });
        producer.setPollInterval(10);
        for (const r of records) {
          const headers = r.headers.map((h) => ({ [h.key]: h.value }));
          producer.produce(topic, 0, text(r.value), text(r.key), Number(r.timestamp), null, headers);
        }
        const deadline = Date.now() + 15_000;
        while (delivered < records.length && Date.now() < deadline) await sleep(20);
        await new Promise<void>((resolve) => producer.flush(5_000, () => resolve()));
        await new Promise<void>((resolve) => producer.disconnect(() => resolve()));
        if (failure) throw new Error(`delivery failed: ${(failure as Rdkafka.LibrdKafkaError).message}`);
        if (delivered < records.length) throw new Error(`${delivered}/${records.length} delivered`);
        recorder.produced.push({ topic, codec, records });
      });
    }
  }

  const consumer = new Rdkafka.KafkaConsumer(
    {
      'bootstrap.servers': bootstrap,
      'client.id': 'golden-rdkafka',
      'group.id': 'golden-rdkafka-unused',
      'enable.auto.commit': false,
      'enable.partition.eof': true,
    },
    { 'auto.offset.reset': 'earliest' },
  );
  await new Promise<void>((resolve, reject) => consumer.connect({}, (err) => (err ? reject(err) : resolve())));
  await recorder.step('rdkafka getMetadata', () => new Promise((resolve, reject) => consumer.getMetadata({ timeout: 5000 }, (err, md) => (err ? reject(err) : resolve(md)))));
  for (const codec of codecs) {
    const topic = topicName('rdkafka', codec);
    await recorder.step(`rdkafka queryWatermarkOffsets ${topic}`, () => new Promise((resolve, reject) => consumer.queryWatermarkOffsets(topic, 0, 5000, (err, o) => (err ? reject(err) : resolve(o)))));
  }
  await recorder.step('rdkafka offsetsForTimes', () => new Promise((resolve, reject) => consumer.offsetsForTimes([{ topic: topicName('rdkafka', 'none'), partition: 0, offset: BASE_TS + 1 }], 5000, (err, o) => (err ? reject(err) : resolve(o)))));
  await recorder.step('rdkafka consume by assign', async () => {
    consumer.assign(codecs.map((c) => ({ topic: topicName('rdkafka', c), partition: 0, offset: 0 })));
    let got = 0;
    const want = codecs.length * 3;
    const deadline = Date.now() + 15_000;
    while (got < want && Date.now() < deadline) {
      const batch = await new Promise<Rdkafka.Message[]>((resolve, reject) => consumer.consume(100, (err, m) => (err ? reject(err) : resolve(m))));
      got += batch.length;
      if (batch.length === 0) await sleep(20);
    }
    if (got < want) throw new Error(`consumed ${got}/${want}`);
  });
  await new Promise<void>((resolve) => consumer.disconnect(() => resolve()));
}

// ---------------------------------------------------------------- kcat

function kcat(args: string[], input?: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn('kcat', args, { stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
    child.stdin.end(input ?? '');
  });
}

async function kcatOk(args: string[], input?: string): Promise<string> {
  const r = await kcat(args, input);
  if (r.code !== 0) throw new Error(`kcat ${args.join(' ')} exited ${r.code}: ${r.stderr.trim().slice(0, 500)}`);
  return r.stdout;
}

async function recordKcat(recorder: Recorder, bootstrap: string): Promise<void> {
  const common = ['-b', bootstrap, '-X', 'client.id=golden-kcat'];
  await recorder.step('kcat -L', () => kcatOk([...common, '-L']));
  await recorder.step('kcat -L -J', () => kcatOk([...common, '-L', '-J']));
  for (const codec of CODECS) {
    // kcat sets one header list for every message and cannot set timestamps.
    const records = expectedRecords('kcat', codec, false, false);
    const topic = topicName('kcat', codec);
    // -K '|' splits key from value; -Z sends an empty value as null. A line
    // without the delimiter... is not a null key in kcat 1.7.1, so the null
    // key record is produced in a second call without -K.
    await recorder.step(`kcat produce ${codec}`, async () => {
      const headerArgs = records[0]!.headers.flatMap((h) => ['-H', `${h.key}=${h.value}`]);
      const base = [...common, '-P', '-t', topic, '-p', '0', '-z', codec, '-Z', ...headerArgs];
      await kcatOk([...base, '-K', '|'], `${records[0]!.key}|${records[0]!.value}\n`);
      await kcatOk(base, `${records[1]!.value}\n`);
      await kcatOk([...base, '-K', '|'], `${records[2]!.key}|\n`);
      recorder.produced.push({ topic, codec, records });
    });
  }
  for (const codec of CODECS) {
    await recorder.step(`kcat consume ${codec}`, () => kcatOk([...common, '-C', '-t', topicName('kcat', codec), '-p', '0', '-o', 'beginning', '-e', '-J']));
  }
  await recorder.step('kcat -Q', () => kcatOk([...common, '-Q', '-t', `${topicName('kcat', 'none')}:0:${BASE_TS}`]));
  // An old broker: no ApiVersions, so librdkafka falls back to 0.9.0's
  // protocol (Metadata v0, ListOffsets v0, Produce v1 and Fetch v1 with
  // magic-0 message sets). Fallbacks of 0.10 and later turn ApiVersions back
  // on, so 0.9.0 is the only old protocol kcat can be forced into this way.
  const legacy = [...common, '-X', 'api.version.request=false', '-X', 'broker.version.fallback=0.9.0'];
  // `-o beginning` needs ListOffsets v0; `-o 0` fetches straight away.
  await recorder.step('kcat 0.9.0 -C -o beginning', () => kcatOk([...legacy, '-C', '-t', topicName('kcat', 'gzip'), '-p', '0', '-o', 'beginning', '-e', '-J']));
  await recorder.step('kcat 0.9.0 -C -o 0', () => kcatOk([...legacy, '-C', '-t', topicName('kcat', 'gzip'), '-p', '0', '-o', '0', '-e', '-J']));
  for (const codec of ['none', 'gzip', 'snappy', 'lz4'] as const) {
    const topic = topicName('kcat', `legacy-${codec}`);
    const records: GoldenRecord[] = [{ key: `legacy-key-${codec}`, value: `legacy value ${codec} `.repeat(4), headers: [], timestamp: null }];
    await recorder.step(`kcat 0.9.0 -P ${codec}`, async () => {
      await kcatOk([...legacy, '-P', '-t', topic, '-p', '0', '-z', codec, '-K', '|'], `${records[0]!.key}|${records[0]!.value}\n`);
      recorder.produced.push({ topic, codec, records });
    });
  }
}

// ---------------------------------------------------------------- @platformatic/kafka

async function recordPlatformatic(recorder: Recorder, bootstrap: string): Promise<void> {
  const pk = await import('@platformatic/kafka');
  const base = { clientId: 'golden-platformatic', bootstrapBrokers: [bootstrap], retries: 1, timeout: 10_000 };
  const admin = new pk.Admin(base);
  const topics = CODECS.map((c) => topicName('platformatic', c));
  await recorder.step('platformatic createTopics', () => admin.createTopics({ topics, partitions: 1, replicas: 1 }));
  await recorder.step('platformatic metadata', () => admin.metadata({ topics }));
  await recorder.step('platformatic listTopics', () => admin.listTopics());

  const producer = new pk.Producer({ ...base, serializers: pk.stringSerializers, acks: -1 });
  for (const codec of CODECS) {
    const records = expectedRecords('platformatic', codec, true, true);
    const topic = topicName('platformatic', codec);
    await recorder.step(`platformatic produce ${codec}`, async () => {
      // zstd needs zlib.zstdCompressSync (Node 22.15+); on Node 20 platformatic refuses it.
      await producer.send({
        compression: codec,
        messages: records.map((r) => ({
          topic,
          partition: 0,
          key: r.key ?? undefined,
          value: r.value ?? undefined,
          timestamp: r.timestamp === null ? undefined : BigInt(r.timestamp),
          headers: new Map(r.headers.map((h) => [h.key, h.value])),
        })),
      });
      recorder.produced.push({ topic, codec, records });
    });
  }
  await producer.close();

  const idem = new pk.Producer({ ...base, serializers: pk.stringSerializers, idempotent: true });
  await recorder.step('platformatic idempotent produce', async () => {
    const topic = topicName('platformatic', 'idempotent');
    const records = expectedRecords('platformatic', 'none', true, true);
    await admin.createTopics({ topics: [topic], partitions: 1, replicas: 1 });
    await idem.send({
      messages: records.map((r) => ({ topic, partition: 0, key: r.key ?? undefined, value: r.value ?? undefined, timestamp: r.timestamp === null ? undefined : BigInt(r.timestamp), headers: new Map(r.headers.map((h) => [h.key, h.value])) })),
    });
    recorder.produced.push({ topic, codec: 'none', records });
  });
  await idem.close();

  const consumer = new pk.Consumer({ ...base, groupId: 'golden-platformatic-unused' });
  await recorder.step('platformatic listOffsets', () => consumer.listOffsets({ topics }));
  await recorder.step('platformatic listOffsets by time', () => consumer.listOffsets({ topics, timestamp: BigInt(BASE_TS + 1) }));
  await recorder.step('platformatic fetch', async () => {
    const md = await consumer.metadata({ topics });
    for (const topic of topics) {
      const t = md.topics.get(topic);
      const p = t?.partitions[0];
      if (!t || !p) throw new Error(`no metadata for ${topic}`);
      await consumer.fetch({
        node: p.leader,
        maxWaitTime: 100,
        topics: [{ topicId: t.id, partitions: [{ partition: 0, currentLeaderEpoch: p.leaderEpoch, fetchOffset: 0n, lastFetchedEpoch: -1, partitionMaxBytes: 1 << 20 }] }],
      });
    }
  });
  await consumer.close();
  await recorder.step('platformatic deleteTopics', async () => {
    await admin.createTopics({ topics: ['golden-platformatic-scratch'], partitions: 2, replicas: 1 });
    await admin.deleteTopics({ topics: ['golden-platformatic-scratch'] });
  });
  await admin.close();
}

// ---------------------------------------------------------------- main

function packageVersion(name: string): string {
  // Read the file directly: some packages do not export ./package.json.
  const file = path.join(ROOT, 'node_modules', name, 'package.json');
  const version: unknown = JSON.parse(fs.readFileSync(file, 'utf8')).version;
  return String(version);
}

const CLIENTS: Readonly<Record<string, { version: () => Promise<string>; run: (r: Recorder, bootstrap: string) => Promise<void> }>> = {
  kafkajs: { version: async () => packageVersion('kafkajs'), run: recordKafkajs },
  platformatic: { version: async () => packageVersion('@platformatic/kafka'), run: recordPlatformatic },
  rdkafka: { version: async () => `node-rdkafka ${packageVersion('node-rdkafka')}, librdkafka ${Rdkafka.librdkafkaVersion}`, run: recordRdkafka },
  kcat: { version: async () => (await kcat(['-V'])).stdout.split('\n').find((l) => l.startsWith('Version')) ?? 'unknown', run: recordKcat },
};

async function main(): Promise<void> {
  const wanted = process.argv.slice(2);
  const names = wanted.length ? wanted : Object.keys(CLIENTS);
  fs.mkdirSync(FIXTURES, { recursive: true });
  for (const name of names) {
    const client = CLIENTS[name];
    if (!client) throw new Error(`unknown client ${name}; known: ${Object.keys(CLIENTS).join(', ')}`);
    process.stderr.write(`recording ${name}\n`);
    const recorder = new Recorder();
    await withBroker(recorder, (bootstrap) => client.run(recorder, bootstrap));
    const fixture = recorder.fixture(name, await client.version());
    const file = path.join(FIXTURES, `${name}.json`);
    fs.writeFileSync(file, `${JSON.stringify(fixture, null, 1)}\n`);
    const summary = new Map<string, number>();
    for (const e of fixture.exchanges) summary.set(`${e.api} v${e.version}`, (summary.get(`${e.api} v${e.version}`) ?? 0) + 1);
    process.stderr.write(`  wrote ${path.relative(ROOT, file)}: ${fixture.exchanges.length} exchanges (${[...summary].map(([k, n]) => `${k}×${n}`).join(', ')})\n`);
  }
}

main().then(
  () => process.exit(0),
  (e: unknown) => {
    process.stderr.write(`${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    process.exit(1);
  },
);
