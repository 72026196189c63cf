/**
 * ConsumerGroupHeartbeat (key 68), v0–1: the KIP-848 consumer group
 * protocol. One request both joins (member epoch 0), heartbeats, carries
 * the subscription and acknowledges revocations (owned partitions), and
 * leaves (-1, or -2 for a static member leaving temporarily); the answer
 * carries the member epoch, the heartbeat interval and, when it changed or
 * on a full request, the member's assignment (topic ids and partitions).
 * The rules live in ConsumerGroupCoordinator, reached through the group
 * coordinator. A joining member turns a classic group into a consumer group
 * (its offsets stay): an empty one always, one with members when
 * `group.consumer.migration.policy` allows the upgrade (its members become
 * classic members of the consumer group); otherwise a classic group's id
 * answers GROUP_ID_NOT_FOUND ("Group g is not a consumer group"), as in
 * Kafka 4.0.
 *
 * Version notes: v1 (Kafka 4.0) adds SubscribedTopicRegex and requires the
 * client to generate its member id (KIP-1082; librdkafka ≥2.10 sends only
 * v1); a v0 client joins with "" and gets an id from the broker.
 *
 * Authorization (Kafka's KafkaApis): READ on the group, else
 * GROUP_AUTHORIZATION_FAILED.
 */
import { Apis } from '../../protocol/apis';
import { ErrorCode } from '../../protocol/errors';
import { ConsumerGroupHeartbeatRequest, ConsumerGroupHeartbeatResponse } from '../../protocol/messages';
import type { BrokerContext } from '../broker-context';
import { defineHandler } from '../define-handler';
import { AclOperation, ResourceType } from '../../security/authorizer/acl';
import { kafkaClientHost } from './client-host';

export function consumerGroupHeartbeatHandler(b: BrokerContext) {
  return defineHandler(Apis.ConsumerGroupHeartbeat, (req: ConsumerGroupHeartbeatRequest, ctx): ConsumerGroupHeartbeatResponse => {
    if (!b.authorizer.allowed(ctx, AclOperation.READ, ResourceType.GROUP, req.groupId)) {
      return {
        throttleTimeMs: 0,
        errorCode: ErrorCode.GROUP_AUTHORIZATION_FAILED,
        errorMessage: 'Group authorization failed.',
        memberId: null,
        memberEpoch: 0,
        heartbeatIntervalMs: 0,
        assignment: null,
      };
    }
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
    return {
      throttleTimeMs: 0,
      errorCode: r.errorCode,
      errorMessage: r.errorMessage,
      memberId: r.memberId,
      memberEpoch: r.memberEpoch,
      heartbeatIntervalMs: r.heartbeatIntervalMs,
      assignment: r.assignment === null ? null : { topicPartitions: r.assignment },
    };
  });
}
