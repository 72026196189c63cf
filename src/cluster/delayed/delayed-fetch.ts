/**
 * A fetch waiting for data (Kafka's DelayedFetch): it answers as soon as a
 * read of its partitions finds at least `minBytes` below their bounds, or
 * hits an error (a partition gone, moved, fenced or out of range), and at
 * the latest when `maxWaitMs` runs out, with whatever is readable then.
 * The replica manager tries it again whenever one of its partitions gets
 * an append or a higher high watermark; nothing polls. A try first asks
 * whether a read could find anything at all (offsets compared, nothing
 * read), as Kafka's tryComplete looks at offsets before it reads.
 */
import { DelayedOperation } from './delayed-operation';

/** What one read of a fetch's partitions found. */
export interface FetchReadOutcome {
  /** Record bytes the read returned. */
  readonly bytes: number;
  /** A partition answered an error: no point waiting. */
  readonly hasError: boolean;
}

export class DelayedFetch<R extends FetchReadOutcome> extends DelayedOperation {
  private ready: R | null = null;

  constructor(
    maxWaitMs: number,
    private readonly minBytes: number,
    private readonly read: () => R,
    /** Drops a read that is not answered (a short one): its file regions are released. */
    private readonly discard: (result: R) => void,
    private readonly respond: (result: R) => void,
    /** False when a read cannot find anything (every partition idle at its offset): the read is skipped. */
    private readonly mayComplete: () => boolean = () => true,
  ) {
    super(maxWaitMs);
  }

  tryComplete(): boolean {
    if (!this.mayComplete()) return false;
    const r = this.read();
    if (r.bytes < this.minBytes && !r.hasError) {
      this.discard(r);
      return false;
    }
    this.ready = r;
    return this.forceComplete();
  }

  protected onComplete(): void {
    // At the timeout (or shutdown) nothing was read yet: read what there is now.
    this.respond(this.ready ?? this.read());
  }
}
