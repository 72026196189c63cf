/**
 * One replica of one partition on this broker (Kafka's cluster.Partition):
 * its Log, the registration the metadata gave it (leader, leader epoch,
 * replicas, ISR), the high watermark, and the followers' progress when this
 * broker leads.
 *
 * It is the one owner of a partition's leader state. Handlers and
 * coordinators reach it through the ReplicaManager and never touch the log:
 * - `appendAsLeader` validates the batches once, applies the topic's limits
 *   and the transaction check, and appends (offsets, LogAppendTime and
 *   idempotence are the log's, after every check that can refuse);
 * - `read` chooses the upper bound from the isolation asked for (log end
 *   for followers, high watermark for consumers, last stable offset for
 *   read_committed); a follower serves consumers too when asked
 *   (`fetchOnlyFromLeader` false: KIP-392), below its own high watermark;
 * - the high watermark is stored state: the leader moves it to the smallest
 *   log end offset in the ISR (on one node, its own, after each append);
 * - `appendAsFollower`, `truncateTo` and the follower states are what
 *   replication drives.
 *
 * Leader epochs: each epoch's start offset is recorded in the log's
 * `leader-epoch-checkpoint` when this broker becomes its leader, so
 * OffsetForLeaderEpoch answers where any epoch ends.
 */
import type { TopicConfig } from '../config';
import { ErrorCode } from '../protocol/errors';
import type { RecordsValue } from '../protocol/primitives/records-value';
import { ATTRIBUTES, BATCH_HEADER_SIZE, CONTROL_FLAG, MAGIC, PRODUCER_EPOCH, PRODUCER_ID, TRANSACTIONAL_FLAG, findRecordWithoutKey, validateLegacyProduce, validateProduceRecords, type ProduceValidation } from '../protocol/records';
import type { AppendOrigin, ProducerStateEntry } from '../storage/producer-state-manager';
import type { AppendResult, Log, TimestampAndOffset } from '../storage/log';
import type { RecordTimestampLocator } from '../storage/record-timestamps';
import type { AbortedTxn } from '../storage/transaction-index';
import type { PartitionRegistration } from './metadata/metadata-image';
import { type TransactionVerification, type TransactionVerifier, type VerificationGuard, verificationProblem } from './transaction-verification';

/** Where a read stops (Kafka's FetchIsolation). */
export type FetchIsolation = 'log-end' | 'high-watermark' | 'committed';

/** No current leader epoch given by the client (Kafka's RecordBatch.NO_PARTITION_LEADER_EPOCH). */
export const NO_LEADER_EPOCH = -1;

export interface LeaderAppendOptions {
  /** 'client': a producer's batches, validated as Kafka's LogValidator does; 'coordinator': the broker's own. */
  origin: AppendOrigin;
  /** Produce request version (client appends): v0–2 carry legacy message sets, up-converted first. */
  apiVersion?: number;
  transactionalId?: string | null;
  /** The produce's acks; -1 needs at least min.insync.replicas in the ISR before anything is written. */
  requiredAcks?: number;
  /** The broker's clock, for LogAppendTime and timestamp bounds. */
  now: number;
  /** The transaction coordinator's answer for a transactional batch that needed it (transaction-verification.ts). */
  verification?: TransactionVerification;
}

/** The producer of a transactional batch (the first of a produce's records), from its header alone. */
export interface TransactionalProducer {
  producerId: number;
  producerEpoch: number;
}

/** The first batch's producer when it is a transactional data batch (magic 2); null otherwise. */
export function transactionalProducerOf(records: Buffer | null): TransactionalProducer | null {
  if (records === null || records.length < BATCH_HEADER_SIZE || records[MAGIC] !== 2) return null;
  const attributes = records.readInt16BE(ATTRIBUTES);
  if ((attributes & TRANSACTIONAL_FLAG) === 0 || (attributes & CONTROL_FLAG) !== 0) return null;
  return { producerId: Number(records.readBigInt64BE(PRODUCER_ID)), producerEpoch: records.readInt16BE(PRODUCER_EPOCH) };
}

/** The producer a coordinator's batch ends a transaction of (a marker: control batch), or null. */
function markerProducerOf(records: Buffer): number | null {
  if (records.length < BATCH_HEADER_SIZE || records[MAGIC] !== 2) return null;
  return (records.readInt16BE(ATTRIBUTES) & CONTROL_FLAG) !== 0 ? Number(records.readBigInt64BE(PRODUCER_ID)) : null;
}

/**
 * The outcome of an append (the log's): on error nothing was written and
 * the offsets are -1; `duplicate` marks a producer retry answered with the
 * original offsets; `logAppendTime` is -1 unless the topic uses
 * LogAppendTime.
 */
export type PartitionAppendResult = AppendResult;

export interface PartitionReadOptions {
  fetchOffset: number;
  maxBytes: number;
  isolation: FetchIsolation;
  /** Return the first batch whole even past maxBytes (Kafka's minOneMessage). */
  minOneBatch: boolean;
  /** The leader epoch the client believes current (-1: not given). */
  currentLeaderEpoch: number;
  /** Consumers must read from the leader; a follower answers NOT_LEADER_OR_FOLLOWER. */
  fetchOnlyFromLeader: boolean;
}

export interface PartitionReadResult {
  errorCode: ErrorCode;
  /** Whole batches from the one holding fetchOffset, below the isolation bound; null when none. */
  records: RecordsValue | null;
  /** The offsets as they were when the read began (what a Fetch response reports). */
  highWatermark: number;
  lastStableOffset: number;
  logStartOffset: number;
  logEndOffset: number;
  /** read_committed: the aborted transactions the records overlap; else null. */
  abortedTransactions: AbortedTxn[] | null;
}

/** What the leader knows of a follower, from its fetches (Kafka's ReplicaState). */
export interface FollowerState {
  readonly brokerId: number;
  /** The follower's log end: the offset it last fetched from (-1: no fetch in this epoch yet). */
  logEndOffset: number;
  /** The follower's log start, as its last fetch said (Fetch v5+; -1 unknown): KIP-392 sends consumers only to replicas that hold their offset. */
  logStartOffset: number;
  /** The broker epoch it fetched with (KIP-903: the controller admits that incarnation only); -1 unknown. */
  brokerEpoch: number;
  /** When the follower was last caught up with the leader's log end (for replica.lag.time.max.ms). */
  lastCaughtUpTimeMs: number;
  /** The leader's log end and the time at the follower's previous fetch. */
  lastFetchLeaderLogEndOffset: number;
  lastFetchTimeMs: number;
}

/** A member of an ISR asked for, with the broker epoch the leader saw it fetch with (-1: not checked). */
export interface IsrMember {
  brokerId: number;
  brokerEpoch: number;
}

/** Where a leader's ISR changes go (the controller, through AlterPartition). */
export interface IsrChangeRequester {
  /** Sends the request; false when it cannot be sent now (no controller channel), so nothing is pending. */
  requestIsrChange(partition: Partition, newIsr: readonly IsrMember[]): boolean;
}

/** An ISR change a leader asked for: a follower joined (expand) or lagging ones were dropped (shrink). */
export type IsrChangeKind = 'expand' | 'shrink';

/** Told about changes the replica manager's waiting operations (and its ISR change counts) care about. */
export interface PartitionListener {
  /** Records were appended; `highWatermarkMoved` when the high watermark moved with them. */
  onLogChanged(partition: Partition, highWatermarkMoved: boolean): void;
  /**
   * An ISR change this broker asked for as leader is committed: the metadata
   * brought the ISR it proposed (Kafka marks IsrExpandsPerSec /
   * IsrShrinksPerSec when its AlterPartition succeeds; here the record is
   * the commit). Changes the controller makes on its own, such as dropping
   * a fenced broker, are not reported.
   */
  onIsrChangeCommitted?(partition: Partition, kind: IsrChangeKind): void;
}

export interface PartitionOptions {
  log: Log;
  topicId: string;
  localBrokerId: number;
  topicConfig: TopicConfig;
  /** From `replication-offset-checkpoint`, when known. */
  highWatermark?: number;
  listener?: PartitionListener;
  transactionVerifier?: () => TransactionVerifier | null;
  /** Where ISR changes go; none on one node (a partition there has no followers). */
  isrChanges?: IsrChangeRequester;
  /** The broker's clock (follower states). */
  now?: () => number;
  /**
   * Whether a follower may join the ISR as far as the metadata goes
   * (Kafka's isReplicaIsrEligible: registered, unfenced, not in controlled
   * shutdown); the controller would refuse the others. All by default.
   */
  isrEligible?: (brokerId: number) => boolean;
}

const JAVA_LONG_MAX = 2 ** 63;

/** Before the metadata has said anything: no leader, no epoch. */
const UNREGISTERED: PartitionRegistration = {
  replicas: [],
  isr: [],
  removingReplicas: [],
  addingReplicas: [],
  leader: -1,
  leaderRecoveryState: 0,
  leaderEpoch: -1,
  partitionEpoch: -1,
};

export class Partition {
  readonly topic: string;
  readonly index: number;
  readonly log: Log;
  readonly topicId: string;
  private readonly localBrokerId: number;
  private state: PartitionRegistration;
  private config: TopicConfig;
  private hw: number;
  private readonly followers = new Map<number, FollowerState>();
  private readonly listener: PartitionListener | null;
  private readonly verifier: () => TransactionVerifier | null;
  /** Transactional producers being verified with their coordinator (see transaction-verification.ts). */
  private readonly verificationGuards = new Map<number, VerificationGuard>();
  private readonly isrChanges: IsrChangeRequester | null;
  private readonly now: () => number;
  private readonly isrEligible: (brokerId: number) => boolean;
  /**
   * An ISR change sent to the controller and not yet seen in the metadata
   * (Kafka's PendingExpandIsr/PendingShrinkIsr). While one is pending no
   * other is sent, and the high watermark counts the members of both the
   * committed and the pending ISR (Kafka's maximal ISR): a member being
   * added counts at once, one being removed until the removal is committed.
   */
  private pendingIsr: readonly number[] | null = null;
  /** Where this broker's current leader epoch began (a follower joins the ISR only past it). */
  private leaderEpochStartOffset = -1;
  /**
   * This broker lost its place in the cluster (its session expired) while
   * leading: it acts as a follower until the metadata gives the partition a
   * newer registration, since the controller may already have another
   * leader in a newer epoch.
   */
  private resigned = false;

  constructor(options: PartitionOptions) {
    this.log = options.log;
    this.topic = options.log.topic;
    this.index = options.log.partition;
    this.topicId = options.topicId;
    this.localBrokerId = options.localBrokerId;
    this.state = UNREGISTERED;
    this.config = options.topicConfig;
    this.hw = clamp(options.highWatermark ?? this.log.logStartOffset, this.log.logStartOffset, this.log.logEndOffset);
    this.listener = options.listener ?? null;
    this.verifier = options.transactionVerifier ?? (() => null);
    this.isrChanges = options.isrChanges ?? null;
    this.now = options.now ?? Date.now;
    this.isrEligible = options.isrEligible ?? (() => true);
  }

  // ---- state -----------------------------------------------------------------

  get leaderId(): number {
    return this.state.leader;
  }

  get leaderEpoch(): number {
    return this.state.leaderEpoch;
  }

  get partitionEpoch(): number {
    return this.state.partitionEpoch;
  }

  get replicas(): readonly number[] {
    return this.state.replicas;
  }

  get isr(): readonly number[] {
    return this.state.isr;
  }

  /** Replicas a reassignment is adding (not yet counted in the replication factor, as Kafka's). */
  get addingReplicas(): readonly number[] {
    return this.state.addingReplicas;
  }

  get isLeader(): boolean {
    return this.state.leader === this.localBrokerId && !this.resigned;
  }

  get topicConfig(): TopicConfig {
    return this.config;
  }

  get highWatermark(): number {
    return this.hw;
  }

  get logStartOffset(): number {
    return this.log.logStartOffset;
  }

  get logEndOffset(): number {
    return this.log.logEndOffset;
  }

  /** Below it every transaction is decided: the first open transaction's offset, bounded by the high watermark. */
  get lastStableOffset(): number {
    return Math.min(this.log.lastStableOffset, this.hw);
  }

  followerStates(): readonly FollowerState[] {
    return [...this.followers.values()];
  }

  updateTopicConfig(config: TopicConfig): void {
    this.config = config;
  }

  // ---- leadership (from the metadata) -----------------------------------------

  /**
   * This broker leads the partition under `registration` (Kafka's
   * makeLeader): a new epoch starts at the log end; followers are tracked
   * afresh; the high watermark moves if the ISR allows. False when the
   * registration is not newer than the one applied.
   */
  makeLeader(registration: PartitionRegistration): boolean {
    if (registration.leader !== this.localBrokerId) throw new Error(`${this.topic}-${this.index}: broker ${this.localBrokerId} is not the leader in this registration`);
    if (this.isStale(registration)) return false;
    const isNewLeadership = registration.leaderEpoch > this.state.leaderEpoch || this.state.leader !== this.localBrokerId;
    const committed = this.committedIsrChange(registration);
    if (this.isNewer(registration)) this.resigned = false;
    this.state = registration;
    // The registration is the committed ISR now: whatever was asked for is answered.
    this.pendingIsr = null;
    const now = this.now();
    if (isNewLeadership) {
      // Kafka's maybeAssignEpochStartOffset: the epoch starts at the log end
      // (a no-op when the log already records this epoch from earlier).
      this.log.assignEpochStartOffset(registration.leaderEpoch, this.log.logEndOffset);
      this.leaderEpochStartOffset = this.log.logEndOffset;
      // Followers are tracked afresh; those in the ISR count as caught up now,
      // so they are not dropped before they had a chance to fetch.
      this.followers.clear();
    }
    for (const id of [...this.followers.keys()]) if (!registration.replicas.includes(id)) this.followers.delete(id);
    for (const id of registration.replicas) {
      if (id === this.localBrokerId || this.followers.has(id)) continue;
      const inIsr = registration.isr.includes(id);
      this.followers.set(id, { brokerId: id, logEndOffset: -1, logStartOffset: -1, brokerEpoch: -1, lastCaughtUpTimeMs: inIsr ? now : 0, lastFetchLeaderLogEndOffset: -1, lastFetchTimeMs: 0 });
    }
    if (committed) this.listener?.onIsrChangeCommitted?.(this, committed);
    if (this.maybeIncrementHighWatermark()) this.listener?.onLogChanged(this, true);
    return true;
  }

  /**
   * Whether `registration` commits the ISR change this leader asked for:
   * its ISR is the one proposed, and differs from the committed one. Null
   * when nothing was asked, or the metadata brought some other ISR.
   */
  private committedIsrChange(registration: PartitionRegistration): IsrChangeKind | null {
    const proposed = this.pendingIsr;
    if (proposed === null || !sameMembers(registration.isr, proposed)) return null;
    const before = this.state.isr;
    if (registration.isr.some((id) => !before.includes(id))) return 'expand';
    if (before.some((id) => !registration.isr.includes(id))) return 'shrink';
    return null;
  }

  /** This broker follows `registration.leader` (Kafka's makeFollower). */
  makeFollower(registration: PartitionRegistration): boolean {
    if (this.isStale(registration)) return false;
    if (this.isNewer(registration)) this.resigned = false;
    this.state = registration;
    this.followers.clear();
    this.pendingIsr = null;
    return true;
  }

  /**
   * This broker's session in the cluster was lost while it led: it stops
   * acting as leader of this epoch at once (no write, no consumer read,
   * no follower served), without waiting for the metadata to say who leads
   * now. False when it did not lead.
   */
  resignLeadership(): boolean {
    if (!this.isLeader) return false;
    this.resigned = true;
    this.pendingIsr = null;
    return true;
  }

  private isNewer(registration: PartitionRegistration): boolean {
    return registration.leaderEpoch > this.state.leaderEpoch || registration.partitionEpoch > this.state.partitionEpoch;
  }

  /** An older registration than the one applied (the metadata only moves forward). */
  private isStale(registration: PartitionRegistration): boolean {
    if (registration.leaderEpoch !== this.state.leaderEpoch) return registration.leaderEpoch < this.state.leaderEpoch;
    return registration.partitionEpoch < this.state.partitionEpoch;
  }

  /**
   * Kafka's checkCurrentLeaderEpoch: a client's epoch older than ours is
   * FENCED_LEADER_EPOCH, newer UNKNOWN_LEADER_EPOCH (it knows metadata we do
   * not have yet); -1 is not checked.
   */
  checkLeaderEpoch(currentLeaderEpoch: number): ErrorCode {
    if (currentLeaderEpoch === NO_LEADER_EPOCH) return ErrorCode.NONE;
    if (currentLeaderEpoch < this.state.leaderEpoch) return ErrorCode.FENCED_LEADER_EPOCH;
    if (currentLeaderEpoch > this.state.leaderEpoch) return ErrorCode.UNKNOWN_LEADER_EPOCH;
    return ErrorCode.NONE;
  }

  /** The epoch check, then (when asked) that this broker leads: Kafka's localLogWithEpochOrThrow. */
  private checkAccess(currentLeaderEpoch: number, requireLeader: boolean): ErrorCode {
    const epoch = this.checkLeaderEpoch(currentLeaderEpoch);
    if (epoch !== ErrorCode.NONE) return epoch;
    if (requireLeader && !this.isLeader) return ErrorCode.NOT_LEADER_OR_FOLLOWER;
    return ErrorCode.NONE;
  }

  // ---- high watermark ---------------------------------------------------------

  /**
   * The leader's high watermark: the smallest log end offset in the ISR
   * (only ever forward). True when it moved.
   */
  maybeIncrementHighWatermark(): boolean {
    if (!this.isLeader) return false;
    let candidate = this.log.logEndOffset;
    for (const id of this.maximalIsr()) {
      if (id === this.localBrokerId) continue;
      const f = this.followers.get(id);
      candidate = Math.min(candidate, f ? f.logEndOffset : this.hw);
    }
    if (candidate <= this.hw) return false;
    this.hw = candidate;
    return true;
  }

  /**
   * acks=all: whether the high watermark has reached `requiredOffset`
   * (Kafka's checkEnoughReplicasReachOffset). Done with NONE, or with
   * NOT_ENOUGH_REPLICAS_AFTER_APPEND when the ISR is below
   * min.insync.replicas by then; NOT_LEADER_OR_FOLLOWER when this broker no
   * longer leads.
   */
  checkEnoughReplicasReachOffset(requiredOffset: number): { done: boolean; errorCode: ErrorCode } {
    if (!this.isLeader) return { done: true, errorCode: ErrorCode.NOT_LEADER_OR_FOLLOWER };
    if (this.hw < requiredOffset) return { done: false, errorCode: ErrorCode.NONE };
    const enough = this.state.isr.length >= this.config.minInsyncReplicas;
    return { done: true, errorCode: enough ? ErrorCode.NONE : ErrorCode.NOT_ENOUGH_REPLICAS_AFTER_APPEND };
  }

  /**
   * A follower learns the high watermark from its leader's fetch responses;
   * consumers reading from it (KIP-392) and waiting for more are told.
   */
  updateHighWatermarkAsFollower(leaderHighWatermark: number): void {
    const before = this.hw;
    this.hw = clamp(leaderHighWatermark, this.log.logStartOffset, this.log.logEndOffset);
    if (this.hw > before) this.listener?.onLogChanged(this, true);
  }

  /**
   * The leader records a follower's fetch from `fetchOffset` (its log end):
   * when it was last caught up (Kafka's rule: caught up now if it fetched
   * from the leader's log end, or at its previous fetch if it has reached
   * the log end the leader had then, so a follower under steady load that
   * always trails by one fetch still counts as caught up); it may join the
   * ISR, and the high watermark may move. False for a broker that is not a
   * replica.
   */
  updateFollowerFetchState(brokerId: number, brokerEpoch: number, fetchOffset: number, now: number, followerLogStartOffset = -1): boolean {
    const f = this.followers.get(brokerId);
    if (!f) return false;
    const leaderEnd = this.log.logEndOffset;
    if (fetchOffset >= leaderEnd) f.lastCaughtUpTimeMs = Math.max(f.lastCaughtUpTimeMs, now);
    else if (fetchOffset >= f.lastFetchLeaderLogEndOffset) f.lastCaughtUpTimeMs = Math.max(f.lastCaughtUpTimeMs, f.lastFetchTimeMs);
    f.logEndOffset = fetchOffset;
    f.logStartOffset = followerLogStartOffset;
    f.brokerEpoch = brokerEpoch;
    f.lastFetchLeaderLogEndOffset = leaderEnd;
    f.lastFetchTimeMs = now;
    this.maybeExpandIsr(f);
    if (this.maybeIncrementHighWatermark()) this.listener?.onLogChanged(this, true);
    return true;
  }

  /** The committed ISR and, while a change is pending, its members too (see `pendingIsr`). */
  private maximalIsr(): readonly number[] {
    const pending = this.pendingIsr;
    if (pending === null) return this.state.isr;
    return [...new Set([...this.state.isr, ...pending])];
  }

  /**
   * A follower outside the ISR joins it once it has everything below the
   * high watermark and has fetched past the start of this leader's epoch
   * (Kafka's isFollowerInSync), unless the metadata makes it ineligible (a
   * broker in controlled shutdown): the leader asks the controller.
   */
  private maybeExpandIsr(f: FollowerState): void {
    if (!this.isLeader || this.pendingIsr !== null || this.state.isr.includes(f.brokerId)) return;
    if (f.logEndOffset < this.hw || f.logEndOffset < this.leaderEpochStartOffset || !this.isrEligible(f.brokerId)) return;
    this.proposeIsr([...this.state.isr, f.brokerId]);
  }

  /**
   * The leader drops from the ISR every follower that has not been caught
   * up for `lagTimeMaxMs` (replica.lag.time.max.ms), asking the controller.
   * True when a change was sent.
   */
  maybeShrinkIsr(now: number, lagTimeMaxMs: number): boolean {
    if (!this.isLeader || this.pendingIsr !== null) return false;
    const lagging = this.state.isr.filter((id) => {
      if (id === this.localBrokerId) return false;
      const f = this.followers.get(id);
      return !f || now - f.lastCaughtUpTimeMs > lagTimeMaxMs;
    });
    if (lagging.length === 0) return false;
    return this.proposeIsr(this.state.isr.filter((id) => !lagging.includes(id)));
  }

  private proposeIsr(isr: readonly number[]): boolean {
    const members = isr.map((id): IsrMember => ({ brokerId: id, brokerEpoch: id === this.localBrokerId ? -1 : (this.followers.get(id)?.brokerEpoch ?? -1) }));
    if (!this.isrChanges?.requestIsrChange(this, members)) return false;
    this.pendingIsr = isr;
    return true;
  }

  /** The pending ISR change is over without a new registration (refused, failed, or nothing to change): another may be asked for. */
  clearPendingIsrChange(): void {
    this.pendingIsr = null;
  }

  /** Whether an ISR change is waiting for the controller (tests, metrics). */
  get hasPendingIsrChange(): boolean {
    return this.pendingIsr !== null;
  }

  // ---- append -------------------------------------------------------------------

  /**
   * Appends as the leader: validate once (framing, CRC, the produce
   * version's rules), the topic's limits (max.message.bytes, timestamp
   * bounds, keys on compacted topics), the transaction check, then the log
   * assigns offsets and applies idempotence; LogAppendTime is written into
   * the batch only after every check that can refuse it.
   */
  appendAsLeader(records: Buffer | null, options: LeaderAppendOptions): PartitionAppendResult {
    if (!this.isLeader) return this.failed(ErrorCode.NOT_LEADER_OR_FOLLOWER, null);
    if (records === null || records.length === 0) return this.failed(ErrorCode.INVALID_RECORD, 'no records');
    const minIsr = this.config.minInsyncReplicas;
    if (options.requiredAcks === -1 && this.state.isr.length < minIsr) {
      return this.failed(
        ErrorCode.NOT_ENOUGH_REPLICAS,
        `The size of the current ISR [${this.state.isr.join(', ')}] is insufficient to satisfy the min.isr requirement of ${minIsr} for partition ${this.topic}-${this.index}`,
      );
    }
    if (options.origin === 'coordinator') {
      // A marker ends the producer's transaction: a verification under way is void.
      const ended = markerProducerOf(records);
      if (ended !== null) this.verificationGuards.delete(ended);
      return this.appendToLog(records, options.now, 'coordinator', -1);
    }

    const config = this.config;
    const version = options.apiVersion ?? Number.MAX_SAFE_INTEGER;
    let batches: Buffer;
    let validation: ProduceValidation;
    if (version <= 2) {
      const legacy = validateLegacyProduce(records, config.maxMessageBytes * 4 + 1024);
      batches = legacy.converted;
      validation = legacy;
    } else {
      batches = records;
      validation = validateProduceRecords(records, { apiVersion: version });
    }
    if (validation.errorCode !== ErrorCode.NONE) return this.failed(validation.errorCode, validation.errorMessage);

    for (const batch of validation.batches) {
      if (batch.size > config.maxMessageBytes) {
        return this.failed(
          ErrorCode.MESSAGE_TOO_LARGE,
          `The record batch size is ${batch.size} bytes, which is larger than the maximum of ${config.maxMessageBytes} (max.message.bytes)`,
        );
      }
    }
    const now = options.now;
    const logAppendTime = config.messageTimestampType === 'LogAppendTime';
    if (!logAppendTime) {
      const problem = timestampProblem(validation, now, config.messageTimestampBeforeMaxMs, config.messageTimestampAfterMaxMs);
      if (problem) return this.failed(ErrorCode.INVALID_TIMESTAMP, problem);
    }
    if (config.compact) {
      const keys = findRecordWithoutKey(batches, validation.batches, config.maxMessageBytes * 4 + 1024);
      if (keys.errorCode !== ErrorCode.NONE) return this.failed(keys.errorCode, keys.errorMessage);
      if (keys.missingKey) {
        return this.failed(ErrorCode.INVALID_RECORD, `Compacted topic cannot accept message without key in topic partition ${this.topic}-${this.index}.`);
      }
    }
    const txn = validation.batches.find((x) => (x.header.attributes & TRANSACTIONAL_FLAG) !== 0);
    if (txn) {
      const problem = this.transactionalProblem(txn.header.producerId, txn.header.producerEpoch, options);
      if (problem) return this.failed(problem.errorCode, problem.message);
    }
    // The log writes the offsets (and, for LogAppendTime, the broker's clock)
    // into the batches read here, after its own idempotence checks.
    return this.appendToLog(batches, now, 'client', logAppendTime ? now : -1, validation.batches);
  }

  /**
   * Whether a transactional batch of this producer must be verified with the
   * transaction coordinator first: verification is on and the partition has
   * no transaction of the producer open at this epoch.
   */
  needsVerification(producer: TransactionalProducer): boolean {
    return this.verifier()?.enabled === true && !this.log.hasOngoingTransaction(producer.producerId, producer.producerEpoch);
  }

  /** A verification of the producer begins: the guard its append must bring back (a marker meanwhile voids it). */
  startVerification(producerId: number): VerificationGuard {
    const guard: VerificationGuard = { producerId };
    this.verificationGuards.set(producerId, guard);
    return guard;
  }

  private transactionalProblem(producerId: number, producerEpoch: number, options: LeaderAppendOptions): { errorCode: ErrorCode; message: string } | null {
    if (options.transactionalId === null || options.transactionalId === undefined) {
      return { errorCode: ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED, message: 'transactional records need the transactional id in the request' };
    }
    if (!this.needsVerification({ producerId, producerEpoch })) return null;
    const v = options.verification;
    if (v === undefined) return { errorCode: ErrorCode.INVALID_TXN_STATE, message: `${this.topic}-${this.index} was not verified with the transaction coordinator` };
    const problem = verificationProblem(v.errorCode, this.topic, this.index, producerId, producerEpoch);
    if (problem) return problem;
    if (this.verificationGuards.get(producerId) !== v.guard) {
      return { errorCode: ErrorCode.INVALID_TXN_STATE, message: `the transaction of producer ${producerId} ended while ${this.topic}-${this.index} was being verified` };
    }
    return null;
  }

  private appendToLog(batches: Buffer, now: number, origin: AppendOrigin, logAppendTime: number, parsed?: ProduceValidation['batches']): PartitionAppendResult {
    const r = this.log.append(batches, {
      leaderEpoch: this.state.leaderEpoch,
      now,
      origin,
      batches: parsed,
      logAppendTime: logAppendTime === -1 ? undefined : logAppendTime,
    });
    if (r.errorCode !== ErrorCode.NONE) return this.failed(r.errorCode, r.errorMessage);
    if (origin === 'client' && this.verificationGuards.size > 0) {
      // The transaction is open in this partition now: the verification served its purpose.
      const producer = transactionalProducerOf(batches);
      if (producer) this.verificationGuards.delete(producer.producerId);
    }
    if (!r.duplicate) this.listener?.onLogChanged(this, this.maybeIncrementHighWatermark());
    return {
      errorCode: ErrorCode.NONE,
      errorMessage: null,
      baseOffset: r.baseOffset,
      lastOffset: r.lastOffset,
      logAppendTime: logAppendTime === -1 ? -1 : r.logAppendTime === -1 ? logAppendTime : r.logAppendTime,
      logStartOffset: r.logStartOffset,
      duplicate: r.duplicate,
    };
  }

  private failed(errorCode: ErrorCode, errorMessage: string | null): PartitionAppendResult {
    return { errorCode, errorMessage, baseOffset: -1, lastOffset: -1, logAppendTime: -1, logStartOffset: this.log.logStartOffset, duplicate: false };
  }

  /**
   * Appends batches as a follower: the leader's offsets and epochs are kept
   * (replication; not used on one node).
   */
  appendAsFollower(batches: Buffer): PartitionAppendResult {
    if (this.isLeader) return this.failed(ErrorCode.NOT_LEADER_OR_FOLLOWER, 'the leader does not append as a follower');
    const r = this.log.appendAsFollower(batches);
    if (r.errorCode !== ErrorCode.NONE) return this.failed(r.errorCode, r.errorMessage);
    this.listener?.onLogChanged(this, false);
    return { ...r, logAppendTime: -1, duplicate: false };
  }

  /** Drops everything from `offset` on (a follower's divergent tail, after OffsetForLeaderEpoch). */
  truncateTo(offset: number): void {
    this.log.truncateTo(offset);
    if (this.hw > this.log.logEndOffset) this.hw = this.log.logEndOffset;
  }

  /** A follower whose log ends below its leader's log start starts over, empty, there. */
  truncateFullyAndStartAt(offset: number): void {
    if (this.isLeader) throw new Error(`${this.topic}-${this.index}: the leader does not start its log over`);
    this.log.truncateFullyAndStartAt(offset);
    this.hw = offset;
  }

  /**
   * A follower moves its log start offset up to its leader's (DeleteRecords
   * and retention on the leader), never past its own high watermark.
   */
  followLogStartOffset(leaderLogStartOffset: number): void {
    if (this.isLeader) return;
    const target = Math.min(leaderLogStartOffset, this.hw);
    if (target > this.log.logStartOffset) this.log.deleteRecordsBefore(target);
  }

  // ---- read ---------------------------------------------------------------------

  /** The isolation's bound: log end, high watermark, or last stable offset. */
  upperBound(isolation: FetchIsolation): number {
    switch (isolation) {
      case 'log-end':
        return this.log.logEndOffset;
      case 'high-watermark':
        return this.hw;
      case 'committed':
        return this.lastStableOffset;
    }
  }

  /**
   * Whether a read with these options could return records or an error:
   * false only when the fetch is at the isolation's bound of a log that
   * still holds that offset and it may read here. A waiting fetch asks
   * this before it reads again, so idle partitions cost a comparison, not
   * a read.
   */
  mayReadSomething(o: Pick<PartitionReadOptions, 'fetchOffset' | 'isolation' | 'currentLeaderEpoch' | 'fetchOnlyFromLeader'>): boolean {
    if (this.checkAccess(o.currentLeaderEpoch, o.fetchOnlyFromLeader) !== ErrorCode.NONE) return true;
    return o.fetchOffset !== this.upperBound(o.isolation) || o.fetchOffset < this.log.logStartOffset;
  }

  /** Reads whole batches at `fetchOffset`, below the isolation's bound. */
  read(o: PartitionReadOptions): PartitionReadResult {
    const highWatermark = this.hw;
    const lastStableOffset = this.lastStableOffset;
    const logStartOffset = this.log.logStartOffset;
    const logEndOffset = this.log.logEndOffset;
    const result: PartitionReadResult = {
      errorCode: ErrorCode.NONE,
      records: null,
      highWatermark,
      lastStableOffset,
      logStartOffset,
      logEndOffset,
      abortedTransactions: null,
    };
    const access = this.checkAccess(o.currentLeaderEpoch, o.fetchOnlyFromLeader);
    if (access !== ErrorCode.NONE) return { ...result, errorCode: access };
    const upperBoundOffset = this.upperBound(o.isolation);
    const read = this.log.read(o.fetchOffset, o.maxBytes, { minOneBatch: o.minOneBatch, upperBoundOffset });
    if (read.errorCode !== ErrorCode.NONE) return { ...result, errorCode: read.errorCode, logStartOffset: read.logStartOffset };
    result.records = read.records;
    if (o.isolation === 'committed') result.abortedTransactions = this.log.abortedTransactions(o.fetchOffset, upperBoundOffset);
    return result;
  }

  /**
   * ListOffsets by timestamp (Kafka's fetchOffsetForTimestamp): only offsets
   * below the isolation's bound count. Null: no such record.
   */
  offsetForTimestamp(timestamp: number, isolation: FetchIsolation, locate?: RecordTimestampLocator): TimestampAndOffset | null {
    const found = this.log.offsetForTimestamp(timestamp, locate);
    return found !== null && found.offset < this.upperBound(isolation) ? found : null;
  }

  /** The record with the largest timestamp (ListOffsets -3). */
  maxTimestampAndOffset(locate?: RecordTimestampLocator): TimestampAndOffset | null {
    return this.log.maxTimestampAndOffset(locate);
  }

  /** Access check for ListOffsets / OffsetForLeaderEpoch / DeleteRecords, which also name an epoch. */
  checkLeaderAccess(currentLeaderEpoch: number, requireLeader = true): ErrorCode {
    return this.checkAccess(currentLeaderEpoch, requireLeader);
  }

  /** OffsetForLeaderEpoch: the largest epoch <= `epoch` and the offset it ends at ((-1, -1) when unknown). */
  endOffsetForEpoch(epoch: number): { epoch: number; endOffset: number } {
    return this.log.endOffsetForEpoch(epoch);
  }

  /**
   * DeleteRecords on the leader: moves the log start to `offset` (never past
   * the high watermark; OFFSET_OUT_OF_RANGE otherwise).
   */
  deleteRecordsBefore(offset: number): { errorCode: ErrorCode; lowWatermark: number } {
    if (offset < 0 || offset > this.hw) return { errorCode: ErrorCode.OFFSET_OUT_OF_RANGE, lowWatermark: this.log.logStartOffset };
    return this.log.deleteRecordsBefore(offset);
  }

  /** The producers this partition remembers (DescribeProducers). */
  activeProducers(): Readonly<ProducerStateEntry>[] {
    return this.log.producerEntries();
  }
}

function sameMembers(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((id) => b.includes(id));
}

function clamp(v: number, lo: number, hi: number): number {
  return Math.max(lo, Math.min(v, hi));
}

/**
 * message.timestamp.before.max.ms / after.max.ms (CreateTime topics). Kafka
 * checks every record; the batch header's max timestamp bounds the newest
 * record, which is what the "after" (future) check needs. The "before" check
 * against the oldest record would need the records, so with a finite
 * before-limit we check the batch's base timestamp, the first record's.
 */
function timestampProblem(v: ProduceValidation, now: number, beforeMaxMs: number, afterMaxMs: number): string | null {
  if (beforeMaxMs >= JAVA_LONG_MAX && afterMaxMs >= JAVA_LONG_MAX) return null;
  for (const batch of v.batches) {
    const max = batch.header.maxTimestamp;
    const base = batch.header.baseTimestamp;
    if (max >= 0 && max - now > afterMaxMs) {
      return `Timestamp ${max} of message is out of range. The timestamp should be within [${now - beforeMaxMs}, ${now + afterMaxMs}]`;
    }
    if (base >= 0 && now - base > beforeMaxMs) {
      return `Timestamp ${base} of message is out of range. The timestamp should be within [${now - beforeMaxMs}, ${now + afterMaxMs}]`;
    }
  }
  return null;
}
