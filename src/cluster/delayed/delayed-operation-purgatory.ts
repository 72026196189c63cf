/**
 * Where delayed operations wait (Kafka's DelayedOperationPurgatory). Each
 * waits under keys (one per partition it involves); when something changes
 * for a partition (an append, the high watermark moving) the replica
 * manager calls `checkAndComplete` with its key and the operations waiting
 * on it are tried again. Each operation also has a timeout on the injected
 * scheduler, so tests drive expiry with a fake clock.
 */
import type { Scheduler } from '../../time/scheduler';
import type { DelayedOperation } from './delayed-operation';

export class DelayedOperationPurgatory<T extends DelayedOperation> {
  private readonly watchers = new Map<string, Set<T>>();
  private readonly keysOf = new Map<T, readonly string[]>();

  constructor(
    readonly name: string,
    private readonly scheduler: Scheduler,
  ) {}

  /**
   * Completes `op` now if it can; otherwise makes it wait under `keys`
   * until a `checkAndComplete` of one of them completes it or its delay
   * runs out. True when it completed now.
   */
  tryCompleteElseWatch(op: T, keys: readonly string[]): boolean {
    if (op.tryComplete()) return true;
    if (op.isCompleted) return true;
    for (const key of keys) {
      let set = this.watchers.get(key);
      if (!set) this.watchers.set(key, (set = new Set()));
      set.add(op);
    }
    this.keysOf.set(op, keys);
    op.timer = this.scheduler.schedule(op.delayMs, () => {
      op.timer = null;
      this.unwatch(op);
      if (op.forceComplete()) op.onExpiration();
    });
    return false;
  }

  /** Tries the operations waiting under `key`; returns how many completed. */
  checkAndComplete(key: string): number {
    const set = this.watchers.get(key);
    if (!set) return 0;
    let completed = 0;
    for (const op of [...set]) {
      if (op.isCompleted || op.tryComplete()) {
        this.unwatch(op);
        completed++;
      }
    }
    return completed;
  }

  /** Completes every waiting operation now (shutdown: each answers with what it has). */
  completeAll(): number {
    let completed = 0;
    for (const op of [...this.keysOf.keys()]) {
      this.unwatch(op);
      if (op.forceComplete()) completed++;
    }
    return completed;
  }

  /** Operations waiting (for tests and metrics). */
  get waiting(): number {
    return this.keysOf.size;
  }

  private unwatch(op: T): void {
    const keys = this.keysOf.get(op);
    if (!keys) return;
    this.keysOf.delete(op);
    for (const key of keys) {
      const set = this.watchers.get(key);
      if (!set) continue;
      set.delete(op);
      if (set.size === 0) this.watchers.delete(key);
    }
  }
}
