/**
 * Where a new partition's replicas go: Kafka's striped placement without
 * racks. Partition p of a topic gets brokers[(start + p + i) % n] for its
 * i-th replica, so leaders (the first replica) spread over the live
 * brokers. On one node every partition lands on that node. The cluster
 * work replaces this with a rack-aware placer behind the same signature.
 */
export function placeReplicas(liveBrokers: readonly number[], firstPartition: number, count: number, replicationFactor: number): number[][] {
  const brokers = [...liveBrokers].sort((a, b) => a - b);
  const n = brokers.length;
  const out: number[][] = [];
  for (let p = firstPartition; p < firstPartition + count; p++) {
    const replicas: number[] = [];
    for (let i = 0; i < replicationFactor; i++) replicas.push(brokers[(p + i) % n] as number);
    out.push(replicas);
  }
  return out;
}
