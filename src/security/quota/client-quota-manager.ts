/**
 * Throttling for one quota type, as Kafka's ClientQuotaManager decides it:
 * each request's amount (bytes produced or fetched, or request-handling time
 * as a percentage of one thread) is recorded in its bucket's rate (see
 * ClientQuotas.bucketFor); if the rate then exceeds the bucket's quota, the
 * throttle time is the time the bucket must stay idle to bring the rate back
 * to the quota:
 *
 *   throttle = (rate - quota) / quota * windowSize
 *
 * rounded to whole milliseconds (Kafka's QuotaUtils.throttleTime); request
 * quotas cap it at one window (quota.window.size.seconds). Since KIP-219
 * the broker answers at once with this throttle_time_ms and then mutes the
 * client's channel for that long; the muting belongs to the connection, the
 * numbers to this pure class (time is passed in).
 */
import { ClientQuotas, type QuotaBucket, type QuotaType } from './client-quotas';
import { type RateConfig, SampledRate } from './sampled-rate';

export interface QuotaWindow {
  /** quota.window.num (Kafka default 11). */
  samples: number;
  /** quota.window.size.seconds (Kafka default 1), in ms. */
  windowMs: number;
}

export const KAFKA_QUOTA_WINDOW: QuotaWindow = { samples: 11, windowMs: 1000 };

export class ClientQuotaManager {
  private readonly rates = new Map<string, SampledRate>();
  private readonly rateConfig: RateConfig;

  constructor(
    readonly type: QuotaType,
    private readonly quotas: ClientQuotas,
    window: QuotaWindow = KAFKA_QUOTA_WINDOW,
  ) {
    this.rateConfig = { samples: window.samples, windowMs: window.windowMs };
  }

  /** Whether any quota of this type is set at all (Kafka skips the bookkeeping otherwise). */
  get enabled(): boolean {
    return this.quotas.hasAny(this.type);
  }

  /**
   * The most a request may bring within one quota window (Kafka's
   * getMaxValueInQuotaWindow: quota x window), used to cap a fetch's size;
   * Infinity when no quota applies.
   */
  maxValueInQuotaWindow(user: string, clientId: string): number {
    const limit = this.quotas.limitFor(this.type, this.quotas.bucketFor(this.type, user, clientId));
    return limit === null ? Infinity : (limit * this.rateConfig.windowMs) / 1000;
  }

  /** Records `value` for this user and client id; returns the throttle time in ms (0: within quota). */
  recordAndGetThrottleTimeMs(user: string, clientId: string, value: number, nowMs: number): number {
    const bucket = this.quotas.bucketFor(this.type, user, clientId);
    const limit = this.quotas.limitFor(this.type, bucket);
    const rate = this.rateFor(bucket);
    rate.record(value, nowMs);
    if (limit === null) return 0;
    const measured = rate.measure(nowMs);
    if (measured <= limit) return 0;
    const throttle = Math.round(((measured - limit) / limit) * rate.windowSizeMs(nowMs));
    return this.type === 'request_percentage' ? Math.min(throttle, this.rateConfig.windowMs) : throttle;
  }

  /**
   * Takes back an amount recorded for a request that was not served after
   * all (Kafka's unrecordQuotaSensor: a throttled fetch answers empty).
   */
  unrecord(user: string, clientId: string, value: number, nowMs: number): void {
    this.rateFor(this.quotas.bucketFor(this.type, user, clientId)).record(-value, nowMs);
  }

  private rateFor(bucket: QuotaBucket): SampledRate {
    const k = `${bucket.user}\u0000${bucket.clientId}`;
    let r = this.rates.get(k);
    if (!r) this.rates.set(k, (r = new SampledRate(this.rateConfig)));
    return r;
  }
}

/**
 * KIP-219 channel muting: after a throttled response, the connection reads
 * nothing more from the client until the throttle time has passed (the
 * client backs off too, but one that does not is held anyway). Several
 * throttles extend to the latest end.
 */
export class ChannelThrottle {
  private mutedUntilMs = 0;

  throttle(throttleTimeMs: number, nowMs: number): void {
    if (throttleTimeMs > 0) this.mutedUntilMs = Math.max(this.mutedUntilMs, nowMs + throttleTimeMs);
  }

  /** Milliseconds until the channel may be read again; 0 when it is not muted. */
  remainingMs(nowMs: number): number {
    return Math.max(0, this.mutedUntilMs - nowMs);
  }
}
