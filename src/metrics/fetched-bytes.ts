/**
 * The record bytes a consumer's Fetch response carries, per topic, from the
 * lengths alone (file regions are not read): Kafka's BrokerTopicMetrics
 * BytesOutPerSec. A follower's fetch (replica id >= 0) is replication, which
 * Kafka counts apart (ReplicationBytesOutPerSec), and is left out here.
 */
import type { FetchRequest, FetchResponse } from '../protocol/messages';
import { recordsLength } from '../protocol/primitives/records-value';

/** topic -> record bytes sent to a consumer; empty for a follower's fetch. */
export function countFetchedBytes(apiVersion: number, request: unknown, response: unknown): Map<string, number> {
  const out = new Map<string, number>();
  const req = request as FetchRequest;
  const res = response as FetchResponse | null;
  const replicaId = apiVersion >= 15 ? req.replicaState.replicaId : req.replicaId;
  if (res === null || replicaId >= 0) return out;
  for (const t of res.responses) {
    let n = 0;
    for (const p of t.partitions) if (p.records !== null) n += recordsLength(p.records);
    // v13+ names topics by id on the wire; Weir's response objects carry the name as well.
    if (n > 0 && t.topic !== '') out.set(t.topic, (out.get(t.topic) ?? 0) + n);
  }
  return out;
}
