/**
 * The broker's clock and timers (coordinators' session, rebalance and
 * retention timeouts; the replica manager's delayed produce and fetch),
 * injected so tests can drive them without sleeping (see ManualScheduler).
 */
export interface ScheduledTimer {
  cancel(): void;
}

export interface Scheduler {
  now(): number;
  /** Runs `task` once after `delayMs` (0 = on a later tick, never synchronously). */
  schedule(delayMs: number, task: () => void): ScheduledTimer;
}

/** Node's largest setTimeout delay; longer timers are re-armed in steps. */
const MAX_TIMER_DELAY_MS = 2 ** 31 - 1;

/** Real timers. They never keep the process alive on their own. */
export function systemScheduler(now: () => number = Date.now): Scheduler {
  return {
    now,
    schedule(delayMs, task) {
      let handle: NodeJS.Timeout | null = null;
      const arm = (remaining: number) => {
        const step = Math.min(Math.max(remaining, 0), MAX_TIMER_DELAY_MS);
        handle = setTimeout(() => {
          if (remaining > step) arm(remaining - step);
          else task();
        }, step);
        handle.unref();
      };
      arm(delayMs);
      return {
        cancel() {
          if (handle) clearTimeout(handle);
          handle = null;
        },
      };
    },
  };
}
