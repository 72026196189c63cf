/**
 * The key and value formats of `__consumer_offsets` records, as Kafka writes
 * them (group-coordinator's OffsetCommitKey/Value and GroupMetadataKey/Value
 * schemas), so Kafka's own tools and lag exporters can read the topic.
 *
 * Keys start with an int16 version: 0 and 1 are offset commits (same
 * layout), 2 is group metadata; 3+ are KIP-848 records, which the classic
 * coordinator skips. We write OffsetCommitKey v1, OffsetCommitValue v3,
 * GroupMetadataKey v2 and GroupMetadataValue v3, and read every version up
 * to the flexible v4. A null value is a tombstone.
 */
import { Reader } from '../../protocol/primitives/reader';

export const OFFSET_COMMIT_KEY_VERSION = 1;
export const GROUP_METADATA_KEY_VERSION = 2;
const OFFSET_COMMIT_VALUE_VERSION = 3;
const GROUP_METADATA_VALUE_VERSION = 3;
const FIRST_FLEXIBLE_VALUE_VERSION = 4;

export interface OffsetCommitKey {
  kind: 'offset';
  group: string;
  topic: string;
  partition: number;
}

export interface GroupMetadataKey {
  kind: 'group';
  group: string;
}

export type OffsetsTopicKey = OffsetCommitKey | GroupMetadataKey;

export interface OffsetCommitValue {
  offset: bigint;
  leaderEpoch: number;
  metadata: string;
  commitTimestamp: number;
  /** Only in v1 records (old clients' retention time); -1 otherwise. */
  expireTimestamp: number;
}

export interface StoredGroupMember {
  memberId: string;
  groupInstanceId: string | null;
  clientId: string;
  clientHost: string;
  rebalanceTimeoutMs: number;
  sessionTimeoutMs: number;
  subscription: Buffer;
  assignment: Buffer;
}

export interface GroupMetadataValue {
  protocolType: string;
  generation: number;
  protocol: string | null;
  leader: string | null;
  currentStateTimestamp: number;
  members: StoredGroupMember[];
}

/** A growable big-endian byte builder for these small records. */
class RecordWriter {
  private readonly parts: Buffer[] = [];

  int16(v: number): this {
    const b = Buffer.allocUnsafe(2);
    b.writeInt16BE(v);
    this.parts.push(b);
    return this;
  }

  int32(v: number): this {
    const b = Buffer.allocUnsafe(4);
    b.writeInt32BE(v);
    this.parts.push(b);
    return this;
  }

  int64(v: bigint): this {
    const b = Buffer.allocUnsafe(8);
    b.writeBigInt64BE(v);
    this.parts.push(b);
    return this;
  }

  string(v: string | null): this {
    if (v === null) return this.int16(-1);
    const s = Buffer.from(v, 'utf8');
    this.int16(s.length);
    this.parts.push(s);
    return this;
  }

  bytes(v: Buffer): this {
    this.int32(v.length);
    this.parts.push(v);
    return this;
  }

  finish(): Buffer {
    return Buffer.concat(this.parts);
  }
}

export function encodeOffsetCommitKey(group: string, topic: string, partition: number): Buffer {
  return new RecordWriter().int16(OFFSET_COMMIT_KEY_VERSION).string(group).string(topic).int32(partition).finish();
}

export function encodeGroupMetadataKey(group: string): Buffer {
  return new RecordWriter().int16(GROUP_METADATA_KEY_VERSION).string(group).finish();
}

export function encodeOffsetCommitValue(v: OffsetCommitValue): Buffer {
  return new RecordWriter()
    .int16(OFFSET_COMMIT_VALUE_VERSION)
    .int64(v.offset)
    .int32(v.leaderEpoch)
    .string(v.metadata)
    .int64(BigInt(v.commitTimestamp))
    .finish();
}

export function encodeGroupMetadataValue(v: GroupMetadataValue): Buffer {
  const w = new RecordWriter()
    .int16(GROUP_METADATA_VALUE_VERSION)
    .string(v.protocolType)
    .int32(v.generation)
    .string(v.protocol)
    .string(v.leader)
    .int64(BigInt(v.currentStateTimestamp))
    .int32(v.members.length);
  for (const m of v.members) {
    w.string(m.memberId)
      .string(m.groupInstanceId)
      .string(m.clientId)
      .string(m.clientHost)
      .int32(m.rebalanceTimeoutMs)
      .int32(m.sessionTimeoutMs)
      .bytes(m.subscription)
      .bytes(m.assignment);
  }
  return w.finish();
}

/** Reads strings, bytes and arrays in the classic or the flexible (compact) encoding. */
class VersionedReader {
  constructor(
    readonly r: Reader,
    private readonly flexible: boolean,
  ) {}

  string(): string {
    const s = this.nullableString();
    if (s === null) throw new Error('unexpected null string in __consumer_offsets record');
    return s;
  }

  nullableString(): string | null {
    return this.flexible ? this.r.compactNullableString() : this.r.nullableString();
  }

  bytes(): Buffer {
    const b = this.flexible ? this.r.compactNullableBytes() : this.r.nullableBytes();
    return b ?? Buffer.alloc(0);
  }

  arrayLength(): number {
    return this.r.arrayLength(this.flexible);
  }

  /** Skips a tagged-field section (flexible versions only). */
  taggedFields(): void {
    if (!this.flexible) return;
    const count = this.r.uvarint();
    for (let i = 0; i < count; i++) {
      this.r.uvarint();
      this.r.skip(this.r.uvarint());
    }
  }
}

/** The key, or null for record kinds the classic coordinator does not own (KIP-848, share groups). */
export function decodeOffsetsTopicKey(key: Buffer): OffsetsTopicKey | null {
  const r = new Reader(key);
  const version = r.int16();
  if (version === 0 || version === 1) {
    const group = r.nullableString() ?? '';
    const topic = r.nullableString() ?? '';
    return { kind: 'offset', group, topic, partition: r.int32() };
  }
  if (version === GROUP_METADATA_KEY_VERSION) return { kind: 'group', group: r.nullableString() ?? '' };
  return null;
}

export function decodeOffsetCommitValue(value: Buffer): OffsetCommitValue {
  const r = new Reader(value);
  const version = r.int16();
  const v = new VersionedReader(r, version >= FIRST_FLEXIBLE_VALUE_VERSION);
  const offset = r.int64();
  const leaderEpoch = version >= 3 ? r.int32() : -1;
  const metadata = v.string();
  const commitTimestamp = Number(r.int64());
  const expireTimestamp = version === 1 ? Number(r.int64()) : -1;
  v.taggedFields();
  return { offset, leaderEpoch, metadata, commitTimestamp, expireTimestamp };
}

export function decodeGroupMetadataValue(value: Buffer): GroupMetadataValue {
  const r = new Reader(value);
  const version = r.int16();
  const v = new VersionedReader(r, version >= FIRST_FLEXIBLE_VALUE_VERSION);
  const protocolType = v.string();
  const generation = r.int32();
  const protocol = v.nullableString();
  const leader = v.nullableString();
  const currentStateTimestamp = version >= 2 ? Number(r.int64()) : -1;
  const count = v.arrayLength();
  const members: StoredGroupMember[] = [];
  for (let i = 0; i < count; i++) {
    const memberId = v.string();
    const groupInstanceId = version >= 3 ? v.nullableString() : null;
    const clientId = v.string();
    const clientHost = v.string();
    const rebalanceTimeoutMs = version >= 1 ? r.int32() : -1;
    const sessionTimeoutMs = r.int32();
    const subscription = v.bytes();
    const assignment = v.bytes();
    v.taggedFields();
    members.push({
      memberId,
      groupInstanceId,
      clientId,
      clientHost,
      rebalanceTimeoutMs: rebalanceTimeoutMs < 0 ? sessionTimeoutMs : rebalanceTimeoutMs,
      sessionTimeoutMs,
      subscription,
      assignment,
    });
  }
  v.taggedFields();
  return { protocolType, generation, protocol, leader, currentStateTimestamp, members };
}

/**
 * OffsetCommitValue v1, the only version with an expire timestamp: Kafka
 * still writes it when an old client (OffsetCommit v2–4) set a retention time.
 */
export function encodeOffsetCommitValueWithExpiry(v: OffsetCommitValue): Buffer {
  return new RecordWriter()
    .int16(1)
    .int64(v.offset)
    .string(v.metadata)
    .int64(BigInt(v.commitTimestamp))
    .int64(BigInt(v.expireTimestamp))
    .finish();
}
