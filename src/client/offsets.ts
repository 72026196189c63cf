/**
 * ListOffsets: a partition's earliest or latest offset, or the first offset
 * whose timestamp is at or after a given time (Kafka answers -1 when there
 * is none; we then fall back to the latest offset, as consumers do).
 */
import { ErrorCode } from '../protocol/errors';
import { ClientApis } from './client-apis';
import type { KafkaClient } from './client';
import { KafkaResponseError } from './errors';
import { requireTopic } from './metadata';

export const LATEST_TIMESTAMP = -1n;
export const EARLIEST_TIMESTAMP = -2n;

export type OffsetSpec = 'earliest' | 'latest' | { timestamp: number };

function specTimestamp(spec: OffsetSpec): bigint {
  if (spec === 'earliest') return EARLIEST_TIMESTAMP;
  if (spec === 'latest') return LATEST_TIMESTAMP;
  return BigInt(spec.timestamp);
}

/** Offsets per partition (every partition of the topic when `partitions` is omitted). */
export async function listOffsets(client: KafkaClient, topic: string, spec: OffsetSpec, partitions?: readonly number[]): Promise<Map<number, bigint>> {
  const md = await client.metadata([topic]);
  const t = requireTopic(md, topic);
  const wanted = partitions ?? t.partitions.map((p) => p.partition);
  const byLeader = new Map<number, number[]>();
  for (const p of wanted) {
    const pm = t.partitions[p];
    if (!pm) throw new KafkaResponseError(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `partition ${p} of '${topic}' (it has ${t.partitions.length})`);
    let list = byLeader.get(pm.leaderId);
    if (!list) byLeader.set(pm.leaderId, (list = []));
    list.push(p);
  }
  const timestamp = specTimestamp(spec);
  const out = new Map<number, bigint>();
  const needLatest: number[] = [];
  await Promise.all(
    [...byLeader].map(async ([leader, parts]) => {
      const api = ClientApis.ListOffsets;
      const res = await client.send(leader, api, () => ({
        replicaId: -1,
        isolationLevel: 0,
        topics: [{ name: topic, partitions: parts.map((partitionIndex) => ({ partitionIndex, currentLeaderEpoch: -1, timestamp, maxNumOffsets: 1 })) }],
      }));
      for (const tr of res.topics) {
        for (const pr of tr.partitions) {
          if (pr.errorCode !== ErrorCode.NONE) throw new KafkaResponseError(pr.errorCode, `listing offsets of ${topic}[${pr.partitionIndex}]`);
          if (pr.offset < 0n && timestamp >= 0n) needLatest.push(pr.partitionIndex);
          else out.set(pr.partitionIndex, pr.offset);
        }
      }
    }),
  );
  if (needLatest.length > 0) for (const [p, o] of await listOffsets(client, topic, 'latest', needLatest)) out.set(p, o);
  return out;
}
