/**
 * ConsumerGroupHeartbeat (key 68), v0–1: the KIP-848 consumer group
 * protocol. One request both joins (member epoch 0), heartbeats, carries
 * the subscription and acknowledges revocations (owned partitions), and
 * leaves (-1, or -2 for a static member leaving temporarily); the answer
 * carries the member epoch, the heartbeat interval and, when it changed or
 * on a full request, the member's assignment (topic ids and partitions).
 * The rules live in ConsumerGroupCoordinator, reached through the group
 * coordinator: a classic group's id answers GROUP_ID_NOT_FOUND ("Group g is
 * not a consumer group"), except an empty classic group, whose id becomes
 * the consumer group's (its offsets stay), as in Kafka 4.0.
 *
 * Version notes: v1 (Kafka 4.0) adds SubscribedTopicRegex and requires the
 * client to generate its member id (KIP-1082; librdkafka ≥2.10 sends only
 * v1); a v0 client joins with "" and gets an id from the broker.
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
import { ConsumerGroupHeartbeatRequest, ConsumerGroupHeartbeatResponse } from '../../protocol/messages';
import type { BrokerContext } from '../broker-context';
import { defineHandler } from '../define-handler';
import { AclOperation, ResourceType } from '../../security/authorizer/acl';
import { afterReplication } from '../../coordinator/coordinator-partitions';
import { kafkaClientHost } from './client-host';

export function consumerGroupHeartbeatHandler(b: BrokerContext) {
  return defineHandler(Apis.ConsumerGroupHeartbeat, (req: ConsumerGroupHeartbeatRequest, ctx): ConsumerGroupHeartbeatResponse | Promise<ConsumerGroupHeartbeatResponse> => {
    const failed = (errorCode: ErrorCode, errorMessage: string): ConsumerGroupHeartbeatResponse => ({
      throttleTimeMs: 0,
      errorCode,
      errorMessage,
      memberId: null,
      memberEpoch: 0,
      heartbeatIntervalMs: 0,
      assignment: null,
    });
    if (!b.authorizer.allowed(ctx, AclOperation.READ, ResourceType.GROUP, req.groupId)) return failed(ErrorCode.GROUP_AUTHORIZATION_FAILED, 'Group authorization failed.');
    const notHere = b.groupPartitions.ownerError(req.groupId);
    if (notHere !== ErrorCode.NONE) return failed(notHere, 'The coordinator is not available here.');
    const r = b.groups.consumerGroupHeartbeat({
      apiVersion: ctx.apiVersion,
      groupId: req.groupId,
      memberId: req.memberId,
      memberEpoch: req.memberEpoch,
      instanceId: req.instanceId,
      rackId: req.rackId,
      rebalanceTimeoutMs: req.rebalanceTimeoutMs,
      subscribedTopicNames: req.subscribedTopicNames,
      subscribedTopicRegex: ctx.apiVersion >= 1 ? req.subscribedTopicRegex : null,
      serverAssignor: req.serverAssignor,
      ownedTopicPartitions: req.topicPartitions,
      clientId: ctx.clientId ?? '',
      clientHost: kafkaClientHost(ctx.remoteAddress),
    });
    const answer = (replicated: ErrorCode): ConsumerGroupHeartbeatResponse =>
      replicated !== ErrorCode.NONE
        ? failed(replicated, 'The group state was not replicated.')
        : {
            throttleTimeMs: 0,
            errorCode: r.errorCode,
            errorMessage: r.errorMessage,
            memberId: r.memberId,
            memberEpoch: r.memberEpoch,
            heartbeatIntervalMs: r.heartbeatIntervalMs,
            assignment: r.assignment === null ? null : { topicPartitions: r.assignment },
          };
    // What the heartbeat wrote (a new member, epoch or assignment) is answered once replicated.
    return r.errorCode === ErrorCode.NONE ? afterReplication(b.groupPartitions.whenReplicated(req.groupId), answer) : answer(ErrorCode.NONE);
  });
}
