/**
 * One TCP connection to one Kafka broker, speaking the wire protocol with
 * Weir's own generated codecs (so it works against any Kafka broker).
 *
 * Requests: size prefix, request header (v1, or v2 for flexible versions),
 * body. Responses are matched by correlation id (Kafka answers in order, but
 * matching by id keeps a misbehaving broker from mixing answers up). The
 * response header is v0 (correlation id only) for ApiVersions, whatever the
 * version, so any client can read it, and v1 (plus tagged fields) for every
 * other flexible response.
 */
import * as net from 'node:net';
import * as tls from 'node:tls';
import type { ApiSpec } from '../protocol/apis';
import { decodeMessage, encodeMessageToBuffer } from '../protocol/message-io';
import { RequestHeaderCodec } from '../protocol/messages';
import { isFlexible, readTaggedFields } from '../protocol/primitives/codec-support';
import { Reader } from '../protocol/primitives/reader';
import { requestHeaderVersion } from '../network/request-header';
import { BrokerConnectionError, describeSocketError } from './errors';
import type { ClientSecurity } from './client-security';

const API_VERSIONS_KEY = 18;

/** The request/response pair of one API; ApiSpec from apis.ts fits, so does a bare codec pair. */
export type ApiCodecs<Req, Res> = Pick<ApiSpec<Req, Res>, 'apiKey' | 'name' | 'request' | 'response'>;

export interface ConnectOptions {
  clientId?: string;
  /** Give up connecting after this long (default 10 s). */
  connectTimeoutMs?: number;
  /** Give up on a response after this long (default 30 s); long-poll fetches add their wait. */
  requestTimeoutMs?: number;
  /** TLS and SASL (security.protocol and friends); plaintext when absent. */
  security?: ClientSecurity;
}

interface Pending {
  api: string;
  version: number;
  resolve(frame: Buffer): void;
  reject(err: Error): void;
  timer: NodeJS.Timeout;
}

export function parseAddress(address: string, defaultPort = 9092): { host: string; port: number } {
  const bracketed = /^\[([^\]]+)\](?::(\d+))?$/.exec(address);
  if (bracketed) return { host: bracketed[1]!, port: bracketed[2] ? Number(bracketed[2]) : defaultPort };
  const at = address.lastIndexOf(':');
  if (at < 0) return { host: address, port: defaultPort };
  const port = Number(address.slice(at + 1));
  if (!Number.isInteger(port) || port <= 0 || port > 65535) throw new Error(`bad broker address '${address}': expected host:port`);
  return { host: address.slice(0, at) || 'localhost', port };
}

export class BrokerConnection {
  private nextCorrelationId = 1;
  private buffered: Buffer = Buffer.alloc(0);
  /** A frame being received: its chunks so far, their size, and the size it will have (0: none). */
  private chunks: Buffer[] = [];
  private chunkBytes = 0;
  private waitingFor = 0;
  private readonly pending = new Map<number, Pending>();
  private closedError: Error | null = null;

  private constructor(
    private readonly socket: net.Socket,
    readonly address: string,
    private readonly clientId: string,
    private readonly requestTimeoutMs: number,
  ) {
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('error', (err: NodeJS.ErrnoException) => this.fail(describeSocketError(address, err)));
    socket.on('close', () => this.fail(new BrokerConnectionError(address, this.closedMessage())));
  }

  static connect(address: string, options: ConnectOptions = {}): Promise<BrokerConnection> {
    const { host, port } = parseAddress(address);
    const timeoutMs = options.connectTimeoutMs ?? 10_000;
    const tlsOptions = options.security?.tls ?? null;
    return new Promise((resolve, reject) => {
      const socket = tlsOptions
        ? tls.connect({ ...tlsOptions, host, port, ...(net.isIP(host) === 0 ? { servername: host } : {}) })
        : net.connect({ host, port });
      const timer = setTimeout(() => {
        socket.destroy();
        reject(new BrokerConnectionError(address, `connecting to ${address} timed out after ${timeoutMs} ms`, 'ETIMEDOUT'));
      }, timeoutMs);
      socket.once(tlsOptions ? 'secureConnect' : 'connect', () => {
        clearTimeout(timer);
        socket.off('error', onError);
        socket.setNoDelay(true);
        resolve(new BrokerConnection(socket, address, options.clientId ?? 'weir-cli', options.requestTimeoutMs ?? 30_000));
      });
      const onError = (err: NodeJS.ErrnoException) => {
        clearTimeout(timer);
        reject(tlsOptions && !err.code?.startsWith('E') ? new BrokerConnectionError(address, `TLS handshake with ${address} failed: ${err.message}`, err.code) : describeSocketError(address, err));
      };
      socket.once('error', onError);
    });
  }

  get closed(): boolean {
    return this.closedError !== null;
  }

  /** Encodes a whole request frame: size, header, body. */
  private frame<Req>(api: ApiCodecs<Req, unknown>, version: number, body: Req, correlationId: number): Buffer {
    const flexible = isFlexible(api.request, version);
    const header = encodeMessageToBuffer(
      RequestHeaderCodec,
      { requestApiKey: api.apiKey, requestApiVersion: version, correlationId, clientId: this.clientId },
      requestHeaderVersion(api.apiKey, version, flexible),
    );
    const payload = encodeMessageToBuffer(api.request, body, version);
    const size = Buffer.alloc(4);
    size.writeInt32BE(header.length + payload.length);
    return Buffer.concat([size, header, payload]);
  }

  /** Sends a request that gets no response (Produce with acks=0); resolves once written. */
  sendWithoutResponse<Req>(api: ApiCodecs<Req, unknown>, version: number, body: Req): Promise<void> {
    if (this.closedError) return Promise.reject(this.closedError);
    const data = this.frame(api, version, body, this.nextCorrelationId++);
    return new Promise((resolve, reject) => this.socket.write(data, (err) => (err ? reject(err) : resolve())));
  }

  /** Sends `body` as `version` of the API and resolves with the decoded response. */
  async send<Req, Res>(api: ApiCodecs<Req, Res>, version: number, body: Req, extraTimeoutMs = 0): Promise<Res> {
    if (this.closedError) throw this.closedError;
    const correlationId = this.nextCorrelationId++;
    const data = this.frame(api, version, body, correlationId);
    const name = api.name.replace(/Request$/, '');
    const frame = await new Promise<Buffer>((resolve, reject) => {
      const timeoutMs = this.requestTimeoutMs + extraTimeoutMs;
      const timer = setTimeout(() => {
        this.pending.delete(correlationId);
        reject(new BrokerConnectionError(this.address, `${name} v${version} to ${this.address} got no answer within ${timeoutMs} ms`, 'ETIMEDOUT'));
      }, timeoutMs);
      this.pending.set(correlationId, { api: name, version, resolve, reject, timer });
      this.socket.write(data);
    });
    const r = new Reader(frame);
    r.int32(); // correlation id, already matched
    if (api.apiKey !== API_VERSIONS_KEY && isFlexible(api.response, version)) readTaggedFields(r, undefined);
    return decodeMessage(api.response, frame.subarray(r.offset), version);
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      if (this.socket.destroyed) return resolve();
      this.socket.once('close', () => resolve());
      this.socket.end();
      // A broker that never answers the FIN must not keep us alive.
      setTimeout(() => this.socket.destroy(), 1000).unref();
    });
  }

  private closedMessage(): string {
    // Kafka closes the connection on a request it cannot serve (unknown API
    // or version); name the request so the cause is visible.
    const first = this.pending.values().next();
    if (!first.done) return `the broker at ${this.address} closed the connection while answering ${first.value.api} v${first.value.version} (does it support that version?)`;
    return `connection to ${this.address} closed`;
  }

  private fail(err: Error): void {
    if (this.closedError) return;
    this.closedError = err;
    for (const p of this.pending.values()) {
      clearTimeout(p.timer);
      p.reject(err);
    }
    this.pending.clear();
  }

  private onData(chunk: Buffer): void {
    // A large response arrives in many chunks: they are kept aside until the
    // frame is whole and joined once (joining at every chunk copies the
    // frame over and over: quadratic in its size).
    if (this.waitingFor > 0) {
      this.chunks.push(chunk);
      this.chunkBytes += chunk.length;
      if (this.chunkBytes < this.waitingFor) return;
      this.buffered = Buffer.concat(this.chunks, this.chunkBytes);
      this.chunks = [];
      this.chunkBytes = 0;
      this.waitingFor = 0;
    } else {
      this.buffered = this.buffered.length === 0 ? chunk : Buffer.concat([this.buffered, chunk]);
    }
    while (this.buffered.length >= 4) {
      const size = this.buffered.readInt32BE(0);
      if (this.buffered.length < 4 + size) {
        this.chunks = [this.buffered];
        this.chunkBytes = this.buffered.length;
        this.waitingFor = 4 + size;
        this.buffered = Buffer.alloc(0);
        return;
      }
      const frame = this.buffered.subarray(4, 4 + size);
      this.buffered = this.buffered.subarray(4 + size);
      const p = this.pending.get(frame.readInt32BE(0));
      if (p) {
        this.pending.delete(frame.readInt32BE(0));
        clearTimeout(p.timer);
        p.resolve(frame);
      }
    }
  }
}
