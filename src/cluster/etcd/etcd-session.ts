/**
 * A broker's session with etcd: one lease, kept alive by this process, to
 * which the broker attaches its registration and its controller candidacy.
 * When the lease goes, both go with it, and the cluster treats the broker as
 * dead (Kafka's broker session; ZooKeeper's session in older Kafka).
 *
 * Timings are Kafka's keys: the lease's TTL is `broker.session.timeout.ms`
 * (rounded up to whole seconds, etcd's unit; etcd raises a TTL below its
 * minimum, 1.5 election timeouts), renewed every `broker.heartbeat.interval.ms`
 * (at most a third of the TTL, so one lost renewal never costs the lease).
 *
 * What this process knows, and when (the replication layer decides from
 * this when a leader must stop acting as leader):
 * - Times are read from a monotonic clock (performance.now): it does not
 *   jump with wall-clock changes and keeps running while the process is
 *   stopped (SIGSTOP), so a process resumed after a long stop sees at once
 *   that its deadline has passed. (Not while the machine itself is
 *   suspended: CLOCK_MONOTONIC stops then; a broker host is not expected to
 *   sleep.)
 * - `deadline`: when a renewal sent at local time `t` is answered with TTL
 *   `T`, etcd set the lease's expiry to at least (its time of receipt + T),
 *   and it received the request after `t`. So the lease is certainly alive
 *   until `t + T`, whatever the network delay: `deadline` is the latest such
 *   bound. etcd never shortens a lease (a new etcd leader, or etcd
 *   restarting, extends every lease by a full TTL), so the bound holds
 *   across etcd failovers. The only assumption is that the two clocks run at
 *   the same rate over one TTL (drift is parts per million).
 * - `alive` (now < deadline): nobody can have been told that this broker is
 *   dead; its keys are in etcd.
 * - `unknown` (deadline passed, no answer since): etcd may have expired the
 *   lease at any moment from `deadline` on (etcd checks every 500 ms), and
 *   the controller may then already have moved leadership away; or etcd may
 *   be down for everyone (then it expires nothing, and extends every lease
 *   when it returns). The broker cannot tell these apart, and must not act
 *   on anything it holds exclusively through the lease. A later answer from
 *   etcd makes it `alive` again: the lease survived, nobody saw it die.
 * - `lost`: etcd said the lease is gone (a renewal answered TTL 0, or a
 *   request using the lease was refused). Final: the broker's registration
 *   and candidacy are deleted; it must open a new session to rejoin, as a
 *   new incarnation with a new broker epoch.
 * - `closed`: this process ended the session (revoking the lease, which
 *   deletes its keys at once: a clean shutdown hands over immediately).
 *
 * `isAlive()` is a clock comparison, cheap enough to call before every
 * action that depends on the lease; the state-change listeners are for
 * reacting promptly (they fire from a timer, so after a SIGSTOP they may
 * run after other queued work: check `isAlive()`, do not rely on them).
 */
import { performance } from 'node:perf_hooks';
import type { Etcd3, IDuplexStream, ILeaseKeepAliveRequest, ILeaseKeepAliveResponse } from 'etcd3';
import type { Logger } from '../../logger';
import { describeEtcdError } from './etcd-client';

export type SessionState = 'alive' | 'unknown' | 'lost' | 'closed';

export interface EtcdSessionOptions {
  /** `broker.session.timeout.ms`: the lease TTL (rounded up to whole seconds). */
  readonly sessionTimeoutMs: number;
  /** `broker.heartbeat.interval.ms`: renewal interval (capped at a third of the TTL). */
  readonly heartbeatIntervalMs: number;
  /** Monotonic milliseconds; performance.now by default. */
  readonly now?: () => number;
  readonly log?: Logger | null;
}

export type SessionStateListener = (state: SessionState, previous: SessionState) => void;

type KeepAliveStream = IDuplexStream<ILeaseKeepAliveRequest, ILeaseKeepAliveResponse>;

export class EtcdSession {
  private knownUntil: number;
  private final: 'lost' | 'closed' | null = null;
  private reported: SessionState = 'alive';
  private readonly listeners = new Set<SessionStateListener>();
  private stream: KeepAliveStream | null = null;
  private opening = false;
  /** Send times of renewals not yet answered, oldest first (one stream answers in order). */
  private pending: number[] = [];
  private heartbeat: NodeJS.Timeout | null = null;
  private expiryTimer: NodeJS.Timeout | null = null;

  private constructor(
    private readonly client: Etcd3,
    /** etcd's lease id (int64, as a decimal string). */
    readonly leaseId: string,
    /** The TTL etcd granted, in ms (it may raise what was asked). */
    readonly ttlMs: number,
    private readonly intervalMs: number,
    grantSentAt: number,
    private readonly now: () => number,
    private readonly log: Logger | null,
  ) {
    this.knownUntil = grantSentAt + ttlMs;
  }

  /** Grants a lease and starts renewing it. */
  static async open(client: Etcd3, options: EtcdSessionOptions): Promise<EtcdSession> {
    const now = options.now ?? (() => performance.now());
    const ttlSeconds = Math.max(1, Math.ceil(options.sessionTimeoutMs / 1000));
    const sentAt = now();
    const granted = await client.leaseClient.leaseGrant({ TTL: ttlSeconds });
    if (granted.error) throw new Error(`etcd refused a lease: ${granted.error}`);
    const ttlMs = Number(granted.TTL) * 1000;
    const interval = Math.max(1, Math.min(options.heartbeatIntervalMs, Math.floor(ttlMs / 3)));
    const session = new EtcdSession(client, granted.ID, ttlMs, interval, sentAt, now, options.log ?? null);
    session.start();
    return session;
  }

  /** Monotonic time (the session's clock) until which the lease is certainly alive. */
  get deadline(): number {
    return this.knownUntil;
  }

  get state(): SessionState {
    if (this.final) return this.final;
    return this.now() < this.knownUntil ? 'alive' : 'unknown';
  }

  /** True while the lease is certainly alive (see the file header). */
  isAlive(): boolean {
    return this.final === null && this.now() < this.knownUntil;
  }

  /** Calls `listener` on every state change; returns a function that removes it. */
  onStateChange(listener: SessionStateListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** For users of the lease: etcd refused a request because the lease is gone. */
  markLost(reason: string): void {
    if (this.final) return;
    this.log?.warn({ leaseId: this.leaseId, reason }, 'etcd session lost');
    this.final = 'lost';
    this.stop();
    this.report();
  }

  /** Ends the session: stops renewing and revokes the lease (its keys are deleted at once). */
  async close(): Promise<void> {
    if (this.final === 'closed') return;
    const wasLost = this.final === 'lost';
    this.final = 'closed';
    this.stop();
    this.report();
    if (wasLost) return;
    try {
      await this.client.leaseClient.leaseRevoke({ ID: this.leaseId });
    } catch (err) {
      // etcd unreachable: the lease expires on its own within its TTL.
      this.log?.warn({ leaseId: this.leaseId, err: describeEtcdError(err) }, 'could not revoke the etcd lease; it will expire');
    }
  }

  private start(): void {
    this.heartbeat = setInterval(() => this.renew(), this.intervalMs);
    this.heartbeat.unref();
    this.armExpiry();
    this.renew();
  }

  private stop(): void {
    if (this.heartbeat) clearInterval(this.heartbeat);
    if (this.expiryTimer) clearTimeout(this.expiryTimer);
    this.heartbeat = null;
    this.expiryTimer = null;
    this.dropStream();
  }

  private renew(): void {
    if (this.final) return;
    // Runs first after a resume from SIGSTOP: report what the clock says
    // before anything else is decided on a stale state.
    this.report();
    const oldest = this.pending[0];
    if (oldest !== undefined && this.now() - oldest > this.ttlMs) {
      // Asked a whole TTL ago and never answered: the stream is dead
      // (etcd frozen, connection silently gone). Start over.
      this.dropStream();
    }
    if (!this.stream) {
      this.openStream();
      return;
    }
    this.pending.push(this.now());
    this.stream.write({ ID: this.leaseId });
  }

  private openStream(): void {
    if (this.opening || this.final) return;
    this.opening = true;
    this.client.leaseClient
      .leaseKeepAlive()
      .then((stream) => {
        this.opening = false;
        if (this.final) {
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
          this.log?.debug({ leaseId: this.leaseId, err: describeEtcdError(err) }, 'etcd lease keepalive stream failed');
          this.dropStream();
        });
        stream.on('end', () => {
          if (this.stream === stream) this.dropStream();
        });
        this.pending.push(this.now());
        stream.write({ ID: this.leaseId });
      })
      .catch((err: unknown) => {
        this.opening = false;
        this.log?.debug({ leaseId: this.leaseId, err: describeEtcdError(err) }, 'could not open an etcd lease keepalive stream');
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

  private answered(res: ILeaseKeepAliveResponse): void {
    const sentAt = this.pending.shift();
    if (this.final) return;
    if (Number(res.TTL) <= 0) {
      this.markLost('etcd answered a renewal with TTL 0: the lease has expired');
      return;
    }
    if (sentAt === undefined) return;
    this.knownUntil = Math.max(this.knownUntil, sentAt + Number(res.TTL) * 1000);
    this.armExpiry();
    this.report();
  }

  /** A timer at the deadline, so that listeners hear of `unknown` without waiting for the next renewal. */
  private armExpiry(): void {
    if (this.expiryTimer) clearTimeout(this.expiryTimer);
    const wait = Math.max(0, this.knownUntil - this.now()) + 1;
    this.expiryTimer = setTimeout(() => this.report(), wait);
    this.expiryTimer.unref();
  }

  private report(): void {
    const state = this.state;
    if (state === this.reported) return;
    const previous = this.reported;
    this.reported = state;
    if (state === 'unknown') this.log?.warn({ leaseId: this.leaseId }, 'etcd session: no renewal answered before the lease deadline');
    else if (state === 'alive' && previous === 'unknown') this.log?.info({ leaseId: this.leaseId }, 'etcd session renewed again');
    for (const listener of [...this.listeners]) {
      try {
        listener(state, previous);
      } catch (err) {
        this.log?.error({ err }, 'etcd session listener failed');
      }
    }
  }
}
