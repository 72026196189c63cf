/**
 * Log compaction against a real broker process (dist/, `npm run build`
 * first): a compacted topic created by CreateTopics with small segments,
 * many updates per key produced with node-rdkafka, then read back with kcat
 * and node-rdkafka (assign, no group) once the cleaner has run: exactly the
 * latest value per key, at the offset it was produced at.
 *
 * Then a SIGKILL while the cleaner is rewriting segments (the cleaner is
 * throttled with log.cleaner.io.max.bytes.per.second so the kill lands
 * mid-round), a restart on the same data dir: nothing lost, nothing doubled,
 * no half-done .cleaned/.swap files, and cleaning completes.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as Kafka from 'node-rdkafka';
import { Kafka as KafkaJs, logLevel } from 'kafkajs';
import { BrokerProcess, startBrokerProcess, tempDir } from './support/broker-process';
import { readWithKcat, readWithRdkafka, type ReadRecord, storedBatches, waitFor } from './support/roundtrip';

const BROKER_CONFIG = {
  'log.cleaner.backoff.ms': 200,
  // ~4 MB/s of cleaner I/O: the 20 MB topic takes seconds to clean, long enough to kill the broker mid-round.
  'log.cleaner.io.max.bytes.per.second': 4_000_000,
  'log.retention.check.interval.ms': 500,
};
const SEGMENT_MS = 1500;

interface Produced {
  key: string;
  value: string | null;
  offset: number;
}

async function createCompactedTopic(bootstrap: string, topic: string, segmentBytes: number): Promise<void> {
  const kafka = new KafkaJs({ brokers: [bootstrap], clientId: 'compaction-admin', logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  try {
    const created = await admin.createTopics({
      topics: [
        {
          topic,
          numPartitions: 1,
          configEntries: [
            { name: 'cleanup.policy', value: 'compact' },
            { name: 'segment.bytes', value: String(segmentBytes) },
            { name: 'segment.ms', value: String(SEGMENT_MS) },
            { name: 'min.cleanable.dirty.ratio', value: '0.01' },
          ],
        },
      ],
      waitForLeaders: true,
    });
    if (!created) throw new Error(`${topic} already exists`);
  } finally {
    await admin.disconnect();
  }
}

/** Produces to partition 0 with node-rdkafka; returns each message with the offset its delivery report gave. */
async function produce(bootstrap: string, topic: string, messages: { key: string; value: string | null }[]): Promise<Produced[]> {
  const producer = new Kafka.Producer({ 'bootstrap.servers': bootstrap, dr_cb: true, dr_msg_cb: true, 'linger.ms': 5, 'batch.num.messages': 200 });
  const out: Produced[] = [];
  const errors: string[] = [];
  let reports = 0;
  producer.on('delivery-report', (err, report) => {
    reports++;
    if (err) errors.push(err.message);
    else {
      const key = report.key === undefined || report.key === null ? '' : report.key.toString();
      const value = report.value === undefined || report.value === null ? null : report.value.toString();
      out.push({ key, value, offset: report.offset });
    }
  });
  await new Promise<void>((resolve, reject) => producer.connect({}, (err) => (err ? reject(err) : resolve())));
  producer.setPollInterval(10);
  try {
    for (const m of messages) {
      for (;;) {
        try {
          producer.produce(topic, 0, m.value === null ? null : Buffer.from(m.value), m.key);
          break;
        } catch (e) {
          if ((e as { code?: number }).code !== Kafka.CODES.ERRORS.ERR__QUEUE_FULL) throw e;
          await new Promise((r) => setTimeout(r, 5));
        }
      }
    }
    await waitFor('delivery reports', () => reports >= messages.length, 120_000);
  } finally {
    await new Promise<void>((resolve) => producer.disconnect(() => resolve()));
  }
  if (errors.length > 0) throw new Error(`produce errors: ${errors.slice(0, 5).join('; ')}`);
  return out.sort((a, b) => a.offset - b.offset);
}

/** `updates` rounds over `keys` keys, values padded to `valueBytes`; the last round deletes every tenth key (tombstones). */
function updates(keys: number, rounds: number, valueBytes: number, tag: string): { key: string; value: string | null }[] {
  const out: { key: string; value: string | null }[] = [];
  for (let u = 0; u < rounds; u++) {
    for (let k = 0; k < keys; k++) {
      const tombstone = u === rounds - 1 && k % 10 === 0;
      out.push({ key: `key-${k}`, value: tombstone ? null : `${tag}-u${u}-k${k}-`.padEnd(valueBytes, 'x') });
    }
  }
  return out;
}

/** The last produced record of each key, by offset. */
function latest(produced: readonly Produced[]): Map<string, Produced> {
  const m = new Map<string, Produced>();
  for (const p of produced) m.set(p.key, p);
  return m;
}

/** Waits past segment.ms and appends one record, so the segment holding the updates rolls and becomes cleanable. */
async function rollActiveSegment(bootstrap: string, topic: string): Promise<Produced> {
  await new Promise((r) => setTimeout(r, SEGMENT_MS + 200));
  const [sentinel] = await produce(bootstrap, topic, [{ key: 'roll', value: 'roll' }]);
  return sentinel as Produced;
}

function partitionFiles(dataDir: string, topic: string): string[] {
  return fs.readdirSync(path.join(dataDir, `${topic}-0`));
}

/** Records stored in the partition's .log files (retrying while the cleaner renames files under us). */
function storedRecordCount(dataDir: string, topic: string): number {
  for (;;) {
    try {
      return storedBatches(dataDir, topic, 0).reduce((n, b) => n + b.records, 0);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
    }
  }
}

/** What consumers must see after cleaning: exactly one record per key, the latest, at its original offset. */
function expectExactlyLatest(read: readonly ReadRecord[], expected: Map<string, Produced>): void {
  const byKey = new Map<string, ReadRecord[]>();
  for (const r of read) byKey.set(r.key ?? '', [...(byKey.get(r.key ?? '') ?? []), r]);
  expect([...byKey.keys()].sort()).toEqual([...expected.keys()].sort());
  for (const [key, want] of expected) {
    const got = byKey.get(key) ?? [];
    expect(got.map((r) => [r.offset, r.value])).toEqual([[want.offset, want.value]]);
  }
}

/** Consistency whatever the cleaner did: offsets increase, each record is what was produced at that offset, latest values all there. */
function expectConsistent(read: readonly ReadRecord[], produced: readonly Produced[]): void {
  const byOffset = new Map(produced.map((p) => [p.offset, p]));
  for (let i = 0; i < read.length; i++) {
    const r = read[i] as ReadRecord;
    if (i > 0) expect(r.offset).toBeGreaterThan((read[i - 1] as ReadRecord).offset);
    const p = byOffset.get(r.offset);
    expect([r.key, r.value]).toEqual([p?.key, p?.value]);
  }
  const readOffsets = new Set(read.map((r) => r.offset));
  for (const p of latest(produced).values()) expect(readOffsets.has(p.offset)).toBe(true);
}

describe('log compaction with a real broker', () => {
  let broker: BrokerProcess;
  let dataDir: string;

  beforeAll(async () => {
    dataDir = tempDir('weir-compaction-');
    broker = await startBrokerProcess({ dataDir, config: BROKER_CONFIG });
  });
  afterAll(async () => {
    await broker?.stop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  test('after cleaning, kcat and node-rdkafka read exactly the latest value per key, at its original offset', async () => {
    const topic = 'compacted-small';
    await createCompactedTopic(broker.bootstrap, topic, 32 * 1024);
    const produced = await produce(broker.bootstrap, topic, updates(200, 30, 100, 'a'));
    expect(produced).toHaveLength(6000);
    const sentinel = await rollActiveSegment(broker.bootstrap, topic);
    const expected = latest([...produced, sentinel]);

    await waitFor('the cleaner to compact the topic', () => storedRecordCount(dataDir, topic) === expected.size, 60_000, 100);
    // The count can be reached while a last group that loses nothing is still being merged (its .cleaned files
    // exist until its background fsyncs finish): no leftovers means they go away, not that the round is over.
    const inProgress = (): string[] => partitionFiles(dataDir, topic).filter((f) => /\.(cleaned|swap)$/.test(f));
    await waitFor('the cleaner to finish its swaps', () => inProgress().length === 0, 10_000, 50);
    expect(inProgress()).toEqual([]);

    const end = sentinel.offset + 1;
    const viaKcat = await readWithKcat(broker.bootstrap, topic, { offset: 'beginning', partition: 0 });
    expectExactlyLatest(viaKcat, expected);
    const viaRdkafka = await readWithRdkafka(broker.bootstrap, topic, [{ partition: 0, offset: 0 }], new Map([[0, end]]));
    expectExactlyLatest(viaRdkafka, expected);
    // A consumer starting at a removed offset gets the next record that survived.
    const removed = produced[0] as Produced;
    const fromRemoved = await readWithKcat(broker.bootstrap, topic, { offset: String(removed.offset), partition: 0, count: 1 });
    expect(fromRemoved[0]?.offset).toBe(Math.min(...[...expected.values()].map((p) => p.offset)));
  }, 180_000);

  test('SIGKILL while cleaning, then restart: nothing lost or doubled, no half-done swap, cleaning completes', async () => {
    const topic = 'compacted-killed';
    await createCompactedTopic(broker.bootstrap, topic, 1024 * 1024);
    const produced = await produce(broker.bootstrap, topic, updates(1000, 40, 500, 'b'));
    const sentinel = await rollActiveSegment(broker.bootstrap, topic);
    const all = [...produced, sentinel];

    // Kill as soon as a cleaned segment is being written.
    await waitFor('a .cleaned segment', () => partitionFiles(dataDir, topic).some((f) => f.endsWith('.log.cleaned')), 60_000, 5);
    await broker.kill();

    broker = await startBrokerProcess({ dataDir, config: BROKER_CONFIG });
    const afterRestart = await readWithKcat(broker.bootstrap, topic, { offset: 'beginning', partition: 0 });
    expectConsistent(afterRestart, all);

    const expected = latest(all);
    await waitFor('the cleaner to finish after the restart', () => storedRecordCount(dataDir, topic) === expected.size, 120_000, 100);
    const final = await readWithKcat(broker.bootstrap, topic, { offset: 'beginning', partition: 0 });
    expectExactlyLatest(final, expected);
    // As above: a last merge that removes nothing may still be finishing its background swap.
    const leftovers = (): string[] => partitionFiles(dataDir, topic).filter((f) => /\.(cleaned|swap|swap-end)$/.test(f));
    await waitFor('the cleaner to finish its swaps', () => leftovers().length === 0, 10_000, 50);
    expect(leftovers()).toEqual([]);
  }, 300_000);
});
