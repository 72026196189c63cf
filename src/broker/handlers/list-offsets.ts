/**
 * ListOffsets (key 2), v0–9.
 *
 * Timestamps (G12): -1 latest (the high watermark, or the last stable offset
 * under read_committed), -2 earliest (log start), -3 the record with the
 * largest timestamp (v7+), -4 earliest local (v8+: the log start, as all data
 * is local), -5 earliest pending upload (v9+, tiered storage: none here, so
 * no offset). A positive timestamp finds the first record at or after it.
 * v0 answers with a list of offsets (`old_style_offsets`) instead of one
 * offset and timestamp; librdkafka forced onto the 0.9 protocol (kcat with
 * `broker.version.fallback=0.9.0`) still sends it. We answer that list with
 * the one offset the newer versions would give.
 */
import { Apis } from '../../protocol/apis';
import { ErrorCode } from '../../protocol/errors';
import { ListOffsetsRequest, ListOffsetsResponse } from '../../protocol/messages';
import { decodeRecordBatch } from '../../protocol/records';
import type { RecordTimestampLocator } from '../../storage/record-timestamps';
import type { BrokerContext } from '../broker-context';
import { defineHandler } from '../define-handler';

const LATEST = -1n;
const EARLIEST = -2n;
const MAX_TIMESTAMP = -3n;
const EARLIEST_LOCAL = -4n;
const EARLIEST_PENDING_UPLOAD = -5n;
const READ_COMMITTED = 1;

type PartitionResponse = ListOffsetsResponse.ListOffsetsPartitionResponse;

/** Finds a timestamp inside a compressed batch (the records must be decoded). */
const locateInCompressedBatch: RecordTimestampLocator = (batch, target) => {
  for (const r of decodeRecordBatch(batch, 0, { verifyCrc: false }).records) {
    if (Number(r.timestamp) >= target) return { offset: Number(r.offset), timestamp: Number(r.timestamp) };
  }
  return null;
};

export function listOffsetsHandler(b: BrokerContext) {
  return defineHandler(Apis.ListOffsets, (req: ListOffsetsRequest, ctx): ListOffsetsResponse => {
    const v = ctx.apiVersion;
    const readCommitted = v >= 2 && req.isolationLevel === READ_COMMITTED;
    const answer = (partitionIndex: number, errorCode: number, offset = -1, timestamp = -1): PartitionResponse => ({
      partitionIndex,
      errorCode,
      oldStyleOffsets: v === 0 && offset >= 0 ? [BigInt(offset)] : [],
      timestamp: v === 0 ? -1n : BigInt(timestamp),
      offset: v === 0 ? -1n : BigInt(offset),
      leaderEpoch: v >= 4 && errorCode === ErrorCode.NONE && offset >= 0 ? b.leaderEpoch : -1,
    });
    return {
      throttleTimeMs: 0,
      topics: req.topics.map((t) => ({
        name: t.name,
        partitions: t.partitions.map((p): PartitionResponse => {
          const log = b.topics.get(t.name) ? b.logs.getLog(t.name, p.partitionIndex) : undefined;
          if (!log) return answer(p.partitionIndex, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
          if (v >= 4 && p.currentLeaderEpoch >= 0 && p.currentLeaderEpoch !== b.leaderEpoch) {
            return answer(p.partitionIndex, p.currentLeaderEpoch > b.leaderEpoch ? ErrorCode.UNKNOWN_LEADER_EPOCH : ErrorCode.FENCED_LEADER_EPOCH);
          }
          switch (p.timestamp) {
            case LATEST:
              // Under read_committed (v2+) the last stable offset: nothing of
              // an open transaction is readable yet (G11, G12).
              return answer(p.partitionIndex, ErrorCode.NONE, readCommitted ? log.lastStableOffset : log.highWatermark);
            case EARLIEST:
            case EARLIEST_LOCAL:
              return answer(p.partitionIndex, ErrorCode.NONE, log.logStartOffset);
            case EARLIEST_PENDING_UPLOAD:
              return answer(p.partitionIndex, ErrorCode.NONE);
            case MAX_TIMESTAMP: {
              const found = log.maxTimestampAndOffset(locateInCompressedBatch);
              return found ? answer(p.partitionIndex, ErrorCode.NONE, found.offset, found.timestamp) : answer(p.partitionIndex, ErrorCode.NONE);
            }
          }
          if (p.timestamp < 0n) return answer(p.partitionIndex, ErrorCode.INVALID_REQUEST);
          const found = log.offsetForTimestamp(Number(p.timestamp), locateInCompressedBatch);
          return found ? answer(p.partitionIndex, ErrorCode.NONE, found.offset, found.timestamp) : answer(p.partitionIndex, ErrorCode.NONE);
        }),
      })),
    };
  });
}
