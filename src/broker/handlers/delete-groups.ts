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
 */
import { Apis } from '../../protocol/apis';
import { ErrorCode } from '../../protocol/errors';
import { DeleteGroupsRequest, DeleteGroupsResponse } from '../../protocol/messages';
import type { BrokerContext } from '../broker-context';
import { defineHandler } from '../define-handler';
import { AclOperation, ResourceType } from '../../security/authorizer/acl';

export function deleteGroupsHandler(b: BrokerContext) {
  return defineHandler(Apis.DeleteGroups, (req: DeleteGroupsRequest, ctx): DeleteGroupsResponse => ({
    throttleTimeMs: 0,
    results: req.groupsNames.map((groupId) => {
      if (!b.authorizer.allowed(ctx, AclOperation.DELETE, ResourceType.GROUP, groupId)) return { groupId, errorCode: ErrorCode.GROUP_AUTHORIZATION_FAILED };
      const [deleted] = b.groups.deleteGroups([groupId]);
      return { groupId, errorCode: deleted?.errorCode ?? ErrorCode.UNKNOWN_SERVER_ERROR };
    }),
  }));
}
