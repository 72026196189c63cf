/**
 * Fetch (key 1), v0–17.
 *
 * Translation only: the partitions go to the replica manager
 * (ReplicaManager.fetchMessages), which reads each below the bound its
 * isolation level sets (the high watermark, or the last stable offset
 * under read_committed) and, when fewer than `min_bytes` are readable,
 * parks the fetch as a delayed operation woken by appends to its
 * partitions (never by a polling timer) until `max_wait_ms` has passed or
 * the broker shuts down. Record bytes are never parsed: each partition's
 * answer is a region of a segment file (or a buffer in memory mode) that
 * the network layer streams. A fetch at an offset inside a batch returns
 * that whole batch, as Kafka does; the client skips the records before its
 * offset.
 *
 * Version notes: v0–3 carry legacy message sets, so stored batches are
 * down-converted here (magic 0 for v0–1, magic 1 for v2–3) as Kafka 3.9
 * does; v3 adds a response size limit; v4 the isolation level, last stable
 * offset and aborted transactions (G11); v7 fetch sessions, which we always
 * decline (session id 0, every response full: G10); v9 the current leader
 * epoch check; v3+ responses are capped by the broker's `fetch.max.bytes`
 * as well as the request's limit; v12 the current leader (tagged) with NOT_LEADER_OR_FOLLOWER
 * and FENCED_LEADER_EPOCH; v13+ name topics by id; v16 the leaders'
 * endpoints.
 */
import { releaseFetchResult, type FetchPartitionRequest, type FetchPartitionResult, type FetchResult } from '../../cluster/replica-manager';
import { Apis } from '../../protocol/apis';
import { ErrorCode } from '../../protocol/errors';
import { FetchRequest, FetchResponse } from '../../protocol/messages';
import { EMPTY_BYTES, ZERO_UUID } from '../../protocol/primitives/codec-support';
import { type RecordsValue, releaseRecords } from '../../protocol/primitives/records-value';
import { containsZstdBatch, downConvertBatches } from '../../protocol/records';
import { readRecordsBytes } from '../../storage/records-bytes';
import type { BrokerContext } from '../broker-context';
import { defineHandler } from '../define-handler';
import { leaderEndpoints } from '../leader-endpoints';

type PartitionData = FetchResponse.PartitionData;

const READ_COMMITTED = 1;
const NO_LEADER = { leaderId: -1, leaderEpoch: -1 };

/** One requested partition: resolved to a name, or answered with an error before any read. */
type Slot = { request: FetchPartitionRequest; index: number } | { error: ErrorCode; index: number };

export function fetchHandler(b: BrokerContext) {
  const fetchMaxBytes = b.config.number('fetch.max.bytes');
  return defineHandler(Apis.Fetch, (req: FetchRequest, ctx): FetchResponse | Promise<FetchResponse> => {
    const v = ctx.apiVersion;
    if (v >= 7 && req.sessionId !== 0) {
      // We never hand out sessions, so any session id is unknown (G10).
      return { throttleTimeMs: 0, errorCode: ErrorCode.FETCH_SESSION_ID_NOT_FOUND, sessionId: 0, responses: [], nodeEndpoints: [] };
    }
    const image = b.metadata.image;
    const requests: FetchPartitionRequest[] = [];
    const topics = req.topics.map((t) => {
      const topic = v >= 13 ? image.topics.getById(t.topicId) : image.topics.get(t.topic);
      const name = v >= 13 ? (topic?.name ?? null) : t.topic;
      const slots = t.partitions.map((p): Slot => {
        if (name === null) return { error: ErrorCode.UNKNOWN_TOPIC_ID, index: p.partition };
        requests.push({
          topic: name,
          partition: p.partition,
          topicId: v >= 13 ? t.topicId : undefined,
          fetchOffset: Number(p.fetchOffset),
          maxBytes: p.partitionMaxBytes,
          currentLeaderEpoch: v >= 9 ? p.currentLeaderEpoch : -1,
        });
        return { request: requests[requests.length - 1] as FetchPartitionRequest, index: p.partition };
      });
      return { topic: v >= 13 ? (topic?.name ?? '') : t.topic, topicId: v >= 13 ? t.topicId : (topic?.id ?? ZERO_UUID), slots };
    });
    const anyUnknownId = topics.some((t) => t.slots.some((s) => 'error' in s));

    const readCommitted = v >= 4 && req.isolationLevel === READ_COMMITTED;
    const fetched = b.replicaManager.fetchMessages(
      {
        // An unknown topic id answers at once, as any partition error does.
        maxWaitMs: anyUnknownId ? 0 : req.maxWaitMs,
        minBytes: req.minBytes,
        // v3+: a response-wide byte limit, capped by the broker's
        // fetch.max.bytes; before that only per-partition limits, and Kafka
        // then treats those as hard limits (no oversized first batch).
        maxBytes: v >= 3 ? Math.min(req.maxBytes, fetchMaxBytes) : Number.MAX_SAFE_INTEGER,
        minOneBatch: v >= 3,
        isolation: readCommitted ? 'committed' : 'high-watermark',
      },
      requests,
    );
    const respond = (result: FetchResult): FetchResponse => {
      let next = 0;
      const leaders = new Set<number>();
      const responses = topics.map((t) => ({
        topic: t.topic,
        topicId: t.topicId,
        partitions: t.slots.map((slot): PartitionData => {
          if ('error' in slot) return emptyPartition(slot.index, slot.error, -1, -1);
          const r = result.partitions[next++] as FetchPartitionResult;
          if (r.errorCode !== ErrorCode.NONE) {
            const leader = v >= 12 ? r.currentLeader : NO_LEADER;
            if (v >= 16 && leader.leaderId >= 0) leaders.add(leader.leaderId);
            return emptyPartition(slot.index, r.errorCode, r.highWatermark, r.logStartOffset, leader);
          }
          return partitionData(slot.request.partition, slot.request.fetchOffset, r, v);
        }),
      }));
      return { throttleTimeMs: 0, errorCode: ErrorCode.NONE, sessionId: 0, responses, nodeEndpoints: leaderEndpoints(b, leaders) };
    };
    const answer = (result: FetchResult): FetchResponse => {
      try {
        return respond(result);
      } catch (err) {
        // The response will not be sent: none of its file regions will be either.
        releaseFetchResult(result);
        throw err;
      }
    };
    return fetched instanceof Promise ? fetched.then(answer) : answer(fetched);
  });
}

function partitionData(partition: number, fetchOffset: number, r: FetchPartitionResult, v: number): PartitionData {
  let records: RecordsValue = r.records ?? EMPTY_BYTES;
  if (v <= 3 && r.records !== null) {
    let converted: Buffer | number;
    try {
      converted = downConvert(r.records, v <= 1 ? 0 : 1, fetchOffset);
    } finally {
      // The stored bytes were copied out: their file regions are not sent.
      releaseRecords(r.records);
    }
    if (typeof converted === 'number') return emptyPartition(partition, converted, r.highWatermark, r.logStartOffset);
    records = converted;
  }
  return {
    partitionIndex: partition,
    errorCode: ErrorCode.NONE,
    highWatermark: BigInt(r.highWatermark),
    lastStableOffset: BigInt(r.lastStableOffset),
    logStartOffset: BigInt(r.logStartOffset),
    divergingEpoch: { epoch: -1, endOffset: -1n },
    currentLeader: NO_LEADER,
    snapshotId: { endOffset: -1n, epoch: -1 },
    abortedTransactions: r.abortedTransactions?.map((t) => ({ producerId: BigInt(t.producerId), firstOffset: BigInt(t.firstOffset) })) ?? null,
    preferredReadReplica: -1,
    records,
  };
}

function emptyPartition(partition: number, errorCode: number, highWatermark: number, logStartOffset: number, currentLeader = NO_LEADER): PartitionData {
  return {
    partitionIndex: partition,
    errorCode,
    highWatermark: BigInt(highWatermark),
    lastStableOffset: BigInt(highWatermark),
    logStartOffset: BigInt(logStartOffset),
    divergingEpoch: { epoch: -1, endOffset: -1n },
    currentLeader,
    snapshotId: { endOffset: -1n, epoch: -1 },
    abortedTransactions: null,
    preferredReadReplica: -1,
    records: EMPTY_BYTES,
  };
}

/** Fetch v0–3: stored v2 batches as a legacy message set, or an error code. */
function downConvert(records: RecordsValue, magic: 0 | 1, fetchOffset: number): Buffer | number {
  const bytes = readRecordsBytes(records);
  // zstd has no legacy form (Kafka answers the same way).
  if (containsZstdBatch(bytes)) return ErrorCode.UNSUPPORTED_COMPRESSION_TYPE;
  return downConvertBatches(bytes, magic, { firstOffset: BigInt(fetchOffset) });
}
