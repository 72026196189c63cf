/**
 * Milliseconds on the process-wide monotonic clock (CLOCK_MONOTONIC through
 * process.hrtime): it does not jump with wall-clock changes and runs on
 * while the process is stopped (SIGSTOP). Unlike performance.now, whose
 * origin is each thread's own start, it reads the same in every thread,
 * so a deadline computed by the lease-keepalive thread means the same on
 * the broker's event loop.
 */
export function monotonicMs(): number {
  return Number(process.hrtime.bigint()) / 1e6;
}
