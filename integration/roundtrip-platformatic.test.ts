/**
 * @platformatic/kafka 1.35 (Produce v11, Metadata/Fetch with topic ids)
 * produces 100k messages over 8 partitions, 25k per codec it supports on
 * Node 20: none, gzip, snappy, lz4. zstd needs zlib's zstd (Node ≥ 22.15),
 * so on Node 20 platformatic refuses it, which is checked.
 *
 * Its Consumer can only consume through a group (Weir has none yet), but
 * its low-level `fetch()` reads a partition without one: that is the
 * platformatic reader here, with the broker's whole batches trimmed to the
 * asked offset by the worker. node-rdkafka (assign) and kcat read the same
 * data. The disk broker is needed to check the codec of every stored batch.
 */
import { BrokerProcess, startBrokerProcess } from './support/broker-process';
import { platformatic } from './support/platformatic';
import type { WireRecord } from './support/platformatic-worker';
import {
  checkRoundTrip,
  checkSeeks,
  checkStoredCodecs,
  CODEC_ID,
  CodecName,
  createTopic,
  firstOffsetAtOrAfter,
  generateMessages,
  OutMessage,
  readAllWithRdkafka,
  ReadRecord,
  readWithKcat,
  stopRoundTripBroker,
} from './support/roundtrip';

const TOPIC = 'roundtrip-platformatic';
const PARTITIONS = 8;
const CODECS: CodecName[] = ['none', 'gzip', 'snappy', 'lz4'];
const PER_CODEC = 25_000;
const BASE_TS = Date.UTC(2022, 10, 1);

let broker: BrokerProcess;
const produced: OutMessage[] = [];
let platRead: WireRecord[] = [];
let rdkafkaRead: ReadRecord[] = [];

function answerOrThrow<T extends { ok: boolean }>(a: T | { ok: false; error: string }): T {
  if (!a.ok) throw new Error(`platformatic: ${(a as { error: string }).error}`);
  return a as T;
}

beforeAll(async () => {
  broker = await startBrokerProcess();
  await createTopic(broker.bootstrap, TOPIC, PARTITIONS);
  let order = 0;
  for (const [i, codec] of CODECS.entries()) {
    const msgs = generateMessages({ client: 'platformatic', codec, count: PER_CODEC, partitions: PARTITIONS, firstOrder: order, baseTimestamp: BASE_TS + i * 10_000_000, tombstones: true });
    order += msgs.length;
    answerOrThrow(
      await platformatic({
        op: 'produce',
        bootstrap: broker.bootstrap,
        topic: TOPIC,
        codec,
        messages: msgs.map((m) => ({ key: m.key, value: m.value, headers: m.headers, timestamp: m.timestamp!, partition: m.partition! })),
      }),
    );
    produced.push(...msgs);
  }
}, 300_000);

afterAll(() => stopRoundTripBroker(broker));

describe('@platformatic/kafka round trip', () => {
  it('refuses zstd on Node 20 (no zlib zstd), so zstd is not in this file', async () => {
    const a = await platformatic({
      op: 'produce',
      bootstrap: broker.bootstrap,
      topic: TOPIC,
      codec: 'zstd',
      messages: [{ key: 'z', value: 'z', headers: [], timestamp: BASE_TS, partition: 0 }],
    });
    // If this fails, the runtime gained zstd: add 'zstd' to CODECS.
    expect(a).toEqual({ ok: false, error: expect.stringMatching(/zstd is not supported/) });
  });

  it('platformatic fetch() reads every message back exactly once, intact and in order', async () => {
    const a = answerOrThrow(
      await platformatic({ op: 'read', bootstrap: broker.bootstrap, topic: TOPIC, starts: Array.from({ length: PARTITIONS }, (_, p) => ({ partition: p, offset: 0 })) }),
    );
    platRead = a.records ?? [];
    expect(checkRoundTrip(produced, platRead)).toEqual([]);
    // The batches platformatic decoded carry the codec it was asked for.
    const codecOf = new Map(produced.map((m) => [m.key, m.codec]));
    const wrong = platRead.filter((r) => r.batchCodec !== CODEC_ID[codecOf.get(r.key ?? '')!]);
    expect(wrong.slice(0, 3)).toEqual([]);
  });

  it('stored every batch with the codec platformatic was asked for', () => {
    const { problems, multiRecordBatch } = checkStoredCodecs(broker.dataDir, TOPIC, PARTITIONS, produced, platRead);
    expect(problems).toEqual([]);
    expect([...multiRecordBatch.keys()].sort()).toEqual([...CODECS].sort());
  });

  it('node-rdkafka (assign) and kcat read the platformatic data identically', async () => {
    rdkafkaRead = await readAllWithRdkafka(broker.bootstrap, TOPIC, PARTITIONS);
    expect(checkRoundTrip(produced, rdkafkaRead)).toEqual([]);
    expect(checkRoundTrip(produced, await readWithKcat(broker.bootstrap, TOPIC, { offset: 'beginning' }))).toEqual([]);
  });

  it('seeks into the middle of a batch: the broker returns the whole batch, the reader starts at the asked offset', async () => {
    const { multiRecordBatch } = checkStoredCodecs(broker.dataDir, TOPIC, PARTITIONS, produced, platRead);
    for (const [codec, { partition, batch }] of multiRecordBatch) {
      const target = batch.baseOffset + 1;
      const a = answerOrThrow(await platformatic({ op: 'read', bootstrap: broker.bootstrap, topic: TOPIC, starts: [{ partition, offset: target }], limitPerPartition: 2 }));
      const first = a.records?.[0];
      expect({ codec, offset: first?.offset, batch: first?.batchFirstOffset }).toEqual({ codec, offset: target, batch: batch.baseOffset });
    }
    expect(await checkSeeks(broker.bootstrap, TOPIC, rdkafkaRead, multiRecordBatch, { kcat: true })).toEqual([]);
  }, 120_000);

  it('platformatic listOffsets by timestamp finds the first record at or after it in every partition', async () => {
    const mid = produced[PER_CODEC + 1234]!;
    const ts = mid.timestamp! - 3;
    const a = answerOrThrow(await platformatic({ op: 'offsetsForTime', bootstrap: broker.bootstrap, topic: TOPIC, timestamp: ts }));
    const want = Array.from({ length: PARTITIONS }, (_, p) => firstOffsetAtOrAfter(rdkafkaRead, p, ts));
    expect(a.offsets).toEqual(want);
  });
});
