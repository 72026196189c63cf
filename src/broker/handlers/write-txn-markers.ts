/**
 * WriteTxnMarkers (key 27), v0–1 — served by a broker of a cluster, not
 * advertised to clients: a transaction coordinator on another broker asks
 * this partition leader to write a transaction's COMMIT/ABORT markers
 * (Kafka's handleWriteTxnMarkersRequest).
 *
 * Each marker is appended as the partition's leader, as the coordinator's
 * own batch with acks=all (answered once replicated, or with
 * NOT_ENOUGH_REPLICAS / REQUEST_TIMED_OUT after `request.timeout.ms`), and
 * answered per producer and partition: NOT_LEADER_OR_FOLLOWER or
 * UNKNOWN_TOPIC_OR_PARTITION where this broker does not lead it (the
 * coordinator looks the leader up again), INVALID_PRODUCER_EPOCH /
 * TRANSACTION_COORDINATOR_FENCED where a newer epoch has written. A marker
 * written to a `__consumer_offsets` partition completes the producer's
 * transactional offsets in the group coordinator.
 *
 * Authorization: CLUSTER_ACTION on the cluster, else every partition is
 * CLUSTER_AUTHORIZATION_FAILED. Version notes: v1 is flexible.
 */
import { ErrorCode } from '../../protocol/errors';
import type { WriteTxnMarkersRequest, WriteTxnMarkersResponse } from '../../protocol/messages';
import { writeMarkersAsLeader } from '../../coordinator/transaction/partition-marker-writer';
import type { TransactionMarkerEntry } from '../../coordinator/transaction/transaction-marker-channel';
import type { BrokerContext } from '../broker-context';
import { defineHandler } from '../define-handler';
import { WRITE_TXN_MARKERS_API } from '../transaction-apis';
import { AclOperation, CLUSTER_RESOURCE_NAME, ResourceType } from '../../security/authorizer/acl';

export function writeTxnMarkersHandler(b: BrokerContext) {
  const writer = { replicas: b.replicaManager, groups: b.groups, timeoutMs: b.config.number('request.timeout.ms'), now: b.now };
  return defineHandler(WRITE_TXN_MARKERS_API, async (req: WriteTxnMarkersRequest, ctx): Promise<WriteTxnMarkersResponse> => {
    const respond = (codes: (marker: number, topic: number, partition: number) => number): WriteTxnMarkersResponse => ({
      markers: req.markers.map((m, mi) => ({
        producerId: m.producerId,
        topics: m.topics.map((t, ti) => ({ name: t.name, partitions: t.partitionIndexes.map((partitionIndex, pi) => ({ partitionIndex, errorCode: codes(mi, ti, pi) })) })),
      })),
    });
    if (!b.authorizer.allowed(ctx, AclOperation.CLUSTER_ACTION, ResourceType.CLUSTER, CLUSTER_RESOURCE_NAME)) return respond(() => ErrorCode.CLUSTER_AUTHORIZATION_FAILED);
    const entries = req.markers.map(
      (m): TransactionMarkerEntry => ({
        producerId: Number(m.producerId),
        producerEpoch: m.producerEpoch,
        coordinatorEpoch: m.coordinatorEpoch,
        commit: m.transactionResult,
        partitions: m.topics.flatMap((t) => t.partitionIndexes.map((partition) => ({ topic: t.name, partition }))),
      }),
    );
    const written = await writeMarkersAsLeader(writer, entries);
    // Flattened per marker in topic then partition order, as the entries were built.
    const offsets = req.markers.map((m) => {
      let n = 0;
      return m.topics.map((t) => {
        const start = n;
        n += t.partitionIndexes.length;
        return start;
      });
    });
    return respond((mi, ti, pi) => written[mi]?.[(offsets[mi]?.[ti] ?? 0) + pi] ?? ErrorCode.UNKNOWN_SERVER_ERROR);
  });
}
