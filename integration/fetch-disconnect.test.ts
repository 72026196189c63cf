/**
 * A client that disconnects while a Fetch response is still streaming from
 * a segment file must not take the segment's file descriptor with it. (It
 * did: `ReadStream.destroy()` closed the fd, the number was reused by the
 * next socket, and later fetches of that segment failed with ESPIPE.)
 * Disk broker: the bug lives in streaming file regions.
 */
import * as fs from 'node:fs';
import * as net from 'node:net';
import { BrokerProcess, startBrokerProcess } from './support/broker-process';
import { brokerWarnings, createTopic, KCAT, readWithKcat, run, waitFor } from './support/roundtrip';

const TOPIC = 'fetch-disconnect';
const MESSAGES = 20_000;
let broker: BrokerProcess;

/** A Fetch v4 request for partition 0 from offset 0, up to 64 MiB (v4: no sessions, plain strings). */
function fetchV4(correlationId: number): Buffer {
  const clientId = Buffer.from('disconnector');
  const topic = Buffer.from(TOPIC);
  const body = Buffer.alloc(4 + 4 + 4 + 4 + 1 + 4 + 2 + topic.length + 4 + 4 + 8 + 4);
  let p = 0;
  p = body.writeInt32BE(-1, p); // replica id
  p = body.writeInt32BE(0, p); // max wait
  p = body.writeInt32BE(1, p); // min bytes
  p = body.writeInt32BE(64 << 20, p); // max bytes
  p = body.writeInt8(0, p); // isolation level
  p = body.writeInt32BE(1, p); // topics
  p = body.writeInt16BE(topic.length, p);
  p += topic.copy(body, p);
  p = body.writeInt32BE(1, p); // partitions
  p = body.writeInt32BE(0, p); // partition
  p = body.writeBigInt64BE(0n, p); // fetch offset
  body.writeInt32BE(64 << 20, p); // partition max bytes
  const header = Buffer.alloc(2 + 2 + 4 + 2 + clientId.length);
  header.writeInt16BE(1, 0);
  header.writeInt16BE(4, 2);
  header.writeInt32BE(correlationId, 4);
  header.writeInt16BE(clientId.length, 8);
  clientId.copy(header, 10);
  const size = Buffer.alloc(4);
  size.writeInt32BE(header.length + body.length);
  return Buffer.concat([size, header, body]);
}

/** Sends the fetch, waits for the first bytes of the response, then hangs up mid-stream. */
async function fetchAndHangUp(): Promise<void> {
  const sock = net.connect(broker.port, broker.host);
  let got = 0;
  sock.on('data', (d: Buffer) => {
    got += d.length;
    sock.pause();
  });
  sock.on('error', () => undefined);
  sock.write(fetchV4(1));
  await waitFor('the first response bytes', () => got > 0, 20_000);
  sock.destroy();
  await new Promise<void>((resolve) => (sock.closed ? resolve() : sock.once('close', () => resolve())));
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
