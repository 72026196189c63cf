/**
 * Hostile and unusual SASL clients against a real broker (issue 14):
 * requests before authentication, truncated and oversized SASL frames, a
 * flood of bad handshakes while a real client keeps producing, a client that
 * never finishes its handshake (closed after connections.max.idle.ms), and
 * kafka-python's SaslHandshake v0 raw-token flow. Each misbehaving connection
 * gets a typed error or a close with one broker log line; everyone else is
 * still served, and every acknowledged message is read back.
 *
 * Re-authentication (KIP-368) runs against an in-process broker whose clock
 * the test moves, so session expiry needs no waiting.
 */
import { Broker } from '../src/broker/broker';
import { Apis } from '../src/protocol/apis';
import { ErrorCode } from '../src/protocol/errors';
import type { MetadataRequest } from '../src/protocol/messages';
import { BrokerProcess, startBrokerProcess } from './support/broker-process';
import { waitFor } from './support/conditions';
import { RawKafkaClient, encodeRequestHeader, frame } from './support/raw-kafka-client';
import { createTopic } from './support/roundtrip';
import { kafkajsRoundTrip } from './support/secure-clients';

const PLAIN_JAAS = 'org.apache.kafka.common.security.plain.PlainLoginModule required user_alice="alice-secret" user_bob="bob-secret";';
const IDLE_MS = 1500;

const METADATA_ALL: MetadataRequest = { topics: null, allowAutoTopicCreation: true, includeClusterAuthorizedOperations: false, includeTopicAuthorizedOperations: false };

function hostPort(address: string): [string, number] {
  const i = address.lastIndexOf(':');
  return [address.slice(0, i), Number(address.slice(i + 1))];
}

async function connect(address: string): Promise<RawKafkaClient> {
  const [host, port] = hostPort(address);
  return RawKafkaClient.connect(host, port);
}

async function plainLogin(c: RawKafkaClient, user = 'alice', password = 'alice-secret'): Promise<{ errorCode: number; errorMessage: string | null; sessionLifetimeMs: bigint }> {
  const hs = await c.request(Apis.SaslHandshake, 1, { mechanism: 'PLAIN' });
  expect(hs.errorCode).toBe(ErrorCode.NONE);
  return c.request(Apis.SaslAuthenticate, 1, { authBytes: Buffer.from(`\0${user}\0${password}`) });
}

describe('hostile SASL clients (weir start)', () => {
  let broker: BrokerProcess;
  let sasl: string;

  beforeAll(async () => {
    broker = await startBrokerProcess({
      memory: true,
      config: {
        listeners: 'PLAINTEXT://127.0.0.1:0,SASL_PLAINTEXT://127.0.0.1:0',
        'sasl.enabled.mechanisms': 'PLAIN',
        'listener.name.sasl_plaintext.plain.sasl.jaas.config': PLAIN_JAAS,
        'connections.max.idle.ms': IDLE_MS,
        'group.initial.rebalance.delay.ms': 0,
      },
    });
    sasl = broker.listeners['SASL_PLAINTEXT']!;
  });
  afterAll(() => broker?.stop());

  it('a request before authentication closes the connection unanswered, as Kafka does', async () => {
    const c = await connect(sasl);
    c.writeRaw(c.encode(Apis.Metadata, 1, METADATA_ALL));
    expect(await c.waitClosed()).toBe(true);
    expect(c.unreadFrames).toBe(0);
    await waitFor('the log line', () => (broker.output().includes('Unexpected Kafka request of type METADATA during SASL handshake.') ? true : undefined));
  });

  it('ApiVersions is answered before the handshake (librdkafka and Java ask first)', async () => {
    const c = await connect(sasl);
    const res = await c.request(Apis.ApiVersions, 3, { clientSoftwareName: 'x', clientSoftwareVersion: '1' });
    expect(res.apiKeys.find((k) => k.apiKey === 17)).toEqual({ apiKey: 17, minVersion: 0, maxVersion: 1 });
    expect(res.apiKeys.find((k) => k.apiKey === 36)).toEqual({ apiKey: 36, minVersion: 0, maxVersion: 2 });
    expect((await plainLogin(c)).errorCode).toBe(ErrorCode.NONE);
    c.close();
  });

  it('a truncated SaslAuthenticate frame: closed with one log line', async () => {
    const c = await connect(sasl);
    await c.request(Apis.SaslHandshake, 1, { mechanism: 'PLAIN' });
    // The header, then a bytes field announcing 100 bytes of which 3 arrive.
    const body = Buffer.alloc(7);
    body.writeInt32BE(100, 0);
    c.writeRaw(frame(Buffer.concat([encodeRequestHeader(36, 1, c.correlationId(), false), body])));
    expect(await c.waitClosed()).toBe(true);
    expect(c.unreadFrames).toBe(0);
    await waitFor('the log line', () => (logLines(broker, c.localPort).some((l) => l.includes('malformed SASL frame')) ? true : undefined));
  });

  it('an oversized frame before authentication: closed at its size prefix (sasl.server.max.receive.size)', async () => {
    const c = await connect(sasl);
    await c.request(Apis.SaslHandshake, 1, { mechanism: 'PLAIN' });
    const size = Buffer.alloc(4);
    size.writeInt32BE(10 * 1024 * 1024);
    c.writeRaw(size);
    expect(await c.waitClosed()).toBe(true);
    await waitFor('the log line', () => (logLines(broker, c.localPort).some((l) => l.includes('Failing SASL authentication due to invalid receive size')) ? true : undefined));
  });

  it('a client that never finishes its handshake is closed after connections.max.idle.ms', async () => {
    const c = await connect(sasl);
    await c.request(Apis.SaslHandshake, 1, { mechanism: 'PLAIN' });
    expect(await c.waitClosed(IDLE_MS * 10)).toBe(true);
    expect(logLines(broker, c.localPort).some((l) => l.includes(`PLAIN authentication not completed within ${IDLE_MS} ms (connections.max.idle.ms)`))).toBe(true);
  });

  it('a flood of bad handshakes: each gets UNSUPPORTED_SASL_MECHANISM and a close; a real client keeps producing meanwhile', async () => {
    const topic = 'hostile-flood';
    await createTopic(broker.listeners['PLAINTEXT']!, topic, 1);
    const flood = Promise.all(
      Array.from({ length: 100 }, async () => {
        const c = await connect(sasl);
        const res = await c.request(Apis.SaslHandshake, 1, { mechanism: 'NOPE' });
        expect(res).toEqual({ errorCode: ErrorCode.UNSUPPORTED_SASL_MECHANISM, mechanisms: ['PLAIN'] });
        return c.waitClosed();
      }),
    );
    const sent = Array.from({ length: 200 }, (_, i) => `during-flood-${i}`);
    const read = await kafkajsRoundTrip(sasl, { sasl: { mechanism: 'plain', username: 'bob', password: 'bob-secret' } }, topic, sent);
    expect(read).toEqual(sent);
    expect((await flood).every((closed) => closed)).toBe(true);
  });

  it('SaslHandshake v0 then raw tokens (kafka-python): authenticated, then served', async () => {
    const c = await connect(sasl);
    expect((await c.request(Apis.SaslHandshake, 0, { mechanism: 'PLAIN' })).errorCode).toBe(ErrorCode.NONE);
    c.writeRaw(frame(Buffer.from('\0alice\0alice-secret')));
    expect((await c.readFrame()).length).toBe(0);
    const md = await c.request(Apis.Metadata, 1, METADATA_ALL);
    expect(md.brokers.map((b) => `${b.host}:${b.port}`)).toEqual([sasl]);
    c.close();
  });

  it('a wrong raw token is answered by closing the connection (no Kafka header to answer with)', async () => {
    const c = await connect(sasl);
    await c.request(Apis.SaslHandshake, 0, { mechanism: 'PLAIN' });
    c.writeRaw(frame(Buffer.from('\0alice\0nope')));
    expect(await c.waitClosed()).toBe(true);
    expect(c.unreadFrames).toBe(0);
  });

  it('a SaslHandshake on an authenticated connection without session expiry: ILLEGAL_SASL_STATE, still served', async () => {
    const c = await connect(sasl);
    await plainLogin(c);
    expect((await c.request(Apis.SaslHandshake, 1, { mechanism: 'PLAIN' })).errorCode).toBe(ErrorCode.ILLEGAL_SASL_STATE);
    expect((await c.request(Apis.Metadata, 1, METADATA_ALL)).brokers.length).toBe(1);
    c.close();
  });
});

function logLines(broker: BrokerProcess, localPort: number): string[] {
  return broker.output().split('\n').filter((l) => l.includes(`"remote":"127.0.0.1:${localPort}"`));
}

describe('re-authentication (KIP-368), with the broker’s clock in the test’s hands', () => {
  let clock = 1_700_000_000_000;
  let broker: Broker;
  let address: string;

  beforeAll(async () => {
    broker = await Broker.start({
      memory: true,
      now: () => clock,
      properties: {
        listeners: 'SASL_PLAINTEXT://127.0.0.1:0',
        'sasl.enabled.mechanisms': 'PLAIN',
        'listener.name.sasl_plaintext.plain.sasl.jaas.config': PLAIN_JAAS,
        'connections.max.reauth.ms': '10000',
      },
    });
    address = broker.bootstrapServersFor('SASL_PLAINTEXT');
  });
  afterAll(() => broker?.close());

  it('the session lifetime is sent; re-authenticating before it ends keeps the connection', async () => {
    const c = await connect(address);
    expect(await plainLogin(c)).toMatchObject({ errorCode: ErrorCode.NONE, sessionLifetimeMs: 10_000n });
    clock += 8000;
    expect(await plainLogin(c)).toMatchObject({ errorCode: ErrorCode.NONE, sessionLifetimeMs: 10_000n });
    clock += 8000; // past the first session's end, inside the second's
    expect((await c.request(Apis.Metadata, 1, METADATA_ALL)).brokers.length).toBe(1);
    c.close();
  });

  it('a second re-authentication within a second is refused with ILLEGAL_SASL_STATE, as Kafka does', async () => {
    const c = await connect(address);
    await plainLogin(c);
    clock += 2000;
    await plainLogin(c);
    clock += 500;
    expect((await c.request(Apis.SaslHandshake, 1, { mechanism: 'PLAIN' })).errorCode).toBe(ErrorCode.ILLEGAL_SASL_STATE);
    c.close();
  });

  it('an expired session is closed at its next request', async () => {
    const c = await connect(address);
    await plainLogin(c);
    clock += 10_001;
    c.writeRaw(c.encode(Apis.Metadata, 1, METADATA_ALL));
    expect(await c.waitClosed()).toBe(true);
    expect(c.unreadFrames).toBe(0);
  });

  it('re-authenticating as someone else fails and closes the connection', async () => {
    const c = await connect(address);
    await plainLogin(c, 'alice', 'alice-secret');
    clock += 2000;
    const res = await plainLogin(c, 'bob', 'bob-secret');
    expect(res.errorCode).toBe(ErrorCode.SASL_AUTHENTICATION_FAILED);
    expect(res.errorMessage).toBe('Cannot change principals during re-authentication from User.alice: User.bob');
    expect(await c.waitClosed()).toBe(true);
  });
});
