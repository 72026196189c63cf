/**
 * DescribeGroups (key 15), v0–5.
 *
 * State, protocol type, chosen protocol and members of each group. Like
 * Kafka, member metadata and assignments (and the protocol) are filled in
 * only when the group is Stable; an unknown group is described as Dead with
 * no error.
 *
 * A KIP-848 consumer group is described as Kafka 4.0 does: its state,
 * protocol type "consumer", the assignor as protocol, and members with
 * their subscription and assignment in the classic consumer protocol's
 * encoding.
 *
 * Version notes: v3+ may ask for authorized operations (no ACLs: every
 * group operation); v4+ answer group.instance.id.
 *
 * Authorization (Kafka's KafkaApis): DESCRIBE on the group, else
 * GROUP_AUTHORIZATION_FAILED for it; authorizedOperations (v3+, KIP-430)
 * are the group operations the principal may do.
 *
 * Coordination (coordinator-partitions.ts): a broker that does not
 * coordinate the group answers NOT_COORDINATOR (COORDINATOR_LOAD_IN_PROGRESS
 * while its partition loads).
 */
import { Apis } from '../../protocol/apis';
import { DescribeGroupsRequest, DescribeGroupsResponse } from '../../protocol/messages';
import { ErrorCode } from '../../protocol/errors';
import type { BrokerContext } from '../broker-context';
import { defineHandler } from '../define-handler';
import { AclOperation, ResourceType } from '../../security/authorizer/acl';
import { encodeClassicAssignment, encodeClassicSubscription } from './consumer-group-protocol-bytes';

const NOT_REQUESTED = -2147483648;

export function describeGroupsHandler(b: BrokerContext) {
  return defineHandler(Apis.DescribeGroups, (req: DescribeGroupsRequest, ctx): DescribeGroupsResponse => {
    const v = ctx.apiVersion;
    const operations = (groupId: string) =>
      v >= 3 && req.includeAuthorizedOperations ? b.authorizer.authorizedOperations(ctx, ResourceType.GROUP, groupId) : NOT_REQUESTED;
    return {
      throttleTimeMs: 0,
      groups: req.groups.map((groupId) => {
        if (!b.authorizer.allowed(ctx, AclOperation.DESCRIBE, ResourceType.GROUP, groupId)) {
          return {
            errorCode: ErrorCode.GROUP_AUTHORIZATION_FAILED,
            groupId,
            groupState: '',
            protocolType: '',
            protocolData: '',
            members: [],
            authorizedOperations: NOT_REQUESTED,
          };
        }
        const notHere = b.groupPartitions.ownerError(groupId);
        if (notHere !== ErrorCode.NONE) {
          return { errorCode: notHere, groupId, groupState: '', protocolType: '', protocolData: '', members: [], authorizedOperations: NOT_REQUESTED };
        }
        const described = b.groups.describeGroup(groupId);
        if (described.kind === 'consumer') {
          const cg = described.group;
          const topicName = (topicId: string) => b.metadata.image.topics.getById(topicId)?.name;
          return {
            errorCode: ErrorCode.NONE,
            groupId,
            groupState: cg.state,
            protocolType: 'consumer',
            protocolData: cg.assignorName,
            members: cg.members.map((m) => ({
              memberId: m.memberId,
              groupInstanceId: v >= 4 ? m.instanceId : null,
              clientId: m.clientId,
              clientHost: m.clientHost,
              memberMetadata: encodeClassicSubscription(m.subscribedTopicNames),
              memberAssignment: encodeClassicAssignment(m.assignment, topicName),
            })),
            authorizedOperations: operations(groupId),
          };
        }
        const g = described;
        return {
          errorCode: g.errorCode,
          groupId: g.groupId,
          groupState: g.state,
          protocolType: g.protocolType,
          protocolData: g.protocolData,
          members: g.members.map((m) => ({
            memberId: m.memberId,
            groupInstanceId: v >= 4 ? m.groupInstanceId : null,
            clientId: m.clientId,
            clientHost: m.clientHost,
            memberMetadata: m.metadata,
            memberAssignment: m.assignment,
          })),
          authorizedOperations: operations(groupId),
        };
      }),
    };
  });
}
