/**
 * The classic consumer protocol's embedded bytes (Kafka's ConsumerProtocol):
 * a JoinGroup member's ConsumerProtocolSubscription and a SyncGroup
 * member's ConsumerProtocolAssignment, each an int16 version then the body
 * of that version. Read as Kafka reads them: a version newer than ours is
 * read as the newest we know, fields after the known ones are ignored.
 * The coordinator needs them when a group changes between the classic and
 * the consumer protocol, and to serve classic members of a consumer group.
 */
import { ConsumerProtocolAssignmentCodec, ConsumerProtocolSubscriptionCodec } from '../../protocol/messages';
import type { ConsumerProtocolAssignment, ConsumerProtocolSubscription } from '../../protocol/messages';
import { encodeMessageToBuffer } from '../../protocol/message-io';
import { Reader } from '../../protocol/primitives/reader';

/** The version of embedded protocol bytes (Kafka's ConsumerProtocol.deserializeVersion); throws on fewer than two bytes. */
export function consumerProtocolVersion(bytes: Buffer): number {
  if (bytes.length < 2) throw new Error('consumer protocol bytes shorter than their version');
  return bytes.readInt16BE(0);
}

/** Throws when the bytes are not a ConsumerProtocolSubscription. */
export function decodeConsumerSubscription(bytes: Buffer): ConsumerProtocolSubscription {
  const version = Math.min(consumerProtocolVersion(bytes), ConsumerProtocolSubscriptionCodec.maxVersion);
  if (version < 0) throw new Error(`consumer protocol subscription version ${version}`);
  return ConsumerProtocolSubscriptionCodec.read(new Reader(bytes, 2), version);
}

/** An empty buffer (a member never assigned) is an empty assignment; throws on bytes that are no assignment. */
export function decodeConsumerAssignment(bytes: Buffer): ConsumerProtocolAssignment {
  if (bytes.length === 0) return { assignedPartitions: [], userData: null };
  const version = Math.min(consumerProtocolVersion(bytes), ConsumerProtocolAssignmentCodec.maxVersion);
  if (version < 0) throw new Error(`consumer protocol assignment version ${version}`);
  return ConsumerProtocolAssignmentCodec.read(new Reader(bytes, 2), version);
}

/** An assignment at `version` (the member's subscription's, as Kafka answers), clamped to the versions we write. */
export function encodeConsumerAssignment(assignedPartitions: readonly { topic: string; partitions: number[] }[], version: number): Buffer {
  const v = Math.max(0, Math.min(version, ConsumerProtocolAssignmentCodec.maxVersion));
  const prefix = Buffer.alloc(2);
  prefix.writeInt16BE(v);
  return Buffer.concat([prefix, encodeMessageToBuffer(ConsumerProtocolAssignmentCodec, { assignedPartitions: [...assignedPartitions], userData: null }, v)]);
}
