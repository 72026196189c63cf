/**
 * A metadata record: one change to the cluster's metadata (a topic created,
 * a partition's leader moved, a config set, a block of producer ids taken),
 * modelled on and encoded exactly as Kafka's KRaft records.
 *
 * On the wire (the value of one record in `__cluster_metadata-0`, or of one
 * key in the cluster store later) a record is Kafka's framing: an unsigned
 * varint frame version (1), the record's api key, its version, then the
 * record itself in the generated codec's layout (records/, generated from
 * Kafka's schemas). Kafka's own `kafka-dump-log --cluster-metadata-decoder`
 * reads what Weir writes.
 *
 * Why Kafka's binary form rather than a format of our own: the schemas
 * already say how each record evolves (versions, tagged fields), the
 * generator that makes the protocol codecs makes these too, and the records
 * the security work will add (ACLs, SCRAM credentials, quotas) arrive as
 * one more schema name in scripts/gen-metadata-records.js.
 */
import type { MessageCodec } from '../../protocol/primitives/codec-support';
import { ProtocolError } from '../../protocol/primitives/protocol-error';
import { Reader } from '../../protocol/primitives/reader';
import { Size, Writer, uvarintSize } from '../../protocol/primitives/writer';
import {
  type ConfigRecord,
  ConfigRecordCodec,
  type FeatureLevelRecord,
  FeatureLevelRecordCodec,
  type PartitionChangeRecord,
  PartitionChangeRecordCodec,
  type PartitionRecord,
  PartitionRecordCodec,
  type ProducerIdsRecord,
  ProducerIdsRecordCodec,
  type RegisterBrokerRecord,
  RegisterBrokerRecordCodec,
  type RemoveTopicRecord,
  RemoveTopicRecordCodec,
  type TopicRecord,
  TopicRecordCodec,
  type UserScramCredentialRecord,
  UserScramCredentialRecordCodec,
  type RemoveUserScramCredentialRecord,
  RemoveUserScramCredentialRecordCodec,
  type ClientQuotaRecord,
  ClientQuotaRecordCodec,
  type AccessControlEntryRecord,
  AccessControlEntryRecordCodec,
  type RemoveAccessControlEntryRecord,
  RemoveAccessControlEntryRecordCodec,
} from './records';

export type MetadataRecord =
  | { readonly type: 'RegisterBrokerRecord'; readonly data: RegisterBrokerRecord }
  | { readonly type: 'TopicRecord'; readonly data: TopicRecord }
  | { readonly type: 'PartitionRecord'; readonly data: PartitionRecord }
  | { readonly type: 'ConfigRecord'; readonly data: ConfigRecord }
  | { readonly type: 'PartitionChangeRecord'; readonly data: PartitionChangeRecord }
  | { readonly type: 'RemoveTopicRecord'; readonly data: RemoveTopicRecord }
  | { readonly type: 'FeatureLevelRecord'; readonly data: FeatureLevelRecord }
  | { readonly type: 'ProducerIdsRecord'; readonly data: ProducerIdsRecord }
  | { readonly type: 'UserScramCredentialRecord'; readonly data: UserScramCredentialRecord }
  | { readonly type: 'RemoveUserScramCredentialRecord'; readonly data: RemoveUserScramCredentialRecord }
  | { readonly type: 'ClientQuotaRecord'; readonly data: ClientQuotaRecord }
  | { readonly type: 'AccessControlEntryRecord'; readonly data: AccessControlEntryRecord }
  | { readonly type: 'RemoveAccessControlEntryRecord'; readonly data: RemoveAccessControlEntryRecord };

export type MetadataRecordType = MetadataRecord['type'];

/** Kafka's AbstractApiMessageSerde frame version. */
const FRAME_VERSION = 1;

interface RecordKind {
  readonly codec: MessageCodec<unknown>;
  /**
   * The version Weir writes. PartitionRecord / PartitionChangeRecord stay at
   * v0: v1 adds the replicas' log directory ids, which need the directory
   * ids of `meta.properties`; Kafka reads v0 at any metadata version.
   */
  readonly writeVersion: number;
}

const KINDS: { readonly [K in MetadataRecordType]: RecordKind } = {
  RegisterBrokerRecord: { codec: RegisterBrokerRecordCodec as MessageCodec<unknown>, writeVersion: 3 },
  TopicRecord: { codec: TopicRecordCodec as MessageCodec<unknown>, writeVersion: 0 },
  PartitionRecord: { codec: PartitionRecordCodec as MessageCodec<unknown>, writeVersion: 0 },
  ConfigRecord: { codec: ConfigRecordCodec as MessageCodec<unknown>, writeVersion: 0 },
  PartitionChangeRecord: { codec: PartitionChangeRecordCodec as MessageCodec<unknown>, writeVersion: 0 },
  RemoveTopicRecord: { codec: RemoveTopicRecordCodec as MessageCodec<unknown>, writeVersion: 0 },
  FeatureLevelRecord: { codec: FeatureLevelRecordCodec as MessageCodec<unknown>, writeVersion: 0 },
  ProducerIdsRecord: { codec: ProducerIdsRecordCodec as MessageCodec<unknown>, writeVersion: 0 },
  UserScramCredentialRecord: { codec: UserScramCredentialRecordCodec as MessageCodec<unknown>, writeVersion: 0 },
  RemoveUserScramCredentialRecord: { codec: RemoveUserScramCredentialRecordCodec as MessageCodec<unknown>, writeVersion: 0 },
  ClientQuotaRecord: { codec: ClientQuotaRecordCodec as MessageCodec<unknown>, writeVersion: 0 },
  AccessControlEntryRecord: { codec: AccessControlEntryRecordCodec as MessageCodec<unknown>, writeVersion: 0 },
  RemoveAccessControlEntryRecord: { codec: RemoveAccessControlEntryRecordCodec as MessageCodec<unknown>, writeVersion: 0 },
};

const BY_API_KEY = new Map<number, MetadataRecordType>(
  (Object.keys(KINDS) as MetadataRecordType[]).map((type) => [KINDS[type].codec.apiKey, type]),
);

/** The record's bytes in Kafka's framing. */
export function encodeMetadataRecord(record: MetadataRecord): Buffer {
  const kind = KINDS[record.type];
  const body = new Size();
  kind.codec.size(record.data, kind.writeVersion, body);
  const header = uvarintSize(FRAME_VERSION) + uvarintSize(kind.codec.apiKey) + uvarintSize(kind.writeVersion);
  // Metadata records carry no record payloads, so the message is one buffer.
  const w = new Writer(header + body.inline);
  w.uvarint(FRAME_VERSION);
  w.uvarint(kind.codec.apiKey);
  w.uvarint(kind.writeVersion);
  kind.codec.write(record.data, w, kind.writeVersion);
  w.finish();
  return w.buf;
}

/** Decodes one framed record; throws ProtocolError on anything it cannot read whole. */
export function decodeMetadataRecord(buf: Buffer): MetadataRecord {
  const r = new Reader(buf);
  const frame = r.uvarint();
  if (frame !== FRAME_VERSION) throw new ProtocolError('invalid-value', `metadata record frame version ${frame}, expected ${FRAME_VERSION}`);
  const apiKey = r.uvarint();
  const version = r.uvarint();
  const type = BY_API_KEY.get(apiKey);
  if (type === undefined) throw new ProtocolError('invalid-value', `unknown metadata record type ${apiKey}`);
  const data = KINDS[type].codec.read(r, version);
  if (r.remaining !== 0) throw new ProtocolError('invalid-length', `${type} v${version}: ${r.remaining} bytes left after decoding`);
  return { type, data } as MetadataRecord;
}
