/**
 * A rate over a sliding window of samples, computed exactly as Kafka's
 * metrics Rate over a SampledStat (the measure its quota sensors check):
 * `samples` windows of `windowMs` each (quota.window.num, 11, and
 * quota.window.size.seconds, 1 s, for client quotas), plus one overlapping
 * sample. A window with less than `samples - 1` full windows of history
 * counts as that many anyway, so a client's first burst is not measured
 * over a few milliseconds.
 */

export interface RateConfig {
  samples: number;
  windowMs: number;
}

interface Sample {
  value: number;
  startTimeMs: number;
  lastEventMs: number;
}

export class SampledRate {
  private readonly samples: Sample[] = [];
  private current = 0;

  constructor(private readonly config: RateConfig) {}

  record(value: number, nowMs: number): void {
    let sample = this.currentSample(nowMs);
    if (nowMs - sample.startTimeMs >= this.config.windowMs) sample = this.advance(nowMs);
    sample.value += value;
    sample.lastEventMs = nowMs;
  }

  /** Units per second over the window. */
  measure(nowMs: number): number {
    this.purgeObsolete(nowMs);
    const total = this.samples.reduce((sum, s) => sum + s.value, 0);
    return total / (this.windowSizeMs(nowMs) / 1000);
  }

  /** Kafka's Rate.windowSize: elapsed time since the oldest sample, at least samples-1 full windows, at least 1 ms. */
  windowSizeMs(nowMs: number): number {
    this.purgeObsolete(nowMs);
    let elapsed = nowMs - this.oldest(nowMs).startTimeMs;
    const fullWindows = Math.floor(elapsed / this.config.windowMs);
    const minFullWindows = this.config.samples - 1;
    if (fullWindows < minFullWindows) elapsed += (minFullWindows - fullWindows) * this.config.windowMs;
    return Math.max(elapsed, 1);
  }

  private currentSample(nowMs: number): Sample {
    if (this.samples.length === 0) this.samples.push({ value: 0, startTimeMs: nowMs, lastEventMs: nowMs });
    return this.samples[this.current]!;
  }

  private advance(nowMs: number): Sample {
    // One extra slot for the sample that overlaps the start of the window.
    this.current = (this.current + 1) % (this.config.samples + 1);
    if (this.current >= this.samples.length) {
      const s = { value: 0, startTimeMs: nowMs, lastEventMs: nowMs };
      this.samples.push(s);
      return s;
    }
    const s = this.samples[this.current]!;
    reset(s, nowMs);
    return s;
  }

  private oldest(nowMs: number): Sample {
    const first = this.currentSample(nowMs);
    return this.samples.reduce((o, s) => (s.startTimeMs < o.startTimeMs ? s : o), first);
  }

  private purgeObsolete(nowMs: number): void {
    const expireAge = this.config.samples * this.config.windowMs;
    for (const s of this.samples) if (nowMs - s.lastEventMs >= expireAge) reset(s, nowMs);
  }
}

function reset(s: Sample, nowMs: number): void {
  s.value = 0;
  s.startTimeMs = nowMs;
  s.lastEventMs = nowMs;
}
