/**
 * A KIP-848 member as the classic DescribeGroups API shows it (Kafka 4.0's
 * ConsumerGroup.asDescribedGroup): its subscription and assignment encoded
 * as the classic consumer protocol's ConsumerProtocolSubscription /
 * ConsumerProtocolAssignment (version 0, which every client decodes), with
 * topic names, so kafka-consumer-groups style tools keep working.
 */
import { ConsumerProtocolAssignmentCodec, ConsumerProtocolSubscriptionCodec } from '../../protocol/messages';
import { encodeMessageToBuffer } from '../../protocol/message-io';
import type { TopicPartitionSet } from '../../coordinator/group/consumer/topic-partitions';
import { toWire } from '../../coordinator/group/consumer/topic-partitions';

const VERSION = 0;

function withVersion(body: Buffer): Buffer {
  const prefix = Buffer.alloc(2);
  prefix.writeInt16BE(VERSION);
  return Buffer.concat([prefix, body]);
}

export function encodeClassicSubscription(topics: readonly string[]): Buffer {
  return withVersion(
    encodeMessageToBuffer(ConsumerProtocolSubscriptionCodec, { topics: [...topics].sort(), userData: null, ownedPartitions: [], generationId: -1, rackId: null }, VERSION),
  );
}

export function encodeClassicAssignment(partitions: TopicPartitionSet, topicName: (topicId: string) => string | undefined): Buffer {
  const assignedPartitions = toWire(partitions).flatMap((t) => {
    const topic = topicName(t.topicId);
    return topic === undefined ? [] : [{ topic, partitions: t.partitions }];
  });
  return withVersion(encodeMessageToBuffer(ConsumerProtocolAssignmentCodec, { assignedPartitions, userData: null }, VERSION));
}
