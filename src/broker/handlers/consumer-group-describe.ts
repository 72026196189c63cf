/**
 * ConsumerGroupDescribe (key 69), v0: KIP-848 consumer groups with their
 * epochs, assignor and members (subscriptions, current and target
 * assignments with topic ids and names). A classic group or an unknown id
 * answers GROUP_ID_NOT_FOUND, as Kafka does.
 *
 * Authorization (Kafka's KafkaApis): DESCRIBE on the group, else
 * GROUP_AUTHORIZATION_FAILED; authorizedOperations (KIP-430) are the group
 * operations the principal may do.
 *
 * Coordination (coordinator-partitions.ts): a broker that does not
 * coordinate the group answers NOT_COORDINATOR (COORDINATOR_LOAD_IN_PROGRESS
 * while its partition loads).
 */
import { Apis } from '../../protocol/apis';
import { ErrorCode } from '../../protocol/errors';
import { ConsumerGroupDescribeRequest, ConsumerGroupDescribeResponse } from '../../protocol/messages';
import { toWire, type TopicPartitionSet } from '../../coordinator/group/consumer/topic-partitions';
import type { BrokerContext } from '../broker-context';
import { defineHandler } from '../define-handler';
import { AclOperation, ResourceType } from '../../security/authorizer/acl';

const NOT_REQUESTED = -2147483648;

export function consumerGroupDescribeHandler(b: BrokerContext) {
  const assignment = (a: TopicPartitionSet): ConsumerGroupDescribeResponse.Assignment => ({
    topicPartitions: toWire(a).map((t) => ({ topicId: t.topicId, topicName: b.metadata.image.topics.getById(t.topicId)?.name ?? '', partitions: t.partitions })),
  });
  return defineHandler(Apis.ConsumerGroupDescribe, (req: ConsumerGroupDescribeRequest, ctx): ConsumerGroupDescribeResponse => {
    const operations = (groupId: string) =>
      req.includeAuthorizedOperations ? b.authorizer.authorizedOperations(ctx, ResourceType.GROUP, groupId) : NOT_REQUESTED;
    return {
      throttleTimeMs: 0,
      groups: req.groupIds.map((groupId): ConsumerGroupDescribeResponse.DescribedGroup => {
        const failed = (errorCode: number, errorMessage: string, authorizedOperations: number): ConsumerGroupDescribeResponse.DescribedGroup => ({
          errorCode,
          errorMessage,
          groupId,
          groupState: '',
          groupEpoch: 0,
          assignmentEpoch: 0,
          assignorName: '',
          members: [],
          authorizedOperations,
        });
        if (!b.authorizer.allowed(ctx, AclOperation.DESCRIBE, ResourceType.GROUP, groupId)) {
          return failed(ErrorCode.GROUP_AUTHORIZATION_FAILED, 'Group authorization failed.', NOT_REQUESTED);
        }
        const notHere = b.groupPartitions.ownerError(groupId);
        if (notHere !== ErrorCode.NONE) return failed(notHere, 'This is not the correct coordinator.', NOT_REQUESTED);
        const described = b.groups.describeConsumerGroup(groupId);
        const g = described.group;
        if (g === null) return failed(described.errorCode, described.errorMessage ?? '', operations(groupId));
        return {
          errorCode: ErrorCode.NONE,
          errorMessage: null,
          groupId,
          groupState: g.state,
          groupEpoch: g.groupEpoch,
          assignmentEpoch: g.assignmentEpoch,
          assignorName: g.assignorName,
          members: g.members.map((m) => ({
            memberId: m.memberId,
            instanceId: m.instanceId,
            rackId: m.rackId,
            memberEpoch: m.memberEpoch,
            clientId: m.clientId,
            clientHost: m.clientHost,
            subscribedTopicNames: m.subscribedTopicNames,
            subscribedTopicRegex: m.subscribedTopicRegex,
            assignment: assignment(m.assignment),
            targetAssignment: assignment(m.targetAssignment),
          })),
          authorizedOperations: operations(groupId),
        };
      }),
    };
  });
}
