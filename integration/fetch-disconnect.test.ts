/**
 * A client that disconnects while a Fetch response is still streaming from
 * a segment file must not take the segment's file descriptor with it. (It
 * did: `ReadStream.destroy()` closed the fd, the number was reused by the
 * next socket, and later fetches of that segment failed with ESPIPE.)
 * Disk broker: the bug lives in streaming file regions.
 */
import * as fs from 'node:fs';
import { BrokerProcess, startBrokerProcess } from './support/broker-process';
import { RawKafkaClient, fetchBody } from './support/raw-kafka-client';
import { Apis } from '../src/protocol/apis';
import { brokerWarnings, createTopic, KCAT, readWithKcat, run, waitFor } from './support/roundtrip';

const TOPIC = 'fetch-disconnect';
const MESSAGES = 20_000;
let broker: BrokerProcess;

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
  broker = await startBrokerProcess();
  await createTopic(broker.bootstrap, TOPIC, 1);
  // ~6 MB in one partition: far more than the socket buffers hold, so the
  // response is still streaming from the file when the client hangs up.
  const input = Array.from({ length: MESSAGES }, (_, i) => `key-${i}\t${String(i).padStart(8, '0')} ${'payload '.repeat(36)}\n`).join('');
  const r = await run(KCAT, ['-P', '-b', broker.bootstrap, '-t', TOPIC, '-p', '0', '-K', '\\t'], input);
  if (r.code !== 0) throw new Error(`kcat -P exited ${r.code}: ${r.stderr.slice(-1000)}`);
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
