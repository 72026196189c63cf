/**
 * Produce (key 0), v0–11.
 *
 * The hot path. Per partition: check the batch headers and CRC (never the
 * records, unless the topic is compacted and keys must be checked), apply
 * the topic's limits, write the batch bytes as received with offsets patched
 * in, answer with the base offset. acks=0 gets no response at all (G14); on
 * a single node acks=-1 and acks=1 are the same thing.
 *
 * Version notes: v0–2 carry legacy message sets (magic 0/1), which are
 * up-converted to one v2 batch before the append, as Kafka does. v3+ must
 * carry exactly one v2 batch per partition. v8 adds per-record errors and an
 * error message; v10 adds the current leader (tagged), which we leave at its
 * default since leadership never moves.
 */
import { Apis } from '../../protocol/apis';
import { ErrorCode } from '../../protocol/errors';
import { ProduceRequest, ProduceResponse } from '../../protocol/messages';
import {
  ATTRIBUTES,
  MAX_TIMESTAMP,
  TIMESTAMP_TYPE_LOG_APPEND,
  findRecordWithoutKey,
  validateLegacyProduce,
  validateProduceRecords,
  writeBatchCrc,
  type ProduceValidation,
} from '../../protocol/records';
import { isInternalTopic, topicNameProblem } from '../../cluster/topic-name';
import type { BrokerContext } from '../broker-context';
import { defineHandler } from '../define-handler';
import { transactionalProduceProblem } from './transactional-produce';

type PartitionResponse = ProduceResponse.PartitionProduceResponse;

const JAVA_LONG_MAX = 2 ** 63;

function partitionError(index: number, errorCode: number, errorMessage: string | null = null): PartitionResponse {
  return {
    index,
    errorCode,
    baseOffset: -1n,
    logAppendTimeMs: -1n,
    logStartOffset: -1n,
    recordErrors: [],
    errorMessage,
    currentLeader: { leaderId: -1, leaderEpoch: -1 },
  };
}

export function produceHandler(b: BrokerContext) {
  return defineHandler(Apis.Produce, (req: ProduceRequest, ctx): ProduceResponse | null => {
    const v = ctx.apiVersion;
    const acksValid = req.acks === -1 || req.acks === 0 || req.acks === 1;
    const responses = req.topicData.map((t) => ({
      name: t.name,
      partitionResponses: t.partitionData.map((p): PartitionResponse => {
        if (!acksValid) return partitionError(p.index, ErrorCode.INVALID_REQUIRED_ACKS);
        return producePartition(b, t.name, p.index, p.records as Buffer | null, v, req.transactionalId);
      }),
    }));
    if (req.acks === 0) return null;
    return { responses, throttleTimeMs: 0, nodeEndpoints: [] };
  });
}

function producePartition(b: BrokerContext, topic: string, partition: number, records: Buffer | null, version: number, transactionalId: string | null): PartitionResponse {
  const info = b.topics.get(topic);
  // A name no topic can have is a permanent error, not the retriable
  // UNKNOWN_TOPIC_OR_PARTITION Kafka 3.9 answers (a client would retry it
  // until its delivery timeout); Metadata already answers it this way.
  const nameProblem = info ? null : topicNameProblem(topic);
  if (nameProblem !== null) return partitionError(partition, ErrorCode.INVALID_TOPIC_EXCEPTION, nameProblem);
  if (!info || partition < 0 || partition >= info.partitions) return partitionError(partition, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
  if (isInternalTopic(topic)) {
    return partitionError(partition, ErrorCode.INVALID_TOPIC_EXCEPTION, `Cannot append to internal topic ${topic}`);
  }
  const log = b.logs.getLog(topic, partition);
  if (!log) return partitionError(partition, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
  if (records === null || records.length === 0) return partitionError(partition, ErrorCode.INVALID_RECORD, 'no records');

  const config = b.controller.topicConfig(topic);
  let batches: Buffer;
  let validation: ProduceValidation;
  if (version <= 2) {
    const legacy = validateLegacyProduce(records, config.maxMessageBytes * 4 + 1024);
    batches = legacy.converted;
    validation = legacy;
  } else {
    batches = records;
    validation = validateProduceRecords(records, { apiVersion: version });
  }
  if (validation.errorCode !== ErrorCode.NONE) return partitionError(partition, validation.errorCode, validation.errorMessage);

  for (const batch of validation.batches) {
    if (batch.size > config.maxMessageBytes) {
      return partitionError(
        partition,
        ErrorCode.MESSAGE_TOO_LARGE,
        `The record batch size is ${batch.size} bytes, which is larger than the maximum of ${config.maxMessageBytes} (max.message.bytes)`,
      );
    }
  }

  const now = b.now();
  const logAppendTime = config.messageTimestampType === 'LogAppendTime';
  if (!logAppendTime) {
    const problem = timestampProblem(validation, now, config.messageTimestampBeforeMaxMs, config.messageTimestampAfterMaxMs);
    if (problem) return partitionError(partition, ErrorCode.INVALID_TIMESTAMP, problem);
  }
  if (config.compact) {
    const keys = findRecordWithoutKey(batches, validation.batches, config.maxMessageBytes * 4 + 1024);
    if (keys.errorCode !== ErrorCode.NONE) return partitionError(partition, keys.errorCode, keys.errorMessage);
    if (keys.missingKey) {
      return partitionError(partition, ErrorCode.INVALID_RECORD, `Compacted topic cannot accept message without key in topic partition ${topic}-${partition}.`);
    }
  }
  if (logAppendTime) {
    // LogAppendTime: the broker's clock becomes the batch's max timestamp and
    // the attribute says so; both are under the CRC, so it is recomputed.
    for (const batch of validation.batches) {
      batches.writeBigInt64BE(BigInt(now), batch.position + MAX_TIMESTAMP);
      batches.writeInt16BE(batch.header.attributes | TIMESTAMP_TYPE_LOG_APPEND, batch.position + ATTRIBUTES);
      writeBatchCrc(batches, batch.position);
    }
  }

  const txnProblem = transactionalProduceProblem(b, transactionalId, topic, partition, validation.batches, log);
  if (txnProblem) return partitionError(partition, txnProblem.errorCode, txnProblem.message);

  const result = log.append(batches, { leaderEpoch: b.leaderEpoch, now });
  if (result.errorCode !== ErrorCode.NONE) return partitionError(partition, result.errorCode, result.errorMessage);
  return {
    index: partition,
    errorCode: ErrorCode.NONE,
    baseOffset: BigInt(result.baseOffset),
    logAppendTimeMs: logAppendTime ? BigInt(result.logAppendTime === -1 ? now : result.logAppendTime) : -1n,
    logStartOffset: BigInt(result.logStartOffset),
    recordErrors: [],
    errorMessage: null,
    currentLeader: { leaderId: -1, leaderEpoch: -1 },
  };
}

/**
 * message.timestamp.before.max.ms / after.max.ms (CreateTime topics). Kafka
 * checks every record; the batch header's max timestamp bounds the newest
 * record, which is what the "after" (future) check needs. The "before" check
 * against the oldest record would need the records, so with a finite
 * before-limit we check the batch's base timestamp, the first record's.
 */
function timestampProblem(v: ProduceValidation, now: number, beforeMaxMs: number, afterMaxMs: number): string | null {
  if (beforeMaxMs >= JAVA_LONG_MAX && afterMaxMs >= JAVA_LONG_MAX) return null;
  for (const batch of v.batches) {
    const max = Number(batch.header.maxTimestamp);
    const base = Number(batch.header.baseTimestamp);
    if (max >= 0 && max - now > afterMaxMs) {
      return `Timestamp ${max} of message is out of range. The timestamp should be within [${now - beforeMaxMs}, ${now + afterMaxMs}]`;
    }
    if (base >= 0 && now - base > beforeMaxMs) {
      return `Timestamp ${base} of message is out of range. The timestamp should be within [${now - beforeMaxMs}, ${now + afterMaxMs}]`;
    }
  }
  return null;
}
