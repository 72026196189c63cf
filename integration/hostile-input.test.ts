/**
 * Bad input never hurts the broker. One real broker process takes a series
 * of malformed, oversized, unknown and abusive requests over raw TCP. After
 * each one:
 *  - the offending connection got what Kafka gives it (closed, or an error
 *    code with the connection still usable);
 *  - a real client (kcat -L) is still served;
 *  - the broker logged exactly one line about a connection it closed, and
 *    nothing about one it kept (errors answered in-protocol are not log spam).
 * At the end the broker holds no more file descriptors than before the abuse.
 */
import { BrokerProcess, startBrokerProcess } from './support/broker-process';
import { logLinesForClientPort, openFdCount, runKcat, waitFor } from './support/conditions';
import {
  RawKafkaClient,
  decodeResponse,
  encodeRequest,
  encodeRequestHeader,
  fetchOnce,
  frame,
  listOffset,
  metadata,
  produceBody,
  producePartition,
} from './support/raw-kafka-client';
import { Apis } from '../src/protocol/apis';
import { ErrorCode } from '../src/protocol/errors';
import { ApiVersionsResponseCodec } from '../src/protocol/messages';
import { BATCH_HEADER_SIZE, decodeRecordBatches, encodeRecordBatch } from '../src/protocol/records';

const MAX_REQUEST_BYTES = 64 * 1024;
const MAX_MESSAGE_BYTES = 10_000;
const IDLE_MS = 4_000;
const TOPIC = 'hostile';

let broker: BrokerProcess;

beforeAll(async () => {
  broker = await startBrokerProcess({
    memory: true,
    config: {
      'socket.request.max.bytes': MAX_REQUEST_BYTES,
      'message.max.bytes': MAX_MESSAGE_BYTES,
      'connections.max.idle.ms': IDLE_MS,
    },
  });
  const c = await connect();
  const md = await metadata(c, [TOPIC], true);
  expect(md.topics[0]?.errorCode).toBe(ErrorCode.NONE);
  c.close();
});

afterAll(async () => {
  await broker?.stop();
});

function connect(): Promise<RawKafkaClient> {
  return RawKafkaClient.connect(broker.host, broker.port);
}

/** A request header (v1, or v2 when flexible) for any key/version, encodable even where no codec exists. */
function header(apiKey: number, apiVersion: number, correlationId: number, flexible = false): Buffer {
  return encodeRequestHeader(apiKey, apiVersion, correlationId, flexible, 'hostile');
}

function batch(values: string[]): Buffer {
  return encodeRecordBatch(values.map((v, i) => ({ key: Buffer.from(`k${i}`), value: Buffer.from(v), timestamp: BigInt(Date.now()) })));
}

/** A normal client still gets metadata, with our topic in it. */
async function expectStillServed(): Promise<void> {
  const r = await runKcat(['-L', '-b', broker.bootstrap, '-t', TOPIC, '-m', '10']);
  expect(r.code).toBe(0);
  expect(r.stdout).toMatch(/1 brokers:/);
  expect(r.stdout).toContain(`topic "${TOPIC}" with 1 partitions`);
  expect(broker.child.exitCode).toBeNull();
}

/** The broker closed this connection and said why, once. */
async function expectClosedWithOneLogLine(c: RawKafkaClient, reason: RegExp): Promise<void> {
  expect(await c.waitClosed()).toBe(true);
  const lines = await waitFor('the broker to log the closed connection', () => {
    const l = logLinesForClientPort(broker.output(), c.localPort);
    return l.length > 0 ? l : undefined;
  });
  await expectStillServed(); // also gives a second line, if there were one, time to appear
  const all = logLinesForClientPort(broker.output(), c.localPort);
  expect(all).toHaveLength(1);
  expect(lines[0]).toMatch(reason);
}

/** The connection is open and answering, and the broker logged nothing about it. */
async function expectKeptWithoutLogLines(c: RawKafkaClient): Promise<void> {
  const res = await c.request(Apis.ApiVersions, 3, { clientSoftwareName: 'hostile', clientSoftwareVersion: '1' });
  expect(res.errorCode).toBe(ErrorCode.NONE);
  expect(c.closed).toBe(false);
  c.close();
  await expectStillServed();
  expect(logLinesForClientPort(broker.output(), c.localPort)).toEqual([]);
}

let fdBaseline: number | null = null;

describe('malformed frames close only the offending connection', () => {
  beforeAll(async () => {
    // Warm up (a first connection and kcat run allocate what the broker
    // keeps for its lifetime), then remember how many fds it holds.
    await expectStillServed();
    fdBaseline = openFdCount(broker.child.pid!);
  });

  test('a frame larger than socket.request.max.bytes', async () => {
    const c = await connect();
    // Announce a frame over the limit and start sending it: the broker must
    // refuse on the size prefix, without buffering the body.
    const size = Buffer.alloc(4);
    size.writeInt32BE(MAX_REQUEST_BYTES + 1);
    c.writeRaw(Buffer.concat([size, header(0, 9, 1, true), Buffer.alloc(1024)]));
    await expectClosedWithOneLogLine(c, /socket\.request\.max\.bytes/);
  });

  test.each([-1, -2147483648])('a negative frame size (%d)', async (n) => {
    const c = await connect();
    const size = Buffer.alloc(4);
    size.writeInt32BE(n);
    c.writeRaw(Buffer.concat([size, Buffer.alloc(16)]));
    await expectClosedWithOneLogLine(c, /closing connection/);
  });

  test.each([
    ['an empty frame', Buffer.alloc(0)],
    ['a 5-byte frame (no room for api key, version and correlation id)', Buffer.from([0, 3, 0, 1, 0])],
    ['an 8-byte Metadata v1 frame (no client id)', Buffer.from([0, 3, 0, 1, 0, 0, 0, 9])],
  ])('a frame shorter than a request header: %s', async (_name, body) => {
    const c = await connect();
    c.writeRaw(frame(body));
    await expectClosedWithOneLogLine(c, /closing connection/);
  });

  test('an unknown API key', async () => {
    const c = await connect();
    c.writeRaw(frame(Buffer.concat([header(9999, 0, 42), Buffer.alloc(8)])));
    await expectClosedWithOneLogLine(c, /api key 9999/);
  });

  test('one version above what ApiVersions advertises for Metadata', async () => {
    const c = await connect();
    const av = await c.request(Apis.ApiVersions, 3, { clientSoftwareName: 'hostile', clientSoftwareVersion: '1' });
    const served = av.apiKeys.find((k) => k.apiKey === 3);
    expect(served).toBeDefined();
    const v = served!.maxVersion + 1;
    // A newer client's body shape is unknown to us; the header decides.
    c.writeRaw(frame(Buffer.concat([header(3, v, 3, true), Buffer.from([0x01, 0x01, 0x00, 0x00, 0x00])])));
    await expectClosedWithOneLogLine(c, new RegExp(`unsupported Metadata version ${v}`));
  });

  test('a version above the served range of a known API (Fetch v99)', async () => {
    const c = await connect();
    c.writeRaw(frame(Buffer.concat([header(1, 99, 4, true), Buffer.alloc(32)])));
    await expectClosedWithOneLogLine(c, /unsupported Fetch version 99/);
  });

  test('a valid header followed by a garbled body', async () => {
    const c = await connect();
    // Produce v3: a transactional id length of 0xdead (negative, not -1).
    c.writeRaw(frame(Buffer.concat([header(0, 3, 5), Buffer.from('deadbeef'.repeat(8), 'hex')])));
    await expectClosedWithOneLogLine(c, /malformed Produce v3/);
  });

  test('a valid request cut short inside its body (frame size matching the cut)', async () => {
    const c = await connect();
    const full = encodeRequest(Apis.Produce.request, 9, produceBody(TOPIC, 0, batch(['a', 'b', 'c'])), { correlationId: 6 });
    const body = full.subarray(4, 4 + Math.floor((full.length - 4) / 2));
    c.writeRaw(frame(body));
    await expectClosedWithOneLogLine(c, /malformed Produce v9/);
  });

});

describe('errors answered in the protocol keep the connection', () => {
  test('bytes after a complete request body are ignored, as Kafka does (librdkafka 2.12 sends some)', async () => {
    const c = await connect();
    const body = { topics: null, allowAutoTopicCreation: false, includeClusterAuthorizedOperations: false, includeTopicAuthorizedOperations: false };
    const full = encodeRequest(Apis.Metadata.request, 9, body, { correlationId: 8 });
    c.writeRaw(frame(Buffer.concat([full.subarray(4), Buffer.from([1, 2, 3])])));
    const md = await c.readResponse(Apis.Metadata, 9, 8);
    expect(md.topics.map((t) => t.name)).toContain(TOPIC);
    await expectKeptWithoutLogLines(c);
  });

  test('ApiVersions v99 gets a v0 answer with UNSUPPORTED_VERSION and the served ranges (G3)', async () => {
    const c = await connect();
    // What a future client would send: header v2 and a v3-shaped body.
    const body = Buffer.from([0x06, ...Buffer.from('hosti'), 0x02, 0x31, 0x00]);
    c.writeRaw(frame(Buffer.concat([header(18, 99, 77, true), body])));
    const res = decodeResponse(ApiVersionsResponseCodec, 18, 0, await c.readFrame());
    expect(res.correlationId).toBe(77);
    expect(res.body.errorCode).toBe(ErrorCode.UNSUPPORTED_VERSION);
    const av = res.body.apiKeys.find((k) => k.apiKey === 18);
    expect(av).toBeDefined();
    expect(av!.minVersion).toBe(0);
    expect(av!.maxVersion).toBeGreaterThanOrEqual(3);
    expect(res.body.apiKeys.find((k) => k.apiKey === 0)).toBeDefined();
    // The client downgrades on the same connection, as librdkafka and Java do.
    await expectKeptWithoutLogLines(c);
  });

  test('a Produce with a corrupt CRC gets CORRUPT_MESSAGE for that partition; nothing is stored', async () => {
    const c = await connect();
    const before = await listOffset(c, TOPIC, 0);
    const bad = batch(['payload-1', 'payload-2']);
    const at = bad.length - 3; // inside the last record's value: covered by the CRC, not a length field
    expect(at).toBeGreaterThan(BATCH_HEADER_SIZE);
    bad[at]! ^= 0xff;
    const p = await producePartition(c, TOPIC, 0, bad);
    expect(p.errorCode).toBe(ErrorCode.CORRUPT_MESSAGE);
    expect(await listOffset(c, TOPIC, 0)).toBe(before);
    // The same connection still produces, at the offset the bad batch did not take.
    const good = await producePartition(c, TOPIC, 0, batch(['after-corrupt']));
    expect(good.errorCode).toBe(ErrorCode.NONE);
    expect(good.baseOffset).toBe(before);
    await expectKeptWithoutLogLines(c);
  });

  test('a record batch larger than message.max.bytes gets MESSAGE_TOO_LARGE', async () => {
    const c = await connect();
    const before = await listOffset(c, TOPIC, 0);
    const big = batch(['x'.repeat(MAX_MESSAGE_BYTES + 1)]);
    expect(big.length).toBeLessThan(MAX_REQUEST_BYTES); // the frame itself is acceptable
    const p = await producePartition(c, TOPIC, 0, big);
    expect(p.errorCode).toBe(ErrorCode.MESSAGE_TOO_LARGE);
    expect(await listOffset(c, TOPIC, 0)).toBe(before);
    await expectKeptWithoutLogLines(c);
  });

  test('an invalid topic name: INVALID_TOPIC_EXCEPTION from Metadata (not created) and from Produce', async () => {
    const c = await connect();
    const badNames = ['bad topic!', 'a/b', '.', 'x'.repeat(250)];
    for (const name of badNames) {
      const md = await metadata(c, [name], true);
      expect(md.topics).toHaveLength(1);
      expect(md.topics[0]!.errorCode).toBe(ErrorCode.INVALID_TOPIC_EXCEPTION);
      const p = await producePartition(c, name, 0, batch(['v']));
      expect(p.errorCode).toBe(ErrorCode.INVALID_TOPIC_EXCEPTION);
    }
    const all = await metadata(c, null);
    for (const name of badNames) expect(all.topics.map((t) => t.name)).not.toContain(name);
    await expectKeptWithoutLogLines(c);
  });

  test('pipelined requests in one TCP write are answered in order with their correlation ids', async () => {
    const c = await connect();
    const before = await listOffset(c, TOPIC, 0);
    const ids = [1000, 7, 424242, -3, 0];
    const mdBody = { topics: [{ topicId: '00000000-0000-0000-0000-000000000000', name: TOPIC }], allowAutoTopicCreation: false, includeClusterAuthorizedOperations: false, includeTopicAuthorizedOperations: false };
    const loBody = { replicaId: -1, isolationLevel: 0, topics: [{ name: TOPIC, partitions: [{ partitionIndex: 0, currentLeaderEpoch: -1, timestamp: -1n, maxNumOffsets: 1 }] }] };
    c.writeRaw(
      Buffer.concat([
        c.encode(Apis.ApiVersions, 3, { clientSoftwareName: 'pipe', clientSoftwareVersion: '1' }, ids[0]),
        c.encode(Apis.Metadata, 9, mdBody, ids[1]),
        c.encode(Apis.Produce, 9, produceBody(TOPIC, 0, batch(['p1', 'p2', 'p3'])), ids[2]),
        c.encode(Apis.ListOffsets, 7, loBody, ids[3]),
        c.encode(Apis.Metadata, 1, { ...Apis.Metadata.request.defaults(), topics: mdBody.topics }, ids[4]),
      ]),
    );
    const av = await c.readResponse(Apis.ApiVersions, 3, ids[0]!);
    expect(av.errorCode).toBe(ErrorCode.NONE);
    const md = await c.readResponse(Apis.Metadata, 9, ids[1]!);
    expect(md.topics[0]?.name).toBe(TOPIC);
    const pr = await c.readResponse(Apis.Produce, 9, ids[2]!);
    expect(pr.responses[0]?.partitionResponses[0]?.baseOffset).toBe(before);
    // A later request on the connection sees the earlier produce.
    const lo = await c.readResponse(Apis.ListOffsets, 7, ids[3]!);
    expect(lo.topics[0]?.partitions[0]?.offset).toBe(before + 3n);
    const md1 = await c.readResponse(Apis.Metadata, 1, ids[4]!);
    expect(md1.topics[0]?.name).toBe(TOPIC);
    await expectKeptWithoutLogLines(c);
  });

  test('an acks=0 Produce gets no response; the next request is answered with its own correlation id', async () => {
    const c = await connect();
    const before = await listOffset(c, TOPIC, 0);
    c.writeRaw(c.encode(Apis.Produce, 9, produceBody(TOPIC, 0, batch(['fire', 'and', 'forget']), { acks: 0 }), 500));
    c.writeRaw(c.encode(Apis.Metadata, 9, { topics: null, allowAutoTopicCreation: false, includeClusterAuthorizedOperations: false, includeTopicAuthorizedOperations: false }, 501));
    const payload = await c.readFrame();
    expect(payload.readInt32BE(0)).toBe(501);
    // The acks=0 records were stored all the same.
    expect(await listOffset(c, TOPIC, 0)).toBe(before + 3n);
    const fetched = await fetchOnce(c, TOPIC, 0, before);
    const values = decodeRecordBatches(fetched.records as Buffer).flatMap((b) => b.records.map((r) => r.value?.toString()));
    expect(values.slice(0, 3)).toEqual(['fire', 'and', 'forget']);
    expect(c.unreadFrames).toBe(0);
    await expectKeptWithoutLogLines(c);
  });
});

describe('abandoned and idle connections', () => {
  test('clients that disconnect mid-request leak nothing and are not logged as errors', async () => {
    const ports: number[] = [];
    const startedAt = Date.now();
    const full = encodeRequest(Apis.Produce.request, 9, produceBody(TOPIC, 0, batch(['never', 'finished'])), { correlationId: 9 });
    for (let round = 0; round < 10; round++) {
      const clients = await Promise.all(Array.from({ length: 20 }, () => connect()));
      for (const [i, c] of clients.entries()) {
        ports.push(c.localPort);
        // Half a frame: sometimes only part of the size prefix, mostly part of the body.
        c.writeRaw(full.subarray(0, i % 5 === 0 ? 2 : 4 + (i * 7) % (full.length - 8)));
      }
      await Promise.all(clients.map((c) => new Promise<void>((resolve) => c.socket.end(resolve))));
      for (const c of clients) c.close();
    }
    await expectStillServed();
    if (fdBaseline !== null) {
      await waitFor('the broker to release the abandoned connections', () => {
        const n = openFdCount(broker.child.pid!);
        return n !== null && n <= fdBaseline! + 2 ? n : undefined;
      });
    }
    // A client hanging up is normal; the broker only logs connections it closes.
    // Only lines from this test count: an ephemeral port may have been used
    // by an earlier, rightly logged, connection.
    const out = broker.output();
    const logged = ports.flatMap((p) => logLinesForClientPort(out, p)).filter((l) => (JSON.parse(l) as { time: number }).time >= startedAt);
    expect(logged).toEqual([]);
  });

  test('an idle connection is closed after connections.max.idle.ms; a busy broker is unaffected', async () => {
    const idle = await connect();
    const used = await connect();
    expect((await used.request(Apis.ApiVersions, 3, { clientSoftwareName: 'idle', clientSoftwareVersion: '1' })).errorCode).toBe(ErrorCode.NONE);
    expect(await idle.waitClosed(IDLE_MS * 5)).toBe(true);
    expect(await used.waitClosed(IDLE_MS * 5)).toBe(true);
    await expectStillServed();
  });

  test('after all of the above the broker holds no more file descriptors than before', async () => {
    if (fdBaseline === null) return; // no /proc on this platform
    await waitFor('the fd count to return to its baseline', () => {
      const n = openFdCount(broker.child.pid!);
      return n !== null && n <= fdBaseline! + 2 ? n : undefined;
    });
  });
});
