/**
 * The one place that opens an etcd client (the `etcd3` package) and decides
 * how it behaves when etcd is slow, gone or back.
 *
 * etcd3's defaults suit a service that wants every call to eventually
 * succeed; a broker wants the opposite, to know quickly and decide itself:
 * - no hidden retries (etcd3 retries a failed call 3 times and opens a 5 s
 *   circuit breaker after 3 failures): a retried conditional write can turn
 *   a success whose answer was lost into a refusal, and a breaker would
 *   delay noticing that etcd is back by up to 5 s. Callers retry where it
 *   is safe (reads, keepalives, watches) on their own short backoff.
 * - every unary call has a deadline (`requestTimeoutMs`): a frozen etcd
 *   (SIGSTOP, a dead network path) accepts TCP but never answers.
 * - gRPC reconnects within 100 ms-1 s instead of backing off to 2 minutes,
 *   and pings every 5 s (etcd's --grpc-keepalive-min-time; pinging faster
 *   makes etcd drop the connection) to notice a dead connection.
 * - no gRPC message size cap on what we receive: a paged range read of the
 *   metadata log can exceed the 4 MiB default.
 * Streams (watch, lease keepalive) have no deadline; their owners notice
 * silence themselves.
 */
import { ConstantBackoff, noop } from 'cockatiel';
import { Etcd3 } from 'etcd3';

export interface EtcdClientOptions {
  /** etcd client URLs (`etcd.endpoints`), e.g. `http://127.0.0.1:2379`. */
  readonly endpoints: readonly string[];
  /** Deadline of each unary call. */
  readonly requestTimeoutMs?: number;
}

export const DEFAULT_ETCD_REQUEST_TIMEOUT_MS = 5000;

export function connectEtcd(options: EtcdClientOptions): Etcd3 {
  if (options.endpoints.length === 0) throw new Error('connectEtcd needs at least one endpoint');
  const timeout = options.requestTimeoutMs ?? DEFAULT_ETCD_REQUEST_TIMEOUT_MS;
  return new Etcd3({
    hosts: [...options.endpoints],
    dialTimeout: timeout,
    defaultCallOptions: (context) => (context.isStream ? {} : { deadline: Date.now() + timeout }),
    faultHandling: {
      host: () => noop,
      global: noop,
      // Watches are re-established by PrefixWatch on its own backoff; this
      // only paces etcd3's internal stream restarts.
      watchBackoff: new ConstantBackoff(100).next(),
    },
    grpcOptions: {
      'grpc.initial_reconnect_backoff_ms': 100,
      'grpc.min_reconnect_backoff_ms': 100,
      'grpc.max_reconnect_backoff_ms': 1000,
      'grpc.keepalive_time_ms': 5000,
      'grpc.keepalive_timeout_ms': 3000,
      'grpc.max_receive_message_length': -1,
    },
  });
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
