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
import type {
  ConsumerGroupCurrentMemberAssignmentKey,
  ConsumerGroupCurrentMemberAssignmentValue,
  ConsumerGroupMemberMetadataKey,
  ConsumerGroupMemberMetadataValue,
  ConsumerGroupMetadataKey,
  ConsumerGroupMetadataValue,
  ConsumerGroupPartitionMetadataKey,
  ConsumerGroupPartitionMetadataValue,
  ConsumerGroupTargetAssignmentMemberKey,
  ConsumerGroupTargetAssignmentMemberValue,
  ConsumerGroupTargetAssignmentMetadataKey,
  ConsumerGroupTargetAssignmentMetadataValue,
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
  key: MessageCodec<Kinds[K][0]>;
  value: MessageCodec<Kinds[K][1]>;
}

/** The key version of each kind (Kafka's record type). */
const KEY_VERSION: { [K in ConsumerGroupRecordKind]: number } = {
  GroupEpoch: 3,
  SubscriptionMetadata: 4,
  MemberSubscription: 5,
  TargetAssignmentEpoch: 6,
  TargetAssignmentMember: 7,
  CurrentAssignment: 8,
};

const BY_KEY_VERSION = new Map<number, ConsumerGroupRecordKind>(
  (Object.keys(KEY_VERSION) as ConsumerGroupRecordKind[]).map((kind) => [KEY_VERSION[kind], kind]),
);

let framingTable: { [K in ConsumerGroupRecordKind]: Framing<K> } | null = null;

/** The codecs, loaded at the first KIP-848 record (a broker without such groups never needs them). */
function framing(kind: ConsumerGroupRecordKind): Framing<ConsumerGroupRecordKind> {
  if (framingTable === null) {
    const R = require('../records') as typeof import('../records');
    framingTable = {
      GroupEpoch: { key: R.ConsumerGroupMetadataKeyCodec, value: R.ConsumerGroupMetadataValueCodec },
      SubscriptionMetadata: { key: R.ConsumerGroupPartitionMetadataKeyCodec, value: R.ConsumerGroupPartitionMetadataValueCodec },
      MemberSubscription: { key: R.ConsumerGroupMemberMetadataKeyCodec, value: R.ConsumerGroupMemberMetadataValueCodec },
      TargetAssignmentEpoch: { key: R.ConsumerGroupTargetAssignmentMetadataKeyCodec, value: R.ConsumerGroupTargetAssignmentMetadataValueCodec },
      TargetAssignmentMember: { key: R.ConsumerGroupTargetAssignmentMemberKeyCodec, value: R.ConsumerGroupTargetAssignmentMemberValueCodec },
      CurrentAssignment: { key: R.ConsumerGroupCurrentMemberAssignmentKeyCodec, value: R.ConsumerGroupCurrentMemberAssignmentValueCodec },
    };
  }
  return framingTable[kind] as Framing<ConsumerGroupRecordKind>;
}

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
  const f = framing(record.kind);
  return {
    key: frame(f.key as MessageCodec<unknown>, KEY_VERSION[record.kind], record.key),
    value: record.value === null ? null : frame(f.value as MessageCodec<unknown>, VALUE_VERSION, record.value),
  };
}

/** Decodes a consumer group record; throws ProtocolError on bytes it cannot read whole. */
export function decodeConsumerGroupRecord(key: Buffer, value: Buffer | null): ConsumerGroupRecord {
  const kr = new Reader(key);
  const keyVersion = kr.int16();
  const kind = BY_KEY_VERSION.get(keyVersion);
  if (kind === undefined) throw new Error(`not a consumer group record: key version ${keyVersion}`);
  const f = framing(kind);
  const decodedKey = f.key.read(kr, keyVersion);
  let decodedValue: unknown = null;
  if (value !== null) {
    const vr = new Reader(value);
    decodedValue = f.value.read(vr, vr.int16());
  }
  return { kind, key: decodedKey, value: decodedValue } as ConsumerGroupRecord;
}
