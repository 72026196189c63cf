/**
 * Sends a leader's ISR changes to the controller (Kafka's
 * AlterPartitionManager). Partitions ask (Partition.maybeExpandIsr /
 * maybeShrinkIsr); the requests made in one turn of the event loop go out
 * as one AlterPartition. The controller's answer is not applied here: the
 * change reaches every broker, this one too, as a PartitionChangeRecord in
 * the metadata, which clears the partition's pending change. What the
 * controller refused, or a request that failed, clears it after a short
 * pause, so the partition may ask again (with the state it has then).
 */
import type { Logger } from '../../logger';
import { ErrorCode } from '../../protocol/errors';
import type { IsrChangeOutcome, IsrChangeRequest } from '../controller';
import type { IsrChangeRequester, IsrMember, Partition } from '../partition';

/** How ISR changes reach the controller (AlterPartition on the inter-broker listener). */
export interface IsrChangeChannel {
  alterPartition(brokerId: number, brokerEpoch: number, items: readonly IsrChangeRequest[]): Promise<IsrChangeOutcome>;
}

const RETRY_MS = 200;

export class AlterPartitionManager implements IsrChangeRequester {
  private queued: { partition: Partition; item: IsrChangeRequest }[] = [];
  private scheduled = false;
  private closed = false;

  constructor(
    private readonly options: {
      nodeId: number;
      brokerEpoch: () => number;
      channel: IsrChangeChannel;
      log: Logger | null;
    },
  ) {}

  requestIsrChange(partition: Partition, newIsr: readonly IsrMember[]): boolean {
    if (this.closed) return false;
    this.queued.push({
      partition,
      item: { topicId: partition.topicId, partition: partition.index, leaderEpoch: partition.leaderEpoch, partitionEpoch: partition.partitionEpoch, newIsr: [...newIsr] },
    });
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(() => void this.send());
    }
    return true;
  }

  close(): void {
    this.closed = true;
  }

  private async send(): Promise<void> {
    this.scheduled = false;
    const batch = this.queued;
    this.queued = [];
    if (batch.length === 0) return;
    let outcome: IsrChangeOutcome | null = null;
    try {
      outcome = await this.options.channel.alterPartition(this.options.nodeId, this.options.brokerEpoch(), batch.map((b) => b.item));
    } catch (err) {
      this.options.log?.warn({ err, partitions: batch.length }, 'an ISR change did not reach the controller; asking again later');
    }
    for (const { partition, item } of batch) {
      const answer = outcome?.errorCode === ErrorCode.NONE ? outcome.partitions.find((p) => p.topicId === item.topicId && p.partition === item.partition) : undefined;
      if (answer?.errorCode === ErrorCode.NONE) {
        // Committed: the metadata brings it. Nothing to change (the ISR was
        // already that): no record will come, so nothing is pending any more.
        const unchanged = answer.partitionEpoch === item.partitionEpoch;
        if (unchanged && partition.leaderEpoch === item.leaderEpoch && partition.partitionEpoch === item.partitionEpoch) partition.clearPendingIsrChange();
        continue;
      }
      // Completing a reassignment moved the leadership away: the metadata brings the new role.
      if (answer?.errorCode === ErrorCode.NEW_LEADER_ELECTED) continue;
      if (outcome) {
        this.options.log?.info(
          { topic: partition.topic, partition: partition.index, isr: item.newIsr.map((m) => m.brokerId), error: answer?.errorCode ?? outcome.errorCode },
          'the controller refused an ISR change',
        );
      }
      setTimeout(() => {
        if (partition.leaderEpoch === item.leaderEpoch && partition.partitionEpoch === item.partitionEpoch) partition.clearPendingIsrChange();
      }, RETRY_MS).unref();
    }
  }
}
