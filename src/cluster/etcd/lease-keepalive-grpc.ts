/**
 * etcd's LeaseKeepAlive call without the etcd3 client: the lease keepalive
 * thread (lease-keepalive-worker.ts) needs nothing else from etcd, and
 * loading etcd3 there (grpc-js, and protobufjs parsing etcd's .proto files)
 * cost every cluster broker about 100 ms of CPU at start and 19 MB of
 * memory for the thread (bench/RESULTS.md, "Starting a cluster"). The
 * broker's own event loop renews through it too when it renews itself
 * (etcd-client.ts's `leaseClient.leaseKeepAlive()`).
 *
 * The call is gRPC over node:http2 (etcd-grpc-connection.ts), its two small
 * messages those of etcd's rpc.proto (etcd-messages.ts):
 *
 *     LeaseKeepAliveRequest  { int64 ID = 1; }
 *     LeaseKeepAliveResponse { ResponseHeader header = 1; int64 ID = 2; int64 TTL = 3; }
 *
 * Each stream has an HTTP/2 connection of its own: streams are opened only
 * when the previous one failed or went silent, and a silent one may sit on
 * a dead connection, which must not be reused. Successive streams try the
 * endpoints in turn.
 */
import { EventEmitter } from 'node:events';
import { EtcdGrpcConnection, type GrpcStream } from './etcd-grpc-connection';
import { type ILeaseKeepAliveRequest, type ILeaseKeepAliveResponse, LeaseKeepAliveRequest, LeaseKeepAliveResponse } from './etcd-messages';
import { decodeMessage, encodeMessage } from './etcd-protobuf';
import type { KeepAliveAnswer, KeepAliveStream } from './lease-keepalive';

const PATH = '/etcdserverpb.Lease/LeaseKeepAlive';
/** How long opening a stream's connection may take before it counts as failed. */
const CONNECT_TIMEOUT_MS = 5000;

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
  private readonly connection: EtcdGrpcConnection;
  private readonly call: GrpcStream<ILeaseKeepAliveRequest, ILeaseKeepAliveResponse>;

  constructor(endpoint: string) {
    super();
    this.connection = new EtcdGrpcConnection({ endpoints: [endpoint], requestTimeoutMs: CONNECT_TIMEOUT_MS });
    this.call = this.connection.stream(PATH, LeaseKeepAliveRequest, LeaseKeepAliveResponse);
    this.call.on('data', (res: ILeaseKeepAliveResponse) => this.emit('data', { ID: res.ID, TTL: res.TTL }));
    this.call.on('error', (err: Error) => {
      this.connection.close();
      this.emit('error', err);
    });
    this.call.on('end', () => {
      this.connection.close();
      this.emit('end');
    });
  }

  write(request: { ID: string }): void {
    this.call.write({ ID: request.ID });
  }

  cancel(): void {
    this.call.cancel();
    this.connection.close();
  }
}

/** LeaseKeepAliveRequest's bytes: the id as field 1, a varint of its 64 bits. */
export function encodeKeepAliveRequest(id: string): Buffer {
  return encodeMessage(LeaseKeepAliveRequest, { ID: id });
}

/** LeaseKeepAliveResponse: ID and TTL as decimal strings, as the etcd3 client gave them; other fields skipped. */
export function decodeKeepAliveResponse(message: Buffer): KeepAliveAnswer {
  const res = decodeMessage<ILeaseKeepAliveResponse>(LeaseKeepAliveResponse, message);
  return { ID: res.ID, TTL: res.TTL };
}
