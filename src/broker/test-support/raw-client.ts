/**
 * A minimal Kafka protocol client for tests: sends any request, at any
 * version, through the generated codecs, and decodes the answer. Used for
 * what the real clients in the tests cannot send (newer versions, APIs
 * kafkajs lacks, malformed combinations).
 *
 * Framing: size prefix, request header (v1, or v2 for flexible versions),
 * body. Responses: size prefix, correlation id, then for flexible versions a
 * tagged-field section (response header v1), except ApiVersions, which
 * always answers with header v0 so that any client can read it.
 */
import * as net from 'node:net';
import type { ApiSpec } from '../../protocol/apis';
import { decodeMessage, encodeMessageToBuffer } from '../../protocol/message-io';
import { RequestHeaderCodec } from '../../protocol/messages';
import { isFlexible, readTaggedFields } from '../../protocol/primitives/codec-support';
import { Reader } from '../../protocol/primitives/reader';

const API_VERSIONS_KEY = 18;

interface Pending {
  resolve(body: Buffer): void;
  reject(err: Error): void;
}

export class RawClient {
  private nextCorrelationId = 1;
  private buffered: Buffer = Buffer.alloc(0);
  private readonly pending = new Map<number, Pending>();
  private closedError: Error | null = null;

  private constructor(private readonly socket: net.Socket) {
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    const fail = (err: Error) => {
      this.closedError = err;
      for (const p of this.pending.values()) p.reject(err);
      this.pending.clear();
    };
    socket.on('error', fail);
    socket.on('close', () => fail(new Error('connection closed')));
  }

  /** Connects to "host:port". */
  static connect(bootstrapServers: string): Promise<RawClient> {
    const at = bootstrapServers.lastIndexOf(':');
    const host = bootstrapServers.slice(0, at);
    const port = Number(bootstrapServers.slice(at + 1));
    return new Promise((resolve, reject) => {
      const socket = net.connect({ host, port }, () => {
        socket.off('error', reject);
        resolve(new RawClient(socket));
      });
      socket.once('error', reject);
    });
  }

  /** A request body: the codec's defaults with `fields` over them. */
  static body<Req>(spec: ApiSpec<Req, unknown>, fields: Partial<Req>): Req {
    return { ...spec.request.defaults(), ...fields };
  }

  /** Sends `body` as `version` of the API and resolves with the decoded response. */
  async send<Req, Res>(spec: ApiSpec<Req, Res>, version: number, body: Req, clientId = 'raw-client'): Promise<Res> {
    if (this.closedError) throw this.closedError;
    const correlationId = this.nextCorrelationId++;
    const flexible = isFlexible(spec.request, version);
    const header = encodeMessageToBuffer(
      RequestHeaderCodec,
      { requestApiKey: spec.apiKey, requestApiVersion: version, correlationId, clientId },
      flexible ? 2 : 1,
    );
    const payload = encodeMessageToBuffer(spec.request, body, version);
    const size = Buffer.alloc(4);
    size.writeInt32BE(header.length + payload.length);
    const responseBody = new Promise<Buffer>((resolve, reject) => this.pending.set(correlationId, { resolve, reject }));
    this.socket.write(Buffer.concat([size, header, payload]));
    const frame = await responseBody;
    const r = new Reader(frame);
    r.int32(); // correlation id, already matched
    if (spec.apiKey !== API_VERSIONS_KEY && isFlexible(spec.response, version)) readTaggedFields(r, undefined);
    return decodeMessage(spec.response, frame.subarray(r.offset), version);
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      if (this.socket.destroyed) return resolve();
      this.socket.once('close', () => resolve());
      this.socket.end();
    });
  }

  private onData(chunk: Buffer): void {
    this.buffered = this.buffered.length === 0 ? chunk : Buffer.concat([this.buffered, chunk]);
    while (this.buffered.length >= 4) {
      const size = this.buffered.readInt32BE(0);
      if (this.buffered.length < 4 + size) return;
      const frame = this.buffered.subarray(4, 4 + size);
      this.buffered = this.buffered.subarray(4 + size);
      const correlationId = frame.readInt32BE(0);
      const p = this.pending.get(correlationId);
      if (p) {
        this.pending.delete(correlationId);
        p.resolve(frame);
      }
    }
  }
}
