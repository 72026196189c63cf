/**
 * Fetch (key 1), v0–17.
 *
 * Record bytes are never parsed: each partition's answer is a region of a
 * segment file (or a buffer in memory mode) that the network layer streams.
 * A fetch at an offset inside a batch returns that whole batch, as Kafka
 * does; the client skips the records before its offset.
 *
 * Long poll: when fewer than `min_bytes` are available the request waits,
 * woken by appends to the partitions it asked for (never by a polling
 * timer), until `max_wait_ms` has passed or the broker shuts down.
 *
 * Version notes: v0–3 carry legacy message sets, so stored batches are
 * down-converted (magic 0 for v0–1, magic 1 for v2–3) as Kafka 3.9 does; v3
 * adds a response size limit; v4 the isolation level, last stable offset and
 * aborted transactions (read_committed reads stop at the last stable offset
 * and list the aborted transactions overlapping the range read, so the
 * client drops their records: G11); v7 fetch sessions, which we always decline (session
 * id 0, every response full: G10); v9 the current leader epoch check; v13+
 * name topics by id.
 */
import { Apis } from '../../protocol/apis';
import { ErrorCode } from '../../protocol/errors';
import { FetchRequest, FetchResponse } from '../../protocol/messages';
import { EMPTY_BYTES, ZERO_UUID } from '../../protocol/primitives/codec-support';
import { RecordsValue, recordsLength, releaseRecords } from '../../protocol/primitives/records-value';
import { containsZstdBatch, downConvertBatches } from '../../protocol/records';
import type { Log } from '../../storage/log';
import { readRecordsBytes } from '../../storage/records-bytes';
import type { BrokerContext } from '../broker-context';
import { defineHandler } from '../define-handler';

type PartitionData = FetchResponse.PartitionData;

const READ_COMMITTED = 1;

export function fetchHandler(b: BrokerContext) {
  return defineHandler(Apis.Fetch, async (req: FetchRequest, ctx): Promise<FetchResponse> => {
    const v = ctx.apiVersion;
    if (v >= 7 && req.sessionId !== 0) {
      // We never hand out sessions, so any session id is unknown (G10).
      return {
        throttleTimeMs: 0,
        errorCode: ErrorCode.FETCH_SESSION_ID_NOT_FOUND,
        sessionId: 0,
        responses: [],
        nodeEndpoints: [],
      };
    }
    let response = readOnce(b, req, v);
    if (response.bytes >= req.minBytes || req.maxWaitMs <= 0 || response.hasError) return response.body;

    const deadline = Date.now() + req.maxWaitMs;
    while (response.bytes < req.minBytes && !b.shutdown.aborted) {
      const remaining = deadline - Date.now();
      if (remaining <= 0) break;
      await waitForAppend(response.logs, remaining, b.shutdown);
      // What was read so far is dropped unsent: let go of its file regions.
      for (const r of response.held) releaseRecords(r);
      response = readOnce(b, req, v);
    }
    return response.body;
  });
}

interface FetchRead {
  body: FetchResponse;
  bytes: number;
  hasError: boolean;
  logs: Log[];
  /** The records read: file regions hold their segment files open until sent or released. */
  held: RecordsValue[];
}

function readOnce(b: BrokerContext, req: FetchRequest, v: number): FetchRead {
  const held: RecordsValue[] = [];
  try {
    return readPartitions(b, req, v, held);
  } catch (err) {
    for (const r of held) releaseRecords(r);
    throw err;
  }
}

function readPartitions(b: BrokerContext, req: FetchRequest, v: number, held: RecordsValue[]): FetchRead {
  const readCommitted = v >= 4 && req.isolationLevel === READ_COMMITTED;
  // v3+: a response-wide byte limit; before that only per-partition limits,
  // and Kafka then treats those as hard limits (no oversized first batch).
  let budget = v >= 3 ? req.maxBytes : Number.MAX_SAFE_INTEGER;
  let minOneBatch = v >= 3;
  let bytes = 0;
  let hasError = false;
  const logs: Log[] = [];

  const responses = req.topics.map((t) => {
    const info = v >= 13 ? b.topics.getById(t.topicId) : b.topics.get(t.topic);
    const partitions = t.partitions.map((p): PartitionData => {
      const unknown = v >= 13 ? ErrorCode.UNKNOWN_TOPIC_ID : ErrorCode.UNKNOWN_TOPIC_OR_PARTITION;
      const log = info && p.partition >= 0 && p.partition < info.partitions ? b.logs.getLog(info.name, p.partition) : undefined;
      if (!log) {
        hasError = true;
        return emptyPartition(p.partition, unknown, -1, -1);
      }
      logs.push(log);
      if (v >= 9 && p.currentLeaderEpoch >= 0 && p.currentLeaderEpoch !== b.leaderEpoch) {
        hasError = true;
        const code = p.currentLeaderEpoch > b.leaderEpoch ? ErrorCode.UNKNOWN_LEADER_EPOCH : ErrorCode.FENCED_LEADER_EPOCH;
        return emptyPartition(p.partition, code, log.highWatermark, log.logStartOffset);
      }
      const fetchOffset = Number(p.fetchOffset);
      const limit = Math.max(0, Math.min(p.partitionMaxBytes, budget));
      const lastStableOffset = log.lastStableOffset;
      const upperBoundOffset = readCommitted ? lastStableOffset : log.highWatermark;
      const read = log.read(fetchOffset, limit, { minOneBatch, upperBoundOffset });
      if (read.errorCode !== ErrorCode.NONE) {
        hasError = true;
        return emptyPartition(p.partition, read.errorCode, read.highWatermark, read.logStartOffset);
      }
      let records: RecordsValue = read.records ?? EMPTY_BYTES;
      if (v <= 3 && read.records !== null) {
        let converted: Buffer | number;
        try {
          converted = downConvert(read.records, v <= 1 ? 0 : 1, fetchOffset);
        } finally {
          releaseRecords(read.records);
        }
        if (typeof converted === 'number') {
          hasError = true;
          return emptyPartition(p.partition, converted, read.highWatermark, read.logStartOffset);
        }
        records = converted;
      } else if (read.records !== null) {
        held.push(read.records);
      }
      const n = recordsLength(records);
      if (n > 0) {
        bytes += n;
        budget -= n;
        minOneBatch = false;
      }
      return {
        partitionIndex: p.partition,
        errorCode: ErrorCode.NONE,
        highWatermark: BigInt(read.highWatermark),
        lastStableOffset: BigInt(lastStableOffset),
        logStartOffset: BigInt(read.logStartOffset),
        divergingEpoch: { epoch: -1, endOffset: -1n },
        currentLeader: { leaderId: -1, leaderEpoch: -1 },
        snapshotId: { endOffset: -1n, epoch: -1 },
        abortedTransactions: readCommitted
          ? log.abortedTransactions(fetchOffset, upperBoundOffset).map((t) => ({ producerId: BigInt(t.producerId), firstOffset: BigInt(t.firstOffset) }))
          : null,
        preferredReadReplica: -1,
        records,
      };
    });
    return { topic: v >= 13 ? (info?.name ?? '') : t.topic, topicId: v >= 13 ? t.topicId : (info?.topicId ?? ZERO_UUID), partitions };
  });

  return {
    body: { throttleTimeMs: 0, errorCode: ErrorCode.NONE, sessionId: 0, responses, nodeEndpoints: [] },
    bytes,
    hasError,
    logs,
    held,
  };
}

function emptyPartition(partition: number, errorCode: number, highWatermark: number, logStartOffset: number): PartitionData {
  return {
    partitionIndex: partition,
    errorCode,
    highWatermark: BigInt(highWatermark),
    lastStableOffset: BigInt(highWatermark),
    logStartOffset: BigInt(logStartOffset),
    divergingEpoch: { epoch: -1, endOffset: -1n },
    currentLeader: { leaderId: -1, leaderEpoch: -1 },
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

/** Resolves on the next append to any of `logs`, after `ms`, or on shutdown. */
function waitForAppend(logs: readonly Log[], ms: number, shutdown: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const unsubscribes: (() => void)[] = [];
    const done = () => {
      clearTimeout(timer);
      shutdown.removeEventListener('abort', done);
      for (const u of unsubscribes) u();
      resolve();
    };
    const timer = setTimeout(done, ms);
    shutdown.addEventListener('abort', done);
    for (const log of logs) unsubscribes.push(log.onAppend(done));
  });
}
