/**
 * An operation that answers later (Kafka's DelayedOperation): a produce
 * with acks=all waiting for the high watermark, a fetch waiting for bytes.
 * It completes exactly once, either because `tryComplete` found its
 * condition met (the purgatory asks whenever something it watches changes)
 * or because its timeout fired first.
 */
import type { ScheduledTimer } from '../../time/scheduler';

export abstract class DelayedOperation {
  private completed = false;
  /** Set by the purgatory while the operation waits. */
  timer: ScheduledTimer | null = null;

  constructor(readonly delayMs: number) {}

  get isCompleted(): boolean {
    return this.completed;
  }

  /**
   * Completes the operation now if it has not completed yet: cancels its
   * timer and runs `onComplete`. True when this call completed it.
   */
  forceComplete(): boolean {
    if (this.completed) return false;
    this.completed = true;
    this.timer?.cancel();
    this.timer = null;
    this.onComplete();
    return true;
  }

  /**
   * Checks the operation's condition; when it holds, completes it (through
   * `forceComplete`) and returns true.
   */
  abstract tryComplete(): boolean;

  /** Sends the answer; runs once. */
  protected abstract onComplete(): void;

  /** After `onComplete`, when the completion came from the timeout. */
  onExpiration(): void {}
}
