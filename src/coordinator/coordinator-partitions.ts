/**
 * Which partitions of a coordinator's internal topic this broker
 * coordinates, and the two questions a request for a key (group id,
 * transactional id) asks before it is answered (Kafka's CoordinatorRuntime
 * partition states and its acks=all writes):
 *
 * - `ownerError(key)`: may this broker act for the key now? NONE when it
 *   leads the key's partition and has loaded it; COORDINATOR_LOAD_IN_PROGRESS
 *   while the partition loads; NOT_COORDINATOR when another broker leads it
 *   (or this one lost its session), so the client looks the coordinator up
 *   again. Before the topic exists the coordinator's own first-use creation
 *   answers (COORDINATOR_NOT_AVAILABLE until it exists).
 * - `whenReplicated(key)`: the coordinator wrote to the key's partition
 *   (it appends and replays at once, synchronously); its answer goes out
 *   once the partition's high watermark covers the log end as it is now,
 *   through the replica manager's acks=all purgatory. On one node that is
 *   at once (NONE, no promise). A failure is Kafka's coordinator error
 *   (coordinatorAppendError).
 *
 * It follows leadership from the metadata deltas: partitions this broker
 * becomes leader of are loaded (the owner replays their records), those it
 * stops leading (moved, or the topic gone) are unloaded (the owner drops
 * their state and answers its waiting requests NOT_COORDINATOR). A new
 * leader epoch of a partition it still leads reloads it: another broker
 * may have led it in between. Kafka's coordinators follow leadership the
 * same way (onElection / onResignation, with the epoch).
 *
 * The partitions led when the broker starts are loaded by the coordinator's
 * own start (all it leads, on one node all of them), so the first,
 * whole-image update only records them as loaded.
 */
import type { MetadataDelta } from '../cluster/metadata/metadata-delta';
import type { MetadataImage } from '../cluster/metadata/metadata-image';
import type { MetadataPublisher } from '../cluster/metadata/metadata-loader';
import { ErrorCode } from '../protocol/errors';
import { coordinatorAppendError } from './coordinator-append-error';
import { partitionForKey } from './partition-for-key';

export interface PartitionOwner {
  loadPartitions(partitions: readonly number[]): void;
  unloadPartitions(partitions: readonly number[]): void;
}

/** The replica manager, as far as a coordinator's partitions need it. */
export interface CoordinatorReplicas {
  getPartition(topic: string, partition: number): { readonly isLeader: boolean } | undefined;
  whenReplicated(topic: string, partition: number, timeoutMs: number): ErrorCode | Promise<ErrorCode>;
}

export interface CoordinatorPartitionsOptions {
  topic: string;
  nodeId: number;
  owner: PartitionOwner;
  replicas: CoordinatorReplicas;
  metadata: { readonly image: MetadataImage };
  /** How long an answer may wait for its write to be replicated (offsets.commit.timeout.ms, request.timeout.ms). */
  replicationTimeoutMs: () => number;
}

type PartitionState = { phase: 'loading' | 'loaded'; leaderEpoch: number };

export class CoordinatorPartitions implements MetadataPublisher {
  readonly name: string;
  private started = false;
  /** The partitions this broker coordinates (one owner: this publisher). */
  private readonly states = new Map<number, PartitionState>();

  constructor(private readonly options: CoordinatorPartitionsOptions) {
    this.name = `coordinator partitions of ${options.topic}`;
  }

  get topic(): string {
    return this.options.topic;
  }

  /** The key's partition, or null while the topic does not exist. */
  partitionOf(key: string): number | null {
    const t = this.options.metadata.image.topics.get(this.options.topic);
    return t === undefined || t.partitions.size === 0 ? null : partitionForKey(key, t.partitions.size);
  }

  /** NONE when this broker may act for the key now, else Kafka's coordinator error (see the header). */
  ownerError(key: string): ErrorCode {
    const partition = this.partitionOf(key);
    if (partition === null) return ErrorCode.NONE;
    const state = this.states.get(partition);
    if (state === undefined) return ErrorCode.NOT_COORDINATOR;
    if (state.phase === 'loading') return ErrorCode.COORDINATOR_LOAD_IN_PROGRESS;
    // The metadata still says so, but the replica stopped leading (session lost).
    if (this.options.replicas.getPartition(this.options.topic, partition)?.isLeader !== true) return ErrorCode.NOT_COORDINATOR;
    return ErrorCode.NONE;
  }

  /**
   * NONE once everything written to the key's partition so far is
   * replicated (synchronously when it already is), else the coordinator
   * error the answer carries instead.
   */
  whenReplicated(key: string): ErrorCode | Promise<ErrorCode> {
    const partition = this.partitionOf(key);
    // No topic: nothing was written (the write itself failed and answered so).
    if (partition === null) return ErrorCode.NONE;
    const waited = this.options.replicas.whenReplicated(this.options.topic, partition, this.options.replicationTimeoutMs());
    return typeof waited === 'number' ? coordinatorAppendError(waited) : waited.then(coordinatorAppendError);
  }

  /** The partitions loaded now (tests and tools). */
  loadedPartitions(): number[] {
    return [...this.states].filter(([, s]) => s.phase === 'loaded').map(([p]) => p);
  }

  onMetadataUpdate(delta: MetadataDelta): void {
    const changes = delta.localChanges(this.options.nodeId);
    const mine = <T extends { topic: string }>(refs: readonly T[]) => refs.filter((r) => r.topic === this.options.topic);
    if (!this.started) {
      this.started = true;
      // The coordinator's start loaded these already.
      for (const l of mine(changes.leaders)) this.states.set(l.partition, { phase: 'loaded', leaderEpoch: l.registration.leaderEpoch });
      return;
    }
    const unload: number[] = [];
    const load: { partition: number; leaderEpoch: number }[] = [];
    for (const r of [...mine(changes.deletes), ...mine(changes.followers)]) if (this.states.has(r.partition)) unload.push(r.partition);
    for (const l of mine(changes.leaders)) {
      const state = this.states.get(l.partition);
      const leaderEpoch = l.registration.leaderEpoch;
      // An ISR change of a partition it leads is no new leadership.
      if (state !== undefined && state.leaderEpoch === leaderEpoch) continue;
      if (state !== undefined) unload.push(l.partition);
      load.push({ partition: l.partition, leaderEpoch });
    }
    if (unload.length > 0) {
      for (const p of unload) this.states.delete(p);
      this.options.owner.unloadPartitions(unload);
    }
    if (load.length > 0) {
      for (const l of load) this.states.set(l.partition, { phase: 'loading', leaderEpoch: l.leaderEpoch });
      // The replay is synchronous: requests for these partitions see
      // COORDINATOR_LOAD_IN_PROGRESS only if one reaches them meanwhile.
      this.options.owner.loadPartitions(load.map((l) => l.partition));
      for (const l of load) this.states.set(l.partition, { phase: 'loaded', leaderEpoch: l.leaderEpoch });
    }
  }
}

/**
 * Answers `answer(NONE)` once `wait` settles with NONE, else `answer(error)`:
 * synchronously when the wait already is over (one node), so a handler's
 * answer takes no extra turn of the event loop.
 */
export function afterReplication<T>(wait: ErrorCode | Promise<ErrorCode>, answer: (error: ErrorCode) => T): T | Promise<T> {
  return typeof wait === 'number' ? answer(wait) : wait.then(answer);
}
