/**
 * Which replica a consumer should fetch from (KIP-392), as Kafka's
 * `replica.selector.class` decides it on the partition's leader.
 *
 * - Unset (Kafka's default): none; consumers fetch from the leader.
 * - `org.apache.kafka.common.replica.RackAwareReplicaSelector`: Kafka's
 *   rack-aware selector. A consumer that sent its `client.rack` (Fetch v11+
 *   rackId) is pointed at a replica in its rack (`broker.rack`): the leader
 *   if it is there, else the most caught-up replica there (the largest log
 *   end offset, then the one caught up most recently). No rack, or no
 *   replica in it: the leader.
 *
 * The leader offers only replicas that could serve the fetch (Kafka's
 * findPreferredReadReplica): in the ISR (an out-of-sync follower may fall
 * ever further behind), holding the fetch offset (log start <= offset <=
 * log end as of its last fetch), and reachable on the listener the client
 * came in on. A selection of the leader itself is no redirection. Kafka
 * loads any class by name; Weir knows this one, and refuses other names at
 * start (config validation), as Kafka does a class it cannot load.
 */

/** Kafka's class name for its rack-aware selector. */
export const RACK_AWARE_REPLICA_SELECTOR = 'org.apache.kafka.common.replica.RackAwareReplicaSelector';

/** The `replica.selector.class` values Weir accepts. */
export const REPLICA_SELECTOR_CLASSES = [RACK_AWARE_REPLICA_SELECTOR] as const;

/** One replica as the selector sees it (Kafka's ReplicaView). */
export interface ReplicaView {
  readonly brokerId: number;
  readonly rack: string | null;
  readonly logEndOffset: number;
  /** How long ago the replica was last caught up with the leader (0 for the leader). */
  readonly timeSinceLastCaughtUpMs: number;
}

/** What the leader knows of a partition's candidates (Kafka's PartitionView). */
export interface PartitionView {
  readonly leader: ReplicaView;
  /** Every candidate, the leader included. */
  readonly replicas: readonly ReplicaView[];
}

/** The client's side (Kafka's ClientMetadata, the part a selector uses). */
export interface ClientMetadata {
  /** Fetch v11+ rackId (`client.rack`); '' when the client has none. */
  readonly rackId: string;
}

export interface ReplicaSelector {
  /** The replica the client should fetch from; null for no opinion (the leader). */
  select(client: ClientMetadata, partition: PartitionView): ReplicaView | null;
}

/** Kafka's RackAwareReplicaSelector. */
export const rackAwareReplicaSelector: ReplicaSelector = {
  select(client, partition) {
    if (client.rackId === '') return partition.leader;
    const sameRack = partition.replicas.filter((r) => r.rack === client.rackId);
    if (sameRack.length === 0) return partition.leader;
    if (sameRack.some((r) => r.brokerId === partition.leader.brokerId)) return partition.leader;
    return sameRack.reduce((best, r) => (moreCaughtUp(r, best) ? r : best));
  },
};

/** Kafka's ReplicaView.comparator order: the larger log end, then the more recently caught up; then the lower id, to be deterministic. */
function moreCaughtUp(a: ReplicaView, b: ReplicaView): boolean {
  if (a.logEndOffset !== b.logEndOffset) return a.logEndOffset > b.logEndOffset;
  if (a.timeSinceLastCaughtUpMs !== b.timeSinceLastCaughtUpMs) return a.timeSinceLastCaughtUpMs < b.timeSinceLastCaughtUpMs;
  return a.brokerId < b.brokerId;
}

/** The selector `replica.selector.class` names; null when unset (leader only). */
export function replicaSelectorOf(className: string | null): ReplicaSelector | null {
  if (className === null || className === '') return null;
  if (className === RACK_AWARE_REPLICA_SELECTOR) return rackAwareReplicaSelector;
  throw new Error(`replica.selector.class ${className} is not available: Weir provides ${REPLICA_SELECTOR_CLASSES.join(', ')}`);
}

/**
 * The broker a consumer fetching `fetchOffset` should be sent to, or -1 to
 * read here (the leader): the selector's choice among the candidates (see
 * the file header), unless that is the leader.
 */
export function preferredReadReplica(
  selector: ReplicaSelector,
  client: ClientMetadata,
  leader: ReplicaView,
  followers: readonly (ReplicaView & { inIsr: boolean; logStartOffset: number; reachable: boolean })[],
  fetchOffset: number,
): number {
  const candidates: ReplicaView[] = [leader];
  for (const f of followers) {
    if (f.inIsr && f.reachable && f.logEndOffset >= fetchOffset && f.logStartOffset <= fetchOffset) candidates.push(f);
  }
  const chosen = selector.select(client, { leader, replicas: candidates });
  return chosen === null || chosen.brokerId === leader.brokerId ? -1 : chosen.brokerId;
}
