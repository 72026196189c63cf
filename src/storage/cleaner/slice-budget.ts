import { monotonicMs } from '../../time/monotonic-clock';

/**
 * How much one slice of cleaning may do before it yields the event loop: a
 * number of bytes read and a wall-clock deadline, whichever comes first. The
 * bytes bound keeps tests deterministic; the deadline keeps a slice short on
 * slow batches (compressed, many tiny records).
 */
export class SliceBudget {
  private bytesLeft: number;
  private readonly deadline: number;
  /** Bytes spent in this slice. */
  spentBytes = 0;

  constructor(
    maxBytes: number,
    maxMs: number,
    private readonly clock: () => number = monotonicMs,
  ) {
    this.bytesLeft = maxBytes;
    this.deadline = clock() + maxMs;
  }

  /** Records `bytes` of work done. */
  spend(bytes: number): void {
    this.bytesLeft -= bytes;
    this.spentBytes += bytes;
  }

  /** True while the slice may do more. */
  get remains(): boolean {
    return this.bytesLeft > 0 && this.clock() < this.deadline;
  }
}
