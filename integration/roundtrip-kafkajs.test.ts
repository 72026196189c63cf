/**
 * kafkajs 2.2.4 (Produce v7) creates the topic with its admin client and
 * produces 100k messages over 8 partitions, 20k per codec. kafkajs ships
 * only gzip; snappy, lz4 and zstd need codec plugins (kafkajs-snappy,
 * kafkajs-lz4, @kafkajs/zstd), which are not installed, so this file
 * registers equivalent codecs built on the libraries that are (snappy,
 * lz4-napi, zstd-napi): raw snappy like kafkajs-snappy, LZ4 frames like
 * kafkajs-lz4, zstd frames like @kafkajs/zstd.
 *
 * kafkajs can't consume without a group, so node-rdkafka (assign) and kcat
 * read the data back. This node-rdkafka build has no zstd, so the zstd part
 * goes to a second 8-partition topic (librdkafka prefetches, and a zstd
 * batch after the offsets it was asked for fails its consume call); kcat
 * (librdkafka 2.0.2, with zstd) reads both. The disk broker is needed to check
 * the codec of every stored batch.
 */
import { CompressionCodecs, CompressionTypes, Kafka, logLevel, Producer } from 'kafkajs';
import { compressFrameSync, decompressFrameSync } from 'lz4-napi';
import { compressSync as snappyCompress, uncompressSync as snappyUncompress } from 'snappy';
import { compress as zstdCompress, decompress as zstdDecompress } from 'zstd-napi';
import { BrokerProcess, startBrokerProcess } from './support/broker-process';
import {
  checkRoundTrip,
  checkSeeks,
  checkStoredCodecs,
  CodecName,
  createTopic,
  generateMessages,
  OutMessage,
  readAllWithRdkafka,
  ReadRecord,
  readWithKcat,
  stopRoundTripBroker,
  watermarks,
} from './support/roundtrip';

const TOPIC = 'roundtrip-kafkajs';
const TOPIC_ZSTD = 'roundtrip-kafkajs-zstd';
const topicFor = (codec: CodecName): string => (codec === 'zstd' ? TOPIC_ZSTD : TOPIC);
const PARTITIONS = 8;
const CODECS: CodecName[] = ['none', 'gzip', 'snappy', 'lz4', 'zstd'];
const PER_CODEC = 20_000;
const BASE_TS = Date.UTC(2023, 5, 1);

/** The shape kafkajs expects of a codec: `encoder.buffer` holds the records. */
interface KafkajsCodec {
  compress(encoder: { buffer: Buffer }): Promise<Buffer>;
  decompress(buffer: Buffer): Promise<Buffer>;
}

const XERIAL_MAGIC = Buffer.from([0x82, 0x53, 0x4e, 0x41, 0x50, 0x50, 0x59, 0x00]);

/** Like kafkajs-snappy: writes raw snappy, reads raw or xerial-framed (what the Java client writes). */
const snappyCodec = (): KafkajsCodec => ({
  compress: async (encoder) => snappyCompress(encoder.buffer),
  decompress: async (buffer) => {
    if (buffer.length < 16 || !buffer.subarray(0, 8).equals(XERIAL_MAGIC)) return snappyUncompress(buffer) as Buffer;
    const parts: Buffer[] = [];
    for (let pos = 16; pos + 4 <= buffer.length; ) {
      const size = buffer.readInt32BE(pos);
      parts.push(snappyUncompress(buffer.subarray(pos + 4, pos + 4 + size)) as Buffer);
      pos += 4 + size;
    }
    return Buffer.concat(parts);
  },
});
const lz4Codec = (): KafkajsCodec => ({
  compress: async (encoder) => compressFrameSync(encoder.buffer),
  decompress: async (buffer) => decompressFrameSync(buffer),
});
const zstdCodec = (): KafkajsCodec => ({
  compress: async (encoder) => zstdCompress(encoder.buffer),
  decompress: async (buffer) => zstdDecompress(buffer),
});

const KAFKAJS_TYPE: Record<CodecName, CompressionTypes> = {
  none: CompressionTypes.None,
  gzip: CompressionTypes.GZIP,
  snappy: CompressionTypes.Snappy,
  lz4: CompressionTypes.LZ4,
  zstd: CompressionTypes.ZSTD,
};

let broker: BrokerProcess;
const produced: OutMessage[] = [];
let mainRead: ReadRecord[] = [];
let zstdRead: ReadRecord[] = [];
const mainProduced = (): OutMessage[] => produced.filter((m) => m.codec !== 'zstd');
const zstdProduced = (): OutMessage[] => produced.filter((m) => m.codec === 'zstd');

async function produceWithKafkajs(producer: Producer, codec: CodecName, msgs: OutMessage[]): Promise<void> {
  // 1000 messages per send: one Produce request, one batch of ~125 per partition.
  for (let i = 0; i < msgs.length; i += 1000) {
    await producer.send({
      topic: topicFor(codec),
      compression: KAFKAJS_TYPE[codec],
      messages: msgs.slice(i, i + 1000).map((m) => ({
        key: m.key,
        value: m.value,
        partition: m.partition,
        timestamp: String(m.timestamp),
        headers: Object.fromEntries(m.headers),
      })),
    });
  }
}

beforeAll(async () => {
  CompressionCodecs[CompressionTypes.Snappy] = snappyCodec;
  CompressionCodecs[CompressionTypes.LZ4] = lz4Codec;
  CompressionCodecs[CompressionTypes.ZSTD] = zstdCodec;
  broker = await startBrokerProcess();
  await createTopic(broker.bootstrap, TOPIC, PARTITIONS);
  await createTopic(broker.bootstrap, TOPIC_ZSTD, PARTITIONS);
  const kafka = new Kafka({ brokers: [broker.bootstrap], clientId: 'roundtrip-kafkajs', logLevel: logLevel.NOTHING });
  const producer = kafka.producer({ allowAutoTopicCreation: false });
  await producer.connect();
  try {
    let order = 0;
    for (const [i, codec] of CODECS.entries()) {
      const msgs = generateMessages({
        client: 'kafkajs',
        codec,
        count: PER_CODEC,
        partitions: PARTITIONS,
        firstOrder: order,
        baseTimestamp: BASE_TS + i * 10_000_000,
        tombstones: true,
      });
      order += msgs.length;
      await produceWithKafkajs(producer, codec, msgs);
      produced.push(...msgs);
    }
  } finally {
    await producer.disconnect();
  }
}, 300_000);

afterAll(() => stopRoundTripBroker(broker));

describe('kafkajs round trip', () => {
  it('kcat reads all 100k back exactly once, intact and in order per partition', async () => {
    const w = [...(await watermarks(broker.bootstrap, TOPIC, PARTITIONS)), ...(await watermarks(broker.bootstrap, TOPIC_ZSTD, PARTITIONS))];
    expect(w.reduce((n, x) => n + x.high, 0)).toBe(produced.length);
    mainRead = await readWithKcat(broker.bootstrap, TOPIC, { offset: 'beginning' });
    zstdRead = await readWithKcat(broker.bootstrap, TOPIC_ZSTD, { offset: 'beginning' });
    expect(checkRoundTrip(mainProduced(), mainRead)).toEqual([]);
    expect(checkRoundTrip(zstdProduced(), zstdRead)).toEqual([]);
  });

  it('stored every batch with the codec kafkajs was asked for', () => {
    const main = checkStoredCodecs(broker.dataDir, TOPIC, PARTITIONS, mainProduced(), mainRead);
    const zstd = checkStoredCodecs(broker.dataDir, TOPIC_ZSTD, PARTITIONS, zstdProduced(), zstdRead);
    expect([...main.problems, ...zstd.problems]).toEqual([]);
    expect([...main.multiRecordBatch.keys(), ...zstd.multiRecordBatch.keys()].sort()).toEqual([...CODECS].sort());
  });

  it('node-rdkafka reads the non-zstd data back identically by assign()', async () => {
    const read = await readAllWithRdkafka(broker.bootstrap, TOPIC, PARTITIONS);
    expect(checkRoundTrip(mainProduced(), read)).toEqual([]);
  });

  it('seeks into the middle of a batch of each codec and by timestamp', async () => {
    const main = checkStoredCodecs(broker.dataDir, TOPIC, PARTITIONS, mainProduced(), mainRead);
    expect(await checkSeeks(broker.bootstrap, TOPIC, mainRead, main.multiRecordBatch, { kcat: true })).toEqual([]);
    const zstd = checkStoredCodecs(broker.dataDir, TOPIC_ZSTD, PARTITIONS, zstdProduced(), zstdRead);
    expect(await checkSeeks(broker.bootstrap, TOPIC_ZSTD, zstdRead, zstd.multiRecordBatch, { kcat: true, rdkafkaSkips: ['zstd'] })).toEqual([]);
  }, 120_000);
});
