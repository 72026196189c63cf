/**
 * ListGroups (key 16), v0–5.
 *
 * Every group this broker coordinates (all of them, on a single node).
 * v4+ filter by state and answer it; v5+ filter by type and answer it
 * (every group here is "classic"). Filters match case-insensitively.
 */
import { Apis } from '../../protocol/apis';
import { ErrorCode } from '../../protocol/errors';
import { ListGroupsRequest, ListGroupsResponse } from '../../protocol/messages';
import type { BrokerContext } from '../broker-context';
import { defineHandler } from '../define-handler';

export function listGroupsHandler(b: BrokerContext) {
  return defineHandler(Apis.ListGroups, (req: ListGroupsRequest, ctx): ListGroupsResponse => {
    const v = ctx.apiVersion;
    const groups = b.groups.listGroups(v >= 4 ? req.statesFilter : [], v >= 5 ? req.typesFilter : []);
    return {
      throttleTimeMs: 0,
      errorCode: ErrorCode.NONE,
      groups: groups.map((g) => ({ groupId: g.groupId, protocolType: g.protocolType, groupState: g.state, groupType: g.groupType })),
    };
  });
}
