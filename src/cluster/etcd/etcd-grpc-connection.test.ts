import * as http2 from 'node:http2';
import * as net from 'node:net';
import { connectEtcd, isCompactedError, isLeaseNotFoundError } from './etcd-client';
import { EtcdGrpcConnection } from './etcd-grpc-connection';
import { RangeRequest, RangeResponse } from './etcd-messages';
import { EtcdWatch } from './etcd-watch';
import { eventually, useEtcd } from './test-support/etcd-fixture';
import { freePort } from '../../testing/etcd-server';

const fx = useEtcd();

/** A TCP server that accepts connections and never says a word (a frozen host). */
async function silentServer(): Promise<string> {
  const sockets: net.Socket[] = [];
  const server = net.createServer((s) => sockets.push(s));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  fx.defer(async () => {
    for (const s of sockets) s.destroy();
    await new Promise((resolve) => server.close(resolve));
  });
  return `http://127.0.0.1:${(server.address() as net.AddressInfo).port}`;
}

/** An HTTP/2 server answering every call with `answer`. */
async function fakeEtcd(answer: (stream: http2.ServerHttp2Stream) => void): Promise<string> {
  const server = http2.createServer();
  server.on('stream', (stream) => {
    stream.on('error', () => undefined);
    answer(stream);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const sessions = new Set<http2.Http2Session>();
  server.on('session', (s) => sessions.add(s));
  fx.defer(async () => {
    for (const s of sessions) s.destroy();
    await new Promise((resolve) => server.close(resolve));
  });
  return `http://127.0.0.1:${(server.address() as net.AddressInfo).port}`;
}

/** The next thing a watch says. */
function nextWatchEvent(watch: EtcdWatch): Promise<{ event: string; err?: Error }> {
  return new Promise((resolve) => {
    watch.on('connected', () => resolve({ event: 'connected' }));
    watch.on('data', () => resolve({ event: 'data' }));
    watch.on('error', (err) => resolve({ event: 'error', err }));
    watch.on('disconnected', (err) => resolve({ event: 'disconnected', err }));
  });
}

describe('EtcdGrpcConnection', () => {
  it('fails a call to a frozen etcd at its deadline, and works again once etcd resumes', async () => {
    const client = connectEtcd({ endpoints: fx.etcd.endpoints, requestTimeoutMs: 500 });
    fx.defer(() => client.close());
    await client.kv.range({ key: 'warm-up' });
    fx.etcd.signal('SIGSTOP');
    fx.defer(() => fx.etcd.signal('SIGCONT'));
    const started = Date.now();
    await expect(client.kv.range({ key: 'k' })).rejects.toThrow(/deadline exceeded/);
    expect(Date.now() - started).toBeGreaterThanOrEqual(450);
    expect(Date.now() - started).toBeLessThan(2000);
    fx.etcd.signal('SIGCONT');
    await eventually('etcd to answer again', () => client.kv.range({ key: 'k' }).then(() => true, () => false));
  });

  it('fails a call to a host that accepts the connection and never answers, at its deadline', async () => {
    const client = connectEtcd({ endpoints: [await silentServer()], requestTimeoutMs: 300 });
    fx.defer(() => client.close());
    const started = Date.now();
    await expect(client.kv.range({ key: 'k' })).rejects.toThrow(/within 300 ms/);
    expect(Date.now() - started).toBeLessThan(1500);
  });

  it('opens its connection to the next endpoint when one refuses, the call going through', async () => {
    const client = connectEtcd({ endpoints: [`http://127.0.0.1:${await freePort()}`, ...fx.etcd.endpoints], requestTimeoutMs: 3000 });
    fx.defer(() => client.close());
    const res = await client.kv.put({ key: fx.keys().broker(1), value: 'v' });
    expect(Number(res.header.revision)).toBeGreaterThan(0);
  });

  it('says which endpoints it could not reach when none answers', async () => {
    const bad = `http://127.0.0.1:${await freePort()}`;
    const client = connectEtcd({ endpoints: [bad], requestTimeoutMs: 3000 });
    fx.defer(() => client.close());
    await expect(client.kv.range({ key: 'k' })).rejects.toThrow(/could not connect to etcd.*ECONNREFUSED/);
    const watch = client.watch({ key: 'k' });
    expect((await nextWatchEvent(watch)).event).toBe('disconnected');
  });

  it("carries etcd's own error text, which isLeaseNotFoundError and isCompactedError recognise", async () => {
    const client = fx.client();
    const revoked = await client.leaseClient.leaseRevoke({ ID: '1234567' }).catch((err: unknown) => err);
    expect(isLeaseNotFoundError(revoked)).toBe(true);

    const key = fx.keys().broker(2);
    const first = await client.kv.put({ key, value: 'a' });
    await client.kv.put({ key, value: 'b' });
    const head = await client.kv.put({ key, value: 'c' });
    await client.kv.compact({ revision: head.header.revision });
    const old = await client.kv.range({ key, revision: first.header.revision }).catch((err: unknown) => err);
    expect(isCompactedError(old)).toBe(true);

    const watch = client.watch({ key, start_revision: first.header.revision });
    let cancelled: Error | null = null;
    watch.on('error', (err) => (cancelled = err));
    await eventually('the watch to be cancelled', () => cancelled !== null);
    expect(isCompactedError(cancelled)).toBe(true);
  });

  it('rejects a garbled answer, and an answer with an error status, without crashing', async () => {
    const garbage = await fakeEtcd((stream) => {
      stream.respond({ ':status': 200, 'content-type': 'application/grpc' }, { waitForTrailers: true });
      stream.on('wantTrailers', () => stream.sendTrailers({ 'grpc-status': '0' }));
      stream.end(Buffer.from([0, 0, 0, 0, 3, 0x0a, 0x05, 0x01])); // a header field longer than the message
    });
    const c1 = connectEtcd({ endpoints: [garbage], requestTimeoutMs: 3000 });
    fx.defer(() => c1.close());
    await expect(c1.kv.range({ key: 'k' })).rejects.toThrow(/cut short/);

    const refusing = await fakeEtcd((stream) => {
      stream.respond({ ':status': 200, 'content-type': 'application/grpc', 'grpc-status': '9', 'grpc-message': 'etcdserver%3A too many requests' }, { endStream: true });
    });
    const c2 = connectEtcd({ endpoints: [refusing], requestTimeoutMs: 3000 });
    fx.defer(() => c2.close());
    await expect(c2.kv.range({ key: 'k' })).rejects.toThrow('etcdserver: too many requests');

    const notGrpc = await fakeEtcd((stream) => {
      stream.respond({ ':status': 404 }, { endStream: true });
    });
    const c3 = connectEtcd({ endpoints: [notGrpc], requestTimeoutMs: 3000 });
    fx.defer(() => c3.close());
    await expect(c3.kv.range({ key: 'k' })).rejects.toThrow(/HTTP status 404/);
  });

  it('notices a frozen etcd under an open watch by its unanswered ping, and reports the watch disconnected', async () => {
    const connection = new EtcdGrpcConnection({ endpoints: fx.etcd.endpoints, requestTimeoutMs: 1000, pingIntervalMs: 300, pingTimeoutMs: 300 });
    fx.defer(() => connection.close());
    const watch = new EtcdWatch(connection, { key: 'k' });
    expect((await nextWatchEvent(watch)).event).toBe('connected');
    fx.etcd.signal('SIGSTOP');
    fx.defer(() => fx.etcd.signal('SIGCONT'));
    const started = Date.now();
    const next = await nextWatchEvent(watch);
    expect(next.event).toBe('disconnected');
    expect(Date.now() - started).toBeLessThan(2000);
    fx.etcd.signal('SIGCONT');
    // The next call opens a new connection.
    await eventually('etcd to answer again', () => connection.unary(`/etcdserverpb.KV/Range`, RangeRequest, RangeResponse, { key: 'k' }).then(() => true, () => false));
  });

  it('pings only while a call is open, never sooner than the interval after the last answer', async () => {
    const pings: number[] = [];
    let answered = 0;
    const server = http2.createServer();
    server.on('session', (session) => {
      session.on('ping', () => pings.push(performance.now()));
      session.on('error', () => undefined);
    });
    server.on('stream', (stream) => {
      stream.on('error', () => undefined);
      // The first call is answered at once; the others stay open.
      if (answered++ > 0) return stream.respond({ ':status': 200, 'content-type': 'application/grpc' });
      stream.respond({ ':status': 200, 'content-type': 'application/grpc' }, { waitForTrailers: true });
      stream.on('wantTrailers', () => stream.sendTrailers({ 'grpc-status': '0' }));
      stream.end(Buffer.from([0, 0, 0, 0, 0]));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const connection = new EtcdGrpcConnection({ endpoints: [`http://127.0.0.1:${(server.address() as net.AddressInfo).port}`], requestTimeoutMs: 1000, pingIntervalMs: 100, pingTimeoutMs: 500 });
    fx.defer(async () => {
      connection.close();
      await new Promise((resolve) => server.close(resolve));
    });
    await connection.unary('/etcdserverpb.KV/Range', RangeRequest, RangeResponse, { key: 'k' });
    await new Promise((resolve) => setTimeout(resolve, 350));
    expect(pings).toEqual([]); // no call open: no pings
    const stream = connection.stream('/etcdserverpb.Watch/Watch', RangeRequest, RangeResponse);
    stream.on('error', () => undefined);
    await new Promise((resolve) => setTimeout(resolve, 600));
    stream.cancel();
    expect(pings.length).toBeGreaterThanOrEqual(3);
    for (let i = 1; i < pings.length; i++) expect((pings[i] as number) - (pings[i - 1] as number)).toBeGreaterThanOrEqual(99);
  });

  it('keeps a watch through several of its 5 s pings: etcd accepts them', async () => {
    const client = fx.client();
    const key = fx.keys().broker(3);
    const watch = client.watch({ key });
    const said: string[] = [];
    watch.on('connected', () => said.push('connected'));
    watch.on('data', (res) => said.push(...res.events.map((e) => `${e.type} ${e.kv.value.toString()}`)));
    watch.on('error', (err) => said.push(`error ${err.message}`));
    watch.on('disconnected', (err) => said.push(`disconnected ${err.message}`));
    await new Promise((resolve) => setTimeout(resolve, 16_000));
    await client.kv.put({ key, value: 'still here' });
    await eventually('the put to be seen', () => said.length >= 2);
    expect(said).toEqual(['connected', 'Put still here']);
  }, 30_000);

  it('reports a watch disconnected when etcd dies, and serves again from a restarted etcd', async () => {
    const client = fx.client();
    const watch = client.watch({ key: 'k' });
    expect((await nextWatchEvent(watch)).event).toBe('connected');
    const disconnected = nextWatchEvent(watch);
    await fx.etcd.kill();
    expect((await disconnected).event).toBe('disconnected');
    await expect(client.kv.range({ key: 'k' })).rejects.toThrow(/could not connect|failed|closed/);
    await fx.etcd.restart();
    await eventually('etcd to answer again', () => client.kv.range({ key: 'k' }).then(() => true, () => false));
  }, 30_000);

  it('fails every call once closed, and its watches end quietly', async () => {
    const client = connectEtcd({ endpoints: fx.etcd.endpoints });
    const watch = client.watch({ key: 'k' });
    expect((await nextWatchEvent(watch)).event).toBe('connected');
    const said: string[] = [];
    watch.on('disconnected', () => said.push('disconnected'));
    watch.on('error', () => said.push('error'));
    client.close();
    await expect(client.kv.range({ key: 'k' })).rejects.toThrow(/closed/);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(said).toEqual([]);
  });
});
