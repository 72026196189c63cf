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
 * - Times are read from the process's monotonic clock (monotonic-clock.ts):
 *   it does not jump with wall-clock changes and keeps running while the
 *   process is stopped (SIGSTOP), so a process resumed after a long stop
 *   sees at once that its deadline has passed. (Not while the machine itself is
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
 * Renewals run on the event loop, or (`keepAliveThread`, what a broker
 * does) in a thread of their own with the deadline in shared memory, so
 * that a busy event loop does not cost the broker its session
 * (lease-keepalive-thread.ts).
 *
 * `isAlive()` is a clock comparison, cheap enough to call before every
 * action that depends on the lease; the state-change listeners are for
 * reacting promptly (they fire from a timer, so after a SIGSTOP they may
 * run after other queued work: check `isAlive()`, do not rely on them).
 */
import type { Logger } from '../../logger';
import { describeEtcdError, type EtcdClient } from './etcd-client';
import { LeaseKeepAlive } from './lease-keepalive';
import { LeaseKeepAliveThread } from './lease-keepalive-thread';
import { monotonicMs } from '../../time/monotonic-clock';

export type SessionState = 'alive' | 'unknown' | 'lost' | 'closed';

export interface EtcdSessionOptions {
  /** `broker.session.timeout.ms`: the lease TTL (rounded up to whole seconds). */
  readonly sessionTimeoutMs: number;
  /** `broker.heartbeat.interval.ms`: renewal interval (capped at a third of the TTL). */
  readonly heartbeatIntervalMs: number;
  /**
   * Renew from a thread of its own, connected to these etcd endpoints (the
   * client's own): a broker's choice. Without it renewals run on the event loop.
   */
  readonly keepAliveThread?: { readonly endpoints: readonly string[] };
  /** Monotonic milliseconds, on monotonic-clock's scale (the renewing thread's); monotonicMs by default. */
  readonly now?: () => number;
  readonly log?: Logger | null;
}

export type SessionStateListener = (state: SessionState, previous: SessionState) => void;

export class EtcdSession {
  /** The deadline learned on this thread (at the grant, and from renewals run here). */
  private knownUntil: number;
  private final: 'lost' | 'closed' | null = null;
  private reported: SessionState = 'alive';
  private readonly listeners = new Set<SessionStateListener>();
  private keepAlive: LeaseKeepAlive | null = null;
  private thread: LeaseKeepAliveThread | null = null;
  /** With the renewing thread: reports state changes on this thread's clock. */
  private reportTimer: NodeJS.Timeout | null = null;
  private expiryTimer: NodeJS.Timeout | null = null;

  private constructor(
    private readonly client: EtcdClient,
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
  static async open(client: EtcdClient, options: EtcdSessionOptions): Promise<EtcdSession> {
    const now = options.now ?? monotonicMs;
    const ttlSeconds = Math.max(1, Math.ceil(options.sessionTimeoutMs / 1000));
    const sentAt = now();
    const granted = await client.leaseClient.leaseGrant({ TTL: ttlSeconds });
    if (granted.error) throw new Error(`etcd refused a lease: ${granted.error}`);
    const ttlMs = Number(granted.TTL) * 1000;
    const interval = Math.max(1, Math.min(options.heartbeatIntervalMs, Math.floor(ttlMs / 3)));
    const session = new EtcdSession(client, granted.ID, ttlMs, interval, sentAt, now, options.log ?? null);
    session.start(options.keepAliveThread?.endpoints ?? null);
    return session;
  }

  /** Monotonic time (the session's clock) until which the lease is certainly alive. */
  get deadline(): number {
    return this.thread ? Math.max(this.knownUntil, this.thread.deadline()) : this.knownUntil;
  }

  get state(): SessionState {
    if (this.final) return this.final;
    return this.now() < this.deadline ? 'alive' : 'unknown';
  }

  /** True while the lease is certainly alive (see the file header). */
  isAlive(): boolean {
    return this.final === null && this.now() < this.deadline;
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

  private start(threadEndpoints: readonly string[] | null): void {
    const debug = (message: string, err: unknown) => this.log?.debug({ leaseId: this.leaseId, err: typeof err === 'string' ? err : describeEtcdError(err) }, message);
    if (threadEndpoints) {
      this.thread = LeaseKeepAliveThread.start({
        endpoints: threadEndpoints,
        leaseId: this.leaseId,
        ttlMs: this.ttlMs,
        intervalMs: this.intervalMs,
        initialDeadline: this.knownUntil,
        onLost: (reason) => this.markLost(reason),
        onRenewedAfterDeadline: () => {
          this.report();
          this.armExpiry();
        },
        debug,
      });
      // Runs first after a resume from SIGSTOP or a stall: report what the
      // clock says before anything else is decided on a stale state.
      this.reportTimer = setInterval(() => {
        this.report();
        this.armExpiry();
      }, this.intervalMs);
      this.reportTimer.unref();
    } else {
      this.keepAlive = new LeaseKeepAlive({
        openStream: () => this.client.leaseClient.leaseKeepAlive(),
        leaseId: this.leaseId,
        ttlMs: this.ttlMs,
        intervalMs: this.intervalMs,
        now: this.now,
        onRenewed: (until) => {
          this.knownUntil = Math.max(this.knownUntil, until);
          this.armExpiry();
          this.report();
        },
        onLost: (reason) => this.markLost(reason),
        beforeRenewal: () => this.report(),
        debug,
      });
      this.keepAlive.start();
    }
    this.armExpiry();
  }

  private stop(): void {
    this.keepAlive?.stop();
    this.keepAlive = null;
    void this.thread?.stop();
    this.thread = null;
    if (this.reportTimer) clearInterval(this.reportTimer);
    if (this.expiryTimer) clearTimeout(this.expiryTimer);
    this.reportTimer = null;
    this.expiryTimer = null;
  }

  /** A timer at the deadline, so that listeners hear of `unknown` without waiting for the next renewal. */
  private armExpiry(): void {
    if (this.final) return;
    if (this.expiryTimer) clearTimeout(this.expiryTimer);
    const wait = Math.max(0, this.deadline - this.now()) + 1;
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
