/**
 * Produce (key 0), v0–11.
 *
 * Translation only: each partition's records go to the replica manager
 * (ReplicaManager.appendRecords → Partition.appendAsLeader, which validates
 * the batch once, applies the topic's limits and the transaction check, and
 * appends), and its answer becomes the response. acks=0 gets no response
 * at all (G14); acks=-1 answers once the high watermark passes the batch
 * (at once on a single node), acks=1 once it is in the leader's log.
 *
 * Version notes: v0–2 carry legacy message sets, which are up-converted to
 * one v2 batch before the append, as Kafka does. v3+ must carry exactly one
 * v2 batch per partition. v8 adds per-record errors and an error message;
 * v10 adds the current leader (tagged) and the leaders' endpoints, filled in
 * with NOT_LEADER_OR_FOLLOWER.
 *
 * Quotas: the request's size counts against the client's
 * producer_byte_rate once the append is done (acks=0 included); over
 * quota, throttle_time_ms says for how long, and the connection is muted
 * for that long after the response (KIP-219).
 *
 * Authorization (Kafka's KafkaApis): transactional batches need WRITE on the
 * transactional id (else every partition is
 * TRANSACTIONAL_ID_AUTHORIZATION_FAILED); each topic needs WRITE (else its
 * partitions are TOPIC_AUTHORIZATION_FAILED and nothing is appended to them).
 */
import type { AppendEntry, AppendOutcome } from '../../cluster/replica-manager';
import { Apis } from '../../protocol/apis';
import { ErrorCode } from '../../protocol/errors';
import { ProduceRequest, ProduceResponse } from '../../protocol/messages';
import type { BrokerContext } from '../broker-context';
import { defineHandler } from '../define-handler';
import { leaderEndpoints } from '../leader-endpoints';
import { AclOperation as Op, ResourceType } from '../../security/authorizer/acl';

type PartitionResponse = ProduceResponse.PartitionProduceResponse;

const NO_LEADER = { leaderId: -1, leaderEpoch: -1 };
/** The first version that carries the current leader (tagged) and the node endpoints. */
const FIRST_LEADER_VERSION = 10;

export function produceHandler(b: BrokerContext) {
  return defineHandler(Apis.Produce, (req: ProduceRequest, ctx): ProduceResponse | null | Promise<ProduceResponse | null> => {
    const v = ctx.apiVersion;
    const acksValid = req.acks === -1 || req.acks === 0 || req.acks === 1;
    const transactional = req.topicData.some((t) => t.partitionData.some((p) => isTransactional(p.records as Buffer | null)));
    if (transactional && (req.transactionalId === null || !b.authorizer.allowed(ctx, Op.WRITE, ResourceType.TRANSACTIONAL_ID, req.transactionalId))) {
      return req.acks === 0 ? null : errorResponse(req, ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED);
    }
    const writable = b.authorizer.allowedNames(ctx, Op.WRITE, ResourceType.TOPIC, req.topicData.map((t) => t.name));
    const entries: AppendEntry[] = [];
    if (acksValid) {
      for (const t of req.topicData) {
        if (!writable.has(t.name)) continue;
        for (const p of t.partitionData) entries.push({ topic: t.name, partition: p.index, records: p.records as Buffer | null });
      }
    }
    const respond = (results: readonly AppendOutcome[]): ProduceResponse | null => {
      const throttleTimeMs = b.quotas.recordProduced(ctx.principal.name, ctx.clientId ?? '', ctx.requestBytes, b.now());
      ctx.throttle(throttleTimeMs);
      if (req.acks === 0) return null;
      let i = 0;
      const leaders = new Set<number>();
      const responses = req.topicData.map((t) => ({
        name: t.name,
        partitionResponses: t.partitionData.map((p): PartitionResponse => {
          if (!acksValid) return partitionResponse(p.index, ErrorCode.INVALID_REQUIRED_ACKS);
          if (!writable.has(t.name)) return partitionResponse(p.index, ErrorCode.TOPIC_AUTHORIZATION_FAILED);
          const r = results[i++] as AppendOutcome;
          if (v >= FIRST_LEADER_VERSION && r.currentLeader.leaderId >= 0) leaders.add(r.currentLeader.leaderId);
          return partitionResponse(p.index, r.errorCode, r, v >= FIRST_LEADER_VERSION ? r.currentLeader : NO_LEADER);
        }),
      }));
      return { responses, throttleTimeMs, nodeEndpoints: leaderEndpoints(b, leaders) };
    };
    const results = b.replicaManager.appendRecords(
      { requiredAcks: req.acks, timeoutMs: req.timeoutMs, origin: 'client', apiVersion: v, transactionalId: req.transactionalId },
      entries,
      b.now(),
    );
    return results instanceof Promise ? results.then(respond) : respond(results);
  });
}

function errorResponse(req: ProduceRequest, errorCode: ErrorCode): ProduceResponse {
  return {
    responses: req.topicData.map((t) => ({ name: t.name, partitionResponses: t.partitionData.map((p) => partitionResponse(p.index, errorCode)) })),
    throttleTimeMs: 0,
    nodeEndpoints: [],
  };
}

/** Whether a partition's records are a transactional v2 batch (magic at byte 16, the attributes' bit 4 at bytes 21-22). */
function isTransactional(records: Buffer | null): boolean {
  return records !== null && records.length >= 23 && records[16] === 2 && (records.readInt16BE(21) & 0x10) !== 0;
}

function partitionResponse(index: number, errorCode: number, r?: AppendOutcome, currentLeader = NO_LEADER): PartitionResponse {
  const ok = errorCode === ErrorCode.NONE && r !== undefined;
  return {
    index,
    errorCode,
    baseOffset: ok ? BigInt(r.baseOffset) : -1n,
    logAppendTimeMs: ok ? BigInt(r.logAppendTime) : -1n,
    logStartOffset: ok ? BigInt(r.logStartOffset) : -1n,
    recordErrors: [],
    errorMessage: ok ? null : (r?.errorMessage ?? null),
    currentLeader,
  };
}
