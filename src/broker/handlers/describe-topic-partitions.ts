/**
 * DescribeTopicPartitions (key 75), v0 (KIP-966): topics and their
 * partitions from the metadata image, paged. The Java admin client uses it
 * for describeTopics when a broker advertises it.
 *
 * As Kafka's DescribeTopicPartitionsRequestHandler answers:
 * - no topics named: every topic; else the named ones (each once). Either
 *   way only names at or after the cursor's topic, in name order;
 * - at most min(`max.request.partition.size.limit`, `response_partition_limit`)
 *   partitions (at least 1) per response. When a topic does not fit, the
 *   response ends with it and `next_cursor` names it and the first
 *   partition left out; when the limit is reached exactly at a topic's end,
 *   the cursor names the next topic at partition 0. The cursor's topic
 *   starts at the cursor's partition, the others at 0;
 * - a cursor whose topic is not among the named topics, or with a negative
 *   partition, fails the request: INVALID_REQUEST for every named topic;
 * - a named topic that does not exist: UNKNOWN_TOPIC_OR_PARTITION, or
 *   INVALID_TOPIC_EXCEPTION for a name no topic can have (only when topics
 *   are named; listing all never reports errors);
 * - per partition: the leader when it is a registered, unfenced broker
 *   (else -1), the leader epoch, replicas, ISR, replicas on brokers that
 *   are not live as offline, and empty ELR lists (Weir has no eligible
 *   leader replicas).
 * Authorization (Kafka's handler): a topic the principal may not DESCRIBE
 * is left out; when topics are named, it is answered at the end with
 * TOPIC_AUTHORIZATION_FAILED (its existence is never checked). Each topic's
 * authorized operations (KIP-430) are those the principal may do on it.
 */
import { isInternalTopic, topicNameProblem } from '../../cluster/topic-name';
import type { MetadataImage, TopicImage } from '../../cluster/metadata/metadata-image';
import { Apis } from '../../protocol/apis';
import { ErrorCode } from '../../protocol/errors';
import { DescribeTopicPartitionsRequest, DescribeTopicPartitionsResponse } from '../../protocol/messages';
import { ZERO_UUID } from '../../protocol/primitives/codec-support';
import { AclOperation, ResourceType } from '../../security/authorizer/acl';
import type { BrokerContext } from '../broker-context';
import { defineHandler } from '../define-handler';

type ResponseTopic = DescribeTopicPartitionsResponse.DescribeTopicPartitionsResponseTopic;
type ResponsePartition = DescribeTopicPartitionsResponse.DescribeTopicPartitionsResponsePartition;

/** Java's String.compareTo for the names compared here (UTF-16 code units, as JS compares). */
const byName = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
const NOT_REQUESTED = -2147483648;

export function describeTopicPartitionsHandler(b: BrokerContext) {
  const brokerLimit = b.config.number('max.request.partition.size.limit');
  return defineHandler(Apis.DescribeTopicPartitions, (req: DescribeTopicPartitionsRequest, ctx): DescribeTopicPartitionsResponse => {
    const authorizedToDescribe = (topic: string) => b.authorizer.allowed(ctx, AclOperation.DESCRIBE, ResourceType.TOPIC, topic);
    const topicOperations = (topic: string) => b.authorizer.authorizedOperations(ctx, ResourceType.TOPIC, topic);
    const image = b.metadata.image;
    const all = req.topics.length === 0;
    const cursor = req.cursor;
    const from = cursor?.topicName ?? '';
    const names = new Set<string>();
    for (const name of all ? image.topics.byName.keys() : req.topics.map((t) => t.name)) if (byName(name, from) >= 0) names.add(name);
    // A malformed cursor fails the request (Kafka throws InvalidRequestException): every named topic gets the error.
    const invalid = (): DescribeTopicPartitionsResponse => ({
      throttleTimeMs: 0,
      topics: req.topics.map((t) => ({ errorCode: ErrorCode.INVALID_REQUEST, name: t.name, topicId: ZERO_UUID, isInternal: false, partitions: [], topicAuthorizedOperations: -2147483648 })),
      nextCursor: null,
    });
    // The cursor's topic must be among those named, and its partition not negative.
    if (cursor !== null && ((!all && !names.has(cursor.topicName)) || cursor.partitionIndex < 0)) return invalid();

    const limit = Math.max(Math.min(brokerLimit, req.responsePartitionLimit), 1);
    let remaining = limit;
    const topics: ResponseTopic[] = [];
    const unauthorized: ResponseTopic[] = [];
    let nextCursor: DescribeTopicPartitionsResponse.Cursor | null = null;
    for (const name of [...names].sort(byName)) {
      if (!authorizedToDescribe(name)) {
        if (!all) {
          unauthorized.push({ errorCode: ErrorCode.TOPIC_AUTHORIZATION_FAILED, name, topicId: ZERO_UUID, isInternal: false, partitions: [], topicAuthorizedOperations: NOT_REQUESTED });
        }
        continue;
      }
      if (remaining === 0) {
        // The previous topic ended exactly at the limit: the next response starts here.
        nextCursor = { topicName: name, partitionIndex: 0 };
        break;
      }
      const topic = image.topics.get(name);
      if (!topic) {
        if (!all) topics.push(missingTopic(name, topicOperations));
        continue;
      }
      const start = cursor !== null && name === cursor.topicName ? cursor.partitionIndex : 0;
      const end = Math.min(topic.partitions.size, start + remaining);
      const partitions: ResponsePartition[] = [];
      for (let i = start; i < end; i++) {
        const p = partitionEntry(image, topic, i);
        if (p) partitions.push(p);
      }
      topics.push({ errorCode: ErrorCode.NONE, name, topicId: topic.id, isInternal: isInternalTopic(name), partitions, topicAuthorizedOperations: topicOperations(name) });
      if (end < topic.partitions.size) {
        nextCursor = { topicName: name, partitionIndex: end };
        break;
      }
      remaining -= partitions.length;
    }
    return { throttleTimeMs: 0, topics: [...topics, ...unauthorized], nextCursor };
  });

  function missingTopic(name: string, topicOperations: (topic: string) => number): ResponseTopic {
    return {
      errorCode: topicNameProblem(name) === null ? ErrorCode.UNKNOWN_TOPIC_OR_PARTITION : ErrorCode.INVALID_TOPIC_EXCEPTION,
      name,
      topicId: ZERO_UUID,
      isInternal: isInternalTopic(name),
      partitions: [],
      topicAuthorizedOperations: topicOperations(name),
    };
  }
}

/** A partition as the image has it; the leader only when it is a live broker. */
function partitionEntry(image: MetadataImage, topic: TopicImage, index: number): ResponsePartition | null {
  const p = topic.partitions.get(index);
  if (!p) return null;
  const live = (id: number) => {
    const broker = image.brokers.get(id);
    return broker !== undefined && !broker.fenced;
  };
  return {
    errorCode: ErrorCode.NONE,
    partitionIndex: index,
    leaderId: live(p.leader) ? p.leader : -1,
    leaderEpoch: p.leaderEpoch,
    replicaNodes: [...p.replicas],
    isrNodes: [...p.isr],
    eligibleLeaderReplicas: [],
    lastKnownElr: [],
    offlineReplicas: p.replicas.filter((r) => !live(r)),
  };
}
