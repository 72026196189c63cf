/**
 * ListPartitionReassignments (key 46), v0 (flexible) — KIP-455.
 *
 * The reassignments in progress, from the controller's metadata image (a
 * broker of a cluster that is not the controller forwards the request to
 * it): per partition its replicas (the target ones first, then those being
 * removed), the replicas being added and those being removed. Null topics
 * list every reassignment; partitions or topics named that are unknown or
 * not being reassigned are left out, as in Kafka.
 * Authorization (Kafka's ControllerApis): DESCRIBE on the cluster, else
 * CLUSTER_AUTHORIZATION_FAILED.
 */
import { Apis } from '../../protocol/apis';
import { ErrorCode } from '../../protocol/errors';
import type { ListPartitionReassignmentsRequest, ListPartitionReassignmentsResponse } from '../../protocol/messages';
import type { BrokerContext } from '../broker-context';
import { defineHandler } from '../define-handler';
import { AclOperation, CLUSTER_RESOURCE_NAME, ResourceType } from '../../security/authorizer/acl';

export function listPartitionReassignmentsHandler(b: BrokerContext) {
  return defineHandler(Apis.ListPartitionReassignments, (req: ListPartitionReassignmentsRequest, ctx): ListPartitionReassignmentsResponse => {
    if (!b.authorizer.allowed(ctx, AclOperation.DESCRIBE, ResourceType.CLUSTER, CLUSTER_RESOURCE_NAME)) {
      return {
        throttleTimeMs: 0,
        errorCode: ErrorCode.CLUSTER_AUTHORIZATION_FAILED,
        errorMessage: 'Cluster authorization failed.',
        topics: (req.topics ?? []).map((t) => ({
          name: t.name,
          partitions: t.partitionIndexes.map((partitionIndex) => ({ partitionIndex, replicas: [], addingReplicas: [], removingReplicas: [] })),
        })),
      };
    }
    const wanted = req.topics === null ? null : req.topics.map((t) => ({ topic: t.name, partitions: t.partitionIndexes }));
    return {
      throttleTimeMs: 0,
      errorCode: ErrorCode.NONE,
      errorMessage: null,
      topics: b.controller.listPartitionReassignments(wanted).map((t) => ({
        name: t.topic,
        partitions: t.partitions.map((p) => ({ partitionIndex: p.partition, replicas: p.replicas, addingReplicas: p.addingReplicas, removingReplicas: p.removingReplicas })),
      })),
    };
  });
}
