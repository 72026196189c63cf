/**
 * The renewal loop of one etcd lease: a keepalive stream on which a renewal
 * is written every interval. Each answer says for how long the lease lives
 * on from etcd's receipt of the renewal; since etcd received it after it was
 * sent, the lease is certainly alive until (send time + TTL), which is what
 * `onRenewed` reports. An answer with TTL 0 means etcd no longer has the
 * lease: `onLost`.
 *
 * It runs either on the broker's event loop or in a thread of its own
 * (lease-keepalive-thread.ts), which is why it reports through callbacks and
 * reads time from the process-wide monotonic clock (monotonic-clock.ts).
 */

/** What etcd answers a renewal: the lease's id and its new TTL in seconds (int64s as decimal strings; TTL 0: the lease is gone). */
export interface KeepAliveAnswer {
  readonly ID: string;
  readonly TTL: string;
}

/**
 * One LeaseKeepAlive call: renewals written, answers in order as 'data',
 * until 'error' or 'end': lease-keepalive-grpc.ts's, whether renewals run
 * on the broker's event loop (through the etcd client) or in the renewing
 * thread.
 */
export interface KeepAliveStream {
  write(request: { ID: string }): void;
  on(event: 'data', listener: (answer: KeepAliveAnswer) => void): unknown;
  on(event: 'error', listener: (err: Error) => void): unknown;
  on(event: 'end', listener: () => void): unknown;
  cancel(): void;
}

export interface LeaseKeepAliveOptions {
  /** Opens a keepalive stream (a new one after the last failed or went silent). */
  readonly openStream: () => Promise<KeepAliveStream>;
  /** etcd's lease id (int64, as a decimal string). */
  readonly leaseId: string;
  /** The lease's TTL in ms: a renewal unanswered for that long means the stream is dead. */
  readonly ttlMs: number;
  readonly intervalMs: number;
  /** Monotonic milliseconds. */
  readonly now: () => number;
  /** The lease is certainly alive until `until` (monotonic ms). */
  readonly onRenewed: (until: number) => void;
  /** etcd said the lease is gone. Renewals have stopped. */
  readonly onLost: (reason: string) => void;
  /** Called before each renewal is sent (the session reports a stale state first). */
  readonly beforeRenewal?: () => void;
  /** One line about a stream that failed or could not open (debug level). */
  readonly debug?: (message: string, err: unknown) => void;
  /**
   * Whether the renewal timer keeps its thread alive: not on the broker's
   * event loop (renewals must not keep a closing broker up), but in the
   * thread that exists only to renew.
   */
  readonly timerKeepsThreadAlive?: boolean;
}


export class LeaseKeepAlive {
  private stream: KeepAliveStream | null = null;
  private opening = false;
  private stopped = false;
  /** Send times of renewals not yet answered, oldest first (one stream answers in order). */
  private pending: number[] = [];
  private timer: NodeJS.Timeout | null = null;

  constructor(private readonly o: LeaseKeepAliveOptions) {}

  start(): void {
    this.timer = setInterval(() => this.renew(), this.o.intervalMs);
    if (!this.o.timerKeepsThreadAlive) this.timer.unref();
    this.renew();
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    this.dropStream();
  }

  private renew(): void {
    if (this.stopped) return;
    this.o.beforeRenewal?.();
    const oldest = this.pending[0];
    if (oldest !== undefined && this.o.now() - oldest > this.o.ttlMs) {
      // Asked a whole TTL ago and never answered: the stream is dead
      // (etcd frozen, connection silently gone). Start over.
      this.dropStream();
    }
    if (!this.stream) {
      this.openStream();
      return;
    }
    this.pending.push(this.o.now());
    this.stream.write({ ID: this.o.leaseId });
  }

  private openStream(): void {
    if (this.opening || this.stopped) return;
    this.opening = true;
    this.o
      .openStream()
      .then((stream) => {
        this.opening = false;
        if (this.stopped) {
          stream.cancel();
          return;
        }
        this.stream = stream;
        this.pending = [];
        stream.on('data', (res) => {
          if (this.stream === stream) this.answered(res);
        });
        stream.on('error', (err) => {
          if (this.stream !== stream) return;
          this.o.debug?.('etcd lease keepalive stream failed', err);
          this.dropStream();
        });
        stream.on('end', () => {
          if (this.stream === stream) this.dropStream();
        });
        this.pending.push(this.o.now());
        stream.write({ ID: this.o.leaseId });
      })
      .catch((err: unknown) => {
        this.opening = false;
        this.o.debug?.('could not open an etcd lease keepalive stream', err);
      });
  }

  private dropStream(): void {
    const stream = this.stream;
    this.stream = null;
    this.pending = [];
    if (stream) {
      try {
        stream.cancel();
      } catch {
        // already closed
      }
    }
  }

  private answered(res: KeepAliveAnswer): void {
    const sentAt = this.pending.shift();
    if (this.stopped) return;
    if (Number(res.TTL) <= 0) {
      this.stop();
      this.o.onLost('etcd answered a renewal with TTL 0: the lease has expired');
      return;
    }
    if (sentAt !== undefined) this.o.onRenewed(sentAt + Number(res.TTL) * 1000);
  }
}
