/**
 * Heartbeat (key 12), v0–4.
 *
 * Keeps a member's session alive and tells it when a rebalance started
 * (REBALANCE_IN_PROGRESS). Fencing: UNKNOWN_MEMBER_ID, ILLEGAL_GENERATION,
 * FENCED_INSTANCE_ID for a replaced static member. v3+ carry
 * group.instance.id.
 *
 * Authorization (Kafka's KafkaApis): READ on the group, else
 * GROUP_AUTHORIZATION_FAILED.
 *
 * Coordination (coordinator-partitions.ts): a broker that does not
 * coordinate the group answers NOT_COORDINATOR (COORDINATOR_LOAD_IN_PROGRESS
 * while its partition loads).
 */
import { Apis } from '../../protocol/apis';
import { ErrorCode } from '../../protocol/errors';
import { HeartbeatRequest, HeartbeatResponse } from '../../protocol/messages';
import type { BrokerContext } from '../broker-context';
import { defineHandler } from '../define-handler';
import { AclOperation, ResourceType } from '../../security/authorizer/acl';

export function heartbeatHandler(b: BrokerContext) {
  return defineHandler(Apis.Heartbeat, (req: HeartbeatRequest, ctx): HeartbeatResponse => {
    if (!b.authorizer.allowed(ctx, AclOperation.READ, ResourceType.GROUP, req.groupId)) return { throttleTimeMs: 0, errorCode: ErrorCode.GROUP_AUTHORIZATION_FAILED };
    const notHere = b.groupPartitions.ownerError(req.groupId);
    if (notHere !== ErrorCode.NONE) return { throttleTimeMs: 0, errorCode: notHere };
    const errorCode = b.groups.heartbeat({
      groupId: req.groupId,
      generationId: req.generationId,
      memberId: req.memberId,
      groupInstanceId: ctx.apiVersion >= 3 ? req.groupInstanceId : null,
    });
    return { throttleTimeMs: 0, errorCode };
  });
}
