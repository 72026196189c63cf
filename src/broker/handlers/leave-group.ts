/**
 * LeaveGroup (key 13), v0–5.
 *
 * Removes members from a classic group, which rebalances without them
 * right away (no waiting for a session timeout).
 *
 * Version notes: v0–2 carry one member id and answer one error code (the
 * member's, when the group itself is fine). v3+ leave in batches
 * (`members`, each with an optional group.instance.id; an empty member id
 * with an instance id removes that static member, as the admin tools do)
 * and answer per member. v5 adds a reason per member.
 *
 * Authorization (Kafka's KafkaApis): READ on the group, else
 * GROUP_AUTHORIZATION_FAILED.
 *
 * Coordination (coordinator-partitions.ts): a broker that does not
 * coordinate the group answers NOT_COORDINATOR (COORDINATOR_LOAD_IN_PROGRESS
 * while its partition loads); what the request stored is answered once the
 * `__consumer_offsets` partition has it replicated (acks=all), else with
 * Kafka's coordinator error (COORDINATOR_NOT_AVAILABLE, NOT_COORDINATOR).
 */
import { Apis } from '../../protocol/apis';
import { ErrorCode } from '../../protocol/errors';
import { LeaveGroupRequest, LeaveGroupResponse } from '../../protocol/messages';
import type { BrokerContext } from '../broker-context';
import { defineHandler } from '../define-handler';
import { AclOperation, ResourceType } from '../../security/authorizer/acl';
import { afterReplication } from '../../coordinator/coordinator-partitions';

export function leaveGroupHandler(b: BrokerContext) {
  return defineHandler(Apis.LeaveGroup, (req: LeaveGroupRequest, ctx): LeaveGroupResponse | Promise<LeaveGroupResponse> => {
    const v = ctx.apiVersion;
    if (!b.authorizer.allowed(ctx, AclOperation.READ, ResourceType.GROUP, req.groupId)) return { throttleTimeMs: 0, errorCode: ErrorCode.GROUP_AUTHORIZATION_FAILED, members: [] };
    const notHere = b.groupPartitions.ownerError(req.groupId);
    if (notHere !== ErrorCode.NONE) return { throttleTimeMs: 0, errorCode: notHere, members: [] };
    const leaving =
      v >= 3
        ? req.members.map((m) => ({ memberId: m.memberId, groupInstanceId: m.groupInstanceId, reason: v >= 5 ? m.reason : null }))
        : [{ memberId: req.memberId, groupInstanceId: null, reason: null }];
    const result = b.groups.leaveGroup(req.groupId, leaving);
    const answer = (replicated: ErrorCode): LeaveGroupResponse => {
      // The group's state after the members left (its Empty generation) is answered once replicated.
      if (replicated !== ErrorCode.NONE) return { throttleTimeMs: 0, errorCode: replicated, members: [] };
      if (v < 3) {
        const memberError = result.members[0]?.errorCode ?? ErrorCode.NONE;
        return { throttleTimeMs: 0, errorCode: result.errorCode !== ErrorCode.NONE ? result.errorCode : memberError, members: [] };
      }
      return { throttleTimeMs: 0, errorCode: result.errorCode, members: result.members };
    };
    return result.errorCode === ErrorCode.NONE ? afterReplication(b.groupPartitions.whenReplicated(req.groupId), answer) : answer(ErrorCode.NONE);
  });
}
