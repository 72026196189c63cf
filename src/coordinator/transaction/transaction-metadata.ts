/**
 * What the coordinator knows about one transactional id (Kafka's
 * TransactionMetadata): the producer id and epoch it hands out, the
 * previous ones (KIP-360 retries), the open transaction's partitions and
 * timestamps, and its state. Plain data: the rules live in the coordinator.
 */
import type { TransactionLogValue } from './transaction-log-records';
import type { TransactionState } from './transaction-state';

export const NO_PRODUCER_EPOCH = -1;
/** Kafka bumps epochs up to Short.MAX_VALUE - 1, then rotates the producer id. */
const MAX_PRODUCER_EPOCH = 32767;

export function isEpochExhausted(epoch: number): boolean {
  return epoch >= MAX_PRODUCER_EPOCH - 1;
}

export interface TransactionMetadata {
  readonly transactionalId: string;
  producerId: number;
  /** The producer id before the last rotation (-1 if none). */
  lastProducerId: number;
  producerEpoch: number;
  /** The epoch before the last bump by a recovering producer, so a retried InitProducerId gets the same answer. */
  lastProducerEpoch: number;
  timeoutMs: number;
  state: TransactionState;
  /** The transaction's partitions as "topic\u0000partition" keys. */
  partitions: Set<string>;
  /** When the open transaction began (-1 when none). */
  startTimestamp: number;
  lastUpdateTimestamp: number;
}

export function partitionKey(topic: string, partition: number): string {
  return `${topic}\u0000${partition}`;
}

export function parsePartitionKey(key: string): { topic: string; partition: number } {
  const i = key.lastIndexOf('\u0000');
  return { topic: key.slice(0, i), partition: Number(key.slice(i + 1)) };
}

/** The partitions grouped by topic, sorted (for records and DescribeTransactions). */
export function partitionsByTopic(keys: Iterable<string>): Map<string, number[]> {
  const out = new Map<string, number[]>();
  for (const k of keys) {
    const { topic, partition } = parsePartitionKey(k);
    let list = out.get(topic);
    if (!list) out.set(topic, (list = []));
    list.push(partition);
  }
  for (const list of out.values()) list.sort((a, b) => a - b);
  return new Map([...out].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

export function toLogValue(m: TransactionMetadata): TransactionLogValue {
  return {
    producerId: m.producerId,
    producerEpoch: m.producerEpoch,
    transactionTimeoutMs: m.timeoutMs,
    state: m.state,
    partitions: partitionsByTopic(m.partitions),
    lastUpdateTimestampMs: m.lastUpdateTimestamp,
    startTimestampMs: m.startTimestamp,
  };
}

export function fromLogValue(transactionalId: string, v: TransactionLogValue): TransactionMetadata {
  const partitions = new Set<string>();
  for (const [topic, ids] of v.partitions) for (const id of ids) partitions.add(partitionKey(topic, id));
  return {
    transactionalId,
    producerId: v.producerId,
    lastProducerId: -1,
    producerEpoch: v.producerEpoch,
    lastProducerEpoch: NO_PRODUCER_EPOCH,
    timeoutMs: v.transactionTimeoutMs,
    state: v.state,
    partitions,
    startTimestamp: v.startTimestampMs,
    lastUpdateTimestamp: v.lastUpdateTimestampMs,
  };
}
