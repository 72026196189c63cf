/**
 * Exact bytes for a few messages, written out by hand from the Kafka protocol
 * guide. Round-trip tests cannot catch a codec that is wrong symmetrically
 * (encodes and decodes the same wrong layout); these can.
 */
import { decodeMessage, encodeMessage, encodeMessageToBuffer, messageSize } from './message-io';
import {
  ApiVersionsRequestCodec, FetchResponseCodec, MetadataRequestCodec, RequestHeaderCodec, ResponseHeaderCodec,
  type ApiVersionsRequest, type FetchResponse, type MetadataRequest, type RequestHeader,
} from './messages';
import type { MessageCodec } from './primitives/codec-support';

const hex = (s: string): Buffer => Buffer.from(s.replace(/\s+/g, ''), 'hex');

/** Encodes to exactly `bytes`, decodes `bytes` back to `value`, and the size agrees. */
function expectLayout<T>(codec: MessageCodec<T>, value: T, v: number, bytes: string): void {
  const expected = hex(bytes);
  expect(encodeMessageToBuffer(codec, value, v).toString('hex')).toBe(expected.toString('hex'));
  expect(messageSize(codec, value, v).total).toBe(expected.length);
  expect(decodeMessage(codec, expected, v)).toEqual(value);
}

function metadataRequest(topics: MetadataRequest['topics'], v: Partial<MetadataRequest> = {}): MetadataRequest {
  return { ...MetadataRequestCodec.defaults(), topics, ...v };
}

describe('classic (non-flexible) layouts', () => {
  it('Metadata v0 request with header v1', () => {
    const header: RequestHeader = { requestApiKey: 3, requestApiVersion: 0, correlationId: 7, clientId: 'c' };
    expectLayout(RequestHeaderCodec, header, 1, '0003 0000 00000007 0001 63');
    expectLayout(MetadataRequestCodec, metadataRequest([{ topicId: '00000000-0000-0000-0000-000000000000', name: 'foo' }]), 0,
      '00000001 0003 666f6f');
  });

  it('Metadata v0 cannot say "all topics" (null), v1 can', () => {
    expect(() => encodeMessage(MetadataRequestCodec, metadataRequest(null), 0)).toThrow(/not nullable/);
    expectLayout(MetadataRequestCodec, metadataRequest(null), 1, 'ffffffff');
  });

  it('Metadata v4 adds allow_auto_topic_creation after the topics', () => {
    expectLayout(MetadataRequestCodec, metadataRequest([], { allowAutoTopicCreation: false }), 4, '00000000 00');
  });

  it('a request header v0 has no client id', () => {
    const header: RequestHeader = { requestApiKey: 18, requestApiVersion: 0, correlationId: 1, clientId: '' };
    expectLayout(RequestHeaderCodec, header, 0, '0012 0000 00000001');
  });

  it('a classic null string is length -1', () => {
    const header: RequestHeader = { requestApiKey: 18, requestApiVersion: 0, correlationId: 1, clientId: null };
    expectLayout(RequestHeaderCodec, header, 1, '0012 0000 00000001 ffff');
  });
});

describe('flexible layouts', () => {
  it('ApiVersions v3 request with header v2 (client id stays a classic string)', () => {
    const header: RequestHeader = { requestApiKey: 18, requestApiVersion: 3, correlationId: 1, clientId: 'kcat' };
    expectLayout(RequestHeaderCodec, header, 2, '0012 0003 00000001 0004 6b636174 00');
    const body: ApiVersionsRequest = { clientSoftwareName: 'x', clientSoftwareVersion: '1.0' };
    expectLayout(ApiVersionsRequestCodec, body, 3, '0278 04312e30 00');
  });

  it('a response header v1 is the correlation id plus an empty tag section', () => {
    expectLayout(ResponseHeaderCodec, { correlationId: 258 }, 1, '00000102 00');
    expectLayout(ResponseHeaderCodec, { correlationId: 258 }, 0, '00000102');
  });

  it('compact arrays: null is 0, empty is 1, one element is 2', () => {
    // Metadata v9: topics, allow_auto_topic_creation, include_cluster_authorized_operations,
    // include_topic_authorized_operations, tags.
    expectLayout(MetadataRequestCodec, metadataRequest(null), 9, '00 01 00 00 00');
    expectLayout(MetadataRequestCodec, metadataRequest([]), 9, '01 01 00 00 00');
    expectLayout(MetadataRequestCodec, metadataRequest([{ topicId: '00000000-0000-0000-0000-000000000000', name: '' }]), 9,
      '02 0100 01 00 00 00');
  });

  it('compact strings: length + 1 as a uvarint, two bytes from 127 bytes of UTF-8', () => {
    const name = 'é'.repeat(64); // 128 bytes -> length+1 = 129 = 0x81 0x01
    const bytes = Buffer.concat([hex('02 8101'), Buffer.from(name, 'utf8'), hex('00 01 00 00 00')]);
    expectLayout(MetadataRequestCodec, metadataRequest([{ topicId: '00000000-0000-0000-0000-000000000000', name }]), 9,
      bytes.toString('hex'));
  });

  it('unknown tagged fields in a header survive in place', () => {
    const header: RequestHeader = {
      requestApiKey: 18, requestApiVersion: 3, correlationId: 1, clientId: null,
      _unknownTaggedFields: [{ tag: 7, data: hex('beef') }],
    };
    expectLayout(RequestHeaderCodec, header, 2, '0012 0003 00000001 ffff 01 07 02 beef');
  });

  it('FetchResponse v12: current_leader is tag 1 of a partition, written only when not default', () => {
    const partition: FetchResponse.PartitionData = {
      partitionIndex: 0,
      errorCode: 0,
      highWatermark: 100n,
      lastStableOffset: 100n,
      logStartOffset: 0n,
      divergingEpoch: { epoch: -1, endOffset: -1n },
      currentLeader: { leaderId: 5, leaderEpoch: 9 },
      snapshotId: { endOffset: -1n, epoch: -1 },
      abortedTransactions: null,
      preferredReadReplica: -1,
      records: hex('616263'),
    };
    const response: FetchResponse = {
      ...FetchResponseCodec.defaults(),
      responses: [{ topic: 't', topicId: '00000000-0000-0000-0000-000000000000', partitions: [partition] }],
    };
    const partitionBytes = [
      '00000000', // partition_index
      '0000', // error_code
      '0000000000000064', // high_watermark
      '0000000000000064', // last_stable_offset
      '0000000000000000', // log_start_offset
      '00', // aborted_transactions: null
      'ffffffff', // preferred_read_replica
      '04 616263', // records
      '01 01 09 00000005 00000009 00', // tags: one field, tag 1, 9 bytes: leader id, epoch, its own empty tags
    ].join('');
    const expected = `00000000 0000 00000000 02 0274 02 ${partitionBytes} 00 00`;
    expectLayout(FetchResponseCodec, response, 12, expected);

    // Back at its default, the tag is not written at all.
    const plain = { ...response, responses: [{ ...response.responses[0]!, partitions: [{ ...partition, currentLeader: { leaderId: -1, leaderEpoch: -1 } }] }] };
    expect(encodeMessageToBuffer(FetchResponseCodec, plain, 12).length).toBe(hex(expected).length - 11);
  });

  it('FetchResponse v12 passes record buffers through without copying', () => {
    const records = Buffer.alloc(1000, 1);
    const response: FetchResponse = {
      ...FetchResponseCodec.defaults(),
      responses: [{ topic: 't', topicId: '00000000-0000-0000-0000-000000000000', partitions: [{
        partitionIndex: 0, errorCode: 0, highWatermark: 0n, lastStableOffset: 0n, logStartOffset: 0n,
        divergingEpoch: { epoch: -1, endOffset: -1n }, currentLeader: { leaderId: -1, leaderEpoch: -1 },
        snapshotId: { endOffset: -1n, epoch: -1 }, abortedTransactions: [], preferredReadReplica: -1, records,
      }] }],
    };
    const chunks = encodeMessage(FetchResponseCodec, response, 12);
    expect(chunks).toHaveLength(3);
    expect(chunks[1]).toBe(records);
  });
});
