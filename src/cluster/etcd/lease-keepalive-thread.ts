/**
 * Renews a broker's etcd lease from a thread of its own, as Kafka's broker
 * heartbeats from a thread of its own: a broker whose event loop is busy
 * for a few seconds (opening thousands of logs at start, creating them for
 * a large topic, applying the leadership moves that follow) is still alive,
 * and the cluster must not take it for dead and move its partitions, which
 * made it stall again.
 *
 * The thread (lease-keepalive-worker.ts) runs the same renewal loop as the
 * event loop would (lease-keepalive.ts) on an etcd connection of its own,
 * and publishes the lease's deadline in shared memory, so the broker reads
 * it without waiting for a message: a broker that stalled reads at once
 * how long its lease is certainly alive, whatever its queue holds. A
 * stopped process (SIGSTOP) stops both threads, so fencing is unchanged:
 * the deadline only moves while the renewing thread runs and etcd answers.
 */
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';

export interface LeaseKeepAliveThreadOptions {
  /** etcd client URLs: the thread opens its own connection. */
  readonly endpoints: readonly string[];
  readonly leaseId: string;
  readonly ttlMs: number;
  readonly intervalMs: number;
  /** The deadline known when the lease was granted (monotonic ms). */
  readonly initialDeadline: number;
  readonly onLost: (reason: string) => void;
  /** A renewal answered after the deadline had passed (the lease survived). */
  readonly onRenewedAfterDeadline: () => void;
  readonly debug?: (message: string, err: string) => void;
}

/** What the worker posts to the broker's thread. */
export type LeaseKeepAliveMessage = { type: 'lost'; reason: string } | { type: 'renewed' } | { type: 'debug'; message: string; err: string };

/** What the worker is started with. */
export interface LeaseKeepAliveWorkerData {
  endpoints: string[];
  leaseId: string;
  ttlMs: number;
  intervalMs: number;
  /** One BigInt64 slot: the deadline in monotonic microseconds, raised by the worker only. */
  deadline: SharedArrayBuffer;
}

export class LeaseKeepAliveThread {
  private constructor(
    private readonly worker: Worker,
    private readonly deadlineMicros: BigInt64Array,
  ) {}

  static start(o: LeaseKeepAliveThreadOptions): LeaseKeepAliveThread {
    const shared = new SharedArrayBuffer(8);
    const deadlineMicros = new BigInt64Array(shared);
    Atomics.store(deadlineMicros, 0, BigInt(Math.floor(o.initialDeadline * 1000)));
    const workerData: LeaseKeepAliveWorkerData = {
      endpoints: [...o.endpoints],
      leaseId: o.leaseId,
      ttlMs: o.ttlMs,
      intervalMs: o.intervalMs,
      deadline: shared,
    };
    const worker = new Worker(workerScript(), { workerData, stdout: false, stderr: false });
    worker.unref();
    worker.on('message', (m: LeaseKeepAliveMessage) => {
      if (m.type === 'lost') o.onLost(m.reason);
      else if (m.type === 'renewed') o.onRenewedAfterDeadline();
      else o.debug?.(m.message, m.err);
    });
    worker.on('error', (err) => {
      // The renewing thread died: nothing renews the lease any more, so the
      // deadline stops moving and the session goes unknown, then lost.
      o.debug?.('the etcd lease keepalive thread failed', String(err));
    });
    return new LeaseKeepAliveThread(worker, deadlineMicros);
  }

  /** Monotonic ms until which the lease is certainly alive. */
  deadline(): number {
    return Number(Atomics.load(this.deadlineMicros, 0)) / 1000;
  }

  async stop(): Promise<void> {
    await this.worker.terminate();
  }
}

/**
 * The compiled worker beside this module. Under the test runner this module
 * runs from src/ as TypeScript, which a worker cannot load: the worker is
 * then the build's (`npm test` builds dist/ before running).
 */
function workerScript(): string {
  const beside = path.join(__dirname, 'lease-keepalive-worker.js');
  if (existsSync(beside)) return beside;
  return beside.replace(`${path.sep}src${path.sep}`, `${path.sep}dist${path.sep}`);
}
