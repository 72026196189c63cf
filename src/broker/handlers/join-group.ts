/**
 * JoinGroup (key 11), v0–9.
 *
 * Joins the classic group through the group coordinator; the answer waits
 * (a parked promise) until the join phase of the rebalance ends, bounded by
 * the members' rebalance timeouts. The leader's answer lists every member's
 * metadata for the protocol the group chose.
 *
 * Version notes: v0 has no rebalance timeout (the session timeout serves
 * both, as in Kafka). v4+ get MEMBER_ID_REQUIRED on a first join and must
 * rejoin with the id they were given (never below v4: G9). v5+ carry
 * group.instance.id (static membership). v7+ answer the protocol type and a
 * nullable protocol name (older versions get "" on errors). v8 adds the
 * client's reason; v9 the static leader's SkipAssignment (KIP-814).
 *
 * A group id used by a KIP-848 consumer group with members answers
 * INCONSISTENT_GROUP_PROTOCOL (Weir does not mix classic members into
 * consumer groups yet); an empty one becomes a classic group (the group
 * coordinator decides: one coordinator owns every group id).
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
import { JoinGroupRequest, JoinGroupResponse } from '../../protocol/messages';
import type { BrokerContext } from '../broker-context';
import { defineHandler } from '../define-handler';
import { AclOperation, ResourceType } from '../../security/authorizer/acl';
import { kafkaClientHost } from './client-host';

export function joinGroupHandler(b: BrokerContext) {
  return defineHandler(Apis.JoinGroup, async (req: JoinGroupRequest, ctx): Promise<JoinGroupResponse> => {
    const v = ctx.apiVersion;
    const failed = (errorCode: ErrorCode, memberId: string): JoinGroupResponse => ({
      throttleTimeMs: 0,
      errorCode,
      generationId: -1,
      protocolType: null,
      protocolName: v >= 7 ? null : '',
      leader: '',
      skipAssignment: false,
      memberId,
      members: [],
    });
    if (!b.authorizer.allowed(ctx, AclOperation.READ, ResourceType.GROUP, req.groupId)) return failed(ErrorCode.GROUP_AUTHORIZATION_FAILED, req.memberId);
    const notHere = b.groupPartitions.ownerError(req.groupId);
    if (notHere !== ErrorCode.NONE) return failed(notHere, req.memberId);
    const result = await b.groups.joinGroup({
      groupId: req.groupId,
      memberId: req.memberId,
      groupInstanceId: v >= 5 ? req.groupInstanceId : null,
      requireKnownMemberId: v >= 4,
      supportSkipAssignment: v >= 9,
      clientId: ctx.clientId ?? '',
      clientHost: kafkaClientHost(ctx.remoteAddress),
      rebalanceTimeoutMs: v === 0 ? req.sessionTimeoutMs : req.rebalanceTimeoutMs,
      sessionTimeoutMs: req.sessionTimeoutMs,
      protocolType: req.protocolType,
      // Copied: the group keeps them for its lifetime, and they are slices of the request frame.
      protocols: req.protocols.map((p) => ({ name: p.name, metadata: Buffer.from(p.metadata) })),
      reason: v >= 8 ? req.reason : null,
    });
    // What the join stored (a rebalance that completed) is answered once replicated.
    const replicated = result.errorCode === ErrorCode.NONE ? await b.groupPartitions.whenReplicated(req.groupId) : ErrorCode.NONE;
    if (replicated !== ErrorCode.NONE) return failed(replicated, result.memberId);
    return {
      throttleTimeMs: 0,
      errorCode: result.errorCode,
      generationId: result.generationId,
      protocolType: v >= 7 ? result.protocolType : null,
      protocolName: v >= 7 ? result.protocolName : (result.protocolName ?? ''),
      leader: result.leaderId,
      skipAssignment: v >= 9 && result.skipAssignment,
      memberId: result.memberId,
      members: result.members.map((m) => ({ memberId: m.memberId, groupInstanceId: v >= 5 ? m.groupInstanceId : null, metadata: m.metadata })),
    };
  });
}
