/**
 * OffsetDelete (key 47), v0.
 *
 * Deletes a group's committed offsets for some partitions. Allowed for an
 * Empty group, and for a consumer group's topics no member subscribes to
 * (GROUP_SUBSCRIBED_TO_TOPIC otherwise); a non-consumer group with members
 * gets NON_EMPTY_GROUP, an unknown group GROUP_ID_NOT_FOUND. Unknown topic
 * partitions get UNKNOWN_TOPIC_OR_PARTITION. A KIP-848 consumer group's
 * offsets are checked against the topics its members subscribe to.
 *
 * Authorization (Kafka's KafkaApis): DELETE on the group, else
 * GROUP_AUTHORIZATION_FAILED; READ on each topic, else its partitions are
 * TOPIC_AUTHORIZATION_FAILED.
 *
 * Coordination (coordinator-partitions.ts): a broker that does not
 * coordinate the group answers NOT_COORDINATOR (COORDINATOR_LOAD_IN_PROGRESS
 * while its partition loads); what the request stored is answered once the
 * `__consumer_offsets` partition has it replicated (acks=all), else with
 * Kafka's coordinator error (COORDINATOR_NOT_AVAILABLE, NOT_COORDINATOR).
 */
import { Apis } from '../../protocol/apis';
import { ErrorCode } from '../../protocol/errors';
import { OffsetDeleteRequest, OffsetDeleteResponse } from '../../protocol/messages';
import type { BrokerContext } from '../broker-context';
import { defineHandler } from '../define-handler';
import { AclOperation, ResourceType } from '../../security/authorizer/acl';
import { afterReplication } from '../../coordinator/coordinator-partitions';

export function offsetDeleteHandler(b: BrokerContext) {
  return defineHandler(Apis.OffsetDelete, (req: OffsetDeleteRequest, ctx): OffsetDeleteResponse | Promise<OffsetDeleteResponse> => {
    if (!b.authorizer.allowed(ctx, AclOperation.DELETE, ResourceType.GROUP, req.groupId)) return { errorCode: ErrorCode.GROUP_AUTHORIZATION_FAILED, throttleTimeMs: 0, topics: [] };
    const notHere = b.groupPartitions.ownerError(req.groupId);
    if (notHere !== ErrorCode.NONE) return { errorCode: notHere, throttleTimeMs: 0, topics: [] };
    const readable = b.authorizer.allowedNames(ctx, AclOperation.READ, ResourceType.TOPIC, req.topics.map((t) => t.name));
    const errors: (ErrorCode | null)[] = [];
    const valid: { topic: string; partition: number }[] = [];
    const topics = b.metadata.image.topics;
    for (const t of req.topics) {
      for (const p of t.partitions) {
        if (!readable.has(t.name)) {
          errors.push(ErrorCode.TOPIC_AUTHORIZATION_FAILED);
        } else if (!topics.partition(t.name, p.partitionIndex)) {
          errors.push(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
        } else {
          errors.push(null);
          valid.push({ topic: t.name, partition: p.partitionIndex });
        }
      }
    }
    const result = b.groups.deleteOffsets(req.groupId, valid);
    if (result.errorCode !== ErrorCode.NONE) return { errorCode: result.errorCode, throttleTimeMs: 0, topics: [] };
    const answer = (replicated: ErrorCode): OffsetDeleteResponse => {
      // The tombstones count once replicated.
      if (replicated !== ErrorCode.NONE) return { errorCode: replicated, throttleTimeMs: 0, topics: [] };
      let next = 0;
      let i = 0;
      return {
        errorCode: ErrorCode.NONE,
        throttleTimeMs: 0,
        topics: req.topics.map((t) => ({
          name: t.name,
          partitions: t.partitions.map((p) => ({
            partitionIndex: p.partitionIndex,
            errorCode: errors[i++] ?? result.partitionErrors[next++] ?? ErrorCode.UNKNOWN_SERVER_ERROR,
          })),
        })),
      };
    };
    return afterReplication(b.groupPartitions.whenReplicated(req.groupId), answer);
  });
}
