/**
 * Fetch: reads records from partitions starting at given offsets, from each
 * partition's leader, long-polling up to `maxWaitMs` for `minBytes`.
 *
 * Batches are decoded with Weir's RecordBatch codec. A compressed batch is
 * returned whole by the broker even when the fetch offset is in its middle,
 * so records before the requested offset are dropped here; control batches
 * (transaction markers) are skipped, as consumers do.
 */
import { ErrorCode } from '../protocol/errors';
import { decodeRecordBatches } from '../protocol/records';
import type { Record } from '../protocol/records';
import { RecordsValue, isFileRegion, recordsLength } from '../protocol/primitives/records-value';
import { ClientApis } from './client-apis';
import type { KafkaClient } from './client';
import { KafkaResponseError } from './errors';
import { ClusterMetadata, requireTopic } from './metadata';

export interface FetchPosition {
  partition: number;
  offset: bigint;
}

export interface FetchedPartition {
  partition: number;
  errorCode: number;
  highWatermark: bigint;
  logStartOffset: bigint;
  records: Record[];
  /** The offset to fetch next (past the last record returned, or unchanged). */
  nextOffset: bigint;
}

export interface FetchOptions {
  maxWaitMs?: number;
  minBytes?: number;
  maxBytes?: number;
  partitionMaxBytes?: number;
  /** 0 read_uncommitted (default), 1 read_committed. */
  isolationLevel?: number;
  /** Metadata already fetched for this topic (saves a round trip per poll). */
  metadata?: ClusterMetadata;
}

export async function fetch(client: KafkaClient, topic: string, positions: readonly FetchPosition[], options: FetchOptions = {}): Promise<FetchedPartition[]> {
  const md = options.metadata ?? (await client.metadata([topic]));
  const t = requireTopic(md, topic);
  const byLeader = new Map<number, FetchPosition[]>();
  for (const pos of positions) {
    const pm = t.partitions[pos.partition];
    if (!pm) throw new KafkaResponseError(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `partition ${pos.partition} of '${topic}' (it has ${t.partitions.length})`);
    let list = byLeader.get(pm.leaderId);
    if (!list) byLeader.set(pm.leaderId, (list = []));
    list.push(pos);
  }
  const maxWaitMs = options.maxWaitMs ?? 500;
  const out: FetchedPartition[] = [];
  await Promise.all(
    [...byLeader].map(async ([leader, list]) => {
      const api = ClientApis.Fetch;
      const res = await client.send(
        leader,
        api,
        () => ({
          ...api.request.defaults(),
          replicaId: -1,
          maxWaitMs,
          minBytes: options.minBytes ?? 1,
          maxBytes: options.maxBytes ?? 52_428_800,
          isolationLevel: options.isolationLevel ?? 0,
          // Sessions (v7+) are not used: every fetch is a full one.
          sessionId: 0,
          sessionEpoch: -1,
          topics: [
            {
              topic,
              topicId: '00000000-0000-0000-0000-000000000000',
              partitions: list.map((p) => ({
                partition: p.partition,
                currentLeaderEpoch: -1,
                fetchOffset: p.offset,
                lastFetchedEpoch: -1,
                logStartOffset: -1n,
                partitionMaxBytes: options.partitionMaxBytes ?? 1_048_576,
                replicaDirectoryId: '00000000-0000-0000-0000-000000000000',
              })),
            },
          ],
        }),
        maxWaitMs,
      );
      if (res.errorCode !== ErrorCode.NONE) throw new KafkaResponseError(res.errorCode, `fetching from ${topic}`);
      const requested = new Map(list.map((p) => [p.partition, p.offset]));
      for (const tr of res.responses) {
        for (const pd of tr.partitions) {
          const from = requested.get(pd.partitionIndex) ?? 0n;
          const records: Record[] = [];
          let nextOffset = from;
          if (pd.errorCode === ErrorCode.NONE && pd.records !== null && recordsLength(pd.records) > 0) {
            const buf = toBuffer(pd.records);
            for (const batch of decodeRecordBatches(buf, { allowPartialTail: true })) {
              const lastOffset = BigInt(batch.header.lastOffset);
              if (lastOffset + 1n > nextOffset) nextOffset = lastOffset + 1n;
              if (batch.control) continue;
              for (const r of batch.records) if (r.offset >= from) records.push(r);
            }
          }
          out.push({
            partition: pd.partitionIndex,
            errorCode: pd.errorCode,
            highWatermark: pd.highWatermark,
            logStartOffset: pd.logStartOffset,
            records,
            nextOffset,
          });
        }
      }
    }),
  );
  return out.sort((a, b) => a.partition - b.partition);
}

function toBuffer(v: RecordsValue): Buffer {
  if (Buffer.isBuffer(v)) return v;
  if (isFileRegion(v)) throw new Error('unexpected file region in a decoded response');
  return Buffer.concat(v.map((c) => (Buffer.isBuffer(c) ? c : Buffer.alloc(0))));
}
