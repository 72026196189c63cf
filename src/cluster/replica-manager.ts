/**
 * Every partition replica this broker holds (Kafka's ReplicaManager).
 *
 * It is a metadata publisher: the metadata deltas say which partitions this
 * broker leads or follows, which are gone, and which topic configs changed,
 * and it opens, creates and deletes the Partitions and their logs to match
 * (nothing else creates or deletes a partition log).
 *
 * Requests reach partitions only through it:
 * - `getPartitionOrError` with Kafka's errors: UNKNOWN_TOPIC_OR_PARTITION
 *   for what the metadata does not know, NOT_LEADER_OR_FOLLOWER (with the
 *   current leader) for a partition another broker holds; the epoch checks
 *   (FENCED_LEADER_EPOCH / UNKNOWN_LEADER_EPOCH) are the Partition's;
 * - `appendRecords`: acks=all waits as a DelayedProduce until the high
 *   watermark passes what was written (at once on one node, through the same
 *   purgatory replication will make wait);
 * - `fetchMessages`: a fetch short of `minBytes` waits as a DelayedFetch,
 *   woken by appends and high-watermark moves on its partitions (no timer
 *   polls), answered at `maxWaitMs` at the latest. A consumer's Fetch v11+
 *   may read from a follower (below its high watermark), and with
 *   `replica.selector.class` a leader points a consumer at a replica in its
 *   rack instead of reading (KIP-392, replica-selector.ts).
 * Delayed operations are keyed per partition; their timers run on the
 * injected Scheduler, so tests drive them with a fake clock.
 *
 * The high watermarks are checkpointed in the data dir as Kafka's
 * `replication-offset-checkpoint` (on every housekeeping tick and at close)
 * and read back when the partitions open.
 *
 * It counts the ISR changes its partitions asked for as leaders and had
 * committed (`isrChangeCounts`), as Kafka's ReplicaManager meters
 * IsrExpandsPerSec / IsrShrinksPerSec; the metrics read the counts.
 */
import type { Logger } from '../logger';
import { type BrokerConfig, resolveTopicConfig, type TopicConfig } from '../config';
import { ErrorCode } from '../protocol/errors';
import type { RecordsValue } from '../protocol/primitives/records-value';
import { recordsLength, releaseRecords } from '../protocol/primitives/records-value';
import type { LogManager } from '../storage/log-manager';
import { OffsetCheckpointFile, REPLICATION_OFFSET_CHECKPOINT, topicPartitionKey } from '../storage/offset-checkpoint-file';
import type { AppendOrigin } from '../storage/producer-state-manager';
import type { AbortedTxn } from '../storage/transaction-index';
import type { ScheduledTimer, Scheduler } from '../time/scheduler';
import { DelayedFetch } from './delayed/delayed-fetch';
import { DelayedOperationPurgatory } from './delayed/delayed-operation-purgatory';
import { DelayedProduce, type ProducePartitionStatus } from './delayed/delayed-produce';
import { logConfigOf } from './log-settings';
import type { MetadataDelta, TopicPartitionRef } from './metadata/metadata-delta';
import type { MetadataImage, PartitionRegistration } from './metadata/metadata-image';
import type { MetadataPublisher } from './metadata/metadata-loader';
import {
  type FetchIsolation,
  type IsrChangeKind,
  type IsrChangeRequester,
  Partition,
  type PartitionAppendResult,
  type PartitionListener,
  type TransactionalProducer,
  transactionalProducerOf,
} from './partition';
import { isInternalTopic, topicNameProblem } from './topic-name';
import { AlterPartitionManager, type IsrChangeChannel } from './replication/alter-partition-manager';
import { ReplicaFetchers } from './replication/replica-fetchers';
import type { OpenReplicaLink } from './replication/replica-link';
import type { TransactionVerification, TransactionVerifier, VerificationGuard } from './transaction-verification';
import { type ReplicaSelector, preferredReadReplica, replicaSelectorOf } from './replica-selector';

/** A partition's leader as the metadata knows it (Produce v10+ / Fetch v12+ carry it with NOT_LEADER_OR_FOLLOWER). */
export interface LeaderAndEpoch {
  leaderId: number;
  leaderEpoch: number;
}

const NO_LEADER: LeaderAndEpoch = { leaderId: -1, leaderEpoch: -1 };

export interface PartitionLookupError {
  errorCode: ErrorCode;
  currentLeader: LeaderAndEpoch;
}

export interface AppendEntry {
  topic: string;
  partition: number;
  records: Buffer | null;
}

export interface AppendParams {
  /** 0, 1 or -1 (all). */
  requiredAcks: number;
  /** How long acks=all may wait for the high watermark. */
  timeoutMs: number;
  origin: AppendOrigin;
  /** Produce request version (client appends). */
  apiVersion?: number;
  transactionalId?: string | null;
}

export interface AppendOutcome extends PartitionAppendResult {
  currentLeader: LeaderAndEpoch;
}

export interface FetchPartitionRequest {
  topic: string;
  partition: number;
  /** When the request named the topic by id: a different topic under that name is UNKNOWN_TOPIC_ID. */
  topicId?: string;
  fetchOffset: number;
  maxBytes: number;
  /** -1: not given. */
  currentLeaderEpoch: number;
  /** A follower's log start offset (Fetch v5+; -1: not given): whether it can serve consumers from an offset (KIP-392). */
  logStartOffset?: number;
}

export interface FetchParams {
  /** A follower's fetch (Fetch's replica id, and its broker epoch from v15); absent for consumers. */
  replica?: { brokerId: number; brokerEpoch: number };
  maxWaitMs: number;
  minBytes: number;
  /** Response-wide byte budget (Fetch v3+); Infinity before. */
  maxBytes: number;
  isolation: FetchIsolation;
  /** Fetch v3+: the first batch is returned whole even past the limits (Kafka's minOneMessage). */
  minOneBatch: boolean;
  /**
   * A consumer's Fetch v11+ (Kafka's ClientMetadata): it may read from a
   * follower, and a leader may point it at another replica
   * (replica.selector.class, KIP-392). Absent: the leader only.
   */
  clientMetadata?: { rackId: string; listenerName: string };
}

export interface FetchPartitionResult {
  errorCode: ErrorCode;
  records: RecordsValue | null;
  highWatermark: number;
  lastStableOffset: number;
  logStartOffset: number;
  abortedTransactions: AbortedTxn[] | null;
  currentLeader: LeaderAndEpoch;
  /** KIP-392: the replica the consumer should fetch from instead (nothing was read); -1 none. */
  preferredReadReplica: number;
}

export interface FetchResult {
  partitions: FetchPartitionResult[];
  bytes: number;
  hasError: boolean;
}

export interface ReplicaManagerOptions {
  nodeId: number;
  logs: LogManager;
  config: BrokerConfig;
  scheduler: Scheduler;
  log?: Logger | null;
  /** The transaction coordinator's partition check (set once it exists). */
  transactionVerifier?: () => TransactionVerifier | null;
}

/** New replicas in one update from which their logs' files are made in the thread pool first (see `prepare`). */
export const PREPARED_FROM = 64;

export class ReplicaManager implements MetadataPublisher {
  readonly name = 'ReplicaManager';
  private readonly partitions = new Map<string, Partition>();
  private image: MetadataImage | null = null;
  private readonly nodeId: number;
  private readonly logs: LogManager;
  private readonly config: BrokerConfig;
  private readonly scheduler: Scheduler;
  private readonly log: Logger | null;
  private readonly hwCheckpoint: OffsetCheckpointFile;
  /** Checkpointed high watermarks, used once as the partitions open. */
  private checkpointedHighWatermarks: Map<string, number> | null;
  private readonly producePurgatory: DelayedOperationPurgatory<DelayedProduce>;
  private readonly fetchPurgatory: DelayedOperationPurgatory<DelayedFetch<FetchResult>>;
  private readonly listener: PartitionListener;
  /** ISR changes this broker asked for as leader that the controller committed, since it started. */
  private readonly committedIsrChanges: Record<IsrChangeKind, number> = { expand: 0, shrink: 0 };
  private transactionVerifier: () => TransactionVerifier | null;
  private shuttingDown = false;
  /** A controlled shutdown has begun: replicas out of the ISR or without a leader stop fetching (Kafka's). */
  private inControlledShutdown = false;
  /** Replication, once started (a cluster's broker): the follower fetchers and the leader's ISR changes. */
  private fetchers: ReplicaFetchers | null = null;
  private alterPartitions: AlterPartitionManager | null = null;
  private isrShrinkTimer: ScheduledTimer | null = null;
  /** replica.selector.class: where a leader points consumers (KIP-392); null: they read from the leader. */
  private readonly replicaSelector: ReplicaSelector | null;
  private readonly isrChanges: IsrChangeRequester = {
    requestIsrChange: (partition, newIsr) => this.alterPartitions?.requestIsrChange(partition, newIsr) ?? false,
  };

  constructor(options: ReplicaManagerOptions) {
    this.nodeId = options.nodeId;
    this.logs = options.logs;
    this.config = options.config;
    this.scheduler = options.scheduler;
    this.log = options.log ?? null;
    this.hwCheckpoint = new OffsetCheckpointFile(options.logs.dir, REPLICATION_OFFSET_CHECKPOINT);
    this.checkpointedHighWatermarks = this.hwCheckpoint.read();
    this.producePurgatory = new DelayedOperationPurgatory('Produce', options.scheduler);
    this.fetchPurgatory = new DelayedOperationPurgatory('Fetch', options.scheduler);
    this.transactionVerifier = options.transactionVerifier ?? (() => null);
    this.replicaSelector = replicaSelectorOf(options.config.optionalString('replica.selector.class'));
    this.listener = {
      onLogChanged: (partition, highWatermarkMoved) => {
        const key = topicPartitionKey(partition.topic, partition.index);
        if (highWatermarkMoved) this.producePurgatory.checkAndComplete(key);
        this.fetchPurgatory.checkAndComplete(key);
      },
      onIsrChangeCommitted: (_partition, kind) => {
        this.committedIsrChanges[kind]++;
      },
    };
  }

  /** How many ISR expands and shrinks this broker made as leader (committed), since it started. */
  get isrChangeCounts(): Readonly<Record<IsrChangeKind, number>> {
    return this.committedIsrChanges;
  }

  /**
   * Starts replication (a broker of a cluster, once it is registered): the
   * partitions this broker follows are fetched from their leaders, and the
   * ones it leads shrink their ISR every half replica.lag.time.max.ms when a
   * follower has not caught up for that long (Kafka's isr-expiration task).
   */
  startReplication(r: { open: OpenReplicaLink; isrChannel: IsrChangeChannel; brokerEpoch: () => number }): void {
    if (this.fetchers || this.shuttingDown) return;
    const c = this.config;
    this.alterPartitions = new AlterPartitionManager({ nodeId: this.nodeId, brokerEpoch: r.brokerEpoch, channel: r.isrChannel, log: this.log });
    this.fetchers = new ReplicaFetchers({
      nodeId: this.nodeId,
      brokerEpoch: r.brokerEpoch,
      open: r.open,
      settings: {
        maxWaitMs: c.number('replica.fetch.wait.max.ms'),
        minBytes: c.number('replica.fetch.min.bytes'),
        partitionMaxBytes: c.number('replica.fetch.max.bytes'),
        responseMaxBytes: c.number('replica.fetch.response.max.bytes'),
        backoffMs: c.number('replica.fetch.backoff.ms'),
      },
      now: () => this.scheduler.now(),
      log: this.log,
    });
    for (const [key, p] of this.partitions) if (!p.isLeader) this.fetchers.follow(key, p);
    const lagTimeMaxMs = c.number('replica.lag.time.max.ms');
    const expireIsr = () => {
      const now = this.scheduler.now();
      for (const p of this.partitions.values()) p.maybeShrinkIsr(now, lagTimeMaxMs);
      this.isrShrinkTimer = this.scheduler.schedule(lagTimeMaxMs / 2, expireIsr);
    };
    this.isrShrinkTimer = this.scheduler.schedule(lagTimeMaxMs / 2, expireIsr);
  }

  /**
   * This broker's session in the cluster was lost (etcd expired its lease:
   * it was cut off or frozen): the controller has fenced it and may have
   * given its partitions to other brokers in newer epochs. Every partition
   * it leads stops acting as leader now, and waiting produces and fetches
   * answer NOT_LEADER_OR_FOLLOWER; the metadata gives each its new role
   * once the broker is back.
   */
  resignLeadership(): number {
    let resigned = 0;
    for (const [key, p] of this.partitions) {
      if (!p.resignLeadership()) continue;
      resigned++;
      this.roleChanged(key);
    }
    if (resigned > 0) this.log?.warn({ partitions: resigned }, 'session lost: stopped acting as leader until the metadata says who leads');
    return resigned;
  }

  /**
   * A controlled shutdown has begun (controlled-shutdown.ts): from now on a
   * replica the controller takes out of the ISR, or whose partition has no
   * leader, stops fetching, as Kafka's ReplicaManager does; the rest
   * replicate until the broker closes.
   */
  beginControlledShutdown(): void {
    this.inControlledShutdown = true;
  }

  /** The leader each followed partition is fetched from (tests). */
  get followedLeaders(): ReadonlyMap<string, number> {
    return this.fetchers?.followedLeaders ?? new Map();
  }

  /** Wires the transaction coordinator's partition check (it is built after the replica manager). */
  /** The transaction coordinator's partition check, for the group coordinator's transactional offsets (TxnOffsetCommit). */
  get transactionVerification(): TransactionVerifier | null {
    return this.transactionVerifier();
  }

  setTransactionVerifier(verifier: () => TransactionVerifier | null): void {
    this.transactionVerifier = verifier;
  }

  // ---- metadata -------------------------------------------------------------------

  /**
   * Before an update that gives this broker PREPARED_FROM or more replicas
   * it has no log for: their directories and first segment files are made
   * in the thread pool (LogManager.prepareLogsAsync), so that
   * `onMetadataUpdate` creates the logs without waiting on the file system.
   * Kafka creates logs on a thread of its own; here a topic of thousands of
   * partitions held every client for seconds.
   *
   * Fewer are made inside the update, at once (tens of milliseconds at
   * most): the update then applies in the same turn as its commit, and a
   * coordinator that creates its internal topic at first use (50
   * partitions by default) answers that first request, as one node always
   * has. The first update (start-up) opens what the disk holds.
   */
  prepare(delta: MetadataDelta): Promise<void> | null {
    if (this.image === null || this.shuttingDown) return null;
    const changes = delta.localChanges(this.nodeId);
    const created = [...changes.leaders, ...changes.followers].filter((r) => !this.partitions.has(topicPartitionKey(r.topic, r.partition)));
    return created.length < PREPARED_FROM ? null : this.logs.prepareLogsAsync(created);
  }

  onMetadataUpdate(delta: MetadataDelta, image: MetadataImage): void {
    const first = this.image === null;
    this.image = image;
    const changes = delta.localChanges(this.nodeId);
    for (const d of changes.deletes) this.removePartition(d);
    // Resolved once per topic: a new topic of thousands of partitions has one configuration.
    const topicConfigs = new Map<string, TopicConfig>();
    const topicConfig = (topic: string): TopicConfig => {
      let config = topicConfigs.get(topic);
      if (!config) topicConfigs.set(topic, (config = this.topicConfigOf(image, topic)));
      return config;
    };
    for (const l of changes.leaders) {
      const p = this.partitionFor(l, topicConfig, first);
      if (!p.makeLeader(l.registration)) continue;
      const key = topicPartitionKey(p.topic, p.index);
      this.fetchers?.unfollow(key);
      this.roleChanged(key);
    }
    for (const f of changes.followers) {
      const p = this.partitionFor(f, topicConfig, first);
      if (!p.makeFollower(f.registration)) continue;
      const key = topicPartitionKey(p.topic, p.index);
      const done = this.inControlledShutdown && (f.registration.leader < 0 || !f.registration.isr.includes(this.nodeId));
      if (done) this.fetchers?.unfollow(key);
      else this.fetchers?.follow(key, p);
      this.roleChanged(key);
    }
    const changedTopics = delta.changedTopicConfigs();
    if (changedTopics.size > 0) this.applyTopicConfigs(image, (topic) => changedTopics.has(topic));
    if (first) {
      this.checkpointedHighWatermarks = null;
      this.setAsideStrayLogs();
    }
  }

  /**
   * The broker's defaults for topic configs changed (dynamic log.* and
   * friends): every partition resolves its topic's configuration again.
   */
  brokerDefaultsChanged(): void {
    if (this.image) this.applyTopicConfigs(this.image, () => true);
  }

  private applyTopicConfigs(image: MetadataImage, affected: (topic: string) => boolean): void {
    const resolved = new Map<string, TopicConfig>();
    for (const p of this.partitions.values()) {
      if (!affected(p.topic)) continue;
      let config = resolved.get(p.topic);
      if (!config) resolved.set(p.topic, (config = this.topicConfigOf(image, p.topic)));
      p.updateTopicConfig(config);
      p.log.updateConfig({ ...logConfigOf(config, this.config) });
    }
  }

  private topicConfigOf(image: MetadataImage, topic: string): TopicConfig {
    return resolveTopicConfig(image.topicConfigs(topic), this.config);
  }

  /** The Partition for a replica the metadata assigns here, opening or creating its log. */
  private partitionFor(ref: TopicPartitionRef & { registration: PartitionRegistration }, topicConfigOf: (topic: string) => TopicConfig, starting: boolean): Partition {
    const key = topicPartitionKey(ref.topic, ref.partition);
    const existing = this.partitions.get(key);
    if (existing && existing.topicId === ref.topicId) return existing;
    if (existing) this.removePartition({ topic: existing.topic, topicId: existing.topicId, partition: existing.index });
    const topicConfig = topicConfigOf(ref.topic);
    const loaded = this.logs.getLog(ref.topic, ref.partition);
    if (loaded && loaded.topicId !== null && loaded.topicId !== ref.topicId) {
      // An older topic of the same name (deleted while this broker was
      // down): its records are not the new topic's. Set aside as Kafka 3.9
      // sets aside a stray replica; the new topic gets a fresh log.
      const strayDir = this.logs.markStray(ref.topic, ref.partition);
      this.log?.warn({ topic: ref.topic, partition: ref.partition, logTopicId: loaded.topicId, topicId: ref.topicId, strayDir }, 'the log of an older topic of this name is set aside as stray');
    } else if (!starting && loaded) {
      // A log the metadata does not know (a deletion cut short by a crash):
      // the new topic must not inherit its records.
      this.log?.warn({ topic: ref.topic, partition: ref.partition }, 'deleting a stale log left under the name of a new topic');
      this.logs.deleteLog(ref.topic, ref.partition);
    }
    const log = this.logs.getOrCreateLog(ref.topic, ref.partition, logConfigOf(topicConfig, this.config));
    // A new log, or one from before topic ids were recorded, gets its `partition.metadata` now.
    if (log.topicId === null) {
      log.assignTopicId(ref.topicId);
      void log.whenTopicIdWritten().then(() => {
        if (log.partitionMetadataError) this.log?.error({ topic: ref.topic, partition: ref.partition, err: log.partitionMetadataError }, 'could not write partition.metadata');
      });
    }
    const partition = new Partition({
      log,
      topicId: ref.topicId,
      localBrokerId: this.nodeId,
      topicConfig,
      highWatermark: this.checkpointedHighWatermarks?.get(key),
      listener: this.listener,
      transactionVerifier: () => this.transactionVerifier(),
      isrChanges: this.isrChanges,
      now: () => this.scheduler.now(),
      isrEligible: (id) => {
        const b = this.image?.brokers.get(id);
        return b !== undefined && !b.fenced && !b.inControlledShutdown;
      },
    });
    this.partitions.set(key, partition);
    return partition;
  }

  /** Operations waiting on a partition whose leadership changed answer now (a demoted leader: NOT_LEADER_OR_FOLLOWER). */
  private roleChanged(key: string): void {
    this.producePurgatory.checkAndComplete(key);
    this.fetchPurgatory.checkAndComplete(key);
  }

  private removePartition(ref: TopicPartitionRef): void {
    const key = topicPartitionKey(ref.topic, ref.partition);
    this.fetchers?.unfollow(key);
    this.partitions.delete(key);
    this.logs.deleteLog(ref.topic, ref.partition);
    // Operations waiting on it answer now: the partition is gone.
    this.producePurgatory.checkAndComplete(key);
    this.fetchPurgatory.checkAndComplete(key);
  }

  /**
   * Once the first image is applied: every loaded log the metadata does not
   * place on this broker (its topic deleted, or its replica moved away,
   * while the broker was down) is set aside as stray, as Kafka 3.9's
   * LogManager does at start (isStrayKraftReplica): renamed to
   * `<topic>-<partition>.<id>-stray` and kept, never served, so a topic
   * created later under that name starts from an empty log.
   */
  private setAsideStrayLogs(): void {
    const strays = [...this.logs.logs()].filter((log) => !this.partitions.has(topicPartitionKey(log.topic, log.partition)));
    for (const log of strays) {
      const strayDir = this.logs.markStray(log.topic, log.partition);
      this.log?.warn({ topic: log.topic, partition: log.partition, topicId: log.topicId, strayDir }, 'a partition log the metadata does not place on this broker is set aside as stray');
    }
  }

  // ---- lookup -------------------------------------------------------------------------

  /** The partition if this broker holds a replica of it. */
  getPartition(topic: string, partition: number): Partition | undefined {
    return this.partitions.get(topicPartitionKey(topic, partition));
  }

  /** Every partition replica this broker holds. */
  allPartitions(): IterableIterator<Partition> {
    return this.partitions.values();
  }

  /**
   * The partition, or Kafka's error: NOT_LEADER_OR_FOLLOWER (with the
   * current leader) when the metadata places it on other brokers,
   * UNKNOWN_TOPIC_OR_PARTITION when the metadata does not know it.
   */
  getPartitionOrError(topic: string, partition: number): Partition | PartitionLookupError {
    const p = this.partitions.get(topicPartitionKey(topic, partition));
    if (p) return p;
    if (this.image?.topics.partition(topic, partition)) return { errorCode: ErrorCode.NOT_LEADER_OR_FOLLOWER, currentLeader: this.currentLeader(topic, partition) };
    return { errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, currentLeader: NO_LEADER };
  }

  /** The leader and epoch the metadata has for a partition ((-1, -1) when unknown). */
  currentLeader(topic: string, partition: number): LeaderAndEpoch {
    const reg = this.image?.topics.partition(topic, partition);
    return reg ? { leaderId: reg.leader, leaderEpoch: reg.leaderEpoch } : NO_LEADER;
  }

  // ---- produce ----------------------------------------------------------------------

  /**
   * Appends each entry to its partition as the leader. Synchronous unless
   * acks=all has to wait for the high watermark: then a promise that
   * resolves when every partition's wait is over (REQUEST_TIMED_OUT for
   * those still short at `timeoutMs`). Results are in entry order.
   */
  appendRecords(params: AppendParams, entries: readonly AppendEntry[], now: number): AppendOutcome[] | Promise<AppendOutcome[]> {
    const pending = this.verificationsNeeded(params, entries);
    if (pending === null) return this.appendVerified(params, entries, now, new Map());
    // KIP-890: the transaction coordinator confirms the partitions first (see transaction-verification.ts).
    const { verifier, producer, partitions } = pending;
    const transactionalId = params.transactionalId as string;
    const withAnswers = (codes: readonly ErrorCode[]) =>
      new Map(partitions.map((v, i) => [v.index, { guard: v.guard, errorCode: codes[i] ?? ErrorCode.NETWORK_EXCEPTION }]));
    let answer: ErrorCode[] | Promise<ErrorCode[]>;
    try {
      answer = verifier.verify(transactionalId, producer.producerId, producer.producerEpoch, partitions.map((v) => ({ topic: v.topic, partition: v.partition })));
    } catch {
      answer = partitions.map(() => ErrorCode.NETWORK_EXCEPTION);
    }
    if (Array.isArray(answer)) return this.appendVerified(params, entries, now, withAnswers(answer));
    return answer.then(
      (codes) => this.appendVerified(params, entries, this.scheduler.now(), withAnswers(codes)),
      () => this.appendVerified(params, entries, this.scheduler.now(), withAnswers([])),
    );
  }

  /**
   * The entries of a transactional produce whose partitions must be
   * verified with the transaction coordinator before the append (each gets
   * its partition's verification guard now); null when none.
   */
  private verificationsNeeded(
    params: AppendParams,
    entries: readonly AppendEntry[],
  ): { verifier: TransactionVerifier; producer: TransactionalProducer; partitions: { index: number; topic: string; partition: number; guard: VerificationGuard }[] } | null {
    if (params.origin !== 'client' || !params.transactionalId) return null;
    const verifier = this.transactionVerifier();
    if (!verifier?.enabled) return null;
    let producer: TransactionalProducer | null = null;
    const partitions: { index: number; topic: string; partition: number; guard: VerificationGuard }[] = [];
    entries.forEach((e, index) => {
      const found = transactionalProducerOf(e.records);
      if (found === null || (producer !== null && found.producerId !== producer.producerId)) return;
      const p = this.partitions.get(topicPartitionKey(e.topic, e.partition));
      if (!p || !p.isLeader || !p.needsVerification(found)) return;
      producer = found;
      partitions.push({ index, topic: e.topic, partition: e.partition, guard: p.startVerification(found.producerId) });
    });
    return producer === null ? null : { verifier, producer, partitions };
  }

  private appendVerified(
    params: AppendParams,
    entries: readonly AppendEntry[],
    now: number,
    verifications: ReadonlyMap<number, TransactionVerification>,
  ): AppendOutcome[] | Promise<AppendOutcome[]> {
    const results = entries.map((e, i) => this.appendToLocalLog(params, e, now, verifications.get(i)));
    if (params.requiredAcks !== -1) return results;
    const statuses: ProducePartitionStatus[] = [];
    results.forEach((r, i) => {
      if (r.errorCode !== ErrorCode.NONE) return;
      const e = entries[i] as AppendEntry;
      statuses.push({ key: topicPartitionKey(e.topic, e.partition), requiredOffset: r.lastOffset + 1, acksPending: true, errorCode: ErrorCode.NONE });
    });
    if (statuses.length === 0) return results;
    const finish = (): AppendOutcome[] => {
      let s = 0;
      return results.map((r) => {
        if (r.errorCode !== ErrorCode.NONE) return r;
        const status = statuses[s++] as ProducePartitionStatus;
        return status.errorCode === ErrorCode.NONE ? r : { ...r, errorCode: status.errorCode, errorMessage: null };
      });
    };
    // Completed at once (the high watermark is already there): answered now;
    // otherwise the promise settles when the purgatory completes the operation.
    let respond: ((r: AppendOutcome[]) => void) | null = null;
    const op = new DelayedProduce(params.timeoutMs, statuses, (key) => this.partitions.get(key), () => respond?.(finish()));
    if (this.producePurgatory.tryCompleteElseWatch(op, statuses.map((s) => s.key))) return finish();
    return new Promise((resolve) => {
      respond = resolve;
    });
  }

  private appendToLocalLog(params: AppendParams, e: AppendEntry, now: number, verification?: TransactionVerification): AppendOutcome {
    const fail = (errorCode: ErrorCode, errorMessage: string | null = null, currentLeader = NO_LEADER): AppendOutcome => ({
      errorCode,
      errorMessage,
      baseOffset: -1,
      lastOffset: -1,
      logAppendTime: -1,
      logStartOffset: -1,
      duplicate: false,
      currentLeader,
    });
    const known = this.image?.topics.get(e.topic) !== undefined;
    if (params.origin === 'client') {
      // A name no topic can have is a permanent error, not the retriable
      // UNKNOWN_TOPIC_OR_PARTITION Kafka 3.9 answers (a client would retry it
      // until its delivery timeout); Metadata already answers it this way.
      const nameProblem = known ? null : topicNameProblem(e.topic);
      if (nameProblem !== null) return fail(ErrorCode.INVALID_TOPIC_EXCEPTION, nameProblem);
    }
    const p = this.getPartitionOrError(e.topic, e.partition);
    if (!(p instanceof Partition)) return fail(p.errorCode, null, p.currentLeader);
    if (params.origin === 'client' && isInternalTopic(e.topic)) {
      return fail(ErrorCode.INVALID_TOPIC_EXCEPTION, `Cannot append to internal topic ${e.topic}`);
    }
    const r = p.appendAsLeader(e.records, {
      origin: params.origin,
      apiVersion: params.apiVersion,
      transactionalId: params.transactionalId ?? null,
      requiredAcks: params.requiredAcks,
      now,
      verification,
    });
    const currentLeader = r.errorCode === ErrorCode.NOT_LEADER_OR_FOLLOWER ? this.currentLeader(e.topic, e.partition) : NO_LEADER;
    return { ...r, currentLeader };
  }

  /**
   * A coordinator's own write to its internal topic's partition (group
   * metadata, offsets, transaction state, markers): written as the leader
   * with acks=all, as Kafka's coordinators write (refused with
   * NOT_ENOUGH_REPLICAS when the ISR is below min.insync.replicas), and
   * answered with the append's error code. The append returns once the
   * record is in the leader's log; whoever answers a client for it waits
   * with `whenReplicated` (the coordinators replay it at once).
   */
  appendAsCoordinator(topic: string, partition: number, batch: Buffer, now: number): ErrorCode {
    const p = this.getPartitionOrError(topic, partition);
    if (!(p instanceof Partition)) return p.errorCode;
    if (p.log.isClosed) return ErrorCode.NOT_LEADER_OR_FOLLOWER;
    return p.appendAsLeader(batch, { origin: 'coordinator', requiredAcks: -1, now }).errorCode;
  }

  /**
   * Waits, as an acks=all produce does (the same purgatory), until the
   * partition's high watermark reaches its log end as it is now: every
   * record this broker has written to it so far is replicated to the ISR.
   * NONE at once when it already is (always on one node), else a promise
   * with NONE, NOT_ENOUGH_REPLICAS_AFTER_APPEND, NOT_LEADER_OR_FOLLOWER
   * (leadership moved meanwhile) or REQUEST_TIMED_OUT after `timeoutMs`.
   */
  whenReplicated(topic: string, partition: number, timeoutMs: number): ErrorCode | Promise<ErrorCode> {
    const p = this.getPartitionOrError(topic, partition);
    if (!(p instanceof Partition)) return p.errorCode;
    // Already there (always on one node): answered without a delayed operation.
    const now = p.checkEnoughReplicasReachOffset(p.logEndOffset);
    if (now.done) return now.errorCode;
    const status: ProducePartitionStatus = { key: topicPartitionKey(topic, partition), requiredOffset: p.logEndOffset, acksPending: true, errorCode: ErrorCode.NONE };
    let respond: ((code: ErrorCode) => void) | null = null;
    const op = new DelayedProduce(timeoutMs, [status], (key) => this.partitions.get(key), () => respond?.(status.errorCode));
    if (this.producePurgatory.tryCompleteElseWatch(op, [status.key])) return status.errorCode;
    return new Promise((resolve) => {
      respond = resolve;
    });
  }

  // ---- fetch --------------------------------------------------------------------------

  /**
   * Reads the partitions; when fewer than `minBytes` are readable (and no
   * partition errs) the fetch waits as a DelayedFetch for appends or
   * `maxWaitMs`. Synchronous when it can answer at once.
   */
  fetchMessages(params: FetchParams, requests: readonly FetchPartitionRequest[]): FetchResult | Promise<FetchResult> {
    const first = this.readFromLocalLog(params, requests);
    // A consumer pointed at another replica is told at once (Kafka answers a preferred read replica without waiting).
    const redirected = first.partitions.some((p) => p.preferredReadReplica >= 0);
    if (first.bytes >= params.minBytes || first.hasError || redirected || params.maxWaitMs <= 0 || this.shuttingDown) return first;
    // The short read is dropped unsent: its file regions are let go.
    releaseFetchResult(first);
    return new Promise((resolve) => {
      const op = new DelayedFetch(
        params.maxWaitMs,
        params.minBytes,
        () => this.readFromLocalLog(params, requests),
        releaseFetchResult,
        resolve,
        () => this.fetchMayAnswer(params, requests),
      );
      const keys = [...new Set(requests.map((r) => topicPartitionKey(r.topic, r.partition)))];
      this.fetchPurgatory.tryCompleteElseWatch(op, keys);
    });
  }

  /**
   * Whether a read of these partitions could find anything a waiting fetch
   * answers for: records below a bound, or an error (a partition gone,
   * moved, fenced or out of range). False means every partition is idle at
   * its fetch offset, and the read (of every partition, with the
   * follower's fetch state updated) can be skipped: what an idle follower's
   * long-poll costs its leader is then one comparison per partition each
   * time it is tried again.
   */
  private fetchMayAnswer(params: FetchParams, requests: readonly FetchPartitionRequest[]): boolean {
    const fromLeaderOnly = params.replica !== undefined || params.clientMetadata === undefined;
    // A consumer may be sent to another replica: only a read knows.
    if (!fromLeaderOnly && this.replicaSelector) return true;
    const isolation = params.replica ? 'log-end' : params.isolation;
    for (const req of requests) {
      const p = this.partitions.get(topicPartitionKey(req.topic, req.partition));
      if (!p || (req.topicId !== undefined && req.topicId !== p.topicId)) return true;
      if (p.mayReadSomething({ fetchOffset: req.fetchOffset, isolation, currentLeaderEpoch: req.currentLeaderEpoch, fetchOnlyFromLeader: fromLeaderOnly })) return true;
    }
    return false;
  }

  /**
   * One read of every requested partition, within the request's byte
   * budget; only the first partition with data may exceed it (v3+).
   */
  readFromLocalLog(params: FetchParams, requests: readonly FetchPartitionRequest[]): FetchResult {
    let budget = params.maxBytes;
    let minOneBatch = params.minOneBatch;
    let bytes = 0;
    let hasError = false;
    const partitions: FetchPartitionResult[] = [];
    const readOne = (req: FetchPartitionRequest): FetchPartitionResult => {
      const failed = (errorCode: ErrorCode, hw = -1, logStart = -1, currentLeader = NO_LEADER): FetchPartitionResult => {
        hasError = true;
        return { errorCode, records: null, highWatermark: hw, lastStableOffset: hw, logStartOffset: logStart, abortedTransactions: null, currentLeader, preferredReadReplica: -1 };
      };
      const p = this.getPartitionOrError(req.topic, req.partition);
      if (!(p instanceof Partition)) return failed(p.errorCode, -1, -1, p.currentLeader);
      if (req.topicId !== undefined && req.topicId !== p.topicId) return failed(ErrorCode.UNKNOWN_TOPIC_ID);
      const replica = params.replica;
      const client = params.clientMetadata;
      if (!replica && client && this.replicaSelector && p.isLeader) {
        const preferred = this.preferredReadReplicaFor(p, this.replicaSelector, client, req.fetchOffset);
        // Nothing is read: the consumer asks the preferred replica next, with the leader's offsets to go by.
        if (preferred >= 0) {
          const access = p.checkLeaderAccess(req.currentLeaderEpoch, false);
          if (access !== ErrorCode.NONE) return failed(access, p.highWatermark, p.logStartOffset, this.currentLeader(req.topic, req.partition));
          return {
            errorCode: ErrorCode.NONE,
            records: null,
            highWatermark: p.highWatermark,
            lastStableOffset: p.lastStableOffset,
            logStartOffset: p.logStartOffset,
            abortedTransactions: null,
            currentLeader: NO_LEADER,
            preferredReadReplica: preferred,
          };
        }
      }
      const read = p.read({
        fetchOffset: req.fetchOffset,
        maxBytes: Math.max(0, Math.min(req.maxBytes, budget)),
        // A follower copies the whole log; consumers see what is committed.
        isolation: replica ? 'log-end' : params.isolation,
        minOneBatch,
        currentLeaderEpoch: req.currentLeaderEpoch,
        // Kafka's fetchOnlyLeader: a consumer's Fetch v11+ may be served by a
        // follower (KIP-392), below the follower's high watermark.
        fetchOnlyFromLeader: replica !== undefined || client === undefined,
      });
      if (read.errorCode !== ErrorCode.NONE) {
        const leaderMoved = read.errorCode === ErrorCode.NOT_LEADER_OR_FOLLOWER || read.errorCode === ErrorCode.FENCED_LEADER_EPOCH;
        return failed(read.errorCode, read.highWatermark, read.logStartOffset, leaderMoved ? this.currentLeader(req.topic, req.partition) : NO_LEADER);
      }
      // The fetch offset is the follower's log end: the high watermark may
      // move, and the follower learns the moved one in this very answer.
      if (replica && !p.updateFollowerFetchState(replica.brokerId, replica.brokerEpoch, req.fetchOffset, this.scheduler.now(), req.logStartOffset ?? -1)) {
        releaseRecords(read.records);
        return failed(ErrorCode.NOT_LEADER_OR_FOLLOWER, read.highWatermark, read.logStartOffset, this.currentLeader(req.topic, req.partition));
      }
      const n = read.records === null ? 0 : recordsLength(read.records);
      if (n > 0) {
        bytes += n;
        budget -= n;
        minOneBatch = false;
      }
      return {
        errorCode: ErrorCode.NONE,
        records: read.records,
        highWatermark: replica ? p.highWatermark : read.highWatermark,
        lastStableOffset: read.lastStableOffset,
        logStartOffset: read.logStartOffset,
        abortedTransactions: read.abortedTransactions,
        currentLeader: NO_LEADER,
        preferredReadReplica: -1,
      };
    };
    try {
      for (const req of requests) partitions.push(readOne(req));
    } catch (err) {
      // Nothing read so far will be sent.
      for (const p of partitions) releaseRecords(p.records);
      throw err;
    }
    return { partitions, bytes, hasError };
  }

  /**
   * KIP-392 on the leader (Kafka's findPreferredReadReplica): the replica
   * the selector picks for this consumer among those that can serve
   * `fetchOffset` (replica-selector.ts); -1 to read here.
   */
  private preferredReadReplicaFor(p: Partition, selector: ReplicaSelector, client: { rackId: string; listenerName: string }, fetchOffset: number): number {
    const image = this.image;
    if (!image) return -1;
    const now = this.scheduler.now();
    const rackOf = (id: number) => image.brokers.get(id)?.rack ?? null;
    // A replica the client can reach on its listener, and that is not on its way out.
    const reachable = (id: number) => {
      const b = image.brokers.get(id);
      return b !== undefined && !b.fenced && !b.inControlledShutdown && b.endpoints.some((e) => e.name === client.listenerName);
    };
    const leader = { brokerId: this.nodeId, rack: rackOf(this.nodeId), logEndOffset: p.logEndOffset, timeSinceLastCaughtUpMs: 0 };
    const followers = p.followerStates().map((f) => ({
      brokerId: f.brokerId,
      rack: rackOf(f.brokerId),
      logEndOffset: f.logEndOffset,
      timeSinceLastCaughtUpMs: Math.max(0, now - f.lastCaughtUpTimeMs),
      inIsr: p.isr.includes(f.brokerId),
      logStartOffset: f.logStartOffset,
      reachable: reachable(f.brokerId),
    }));
    return preferredReadReplica(selector, { rackId: client.rackId }, leader, followers, fetchOffset);
  }

  // ---- housekeeping -------------------------------------------------------------------

  /** Writes `replication-offset-checkpoint`: every partition's high watermark. */
  checkpointHighWatermarks(): void {
    this.hwCheckpoint.write(this.highWatermarks());
  }

  /** The same with the fsyncs off the event loop (every replica.high.watermark.checkpoint.interval.ms). */
  checkpointHighWatermarksAsync(): Promise<void> {
    return this.hwCheckpoint.writeAsync(this.highWatermarks());
  }

  private highWatermarks(): [{ topic: string; partition: number }, number][] {
    return [...this.partitions.values()].map((p) => [{ topic: p.topic, partition: p.index }, p.highWatermark]);
  }

  /** Operations waiting in the purgatories (tests, metrics). */
  get delayedOperations(): { produce: number; fetch: number } {
    return { produce: this.producePurgatory.waiting, fetch: this.fetchPurgatory.waiting };
  }

  /**
   * Shutdown: waiting fetches and produces answer now with what they have,
   * new fetches no longer wait; the high watermarks are checkpointed.
   */
  shutdown(): void {
    if (this.shuttingDown) return;
    this.shuttingDown = true;
    this.isrShrinkTimer?.cancel();
    this.alterPartitions?.close();
    void this.fetchers?.close();
    this.fetchPurgatory.completeAll();
    this.producePurgatory.completeAll();
  }

  /** After the last request: the final high-watermark checkpoint (before the logs close). */
  close(): void {
    this.shutdown();
    try {
      this.checkpointHighWatermarks();
    } catch (err) {
      this.log?.error({ err }, 'could not write the high-watermark checkpoint');
    }
  }
}

/** Lets go of the file regions of a fetch result that will not be sent. */
export function releaseFetchResult(result: FetchResult): void {
  for (const p of result.partitions) releaseRecords(p.records);
}
