/**
 * The `__consumer_offsets` records of a KIP-848 consumer group, framed as
 * Kafka frames them (key: int16 version, then the key; value: int16
 * version, then the flexible value; a null value is a tombstone), so a
 * Kafka broker or tool reading the topic finds its own records:
 *
 * | kind | key version | what it holds |
 * | --- | ---: | --- |
 * | GroupEpoch | 3 | the group epoch (the group exists while it does) |
 * | SubscriptionMetadata | 4 | the subscribed topics' ids and partition counts |
 * | MemberSubscription | 5 | one member: ids, client, subscription, assignor |
 * | TargetAssignmentEpoch | 6 | the epoch the target assignment was computed for |
 * | TargetAssignmentMember | 7 | one member's target partitions |
 * | CurrentAssignment | 8 | one member's epoch, state, owned and revoking partitions |
 *
 * The codecs are generated from Kafka's schemas (records/, by
 * scripts/gen-group-records.js).
 */
import { Reader, Size, Writer, type MessageCodec } from '../../../protocol/primitives/codec-support';
import {
  type ConsumerGroupCurrentMemberAssignmentKey,
  ConsumerGroupCurrentMemberAssignmentKeyCodec,
  type ConsumerGroupCurrentMemberAssignmentValue,
  ConsumerGroupCurrentMemberAssignmentValueCodec,
  type ConsumerGroupMemberMetadataKey,
  ConsumerGroupMemberMetadataKeyCodec,
  type ConsumerGroupMemberMetadataValue,
  ConsumerGroupMemberMetadataValueCodec,
  type ConsumerGroupMetadataKey,
  ConsumerGroupMetadataKeyCodec,
  type ConsumerGroupMetadataValue,
  ConsumerGroupMetadataValueCodec,
  type ConsumerGroupPartitionMetadataKey,
  ConsumerGroupPartitionMetadataKeyCodec,
  type ConsumerGroupPartitionMetadataValue,
  ConsumerGroupPartitionMetadataValueCodec,
  type ConsumerGroupTargetAssignmentMemberKey,
  ConsumerGroupTargetAssignmentMemberKeyCodec,
  type ConsumerGroupTargetAssignmentMemberValue,
  ConsumerGroupTargetAssignmentMemberValueCodec,
  type ConsumerGroupTargetAssignmentMetadataKey,
  ConsumerGroupTargetAssignmentMetadataKeyCodec,
  type ConsumerGroupTargetAssignmentMetadataValue,
  ConsumerGroupTargetAssignmentMetadataValueCodec,
} from '../records';

interface Kinds {
  GroupEpoch: [ConsumerGroupMetadataKey, ConsumerGroupMetadataValue];
  SubscriptionMetadata: [ConsumerGroupPartitionMetadataKey, ConsumerGroupPartitionMetadataValue];
  MemberSubscription: [ConsumerGroupMemberMetadataKey, ConsumerGroupMemberMetadataValue];
  TargetAssignmentEpoch: [ConsumerGroupTargetAssignmentMetadataKey, ConsumerGroupTargetAssignmentMetadataValue];
  TargetAssignmentMember: [ConsumerGroupTargetAssignmentMemberKey, ConsumerGroupTargetAssignmentMemberValue];
  CurrentAssignment: [ConsumerGroupCurrentMemberAssignmentKey, ConsumerGroupCurrentMemberAssignmentValue];
}

export type ConsumerGroupRecordKind = keyof Kinds;

/** One record: its kind, its key, and its value (null: a tombstone). */
export type ConsumerGroupRecord = {
  [K in ConsumerGroupRecordKind]: { kind: K; key: Kinds[K][0]; value: Kinds[K][1] | null };
}[ConsumerGroupRecordKind];

interface Framing<K extends ConsumerGroupRecordKind> {
  keyVersion: number;
  key: MessageCodec<Kinds[K][0]>;
  value: MessageCodec<Kinds[K][1]>;
}

const FRAMING: { [K in ConsumerGroupRecordKind]: Framing<K> } = {
  GroupEpoch: { keyVersion: 3, key: ConsumerGroupMetadataKeyCodec, value: ConsumerGroupMetadataValueCodec },
  SubscriptionMetadata: { keyVersion: 4, key: ConsumerGroupPartitionMetadataKeyCodec, value: ConsumerGroupPartitionMetadataValueCodec },
  MemberSubscription: { keyVersion: 5, key: ConsumerGroupMemberMetadataKeyCodec, value: ConsumerGroupMemberMetadataValueCodec },
  TargetAssignmentEpoch: { keyVersion: 6, key: ConsumerGroupTargetAssignmentMetadataKeyCodec, value: ConsumerGroupTargetAssignmentMetadataValueCodec },
  TargetAssignmentMember: { keyVersion: 7, key: ConsumerGroupTargetAssignmentMemberKeyCodec, value: ConsumerGroupTargetAssignmentMemberValueCodec },
  CurrentAssignment: { keyVersion: 8, key: ConsumerGroupCurrentMemberAssignmentKeyCodec, value: ConsumerGroupCurrentMemberAssignmentValueCodec },
};

const BY_KEY_VERSION = new Map<number, ConsumerGroupRecordKind>(
  (Object.keys(FRAMING) as ConsumerGroupRecordKind[]).map((kind) => [FRAMING[kind].keyVersion, kind]),
);

/** The value version written (every value schema has only version 0). */
const VALUE_VERSION = 0;

/** Whether a `__consumer_offsets` key (its int16 version) is a consumer group record. */
export function isConsumerGroupRecordKey(key: Buffer): boolean {
  return key.length >= 2 && BY_KEY_VERSION.has(key.readInt16BE(0));
}

function frame<T>(codec: MessageCodec<T>, version: number, data: T): Buffer {
  const size = new Size();
  codec.size(data, version, size);
  const w = new Writer(2 + size.inline);
  w.int16(version);
  codec.write(data, w, version);
  w.finish();
  return w.buf;
}

export function encodeConsumerGroupRecord(record: ConsumerGroupRecord): { key: Buffer; value: Buffer | null } {
  const framing = FRAMING[record.kind] as Framing<ConsumerGroupRecordKind>;
  return {
    key: frame(framing.key as MessageCodec<unknown>, framing.keyVersion, record.key),
    value: record.value === null ? null : frame(framing.value as MessageCodec<unknown>, VALUE_VERSION, record.value),
  };
}

/** Decodes a consumer group record; throws ProtocolError on bytes it cannot read whole. */
export function decodeConsumerGroupRecord(key: Buffer, value: Buffer | null): ConsumerGroupRecord {
  const kr = new Reader(key);
  const keyVersion = kr.int16();
  const kind = BY_KEY_VERSION.get(keyVersion);
  if (kind === undefined) throw new Error(`not a consumer group record: key version ${keyVersion}`);
  const framing = FRAMING[kind] as Framing<ConsumerGroupRecordKind>;
  const decodedKey = framing.key.read(kr, keyVersion);
  let decodedValue: unknown = null;
  if (value !== null) {
    const vr = new Reader(value);
    decodedValue = framing.value.read(vr, vr.int16());
  }
  return { kind, key: decodedKey, value: decodedValue } as ConsumerGroupRecord;
}
