/**
 * kcat 1.7.1 (librdkafka 2.0.2: Produce ≤ 7, Fetch ≤ 11) produces 100k
 * messages into an 8-partition topic, 20k per codec, and reads them back
 * with -C -e -J; node-rdkafka (librdkafka 2.12, newer Fetch) reads the same
 * data by assign(), except zstd, which this node-rdkafka build lacks. The
 * zstd part goes to a second 8-partition topic: librdkafka prefetches, and a
 * zstd batch anywhere after the offsets it was asked for fails its consume
 * call ("Local: Not implemented").
 *
 * kcat's producer can't set per-message timestamps or partitions, and its
 * -H headers apply to every message of a run: timestamps are checked to lie
 * in the produce window, partitions are left to librdkafka's partitioner
 * (order per partition is still checked), and headers are one set per codec.
 * The disk broker is needed to check the codec of every stored batch.
 */
import { BrokerProcess, startBrokerProcess } from './support/broker-process';
import {
  checkRoundTrip,
  checkSeeks,
  checkStoredCodecs,
  CodecName,
  createTopic,
  generateMessages,
  KCAT,
  librdkafkaLz4Replacement,
  OutMessage,
  readAllWithRdkafka,
  ReadRecord,
  readWithKcat,
  run,
  stopRoundTripBroker,
} from './support/roundtrip';

const TOPIC = 'roundtrip-kcat';
const TOPIC_ZSTD = 'roundtrip-kcat-zstd';
const topicFor = (codec: CodecName): string => (codec === 'zstd' ? TOPIC_ZSTD : TOPIC);
const PARTITIONS = 8;
const CODECS: CodecName[] = ['none', 'gzip', 'snappy', 'lz4', 'zstd'];
const PER_CODEC = 20_000;

let broker: BrokerProcess;
const produced: OutMessage[] = [];
let window = { from: 0, to: 0 };
let mainRead: ReadRecord[] = [];
let zstdRead: ReadRecord[] = [];
const mainProduced = (): OutMessage[] => produced.filter((m) => m.codec !== 'zstd');
const zstdProduced = (): OutMessage[] => produced.filter((m) => m.codec === 'zstd');

const lz4Replacement = () => librdkafkaLz4Replacement(broker.host, broker.port);

async function produceWithKcat(codec: CodecName, msgs: OutMessage[]): Promise<void> {
  const input = msgs.map((m) => `${m.key}\t${m.value}\n`).join('');
  const args = ['-P', '-b', broker.bootstrap, '-t', topicFor(codec), '-K', '\\t', '-z', codec, '-X', 'linger.ms=20', '-X', 'batch.num.messages=500'];
  for (const [k, v] of msgs[0]!.headers) args.push('-H', `${k}=${v}`);
  const r = await run(KCAT, args, input);
  // kcat exits 0 only when every message was delivered.
  if (r.code !== 0) throw new Error(`kcat -P -z ${codec} exited ${r.code}: ${r.stderr.slice(-2000)}`);
}

beforeAll(async () => {
  broker = await startBrokerProcess();
  await createTopic(broker.bootstrap, TOPIC, PARTITIONS);
  await createTopic(broker.bootstrap, TOPIC_ZSTD, PARTITIONS);
  window.from = Date.now();
  let order = 0;
  for (const codec of CODECS) {
    const headers: [string, string][] = [
      ['src', `kcat/${codec}`],
      ['note', 'ünïcødé ✓'],
    ];
    const msgs = generateMessages({ client: 'kcat', codec, count: PER_CODEC, partitions: PARTITIONS, firstOrder: order, partitionerPicks: true }).map(
      (m) => ({ ...m, headers }),
    );
    order += msgs.length;
    await produceWithKcat(codec, msgs);
    produced.push(...msgs);
  }
  window.to = Date.now();
}, 300_000);

afterAll(() => stopRoundTripBroker(broker));

describe('kcat round trip', () => {
  it('kcat reads all 100k back exactly once, intact and in order per partition, over all 8 partitions', async () => {
    mainRead = await readWithKcat(broker.bootstrap, TOPIC, { offset: 'beginning' });
    zstdRead = await readWithKcat(broker.bootstrap, TOPIC_ZSTD, { offset: 'beginning' });
    expect(checkRoundTrip(mainProduced(), mainRead, { timestampWindow: window })).toEqual([]);
    expect(checkRoundTrip(zstdProduced(), zstdRead, { timestampWindow: window })).toEqual([]);
    expect(mainRead.length + zstdRead.length).toBe(CODECS.length * PER_CODEC);
    expect(new Set(mainRead.map((r) => r.partition)).size).toBe(PARTITIONS);
    expect(new Set(zstdRead.map((r) => r.partition)).size).toBe(PARTITIONS);
  });

  it('stored every batch with the codec kcat was asked for (lz4: plain until FindCoordinator v0 is advertised, G1)', async () => {
    const main = checkStoredCodecs(broker.dataDir, TOPIC, PARTITIONS, mainProduced(), mainRead, await lz4Replacement());
    const zstd = checkStoredCodecs(broker.dataDir, TOPIC_ZSTD, PARTITIONS, zstdProduced(), zstdRead);
    expect([...main.problems, ...zstd.problems]).toEqual([]);
    expect([...main.multiRecordBatch.keys(), ...zstd.multiRecordBatch.keys()].sort()).toEqual([...CODECS].sort());
  });

  it('node-rdkafka (librdkafka 2.12) reads the non-zstd kcat data identically by assign()', async () => {
    const read = await readAllWithRdkafka(broker.bootstrap, TOPIC, PARTITIONS);
    expect(checkRoundTrip(mainProduced(), read, { timestampWindow: window })).toEqual([]);
  });

  it('seeks into the middle of a batch of each codec and by timestamp', async () => {
    const main = checkStoredCodecs(broker.dataDir, TOPIC, PARTITIONS, mainProduced(), mainRead, await lz4Replacement());
    expect(await checkSeeks(broker.bootstrap, TOPIC, mainRead, main.multiRecordBatch, { kcat: true })).toEqual([]);
    const zstd = checkStoredCodecs(broker.dataDir, TOPIC_ZSTD, PARTITIONS, zstdProduced(), zstdRead);
    expect(await checkSeeks(broker.bootstrap, TOPIC_ZSTD, zstdRead, zstd.multiRecordBatch, { kcat: true, rdkafkaSkips: ['zstd'] })).toEqual([]);
  }, 120_000);
});
