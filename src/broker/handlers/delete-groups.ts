/**
 * DeleteGroups (key 42), v0–2.
 *
 * Deletes Empty groups with their committed offsets (tombstones in
 * `__consumer_offsets`). A group with members: NON_EMPTY_GROUP; an unknown
 * one: GROUP_ID_NOT_FOUND. v2 is flexible; no other differences.
 */
import { Apis } from '../../protocol/apis';
import { DeleteGroupsRequest, DeleteGroupsResponse } from '../../protocol/messages';
import type { BrokerContext } from '../broker-context';
import { defineHandler } from '../define-handler';

export function deleteGroupsHandler(b: BrokerContext) {
  return defineHandler(Apis.DeleteGroups, (req: DeleteGroupsRequest): DeleteGroupsResponse => ({
    throttleTimeMs: 0,
    results: b.groups.deleteGroups(req.groupsNames),
  }));
}
