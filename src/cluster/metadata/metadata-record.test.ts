/**
 * Metadata records are Kafka's KRaft records, framed as Kafka frames them
 * (frame version, api key, record version, then the record).
 */
import { ProtocolError } from '../../protocol/primitives/protocol-error';
import { decodeMetadataRecord, encodeMetadataRecord, type MetadataRecord } from './metadata-record';

const TOPIC_ID = '6f6e7e91-5a3c-4d0b-9a55-2a1b3c4d5e6f';

describe('metadata record framing', () => {
  test('TopicRecord: Kafka\'s bytes', () => {
    const bytes = encodeMetadataRecord({ type: 'TopicRecord', data: { name: 'abc', topicId: TOPIC_ID } });
    // frame v1, api key 2, version 0, compact string "abc", the uuid, no tagged fields
    expect(bytes.toString('hex')).toBe('010200' + '04616263' + TOPIC_ID.replace(/-/g, '') + '00');
  });

  test('ConfigRecord with a null value (a removed config) and PartitionChangeRecord tagged fields', () => {
    const removed = encodeMetadataRecord({ type: 'ConfigRecord', data: { resourceType: 2, resourceName: 't', name: 'retention.ms', value: null } });
    expect(removed.toString('hex')).toBe('010400' + '02' + '0274' + '0d' + Buffer.from('retention.ms').toString('hex') + '00' + '00');
    const change: MetadataRecord = {
      type: 'PartitionChangeRecord',
      data: {
        partitionId: 1,
        topicId: TOPIC_ID,
        isr: [1, 2],
        leader: 2,
        replicas: null,
        removingReplicas: null,
        addingReplicas: null,
        leaderRecoveryState: -1,
        directories: null,
        eligibleLeaderReplicas: null,
        lastKnownElr: null,
      },
    };
    const bytes = encodeMetadataRecord(change);
    // frame v1, api key 5, version 0, partition id, topic id, then 2 tagged fields: isr (tag 0), leader (tag 1)
    expect(bytes.subarray(0, 3).toString('hex')).toBe('010500');
    expect(bytes.subarray(3 + 4 + 16).toString('hex')).toBe('02' + '00' + '09' + '03' + '00000001' + '00000002' + '01' + '04' + '00000002');
    expect(decodeMetadataRecord(bytes)).toMatchObject(change);
  });

  test('every record type round-trips', () => {
    const records: MetadataRecord[] = [
      {
        type: 'RegisterBrokerRecord',
        data: {
          brokerId: 1,
          isMigratingZkBroker: false,
          incarnationId: TOPIC_ID,
          brokerEpoch: 7n,
          endPoints: [{ name: 'PLAINTEXT', host: 'localhost', port: 9092, securityProtocol: 0 }],
          features: [{ name: 'metadata.version', minSupportedVersion: 21, maxSupportedVersion: 21 }],
          rack: 'r1',
          fenced: false,
          inControlledShutdown: false,
          logDirs: [],
        },
      },
      { type: 'TopicRecord', data: { name: 'orders', topicId: TOPIC_ID } },
      {
        type: 'PartitionRecord',
        data: {
          partitionId: 0,
          topicId: TOPIC_ID,
          replicas: [1, 2, 3],
          isr: [1, 2],
          removingReplicas: [],
          addingReplicas: [],
          leader: 1,
          leaderRecoveryState: 0,
          leaderEpoch: 4,
          partitionEpoch: 9,
          directories: [],
          eligibleLeaderReplicas: null,
          lastKnownElr: null,
        },
      },
      { type: 'ConfigRecord', data: { resourceType: 2, resourceName: 'orders', name: 'cleanup.policy', value: 'compact' } },
      { type: 'RemoveTopicRecord', data: { topicId: TOPIC_ID } },
      { type: 'FeatureLevelRecord', data: { name: 'metadata.version', featureLevel: 21 } },
      { type: 'ProducerIdsRecord', data: { brokerId: 1, brokerEpoch: 3n, nextProducerId: 2000n } },
    ];
    for (const r of records) expect(decodeMetadataRecord(encodeMetadataRecord(r))).toMatchObject(r);
  });

  test('UserScramCredentialRecord and RemoveUserScramCredentialRecord: Kafka\'s bytes', () => {
    const upsert: MetadataRecord = {
      type: 'UserScramCredentialRecord',
      data: { name: 'al', mechanism: 1, salt: Buffer.from('s'), storedKey: Buffer.from([0xaa]), serverKey: Buffer.from([0xbb]), iterations: 4096 },
    };
    // frame v1, api key 11, version 0, compact "al", mechanism, compact bytes salt / stored key / server key, iterations, no tags
    expect(encodeMetadataRecord(upsert).toString('hex')).toBe('010b00' + '03616c' + '01' + '0273' + '02aa' + '02bb' + '00001000' + '00');
    expect(decodeMetadataRecord(encodeMetadataRecord(upsert))).toMatchObject(upsert);
    const remove: MetadataRecord = { type: 'RemoveUserScramCredentialRecord', data: { name: 'al', mechanism: 2 } };
    expect(encodeMetadataRecord(remove).toString('hex')).toBe('011600' + '03616c' + '02' + '00');
    expect(decodeMetadataRecord(encodeMetadataRecord(remove))).toMatchObject(remove);
  });

  test('ClientQuotaRecord: Kafka\'s bytes, a default entity as a null name', () => {
    const r: MetadataRecord = { type: 'ClientQuotaRecord', data: { entity: [{ entityType: 'user', entityName: null }], key: 'k', value: 1.5, remove: false } };
    // frame v1, api key 14, version 0, one entity (compact array of 1): "user", null name, no tags; "k"; float64 1.5; false; no tags
    expect(encodeMetadataRecord(r).toString('hex')).toBe('010e00' + '02' + '0575736572' + '00' + '00' + '026b' + '3ff8000000000000' + '00' + '00');
    expect(decodeMetadataRecord(encodeMetadataRecord(r))).toMatchObject(r);
  });

  test('an unknown record type, a bad frame or trailing bytes are ProtocolErrors', () => {
    expect(() => decodeMetadataRecord(Buffer.from('017f00', 'hex'))).toThrow(ProtocolError);
    expect(() => decodeMetadataRecord(Buffer.from('020200', 'hex'))).toThrow(ProtocolError);
    const ok = encodeMetadataRecord({ type: 'RemoveTopicRecord', data: { topicId: TOPIC_ID } });
    expect(() => decodeMetadataRecord(Buffer.concat([ok, Buffer.from([0])]))).toThrow(ProtocolError);
  });
});
