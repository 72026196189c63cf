/**
 * The one place that opens an etcd client and decides how it behaves when
 * etcd is slow, gone or back.
 *
 * The client speaks etcd's gRPC API itself (etcd-grpc-connection.ts over
 * node:http2, etcd-protobuf.ts for the messages) rather than through the
 * etcd3 package: Weir uses a handful of etcd's calls, and loading etcd3
 * (grpc-js, and protobufjs parsing etcd's .proto files at require time) cost
 * each cluster broker ~100 ms of CPU and ~23 MB of memory at start.
 *
 * A general-purpose client's defaults suit a service that wants every call
 * to eventually succeed; a broker wants the opposite, to know quickly and
 * decide itself:
 * - no hidden retries: a retried conditional write can turn a success
 *   whose answer was lost into a refusal. Callers retry where it is safe
 *   (reads, keepalives, watches) on their own short backoff. Only opening a
 *   connection moves on to the next endpoint, since nothing reached etcd.
 * - every unary call has a deadline (`requestTimeoutMs`): a frozen etcd
 *   (SIGSTOP, a dead network path) accepts TCP but never answers.
 * - a lost connection is replaced by the next call, at once, rather than
 *   after a growing backoff; and while calls are open the connection is
 *   pinged every 5 s (etcd's --grpc-keepalive-min-time; pinging faster
 *   makes etcd drop the connection), 3 s to answer, to notice a dead one.
 * - no size cap on what we receive: a paged range read of the metadata log
 *   can exceed gRPC's customary 4 MiB.
 * Streams (watch, lease keepalive) have no deadline; their owners notice
 * silence themselves.
 *
 * The calls and their messages keep the etcd3 client's names and shapes
 * (`client.kv.range({ key, range_end })`, int64s as decimal strings), which
 * Weir's etcd code was first written against.
 */
import { EtcdGrpcConnection } from './etcd-grpc-connection';
import * as m from './etcd-messages';
import { EtcdWatch, type WatchOptions } from './etcd-watch';
import type { KeepAliveStream } from './lease-keepalive';
import { GrpcLeaseKeepAlive } from './lease-keepalive-grpc';

export interface EtcdClientOptions {
  /** etcd client URLs (`etcd.endpoints`), e.g. `http://127.0.0.1:2379`. */
  readonly endpoints: readonly string[];
  /** Deadline of each unary call. */
  readonly requestTimeoutMs?: number;
}

export const DEFAULT_ETCD_REQUEST_TIMEOUT_MS = 5000;

export function connectEtcd(options: EtcdClientOptions): EtcdClient {
  if (options.endpoints.length === 0) throw new Error('connectEtcd needs at least one endpoint');
  return new EtcdClient(options.endpoints, options.requestTimeoutMs ?? DEFAULT_ETCD_REQUEST_TIMEOUT_MS);
}

/** etcd's KV service: reads, writes and transactions. */
export interface EtcdKv {
  range(req: m.IRangeRequest): Promise<m.IRangeResponse>;
  put(req: m.IPutRequest): Promise<m.IPutResponse>;
  deleteRange(req: m.IDeleteRangeRequest): Promise<m.IDeleteRangeResponse>;
  txn(req: m.ITxnRequest): Promise<m.ITxnResponse>;
  compact(req: m.ICompactionRequest): Promise<m.ICompactionResponse>;
}

/** etcd's Lease service. */
export interface EtcdLeases {
  leaseGrant(req: m.ILeaseGrantRequest): Promise<m.ILeaseGrantResponse>;
  leaseRevoke(req: m.ILeaseRevokeRequest): Promise<m.ILeaseRevokeResponse>;
  leaseTimeToLive(req: m.ILeaseTimeToLiveRequest): Promise<m.ILeaseTimeToLiveResponse>;
  /** A renewal stream on a connection of its own (lease-keepalive-grpc.ts says why), to the endpoints in turn. */
  leaseKeepAlive(): Promise<KeepAliveStream>;
}

export class EtcdClient {
  readonly kv: EtcdKv;
  readonly leaseClient: EtcdLeases;
  private readonly connection: EtcdGrpcConnection;

  constructor(endpoints: readonly string[], requestTimeoutMs: number) {
    const connection = new EtcdGrpcConnection({ endpoints, requestTimeoutMs });
    this.connection = connection;
    const kv = (method: string) => `/etcdserverpb.KV/${method}`;
    const lease = (method: string) => `/etcdserverpb.Lease/${method}`;
    this.kv = {
      range: (req) => connection.unary(kv('Range'), m.RangeRequest, m.RangeResponse, req),
      put: (req) => connection.unary(kv('Put'), m.PutRequest, m.PutResponse, req),
      deleteRange: (req) => connection.unary(kv('DeleteRange'), m.DeleteRangeRequest, m.DeleteRangeResponse, req),
      txn: (req) => connection.unary(kv('Txn'), m.TxnRequest, m.TxnResponse, req),
      compact: (req) => connection.unary(kv('Compact'), m.CompactionRequest, m.CompactionResponse, req),
    };
    const keepAlives = new GrpcLeaseKeepAlive(endpoints);
    this.leaseClient = {
      leaseGrant: (req) => connection.unary(lease('LeaseGrant'), m.LeaseGrantRequest, m.LeaseGrantResponse, req),
      leaseRevoke: (req) => connection.unary(lease('LeaseRevoke'), m.LeaseRevokeRequest, m.LeaseRevokeResponse, req),
      leaseTimeToLive: (req) => connection.unary(lease('LeaseTimeToLive'), m.LeaseTimeToLiveRequest, m.LeaseTimeToLiveResponse, req),
      leaseKeepAlive: () => keepAlives.open(),
    };
  }

  /** Watches a key, or the range [key, range_end), from `start_revision`. */
  watch(options: WatchOptions): EtcdWatch {
    return new EtcdWatch(this.connection, options);
  }

  /** Closes the connection: open calls fail, watches end quietly, later calls fail. */
  close(): void {
    this.connection.close();
  }
}

/** etcd refused a read or watch because the revision asked for was compacted away. */
export function isCompactedError(err: unknown): boolean {
  return err instanceof Error && /required revision has been compacted/.test(err.message);
}

/** etcd no longer knows the lease (expired or revoked). */
export function isLeaseNotFoundError(err: unknown): boolean {
  return err instanceof Error && /requested lease not found/.test(err.message);
}

/** A short description of an etcd error for one log line. */
export function describeEtcdError(err: unknown): string {
  if (err instanceof Error) return `${err.name}: ${err.message}`;
  return String(err);
}
