/**
 * A set of partitions keyed by topic id (KIP-848 speaks topic ids on the
 * wire and in assignments): topicId -> partition numbers. Helpers keep the
 * maps free of empty topics so equality is structural.
 */
export type TopicPartitionSet = Map<string, Set<number>>;

export interface WireTopicPartitions {
  topicId: string;
  partitions: number[];
}

export function emptyPartitions(): TopicPartitionSet {
  return new Map();
}

export function copyPartitions(a: TopicPartitionSet): TopicPartitionSet {
  const out: TopicPartitionSet = new Map();
  for (const [topicId, parts] of a) if (parts.size > 0) out.set(topicId, new Set(parts));
  return out;
}

export function partitionsEqual(a: TopicPartitionSet, b: TopicPartitionSet): boolean {
  const nonEmpty = (m: TopicPartitionSet) => [...m].filter(([, s]) => s.size > 0);
  const ea = nonEmpty(a);
  if (ea.length !== nonEmpty(b).length) return false;
  for (const [topicId, parts] of ea) {
    const other = b.get(topicId);
    if (!other || other.size !== parts.size) return false;
    for (const p of parts) if (!other.has(p)) return false;
  }
  return true;
}

export function addPartition(a: TopicPartitionSet, topicId: string, partition: number): void {
  let s = a.get(topicId);
  if (!s) a.set(topicId, (s = new Set()));
  s.add(partition);
}

export function hasPartition(a: TopicPartitionSet, topicId: string, partition: number): boolean {
  return a.get(topicId)?.has(partition) ?? false;
}

export function countPartitions(a: TopicPartitionSet): number {
  let n = 0;
  for (const s of a.values()) n += s.size;
  return n;
}

/** Sorted, for responses and records (stable output is easier to read and test). */
export function toWire(a: TopicPartitionSet): WireTopicPartitions[] {
  return [...a]
    .filter(([, s]) => s.size > 0)
    .sort(([x], [y]) => (x < y ? -1 : x > y ? 1 : 0))
    .map(([topicId, s]) => ({ topicId, partitions: [...s].sort((x, y) => x - y) }));
}

export function fromWire(list: readonly WireTopicPartitions[]): TopicPartitionSet {
  const out: TopicPartitionSet = new Map();
  for (const t of list) for (const p of t.partitions) addPartition(out, t.topicId, p);
  return out;
}
