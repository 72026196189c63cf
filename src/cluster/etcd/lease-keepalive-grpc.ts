/**
 * etcd's LeaseKeepAlive call spoken directly: gRPC over node:http2, its two
 * small messages encoded by hand. The lease keepalive thread
 * (lease-keepalive-worker.ts) needs nothing else from etcd, and loading the
 * etcd3 client there (grpc-js, and protobufjs parsing etcd's .proto files)
 * cost every cluster broker about 100 ms of CPU at start and 19 MB of
 * memory for the thread (bench/RESULTS.md, "Starting a cluster").
 *
 * What goes over the wire (gRPC's HTTP/2 mapping): one POST to
 * /etcdserverpb.Lease/LeaseKeepAlive with content-type application/grpc,
 * open in both directions for as long as the stream lives. Each message,
 * either way, is a 5-byte prefix (a compressed flag, always 0 here, and the
 * length as a big-endian uint32) and the protobuf bytes of etcd's rpc.proto:
 *
 *     LeaseKeepAliveRequest  { int64 ID = 1; }
 *     LeaseKeepAliveResponse { ResponseHeader header = 1; int64 ID = 2; int64 TTL = 3; }
 *
 * The call ends with trailers whose grpc-status is 0 when all went well.
 *
 * Each stream has an HTTP/2 connection of its own: streams are opened only
 * when the previous one failed or went silent, and a silent one may sit on
 * a dead connection, which must not be reused. Successive streams try the
 * endpoints in turn.
 */
import { EventEmitter } from 'node:events';
import * as http2 from 'node:http2';
import type { KeepAliveAnswer, KeepAliveStream } from './lease-keepalive';

const PATH = '/etcdserverpb.Lease/LeaseKeepAlive';
const PREFIX_BYTES = 5;

export class GrpcLeaseKeepAlive {
  private nextEndpoint = 0;

  constructor(private readonly endpoints: readonly string[]) {
    if (endpoints.length === 0) throw new Error('GrpcLeaseKeepAlive needs at least one endpoint');
  }

  /** A new keepalive stream on a connection of its own to the next endpoint. */
  open(): Promise<KeepAliveStream> {
    const endpoint = this.endpoints[this.nextEndpoint] as string;
    this.nextEndpoint = (this.nextEndpoint + 1) % this.endpoints.length;
    return Promise.resolve(new GrpcKeepAliveStream(endpoint));
  }
}

/** One LeaseKeepAlive call: renewals written, answers emitted as 'data', then 'error' or 'end'. */
class GrpcKeepAliveStream extends EventEmitter implements KeepAliveStream {
  private readonly session: http2.ClientHttp2Session;
  private readonly call: http2.ClientHttp2Stream;
  private received: Buffer = Buffer.alloc(0);
  private finished = false;

  constructor(endpoint: string) {
    super();
    this.session = http2.connect(endpoint);
    // A connection that fails also fails the call, which reports it.
    this.session.on('error', () => undefined);
    this.call = this.session.request({ ':method': 'POST', ':path': PATH, 'content-type': 'application/grpc', te: 'trailers' });
    this.call.on('response', (headers) => {
      // A call refused at once answers with headers only ("trailers-only").
      if (headers['grpc-status'] !== undefined) this.ended(headers);
      else if (headers[':status'] !== 200) this.fail(new Error(`etcd answered the lease keepalive call with HTTP status ${headers[':status']}`));
    });
    this.call.on('data', (chunk: Buffer) => this.onData(chunk));
    this.call.on('trailers', (trailers) => this.ended(trailers));
    this.call.on('error', (err) => this.fail(err));
    this.call.on('close', () => this.fail(new Error('the lease keepalive call closed')));
  }

  write(request: { ID: string }): void {
    if (this.finished) return;
    const message = encodeKeepAliveRequest(request.ID);
    const framed = Buffer.allocUnsafe(PREFIX_BYTES + message.length);
    framed[0] = 0;
    framed.writeUInt32BE(message.length, 1);
    message.copy(framed, PREFIX_BYTES);
    this.call.write(framed);
  }

  cancel(): void {
    this.finished = true;
    this.call.close(http2.constants.NGHTTP2_CANCEL);
    this.session.destroy();
  }

  private onData(chunk: Buffer): void {
    this.received = this.received.length === 0 ? chunk : Buffer.concat([this.received, chunk]);
    while (this.received.length >= PREFIX_BYTES) {
      const length = this.received.readUInt32BE(1);
      if (this.received.length < PREFIX_BYTES + length) return;
      const message = this.received.subarray(PREFIX_BYTES, PREFIX_BYTES + length);
      this.received = this.received.subarray(PREFIX_BYTES + length);
      let answer: KeepAliveAnswer;
      try {
        answer = decodeKeepAliveResponse(message);
      } catch (err) {
        this.fail(err as Error);
        return;
      }
      if (!this.finished) this.emit('data', answer);
    }
  }

  private ended(headers: http2.IncomingHttpHeaders): void {
    const status = headers['grpc-status'];
    if (status === undefined || status === '0') this.finish(() => this.emit('end'));
    else this.fail(new Error(`etcd ended the lease keepalive call: grpc-status ${String(status)} ${decodeURIComponent(String(headers['grpc-message'] ?? ''))}`.trim()));
  }

  private fail(err: Error): void {
    this.finish(() => this.emit('error', err));
  }

  private finish(report: () => void): void {
    if (this.finished) return;
    this.finished = true;
    this.session.destroy();
    report();
  }
}

/** LeaseKeepAliveRequest { int64 ID = 1; }: the field's tag, then the id as a varint (two's complement, 64 bits). */
export function encodeKeepAliveRequest(id: string): Buffer {
  const bytes: number[] = [0x08];
  let v = BigInt.asUintN(64, BigInt(id));
  do {
    const low = Number(v & 0x7fn);
    v >>= 7n;
    bytes.push(v === 0n ? low : low | 0x80);
  } while (v !== 0n);
  return Buffer.from(bytes);
}

/** LeaseKeepAliveResponse: ID (2) and TTL (3) as decimal strings, as the etcd3 client gives them; other fields skipped. */
export function decodeKeepAliveResponse(message: Buffer): KeepAliveAnswer {
  let pos = 0;
  const varint = (): bigint => {
    let value = 0n;
    for (let shift = 0n; ; shift += 7n) {
      if (pos >= message.length || shift > 63n) throw new Error('a malformed varint in a LeaseKeepAliveResponse');
      const b = message[pos++] as number;
      value |= BigInt(b & 0x7f) << shift;
      if ((b & 0x80) === 0) return value;
    }
  };
  let id = '0';
  let ttl = '0';
  while (pos < message.length) {
    const key = Number(varint());
    const field = key >>> 3;
    const wireType = key & 7;
    if (wireType === 0) {
      const value = BigInt.asIntN(64, varint()).toString();
      if (field === 2) id = value;
      else if (field === 3) ttl = value;
    } else if (wireType === 2) {
      const length = Number(varint());
      pos += length;
    } else if (wireType === 1) {
      pos += 8;
    } else if (wireType === 5) {
      pos += 4;
    } else {
      throw new Error(`a field of wire type ${wireType} in a LeaseKeepAliveResponse`);
    }
    if (pos > message.length) throw new Error('a LeaseKeepAliveResponse cut short');
  }
  return { ID: id, TTL: ttl };
}
