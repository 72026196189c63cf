/**
 * DeleteGroups (key 42), v0–2.
 *
 * Deletes Empty groups with their committed offsets (tombstones in
 * `__consumer_offsets`). A group with members: NON_EMPTY_GROUP; an unknown
 * one: GROUP_ID_NOT_FOUND. An empty KIP-848 consumer group is deleted with
 * the offsets held for it (it may have none). v2 is flexible; no other
 * differences.
 *
 * Authorization (Kafka's KafkaApis): DELETE on each group, else
 * GROUP_AUTHORIZATION_FAILED for it.
 *
 * Coordination (coordinator-partitions.ts): a broker that does not
 * coordinate the group answers NOT_COORDINATOR (COORDINATOR_LOAD_IN_PROGRESS
 * while its partition loads); what the request stored is answered once the
 * `__consumer_offsets` partition has it replicated (acks=all), else with
 * Kafka's coordinator error (COORDINATOR_NOT_AVAILABLE, NOT_COORDINATOR).
 */
import { Apis } from '../../protocol/apis';
import { ErrorCode } from '../../protocol/errors';
import { DeleteGroupsRequest, DeleteGroupsResponse } from '../../protocol/messages';
import type { BrokerContext } from '../broker-context';
import { defineHandler } from '../define-handler';
import { AclOperation, ResourceType } from '../../security/authorizer/acl';

export function deleteGroupsHandler(b: BrokerContext) {
  return defineHandler(Apis.DeleteGroups, async (req: DeleteGroupsRequest, ctx): Promise<DeleteGroupsResponse> => {
    const results = req.groupsNames.map((groupId) => {
      if (!b.authorizer.allowed(ctx, AclOperation.DELETE, ResourceType.GROUP, groupId)) return { groupId, errorCode: ErrorCode.GROUP_AUTHORIZATION_FAILED };
      const notHere = b.groupPartitions.ownerError(groupId);
      if (notHere !== ErrorCode.NONE) return { groupId, errorCode: notHere };
      const [deleted] = b.groups.deleteGroups([groupId]);
      return { groupId, errorCode: deleted?.errorCode ?? ErrorCode.UNKNOWN_SERVER_ERROR };
    });
    // A deletion counts once its tombstones are replicated.
    for (const r of results) if (r.errorCode === ErrorCode.NONE) r.errorCode = await b.groupPartitions.whenReplicated(r.groupId);
    return { throttleTimeMs: 0, results };
  });
}
