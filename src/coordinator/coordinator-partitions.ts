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
 * With `deferLoad`, a partition that has records is loaded in later turns
 * of the event loop, not inside the metadata update (Kafka loads in the
 * background): the other publishers get the update first, and requests
 * for its keys meanwhile answer COORDINATOR_LOAD_IN_PROGRESS. An owner
 * that loads in steps (`loadSteps`) replays for at most `loadSliceMs` per
 * turn and then yields the event loop (setImmediate), so a large partition
 * does not hold the broker while it loads; the partition stays loading
 * until its last record is replayed. Loads run one partition after the
 * other, in the order leadership came. An unload or a new leader epoch
 * meanwhile drops the load in progress: the owner's unloadPartitions
 * forgets what it replayed so far, and the load is never resumed. An empty
 * partition (the topic just created) loads at once: there is nothing to
 * wait for, and a request may write to it right after. Only an owner whose
 * every request asks `ownerError` first (or, with `loadSteps`, answers for
 * a loading partition itself) may defer (nothing must be written
 * to a partition before its replay; a transaction marker WriteTxnMarkers
 * appends meanwhile lands after the replay's position, which reads to the
 * log end as it is when it gets there).
 *
 * With `loadOnInstall`, the partitions led when the publisher is installed
 * (the broker's start) load like any new leadership, after the broker is
 * up, as Kafka's coordinators do. Without it, the coordinator's own start
 * loaded them (all it leads, on one node all of them), so the first,
 * whole-image update only records them as loaded.
 */
import type { MetadataDelta } from '../cluster/metadata/metadata-delta';
import type { MetadataImage } from '../cluster/metadata/metadata-image';
import type { MetadataPublisher } from '../cluster/metadata/metadata-loader';
import { ErrorCode } from '../protocol/errors';
import { coordinatorAppendError } from './coordinator-append-error';
import { partitionForKey } from './partition-for-key';
import { monotonicMs } from '../time/monotonic-clock';

export interface PartitionOwner {
  loadPartitions(partitions: readonly number[]): void;
  unloadPartitions(partitions: readonly number[]): void;
  /**
   * The partition's load in steps: each `next()` replays up to
   * `recordsPerStep` records; `done` once its last record is replayed and
   * its state may be served. A load whose partition is unloaded meanwhile
   * is never resumed (its `return()` is called); unloadPartitions drops
   * what it replayed. Absent: a deferred load is one loadPartitions call.
   */
  loadSteps?(partition: number, recordsPerStep: number): Iterator<unknown>;
}

/** The replica manager, as far as a coordinator's partitions need it. */
export interface CoordinatorReplicas {
  getPartition(topic: string, partition: number): { readonly isLeader: boolean; readonly logStartOffset: number; readonly logEndOffset: number } | undefined;
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
  /** Runs a load later (setImmediate); absent: loads run inside the metadata update. */
  deferLoad?: (load: () => void) => void;
  /** A deferred load failed: its partitions answer NOT_COORDINATOR (the broker logs it). */
  onLoadError?: (err: unknown, partitions: readonly number[]) => void;
  /** The partitions led at install load too (after the broker is up), instead of being the coordinator's start's. */
  loadOnInstall?: boolean;
  /** How long one turn of the event loop may replay a deferred load in steps before it yields (ms). */
  loadSliceMs?: number;
  /** Records replayed between two looks at the clock. */
  loadStepRecords?: number;
  /** The clock the slices are measured with (monotonicMs). */
  sliceClock?: () => number;
}

/** Kafka's loader holds no thread for long either: a few ms per turn keep every other request's wait short. */
const DEFAULT_LOAD_SLICE_MS = 5;
/** Replaying this many offsets records takes well under a millisecond. */
const DEFAULT_LOAD_STEP_RECORDS = 500;

type PartitionState = { phase: 'loading' | 'loaded'; leaderEpoch: number };

/** A deferred load: its partition's state (replaced when reloaded, deleted when unloaded), and its steps (null: one loadPartitions call). */
interface PendingLoad {
  partition: number;
  state: PartitionState;
  steps: Iterator<unknown> | null;
}

export class CoordinatorPartitions implements MetadataPublisher {
  readonly name: string;
  private started = false;
  /** The partitions this broker coordinates (one owner: this publisher). */
  private readonly states = new Map<number, PartitionState>();
  /** Deferred loads, oldest first; the first one is in progress. */
  private queue: PendingLoad[] = [];
  private turnScheduled = false;

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

  /** Whether a partition this broker leads is still loading (ListGroups answers COORDINATOR_LOAD_IN_PROGRESS meanwhile). */
  loading(): boolean {
    for (const s of this.states.values()) if (s.phase === 'loading') return true;
    return false;
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
      if (!this.options.loadOnInstall) {
        // The coordinator's start loaded these already.
        for (const l of mine(changes.leaders)) this.states.set(l.partition, { phase: 'loaded', leaderEpoch: l.registration.leaderEpoch });
        return;
      }
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
      this.dropStaleLoads();
      this.options.owner.unloadPartitions(unload);
    }
    if (load.length === 0) return;
    const loading = load.map((l) => {
      const state: PartitionState = { phase: 'loading', leaderEpoch: l.leaderEpoch };
      this.states.set(l.partition, state);
      return { partition: l.partition, state };
    });
    const defer = this.options.deferLoad;
    const now = defer ? loading.filter((l) => this.isEmpty(l.partition)) : loading;
    const later = defer ? loading.filter((l) => !this.isEmpty(l.partition)) : [];
    if (now.length > 0) {
      this.options.owner.loadPartitions(now.map((l) => l.partition));
      for (const l of now) l.state.phase = 'loaded';
    }
    if (later.length > 0) {
      const owner = this.options.owner;
      const stepRecords = this.options.loadStepRecords ?? DEFAULT_LOAD_STEP_RECORDS;
      // Begun now (its first step runs later): from here the owner knows the partition is loading.
      for (const l of later) this.queue.push({ ...l, steps: owner.loadSteps?.(l.partition, stepRecords) ?? null });
      this.scheduleTurn();
    }
  }

  /** Forgets the deferred loads whose partition was unloaded or reloaded: they are never resumed. */
  private dropStaleLoads(): void {
    const stale = this.queue.filter((l) => this.states.get(l.partition) !== l.state);
    if (stale.length === 0) return;
    for (const l of stale) l.steps?.return?.();
    this.queue = this.queue.filter((l) => this.states.get(l.partition) === l.state);
  }

  private scheduleTurn(): void {
    const defer = this.options.deferLoad;
    if (this.turnScheduled || defer === undefined) return;
    this.turnScheduled = true;
    defer(() => {
      this.turnScheduled = false;
      this.runTurn();
    });
  }

  /** One turn of deferred loading: steps of the oldest load until the slice is used up, then the next turn. */
  private runTurn(): void {
    const clock = this.options.sliceClock ?? monotonicMs;
    const sliceMs = this.options.loadSliceMs ?? DEFAULT_LOAD_SLICE_MS;
    const started = clock();
    while (this.queue.length > 0) {
      const l = this.queue[0]!;
      const owner = this.options.owner;
      let done: boolean;
      try {
        if (l.steps === null) {
          owner.loadPartitions([l.partition]);
          done = true;
        } else {
          done = l.steps.next().done === true;
        }
      } catch (err) {
        this.queue.shift();
        this.states.delete(l.partition);
        // Whatever it replayed before it failed is not served.
        if (l.steps !== null) owner.unloadPartitions([l.partition]);
        this.options.onLoadError?.(err, [l.partition]);
        continue;
      }
      if (done) {
        this.queue.shift();
        l.state.phase = 'loaded';
      }
      if (clock() - started >= sliceMs) break;
    }
    if (this.queue.length > 0) this.scheduleTurn();
  }

  private isEmpty(partition: number): boolean {
    const p = this.options.replicas.getPartition(this.options.topic, partition);
    return p === undefined || p.logEndOffset <= p.logStartOffset;
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
