/**
 * ListGroups (key 16), v0–5.
 *
 * Every group this broker coordinates (all of them, on a single node).
 * v4+ filter by state and answer it; v5+ filter by type and answer it:
 * "classic", or "consumer" for KIP-848 groups (ConsumerGroupHeartbeat),
 * whose protocol type is "consumer". Filters match case-insensitively.
 *
 * Authorization (Kafka's KafkaApis): DESCRIBE on the cluster lists every
 * group, otherwise only the groups the principal may DESCRIBE.
 *
 * While a `__consumer_offsets` partition this broker now leads is still
 * loading, the answer is COORDINATOR_LOAD_IN_PROGRESS (Kafka 4.0's
 * list-groups fails with the loading partition's error), so an admin
 * client asks again instead of taking a partial list.
 */
import { Apis } from '../../protocol/apis';
import { ErrorCode } from '../../protocol/errors';
import { ListGroupsRequest, ListGroupsResponse } from '../../protocol/messages';
import type { BrokerContext } from '../broker-context';
import { defineHandler } from '../define-handler';
import { AclOperation, CLUSTER_RESOURCE_NAME, ResourceType } from '../../security/authorizer/acl';

export function listGroupsHandler(b: BrokerContext) {
  return defineHandler(Apis.ListGroups, (req: ListGroupsRequest, ctx): ListGroupsResponse => {
    const v = ctx.apiVersion;
    if (b.groupPartitions.loading()) return { throttleTimeMs: 0, errorCode: ErrorCode.COORDINATOR_LOAD_IN_PROGRESS, groups: [] };
    // DESCRIBE on the cluster lists every group; otherwise those the principal may DESCRIBE.
    const clusterDescribe = b.authorizer.allowed(ctx, AclOperation.DESCRIBE, ResourceType.CLUSTER, CLUSTER_RESOURCE_NAME);
    const visible = (g: { groupId: string }) => clusterDescribe || b.authorizer.allowed(ctx, AclOperation.DESCRIBE, ResourceType.GROUP, g.groupId);
    const states = v >= 4 ? req.statesFilter : [];
    const types = v >= 5 ? req.typesFilter.map((t) => t.toLowerCase()) : [];
    const groups = b.groups
      .listGroups(states, types)
      .map((g) => ({ groupId: g.groupId, protocolType: g.protocolType, groupState: g.state, groupType: g.groupType }));
    return { throttleTimeMs: 0, errorCode: ErrorCode.NONE, groups: groups.filter(visible) };
  });
}
