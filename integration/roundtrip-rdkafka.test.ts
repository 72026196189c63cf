/**
 * node-rdkafka (librdkafka 2.12) produces 100k messages over 8 partitions,
 * one quarter per codec it was built with, and reads them back by assign()
 * with no group; kcat (librdkafka 2.0.2, Fetch ≤ 11) reads the same data.
 * Seeks into the middle of compressed batches and by timestamp.
 *
 * zstd is one of the codecs when node-rdkafka was built with it: librdkafka
 * links zstd only when libzstd's headers were present at `npm test`'s install
 * (Debian: libzstd-dev, which .ci/run installs). A build without it can
 * neither produce nor read zstd: the suite then says so in a skipped test
 * (a failing one under CI, whose build must have it), and zstd stays covered
 * by kcat and kafkajs.
 * The disk broker is needed to check the codec of every stored batch.
 */
import * as Kafka from 'node-rdkafka';
import { BrokerProcess, startBrokerProcess } from './support/broker-process';
import {
  checkRoundTrip,
  checkSeeks,
  checkStoredCodecs,
  CodecName,
  createTopic,
  generateMessages,
  librdkafkaLz4Replacement,
  OutMessage,
  readAllWithRdkafka,
  ReadRecord,
  readWithKcat,
  stopRoundTripBroker,
  waitFor,
  watermarks,
} from './support/roundtrip';

const TOPIC = 'roundtrip-rdkafka';
const PARTITIONS = 8;
/** Whether this node-rdkafka build can compress and decompress zstd. */
const RDKAFKA_HAS_ZSTD = Kafka.features.includes('zstd');
const CODECS: CodecName[] = ['none', 'gzip', 'snappy', 'lz4', ...(RDKAFKA_HAS_ZSTD ? (['zstd'] as const) : [])];
const TOTAL_MESSAGES = 100_000;
const PER_CODEC = TOTAL_MESSAGES / CODECS.length;
// 2024-01-01: far from the broker's clock, so a broker stamping its own time fails.
const BASE_TS = Date.UTC(2024, 0, 1);

let broker: BrokerProcess;
const produced: OutMessage[] = [];
/** key -> the offset node-rdkafka's delivery report gave. */
const delivered = new Map<string, { partition: number; offset: number }>();
let rdkafkaRead: ReadRecord[] = [];

async function produceWithRdkafka(bootstrap: string, codec: CodecName, msgs: OutMessage[]): Promise<void> {
  const producer = new Kafka.Producer({
    'bootstrap.servers': bootstrap,
    'compression.codec': codec,
    dr_cb: true,
    'linger.ms': 20,
    // Smallish batches: many batches per partition, several records in each.
    'batch.num.messages': 500,
  });
  const errors: string[] = [];
  let reports = 0;
  producer.on('delivery-report', (err, report) => {
    reports++;
    if (err) errors.push(err.message);
    else if (report.key !== undefined && report.key !== null) delivered.set(report.key.toString(), { partition: report.partition, offset: report.offset });
  });
  await new Promise<void>((resolve, reject) => producer.connect({}, (err) => (err ? reject(err) : resolve())));
  producer.setPollInterval(10);
  try {
    for (const m of msgs) {
      const headers = m.headers.map(([k, v]) => ({ [k]: v }));
      for (;;) {
        try {
          producer.produce(TOPIC, m.partition, m.value === null ? null : Buffer.from(m.value), m.key, m.timestamp, null, headers);
          break;
        } catch (e) {
          // The local queue is full: wait for deliveries to drain it.
          if ((e as { code?: number }).code !== Kafka.CODES.ERRORS.ERR__QUEUE_FULL) throw e;
          await new Promise((r) => setTimeout(r, 5));
        }
      }
    }
    await waitFor(`${codec} delivery reports`, () => reports >= msgs.length, 120_000);
  } finally {
    await new Promise<void>((resolve) => producer.disconnect(() => resolve()));
  }
  expect(errors.slice(0, 5)).toEqual([]);
}

const lz4Replacement = () => librdkafkaLz4Replacement(broker.host, broker.port);

beforeAll(async () => {
  broker = await startBrokerProcess();
  await createTopic(broker.bootstrap, TOPIC, PARTITIONS);
  let order = 0;
  for (const [i, codec] of CODECS.entries()) {
    const msgs = generateMessages({
      client: 'rdkafka',
      codec,
      count: PER_CODEC,
      partitions: PARTITIONS,
      firstOrder: order,
      baseTimestamp: BASE_TS + i * 10_000_000,
      tombstones: true,
    });
    order += msgs.length;
    await produceWithRdkafka(broker.bootstrap, codec, msgs);
    produced.push(...msgs);
  }
}, 300_000);

afterAll(() => stopRoundTripBroker(broker));

describe('node-rdkafka round trip', () => {
  // With zstd in the build, zstd is one of CODECS and every test below covers it.
  if (!RDKAFKA_HAS_ZSTD && process.env['CI']) {
    it('covers zstd: CI installs libzstd-dev before node-rdkafka is built, so its build must have zstd', () => {
      expect(Kafka.features).toContain('zstd');
    });
  } else if (!RDKAFKA_HAS_ZSTD) {
    // Visible in the summary as a skipped test, with the reason as its name.
    it.skip('zstd: not covered here, this node-rdkafka build lacks it (install libzstd-dev, then `rm -rf test-deps/node_modules && npm test`)', () => undefined);
    it('refuses zstd, as a build without it should (so the zstd skip is down to the build, not Weir)', () => {
      expect(() => new Kafka.Producer({ 'bootstrap.servers': broker.bootstrap, 'compression.codec': 'zstd' })).toThrow(/zstd/);
    });
  }

  it('reads every message back exactly once by assign(), intact and in order, at the delivered offsets', async () => {
    const w = await watermarks(broker.bootstrap, TOPIC, PARTITIONS);
    expect(w.reduce((n, x) => n + x.high - x.low, 0)).toBe(produced.length);
    rdkafkaRead = await readAllWithRdkafka(broker.bootstrap, TOPIC, PARTITIONS);
    expect(checkRoundTrip(produced, rdkafkaRead)).toEqual([]);
    const wrongOffset = rdkafkaRead.filter((r) => {
      const d = delivered.get(r.key ?? '');
      return !d || d.partition !== r.partition || d.offset !== r.offset;
    });
    expect(wrongOffset.slice(0, 3)).toEqual([]);
  });

  it('stored every batch with the codec the producer chose (lz4: see below)', async () => {
    const { problems, multiRecordBatch } = checkStoredCodecs(broker.dataDir, TOPIC, PARTITIONS, produced, rdkafkaRead, await lz4Replacement());
    expect(problems).toEqual([]);
    expect([...multiRecordBatch.keys()].sort()).toEqual([...CODECS].sort());
  });

  it('lz4 is stored as lz4 once FindCoordinator v0 is advertised; until then librdkafka sends it uncompressed (G1)', async () => {
    // librdkafka's LZ4 feature is tied to FindCoordinator v0 (rdkafka_feature.c);
    // Weir serves no group APIs yet. This flips to requiring real lz4 batches
    // by itself when FindCoordinator lands.
    const lz4 = checkStoredCodecs(broker.dataDir, TOPIC, PARTITIONS, produced.filter((m) => m.codec === 'lz4'), rdkafkaRead, await lz4Replacement());
    expect(lz4.problems).toEqual([]);
    expect(lz4.multiRecordBatch.has('lz4')).toBe(true);
  });

  it('kcat (librdkafka 2.0.2, older Fetch) reads the same data identically', async () => {
    const k = await readWithKcat(broker.bootstrap, TOPIC, { offset: 'beginning' });
    expect(checkRoundTrip(produced, k)).toEqual([]);
  });

  it('seeks into the middle of a batch of each codec and by timestamp (node-rdkafka and kcat)', async () => {
    const { multiRecordBatch } = checkStoredCodecs(broker.dataDir, TOPIC, PARTITIONS, produced, rdkafkaRead, await lz4Replacement());
    expect(await checkSeeks(broker.bootstrap, TOPIC, rdkafkaRead, multiRecordBatch, { kcat: true })).toEqual([]);
  }, 120_000);
});
