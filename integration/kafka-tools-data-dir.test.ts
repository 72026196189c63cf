/**
 * Kafka's own tools read a Weir data dir and find nothing wrong.
 *
 * A Weir broker process takes, through real clients: one batch of 500
 * records per codec (none, gzip, snappy, lz4, zstd), an idempotent producer,
 * committed and aborted transactions, keyed updates to a compacted topic
 * that the cleaner compacts (with an aborted transaction inside), and a
 * topic that retention and DeleteRecords trim. After a clean shutdown,
 * Apache Kafka's `kafka.tools.DumpLogSegments` reads every segment, index,
 * time index, producer snapshot and transaction index of every partition
 * (`--deep-iteration --print-data-log`, then `--verify-index-only`): every
 * batch valid, every acknowledged record and every transaction marker read
 * back, no index mismatch, no error.
 *
 * Needs a Kafka distribution and a JVM (see support/kafka-tools.ts); without
 * them the file registers one "NOT RUN:" test saying why, which the summary
 * reporter lists, rather than failing on a machine without Java.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { KafkaClient } from '../src/client/client';
import { CODEC_NAMES, Codec, encodeRecordBatch } from '../src/protocol/records';
import { kafkaUuidString } from '../src/storage/partition-metadata-file';
import { BrokerProcess, startBrokerProcess } from './support/broker-process';
import { waitFor } from './support/conditions';
import { dumpSections, findKafkaTools, runKafkaClass } from './support/kafka-tools';
import { RawKafkaClient, producePartition } from './support/raw-kafka-client';

jest.setTimeout(240_000);

const tools = findKafkaTools();
const DUMP = 'kafka.tools.DumpLogSegments';
const CODECS: readonly Codec[] = [Codec.None, Codec.Gzip, Codec.Snappy, Codec.Lz4, Codec.Zstd];

if (!tools.found) {
  test(`NOT RUN: Kafka's DumpLogSegments over a Weir data dir — ${tools.reason}`, () => {
    expect(tools.found).toBe(false);
  });
} else {
  const home = tools.home;

  describe(`Kafka ${tools.version}'s DumpLogSegments over a Weir data dir`, () => {
    let broker: BrokerProcess | null = null;
    let dataDir = '';
    let baseTimestamp = 0;
    const acked = { codecs: 0, idempotent: 0, committed: 0, aborted: 0, markers: 0, retainedEnd: 0, retainedStart: 0 };
    const latestCompacted = new Map<string, string>();
    const topicIds = new Map<string, string>();

    beforeAll(async () => {
      broker = await startBrokerProcess({
        config: {
          'log.index.interval.bytes': 1024,
          'log.cleaner.backoff.ms': 100,
          'log.retention.check.interval.ms': 200,
          'offsets.topic.num.partitions': 1,
          'transaction.state.log.num.partitions': 1,
        },
      });
      dataDir = broker.dataDir;
      const kafka = new Kafka({ clientId: 'dump-test', brokers: [broker.bootstrap], logLevel: logLevel.NOTHING, retry: { retries: 8, initialRetryTime: 100 } });
      const admin = kafka.admin();
      await admin.connect();
      await admin.createTopics({
        topics: [
          { topic: 'codecs', numPartitions: 1 },
          { topic: 'idempotent', numPartitions: 1 },
          { topic: 'transactions', numPartitions: 1 },
          {
            topic: 'compacted',
            numPartitions: 1,
            configEntries: [
              { name: 'cleanup.policy', value: 'compact' },
              { name: 'segment.bytes', value: '4096' },
              { name: 'min.cleanable.dirty.ratio', value: '0.01' },
            ],
          },
          {
            topic: 'retained',
            numPartitions: 1,
            configEntries: [
              { name: 'segment.bytes', value: '4096' },
              { name: 'retention.bytes', value: '8192' },
            ],
          },
        ],
      });

      // One batch of 500 records per codec, exactly as built here.
      // Recent timestamps: retention.ms (7 days) would delete older ones.
      baseTimestamp = Date.now() - 60_000;
      const raw = await RawKafkaClient.connect(broker.host, broker.port);
      try {
        for (const codec of CODECS) {
          const records = Array.from({ length: 500 }, (_, i) => ({
            key: Buffer.from(`${CODEC_NAMES[codec]}-${i}`),
            value: Buffer.from(`value ${i} of the ${CODEC_NAMES[codec]} batch `.repeat(3)),
            timestamp: BigInt(baseTimestamp + i),
          }));
          const p = await producePartition(raw, 'codecs', 0, encodeRecordBatch(records, { compression: codec }));
          expect(p.errorCode).toBe(0);
          acked.codecs += 500;
        }
      } finally {
        await raw.close();
      }

      const idempotent = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
      await idempotent.connect();
      for (let s = 0; s < 20; s++) {
        await idempotent.send({ topic: 'idempotent', messages: Array.from({ length: 25 }, (_, i) => ({ value: `idempotent ${s}-${i}` })) });
        acked.idempotent += 25;
      }
      await idempotent.disconnect();

      const transactional = kafka.producer({ transactionalId: 'dump-test-txn', idempotent: true, maxInFlightRequests: 1 });
      await transactional.connect();
      for (let t = 0; t < 5; t++) {
        const txn = await transactional.transaction();
        await txn.send({ topic: 'transactions', messages: Array.from({ length: 30 }, (_, i) => ({ value: `txn ${t} record ${i}` })) });
        if (t % 2 === 0) {
          await txn.commit();
          acked.committed += 30;
        } else {
          await txn.abort();
          acked.aborted += 30;
        }
        acked.markers++;
      }

      // Keyed updates, with one aborted transaction in the middle, then compaction.
      const plain = kafka.producer();
      await plain.connect();
      for (let u = 0; u < 30; u++) {
        const messages = Array.from({ length: 20 }, (_, k) => ({ key: `key-${k}`, value: `update ${u} of key ${k} `.repeat(4) }));
        await plain.send({ topic: 'compacted', messages });
        for (const m of messages) latestCompacted.set(m.key, m.value);
        if (u === 15) {
          const txn = await transactional.transaction();
          await txn.send({ topic: 'compacted', messages: [{ key: 'key-0', value: 'aborted update' }] });
          await txn.abort();
        }
      }
      await waitFor('the cleaner to compact the topic', () => {
        const checkpoint = fs.readFileSync(path.join(dataDir, 'cleaner-offset-checkpoint'), 'utf8');
        return /^compacted 0 \d+$/m.test(checkpoint) ? true : undefined;
      }, 60_000, 100);
      await transactional.disconnect();

      // Retention by size, then DeleteRecords past the first remaining segment's start.
      for (let i = 0; i < 100; i++) await plain.send({ topic: 'retained', messages: [{ value: `retained ${i} `.repeat(15) }] });
      acked.retainedEnd = 100;
      await plain.disconnect();
      await waitFor('retention to delete old segments', async () => {
        const [o] = await admin.fetchTopicOffsets('retained');
        return o && Number(o.low) > 0 ? Number(o.low) : undefined;
      }, 30_000, 100);
      acked.retainedStart = Number((await admin.fetchTopicOffsets('retained'))[0]?.low) + 3;
      await admin.deleteTopicRecords({ topic: 'retained', partitions: [{ partition: 0, offset: String(acked.retainedStart) }] });
      await admin.disconnect();

      const client = await KafkaClient.connect(broker.bootstrap);
      try {
        for (const t of (await client.metadata(null)).topics.values()) topicIds.set(t.name, t.topicId);
      } finally {
        await client.close();
      }

      // A clean shutdown: indexes, snapshots and checkpoints written.
      expect(await broker.stop()).toBe(0);
      broker = null;
    });

    afterAll(async () => {
      await broker?.kill();
      if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
    });

    /** Every file DumpLogSegments knows, of every partition, by partition directory. */
    function filesOf(suffixes: readonly string[]): string[] {
      const out: string[] = [];
      for (const d of fs.readdirSync(dataDir, { withFileTypes: true })) {
        if (!d.isDirectory()) continue;
        for (const f of fs.readdirSync(path.join(dataDir, d.name)).sort()) {
          if (suffixes.some((s) => f.endsWith(s))) out.push(path.join(dataDir, d.name, f));
        }
      }
      return out;
    }

    const partitionOf = (file: string): string => path.basename(path.dirname(file));

    test('every batch valid, every record and marker read; the producer snapshot and aborted-transaction index as written', async () => {
      const files = filesOf(['.log', '.index', '.timeindex', '.snapshot', '.txnindex']);
      const result = await runKafkaClass(home, DUMP, ['--deep-iteration', '--print-data-log', '--files', files.join(',')]);
      expect(result.code).toBe(0);
      // Gaps are what compaction leaves; anything else on stderr is an error.
      const stderr = result.stderr.split('\n').filter((l) => l.trim() !== '');
      const gapsOnly = (lines: string[]): boolean => lines.every((l) => /^Non-consecutive offsets in .*\/compacted-0\/|^ {2}\d+ is followed by \d+$/.test(l));
      expect(stderr.filter((l) => !gapsOnly([l]))).toEqual([]);

      const sections = dumpSections(result.stdout);
      expect(sections.map((s) => s.file).sort()).toEqual([...files].sort());
      const logs = sections.filter((s) => s.file.endsWith('.log'));
      const batchLines = logs.flatMap((s) => s.lines.filter((l) => l.startsWith('baseOffset:')));
      expect(batchLines.length).toBeGreaterThan(0);
      expect(batchLines.filter((l) => !l.includes('isvalid: true'))).toEqual([]);
      expect(logs.flatMap((s) => s.lines.filter((l) => /invalid bytes/.test(l)))).toEqual([]);
      const of = (partition: string) => logs.filter((s) => partitionOf(s.file) === partition).flatMap((s) => s.lines);
      const records = (lines: string[]) => lines.filter((l) => l.startsWith('| offset:'));

      // Codecs: 2,500 records in five batches, one per codec.
      const codecs = of('codecs-0');
      expect(records(codecs)).toHaveLength(acked.codecs);
      expect(codecs.filter((l) => l.startsWith('baseOffset:')).map((l) => /compresscodec: (\w+)/.exec(l)?.[1])).toEqual(['NONE', 'GZIP', 'SNAPPY', 'LZ4', 'ZSTD']);
      expect(records(codecs)[1234]).toMatch(new RegExp(`^\\| offset: 1234 CreateTime: ${baseTimestamp + 234} .*key: snappy-234 payload: value 234 of the snappy batch`));

      // Idempotent: every record, with its producer; the snapshot names its last batch.
      expect(records(of('idempotent-0'))).toHaveLength(acked.idempotent);
      const snapshots = sections.filter((s) => partitionOf(s.file) === 'idempotent-0' && s.file.endsWith('.snapshot'));
      expect(snapshots.length).toBeGreaterThan(0);
      expect(snapshots[snapshots.length - 1]?.lines).toEqual([expect.stringMatching(/^producerId: \d+ producerEpoch: 0 coordinatorEpoch: -1 currentTxnFirstOffset: None firstSequence: 475 lastSequence: 499 lastOffset: 499 offsetDelta: 24 timestamp: \d+$/)]);

      // Transactions: every data record and one marker per transaction; the aborted ones indexed.
      const txn = of('transactions-0');
      const markers = records(txn).filter((l) => l.includes('endTxnMarker:'));
      expect(records(txn).length - markers.length).toBe(acked.committed + acked.aborted);
      expect(markers.map((l) => /endTxnMarker: (\w+)/.exec(l)?.[1])).toEqual(['COMMIT', 'ABORT', 'COMMIT', 'ABORT', 'COMMIT']);
      expect(txn.filter((l) => l.startsWith('baseOffset:') && l.includes('isControl: true'))).toHaveLength(acked.markers);
      const txnIndex = sections.filter((s) => partitionOf(s.file) === 'transactions-0' && s.file.endsWith('.txnindex')).flatMap((s) => s.lines);
      expect(txnIndex).toEqual([
        expect.stringMatching(/^version: 0 producerId: \d+ firstOffset: 31 lastOffset: 61 lastStableOffset: 62$/),
        expect.stringMatching(/^version: 0 producerId: \d+ firstOffset: 93 lastOffset: 123 lastStableOffset: 124$/),
      ]);

      // Compacted: the latest value of every key survived; the aborted update is indexed in a file that has its segment.
      const compacted = records(of('compacted-0'));
      for (const [key, value] of latestCompacted) expect(compacted.some((l) => l.includes(` key: ${key} payload: ${value}`))).toBe(true);
      expect(compacted.length).toBeLessThan(30 * 20);
      const compactedTxn = sections.filter((s) => partitionOf(s.file) === 'compacted-0' && s.file.endsWith('.txnindex'));
      expect(compactedTxn.flatMap((s) => s.lines)).toEqual([expect.stringMatching(/^version: 0 producerId: \d+ /)]);
      for (const s of compactedTxn) expect(fs.existsSync(s.file.replace(/\.txnindex$/, '.log'))).toBe(true);

      // Retained: the segments left end at the last acknowledged record.
      const retainedOffsets = records(of('retained-0')).map((l) => Number(/offset: (\d+)/.exec(l)?.[1]));
      expect(retainedOffsets[retainedOffsets.length - 1]).toBe(acked.retainedEnd - 1);
      // Retention may delete more segments after the DeleteRecords (its check runs on a timer, and the
      // waits above may have seen an earlier round): the log start the broker wrote at shutdown is the one.
      const logStart = Number(/^retained 0 (\d+)$/m.exec(fs.readFileSync(path.join(dataDir, 'log-start-offset-checkpoint'), 'utf8'))?.[1]);
      expect(logStart).toBeGreaterThanOrEqual(acked.retainedStart);
      expect(retainedOffsets[0]).toBeLessThanOrEqual(logStart);
      expect(retainedOffsets).toEqual(Array.from({ length: retainedOffsets.length }, (_, i) => (retainedOffsets[0] as number) + i));

      // The offset index as Kafka prints it: each entry is a batch's last offset and that batch's position.
      const codecIndex = sections.find((s) => s.file.endsWith(`${path.sep}codecs-0${path.sep}00000000000000000000.index`));
      const batches = codecs.filter((l) => l.startsWith('baseOffset:')).map((l) => `offset: ${/lastOffset: (\d+)/.exec(l)?.[1]} position: ${/position: (\d+)/.exec(l)?.[1]}`);
      expect(codecIndex?.lines.length).toBeGreaterThan(0);
      for (const entry of codecIndex?.lines ?? []) expect(batches).toContain(entry);
    });

    test("every partition directory holds its topic's id in partition.metadata, in Kafka's format", () => {
      const partitionDirs = fs
        .readdirSync(dataDir, { withFileTypes: true })
        .filter((d) => d.isDirectory() && /-\d+$/.test(d.name) && d.name !== '__cluster_metadata-0')
        .map((d) => d.name);
      expect(partitionDirs).toEqual(expect.arrayContaining(['idempotent-0', 'transactions-0', 'compacted-0', 'retained-0', 'codecs-0', '__transaction_state-0']));
      for (const dir of partitionDirs) {
        const topic = dir.replace(/-\d+$/, '');
        const id = topicIds.get(topic);
        expect({ dir, id: id !== undefined }).toEqual({ dir, id: true });
        expect(fs.readFileSync(path.join(dataDir, dir, 'partition.metadata'), 'utf8')).toBe(`version: 0\ntopic_id: ${kafkaUuidString(id!)}`);
      }
    });

    test('--verify-index-only: no offset or time index mismatch in any partition', async () => {
      const files = filesOf(['.index', '.timeindex']);
      expect(files.length).toBeGreaterThan(10);
      const result = await runKafkaClass(home, DUMP, ['--verify-index-only', '--files', files.join(',')]);
      expect(result.code).toBe(0);
      expect(result.stderr.split('\n').filter((l) => l.trim() !== '')).toEqual([]);
      // Only the per-file headers (and "is empty" for empty indexes) on stdout.
      expect(result.stdout.split('\n').filter((l) => l !== '' && !l.startsWith('Dumping ') && !l.endsWith(' is empty.'))).toEqual([]);
    });
  });
}
