import type { ScheduledTimer, Scheduler } from './scheduler';

interface PendingTask {
  at: number;
  seq: number;
  task: () => void;
  cancelled: boolean;
}

/**
 * A fake clock for tests: time moves only when `advance` is called, and the
 * timers due by then run in deadline order (ties in scheduling order).
 */
export class ManualScheduler implements Scheduler {
  private time: number;
  private seq = 0;
  private pending: PendingTask[] = [];

  constructor(start = 1_700_000_000_000) {
    this.time = start;
  }

  now(): number {
    return this.time;
  }

  schedule(delayMs: number, task: () => void): ScheduledTimer {
    const entry: PendingTask = { at: this.time + Math.max(delayMs, 0), seq: this.seq++, task, cancelled: false };
    this.pending.push(entry);
    return {
      cancel: () => {
        entry.cancelled = true;
      },
    };
  }

  /** Moves the clock forward by `ms`, running every timer that falls due on the way. */
  advance(ms: number): void {
    const end = this.time + ms;
    for (;;) {
      this.pending = this.pending.filter((t) => !t.cancelled);
      const next = this.pending
        .filter((t) => t.at <= end)
        .sort((a, b) => a.at - b.at || a.seq - b.seq)[0];
      if (!next) break;
      this.pending.splice(this.pending.indexOf(next), 1);
      this.time = Math.max(this.time, next.at);
      next.task();
    }
    this.time = end;
  }

  /** Timers still waiting (for assertions that nothing leaks). */
  get pendingCount(): number {
    return this.pending.filter((t) => !t.cancelled).length;
  }
}
