/**
 * A client that disconnects while a Fetch response is still streaming from
 * a segment file must not take the segment's file descriptor with it. (It
 * did: `ReadStream.destroy()` closed the fd, the number was reused by the
 * next socket, and later fetches of that segment failed with ESPIPE.)
 * And a segment deleted while a response streams it (DeleteRecords here;
 * retention and the log cleaner delete the same way) is still sent whole,
 * while the broker holds its descriptor only as long as a response needs it.
 * Disk broker: the bug lives in streaming file regions.
 */
import * as fs from 'node:fs';
import { BrokerProcess, startBrokerProcess } from './support/broker-process';
import { RawKafkaClient, fetchBody } from './support/raw-kafka-client';
import * as path from 'node:path';
import { Apis } from '../src/protocol/apis';
import { decodeRecordBatches } from '../src/protocol/records';
import { brokerWarnings, createTopic, KCAT, readWithKcat, run, waitFor } from './support/roundtrip';

const TOPIC = 'fetch-disconnect';
const DELETED_TOPIC = 'fetch-deleted';
const MESSAGES = 20_000;
/**
 * 16 MiB segments: TOPIC's ~6.4 MB stay in one; DELETED_TOPIC's ~19 MB make
 * two, the first far bigger than what the socket buffers and the broker's
 * read-ahead of a paused client hold, so it is still being read when deleted.
 */
const SEGMENT_BYTES = 16 * 1024 * 1024;
let broker: BrokerProcess;

function messages(count: number): string {
  return Array.from({ length: count }, (_, i) => `key-${i}\t${String(i).padStart(8, '0')} ${'payload '.repeat(36)}\n`).join('');
}

async function produce(topic: string, count: number): Promise<void> {
  await createTopic(broker.bootstrap, topic, 1);
  const r = await run(KCAT, ['-P', '-b', broker.bootstrap, '-t', topic, '-p', '0', '-K', '\\t'], messages(count));
  if (r.code !== 0) throw new Error(`kcat -P exited ${r.code}: ${r.stderr.slice(-1000)}`);
}

/** The broker's descriptors of files that have been deleted (Linux: /proc/<pid>/fd). */
function deletedFilesHeldByBroker(): string[] {
  const dir = `/proc/${broker.child.pid}/fd`;
  const held: string[] = [];
  for (const fd of fs.readdirSync(dir)) {
    try {
      const target = fs.readlinkSync(path.join(dir, fd));
      if (target.endsWith(' (deleted)')) held.push(target);
    } catch {
      // closed while we looked
    }
  }
  return held;
}

/** Sends a Fetch v4 for all of `topic`-0 from offset 0 and stops reading at the first response bytes. */
async function fetchAndPause(topic: string): Promise<{ client: RawKafkaClient; correlationId: number }> {
  const client = await RawKafkaClient.connect(broker.host, broker.port);
  client.socket.once('data', () => client.socket.pause());
  const correlationId = client.correlationId();
  client.writeRaw(client.encode(Apis.Fetch, 4, { ...fetchBody(topic, 0, 0n, 64 << 20), minBytes: 1 }, correlationId));
  await waitFor('the first response bytes', () => client.socket.bytesRead > 0, 20_000);
  return { client, correlationId };
}

/**
 * Sends a Fetch v4 (no sessions, plain strings) for all of partition 0, up to
 * 64 MiB, stops reading at the first response bytes, then hangs up mid-stream.
 */
async function fetchAndHangUp(): Promise<void> {
  const c = await RawKafkaClient.connect(broker.host, broker.port);
  c.socket.once('data', () => c.socket.pause());
  c.writeRaw(c.encode(Apis.Fetch, 4, { ...fetchBody(TOPIC, 0, 0n, 64 << 20), minBytes: 1 }));
  await waitFor('the first response bytes', () => c.socket.bytesRead > 0, 20_000);
  c.close();
  expect(await c.waitClosed()).toBe(true);
}

beforeAll(async () => {
  broker = await startBrokerProcess({ config: { 'log.segment.bytes': SEGMENT_BYTES } });
  // ~6 MB in one partition: far more than the socket buffers hold, so the
  // response is still streaming from the file when the client hangs up.
  await produce(TOPIC, MESSAGES);
  await produce(DELETED_TOPIC, 3 * MESSAGES);
}, 120_000);

afterAll(async () => {
  await broker?.stop();
  if (broker) fs.rmSync(broker.dataDir, { recursive: true, force: true });
});

it('later fetches of the segment still work after clients hang up mid-response', async () => {
  for (let i = 0; i < 3; i++) {
    await fetchAndHangUp();
    // New connections take the lowest free fd numbers: a wrongly closed segment fd gets reused here.
    const read = await readWithKcat(broker.bootstrap, TOPIC, { offset: 'beginning', partition: 0 });
    expect(read.length).toBe(MESSAGES);
    expect(read.every((r, n) => r.offset === n && r.key === `key-${n}`)).toBe(true);
  }
  expect(brokerWarnings(broker.output()).filter((l) => /ESPIPE|EBADF|"level":50/.test(l))).toEqual([]);
}, 120_000);

// Reads the broker's /proc/<pid>/fd: Linux, as CI.
it('a segment deleted while responses stream it: a reader still gets every byte, and the descriptor is held exactly until the last one is done or gone', async () => {
  const segmentFiles = () => fs.readdirSync(path.join(broker.dataDir, `${DELETED_TOPIC}-0`)).filter((f) => f.endsWith('.log')).sort();
  const [first, second] = segmentFiles();
  expect(first).toBe('00000000000000000000.log');
  const secondBase = BigInt(Number((second ?? '').slice(0, 20)));
  expect(secondBase).toBeGreaterThan(0n);
  const firstSize = fs.statSync(path.join(broker.dataDir, `${DELETED_TOPIC}-0`, first as string)).size;

  // Two responses stream the first segment; one client will read it all, the other hang up.
  const reader = await fetchAndPause(DELETED_TOPIC);
  const quitter = await fetchAndPause(DELETED_TOPIC);
  expect(deletedFilesHeldByBroker()).toEqual([]);

  const admin = await RawKafkaClient.connect(broker.host, broker.port);
  const deleted = await admin.request(Apis.DeleteRecords, 1, { topics: [{ name: DELETED_TOPIC, partitions: [{ partitionIndex: 0, offset: secondBase }] }], timeoutMs: 5000 });
  expect(deleted.topics[0]?.partitions[0]).toMatchObject({ errorCode: 0, lowWatermark: secondBase });
  admin.close();
  expect(segmentFiles()).not.toContain(first);
  // Unlinked, but still open for the two responses in flight (one descriptor).
  expect(deletedFilesHeldByBroker()).toHaveLength(1);

  reader.client.socket.resume();
  const response = await reader.client.readResponse(Apis.Fetch, 4, reader.correlationId);
  const partition = response.responses[0]?.partitions[0];
  expect(partition?.errorCode).toBe(0);
  const records = partition?.records as Buffer;
  expect(records.length).toBe(firstSize);
  const batches = decodeRecordBatches(records);
  expect(Number(batches[0]?.header.baseOffset)).toBe(0);
  const last = batches[batches.length - 1];
  expect(BigInt(Number(last?.header.baseOffset) + (last?.header.lastOffsetDelta ?? 0) + 1)).toBe(secondBase);
  expect(batches.flatMap((b) => b.records).map((r) => r.key?.toString())).toEqual(Array.from({ length: Number(secondBase) }, (_, i) => `key-${i}`));
  reader.client.close();
  // The other response still holds the descriptor...
  expect(deletedFilesHeldByBroker()).toHaveLength(1);
  // ...until its client hangs up mid-response: then nothing does (no grace timer).
  quitter.client.close();
  await waitFor('the broker to let go of the deleted segment', () => deletedFilesHeldByBroker().length === 0, 20_000);
  expect(brokerWarnings(broker.output()).filter((l) => /ESPIPE|EBADF|"level":50/.test(l))).toEqual([]);
}, 120_000);
