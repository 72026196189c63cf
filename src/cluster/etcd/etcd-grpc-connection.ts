/**
 * gRPC calls to etcd over one HTTP/2 connection (node:http2), with the
 * behaviour a broker wants when etcd is slow, gone or back (etcd-client.ts
 * explains why):
 * - one connection at a time, to one endpoint; opened when a call needs it,
 *   and after a failure the next call opens a new one to the next endpoint.
 *   Opening tries each endpoint once in turn: a call that never reached
 *   etcd can safely go elsewhere. A call that did reach etcd is never
 *   retried here.
 * - every unary call has a deadline: sent to etcd as `grpc-timeout`, and
 *   enforced by a local timer too, since a frozen etcd never answers at all.
 * - while calls are open, an HTTP/2 ping every `pingIntervalMs` (5 s: etcd's
 *   --grpc-keepalive-min-time, below which etcd drops the connection; nor
 *   does it accept pings on a connection without calls) with `pingTimeoutMs`
 *   to answer; a connection that does not answer is closed, failing its
 *   calls, so streams notice a dead connection without waiting for TCP.
 * - no limit on the size of a message received.
 * - the connection keeps the process alive only while calls are open.
 * Every failure ends as a rejected promise or a stream's 'error' event.
 */
import { EventEmitter } from 'node:events';
import * as http2 from 'node:http2';
import { decodeMessage, encodeMessage, type MessageSchema } from './etcd-protobuf';
import { callStatus, EtcdGrpcError, frameMessage, MessageReader } from './grpc-framing';

export interface GrpcConnectionOptions {
  /** etcd client URLs, e.g. `http://127.0.0.1:2379`. */
  readonly endpoints: readonly string[];
  /** Deadline of each unary call, and of opening a connection. */
  readonly requestTimeoutMs: number;
  readonly pingIntervalMs?: number;
  readonly pingTimeoutMs?: number;
}

const DEFAULT_PING_INTERVAL_MS = 5000;
const DEFAULT_PING_TIMEOUT_MS = 3000;
/**
 * How much etcd may send, per call and on the whole connection, before we
 * have read it. HTTP/2's default, 64 KiB, makes a read of a few MB (the
 * metadata log at start, a snapshot) wait for a window update every 64 KiB;
 * node reads as fast as data comes, so a larger window costs no memory
 * beyond what is in flight.
 */
const WINDOW_BYTES = 8 * 1024 * 1024;

/** gRPC's header for a deadline: at most 8 digits and a unit. */
function grpcTimeout(ms: number): string {
  const whole = Math.max(1, Math.ceil(ms));
  return whole < 1e8 ? `${whole}m` : `${Math.ceil(whole / 1000)}S`;
}

export class EtcdGrpcConnection {
  private current: http2.ClientHttp2Session | null = null;
  private connecting: Promise<http2.ClientHttp2Session> | null = null;
  private nextEndpoint = 0;
  /** Calls open on each connection (pings are sent only while some are: etcd refuses them otherwise). */
  private readonly openCalls = new WeakMap<http2.ClientHttp2Session, number>();
  private closed = false;
  private readonly pingIntervalMs: number;
  private readonly pingTimeoutMs: number;

  constructor(private readonly options: GrpcConnectionOptions) {
    if (options.endpoints.length === 0) throw new Error('an etcd connection needs at least one endpoint');
    this.pingIntervalMs = options.pingIntervalMs ?? DEFAULT_PING_INTERVAL_MS;
    this.pingTimeoutMs = options.pingTimeoutMs ?? DEFAULT_PING_TIMEOUT_MS;
  }

  /** One request, one response, within the deadline. */
  unary<Res>(path: string, requestSchema: MessageSchema, responseSchema: MessageSchema, request: object): Promise<Res> {
    let body: Buffer;
    try {
      body = frameMessage(encodeMessage(requestSchema, request));
    } catch (err) {
      return Promise.reject(err);
    }
    const timeoutMs = this.options.requestTimeoutMs;
    const deadline = Date.now() + timeoutMs;
    return new Promise<Res>((resolve, reject) => {
      let settled = false;
      let call: http2.ClientHttp2Stream | null = null;
      const timer = setTimeout(() => fail(new EtcdGrpcError(`etcd did not answer ${path} within ${timeoutMs} ms (deadline exceeded)`, 4)), timeoutMs);
      const fail = (err: Error): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        if (call && !call.closed) call.close(http2.constants.NGHTTP2_CANCEL);
        reject(err);
      };
      const succeed = (messages: Buffer[]): void => {
        if (settled) return;
        if (messages.length !== 1) return fail(new EtcdGrpcError(`etcd answered ${path} with ${messages.length} messages instead of one`, null));
        let response: Res;
        try {
          response = decodeMessage<Res>(responseSchema, messages[0] as Buffer);
        } catch (err) {
          return fail(err as Error);
        }
        settled = true;
        clearTimeout(timer);
        resolve(response);
      };
      this.session().then((session) => {
        if (settled) return;
        try {
          call = this.request(session, path, deadline - Date.now());
        } catch (err) {
          return fail(new EtcdGrpcError(`could not call ${path}: ${(err as Error).message}`, null));
        }
        const reader = new MessageReader();
        const messages: Buffer[] = [];
        let status: 'ok' | EtcdGrpcError | null = null;
        call.on('response', (headers) => {
          status = callStatus(headers);
          if (status instanceof Error) fail(status);
          else if (headers[':status'] !== 200) fail(new EtcdGrpcError(`etcd answered ${path} with HTTP status ${String(headers[':status'])}`, null));
        });
        call.on('data', (chunk: Buffer) => {
          try {
            messages.push(...reader.push(chunk));
          } catch (err) {
            fail(err as Error);
          }
        });
        call.on('trailers', (trailers) => {
          status = callStatus(trailers);
          if (status instanceof Error) fail(status);
        });
        call.on('error', (err) => fail(new EtcdGrpcError(`the call ${path} failed: ${err.message}`, null)));
        // Everything etcd sent has been read once the call closes.
        call.on('close', () => {
          if (status === 'ok') succeed(messages);
          else fail(new EtcdGrpcError(`the call ${path} ended without a gRPC status (connection lost)`, null));
        });
        call.end(body);
      }, fail);
    });
  }

  /** A bidirectional streaming call (no deadline: its owner notices silence). */
  stream<Req extends object, Res>(path: string, requestSchema: MessageSchema, responseSchema: MessageSchema): GrpcStream<Req, Res> {
    return new GrpcStream<Req, Res>(this, path, requestSchema, responseSchema);
  }

  /** Ends every call and the connection; later calls fail. */
  close(): void {
    this.closed = true;
    this.current?.destroy();
    this.current = null;
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /** Starts a call on `session`, counting it as open until it closes. @internal */
  request(session: http2.ClientHttp2Session, path: string, timeoutMs: number | null): http2.ClientHttp2Stream {
    const headers: http2.OutgoingHttpHeaders = { ':method': 'POST', ':path': path, 'content-type': 'application/grpc', te: 'trailers' };
    if (timeoutMs !== null) headers['grpc-timeout'] = grpcTimeout(timeoutMs);
    const call = session.request(headers);
    const open = this.openCalls.get(session) ?? 0;
    this.openCalls.set(session, open + 1);
    if (open === 0) session.ref();
    call.on('close', () => {
      const left = (this.openCalls.get(session) ?? 1) - 1;
      this.openCalls.set(session, left);
      if (left === 0 && !session.destroyed) session.unref();
    });
    return call;
  }

  /** The connection, opened if need be. @internal */
  session(): Promise<http2.ClientHttp2Session> {
    if (this.closed) return Promise.reject(new EtcdGrpcError('the etcd client is closed', null));
    const current = this.current;
    if (current && !current.closed && !current.destroyed) return Promise.resolve(current);
    this.connecting ??= this.connectAny().finally(() => {
      this.connecting = null;
    });
    return this.connecting;
  }

  /** Tries each endpoint once, from the next one in turn. */
  private async connectAny(): Promise<http2.ClientHttp2Session> {
    let lastError: Error | null = null;
    for (let i = 0; i < this.options.endpoints.length; i++) {
      const endpoint = this.options.endpoints[this.nextEndpoint] as string;
      try {
        const session = await this.connect(endpoint);
        if (this.closed) {
          session.destroy();
          break;
        }
        this.current = session;
        return session;
      } catch (err) {
        lastError = err as Error;
        this.rotate();
      }
      if (this.closed) break;
    }
    if (this.closed) throw new EtcdGrpcError('the etcd client is closed', null);
    throw new EtcdGrpcError(`could not connect to etcd (${this.options.endpoints.join(', ')}): ${lastError?.message ?? 'no endpoint'}`, null);
  }

  private rotate(): void {
    this.nextEndpoint = (this.nextEndpoint + 1) % this.options.endpoints.length;
  }

  private connect(endpoint: string): Promise<http2.ClientHttp2Session> {
    return new Promise((resolve, reject) => {
      let session: http2.ClientHttp2Session;
      try {
        session = http2.connect(endpoint, { settings: { initialWindowSize: WINDOW_BYTES, enablePush: false } });
      } catch (err) {
        reject(err as Error);
        return;
      }
      session.unref();
      let connected = false;
      const timer = setTimeout(() => {
        session.destroy();
        reject(new Error(`no connection to ${endpoint} within ${this.options.requestTimeoutMs} ms`));
      }, this.options.requestTimeoutMs);
      timer.unref();
      session.on('connect', () => {
        connected = true;
        session.setLocalWindowSize(WINDOW_BYTES);
        clearTimeout(timer);
        this.watchHealth(session);
        resolve(session);
      });
      // After connecting, a failing connection fails its calls, which report it.
      session.on('error', (err) => {
        if (connected) return;
        clearTimeout(timer);
        reject(new Error(`${endpoint}: ${err.message}`));
      });
      session.on('close', () => {
        clearTimeout(timer);
        if (!connected) reject(new Error(`${endpoint}: the connection closed while opening`));
        this.forget(session);
      });
      // etcd going away (shutting down): its calls finish, new ones go to a new connection.
      session.on('goaway', () => this.forget(session));
    });
  }

  /** Stops using a failed or closing connection; the next call opens one to the next endpoint. */
  private forget(session: http2.ClientHttp2Session): void {
    if (this.current !== session) return;
    this.current = null;
    this.rotate();
  }

  /**
   * Pings while calls are open; a connection that does not answer in time is
   * closed. The next ping is timed from the answer to the last, so pings
   * never come closer together than `pingIntervalMs` (etcd counts pings that
   * do as abuse, and closes the connection after a few).
   */
  private watchHealth(session: http2.ClientHttp2Session): void {
    let timer: NodeJS.Timeout | null = null;
    const schedule = (): void => {
      timer = setTimeout(ping, this.pingIntervalMs);
      timer.unref();
    };
    const ping = (): void => {
      timer = null;
      if (session.destroyed || session.closed) return;
      if ((this.openCalls.get(session) ?? 0) === 0) return schedule();
      timer = setTimeout(() => {
        session.destroy(new Error(`etcd did not answer a ping within ${this.pingTimeoutMs} ms`));
      }, this.pingTimeoutMs);
      timer.unref();
      try {
        session.ping((err) => {
          if (timer) clearTimeout(timer);
          if (!err) schedule();
        });
      } catch {
        if (timer) clearTimeout(timer);
      }
    };
    schedule();
    session.on('close', () => {
      if (timer) clearTimeout(timer);
    });
  }
}

/**
 * One bidirectional streaming call: requests written (queued until the
 * connection is open), responses emitted as 'data' in order, then exactly
 * one of 'error' or 'end' (when etcd ends the call with status OK), unless
 * cancelled first: after `cancel()` it says nothing more.
 */
export class GrpcStream<Req extends object, Res> extends EventEmitter {
  private call: http2.ClientHttp2Stream | null = null;
  private queued: Buffer[] = [];
  private finished = false;
  private readonly reader = new MessageReader();

  constructor(
    connection: EtcdGrpcConnection,
    private readonly path: string,
    private readonly requestSchema: MessageSchema,
    private readonly responseSchema: MessageSchema,
  ) {
    super();
    connection.session().then(
      (session) => {
        if (this.finished) return;
        let call: http2.ClientHttp2Stream;
        try {
          call = connection.request(session, path, null);
        } catch (err) {
          this.fail(new EtcdGrpcError(`could not call ${path}: ${(err as Error).message}`, null));
          return;
        }
        this.call = call;
        call.on('response', (headers) => {
          const status = callStatus(headers);
          if (status !== null) this.ended(status);
          else if (headers[':status'] !== 200) this.fail(new EtcdGrpcError(`etcd answered ${path} with HTTP status ${String(headers[':status'])}`, null));
        });
        call.on('data', (chunk: Buffer) => this.onData(chunk));
        call.on('trailers', (trailers) => this.ended(callStatus(trailers) ?? 'ok'));
        call.on('error', (err) => this.fail(new EtcdGrpcError(`the call ${path} failed: ${err.message}`, null)));
        call.on('close', () => this.fail(new EtcdGrpcError(`the call ${path} closed (connection lost)`, null)));
        for (const framed of this.queued) call.write(framed);
        this.queued = [];
      },
      (err: Error) => this.fail(err),
    );
  }

  write(request: Req): void {
    if (this.finished) return;
    let framed: Buffer;
    try {
      framed = frameMessage(encodeMessage(this.requestSchema, request));
    } catch (err) {
      // Reported asynchronously, like every other failure of the stream.
      queueMicrotask(() => this.fail(err as Error));
      return;
    }
    if (this.call) this.call.write(framed);
    else this.queued.push(framed);
  }

  /** Ends the call (etcd forgets its watches on it); no events follow. */
  cancel(): void {
    this.finished = true;
    this.queued = [];
    if (this.call && !this.call.closed) this.call.close(http2.constants.NGHTTP2_CANCEL);
  }

  get isFinished(): boolean {
    return this.finished;
  }

  private onData(chunk: Buffer): void {
    if (this.finished) return;
    try {
      for (const message of this.reader.push(chunk)) {
        const response = decodeMessage<Res>(this.responseSchema, message);
        if (this.finished) return;
        this.emit('data', response);
      }
    } catch (err) {
      this.fail(err as Error);
    }
  }

  private ended(status: 'ok' | EtcdGrpcError): void {
    if (status === 'ok') this.finish(() => this.emit('end'));
    else this.fail(status);
  }

  private fail(err: Error): void {
    this.finish(() => this.emit('error', err));
  }

  private finish(report: () => void): void {
    if (this.finished) return;
    this.finished = true;
    if (this.call && !this.call.closed) this.call.close(http2.constants.NGHTTP2_CANCEL);
    report();
  }
}
