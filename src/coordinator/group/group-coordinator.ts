/**
 * The group coordinator (Kafka 4.0's GroupCoordinatorShard): the one
 * coordinator every group API reaches. It owns every group id, classic and
 * KIP-848 consumer groups alike (GroupMetadataManager: one kind per id),
 * and every group's committed offsets (OffsetManager); it runs the classic
 * protocol itself and hands ConsumerGroupHeartbeat to the KIP-848 logic
 * (ConsumerGroupCoordinator) over the same group-id space, and with it the
 * JoinGroup/SyncGroup/Heartbeat/LeaveGroup of classic members of a KIP-848
 * group (mixed groups). What an API answers when the id is the other kind
 * is Kafka 4.0's (see joinGroup, consumerGroupHeartbeat,
 * describeConsumerGroup), including the online upgrade and downgrade
 * (prepareUpgrade, prepareDowngrade, group-migration.ts). It loads and
 * unloads groups with their `__consumer_offsets` partitions.
 *
 * One owner per group (the event loop is the lock): every request runs to
 * completion against the group's state, and JoinGroup / SyncGroup answers
 * that must wait for the other members are callbacks on the members,
 * completed when the rebalance moves on. Timers (session, rebalance, sync,
 * initial delay, retention) come from the injected Scheduler.
 *
 * States: Empty -> PreparingRebalance -> CompletingRebalance -> Stable,
 * back to PreparingRebalance on any membership change, Dead when deleted.
 *
 * Classic groups: Kafka's GroupCoordinator (3.x) / GroupMetadataManager's
 * classic-group half.
 *
 * Records first: every change that must survive a restart (a generation's
 * metadata and assignment, offset commits, transactional offsets,
 * deletions, expiry) is built as `__consumer_offsets` records, appended,
 * and only once stored replayed by classic-group-replay.ts, the same replay
 * that rebuilds the groups when the topic is loaded (KIP-848 groups do the
 * same with consumer-group-replay.ts). A failed append
 * changes nothing, so there is nothing to undo. The answer goes out once the
 * append returned (durable under the flush policy).
 */
import { randomUUID } from 'node:crypto';
import type { Logger } from '../../logger';
import { ErrorCode } from '../../protocol/errors';
import { coordinatorAppendError } from '../coordinator-append-error';
import { ClassicGroup, type ClassicGroupState, type CommittedOffset, offsetKey, parseOffsetKey, CONSUMER_PROTOCOL_TYPE } from './classic-group';
import { ClassicGroupMember, type MemberProtocol } from './classic-group-member';
import {
  type ClassicGroupRecord,
  type ClassicGroupsState,
  decodeClassicRecord,
  encodeClassicRecord,
  forgetIfUnused,
  groupMetadataRecord,
  groupTombstone,
  offsetRecord,
  replayClassicRecord,
  replayTransactionMarker,
} from './classic-group-replay';
import { EMPTY_BYTES, type JoinGroupMemberInfo, type JoinGroupResult, type SyncGroupResult, joinError, syncError } from './group-results';
import type { OffsetsTopicRecord, OffsetsTopicReplayItem, TransactionalWriter } from './offsets-topic';
import { GroupMetadataManager, isSimpleClassicGroup } from './group-metadata-manager';
import { OffsetManager } from './offset-manager';
import { isConsumerGroupRecordKey } from './consumer/consumer-group-records';
import {
  ConsumerGroupCoordinator,
  type ConsumerGroupCoordinatorConfig,
  type ConsumerGroupHeartbeatParams,
  type ConsumerGroupHeartbeatResult,
  type DescribedConsumerGroup,
  type TopicCatalog,
  heartbeatError,
} from './consumer/consumer-group-coordinator';
import type { ConsumerGroupState } from './consumer/consumer-group';
import { rangeAssignor } from './consumer/range-assignor';
import { uniformAssignor } from './consumer/uniform-assignor';
import type { Scheduler, ScheduledTimer } from '../../time/scheduler';
import { type MigrationPolicy, MalformedConsumerProtocolError, classicGroupRecordFromConsumer, consumerMembersFromClassic, isDowngradeEnabled, isUpgradeEnabled } from './group-migration';
import type { ConsumerGroup } from './consumer/consumer-group';
import type { ClassicUpgrade, GroupConversion } from './consumer/consumer-group-coordinator';
import { monotonicMs } from '../../time/monotonic-clock';

/** How soon a group whose members all left tries again to store its Empty generation after an append failed. */
const EMPTY_GROUP_STORE_RETRY_MS = 5000;

/** How long a new member's JoinGroup may wait before it is dropped (Kafka's NewMemberJoinTimeoutMs). */
const NEW_MEMBER_JOIN_TIMEOUT_MS = 5 * 60 * 1000;

export interface GroupCoordinatorConfig {
  initialRebalanceDelayMs: number;
  minSessionTimeoutMs: number;
  maxSessionTimeoutMs: number;
  maxGroupSize: number;
  offsetsRetentionMs: number;
  offsetsRetentionCheckIntervalMs: number;
  offsetMetadataMaxBytes: number;
  /** group.consumer.migration.policy: which online conversions a group with members may make (Kafka 4.0's default: bidirectional). */
  migrationPolicy?: MigrationPolicy;
}

/** Where the coordinator's records go and come back from (`__consumer_offsets`, or a fake in tests). */
export interface GroupStore {
  /** Makes sure the store can take records (creates `__consumer_offsets`); false if it cannot. */
  ensureReady(): boolean;
  /** `txn`: a transactional offset commit, written as that producer's transactional batch. */
  append(groupId: string, records: readonly OffsetsTopicRecord[], txn?: TransactionalWriter): ErrorCode;
  /** The records of these partitions (every partition when omitted), oldest first per partition. */
  replay(partitions?: readonly number[]): Iterable<OffsetsTopicReplayItem>;
  /** The partition a group's records go to. */
  partitionFor(groupId: string): number;
}

/** TxnOffsetCommit: offsets that count only once the producer's transaction commits. */
export interface TxnOffsetCommitParams {
  groupId: string;
  producerId: number;
  producerEpoch: number;
  /** v3+: -1 / "" / null when the producer is not a group member (or an older version). */
  generationId: number;
  memberId: string;
  groupInstanceId: string | null;
  partitions: readonly OffsetCommitPartition[];
}

export interface JoinGroupParams {
  groupId: string;
  memberId: string;
  groupInstanceId: string | null;
  /** JoinGroup v4+: a first join gets MEMBER_ID_REQUIRED and must rejoin with the id (G9). */
  requireKnownMemberId: boolean;
  /** JoinGroup v9+: a rejoining static leader may skip the assignment (KIP-814). */
  supportSkipAssignment: boolean;
  clientId: string;
  clientHost: string;
  rebalanceTimeoutMs: number;
  sessionTimeoutMs: number;
  protocolType: string;
  protocols: MemberProtocol[];
  reason: string | null;
}

export interface SyncGroupParams {
  groupId: string;
  generationId: number;
  memberId: string;
  groupInstanceId: string | null;
  protocolType: string | null;
  protocolName: string | null;
  assignments: ReadonlyMap<string, Buffer>;
}

export interface HeartbeatParams {
  groupId: string;
  generationId: number;
  memberId: string;
  groupInstanceId: string | null;
}

export interface LeavingMember {
  memberId: string;
  groupInstanceId: string | null;
  reason: string | null;
}

export interface LeaveGroupResult {
  errorCode: ErrorCode;
  members: { memberId: string; groupInstanceId: string | null; errorCode: ErrorCode }[];
}

export interface OffsetCommitPartition {
  topic: string;
  partition: number;
  offset: bigint;
  leaderEpoch: number;
  metadata: string | null;
  /** OffsetCommit v1's explicit commit time, or -1. */
  commitTimestamp: number;
}

export interface OffsetCommitParams {
  groupId: string;
  generationId: number;
  memberId: string;
  groupInstanceId: string | null;
  /** OffsetCommit v2–4's retention time, or -1 for the broker's offsets.retention.minutes. */
  retentionTimeMs: number;
  partitions: readonly OffsetCommitPartition[];
  /** The OffsetCommit version (a KIP-848 member must use v9+; v9+ answers GROUP_ID_NOT_FOUND for no group); 9 when omitted. */
  apiVersion?: number;
}

export interface FetchedOffset {
  partition: number;
  offset: bigint;
  leaderEpoch: number;
  metadata: string;
  errorCode: ErrorCode;
}

export interface OffsetFetchResult {
  errorCode: ErrorCode;
  topics: { name: string; partitions: FetchedOffset[] }[];
}

export interface DescribedMember {
  memberId: string;
  groupInstanceId: string | null;
  clientId: string;
  clientHost: string;
  metadata: Buffer;
  assignment: Buffer;
}

export interface DescribedGroup {
  errorCode: ErrorCode;
  groupId: string;
  state: ClassicGroupState;
  protocolType: string;
  protocolData: string;
  members: DescribedMember[];
}

/** DescribeGroups' answer: a classic group, or a consumer group's KIP-848 description. */
export type AnyDescribedGroup = ({ kind: 'classic' } & DescribedGroup) | { kind: 'consumer'; group: DescribedConsumerGroup };

export interface ListedGroup {
  groupId: string;
  protocolType: string;
  state: ClassicGroupState | ConsumerGroupState;
  groupType: 'classic' | 'consumer';
}

export interface OffsetDeleteResult {
  errorCode: ErrorCode;
  /** Per requested partition, in request order. */
  partitionErrors: ErrorCode[];
}

/** One commit's offsets for GroupCoordinator.writeOffsets. */
interface OffsetsWrite {
  partitions: readonly OffsetCommitPartition[];
  /** The offset to store for a partition whose metadata fits. */
  valueFor: (partition: OffsetCommitPartition, metadata: string) => CommittedOffset;
  /** A transactional commit (TxnOffsetCommit): written as that producer's batch, pending until its marker. */
  transactionalWriter?: TransactionalWriter;
}

/** Kafka's storeGroup error mapping: what a JoinGroup/SyncGroup client can act on. */
function groupStoreError(code: ErrorCode): ErrorCode {
  return coordinatorAppendError(code, ErrorCode.UNKNOWN_SERVER_ERROR);
}

/** Kafka's storeOffsets error mapping. */
function offsetStoreError(code: ErrorCode): ErrorCode {
  switch (code) {
    case ErrorCode.MESSAGE_TOO_LARGE:
    case ErrorCode.RECORD_LIST_TOO_LARGE:
    case ErrorCode.INVALID_FETCH_SIZE:
      return ErrorCode.INVALID_COMMIT_OFFSET_SIZE;
    default:
      return groupStoreError(code);
  }
}

/** The KIP-848 side: its config and the cluster's topics (absent in tests of classic groups only: defaults, no topics). */
export interface ConsumerGroupsOptions {
  config: ConsumerGroupCoordinatorConfig;
  topics: TopicCatalog;
}

const DEFAULT_CONSUMER_GROUPS: ConsumerGroupsOptions = {
  config: { sessionTimeoutMs: 45_000, heartbeatIntervalMs: 5000, maxGroupSize: Number.MAX_SAFE_INTEGER, assignors: [uniformAssignor, rangeAssignor] },
  topics: { get: () => undefined, getById: () => undefined, list: () => [] },
};

export class GroupCoordinator {
  /** Every group, classic and consumer: one kind per group id. */
  private readonly registry = new GroupMetadataManager();
  /** The classic groups (the registry's). */
  private readonly groups = this.registry.classic;
  /** Every group's committed offsets and the offsets pending in open transactions. */
  private readonly offsets = new OffsetManager();
  private retentionTimer: ScheduledTimer | null = null;
  private closed = false;
  /** The partitions being loaded in steps, each with its load (a newer load or an unload replaces or removes it). */
  private readonly loadingPartitions = new Map<number, object>();
  /** What the records change (classic-group-replay.ts): only `write` and `loadPartitions` replay into it. */
  private readonly state: ClassicGroupsState = { groups: this.registry, offsets: this.offsets };
  /**
   * The KIP-848 groups' logic, over the registry's consumer groups; its
   * records go through this coordinator's store. Public for tests: the
   * handlers go through this class's methods, which own the group-id rules.
   */
  readonly consumerGroups: ConsumerGroupCoordinator;
  /** The cluster's topics (names and ids), for converting a group's assignments between the two protocols. */
  private readonly topics: TopicCatalog;
  private readonly consumerMaxGroupSize: number;

  constructor(
    private readonly config: GroupCoordinatorConfig,
    private readonly scheduler: Scheduler,
    private readonly store: GroupStore,
    private readonly log: Logger | null = null,
    consumer: ConsumerGroupsOptions = DEFAULT_CONSUMER_GROUPS,
  ) {
    this.topics = consumer.topics;
    this.consumerMaxGroupSize = consumer.config.maxGroupSize;
    this.consumerGroups = new ConsumerGroupCoordinator(
      consumer.config,
      scheduler,
      consumer.topics,
      {
        isActive: (groupId) => {
          const g = this.groups.get(groupId);
          return g !== undefined && !isSimpleClassicGroup(g) && !g.is('Dead');
        },
        downgrade: (group, leavingMemberId) => this.prepareDowngrade(group, leavingMemberId),
      },
      { append: (groupId, records) => this.appendConsumerGroupRecords(groupId, records) },
      log?.child({ component: 'consumer-group-coordinator' }) ?? null,
      this.registry.consumer,
    );
  }

  /** Appends the KIP-848 coordinator's records to the log both write (`__consumer_offsets`). */
  private appendConsumerGroupRecords(groupId: string, records: readonly OffsetsTopicRecord[]): ErrorCode {
    if (!this.store.ensureReady()) return ErrorCode.COORDINATOR_NOT_AVAILABLE;
    return groupStoreError(this.store.append(groupId, records));
  }

  /**
   * Rebuilds every group from the store (unless `load` is false: the broker
   * loads its partitions after it is up, through CoordinatorPartitions),
   * then starts the offsets retention check.
   */
  start(options: { load?: boolean } = {}): void {
    if (options.load !== false) this.loadPartitions();
    this.scheduleRetentionCheck();
  }

  /**
   * This broker now leads these `__consumer_offsets` partitions (every
   * partition when omitted): their groups are rebuilt from the records.
   */
  loadPartitions(partitions?: readonly number[]): void {
    const steps = this.replaySteps(partitions, Infinity, () => true);
    while (steps.next().done !== true);
  }

  /**
   * The same load of one partition, in steps of `recordsPerStep` records
   * (CoordinatorPartitions runs them over turns of the event loop). Until
   * the last step the partition is loading: its groups are half rebuilt,
   * so requests for them are refused (ownerError) and the retention check,
   * ListGroups and transaction completions pass them by. An unload
   * meanwhile ends the load: a step after it replays nothing.
   */
  loadSteps(partition: number, recordsPerStep: number): Iterator<void> {
    const load = {};
    // Registered now, not at the first step: the partition is loading from here on.
    this.loadingPartitions.set(partition, load);
    return this.stepsOfLoad(partition, load, recordsPerStep);
  }

  private *stepsOfLoad(partition: number, load: object, recordsPerStep: number): Generator<void> {
    // Closed (the broker shuts down) or unloaded: the load ends at its next step.
    const current = () => !this.closed && this.loadingPartitions.get(partition) === load;
    const started = monotonicMs();
    let steps = 0;
    let records = 0;
    for (const replayed of this.replaySteps([partition], recordsPerStep, current)) {
      records += replayed;
      steps++;
      yield;
      if (!current()) return;
    }
    if (!current()) return;
    this.loadingPartitions.delete(partition);
    this.log?.info({ partition, records, steps, ms: Math.round(monotonicMs() - started) }, 'loaded the groups of a __consumer_offsets partition');
  }

  /** Whether the group's partition is being loaded in steps (its state is not whole yet). */
  private inLoadingPartition(groupId: string): boolean {
    return this.loadingPartitions.size > 0 && this.loadingPartitions.has(this.store.partitionFor(groupId));
  }

  /**
   * Replays the partitions' records (all partitions when omitted), yielding
   * the count replayed after every `recordsPerStep`; stops at a yield after
   * which `current()` is false (the load was cancelled). The last step
   * starts the loaded groups' timers.
   */
  private *replaySteps(partitions: readonly number[] | undefined, recordsPerStep: number, current: () => boolean): Generator<number> {
    const now = this.scheduler.now();
    const consumerGroupIds = new Set<string>();
    const loaded = partitions === undefined ? null : new Set(partitions);
    // A marker replayed here decides the producer's offsets in these partitions; other partitions have their own marker.
    const inLoaded = loaded === null ? undefined : (groupId: string) => loaded.has(this.store.partitionFor(groupId));
    let replayed = 0;
    // The same replay as at run time, in log order: a transactional offset is
    // pending until its producer's marker, one still open at the end stays pending.
    for (const item of this.store.replay(partitions)) {
      if (item.kind === 'marker') {
        replayTransactionMarker(this.state, item.producerId, item.commit, now, inLoaded);
      } else if (isConsumerGroupRecordKey(item.key)) {
        const groupId = this.consumerGroups.replayLoaded(item);
        if (groupId !== null) {
          consumerGroupIds.add(groupId);
          // The simple classic group an earlier offset commit made for the id gives way (as Kafka's replay).
          const classic = this.groups.get(groupId);
          if (classic && this.registry.consumer.has(groupId) && isSimpleClassicGroup(classic)) this.groups.delete(groupId);
        }
      } else {
        const record = decodeClassicRecord(item);
        if (record !== null) replayClassicRecord(this.state, record, now, item.transactionalProducerId);
      }
      if (++replayed >= recordsPerStep) {
        yield replayed;
        replayed = 0;
        if (!current()) return;
      }
    }
    for (const group of this.groups.values()) {
      if (loaded !== null && !loaded.has(this.store.partitionFor(group.groupId))) continue;
      // Members of a loaded group must heartbeat again within their session timeout.
      for (const member of group.members.values()) this.scheduleSessionExpiry(group, member);
    }
    this.consumerGroups.startLoaded(consumerGroupIds);
    if (replayed > 0) yield replayed;
  }

  /**
   * Appends the records as one batch (a transactional one for `txn`) and,
   * once stored, replays them: the only way a group's durable state changes
   * at run time. Returns the store's error code (callers map it to what
   * their API answers); on error nothing changed.
   */
  private write(groupId: string, records: readonly ClassicGroupRecord[], txn?: TransactionalWriter): ErrorCode {
    if (records.length === 0) return ErrorCode.NONE;
    const stored = this.store.append(groupId, records.map(encodeClassicRecord), txn);
    if (stored !== ErrorCode.NONE) return stored;
    const now = this.scheduler.now();
    for (const r of records) replayClassicRecord(this.state, r, now, txn?.producerId);
    return ErrorCode.NONE;
  }

  /**
   * This broker no longer leads these partitions: their groups and offsets
   * are dropped, and members still waiting are answered NOT_COORDINATOR
   * (they find the new coordinator). Not reached on one node.
   */
  unloadPartitions(partitions: readonly number[]): void {
    const gone = new Set(partitions);
    // A load in progress ends here: its later steps replay nothing.
    for (const p of partitions) this.loadingPartitions.delete(p);
    const isGone = (groupId: string) => gone.has(this.store.partitionFor(groupId));
    for (const group of [...this.groups.values()]) {
      if (!isGone(group.groupId)) continue;
      this.unloadGroup(group);
      this.groups.delete(group.groupId);
    }
    // The KIP-848 groups and the offsets of those partitions go too: a later load replays them from the log.
    for (const groupId of this.consumerGroups.groupIds()) if (isGone(groupId)) this.consumerGroups.unload(groupId);
    for (const groupId of this.offsets.groupIds()) if (isGone(groupId)) this.offsets.unload(groupId);
    this.offsets.pending.drop(isGone);
  }

  /** Stops the timers and answers every waiting JoinGroup/SyncGroup with NOT_COORDINATOR (Kafka's unload). */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.retentionTimer?.cancel();
    for (const group of this.groups.values()) this.unloadGroup(group);
    this.consumerGroups.close();
  }

  /** Stops a group's timers and answers its waiting members NOT_COORDINATOR (Kafka's unload). */
  private unloadGroup(group: ClassicGroup): void {
    group.joinTimer?.cancel();
    group.syncTimer?.cancel();
    for (const timer of group.pendingMembers.values()) timer.cancel();
    for (const member of group.members.values()) {
      member.cancelSessionTimer();
      member.completeJoin(joinError(member.memberId, ErrorCode.NOT_COORDINATOR));
      member.completeSync(syncError(ErrorCode.NOT_COORDINATOR));
    }
  }

  /** For tests and tools: the classic group as the coordinator holds it. */
  group(groupId: string): ClassicGroup | undefined {
    return this.groups.get(groupId);
  }

  /** For tests and tools: the group's committed offsets (offsetKey -> offset). */
  offsetsOf(groupId: string): ReadonlyMap<string, CommittedOffset> {
    return this.offsets.of(groupId);
  }

  // ---- validation ----------------------------------------------------------

  /**
   * Kafka's validateGroupStatus. Offset APIs, DescribeGroups and DeleteGroups
   * accept the empty group id (old clients commit under it); the membership
   * APIs do not.
   */
  private validateGroupId(groupId: string | null, allowEmpty: boolean): ErrorCode {
    if (groupId === null || (!allowEmpty && groupId.length === 0)) return ErrorCode.INVALID_GROUP_ID;
    if (this.closed) return ErrorCode.COORDINATOR_NOT_AVAILABLE;
    return ErrorCode.NONE;
  }

  /** The member id must exist; a static member's instance id must map to exactly that member id. */
  private validateCurrentMember(group: ClassicGroup, memberId: string, groupInstanceId: string | null): ErrorCode {
    if (groupInstanceId !== null) {
      const current = group.staticMemberId(groupInstanceId);
      if (current === null) return ErrorCode.UNKNOWN_MEMBER_ID;
      if (current !== memberId) return ErrorCode.FENCED_INSTANCE_ID;
      return ErrorCode.NONE;
    }
    return group.has(memberId) ? ErrorCode.NONE : ErrorCode.UNKNOWN_MEMBER_ID;
  }

  /** FindCoordinator for a group: this broker, once `__consumer_offsets` exists (created on first use, like Kafka). */
  prepareCoordinator(groupId: string): ErrorCode {
    void groupId;
    if (this.closed) return ErrorCode.COORDINATOR_NOT_AVAILABLE;
    return this.store.ensureReady() ? ErrorCode.NONE : ErrorCode.COORDINATOR_NOT_AVAILABLE;
  }

  // ---- JoinGroup -----------------------------------------------------------

  /**
   * JoinGroup. To a consumer group with members, the member joins it as a
   * classic member (ConsumerGroupCoordinator.classicJoin: the server
   * assigns); an empty one gives its id up to the classic group (its
   * records are tombstoned, its offsets stay, as Kafka's
   * maybeDeleteEmptyConsumerGroup).
   */
  joinGroup(p: JoinGroupParams): Promise<JoinGroupResult> {
    if (this.registry.kindOf(p.groupId) === 'consumer') {
      if (!this.consumerGroups.isEmpty(p.groupId)) {
        const invalid = this.validateGroupId(p.groupId, false);
        if (invalid !== ErrorCode.NONE) return Promise.resolve(joinError(p.memberId, invalid));
        if (p.sessionTimeoutMs < this.config.minSessionTimeoutMs || p.sessionTimeoutMs > this.config.maxSessionTimeoutMs) {
          return Promise.resolve(joinError(p.memberId, ErrorCode.INVALID_SESSION_TIMEOUT));
        }
        return Promise.resolve(this.consumerGroups.classicJoin(p));
      }
      const removed = this.consumerGroups.deleteGroup(p.groupId);
      if (removed !== ErrorCode.NONE) return Promise.resolve(joinError(p.memberId, removed));
      this.log?.info({ group: p.groupId }, 'an empty consumer group becomes a classic group');
    }
    return new Promise((resolve) => this.handleJoin(p, resolve));
  }

  private handleJoin(p: JoinGroupParams, respond: (r: JoinGroupResult) => void): void {
    const invalid = this.validateGroupId(p.groupId, false);
    if (invalid !== ErrorCode.NONE) return respond(joinError(p.memberId, invalid));
    if (p.sessionTimeoutMs < this.config.minSessionTimeoutMs || p.sessionTimeoutMs > this.config.maxSessionTimeoutMs) {
      return respond(joinError(p.memberId, ErrorCode.INVALID_SESSION_TIMEOUT));
    }
    const isUnknownMember = p.memberId === '';
    let group = this.groups.get(p.groupId);
    if (!group) {
      if (!isUnknownMember) return respond(joinError(p.memberId, ErrorCode.UNKNOWN_MEMBER_ID));
      group = new ClassicGroup(p.groupId, this.scheduler.now());
      this.groups.set(p.groupId, group);
    }
    if (!this.acceptJoiningMember(group, p.memberId)) {
      this.removeMemberQuietly(group, p.memberId);
      respond(joinError('', ErrorCode.GROUP_MAX_SIZE_REACHED));
    } else if (isUnknownMember) {
      this.doNewMemberJoin(group, p, respond);
    } else {
      this.doCurrentMemberJoin(group, p, respond);
    }
    if (group.is('PreparingRebalance')) this.tryCompleteJoin(group);
    this.forgetIfUnused(group);
  }

  /** Kafka's acceptJoiningMember: group.max.size counts awaiting members while preparing, members otherwise. */
  private acceptJoiningMember(group: ClassicGroup, memberId: string): boolean {
    switch (group.state) {
      case 'Empty':
      case 'Dead':
        return true;
      case 'PreparingRebalance':
        return (group.members.get(memberId)?.isAwaitingJoin ?? false) || group.numAwaitingJoin < this.config.maxGroupSize;
      default:
        return group.has(memberId) || group.size < this.config.maxGroupSize;
    }
  }

  private doNewMemberJoin(group: ClassicGroup, p: JoinGroupParams, respond: (r: JoinGroupResult) => void): void {
    if (group.is('Dead')) return respond(joinError('', ErrorCode.COORDINATOR_NOT_AVAILABLE));
    if (!group.supportsProtocols(p.protocolType, p.protocols)) return respond(joinError('', ErrorCode.INCONSISTENT_GROUP_PROTOCOL));
    const newMemberId = `${p.clientId}-${randomUUID()}`;
    if (p.groupInstanceId !== null) {
      const oldMemberId = group.staticMemberId(p.groupInstanceId);
      if (oldMemberId === null) return this.addMemberAndRebalance(group, newMemberId, p, respond);
      return this.updateStaticMemberAndRebalance(group, oldMemberId, newMemberId, p, respond);
    }
    if (p.requireKnownMemberId) {
      // Two-step join (KIP-394): remember the id; it expires unless the member rejoins with it.
      const timer = this.scheduler.schedule(p.sessionTimeoutMs, () => this.removePendingMember(group, newMemberId));
      group.pendingMembers.set(newMemberId, timer);
      return respond(joinError(newMemberId, ErrorCode.MEMBER_ID_REQUIRED));
    }
    this.addMemberAndRebalance(group, newMemberId, p, respond);
  }

  private doCurrentMemberJoin(group: ClassicGroup, p: JoinGroupParams, respond: (r: JoinGroupResult) => void): void {
    if (group.is('Dead')) return respond(joinError(p.memberId, ErrorCode.COORDINATOR_NOT_AVAILABLE));
    if (!group.supportsProtocols(p.protocolType, p.protocols)) return respond(joinError(p.memberId, ErrorCode.INCONSISTENT_GROUP_PROTOCOL));
    if (group.pendingMembers.has(p.memberId)) {
      // The second step of the two-step join (a pending member is never static).
      return this.addMemberAndRebalance(group, p.memberId, p, respond);
    }
    const memberError = this.validateCurrentMember(group, p.memberId, p.groupInstanceId);
    if (memberError !== ErrorCode.NONE) return respond(joinError(p.memberId, memberError));
    const member = group.members.get(p.memberId);
    if (!member) return respond(joinError(p.memberId, ErrorCode.UNKNOWN_MEMBER_ID));
    switch (group.state) {
      case 'PreparingRebalance':
        return this.updateMemberAndRebalance(group, member, p, respond);
      case 'CompletingRebalance':
        if (member.matches(p.protocols)) {
          // A retry of a JoinGroup whose answer was lost: answer again for the current generation.
          return respond(this.joinResultFor(group, member, group.isLeader(member.memberId)));
        }
        return this.updateMemberAndRebalance(group, member, p, respond);
      case 'Stable':
        // The leader rejoining forces a rebalance (it may have seen topic metadata change);
        // a follower with unchanged metadata just gets the current generation.
        if (group.isLeader(member.memberId) || !member.matches(p.protocols)) {
          return this.updateMemberAndRebalance(group, member, p, respond);
        }
        return respond(this.joinResultFor(group, member, false));
      default:
        // Empty or Dead with a known member: the member must start over.
        return respond(joinError(p.memberId, ErrorCode.UNKNOWN_MEMBER_ID));
    }
  }

  private joinResultFor(group: ClassicGroup, member: ClassicGroupMember, withMembers: boolean): JoinGroupResult {
    return {
      errorCode: ErrorCode.NONE,
      memberId: member.memberId,
      generationId: group.generationId,
      protocolType: group.protocolType,
      protocolName: group.protocolName,
      leaderId: group.leaderId ?? '',
      skipAssignment: false,
      members: withMembers ? this.currentMemberMetadata(group) : [],
    };
  }

  private currentMemberMetadata(group: ClassicGroup): JoinGroupMemberInfo[] {
    const protocol = group.protocolName ?? '';
    return [...group.members.values()].map((m) => ({ memberId: m.memberId, groupInstanceId: m.groupInstanceId, metadata: m.metadataFor(protocol) }));
  }

  /** Parks the member's JoinGroup answer; a superseded one (a client retry) is answered so it never hangs. */
  private awaitJoin(member: ClassicGroupMember, respond: (r: JoinGroupResult) => void): void {
    member.completeJoin(joinError(member.memberId, ErrorCode.REBALANCE_IN_PROGRESS));
    member.awaitingJoin = respond;
  }

  private addMemberAndRebalance(group: ClassicGroup, memberId: string, p: JoinGroupParams, respond: (r: JoinGroupResult) => void): void {
    const member = new ClassicGroupMember(
      memberId,
      p.groupInstanceId,
      p.clientId,
      p.clientHost,
      p.rebalanceTimeoutMs,
      p.sessionTimeoutMs,
      p.protocolType,
      p.protocols,
    );
    member.isNew = true;
    // Only a brand-new group's initial delay is extended by more members arriving.
    if (group.is('PreparingRebalance') && group.generationId === 0) group.newMemberAdded = true;
    group.add(member);
    member.awaitingJoin = respond;
    // A new member cannot heartbeat before it has its JoinGroup answer; drop it if the rebalance takes absurdly long.
    this.scheduleSessionExpiry(group, member, NEW_MEMBER_JOIN_TIMEOUT_MS);
    this.maybePrepareRebalance(group, `adding new member ${memberId}`);
  }

  private updateMemberAndRebalance(group: ClassicGroup, member: ClassicGroupMember, p: JoinGroupParams, respond: (r: JoinGroupResult) => void): void {
    member.protocols = p.protocols;
    member.rebalanceTimeoutMs = p.rebalanceTimeoutMs;
    member.sessionTimeoutMs = p.sessionTimeoutMs;
    this.awaitJoin(member, respond);
    this.maybePrepareRebalance(group, `member ${member.memberId} rejoining`);
  }

  /**
   * A static member rejoined with an unknown member id (it restarted): it
   * takes over its old identity under a new member id, fencing the old one.
   * In a Stable group with an unchanged protocol choice it gets its old
   * assignment back without a rebalance (KIP-345).
   */
  private updateStaticMemberAndRebalance(
    group: ClassicGroup,
    oldMemberId: string,
    newMemberId: string,
    p: JoinGroupParams,
    respond: (r: JoinGroupResult) => void,
  ): void {
    const instanceId = p.groupInstanceId as string;
    const existing = group.members.get(oldMemberId);
    if (!existing) return respond(joinError('', ErrorCode.UNKNOWN_MEMBER_ID));
    // The old process's parked requests are answered first, as Kafka's replaceStaticMember does.
    existing.completeJoin(joinError(oldMemberId, ErrorCode.FENCED_INSTANCE_ID));
    existing.completeSync(syncError(ErrorCode.FENCED_INSTANCE_ID));
    if (group.is('Stable') && group.selectProtocol({ memberId: oldMemberId, protocols: p.protocols }) === group.protocolName) {
      return this.replaceStableStaticMember(group, existing, newMemberId, p, respond);
    }
    // A rebalance is running or must start: the new member id is part of the generation being formed (not durable yet).
    const member = group.replaceStaticMember(instanceId, oldMemberId, newMemberId);
    this.scheduleSessionExpiry(group, member);
    member.protocols = p.protocols;
    member.rebalanceTimeoutMs = p.rebalanceTimeoutMs;
    member.sessionTimeoutMs = p.sessionTimeoutMs;
    // The new process may differ in client id and host (as Kafka's new coordinator records).
    member.clientId = p.clientId;
    member.clientHost = p.clientHost;
    member.awaitingJoin = respond;
    switch (group.state) {
      case 'Stable':
        return this.maybePrepareRebalance(group, `static member ${instanceId} rejoined with a protocol change`);
      case 'CompletingRebalance':
        return this.maybePrepareRebalance(group, `static member ${instanceId} rejoined during CompletingRebalance`);
      default:
        // PreparingRebalance: answered when the others have rejoined.
        return;
    }
  }

  /**
   * A static member restarted into a Stable group whose protocol choice it
   * does not change: the group's record with the new member id is written,
   * and once stored the member has its old assignment back (KIP-345).
   */
  private replaceStableStaticMember(
    group: ClassicGroup,
    member: ClassicGroupMember,
    newMemberId: string,
    p: JoinGroupParams,
    respond: (r: JoinGroupResult) => void,
  ): void {
    const oldMemberId = member.memberId;
    const currentLeader = group.leaderId ?? '';
    const protocol = group.protocolName ?? '';
    const record = groupMetadataRecord(group, {
      stateTimestamp: group.stateTimestamp,
      leader: group.isLeader(oldMemberId) ? newMemberId : group.leaderId,
      member: (m) =>
        m.memberId !== oldMemberId
          ? m
          : {
              ...m,
              memberId: newMemberId,
              clientId: p.clientId,
              clientHost: p.clientHost,
              rebalanceTimeoutMs: p.rebalanceTimeoutMs,
              sessionTimeoutMs: p.sessionTimeoutMs,
              subscription: p.protocols.find((x) => x.name === protocol)?.metadata ?? EMPTY_BYTES,
            },
    });
    const stored = groupStoreError(this.write(group.groupId, [record]));
    if (stored !== ErrorCode.NONE) {
      // Nothing changed: the old member id stays the member's.
      return respond({ ...joinError('', stored), generationId: group.generationId, protocolType: group.protocolType, protocolName: group.protocolName, leaderId: currentLeader });
    }
    // The replay moved the member to its new id; the protocols it offers beyond the chosen one are not durable.
    member.protocols = p.protocols;
    this.scheduleSessionExpiry(group, member);
    if (p.supportSkipAssignment) {
      // v9+: the leader learns it leads, with the members, but must not reassign (KIP-814).
      const isLeader = group.isLeader(newMemberId);
      respond({ ...this.joinResultFor(group, member, isLeader), skipAssignment: isLeader });
    } else {
      // Older clients: answer with the old leader id, so a rejoining leader does not
      // think it leads and compute an assignment a Stable group would never send out.
      respond({ ...this.joinResultFor(group, member, false), leaderId: currentLeader });
    }
  }

  private maybePrepareRebalance(group: ClassicGroup, reason: string): void {
    if (group.is('Stable') || group.is('CompletingRebalance') || group.is('Empty')) this.prepareRebalance(group, reason);
  }

  private prepareRebalance(group: ClassicGroup, reason: string): void {
    // Members waiting for their assignment must rejoin instead.
    if (group.is('CompletingRebalance')) this.resetAndPropagateAssignmentError(group, ErrorCode.REBALANCE_IN_PROGRESS);
    group.syncTimer?.cancel();
    group.syncTimer = null;
    group.joinTimer?.cancel();
    group.joinTimer = null;
    const wasEmpty = group.is('Empty');
    group.transitionTo('PreparingRebalance', this.scheduler.now());
    this.log?.info({ group: group.groupId, generation: group.generationId, reason }, 'preparing to rebalance group');
    if (wasEmpty) {
      const delay = this.config.initialRebalanceDelayMs;
      this.armInitialDelayedJoin(group, delay, Math.max(group.rebalanceTimeoutMs - delay, 0));
    } else {
      group.joinTimer = this.scheduler.schedule(group.rebalanceTimeoutMs, () => {
        group.joinTimer = null;
        this.completeJoin(group);
      });
      // Kafka's tryCompleteElseWatch: done at once if everyone is already waiting (or nobody is left).
      this.tryCompleteJoin(group);
    }
  }

  /**
   * group.initial.rebalance.delay.ms: a new group waits for more members
   * before the first generation, extending by another delay (up to the
   * rebalance timeout) whenever a new member arrived meanwhile.
   */
  private armInitialDelayedJoin(group: ClassicGroup, delayMs: number, remainingMs: number): void {
    group.inInitialDelay = true;
    group.joinTimer = this.scheduler.schedule(delayMs, () => {
      group.joinTimer = null;
      if (group.newMemberAdded && remainingMs !== 0) {
        group.newMemberAdded = false;
        const delay = Math.min(this.config.initialRebalanceDelayMs, remainingMs);
        this.armInitialDelayedJoin(group, delay, Math.max(remainingMs - delayMs, 0));
      } else {
        group.inInitialDelay = false;
        this.completeJoin(group);
      }
    });
  }

  /** Ends the join phase early once every member (and no pending one) has rejoined. */
  private tryCompleteJoin(group: ClassicGroup): void {
    if (group.is('PreparingRebalance') && !group.inInitialDelay && group.hasAllMembersJoined()) this.completeJoin(group);
  }

  /** Kafka's onCompleteJoin: drop members that did not rejoin, start the next generation, answer the JoinGroups. */
  private completeJoin(group: ClassicGroup): void {
    if (!group.is('PreparingRebalance')) return;
    group.joinTimer?.cancel();
    group.joinTimer = null;
    group.inInitialDelay = false;
    group.newMemberAdded = false;
    for (const member of group.notYetRejoinedMembers()) {
      // Static members keep their place: they may come back with their instance id.
      if (!member.isStatic) group.remove(member.memberId);
    }
    if (!group.maybeElectNewJoinedLeader() && group.size > 0) {
      // Nobody rejoined: wait another rebalance timeout, until session timeouts remove the absent static members.
      group.joinTimer = this.scheduler.schedule(group.rebalanceTimeoutMs, () => {
        group.joinTimer = null;
        this.completeJoin(group);
      });
      return;
    }
    if (group.size === 0) {
      // Everybody left: the next generation is an Empty group, written and then replayed.
      const now = this.scheduler.now();
      const record = groupMetadataRecord(group, { generation: group.generationId + 1, protocol: null, leader: null, stateTimestamp: now });
      const stored = this.write(group.groupId, [record]);
      if (stored !== ErrorCode.NONE) {
        // Nothing changed: the group stays PreparingRebalance (a member may still join it) and tries again later.
        this.log?.warn({ group: group.groupId, errorCode: stored }, 'failed to store empty group metadata, retrying');
        group.joinTimer = this.scheduler.schedule(Math.max(group.rebalanceTimeoutMs, EMPTY_GROUP_STORE_RETRY_MS), () => {
          group.joinTimer = null;
          this.completeJoin(group);
        });
        return;
      }
      this.log?.info({ group: group.groupId, generation: group.generationId }, 'group is now empty');
      return;
    }
    this.initNextGeneration(group);
    this.log?.info({ group: group.groupId, generation: group.generationId, members: group.size, protocol: group.protocolName }, 'stabilized group');
    for (const member of group.members.values()) {
      member.completeJoin(this.joinResultFor(group, member, group.isLeader(member.memberId)));
      this.scheduleSessionExpiry(group, member);
      member.isNew = false;
      group.pendingSyncMembers.add(member.memberId);
    }
    this.schedulePendingSync(group);
  }

  private initNextGeneration(group: ClassicGroup): void {
    const now = this.scheduler.now();
    group.generationId++;
    if (group.size > 0) {
      group.protocolName = group.selectProtocol();
      group.transitionTo('CompletingRebalance', now);
    } else {
      group.protocolName = null;
      group.transitionTo('Empty', now);
    }
    group.pendingSyncMembers.clear();
  }

  /** Members that do not send SyncGroup within the rebalance timeout are removed (KIP-814's pending sync). */
  private schedulePendingSync(group: ClassicGroup): void {
    group.syncTimer?.cancel();
    const generation = group.generationId;
    group.syncTimer = this.scheduler.schedule(group.rebalanceTimeoutMs, () => {
      group.syncTimer = null;
      if (generation !== group.generationId) return;
      if (!group.is('CompletingRebalance') && !group.is('Stable')) return;
      const missing = [...group.pendingSyncMembers];
      if (missing.length === 0) return;
      this.log?.info({ group: group.groupId, members: missing }, 'removing members that did not send SyncGroup');
      for (const memberId of missing) {
        const member = group.members.get(memberId);
        if (member) this.removeMemberAndUpdateGroup(group, member, 'pending sync expired');
      }
      this.maybePrepareRebalance(group, 'members did not sync in time');
    });
  }

  private removePendingSyncMember(group: ClassicGroup, memberId: string): void {
    group.pendingSyncMembers.delete(memberId);
    if (group.pendingSyncMembers.size === 0) {
      group.syncTimer?.cancel();
      group.syncTimer = null;
    }
  }

  // ---- SyncGroup -----------------------------------------------------------

  /** SyncGroup; a classic member of a consumer group gets the partitions the server assigned it. */
  syncGroup(p: SyncGroupParams): Promise<SyncGroupResult> {
    if (this.registry.kindOf(p.groupId) === 'consumer') {
      const invalid = this.validateGroupId(p.groupId, false);
      if (invalid !== ErrorCode.NONE) return Promise.resolve(syncError(invalid));
      return Promise.resolve(this.consumerGroups.classicSync(p));
    }
    return new Promise((resolve) => this.handleSync(p, resolve));
  }

  private handleSync(p: SyncGroupParams, respond: (r: SyncGroupResult) => void): void {
    const invalid = this.validateGroupId(p.groupId, false);
    if (invalid !== ErrorCode.NONE) return respond(syncError(invalid));
    const group = this.groups.get(p.groupId);
    if (!group) return respond(syncError(ErrorCode.UNKNOWN_MEMBER_ID));
    if (group.is('Dead')) return respond(syncError(ErrorCode.COORDINATOR_NOT_AVAILABLE));
    const memberError = this.validateCurrentMember(group, p.memberId, p.groupInstanceId);
    if (memberError !== ErrorCode.NONE) return respond(syncError(memberError));
    if (p.generationId !== group.generationId) return respond(syncError(ErrorCode.ILLEGAL_GENERATION));
    if (p.protocolType !== null && group.protocolType !== p.protocolType) return respond(syncError(ErrorCode.INCONSISTENT_GROUP_PROTOCOL));
    if (p.protocolName !== null && group.protocolName !== p.protocolName) return respond(syncError(ErrorCode.INCONSISTENT_GROUP_PROTOCOL));
    const member = group.members.get(p.memberId);
    if (!member) return respond(syncError(ErrorCode.UNKNOWN_MEMBER_ID));

    switch (group.state) {
      case 'Empty':
        return respond(syncError(ErrorCode.UNKNOWN_MEMBER_ID));
      case 'PreparingRebalance':
        return respond(syncError(ErrorCode.REBALANCE_IN_PROGRESS));
      case 'CompletingRebalance': {
        member.completeSync(syncError(ErrorCode.REBALANCE_IN_PROGRESS));
        member.awaitingSync = respond;
        this.removePendingSyncMember(group, member.memberId);
        if (!group.isLeader(member.memberId)) return;
        // The leader's assignment (members it left out get an empty one) is
        // written; its replay makes the group Stable with it.
        this.log?.info({ group: group.groupId, generation: group.generationId, members: group.size }, 'assignment received from leader');
        const record = groupMetadataRecord(group, {
          stateTimestamp: this.scheduler.now(),
          member: (m) => ({ ...m, assignment: p.assignments.get(m.memberId) ?? EMPTY_BYTES }),
        });
        const stored = groupStoreError(this.write(group.groupId, [record]));
        if (stored !== ErrorCode.NONE) {
          this.resetAndPropagateAssignmentError(group, stored);
          this.maybePrepareRebalance(group, 'failed to store the group assignment');
          return;
        }
        this.propagateAssignment(group, ErrorCode.NONE);
        return;
      }
      case 'Stable':
        this.removePendingSyncMember(group, member.memberId);
        respond({ errorCode: ErrorCode.NONE, protocolType: group.protocolType, protocolName: group.protocolName, assignment: member.assignment });
        this.scheduleSessionExpiry(group, member);
        return;
      default:
        return respond(syncError(ErrorCode.COORDINATOR_NOT_AVAILABLE));
    }
  }

  private propagateAssignment(group: ClassicGroup, errorCode: ErrorCode): void {
    const ok = errorCode === ErrorCode.NONE;
    for (const member of group.members.values()) {
      const answered = member.completeSync({
        errorCode,
        protocolType: ok ? group.protocolType : null,
        protocolName: ok ? group.protocolName : null,
        assignment: member.assignment,
      });
      // The session clock restarts once the member has its assignment.
      if (answered) this.scheduleSessionExpiry(group, member);
    }
  }

  private resetAndPropagateAssignmentError(group: ClassicGroup, errorCode: ErrorCode): void {
    for (const member of group.members.values()) member.assignment = EMPTY_BYTES;
    this.propagateAssignment(group, errorCode);
  }

  // ---- Heartbeat and sessions ----------------------------------------------

  /** Heartbeat; a classic member of a consumer group is told REBALANCE_IN_PROGRESS when it must rejoin. */
  heartbeat(p: HeartbeatParams): ErrorCode {
    const invalid = this.validateGroupId(p.groupId, false);
    if (invalid !== ErrorCode.NONE) return invalid;
    if (this.registry.kindOf(p.groupId) === 'consumer') return this.consumerGroups.classicHeartbeat(p);
    const group = this.groups.get(p.groupId);
    if (!group) return ErrorCode.UNKNOWN_MEMBER_ID;
    if (group.is('Dead')) return ErrorCode.COORDINATOR_NOT_AVAILABLE;
    const memberError = this.validateCurrentMember(group, p.memberId, p.groupInstanceId);
    if (memberError !== ErrorCode.NONE) return memberError;
    if (p.generationId !== group.generationId) return ErrorCode.ILLEGAL_GENERATION;
    const member = group.members.get(p.memberId);
    if (!member || group.is('Empty')) return ErrorCode.UNKNOWN_MEMBER_ID;
    this.scheduleSessionExpiry(group, member);
    // The heartbeat is how members learn a rebalance started.
    return group.is('PreparingRebalance') ? ErrorCode.REBALANCE_IN_PROGRESS : ErrorCode.NONE;
  }

  private scheduleSessionExpiry(group: ClassicGroup, member: ClassicGroupMember, timeoutMs = member.sessionTimeoutMs): void {
    member.cancelSessionTimer();
    member.sessionTimer = this.scheduler.schedule(timeoutMs, () => {
      member.sessionTimer = null;
      this.onSessionExpired(group, member);
    });
  }

  private onSessionExpired(group: ClassicGroup, member: ClassicGroupMember): void {
    if (group.is('Dead') || group.members.get(member.memberId) !== member) return;
    // A member waiting in JoinGroup/SyncGroup is alive (its request is parked); the
    // rebalance and sync timeouts deal with it. A new member's wait is bounded.
    if (!member.isNew && (member.isAwaitingJoin || member.isAwaitingSync)) return;
    this.log?.info({ group: group.groupId, member: member.memberId }, 'member session expired, removing it from the group');
    this.removeMemberAndUpdateGroup(group, member, 'session timeout');
  }

  private removeMemberAndUpdateGroup(group: ClassicGroup, member: ClassicGroupMember, reason: string): void {
    // A parked JoinGroup gets UNKNOWN_MEMBER_ID so a live client simply joins again.
    member.completeJoin(joinError('', ErrorCode.UNKNOWN_MEMBER_ID));
    member.completeSync(syncError(ErrorCode.UNKNOWN_MEMBER_ID));
    group.remove(member.memberId);
    switch (group.state) {
      case 'Stable':
      case 'CompletingRebalance':
        this.maybePrepareRebalance(group, `removing member ${member.memberId}: ${reason}`);
        break;
      case 'PreparingRebalance':
        this.tryCompleteJoin(group);
        break;
      default:
        break;
    }
  }

  private removePendingMember(group: ClassicGroup, memberId: string): void {
    group.remove(memberId);
    if (group.is('PreparingRebalance')) this.tryCompleteJoin(group);
    this.forgetIfUnused(group);
  }

  /** Drops a member without rebalancing (the JoinGroup that was refused for group.max.size). */
  private removeMemberQuietly(group: ClassicGroup, memberId: string): void {
    const member = group.members.get(memberId);
    if (member) this.removeMemberAndUpdateGroup(group, member, 'group is full');
    else group.remove(memberId);
  }

  // ---- LeaveGroup ----------------------------------------------------------

  /** LeaveGroup; classic members of a consumer group leave it (the group epoch is bumped). */
  leaveGroup(groupId: string, leaving: readonly LeavingMember[]): LeaveGroupResult {
    const invalid = this.validateGroupId(groupId, false);
    if (invalid !== ErrorCode.NONE) return { errorCode: invalid, members: [] };
    if (this.registry.kindOf(groupId) === 'consumer') return this.consumerGroups.classicLeave(groupId, leaving);
    const group = this.groups.get(groupId);
    const result = (m: LeavingMember, errorCode: ErrorCode) => ({ memberId: m.memberId, groupInstanceId: m.groupInstanceId, errorCode });
    if (!group) return { errorCode: ErrorCode.NONE, members: leaving.map((m) => result(m, ErrorCode.UNKNOWN_MEMBER_ID)) };
    if (group.is('Dead')) return { errorCode: ErrorCode.COORDINATOR_NOT_AVAILABLE, members: [] };
    const members = leaving.map((m) => {
      if (m.memberId === '') {
        // Administrative removal by instance id (kafka-consumer-groups --remove-members).
        const current = m.groupInstanceId === null ? null : group.staticMemberId(m.groupInstanceId);
        const member = current === null ? undefined : group.members.get(current);
        if (!member) return result(m, ErrorCode.UNKNOWN_MEMBER_ID);
        this.removeMemberAndUpdateGroup(group, member, `LeaveGroup (${m.reason ?? 'no reason given'})`);
        return result(m, ErrorCode.NONE);
      }
      if (group.pendingMembers.has(m.memberId)) {
        this.removePendingMember(group, m.memberId);
        return result(m, ErrorCode.NONE);
      }
      const memberError = this.validateCurrentMember(group, m.memberId, m.groupInstanceId);
      const member = group.members.get(m.memberId);
      if (memberError !== ErrorCode.NONE || !member) return result(m, memberError === ErrorCode.NONE ? ErrorCode.UNKNOWN_MEMBER_ID : memberError);
      this.log?.info({ group: groupId, member: m.memberId, reason: m.reason }, 'member left the group');
      this.removeMemberAndUpdateGroup(group, member, `LeaveGroup (${m.reason ?? 'no reason given'})`);
      return result(m, ErrorCode.NONE);
    });
    return { errorCode: ErrorCode.NONE, members };
  }

  // ---- Offsets -------------------------------------------------------------

  /**
   * OffsetCommit, to a group of either kind: a consumer group checks the
   * member and its epoch (KIP-848), a classic group the member and its
   * generation. Per partition error codes, in request order.
   */
  commitOffsets(p: OffsetCommitParams): ErrorCode[] {
    const all = (code: ErrorCode) => p.partitions.map(() => code);
    const invalid = this.validateGroupId(p.groupId, true);
    if (invalid !== ErrorCode.NONE) return all(invalid);
    if (this.registry.kindOf(p.groupId) === 'consumer') {
      const memberError = this.consumerGroups.validateOffsetCommit(p.groupId, p.memberId, p.generationId, p.apiVersion ?? 9);
      if (memberError !== ErrorCode.NONE) return all(memberError);
      return this.storeOffsets(p.groupId, p);
    }
    let group = this.groups.get(p.groupId);
    if (!group) {
      // No group: only a client managing its own assignment (no generation) may commit;
      // v9+ says so with GROUP_ID_NOT_FOUND, older versions with ILLEGAL_GENERATION (as Kafka 4.0).
      if (p.generationId >= 0) return all((p.apiVersion ?? 0) >= 9 ? ErrorCode.GROUP_ID_NOT_FOUND : ErrorCode.ILLEGAL_GENERATION);
      // Validated against an empty group; the commit's replay creates the group.
      group = new ClassicGroup(p.groupId, this.scheduler.now());
    }
    const validation = this.validateOffsetCommit(group, p);
    if (validation !== ErrorCode.NONE) return all(validation);
    switch (group.state) {
      case 'Empty':
        break;
      case 'Stable':
      case 'PreparingRebalance': {
        // Commits are allowed while preparing: the heartbeat tells the member about the rebalance.
        const member = group.members.get(p.memberId);
        if (member) this.scheduleSessionExpiry(group, member);
        break;
      }
      case 'CompletingRebalance':
        // The member has the new generation but not its assignment yet: it must finish the rebalance first.
        return all(ErrorCode.REBALANCE_IN_PROGRESS);
      default:
        return all(ErrorCode.COORDINATOR_NOT_AVAILABLE);
    }
    return this.storeOffsets(group.groupId, p);
  }

  private validateOffsetCommit(group: ClassicGroup, p: OffsetCommitParams): ErrorCode {
    if (group.is('Dead')) return ErrorCode.COORDINATOR_NOT_AVAILABLE;
    if (p.generationId >= 0 || p.memberId !== '' || p.groupInstanceId !== null) {
      const memberError = this.validateCurrentMember(group, p.memberId, p.groupInstanceId);
      if (memberError !== ErrorCode.NONE) return memberError;
      return p.generationId === group.generationId ? ErrorCode.NONE : ErrorCode.ILLEGAL_GENERATION;
    }
    // Anonymous commits only while nobody is a member.
    return group.is('Empty') ? ErrorCode.NONE : ErrorCode.UNKNOWN_MEMBER_ID;
  }

  private storeOffsets(groupId: string, p: OffsetCommitParams): ErrorCode[] {
    const now = this.scheduler.now();
    return this.writeOffsets(groupId, {
      partitions: p.partitions,
      valueFor: (part, metadata) => ({
        offset: part.offset,
        leaderEpoch: part.leaderEpoch,
        metadata,
        commitTimestamp: part.commitTimestamp === -1 ? now : part.commitTimestamp,
        expireTimestamp: p.retentionTimeMs === -1 ? -1 : now + p.retentionTimeMs,
      }),
    });
  }

  /**
   * Writes one commit's offsets to the store as one batch (Kafka's
   * storeOffsets). A partition whose metadata is too long gets
   * OFFSET_METADATA_TOO_LARGE and is left out; if the append fails, every
   * other partition gets the append's error. Once stored, the replay sets
   * the offsets (or, in a transaction, holds them pending). Per partition
   * error codes, in request order.
   */
  private writeOffsets(groupId: string, commit: OffsetsWrite): ErrorCode[] {
    const errors: ErrorCode[] = [];
    const records: ClassicGroupRecord[] = [];
    for (const part of commit.partitions) {
      const metadata = part.metadata ?? '';
      if (metadata.length > this.config.offsetMetadataMaxBytes) {
        errors.push(ErrorCode.OFFSET_METADATA_TOO_LARGE);
        continue;
      }
      errors.push(ErrorCode.NONE);
      records.push(offsetRecord(groupId, part.topic, part.partition, commit.valueFor(part, metadata)));
    }
    const stored = offsetStoreError(this.write(groupId, records, commit.transactionalWriter));
    if (stored !== ErrorCode.NONE) return errors.map((e) => (e === ErrorCode.NONE ? stored : e));
    return errors;
  }

  /**
   * `topics` null = every committed offset of the group. `requireStable`
   * (OffsetFetch v7+): a partition with an offset pending in an open
   * transaction answers UNSTABLE_OFFSET_COMMIT, so the consumer waits.
   * `member` (OffsetFetch v9+): a consumer group's member must fetch with
   * its current epoch (classic groups are not checked, as in Kafka).
   */
  fetchOffsets(
    groupId: string,
    topics: readonly { name: string; partitions: readonly number[] }[] | null,
    requireStable = false,
    member: { memberId: string | null; memberEpoch: number } | null = null,
  ): OffsetFetchResult {
    const invalid = this.validateGroupId(groupId, true);
    if (invalid !== ErrorCode.NONE) return { errorCode: invalid, topics: [] };
    if (member !== null) {
      const memberError = this.consumerGroups.validateOffsetFetch(groupId, member.memberId, member.memberEpoch);
      if (memberError !== ErrorCode.NONE) return { errorCode: memberError, topics: [] };
    }
    const offsets = this.offsets.of(groupId);
    const lookup = (topic: string, partition: number): FetchedOffset => {
      if (requireStable && this.offsets.pending.isPending(groupId, offsetKey(topic, partition))) {
        return { partition, offset: -1n, leaderEpoch: -1, metadata: '', errorCode: ErrorCode.UNSTABLE_OFFSET_COMMIT };
      }
      const c = offsets.get(offsetKey(topic, partition));
      if (!c) return { partition, offset: -1n, leaderEpoch: -1, metadata: '', errorCode: ErrorCode.NONE };
      return { partition, offset: c.offset, leaderEpoch: c.leaderEpoch, metadata: c.metadata, errorCode: ErrorCode.NONE };
    };
    if (topics !== null) {
      return { errorCode: ErrorCode.NONE, topics: topics.map((t) => ({ name: t.name, partitions: t.partitions.map((p) => lookup(t.name, p)) })) };
    }
    const byTopic = new Map<string, FetchedOffset[]>();
    for (const key of offsets.keys()) {
      const { topic, partition } = parseOffsetKey(key);
      let list = byTopic.get(topic);
      if (!list) byTopic.set(topic, (list = []));
      list.push(lookup(topic, partition));
    }
    return { errorCode: ErrorCode.NONE, topics: [...byTopic].map(([name, partitions]) => ({ name, partitions: partitions.sort((a, b) => a.partition - b.partition) })) };
  }

  // ---- Transactional offsets -----------------------------------------------

  /**
   * TxnOffsetCommit (Kafka's handleTxnCommitOffsets): the offsets are
   * written now as the producer's transactional batch and kept pending
   * until `completeTransaction`. A v3+ producer that names its member and
   * generation (or member epoch, in a consumer group) is checked against
   * the group. Per partition error codes, in request order.
   */
  commitTransactionalOffsets(p: TxnOffsetCommitParams): ErrorCode[] {
    const all = (code: ErrorCode) => p.partitions.map(() => code);
    const invalid = this.validateGroupId(p.groupId, false);
    if (invalid !== ErrorCode.NONE) return all(invalid);
    const namesMember = p.memberId !== '' || p.generationId >= 0 || p.groupInstanceId !== null;
    if (this.registry.kindOf(p.groupId) === 'consumer') {
      if (namesMember) {
        const memberError = this.consumerGroups.validateOffsetCommit(p.groupId, p.memberId, p.generationId, 0, true);
        if (memberError !== ErrorCode.NONE) return all(memberError);
      }
    } else {
      // Like Kafka: a producer may commit for a group nobody has joined yet (the
      // offsets are pending; the transaction's commit creates the group).
      const group = this.groups.get(p.groupId) ?? new ClassicGroup(p.groupId, this.scheduler.now());
      if (group.is('Dead')) return all(ErrorCode.COORDINATOR_NOT_AVAILABLE);
      if (namesMember) {
        const memberError = this.validateCurrentMember(group, p.memberId, p.groupInstanceId);
        if (memberError !== ErrorCode.NONE) return all(memberError);
        if (p.generationId >= 0 && p.generationId !== group.generationId) return all(ErrorCode.ILLEGAL_GENERATION);
      }
    }
    const now = this.scheduler.now();
    return this.writeOffsets(p.groupId, {
      partitions: p.partitions,
      valueFor: (part, metadata) => ({ offset: part.offset, leaderEpoch: part.leaderEpoch, metadata, commitTimestamp: now, expireTimestamp: -1 }),
      transactionalWriter: { producerId: p.producerId, producerEpoch: p.producerEpoch },
    });
  }

  /**
   * The producer's transaction marker was written to `__consumer_offsets`:
   * its pending offsets become committed offsets (COMMIT) or are dropped.
   */
  completeTransaction(producerId: number, commit: boolean): void {
    // A partition still loading replays the marker itself when its replay reaches it (the marker is in its log).
    const loadedGroup = this.loadingPartitions.size === 0 ? undefined : (groupId: string) => !this.inLoadingPartition(groupId);
    replayTransactionMarker(this.state, producerId, commit, this.scheduler.now(), loadedGroup);
  }

  /**
   * OffsetDelete: removes committed offsets of topics the group does not
   * consume. Per partition error codes, in request order: a topic the
   * group's members subscribe to answers GROUP_SUBSCRIBED_TO_TOPIC.
   */
  deleteOffsets(groupId: string, partitions: readonly { topic: string; partition: number }[]): OffsetDeleteResult {
    const fail = (errorCode: ErrorCode): OffsetDeleteResult => ({ errorCode, partitionErrors: [] });
    const invalid = this.validateGroupId(groupId, false);
    if (invalid !== ErrorCode.NONE) return fail(invalid);
    let subscribed: ReadonlySet<string> | null = null;
    if (this.registry.kindOf(groupId) === 'consumer') {
      subscribed = this.consumerGroups.subscribedTopics(groupId);
    } else {
      const group = this.groups.get(groupId);
      if (!group || group.is('Dead')) return fail(ErrorCode.GROUP_ID_NOT_FOUND);
      if (!group.is('Empty')) {
        if (group.protocolType !== CONSUMER_PROTOCOL_TYPE) return fail(ErrorCode.NON_EMPTY_GROUP);
        subscribed = group.subscribedTopics() ?? new Set();
      }
    }
    const partitionErrors = partitions.map((p) => (subscribed?.has(p.topic) ? ErrorCode.GROUP_SUBSCRIBED_TO_TOPIC : ErrorCode.NONE));
    const keys = partitions.filter((_, i) => partitionErrors[i] === ErrorCode.NONE).map((p) => offsetKey(p.topic, p.partition));
    this.removeOffsets(groupId, keys);
    return { errorCode: ErrorCode.NONE, partitionErrors };
  }

  /**
   * Writes tombstones for the offsets (the replay forgets them), and (like
   * Kafka's cleanupGroupMetadata) tombstones an Empty classic group left
   * with no offsets, which the replay makes Dead.
   */
  private removeOffsets(groupId: string, keys: readonly string[]): void {
    const offsets = this.offsets.of(groupId);
    const present = keys.filter((k) => offsets.has(k));
    const records: ClassicGroupRecord[] = present.map((k) => {
      const { topic, partition } = parseOffsetKey(k);
      return offsetRecord(groupId, topic, partition, null);
    });
    const group = this.groups.get(groupId);
    const becomesDead = group !== undefined && group.is('Empty') && offsets.size === present.length && group.pendingMembers.size === 0;
    if (becomesDead) records.push(groupTombstone(groupId));
    const stored = this.write(groupId, records);
    if (stored !== ErrorCode.NONE) this.log?.warn({ group: groupId, errorCode: stored }, 'failed to write offset tombstones');
  }

  /** Kafka's offsets retention (KIP-211): run every offsets.retention.check.interval.ms. */
  expireOffsets(): void {
    const now = this.scheduler.now();
    const retention = this.config.offsetsRetentionMs;
    for (const groupId of new Set([...this.offsets.groupIds(), ...this.groups.keys()])) {
      // Half loaded: not whole yet, and its partition takes no writes until loaded.
      if (this.inLoadingPartition(groupId)) continue;
      const group = this.groups.get(groupId);
      // By commit time, keeping the topics `keep` (a simple group, a group of bare offsets, a consumer group).
      let base: ((c: CommittedOffset) => number) | null = (c) => c.commitTimestamp;
      let keep: ReadonlySet<string> = new Set<string>();
      if (this.registry.kindOf(groupId) === 'consumer') {
        // Kafka's OffsetMetadataManager keeps the offsets of the topics a consumer group subscribes to.
        keep = this.consumerGroups.subscribedTopics(groupId);
      } else if (group !== undefined && group.protocolType !== null) {
        if (group.is('Empty')) {
          // Nobody consumes: offsets expire a retention period after the group became empty.
          const emptySince = group.stateTimestamp;
          base = (c) => emptySince ?? c.commitTimestamp;
        } else if (group.protocolType === CONSUMER_PROTOCOL_TYPE && group.is('Stable')) {
          // Consumers exist: only offsets of topics nobody subscribes to expire, by commit time.
          const subscribed = group.subscribedTopics();
          if (subscribed === null) base = null;
          else keep = subscribed;
        } else {
          base = null;
        }
      }
      if (base === null) continue;
      const expired: string[] = [];
      for (const [key, c] of this.offsets.of(groupId)) {
        if (keep.has(parseOffsetKey(key).topic)) continue;
        const isExpired = c.expireTimestamp !== -1 ? now >= c.expireTimestamp : now - base(c) >= retention;
        if (isExpired) expired.push(key);
      }
      if (expired.length > 0) this.log?.info({ group: groupId, partitions: expired.length }, 'expiring committed offsets');
      // An Empty group left without offsets is removed too (tombstoned).
      if (expired.length > 0 || group?.is('Empty')) this.removeOffsets(groupId, expired);
    }
    // Kafka's cleanupGroupMetadata: an empty consumer group whose offsets are all gone is deleted.
    for (const groupId of this.consumerGroups.emptyGroupIds()) {
      if (this.offsets.has(groupId)) continue;
      this.log?.info({ group: groupId }, 'deleting an empty consumer group with no offsets left');
      this.consumerGroups.deleteGroup(groupId);
    }
  }

  private scheduleRetentionCheck(): void {
    if (this.closed) return;
    this.retentionTimer = this.scheduler.schedule(this.config.offsetsRetentionCheckIntervalMs, () => {
      try {
        this.expireOffsets();
      } catch (err) {
        this.log?.error({ err }, 'offsets retention check failed');
      }
      this.scheduleRetentionCheck();
    });
  }

  // ---- ConsumerGroupHeartbeat (KIP-848) ----------------------------------------

  /**
   * A consumer-protocol member's heartbeat. The group id must be a consumer
   * group's, or free: an Empty classic group gives its id up (its metadata
   * is tombstoned, its offsets stay, as Kafka's maybeDeleteEmptyClassicGroup);
   * a classic group with members is upgraded by a joining member when
   * `group.consumer.migration.policy` allows (Kafka's validateOnlineUpgrade:
   * the consumer protocol type, at most group.consumer.max.size members,
   * readable subscriptions), else GROUP_ID_NOT_FOUND.
   */
  consumerGroupHeartbeat(p: ConsumerGroupHeartbeatParams): ConsumerGroupHeartbeatResult {
    const refuse = heartbeatError;
    if (this.closed) return refuse(ErrorCode.COORDINATOR_NOT_AVAILABLE, 'The coordinator is not available.');
    const classic = this.groups.get(p.groupId);
    // A simple group (bare offsets) is no group to a member that is not joining: it is told to rejoin, as for no group.
    const holdsId = classic !== undefined && (p.memberEpoch === 0 || !isSimpleClassicGroup(classic));
    if (classic !== undefined && holdsId && p.groupId.trim().length > 0) {
      const joining = p.memberEpoch === 0;
      if (joining && classic.size > 0) {
        const upgrade = this.prepareUpgrade(classic);
        if (typeof upgrade === 'string') return refuse(ErrorCode.GROUP_ID_NOT_FOUND, upgrade);
        return this.consumerGroups.heartbeat(p, upgrade);
      }
      if (!joining || !(classic.is('Empty') && classic.size === 0 && classic.pendingMembers.size === 0)) {
        return refuse(ErrorCode.GROUP_ID_NOT_FOUND, `Group ${p.groupId} is not a consumer group.`);
      }
      const stored = groupStoreError(this.write(p.groupId, [groupTombstone(p.groupId)]));
      if (stored !== ErrorCode.NONE) return refuse(stored, 'The coordinator could not write the group state.');
      this.log?.info({ group: p.groupId }, 'an empty classic group becomes a consumer group');
    }
    return this.consumerGroups.heartbeat(p);
  }

  /**
   * The online upgrade of a classic group with members, or why not (the
   * answer's message): the classic group's tombstone and its members as
   * consumer group members; once the batch is stored the classic group is
   * gone and its members' parked JoinGroup/SyncGroup are answered
   * REBALANCE_IN_PROGRESS, so they rejoin the consumer group.
   */
  private prepareUpgrade(classic: ClassicGroup): ClassicUpgrade | string {
    const groupId = classic.groupId;
    const notConsumer = `Group ${groupId} is not a consumer group.`;
    if (!isUpgradeEnabled(this.migrationPolicy)) {
      this.log?.info({ group: groupId }, 'cannot upgrade the classic group: group.consumer.migration.policy does not allow it');
      return notConsumer;
    }
    if (classic.protocolType !== CONSUMER_PROTOCOL_TYPE) {
      this.log?.info({ group: groupId }, 'cannot upgrade the classic group: it does not use the consumer protocol');
      return notConsumer;
    }
    if (classic.size > this.consumerMaxGroupSize) {
      this.log?.info({ group: groupId }, 'cannot upgrade the classic group: it has more members than group.consumer.max.size');
      return notConsumer;
    }
    let members;
    try {
      members = consumerMembersFromClassic(classic, this.topics);
    } catch (err) {
      if (!(err instanceof MalformedConsumerProtocolError)) throw err;
      this.log?.warn({ group: groupId, err }, 'cannot upgrade the classic group: its embedded consumer protocol is malformed');
      return `Cannot upgrade the classic group ${groupId} to consumer group because the embedded consumer protocol is malformed.`;
    }
    const tombstone = groupTombstone(groupId);
    return {
      epoch: classic.generationId,
      members,
      records: [encodeClassicRecord(tombstone)],
      onStored: () => {
        // The tombstone's replay makes the classic group Dead and forgets it; its waiting members rejoin.
        this.retireClassicGroup(classic, ErrorCode.REBALANCE_IN_PROGRESS);
        replayClassicRecord(this.state, tombstone, this.scheduler.now());
      },
    };
  }

  /**
   * The online downgrade (Kafka's validateOnlineDowngradeWithFencedMember
   * and convertToClassicGroup): when `leavingMemberId` is the consumer
   * group's last consumer-protocol member and classic members remain, at
   * most group.max.size of them, and the policy allows, the group becomes a
   * classic group: Stable at the group epoch with each member's target
   * assignment, written after the consumer group's tombstones; once stored
   * its members' sessions start and a rebalance begins (they learn of it
   * by their heartbeats).
   */
  private prepareDowngrade(group: ConsumerGroup, leavingMemberId: string | null): GroupConversion | null {
    // null: a classic static member replaced the last consumer-protocol member; nobody leaves, no rebalance.
    const remaining = leavingMemberId === null ? group.members.size : group.members.size - 1;
    const allClassic = leavingMemberId === null ? group.classicMemberCount === group.members.size : group.allMembersUseClassicProtocolExcept(leavingMemberId);
    if (!allClassic || remaining < 1) return null;
    if (!isDowngradeEnabled(this.migrationPolicy)) {
      this.log?.info({ group: group.groupId }, 'cannot downgrade the consumer group: group.consumer.migration.policy does not allow it');
      return null;
    }
    if (remaining > this.config.maxGroupSize) {
      this.log?.info({ group: group.groupId }, 'cannot downgrade the consumer group: it has more members than group.max.size');
      return null;
    }
    const now = this.scheduler.now();
    let record: ClassicGroupRecord;
    try {
      record = classicGroupRecordFromConsumer(group, leavingMemberId ?? '', this.topics, now);
    } catch (err) {
      if (!(err instanceof MalformedConsumerProtocolError)) throw err;
      this.log?.warn({ group: group.groupId, err }, 'cannot downgrade the consumer group: a member\'s embedded consumer protocol is malformed');
      return null;
    }
    return {
      records: [encodeClassicRecord(record)],
      onStored: () => {
        replayClassicRecord(this.state, record, this.scheduler.now());
        const classic = this.groups.get(group.groupId);
        if (!classic) return;
        for (const member of classic.members.values()) this.scheduleSessionExpiry(classic, member);
        if (leavingMemberId !== null) this.prepareRebalance(classic, `downgrade group ${group.groupId} from consumer to classic`);
      },
    };
  }

  private get migrationPolicy(): MigrationPolicy {
    return this.config.migrationPolicy ?? 'bidirectional';
  }

  /** A classic group that stops being one (upgraded): its timers stop, its waiting members get `errorCode`. */
  private retireClassicGroup(group: ClassicGroup, errorCode: ErrorCode): void {
    group.joinTimer?.cancel();
    group.syncTimer?.cancel();
    for (const member of group.members.values()) {
      member.cancelSessionTimer();
      member.completeJoin(joinError(member.memberId, errorCode));
      member.completeSync(syncError(errorCode));
    }
  }

  /** ConsumerGroupDescribe: a classic group's id answers GROUP_ID_NOT_FOUND with Kafka's message. */
  describeConsumerGroup(groupId: string): { errorCode: ErrorCode; errorMessage: string | null; group: DescribedConsumerGroup | null } {
    const group = this.consumerGroups.describe(groupId);
    if (group !== null) return { errorCode: ErrorCode.NONE, errorMessage: null, group };
    const classic = this.groups.get(groupId);
    const message = classic !== undefined && !classic.is('Dead') ? `Group ${groupId} is not a consumer group.` : `Group ${groupId} not found.`;
    return { errorCode: ErrorCode.GROUP_ID_NOT_FOUND, errorMessage: message, group: null };
  }

  // ---- Describe, list, delete -----------------------------------------------

  /** DescribeGroups: a classic group as it is, a consumer group as its KIP-848 description (the handler shows it the classic way). */
  describeGroup(groupId: string): AnyDescribedGroup {
    const consumer = this.registry.kindOf(groupId) === 'consumer' ? this.consumerGroups.describe(groupId) : null;
    if (consumer !== null) return { kind: 'consumer', group: consumer };
    return { kind: 'classic', ...this.describeClassicGroup(groupId) };
  }

  private describeClassicGroup(groupId: string): DescribedGroup {
    const invalid = this.validateGroupId(groupId, true);
    const dead: DescribedGroup = { errorCode: invalid, groupId, state: 'Dead', protocolType: '', protocolData: '', members: [] };
    if (invalid !== ErrorCode.NONE) return dead;
    const group = this.groups.get(groupId);
    if (!group) return dead;
    // Like Kafka: member metadata and assignments only once the group is Stable.
    const stable = group.is('Stable');
    const protocol = group.protocolName ?? '';
    return {
      errorCode: ErrorCode.NONE,
      groupId,
      state: group.state,
      protocolType: group.protocolType ?? '',
      protocolData: stable ? protocol : '',
      members: [...group.members.values()].map((m) => ({
        memberId: m.memberId,
        groupInstanceId: m.groupInstanceId,
        clientId: m.clientId,
        clientHost: m.clientHost,
        metadata: stable ? m.metadataFor(protocol) : EMPTY_BYTES,
        assignment: stable ? m.assignment : EMPTY_BYTES,
      })),
    };
  }

  /** ListGroups, both kinds: `states` and `types` filters match case-insensitively; empty = no filter. */
  listGroups(states: readonly string[], types: readonly string[]): ListedGroup[] {
    const wantedStates = new Set(states.map((s) => s.toLowerCase()));
    const wantedTypes = new Set(types.map((t) => t.toLowerCase()));
    const wanted = (type: string, state: string) => (wantedTypes.size === 0 || wantedTypes.has(type)) && (wantedStates.size === 0 || wantedStates.has(state.toLowerCase()));
    const out: ListedGroup[] = [];
    for (const group of this.groups.values()) {
      if (group.is('Dead') || !wanted('classic', group.state) || this.inLoadingPartition(group.groupId)) continue;
      out.push({ groupId: group.groupId, protocolType: group.protocolType ?? '', state: group.state, groupType: 'classic' });
    }
    for (const g of this.consumerGroups.list()) {
      if (wanted('consumer', g.state) && !this.inLoadingPartition(g.groupId)) out.push({ groupId: g.groupId, protocolType: CONSUMER_PROTOCOL_TYPE, state: g.state, groupType: 'consumer' });
    }
    return out;
  }

  deleteGroups(groupIds: readonly string[]): { groupId: string; errorCode: ErrorCode }[] {
    return groupIds.map((groupId) => ({ groupId, errorCode: this.deleteGroup(groupId) }));
  }

  /** DeleteGroups (Kafka's validateDeleteGroup, then the offsets' and the group's tombstones). */
  private deleteGroup(groupId: string): ErrorCode {
    const invalid = this.validateGroupId(groupId, true);
    if (invalid !== ErrorCode.NONE) return invalid;
    const offsetTombstones: ClassicGroupRecord[] = [...this.offsets.of(groupId).keys()].map((k) => {
      const { topic, partition } = parseOffsetKey(k);
      return offsetRecord(groupId, topic, partition, null);
    });
    if (this.registry.kindOf(groupId) === 'consumer') {
      const deleted = this.consumerGroups.deleteGroup(groupId);
      if (deleted !== ErrorCode.NONE) return deleted;
      return groupStoreError(this.write(groupId, offsetTombstones));
    }
    const group = this.groups.get(groupId);
    if (!group || group.is('Dead')) return ErrorCode.GROUP_ID_NOT_FOUND;
    if (!group.is('Empty')) return ErrorCode.NON_EMPTY_GROUP;
    // The replay of the tombstones forgets the offsets, then makes the group Dead and forgets it.
    return groupStoreError(this.write(groupId, [...offsetTombstones, groupTombstone(groupId)]));
  }

  /**
   * A group that never got a member, a pending member or an offset (a
   * refused first JoinGroup) is not kept: it would show up in ListGroups.
   */
  private forgetIfUnused(group: ClassicGroup): void {
    forgetIfUnused(this.state, group);
  }
}
