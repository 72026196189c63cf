/**
 * The thread that renews a broker's etcd lease (see lease-keepalive-thread.ts):
 * its own etcd connection (the keepalive call alone, lease-keepalive-grpc.ts,
 * not the whole client), the renewal loop, and the deadline published in
 * the shared slot (only ever raised, with a compare-and-swap, so a late
 * answer to an older renewal never lowers it).
 */
import { parentPort, workerData } from 'node:worker_threads';
import { LeaseKeepAlive } from './lease-keepalive';
import { GrpcLeaseKeepAlive } from './lease-keepalive-grpc';
import type { LeaseKeepAliveMessage, LeaseKeepAliveWorkerData } from './lease-keepalive-thread';
import { monotonicMs } from '../../time/monotonic-clock';

const data = workerData as LeaseKeepAliveWorkerData;
const deadline = new BigInt64Array(data.deadline);
const post = (m: LeaseKeepAliveMessage) => parentPort?.postMessage(m);
const etcd = new GrpcLeaseKeepAlive(data.endpoints);

function raiseDeadline(untilMs: number): void {
  const next = BigInt(Math.floor(untilMs * 1000));
  for (;;) {
    const current = Atomics.load(deadline, 0);
    if (next <= current) return;
    if (Atomics.compareExchange(deadline, 0, current, next) !== current) continue;
    // The deadline had passed: the broker's thread went `unknown` and wants
    // to hear at once that the lease survived.
    if (Number(current) / 1000 <= monotonicMs()) post({ type: 'renewed' });
    return;
  }
}

const keepAlive = new LeaseKeepAlive({
  openStream: () => etcd.open(),
  leaseId: data.leaseId,
  ttlMs: data.ttlMs,
  intervalMs: data.intervalMs,
  now: monotonicMs,
  onRenewed: raiseDeadline,
  onLost: (reason) => post({ type: 'lost', reason }),
  // As etcd-client's describeEtcdError, which this thread does not load.
  debug: (message, err) => post({ type: 'debug', message, err: err instanceof Error ? `${err.name}: ${err.message}` : String(err) }),
  // This thread lives until the broker terminates it.
  timerKeepsThreadAlive: true,
});
keepAlive.start();
