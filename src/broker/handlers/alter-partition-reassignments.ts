/**
 * AlterPartitionReassignments (key 45), v0 (flexible) — KIP-455.
 *
 * Starts, changes or cancels (null replicas) partition reassignments
 * through the controller (a broker of a cluster that is not the controller
 * forwards the request to it). The answer comes once the first step is in
 * this broker's metadata image: the new replicas are added (or, for a
 * reassignment that only removes or reorders replicas, it is complete); the
 * rest happens as the new replicas catch up (reassignment-control.ts has
 * the steps). Per-partition errors are Kafka's: UNKNOWN_TOPIC_OR_PARTITION,
 * INVALID_REPLICA_ASSIGNMENT, NO_REASSIGNMENT_IN_PROGRESS. `timeoutMs` is
 * not waited on: the request is a metadata write, done when answered.
 * Authorization (Kafka's ControllerApis): ALTER on the cluster, else
 * CLUSTER_AUTHORIZATION_FAILED, top-level and for every partition.
 */
import { Apis } from '../../protocol/apis';
import { ErrorCode } from '../../protocol/errors';
import type { AlterPartitionReassignmentsRequest, AlterPartitionReassignmentsResponse } from '../../protocol/messages';
import type { BrokerContext } from '../broker-context';
import { defineHandler } from '../define-handler';
import { AclOperation, CLUSTER_RESOURCE_NAME, ResourceType } from '../../security/authorizer/acl';

export function alterPartitionReassignmentsHandler(b: BrokerContext) {
  return defineHandler(Apis.AlterPartitionReassignments, async (req: AlterPartitionReassignmentsRequest, ctx): Promise<AlterPartitionReassignmentsResponse> => {
    if (!b.authorizer.allowed(ctx, AclOperation.ALTER, ResourceType.CLUSTER, CLUSTER_RESOURCE_NAME)) {
      const errorCode = ErrorCode.CLUSTER_AUTHORIZATION_FAILED;
      const errorMessage = 'Cluster authorization failed.';
      return {
        throttleTimeMs: 0,
        errorCode,
        errorMessage,
        responses: req.topics.map((t) => ({ name: t.name, partitions: t.partitions.map((p) => ({ partitionIndex: p.partitionIndex, errorCode, errorMessage })) })),
      };
    }
    const results = await b.controller.alterPartitionReassignments(
      req.topics.map((t) => ({ topic: t.name, partitions: t.partitions.map((p) => ({ partition: p.partitionIndex, replicas: p.replicas })) })),
    );
    return {
      throttleTimeMs: 0,
      errorCode: ErrorCode.NONE,
      errorMessage: null,
      responses: results.map((t) => ({
        name: t.topic,
        partitions: t.partitions.map((p) => ({ partitionIndex: p.partition, errorCode: p.errorCode, errorMessage: p.errorMessage })),
      })),
    };
  });
}
