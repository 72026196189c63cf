/**
 * Writes transaction markers into the broker's own partition logs (Kafka's
 * WriteTxnMarkers, without the network hop: every partition is local). A
 * marker for `__consumer_offsets` also tells the group coordinator, which
 * turns the transaction's pending offsets into committed ones (or drops them).
 */
import { ErrorCode } from '../../protocol/errors';
import { ControlRecordType, encodeEndTxnMarkerBatch } from '../../protocol/records';
import type { InternalTopicReplicas } from '../internal-topic-log';
import type { GroupCoordinator } from '../group/group-coordinator';
import { OFFSETS_TOPIC } from '../group/offsets-topic';
import type { TransactionMarker, TransactionMarkerWriter } from './transaction-coordinator';

export interface PartitionMarkerWriterOptions {
  /** The replica manager: markers are written as the partitions' leader. */
  replicas: Pick<InternalTopicReplicas, 'appendAsCoordinator'>;
  groups: Pick<GroupCoordinator, 'completeTransaction'>;
  /** Whether the topic still exists (a deleted partition needs no marker, as in Kafka). */
  topicExists: (topic: string) => boolean;
  now: () => number;
}

export function partitionMarkerWriter(o: PartitionMarkerWriterOptions): TransactionMarkerWriter {
  return {
    write(topic: string, partition: number, marker: TransactionMarker): ErrorCode {
      const now = o.now();
      const batch = encodeEndTxnMarkerBatch(marker.commit ? ControlRecordType.Commit : ControlRecordType.Abort, {
        producerId: BigInt(marker.producerId),
        producerEpoch: marker.producerEpoch,
        coordinatorEpoch: marker.coordinatorEpoch,
        timestamp: BigInt(now),
      });
      let code: ErrorCode;
      try {
        code = o.replicas.appendAsCoordinator(topic, partition, batch, now);
      } catch {
        return ErrorCode.UNKNOWN_SERVER_ERROR;
      }
      if (code === ErrorCode.UNKNOWN_TOPIC_OR_PARTITION && !o.topicExists(topic)) return ErrorCode.NONE;
      // Kafka drops a marker the partition refuses for an epoch: a newer
      // epoch has already been written there, so the transaction is over.
      if (code === ErrorCode.INVALID_PRODUCER_EPOCH || code === ErrorCode.TRANSACTION_COORDINATOR_FENCED) code = ErrorCode.NONE;
      if (code === ErrorCode.NONE && topic === OFFSETS_TOPIC) o.groups.completeTransaction(marker.producerId, marker.commit);
      return code;
    },
  };
}
