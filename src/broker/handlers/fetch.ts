/**
 * Fetch (key 1), v0–17.
 *
 * Translation only. The session fields go to the fetch manager
 * (cluster/fetch-session), which says which partitions this fetch reads:
 * the ones named (full and sessionless fetches) or every partition of the
 * client's incremental session (KIP-227). Partitions of topics the metadata
 * does not know are answered at once with UNKNOWN_TOPIC_ID (v13+, unknown
 * id) or UNKNOWN_TOPIC_OR_PARTITION and are not read; a fetch left with
 * nothing to read (a consumer closing its session sends one) is answered at
 * once. The rest go to the replica manager (ReplicaManager.fetchMessages),
 * which reads each below the bound its isolation level sets (the high
 * watermark, or the last stable offset under read_committed) and, when
 * fewer than `min_bytes` are readable, parks the fetch as a delayed
 * operation woken by appends to its partitions (never by a polling timer)
 * until `max_wait_ms` has passed or the broker shuts down. Then the fetch
 * context shapes the response: a full fetch that asked for a session gets
 * one (if the cache has room), an incremental response leaves out the
 * partitions with nothing new. Record bytes are never parsed: each
 * partition's answer is a region of a segment file (or a buffer in memory
 * mode) that the network layer streams. A fetch at an offset inside a batch
 * returns that whole batch, as Kafka does; the client skips the records
 * before its offset.
 *
 * Version notes: v0–3 carry legacy message sets, so stored batches are
 * down-converted here (magic 0 for v0–1, magic 1 for v2–3) as Kafka 3.9
 * does; v3 adds a response size limit; v4 the isolation level, last stable
 * offset and aborted transactions (G11); v7 fetch sessions
 * (max.incremental.fetch.session.cache.slots of them; G10); v9 the current
 * leader epoch check; v3+ responses are capped by the broker's
 * `fetch.max.bytes` as well as the request's limit; v12 the current leader
 * (tagged) with NOT_LEADER_OR_FOLLOWER and FENCED_LEADER_EPOCH; v13+ name
 * topics by id (sessions then key partitions by id); v16 the leaders'
 * endpoints. v11 adds the consumer's rack (`client.rack`) and
 * `preferred_read_replica` (KIP-392): a consumer's v11+ fetch may be
 * served by a follower, below that follower's high watermark (an offset
 * past it but within its log: an empty answer; past its log end:
 * OFFSET_OUT_OF_RANGE, after which clients go back to the leader), and a
 * leader with `replica.selector.class` set answers without records,
 * naming the replica in the consumer's rack to fetch from.
 *
 * Quotas, as Kafka: a consumer's fetch is capped at what its
 * consumer_byte_rate allows in one quota window (at least one batch still
 * comes back), and the record bytes it would return count against that
 * rate. Over quota, the fetch is answered empty (no partitions; a session
 * stays as it was) with throttle_time_ms, its bytes are taken back from the
 * rate, and the connection is muted for the throttle time after the
 * response (KIP-219); the consumer asks again afterwards.
 *
 * A follower's fetch (replica id >= 0; v15+ in the replica state, with its
 * broker epoch) reads up to the log end instead of the high watermark, and
 * its fetch offset tells the partition's leader how far the follower has
 * come (the high watermark and the ISR follow; ReplicaManager and
 * Partition).
 *
 * Authorization (Kafka's KafkaApis): a consumer needs READ on each topic,
 * a follower (replica id >= 0) CLUSTER_ACTION on the cluster; the
 * partitions of the others are TOPIC_AUTHORIZATION_FAILED and not read.
 */
import { releaseFetchResult, type FetchPartitionRequest, type FetchPartitionResult, type FetchResult } from '../../cluster/replica-manager';
import type { FetchContextPartition, FetchedPartition } from '../../cluster/fetch-session/fetch-manager';
import { type SessionPartitionRef, sessionPartitionKey } from '../../cluster/fetch-session/fetch-session';
import { Apis } from '../../protocol/apis';
import { ErrorCode } from '../../protocol/errors';
import { FetchRequest, FetchResponse } from '../../protocol/messages';
import { EMPTY_BYTES, ZERO_UUID } from '../../protocol/primitives/codec-support';
import { type RecordsValue, recordsLength, releaseRecords } from '../../protocol/primitives/records-value';
import { containsZstdBatch, downConvertBatches } from '../../protocol/records';
import { readRecordsBytes } from '../../storage/records-bytes';
import type { BrokerContext } from '../broker-context';
import { defineHandler } from '../define-handler';
import { leaderEndpoints } from '../leader-endpoints';
import { AclOperation as Op, CLUSTER_RESOURCE_NAME, ResourceType } from '../../security/authorizer/acl';

type PartitionData = FetchResponse.PartitionData;

const READ_COMMITTED = 1;
const NO_LEADER = { leaderId: -1, leaderEpoch: -1 };

/** One partition's answer: the wire data, with what the fetch context judges it by. */
interface Answer extends FetchedPartition {
  readonly data: PartitionData;
}

function answer(ref: SessionPartitionRef, data: PartitionData): Answer {
  return {
    ref,
    data,
    facts: {
      errorCode: data.errorCode,
      highWatermark: Number(data.highWatermark),
      logStartOffset: Number(data.logStartOffset),
      recordsBytes: recordsLength(data.records ?? EMPTY_BYTES),
      preferredReadReplica: data.preferredReadReplica,
      divergingEpoch: data.divergingEpoch.epoch,
    },
  };
}

export function fetchHandler(b: BrokerContext) {
  const fetchMaxBytes = b.config.number('fetch.max.bytes');
  return defineHandler(Apis.Fetch, (req: FetchRequest, ctx): FetchResponse | Promise<FetchResponse> => {
    const v = ctx.apiVersion;
    const image = b.metadata.image;
    // v13+ names topics by id (the name is what the metadata says, or null); before, by name with a zero id.
    const refOf = (topic: string, topicId: string, partition: number): SessionPartitionRef =>
      v >= 13 ? { topicId, topic: image.topics.getById(topicId)?.name ?? null, partition } : { topicId: ZERO_UUID, topic, partition };
    const fetchData = new Map<string, FetchContextPartition>();
    for (const t of req.topics) {
      for (const p of t.partitions) {
        const ref = refOf(t.topic, t.topicId, p.partition);
        fetchData.set(sessionPartitionKey(ref), {
          ref,
          params: {
            fetchOffset: Number(p.fetchOffset),
            maxBytes: p.partitionMaxBytes,
            currentLeaderEpoch: v >= 9 ? p.currentLeaderEpoch : -1,
            logStartOffset: v >= 5 ? Number(p.logStartOffset) : -1,
            lastFetchedEpoch: v >= 12 ? p.lastFetchedEpoch : -1,
          },
        });
      }
    }
    const toForget = v >= 7 ? req.forgottenTopicsData.flatMap((t) => t.partitions.map((p) => refOf(t.topic, t.topicId, p))) : [];
    const replicaId = v >= 15 ? req.replicaState.replicaId : req.replicaId;
    const context = b.fetchSessions.newContext({
      version: v,
      sessionId: req.sessionId,
      epoch: req.sessionEpoch,
      isFollower: replicaId >= 0,
      fetchData,
      toForget,
      topicName: (id) => image.topics.getById(id)?.name,
      now: b.now(),
    });

    // Partitions the metadata does not know are answered without a read (Kafka's "erroneous").
    const erroneous: Answer[] = [];
    const interesting: { ref: SessionPartitionRef; request: FetchPartitionRequest }[] = [];
    const clusterAction = replicaId >= 0 && b.authorizer.allowed(ctx, Op.CLUSTER_ACTION, ResourceType.CLUSTER, CLUSTER_RESOURCE_NAME);
    const readable = new Map<string, boolean>();
    const mayRead = (topic: string): boolean => {
      if (replicaId >= 0) return clusterAction;
      let ok = readable.get(topic);
      if (ok === undefined) readable.set(topic, (ok = b.authorizer.allowed(ctx, Op.READ, ResourceType.TOPIC, topic)));
      return ok;
    };
    for (const { ref, params } of context.partitions()) {
      if (ref.topic === null) erroneous.push(answer(ref, emptyPartition(ref.partition, ErrorCode.UNKNOWN_TOPIC_ID, -1, -1)));
      else if (!mayRead(ref.topic)) erroneous.push(answer(ref, emptyPartition(ref.partition, ErrorCode.TOPIC_AUTHORIZATION_FAILED, -1, -1)));
      else if (!image.topics.partition(ref.topic, ref.partition)) erroneous.push(answer(ref, emptyPartition(ref.partition, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, -1, -1)));
      else {
        interesting.push({
          ref,
          request: {
            topic: ref.topic,
            partition: ref.partition,
            topicId: v >= 13 ? ref.topicId : undefined,
            fetchOffset: params.fetchOffset,
            maxBytes: params.maxBytes,
            currentLeaderEpoch: params.currentLeaderEpoch,
            logStartOffset: params.logStartOffset,
          },
        });
      }
    }

    const consumer = replicaId < 0;
    const respond = (read: Answer[]): FetchResponse => {
      let throttleTimeMs = 0;
      if (consumer && b.quotas.fetch.enabled) {
        // Every partition with records is in the response, whatever the fetch context.
        let bytes = 0;
        for (const a of read) bytes += a.facts.recordsBytes;
        const user = ctx.principal.name;
        const clientId = ctx.clientId ?? '';
        throttleTimeMs = b.quotas.recordFetched(user, clientId, bytes, b.now());
        if (throttleTimeMs > 0) {
          b.quotas.fetch.unrecord(user, clientId, bytes, b.now());
          // Nothing read is sent: let go of the file regions.
          for (const a of read) releaseRecords(a.data.records);
          ctx.throttle(throttleTimeMs);
        }
      }
      const r = throttleTimeMs > 0 ? context.throttledResponse<Answer>() : context.respond([...read, ...erroneous]);
      const leaders = new Set<number>();
      for (const a of r.partitions) if (a.data.currentLeader.leaderId >= 0) leaders.add(a.data.currentLeader.leaderId);
      return {
        throttleTimeMs,
        errorCode: r.errorCode,
        sessionId: r.sessionId,
        responses: groupByTopic(r.partitions, v),
        nodeEndpoints: v >= 16 ? leaderEndpoints(b, leaders) : [],
      };
    };
    // Nothing to read (no partitions, or only unknown ones): answer now, never wait.
    if (interesting.length === 0) return respond([]);

    const readCommitted = v >= 4 && req.isolationLevel === READ_COMMITTED;
    // v3+: a response-wide byte limit, capped by the broker's fetch.max.bytes;
    // before that only per-partition limits, and Kafka then treats those as
    // hard limits (no oversized first batch).
    const quotaWindowBytes = consumer && b.quotas.fetch.enabled ? Math.floor(b.quotas.fetch.maxValueInQuotaWindow(ctx.principal.name, ctx.clientId ?? '')) : Infinity;
    const maxBytes = v >= 3 ? Math.min(req.maxBytes, fetchMaxBytes, quotaWindowBytes) : Number.MAX_SAFE_INTEGER;
    const fetched = b.replicaManager.fetchMessages(
      {
        replica: consumer ? undefined : { brokerId: replicaId, brokerEpoch: v >= 15 ? Number(req.replicaState.replicaEpoch) : -1 },
        maxWaitMs: req.maxWaitMs,
        minBytes: Math.min(req.minBytes, maxBytes),
        maxBytes,
        minOneBatch: v >= 3,
        isolation: readCommitted ? 'committed' : 'high-watermark',
        // v11+: the consumer's rack; it may read from followers (KIP-392).
        clientMetadata: consumer && v >= 11 ? { rackId: req.rackId, listenerName: ctx.listenerName } : undefined,
      },
      interesting.map((i) => i.request),
    );
    const answers = (result: FetchResult): Answer[] =>
      interesting.map((i, n) => {
        const r = result.partitions[n] as FetchPartitionResult;
        if (r.errorCode !== ErrorCode.NONE) {
          const leader = v >= 12 ? r.currentLeader : NO_LEADER;
          return answer(i.ref, emptyPartition(i.ref.partition, r.errorCode, r.highWatermark, r.logStartOffset, leader));
        }
        return answer(i.ref, partitionData(i.ref.partition, i.request.fetchOffset, r, v));
      });
    const complete = (result: FetchResult): FetchResponse => {
      let read: Answer[];
      try {
        read = answers(result);
      } catch (err) {
        // The response will not be sent: none of its file regions will be either.
        releaseFetchResult(result);
        throw err;
      }
      return respond(read);
    };
    return fetched instanceof Promise ? fetched.then(complete) : complete(fetched);
  });
}

/** Consecutive partitions of one topic share a topic entry, as Kafka builds the response. */
function groupByTopic(partitions: readonly Answer[], v: number): FetchResponse.FetchableTopicResponse[] {
  const out: FetchResponse.FetchableTopicResponse[] = [];
  let last: SessionPartitionRef | null = null;
  for (const a of partitions) {
    const same = last !== null && (v >= 13 ? last.topicId === a.ref.topicId : last.topic === a.ref.topic);
    if (!same) out.push({ topic: a.ref.topic ?? '', topicId: a.ref.topicId, partitions: [] });
    (out[out.length - 1] as FetchResponse.FetchableTopicResponse).partitions.push(a.data);
    last = a.ref;
  }
  return out;
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
    preferredReadReplica: v >= 11 ? r.preferredReadReplica : -1,
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
