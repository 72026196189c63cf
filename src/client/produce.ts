/**
 * Produce: records are placed on partitions (explicit, by key hash, or
 * spread round-robin for null keys), grouped into one RecordBatch v2 per
 * partition, and sent to each partition's leader in one request per broker.
 */
import { ErrorCode } from '../protocol/errors';
import type { ProduceRequest } from '../protocol/messages';
import { encodeRecordBatch } from '../protocol/records';
import type { RecordHeader } from '../protocol/records';
import { Codec } from '../protocol/records/compression';
import { ClientApis } from './client-apis';
import type { KafkaClient } from './client';
import { KafkaResponseError } from './errors';
import { requireTopic } from './metadata';
import { partitionForKey } from './partitioner';

export interface ProduceMessage {
  key?: Buffer | null;
  value: Buffer | null;
  headers?: RecordHeader[];
  /** Fixed partition; otherwise chosen from the key. */
  partition?: number;
  /** Milliseconds since the epoch; defaults to now. */
  timestamp?: number;
}

export interface ProduceOptions {
  /** 0, 1 or -1 (all); default -1. */
  acks?: number;
  timeoutMs?: number;
  compression?: Codec;
  /** Create the topic on first use if the broker allows it (auto.create.topics.enable). */
  allowAutoTopicCreation?: boolean;
}

export interface ProducedPartition {
  partition: number;
  baseOffset: bigint;
  count: number;
}

export async function produce(client: KafkaClient, topic: string, messages: readonly ProduceMessage[], options: ProduceOptions = {}): Promise<ProducedPartition[]> {
  if (messages.length === 0) return [];
  const md = await client.metadata([topic], options.allowAutoTopicCreation ?? false);
  const t = requireTopic(md, topic);
  const count = t.partitions.length;
  const byPartition = new Map<number, ProduceMessage[]>();
  let roundRobin = Math.floor(Math.random() * count);
  for (const m of messages) {
    let p: number;
    if (m.partition !== undefined) {
      if (m.partition < 0 || m.partition >= count) {
        throw new KafkaResponseError(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `partition ${m.partition} of '${topic}' (it has ${count})`);
      }
      p = m.partition;
    } else if (m.key) {
      p = partitionForKey(m.key, count);
    } else {
      p = roundRobin++ % count;
    }
    let list = byPartition.get(p);
    if (!list) byPartition.set(p, (list = []));
    list.push(m);
  }

  const byLeader = new Map<number, ProduceRequest.PartitionProduceData[]>();
  const now = Date.now();
  for (const [partition, list] of byPartition) {
    const leader = t.partitions[partition]!.leaderId;
    const records = encodeRecordBatch(
      list.map((m) => ({ key: m.key ?? null, value: m.value, headers: m.headers ?? [], timestamp: BigInt(m.timestamp ?? now) })),
      { compression: options.compression ?? Codec.None },
    );
    let parts = byLeader.get(leader);
    if (!parts) byLeader.set(leader, (parts = []));
    parts.push({ index: partition, records });
  }

  const acks = options.acks ?? -1;
  const results: ProducedPartition[] = [];
  await Promise.all(
    [...byLeader].map(async ([leader, partitionData]) => {
      const api = ClientApis.Produce;
      const body = (): ProduceRequest => ({ transactionalId: null, acks, timeoutMs: options.timeoutMs ?? 30_000, topicData: [{ name: topic, partitionData }] });
      if (acks === 0) {
        // No answer comes for acks=0: the request is written and forgotten.
        await client.sendWithoutResponse(leader, api, body);
        return;
      }
      const res = await client.send(leader, api, body);
      for (const tr of res.responses) {
        for (const pr of tr.partitionResponses) {
          if (pr.errorCode !== ErrorCode.NONE) throw new KafkaResponseError(pr.errorCode, `producing to ${topic}[${pr.index}]`, pr.errorMessage);
          results.push({ partition: pr.index, baseOffset: pr.baseOffset, count: byPartition.get(pr.index)?.length ?? 0 });
        }
      }
    }),
  );
  return results.sort((a, b) => a.partition - b.partition);
}
