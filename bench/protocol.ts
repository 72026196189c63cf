/**
 * Protocol codec throughput: how fast the generated codecs turn the three
 * hottest messages into bytes and back.
 *
 * Run from the repository root (compiles this file and what it imports into
 * /tmp, nothing is written to the tree):
 *
 *   npx tsc bench/protocol.ts --outDir /tmp/weir-bench --module commonjs --target es2022 --esModuleInterop --skipLibCheck && node /tmp/weir-bench/bench/protocol.js
 *
 * Prints one line per case with ops/s and MB/s (MB = 10^6 bytes of encoded
 * message, record payloads included). Numbers, not asserts: see bench/RESULTS.md.
 */
import { decodeMessage, encodeMessage, encodeMessageToBuffer, messageSize } from '../src/protocol/message-io';
import {
  FetchResponseCodec, MetadataResponseCodec, ProduceRequestCodec,
  type FetchResponse, type MetadataResponse, type ProduceRequest,
} from '../src/protocol/messages';
import type { FileRegion } from '../src/protocol/primitives/records-value';

const ZERO_UUID = '00000000-0000-0000-0000-000000000000';

interface Result {
  readonly name: string;
  readonly opsPerSec: number;
  readonly mbPerSec: number;
}

/** Runs `op` for about `ms` milliseconds after a warm-up, and reports the rate. */
function measure(name: string, bytesPerOp: number, op: () => unknown, ms = 1500): Result {
  let sink: unknown;
  const warmUntil = performance.now() + 300;
  while (performance.now() < warmUntil) sink = op();
  let ops = 0;
  const start = performance.now();
  let now = start;
  while (now - start < ms) {
    for (let i = 0; i < 16; i++) sink = op();
    ops += 16;
    now = performance.now();
  }
  if (sink === Symbol.for('never')) console.log('unreachable');
  const secs = (now - start) / 1000;
  return { name, opsPerSec: ops / secs, mbPerSec: (ops * bytesPerOp) / secs / 1e6 };
}

function produceRequest(): ProduceRequest {
  // 1 MiB of record bytes over 4 topics x 4 partitions, 64 KiB each.
  const batch = Buffer.alloc(64 * 1024, 7);
  return {
    transactionalId: null,
    acks: -1,
    timeoutMs: 30000,
    topicData: Array.from({ length: 4 }, (_, t) => ({
      name: `bench-topic-${t}`,
      partitionData: Array.from({ length: 4 }, (_, p) => ({ index: p, records: batch })),
    })),
  };
}

function fetchResponse(records: (p: number) => FetchResponse.PartitionData['records']): FetchResponse {
  return {
    ...FetchResponseCodec.defaults(),
    responses: Array.from({ length: 10 }, (_, t) => ({
      topic: `bench-topic-${t}`,
      topicId: ZERO_UUID,
      partitions: Array.from({ length: 10 }, (_, p) => ({
        partitionIndex: p,
        errorCode: 0,
        highWatermark: 1_000_000n,
        lastStableOffset: 1_000_000n,
        logStartOffset: 0n,
        divergingEpoch: { epoch: -1, endOffset: -1n },
        currentLeader: { leaderId: -1, leaderEpoch: -1 },
        snapshotId: { endOffset: -1n, epoch: -1 },
        abortedTransactions: [],
        preferredReadReplica: -1,
        records: records(t * 10 + p),
      })),
    })),
  };
}

function metadataResponse(): MetadataResponse {
  return {
    throttleTimeMs: 0,
    brokers: [0, 1, 2].map((id) => ({ nodeId: id, host: `broker-${id}.example.internal`, port: 9092, rack: `rack-${id}` })),
    clusterId: 'weir-bench-cluster',
    controllerId: 0,
    topics: Array.from({ length: 100 }, (_, t) => ({
      errorCode: 0,
      name: `orders.events.region-${t}`,
      topicId: `0000000${t % 10}-1111-2222-3333-444444444444`,
      isInternal: false,
      partitions: Array.from({ length: 8 }, (_, p) => ({
        errorCode: 0,
        partitionIndex: p,
        leaderId: p % 3,
        leaderEpoch: 5,
        replicaNodes: [p % 3, (p + 1) % 3, (p + 2) % 3],
        isrNodes: [p % 3, (p + 1) % 3, (p + 2) % 3],
        offlineReplicas: [],
      })),
      topicAuthorizedOperations: -2147483648,
    })),
    clusterAuthorizedOperations: -2147483648,
  };
}

function main(): void {
  const results: Result[] = [];

  const produceBytes = encodeMessageToBuffer(ProduceRequestCodec, produceRequest(), 9);
  results.push(measure(`decode Produce v9 request (${produceBytes.length} B, 16 x 64 KiB)`, produceBytes.length,
    () => decodeMessage(ProduceRequestCodec, produceBytes, 9)));

  const payload = Buffer.alloc(16 * 1024, 3);
  const withBuffers = fetchResponse(() => payload);
  const fetchSize = messageSize(FetchResponseCodec, withBuffers, 12).total;
  results.push(measure(`encode Fetch v12 response, 100 partitions x 16 KiB Buffers (${fetchSize} B)`, fetchSize,
    () => encodeMessage(FetchResponseCodec, withBuffers, 12)));

  const withRegions = fetchResponse((i): FileRegion => ({ kind: 'file', fd: 3, position: i * payload.length, length: payload.length, release: () => {} }));
  results.push(measure(`encode Fetch v12 response, 100 partitions x 16 KiB FileRegions (${fetchSize} B)`, fetchSize,
    () => encodeMessage(FetchResponseCodec, withRegions, 12)));

  const metadata = metadataResponse();
  const metadataBytes = encodeMessageToBuffer(MetadataResponseCodec, metadata, 12);
  results.push(measure(`encode Metadata v12 response, 100 topics x 8 partitions (${metadataBytes.length} B)`, metadataBytes.length,
    () => encodeMessageToBuffer(MetadataResponseCodec, metadata, 12)));
  results.push(measure(`decode Metadata v12 response, 100 topics x 8 partitions (${metadataBytes.length} B)`, metadataBytes.length,
    () => decodeMessage(MetadataResponseCodec, metadataBytes, 12)));

  console.log(`node ${process.version}, ${process.platform}/${process.arch}`);
  console.log('| case | ops/s | MB/s |');
  console.log('| --- | ---: | ---: |');
  for (const r of results) console.log(`| ${r.name} | ${Math.round(r.opsPerSec).toLocaleString('en-US')} | ${r.mbPerSec.toFixed(0)} |`);
}

main();
