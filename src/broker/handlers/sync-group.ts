/**
 * SyncGroup (key 14), v0–5.
 *
 * The leader sends the assignment it computed; every member's SyncGroup
 * waits until then and receives its own part. The group coordinator stores
 * the assignment in `__consumer_offsets` before anyone gets an answer.
 * In a Stable group a SyncGroup just returns the member's assignment.
 *
 * Version notes: v3+ carry group.instance.id; v5 carries (and answers) the
 * protocol type and name, which must match the group's
 * (INCONSISTENT_GROUP_PROTOCOL otherwise).
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
import { SyncGroupRequest, SyncGroupResponse } from '../../protocol/messages';
import type { BrokerContext } from '../broker-context';
import { defineHandler } from '../define-handler';
import { AclOperation, ResourceType } from '../../security/authorizer/acl';

export function syncGroupHandler(b: BrokerContext) {
  return defineHandler(Apis.SyncGroup, async (req: SyncGroupRequest, ctx): Promise<SyncGroupResponse> => {
    const v = ctx.apiVersion;
    if (!b.authorizer.allowed(ctx, AclOperation.READ, ResourceType.GROUP, req.groupId)) {
      return { throttleTimeMs: 0, errorCode: ErrorCode.GROUP_AUTHORIZATION_FAILED, protocolType: null, protocolName: null, assignment: Buffer.alloc(0) };
    }
    const notHere = b.groupPartitions.ownerError(req.groupId);
    if (notHere !== ErrorCode.NONE) return { throttleTimeMs: 0, errorCode: notHere, protocolType: null, protocolName: null, assignment: Buffer.alloc(0) };
    const assignments = new Map<string, Buffer>();
    for (const a of req.assignments) assignments.set(a.memberId, Buffer.from(a.assignment));
    const result = await b.groups.syncGroup({
      groupId: req.groupId,
      generationId: req.generationId,
      memberId: req.memberId,
      groupInstanceId: v >= 3 ? req.groupInstanceId : null,
      protocolType: v >= 5 ? req.protocolType : null,
      protocolName: v >= 5 ? req.protocolName : null,
      assignments,
    });
    // The leader's assignment is stored with the group: every member's answer waits until it is replicated.
    const replicated = result.errorCode === ErrorCode.NONE ? await b.groupPartitions.whenReplicated(req.groupId) : ErrorCode.NONE;
    if (replicated !== ErrorCode.NONE) return { throttleTimeMs: 0, errorCode: replicated, protocolType: null, protocolName: null, assignment: Buffer.alloc(0) };
    return {
      throttleTimeMs: 0,
      errorCode: result.errorCode,
      protocolType: v >= 5 ? result.protocolType : null,
      protocolName: v >= 5 ? result.protocolName : null,
      assignment: result.assignment,
    };
  });
}
