/**
 * ElectLeaders (key 43), v0–2.
 *
 * Moves partition leadership through the controller (a broker of a cluster
 * that is not the controller forwards the request to it): a preferred
 * election makes each partition's first replica its leader where it is live
 * and in the ISR; an unclean one gives a leaderless partition a leader,
 * from outside the ISR if it must. Per-partition results and errors are
 * Kafka's (leader-election-control.ts): ELECTION_NOT_NEEDED,
 * PREFERRED_LEADER_NOT_AVAILABLE, ELIGIBLE_LEADERS_NOT_AVAILABLE,
 * UNKNOWN_TOPIC_OR_PARTITION. Null partitions elect every partition and
 * leave out those that needed no election. The answer comes once the
 * change is in this broker's metadata image. `timeoutMs` is not waited on:
 * the election is a metadata write, done when answered.
 *
 * Version notes: v0 has no election type (preferred); v1 adds the election
 * type and a top-level error code; v2 is v1 made flexible. An unknown
 * election type is INVALID_REQUEST for the whole request.
 * Authorization (Kafka's ControllerApis): ALTER on the cluster, else
 * CLUSTER_AUTHORIZATION_FAILED, top-level and for every partition named.
 */
import { ElectionType } from '../../cluster/leader-election-control';
import { Apis } from '../../protocol/apis';
import { ErrorCode } from '../../protocol/errors';
import type { ElectLeadersRequest, ElectLeadersResponse } from '../../protocol/messages';
import type { BrokerContext } from '../broker-context';
import { defineHandler } from '../define-handler';
import { AclOperation, CLUSTER_RESOURCE_NAME, ResourceType } from '../../security/authorizer/acl';

function refused(req: ElectLeadersRequest, errorCode: ErrorCode, errorMessage: string | null): ElectLeadersResponse {
  return {
    throttleTimeMs: 0,
    errorCode,
    replicaElectionResults: (req.topicPartitions ?? []).map((t) => ({
      topic: t.topic,
      partitionResult: t.partitions.map((partitionId) => ({ partitionId, errorCode, errorMessage })),
    })),
  };
}

export function electLeadersHandler(b: BrokerContext) {
  return defineHandler(Apis.ElectLeaders, async (req: ElectLeadersRequest, ctx): Promise<ElectLeadersResponse> => {
    if (!b.authorizer.allowed(ctx, AclOperation.ALTER, ResourceType.CLUSTER, CLUSTER_RESOURCE_NAME)) {
      return refused(req, ErrorCode.CLUSTER_AUTHORIZATION_FAILED, 'Cluster authorization failed.');
    }
    if (req.electionType !== ElectionType.PREFERRED && req.electionType !== ElectionType.UNCLEAN) {
      return refused(req, ErrorCode.INVALID_REQUEST, `Unknown election type ${req.electionType}`);
    }
    const wanted = req.topicPartitions === null ? null : req.topicPartitions.map((t) => ({ topic: t.topic, partitions: t.partitions }));
    const results = await b.controller.electLeaders(req.electionType, wanted);
    return {
      throttleTimeMs: 0,
      errorCode: ErrorCode.NONE,
      replicaElectionResults: results.map((t) => ({
        topic: t.topic,
        partitionResult: t.partitions.map((p) => ({ partitionId: p.partition, errorCode: p.errorCode, errorMessage: p.errorMessage })),
      })),
    };
  });
}
