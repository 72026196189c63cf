/**
 * A produce with acks=all (-1) waiting until every partition it wrote has
 * its high watermark past the last offset written (Kafka's DelayedProduce).
 * Per partition: done with NONE once the high watermark reaches it (or
 * NOT_ENOUGH_REPLICAS_AFTER_APPEND when the ISR shrank below
 * min.insync.replicas meanwhile), NOT_LEADER_OR_FOLLOWER when this broker
 * stopped leading it; still waiting at the timeout: REQUEST_TIMED_OUT.
 *
 * On one node the high watermark follows each append, so the operation
 * completes as soon as it is created; replication makes it wait.
 */
import { ErrorCode } from '../../protocol/errors';
import type { Partition } from '../partition';
import { DelayedOperation } from './delayed-operation';

export interface ProducePartitionStatus {
  /** The purgatory key of the partition. */
  readonly key: string;
  /** The offset the high watermark must reach: the last appended offset + 1. */
  readonly requiredOffset: number;
  /** Still waiting for the high watermark. */
  acksPending: boolean;
  /** The partition's answer so far (the append's); its error code is set when the wait ends. */
  errorCode: ErrorCode;
}

export class DelayedProduce extends DelayedOperation {
  constructor(
    delayMs: number,
    private readonly statuses: readonly ProducePartitionStatus[],
    private readonly partitionOf: (key: string) => Partition | undefined,
    private readonly respond: () => void,
  ) {
    super(delayMs);
  }

  tryComplete(): boolean {
    for (const s of this.statuses) {
      if (!s.acksPending) continue;
      const p = this.partitionOf(s.key);
      const check = p ? p.checkEnoughReplicasReachOffset(s.requiredOffset) : { done: true, errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION };
      if (check.done) {
        s.acksPending = false;
        s.errorCode = check.errorCode;
      }
    }
    return this.statuses.every((s) => !s.acksPending) ? this.forceComplete() : false;
  }

  protected onComplete(): void {
    for (const s of this.statuses) {
      if (!s.acksPending) continue;
      s.acksPending = false;
      s.errorCode = ErrorCode.REQUEST_TIMED_OUT;
    }
    this.respond();
  }
}
