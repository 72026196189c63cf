/**
 * Where a new partition's replicas go (Kafka's rack-aware assignment).
 *
 * The live brokers are ordered so that racks alternate (the first broker of
 * each rack, then the second of each, ...; racks and brokers by name and
 * id). Partition p's first replica, its preferred leader, is the broker at
 * p in that order, so leaders spread evenly over brokers and racks. Each
 * further replica is the next broker in the order, after a shift that
 * grows with the partition (so followers spread too), whose rack no
 * replica of the partition has yet; once every rack has one, the next
 * broker not yet chosen. Without racks this is plain striping. Brokers
 * without a rack count as one rack of their own.
 */
export interface PlacementBroker {
  id: number;
  rack: string | null;
}

export function placeReplicas(liveBrokers: readonly PlacementBroker[], firstPartition: number, count: number, replicationFactor: number): number[][] {
  const order = rackAlternated(liveBrokers);
  const n = order.length;
  const racks = new Set(order.map((b) => b.rack)).size;
  const out: number[][] = [];
  for (let p = firstPartition; p < firstPartition + count; p++) {
    const leader = order[p % n] as PlacementBroker;
    const chosen = [leader];
    // The shift moves the followers of successive rounds over the brokers (Kafka's nextReplicaShift).
    const shift = 1 + (Math.floor(p / n) % Math.max(1, n - 1));
    for (let step = 0; chosen.length < replicationFactor && step < 2 * n; step++) {
      const candidate = order[(p + shift + step) % n] as PlacementBroker;
      if (chosen.includes(candidate)) continue;
      const everyRackUsed = new Set(chosen.map((b) => b.rack)).size >= racks;
      if (!everyRackUsed && chosen.some((b) => b.rack === candidate.rack)) continue;
      chosen.push(candidate);
    }
    out.push(chosen.map((b) => b.id));
  }
  return out;
}

/** The brokers with racks alternating: each rack's first broker, then each rack's second, ... */
function rackAlternated(brokers: readonly PlacementBroker[]): PlacementBroker[] {
  const byRack = new Map<string | null, PlacementBroker[]>();
  for (const b of [...brokers].sort((x, y) => x.id - y.id)) {
    const list = byRack.get(b.rack) ?? [];
    list.push(b);
    byRack.set(b.rack, list);
  }
  const rackNames = [...byRack.keys()].sort((a, b) => (a ?? '').localeCompare(b ?? ''));
  const out: PlacementBroker[] = [];
  for (let i = 0; out.length < brokers.length; i++) {
    for (const r of rackNames) {
      const b = byRack.get(r)![i];
      if (b) out.push(b);
    }
  }
  return out;
}
