/**
 * The KIP-848 consumer group coordinator (Kafka's GroupMetadataManager,
 * consumerGroupHeartbeat and friends), for a single broker.
 *
 * A member joins with member epoch 0, heartbeats with its epoch, and leaves
 * with -1 (a static member with -2, keeping its partitions for its session
 * timeout). Each heartbeat (1) updates the member and bumps the group epoch
 * when a subscription, or the metadata of the subscribed topics (a new
 * topic matching a regex, more partitions), changed; (2) recomputes the
 * target assignment with the server assignor when the group epoch moved
 * ahead of it; (3) reconciles the member towards its target — revocations
 * are acknowledged before the partitions go to anybody else.
 *
 * Records first: an operation (a heartbeat, a leave, a timeout, a delete)
 * builds the records its changes imply, Kafka's ConsumerGroup* records of
 * `__consumer_offsets` (consumer-group-replay.ts), and the group changes
 * only by replaying them, as it goes; once the operation is done the
 * records are appended as one batch, and when that fails the group is put
 * back as it was and the member is answered with the storage error. At
 * start the same replay rebuilds every group from the topic, so members
 * keep their ids, epochs and assignments across a broker restart (timers
 * start again: each member has a full session timeout to heartbeat).
 * Committed offsets are every group's, in GroupCoordinator's OffsetManager;
 * this class only validates who may commit and fetch them. GroupCoordinator
 * owns the group-id space (GroupMetadataManager) and hands this class the
 * consumer groups' map; a group id becomes a consumer group's only through it.
 *
 * Members speaking the classic protocol (Kafka 4.0's mixed groups) are
 * members like the others, with their classic session timeout and
 * protocols (classicMemberMetadata): JoinGroup updates and reconciles them
 * as a heartbeat does (an eager client owns nothing when it rejoins),
 * SyncGroup hands them their current partitions, Heartbeat tells them to
 * rejoin (REBALANCE_IN_PROGRESS); they must rejoin and sync within their
 * rebalance timeout (join and sync timers) instead of acknowledging
 * revocations by heartbeat. A group whose last consumer-protocol member
 * leaves may become a classic group (ClassicGroupsView.downgrade); a
 * classic group's members may become this group's (ClassicUpgrade). Both
 * write the other kind's records in the same batch as this kind's.
 *
 * Timers (session timeout, revocation within the rebalance timeout, a
 * classic member's join and sync deadlines) come from the injected
 * Scheduler, so tests drive them with a fake clock.
 */
import { randomBytes } from 'node:crypto';
import type { Logger } from '../../../logger';
import type { OffsetsTopicRecord } from '../offsets-topic';
import { EMPTY_BYTES, type JoinGroupResult, type SyncGroupResult, joinError, syncError } from '../group-results';
import { consumerProtocolVersion, decodeConsumerSubscription, encodeConsumerAssignment } from '../consumer-protocol';
import { ErrorCode } from '../../../protocol/errors';
import type { Scheduler, ScheduledTimer } from '../../../time/scheduler';
import { ConsumerGroup, type ConsumerGroupState, type SubscribedTopic } from './consumer-group';
import { type ConsumerGroupRecord, decodeConsumerGroupRecord, encodeConsumerGroupRecord } from './consumer-group-records';
import {
  groupCreationRecords,
  groupEpochRecord,
  groupRemovalRecords,
  groupTombstoneRecords,
  memberChangeRecords,
  memberRemovalRecords,
  replayConsumerGroupRecord,
  subscriptionMetadataRecord,
  targetAssignmentEpochRecord,
  targetAssignmentRecord,
} from './consumer-group-replay';
import { type ClassicProtocol, ConsumerGroupMember, LEAVE_GROUP_MEMBER_EPOCH, LEAVE_GROUP_STATIC_MEMBER_EPOCH } from './consumer-group-member';
import { reconcileAssignment } from './reconcile-assignment';
import type { AssignmentMemberSpec, ServerAssignor } from './server-assignor';
import { compileTopicRegex, regexMatchesTopic } from './topic-regex';
import { type TopicPartitionSet, type WireTopicPartitions, partitionsEqual, toWire } from './topic-partitions';

/** What the coordinator needs to know of the cluster's topics (the metadata image). */
export interface TopicCatalogEntry {
  readonly name: string;
  readonly topicId: string;
  readonly partitions: number;
}

export interface TopicCatalog {
  get(name: string): TopicCatalogEntry | undefined;
  getById(topicId: string): TopicCatalogEntry | undefined;
  list(): readonly TopicCatalogEntry[];
}

/** Records of the other kind of group, written in the same batch as a conversion's consumer group records. */
export interface GroupConversion {
  /** Encoded `__consumer_offsets` records (the classic group's). */
  records: OffsetsTopicRecord[];
  /** Runs once the batch is stored: the other kind's replay and timers. */
  onStored(): void;
}

/** A classic group becoming this consumer group (the online upgrade), as GroupCoordinator prepared it. */
export interface ClassicUpgrade extends GroupConversion {
  /** The classic group's generation: the consumer group's epoch. */
  epoch: number;
  /** Its members as consumer group members (group-migration.ts). */
  members: readonly ConsumerGroupMember[];
}

/** The classic side of the same group id space (a group id is one kind of group at a time). */
export interface ClassicGroupsView {
  /** True when a classic group with this id has members (or is rebalancing): it cannot become a consumer group. */
  isActive(groupId: string): boolean;
  /**
   * The member leaving `group` is its last consumer-protocol member (or,
   * `leavingMemberId` null, a classic static member just replaced it): the
   * classic group records that replace the group (the online downgrade), or
   * null when it stays a consumer group.
   */
  downgrade?(group: ConsumerGroup, leavingMemberId: string | null): GroupConversion | null;
}

/** A JoinGroup from a member that speaks the classic protocol to a consumer group (GroupCoordinator's JoinGroupParams). */
export interface ClassicJoinRequest {
  groupId: string;
  memberId: string;
  groupInstanceId: string | null;
  requireKnownMemberId: boolean;
  clientId: string;
  clientHost: string;
  rebalanceTimeoutMs: number;
  sessionTimeoutMs: number;
  protocolType: string;
  protocols: readonly ClassicProtocol[];
}

/** A SyncGroup from a classic member of a consumer group. */
export interface ClassicSyncRequest {
  groupId: string;
  generationId: number;
  memberId: string;
  groupInstanceId: string | null;
  protocolType: string | null;
  protocolName: string | null;
}

/** Where the records go: `__consumer_offsets`, written through the group coordinator (one batch per call). */
export interface ConsumerGroupStore {
  append(groupId: string, records: readonly { key: Buffer; value: Buffer | null }[]): ErrorCode;
}

export interface ConsumerGroupCoordinatorConfig {
  sessionTimeoutMs: number;
  heartbeatIntervalMs: number;
  maxGroupSize: number;
  /** Enabled server assignors; the first is the default. */
  assignors: readonly ServerAssignor[];
}

export interface ConsumerGroupHeartbeatParams {
  apiVersion: number;
  groupId: string;
  memberId: string;
  memberEpoch: number;
  instanceId: string | null;
  rackId: string | null;
  rebalanceTimeoutMs: number;
  subscribedTopicNames: readonly string[] | null;
  subscribedTopicRegex: string | null;
  serverAssignor: string | null;
  ownedTopicPartitions: readonly WireTopicPartitions[] | null;
  clientId: string;
  clientHost: string;
}

export interface ConsumerGroupHeartbeatResult {
  errorCode: ErrorCode;
  errorMessage: string | null;
  memberId: string | null;
  memberEpoch: number;
  heartbeatIntervalMs: number;
  /** Sent on full requests and whenever the member's assignment changed; null otherwise. */
  assignment: WireTopicPartitions[] | null;
}

export interface DescribedConsumerGroupMember {
  memberId: string;
  instanceId: string | null;
  rackId: string | null;
  memberEpoch: number;
  clientId: string;
  clientHost: string;
  subscribedTopicNames: string[];
  subscribedTopicRegex: string | null;
  assignment: TopicPartitionSet;
  targetAssignment: TopicPartitionSet;
}

export interface DescribedConsumerGroup {
  groupId: string;
  state: ConsumerGroupState;
  groupEpoch: number;
  assignmentEpoch: number;
  assignorName: string;
  members: DescribedConsumerGroupMember[];
}

export interface ListedConsumerGroup {
  groupId: string;
  state: ConsumerGroupState;
}

class HeartbeatError extends Error {
  constructor(
    readonly errorCode: ErrorCode,
    message: string,
  ) {
    super(message);
  }
}

function fail(errorCode: ErrorCode, message: string): never {
  throw new HeartbeatError(errorCode, message);
}

/**
 * The records of one operation on one group. Each is replayed as it is
 * written, so the code after it sees the new state; the first write takes a
 * snapshot, which `undo` restores when the records cannot be stored.
 */
class GroupWrite {
  readonly records: ConsumerGroupRecord[] = [];
  /** The other kind's records, before (an upgrade's classic tombstone) and after (a downgrade's classic group) ours. */
  readonly leading: OffsetsTopicRecord[] = [];
  readonly trailing: OffsetsTopicRecord[] = [];
  /** Run once the batch is stored (a conversion's other half). */
  readonly onStored: (() => void)[] = [];
  private before: ConsumerGroup | null | undefined = undefined; // undefined: nothing written yet; null: no group before

  constructor(
    private readonly groups: Map<string, ConsumerGroup>,
    readonly groupId: string,
  ) {}

  write(...records: ConsumerGroupRecord[]): void {
    if (this.before === undefined) this.before = this.groups.get(this.groupId)?.snapshot() ?? null;
    for (const r of records) {
      this.records.push(r);
      replayConsumerGroupRecord(this.groups, r);
    }
  }

  /** The group as the records written so far made it (created by the first one). */
  get group(): ConsumerGroup {
    const group = this.groups.get(this.groupId);
    if (!group) throw new Error(`consumer group ${this.groupId} has no records yet`);
    return group;
  }

  /** Back to the state before the first write; the group object is kept (timers hold it). */
  undo(): ConsumerGroup | undefined {
    if (this.before === undefined) return this.groups.get(this.groupId);
    const current = this.groups.get(this.groupId);
    if (this.before === null) {
      this.groups.delete(this.groupId);
      return undefined;
    }
    if (current) {
      current.restore(this.before);
      return current;
    }
    this.groups.set(this.groupId, this.before);
    return this.before;
  }
}

/** Kafka's throwIfEmptyString: null is fine, blank is not. */
function isBlank(s: string | null): boolean {
  return s !== null && s.trim().length === 0;
}

/** Kafka's Uuid.randomUuid().toString(): 16 random bytes, URL-safe base64 without padding. */
function newMemberId(): string {
  return randomBytes(16).toString('base64url');
}

export class ConsumerGroupCoordinator {
  /** "groupId\0memberId" -> timer */
  private readonly sessionTimers = new Map<string, ScheduledTimer>();
  private readonly rebalanceTimers = new Map<string, ScheduledTimer>();
  /** A classic member told to rejoin must do so within its rebalance timeout. */
  private readonly joinTimers = new Map<string, ScheduledTimer>();
  /** A classic member that joined must send SyncGroup within its rebalance timeout. */
  private readonly syncTimers = new Map<string, ScheduledTimer>();
  private closed = false;

  constructor(
    private readonly config: ConsumerGroupCoordinatorConfig,
    private readonly scheduler: Scheduler,
    private readonly topics: TopicCatalog,
    private readonly classic: ClassicGroupsView,
    private readonly store: ConsumerGroupStore,
    private readonly log: Logger | null = null,
    /** The consumer groups (GroupMetadataManager.consumer when the group coordinator owns them). */
    private readonly groups: Map<string, ConsumerGroup> = new Map(),
  ) {
    if (config.assignors.length === 0) throw new Error('group.consumer.assignors: at least one assignor is required');
  }

  close(): void {
    this.closed = true;
    for (const timers of [this.sessionTimers, this.rebalanceTimers, this.joinTimers, this.syncTimers]) {
      for (const t of timers.values()) t.cancel();
      timers.clear();
    }
  }

  /** For tests and tools. */
  group(groupId: string): ConsumerGroup | undefined {
    return this.groups.get(groupId);
  }

  // ---- ConsumerGroupHeartbeat ----------------------------------------------

  /**
   * `upgrade`: the group id is a classic group's with members, which this
   * joining member turns into a consumer group (GroupCoordinator decided
   * the policy allows it): its records go first in the same batch.
   */
  heartbeat(p: ConsumerGroupHeartbeatParams, upgrade: ClassicUpgrade | null = null): ConsumerGroupHeartbeatResult {
    const errorResult = heartbeatError;
    if (this.closed) return errorResult(ErrorCode.COORDINATOR_NOT_AVAILABLE, null);
    try {
      this.validateRequest(p);
      const leaving = p.memberEpoch === LEAVE_GROUP_MEMBER_EPOCH || p.memberEpoch === LEAVE_GROUP_STATIC_MEMBER_EPOCH;
      return this.inWrite(p.groupId, (w) => (leaving ? this.leave(w, p) : this.join(w, p, upgrade)));
    } catch (e) {
      if (e instanceof HeartbeatError) return errorResult(e.errorCode, e.message);
      throw e;
    }
  }

  /**
   * Runs one operation on one group and stores its records as one batch;
   * when it throws, or the records cannot be stored (then it throws
   * HeartbeatError with the storage error), the group is as before.
   */
  private inWrite<T>(groupId: string, operation: (w: GroupWrite) => T): T {
    const w = new GroupWrite(this.groups, groupId);
    let result: T;
    try {
      result = operation(w);
    } catch (e) {
      this.undo(w);
      throw e;
    }
    if (w.records.length === 0 && w.leading.length === 0 && w.trailing.length === 0) return result;
    const stored = this.store.append(groupId, [...w.leading, ...w.records.map(encodeConsumerGroupRecord), ...w.trailing]);
    if (stored !== ErrorCode.NONE) {
      this.log?.warn({ group: groupId, errorCode: stored }, 'could not write the consumer group records: the change is undone');
      this.undo(w);
      fail(stored, 'The coordinator could not write the group state.');
    }
    for (const done of w.onStored) done();
    return result;
  }

  private undo(w: GroupWrite): void {
    const written = [...(this.groups.get(w.groupId)?.members.keys() ?? [])];
    const group = w.undo();
    // Timers cancelled or set by the undone operation: every member of the group as it is again gets a fresh session.
    if (group) for (const memberId of group.members.keys()) this.scheduleSessionTimeout(group, memberId);
    // A group the operation created (an upgrade) is gone again: so are its members' timers.
    else for (const memberId of written) this.cancelTimers(w.groupId, memberId);
  }

  /**
   * Rebuilds groups from `__consumer_offsets` records, oldest first (the
   * broker's start, or this broker taking over the topic's partitions);
   * every member then has a full session timeout to heartbeat again.
   */
  load(records: Iterable<{ key: Buffer; value: Buffer | null }>): void {
    const touched = new Set<string>();
    for (const r of records) {
      const groupId = this.replayLoaded(r);
      if (groupId !== null) touched.add(groupId);
    }
    this.startLoaded(touched);
  }

  /** One record of a load, replayed; the group id it touched, or null when it could not be read. */
  replayLoaded(r: { key: Buffer; value: Buffer | null }): string | null {
    let record: ConsumerGroupRecord;
    try {
      record = decodeConsumerGroupRecord(r.key, r.value);
    } catch (err) {
      this.log?.error({ err }, 'unreadable consumer group record in __consumer_offsets: skipped');
      return null;
    }
    replayConsumerGroupRecord(this.groups, record);
    return record.key.groupId;
  }

  /** After a load: the loaded groups' members get a full session timeout to heartbeat again. */
  startLoaded(groupIds: Iterable<string>): void {
    let any = false;
    for (const groupId of groupIds) {
      any = true;
      const group = this.groups.get(groupId);
      if (!group) continue;
      group.assignorName = this.preferredAssignor(group).name;
      for (const memberId of group.members.keys()) this.scheduleSessionTimeout(group, memberId);
    }
    if (any) this.log?.info({ groups: this.groups.size }, 'loaded the consumer groups from __consumer_offsets');
  }

  /** Kafka's throwIfConsumerGroupHeartbeatRequestIsInvalid (4.0). */
  private validateRequest(p: ConsumerGroupHeartbeatParams): void {
    // v1 (KIP-1082): the client generates its member id; v0 joins with "" and gets one.
    if ((p.apiVersion >= 1 || p.memberEpoch > 0 || p.memberEpoch === LEAVE_GROUP_MEMBER_EPOCH) && p.memberId.trim().length === 0) {
      fail(ErrorCode.INVALID_REQUEST, "MemberId can't be empty.");
    }
    if (p.groupId.trim().length === 0) fail(ErrorCode.INVALID_REQUEST, "GroupId can't be empty.");
    if (isBlank(p.instanceId)) fail(ErrorCode.INVALID_REQUEST, "InstanceId can't be empty.");
    if (isBlank(p.rackId)) fail(ErrorCode.INVALID_REQUEST, "RackId can't be empty.");
    if (p.memberEpoch === 0) {
      if (p.rebalanceTimeoutMs === -1) fail(ErrorCode.INVALID_REQUEST, 'RebalanceTimeoutMs must be provided in first request.');
      if (p.ownedTopicPartitions === null || p.ownedTopicPartitions.length > 0) {
        fail(ErrorCode.INVALID_REQUEST, 'TopicPartitions must be empty when (re-)joining.');
      }
      if (p.subscribedTopicNames === null && p.subscribedTopicRegex === null) {
        fail(ErrorCode.INVALID_REQUEST, 'Either SubscribedTopicNames or SubscribedTopicRegex must be non-null when (re-)joining.');
      }
    } else if (p.memberEpoch === LEAVE_GROUP_STATIC_MEMBER_EPOCH) {
      if (p.instanceId === null) fail(ErrorCode.INVALID_REQUEST, "InstanceId can't be null.");
    } else if (p.memberEpoch < LEAVE_GROUP_STATIC_MEMBER_EPOCH) {
      fail(ErrorCode.INVALID_REQUEST, 'MemberEpoch is invalid.');
    }
    if (p.serverAssignor !== null && !this.config.assignors.some((a) => a.name === p.serverAssignor)) {
      const supported = this.config.assignors.map((a) => a.name).join(', ');
      fail(ErrorCode.UNSUPPORTED_ASSIGNOR, `ServerAssignor ${p.serverAssignor} is not supported. Supported assignors: ${supported}.`);
    }
  }

  private join(w: GroupWrite, p: ConsumerGroupHeartbeatParams, upgrade: ClassicUpgrade | null): ConsumerGroupHeartbeatResult {
    const joining = p.memberEpoch === 0;
    let group = this.groups.get(p.groupId);
    if (!group) {
      if (!joining) fail(ErrorCode.UNKNOWN_MEMBER_ID, `Consumer group ${p.groupId} not found; the member must rejoin.`);
      if (upgrade !== null) {
        group = this.upgradeFromClassic(w, upgrade);
      } else {
        if (this.classic.isActive(p.groupId)) fail(ErrorCode.GROUP_ID_NOT_FOUND, `Group ${p.groupId} is not a consumer group.`);
        // Not stored until its first records are: a group that exists for validation only.
        group = new ConsumerGroup(p.groupId);
      }
    }
    if (group.members.size >= this.config.maxGroupSize && (p.memberId === '' || !group.members.has(p.memberId))) {
      fail(ErrorCode.GROUP_MAX_SIZE_REACHED, `The consumer group has reached its maximum capacity of ${this.config.maxGroupSize} members.`);
    }
    const memberId = p.memberId === '' ? newMemberId() : p.memberId;
    const { member, replaced } = this.memberFor(group, memberId, p);

    // The member with this request's changes (not applied until every check passed), then updateAndReconcile.
    const regex = p.subscribedTopicRegex === null ? member.subscribedTopicRegex : p.subscribedTopicRegex === '' ? null : p.subscribedTopicRegex;
    const names = p.subscribedTopicNames ?? member.subscribedTopicNames;
    const subscriptionChanged = regex !== member.subscribedTopicRegex || !sameNames(names, member.subscribedTopicNames);
    if (regex !== null && regex !== member.subscribedTopicRegex && compileTopicRegex(regex) === null) {
      fail(ErrorCode.INVALID_REGULAR_EXPRESSION, `SubscribedTopicRegex \`${regex}\` is not a valid regular expression.`);
    }
    let updated = member.with({
      instanceId: p.instanceId ?? member.instanceId,
      rackId: p.rackId ?? member.rackId,
      rebalanceTimeoutMs: p.rebalanceTimeoutMs === -1 ? member.rebalanceTimeoutMs : p.rebalanceTimeoutMs,
      serverAssignor: p.serverAssignor ?? member.serverAssignor,
      subscribedTopicNames: [...names],
      subscribedTopicRegex: regex,
      clientId: p.clientId,
      clientHost: p.clientHost,
      // A classic member that heartbeats with the consumer protocol now speaks it (as Kafka).
      classicMemberMetadata: null,
    });

    if (replaced !== null) this.replaceStaticMember(w, replaced, updated);
    const before = group.members.get(memberId);
    updated = this.updateAndReconcile(w, before, updated, subscriptionChanged, p.ownedTopicPartitions);
    group = w.group;
    this.scheduleSessionTimeout(group, memberId);

    const fullRequest =
      joining || (p.rebalanceTimeoutMs !== -1 && (p.subscribedTopicNames !== null || p.subscribedTopicRegex !== null) && p.ownedTopicPartitions !== null);
    const assignmentChanged = before === undefined || !partitionsEqual(before.assignedPartitions, updated.assignedPartitions);
    return {
      errorCode: ErrorCode.NONE,
      errorMessage: null,
      memberId,
      memberEpoch: updated.memberEpoch,
      heartbeatIntervalMs: this.config.heartbeatIntervalMs,
      assignment: fullRequest || assignmentChanged ? toWire(updated.assignedPartitions) : null,
    };
  }

  /**
   * Steps 1-4 of a heartbeat, or a classic member's JoinGroup, once the
   * member with the request's changes is known: (1) its records; (2) the
   * group epoch bumped when a subscription or the subscribed topics'
   * metadata changed; (3) the target assignment for a new group epoch;
   * (4) the member reconciled towards its target. Returns the member as
   * reconciled.
   */
  private updateAndReconcile(
    w: GroupWrite,
    before: ConsumerGroupMember | undefined,
    updated: ConsumerGroupMember,
    subscriptionChanged: boolean,
    owned: readonly WireTopicPartitions[] | null,
  ): ConsumerGroupMember {
    w.write(...memberChangeRecords(w.groupId, before, updated));
    const group = w.group;
    const metadata = this.subscriptionMetadata(group);
    if (subscriptionChanged || !sameMetadata(metadata, group.subscriptionMetadata)) {
      w.write(subscriptionMetadataRecord(group.groupId, metadata), groupEpochRecord(group.groupId, group.groupEpoch + 1));
      this.log?.info({ group: group.groupId, groupEpoch: group.groupEpoch, member: updated.memberId }, 'bumped consumer group epoch');
    }
    if (group.groupEpoch > group.assignmentEpoch) this.computeTargetAssignment(w, group);
    return this.maybeReconcile(w, group, updated, owned);
  }

  /**
   * The member the request speaks for, validated (Kafka's
   * getOrMaybeSubscribe{Dynamic,Static}ConsumerGroupMember). `replaced`: a
   * static member that left with -2 and whose instance id a new member id
   * now takes over, keeping its assignment.
   */
  private memberFor(group: ConsumerGroup, memberId: string, p: ConsumerGroupHeartbeatParams): { member: ConsumerGroupMember; replaced: ConsumerGroupMember | null } {
    const joining = p.memberEpoch === 0;
    if (p.instanceId === null) {
      const existing = group.members.get(memberId);
      if (!existing) {
        if (!joining) fail(ErrorCode.UNKNOWN_MEMBER_ID, `Member ${memberId} is not a member of group ${group.groupId}.`);
        this.log?.info({ group: group.groupId, member: memberId }, 'member joins the consumer group');
        return { member: ConsumerGroupMember.create(memberId), replaced: null };
      }
      this.validateMemberEpoch(existing, p);
      return { member: existing, replaced: null };
    }
    const existing = group.staticMember(p.instanceId);
    if (joining) {
      if (!existing) return { member: ConsumerGroupMember.create(memberId).with({ instanceId: p.instanceId }), replaced: null };
      if (existing.memberId === memberId) {
        this.validateMemberEpoch(existing, p);
        return { member: existing, replaced: null };
      }
      // A classic static member is replaced at once; a consumer-protocol one only once it left with -2.
      if (!existing.usesClassicProtocol && existing.memberEpoch !== LEAVE_GROUP_STATIC_MEMBER_EPOCH) {
        fail(
          ErrorCode.UNRELEASED_INSTANCE_ID,
          `Static member ${memberId} with instance id ${p.instanceId} cannot join the group because the instance id is owned by ${existing.memberId} member.`,
        );
      }
      this.log?.info({ group: group.groupId, member: memberId, instanceId: p.instanceId, replaces: existing.memberId }, 'static member rejoins the consumer group');
      const member = existing.with({ memberId, memberEpoch: 0, previousMemberEpoch: 0, partitionsPendingRevocation: new Map() });
      return { member, replaced: existing };
    }
    if (!existing) fail(ErrorCode.UNKNOWN_MEMBER_ID, `Instance id ${p.instanceId} is unknown.`);
    if (existing.memberId !== memberId) {
      fail(ErrorCode.FENCED_INSTANCE_ID, `Static member ${memberId} with instance id ${p.instanceId} was fenced by member ${existing.memberId}.`);
    }
    this.validateMemberEpoch(existing, p);
    return { member: existing, replaced: null };
  }

  /**
   * Kafka's throwIfConsumerGroupMemberEpochIsInvalid. A known member
   * rejoining with epoch 0 (librdkafka keeps its member id after being
   * fenced) is accepted and gets its current state back in full.
   */
  private validateMemberEpoch(member: ConsumerGroupMember, p: ConsumerGroupHeartbeatParams): void {
    const received = p.memberEpoch;
    if (received === 0) return;
    if (received > member.memberEpoch) {
      fail(
        ErrorCode.FENCED_MEMBER_EPOCH,
        `The consumer group member has a greater member epoch (${received}) than the one known by the group coordinator (${member.memberEpoch}). The member must abandon all its partitions and rejoin.`,
      );
    }
    if (received < member.memberEpoch) {
      // The response with the bumped epoch may have been lost: the previous epoch is fine if it owns nothing new.
      if (received !== member.previousMemberEpoch || !isSubset(p.ownedTopicPartitions, member.assignedPartitions)) {
        fail(
          ErrorCode.FENCED_MEMBER_EPOCH,
          `The consumer group member has a smaller member epoch (${received}) than the one known by the group coordinator (${member.memberEpoch}). The member must abandon all its partitions and rejoin.`,
        );
      }
    }
  }

  private replaceStaticMember(w: GroupWrite, old: ConsumerGroupMember, next: ConsumerGroupMember): void {
    const target = w.group.targetAssignment.get(old.memberId);
    this.cancelTimers(w.groupId, old.memberId);
    w.write(...memberRemovalRecords(w.groupId, old.memberId));
    if (target) w.write(targetAssignmentRecord(w.groupId, next.memberId, target));
  }

  /** Subscribed topics that exist, by name: the members' names and whatever their regexes match now. */
  private subscriptionMetadata(group: ConsumerGroup): Map<string, SubscribedTopic> {
    const out = new Map<string, SubscribedTopic>();
    const add = (name: string) => {
      const t = this.topics.get(name);
      if (t) out.set(name, { topicId: t.topicId, partitions: t.partitions });
    };
    const regexes = new Set<string>();
    for (const m of group.members.values()) {
      for (const name of m.subscribedTopicNames) add(name);
      if (m.subscribedTopicRegex !== null) regexes.add(m.subscribedTopicRegex);
    }
    if (regexes.size > 0) {
      const compiled = [...regexes].map((r) => compileTopicRegex(r)).filter((r): r is RegExp => r !== null);
      for (const t of this.topics.list()) if (compiled.some((re) => regexMatchesTopic(re, t.name))) add(t.name);
    }
    return new Map([...out].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  }

  /** Topic ids a member subscribes to, among the group's subscribed topics. */
  private memberTopicIds(group: ConsumerGroup, m: ConsumerGroupMember): Set<string> {
    const ids = new Set<string>();
    const re = m.subscribedTopicRegex === null ? null : compileTopicRegex(m.subscribedTopicRegex);
    for (const [name, t] of group.subscriptionMetadata) {
      if (m.subscribedTopicNames.includes(name) || (re !== null && regexMatchesTopic(re, name))) ids.add(t.topicId);
    }
    return ids;
  }

  /** The assignor most members asked for (ties: the enabled order), else the default. */
  private preferredAssignor(group: ConsumerGroup): ServerAssignor {
    const votes = new Map<string, number>();
    for (const m of group.members.values()) if (m.serverAssignor !== null) votes.set(m.serverAssignor, (votes.get(m.serverAssignor) ?? 0) + 1);
    let best = this.config.assignors[0] as ServerAssignor;
    let bestVotes = 0;
    for (const a of this.config.assignors) {
      const n = votes.get(a.name) ?? 0;
      if (n > bestVotes) {
        best = a;
        bestVotes = n;
      }
    }
    return best;
  }

  private computeTargetAssignment(w: GroupWrite, group: ConsumerGroup): void {
    const assignor = this.preferredAssignor(group);
    const members: AssignmentMemberSpec[] = [...group.members.values()]
      .sort((a, b) => (a.memberId < b.memberId ? -1 : a.memberId > b.memberId ? 1 : 0))
      .map((m) => ({ memberId: m.memberId, subscribedTopicIds: this.memberTopicIds(group, m), previousTarget: group.targetAssignment.get(m.memberId) ?? new Map() }));
    const partitionCounts = new Map([...group.subscriptionMetadata.values()].map((t) => [t.topicId, t.partitions]));
    const target = assignor.assign({ members, partitionCounts });
    for (const [memberId, parts] of target) {
      const previous = group.targetAssignment.get(memberId);
      if (!previous || !partitionsEqual(previous, parts)) w.write(targetAssignmentRecord(group.groupId, memberId, parts));
    }
    for (const memberId of [...group.targetAssignment.keys()]) {
      if (!target.has(memberId)) w.write({ kind: 'TargetAssignmentMember', key: { groupId: group.groupId, memberId }, value: null });
    }
    w.write(targetAssignmentEpochRecord(group.groupId, group.groupEpoch));
    // Derived, not stored: a restarted broker recomputes it from the members' choices.
    group.assignorName = assignor.name;
    this.log?.info({ group: group.groupId, epoch: group.groupEpoch, assignor: assignor.name, members: members.length }, 'computed a new target assignment');
  }

  private maybeReconcile(w: GroupWrite, group: ConsumerGroup, member: ConsumerGroupMember, owned: readonly WireTopicPartitions[] | null): ConsumerGroupMember {
    if (member.memberEpoch === LEAVE_GROUP_STATIC_MEMBER_EPOCH || member.isReconciledTo(group.assignmentEpoch)) return member;
    const next = reconcileAssignment(member, {
      targetEpoch: group.assignmentEpoch,
      target: group.targetAssignment.get(member.memberId) ?? new Map(),
      partitionEpoch: (topicId, p) => group.partitionEpoch(topicId, p),
      owned,
    });
    if (next === member) return member;
    w.write(...memberChangeRecords(group.groupId, member, next));
    const key = timerKey(group.groupId, member.memberId);
    // A classic member has its join and sync timeouts instead (it revokes by rejoining).
    if (next.usesClassicProtocol) return next;
    if (next.state === 'unrevoked_partitions') {
      // The member must revoke within its rebalance timeout, or it is fenced and its partitions freed.
      this.rebalanceTimers.get(key)?.cancel();
      const epoch = next.memberEpoch;
      this.rebalanceTimers.set(
        key,
        this.scheduler.schedule(next.rebalanceTimeoutMs, () => {
          this.rebalanceTimers.delete(key);
          const current = group.members.get(member.memberId);
          if (current && current.memberEpoch === epoch && this.groups.get(group.groupId) === group) {
            this.log?.info({ group: group.groupId, member: member.memberId, epoch }, 'member failed to revoke its partitions within the rebalance timeout');
            this.fenceOnTimer(group, current);
          }
        }),
      );
    } else {
      this.rebalanceTimers.get(key)?.cancel();
      this.rebalanceTimers.delete(key);
    }
    return next;
  }

  /** A classic member's own session timeout, the group's for a KIP-848 member. */
  private scheduleSessionTimeout(group: ConsumerGroup, memberId: string): void {
    const key = timerKey(group.groupId, memberId);
    this.sessionTimers.get(key)?.cancel();
    const timeoutMs = group.members.get(memberId)?.classicMemberMetadata?.sessionTimeoutMs ?? this.config.sessionTimeoutMs;
    this.sessionTimers.set(
      key,
      this.scheduler.schedule(timeoutMs, () => {
        this.sessionTimers.delete(key);
        const member = group.members.get(memberId);
        if (!member || this.groups.get(group.groupId) !== group) return;
        this.log?.info({ group: group.groupId, member: memberId }, 'consumer group member session expired');
        this.fenceOnTimer(group, member);
      }),
    );
  }

  private cancelTimers(groupId: string, memberId: string): void {
    const key = timerKey(groupId, memberId);
    for (const timers of [this.sessionTimers, this.rebalanceTimers, this.joinTimers, this.syncTimers]) {
      timers.get(key)?.cancel();
      timers.delete(key);
    }
  }

  /**
   * Removes the member (its partitions become free) and bumps the group
   * epoch so the others rebalance; or, when it is the last member that
   * speaks the consumer protocol and the policy allows, the group becomes
   * a classic group (its tombstones, then the classic group's record).
   */
  private fenceMember(w: GroupWrite, member: ConsumerGroupMember): void {
    const downgrade = this.classic.downgrade?.(w.group, member.memberId) ?? null;
    if (downgrade !== null) {
      this.log?.info({ group: w.groupId, member: member.memberId }, 'the last consumer-protocol member left: the group becomes a classic group');
      for (const memberId of w.group.members.keys()) this.cancelTimers(w.groupId, memberId);
      w.write(...groupTombstoneRecords(w.group));
      w.trailing.push(...downgrade.records);
      w.onStored.push(() => downgrade.onStored());
      return;
    }
    this.cancelTimers(w.groupId, member.memberId);
    w.write(...memberRemovalRecords(w.groupId, member.memberId));
    const group = w.group;
    w.write(subscriptionMetadataRecord(group.groupId, this.subscriptionMetadata(group)), groupEpochRecord(group.groupId, group.groupEpoch + 1));
  }

  private fenceOnTimer(group: ConsumerGroup, member: ConsumerGroupMember): void {
    try {
      this.inWrite(group.groupId, (w) => this.fenceMember(w, member));
    } catch (err) {
      this.log?.warn({ err, group: group.groupId, member: member.memberId }, 'could not fence the member: it stays until its next timeout');
    }
  }

  private leave(w: GroupWrite, p: ConsumerGroupHeartbeatParams): ConsumerGroupHeartbeatResult {
    const group = this.groups.get(p.groupId);
    if (!group) fail(ErrorCode.GROUP_ID_NOT_FOUND, `Consumer group ${p.groupId} not found.`);
    const done = (memberId: string, memberEpoch: number): ConsumerGroupHeartbeatResult => ({
      errorCode: ErrorCode.NONE,
      errorMessage: null,
      memberId,
      memberEpoch,
      heartbeatIntervalMs: 0,
      assignment: null,
    });
    if (p.instanceId === null) {
      const member = group.members.get(p.memberId);
      if (!member) fail(ErrorCode.UNKNOWN_MEMBER_ID, `Member ${p.memberId} is not a member of group ${group.groupId}.`);
      this.log?.info({ group: group.groupId, member: p.memberId }, 'member left the consumer group');
      this.fenceMember(w, member);
      return done(p.memberId, p.memberEpoch);
    }
    const member = group.staticMember(p.instanceId);
    if (!member) fail(ErrorCode.UNKNOWN_MEMBER_ID, `Instance id ${p.instanceId} is unknown.`);
    if (member.memberId !== p.memberId) {
      fail(ErrorCode.FENCED_INSTANCE_ID, `Static member ${p.memberId} with instance id ${p.instanceId} was fenced by member ${member.memberId}.`);
    }
    if (p.memberEpoch === LEAVE_GROUP_STATIC_MEMBER_EPOCH) {
      // Temporarily gone: keeps its partitions until its session times out or a new instance takes over.
      this.log?.info({ group: group.groupId, member: p.memberId, instanceId: p.instanceId }, 'static member temporarily left the consumer group');
      const rebalanceKey = timerKey(group.groupId, member.memberId);
      this.rebalanceTimers.get(rebalanceKey)?.cancel();
      this.rebalanceTimers.delete(rebalanceKey);
      w.write(...memberChangeRecords(group.groupId, member, member.with({ memberEpoch: LEAVE_GROUP_STATIC_MEMBER_EPOCH, partitionsPendingRevocation: new Map() })));
      return done(member.memberId, LEAVE_GROUP_STATIC_MEMBER_EPOCH);
    }
    this.log?.info({ group: group.groupId, member: p.memberId, instanceId: p.instanceId }, 'static member left the consumer group');
    this.fenceMember(w, member);
    return done(p.memberId, p.memberEpoch);
  }

  // ---- Classic members of a consumer group (JoinGroup/SyncGroup/Heartbeat/LeaveGroup) ----

  /**
   * The online upgrade: the classic group's members become this group's,
   * written as Kafka's createConsumerGroupRecords after the classic group's
   * tombstone (`upgrade.records`); each keeps its session timeout. The
   * joining member's own records follow in the same batch.
   */
  private upgradeFromClassic(w: GroupWrite, upgrade: ClassicUpgrade): ConsumerGroup {
    w.leading.push(...upgrade.records);
    w.write(...groupCreationRecords(w.groupId, upgrade.epoch, upgrade.members));
    w.onStored.push(() => upgrade.onStored());
    const group = w.group;
    for (const memberId of group.members.keys()) this.scheduleSessionTimeout(group, memberId);
    this.log?.info({ group: w.groupId, epoch: upgrade.epoch, members: upgrade.members.length }, 'a classic group becomes a consumer group');
    return group;
  }

  /**
   * JoinGroup to a consumer group with members (Kafka's
   * classicGroupJoinToConsumerGroup): the classic member is a member of the
   * consumer group like any other, its subscription read from its first
   * protocol's metadata. The server assignor decides its partitions; the
   * answer carries its member epoch as the generation and no leader (nobody
   * assigns), and its SyncGroup gets the partitions. The member must sync
   * within its rebalance timeout; its session is its own timeout.
   */
  classicJoin(p: ClassicJoinRequest): JoinGroupResult {
    const group = this.groups.get(p.groupId);
    const memberId = p.memberId === '' ? newMemberId() : p.memberId;
    try {
      if (this.closed) fail(ErrorCode.COORDINATOR_NOT_AVAILABLE, 'The coordinator is not available.');
      if (!group) fail(ErrorCode.UNKNOWN_MEMBER_ID, `Group ${p.groupId} not found.`);
      if (group.members.size >= this.config.maxGroupSize && !group.members.has(memberId)) {
        fail(ErrorCode.GROUP_MAX_SIZE_REACHED, `The consumer group has reached its maximum capacity of ${this.config.maxGroupSize} members.`);
      }
      if (!group.supportsClassicProtocols(p.protocolType, p.protocols.map((x) => x.name))) {
        fail(ErrorCode.INCONSISTENT_GROUP_PROTOCOL, `Member ${memberId}'s protocols are not supported.`);
      }
      if (p.requireKnownMemberId && p.memberId === '' && p.groupInstanceId === null) {
        // The two-step join (KIP-394): the member rejoins with this id.
        this.log?.info({ group: p.groupId, member: memberId }, 'classic member asked to rejoin the consumer group with its new member id');
        return joinError(memberId, ErrorCode.MEMBER_ID_REQUIRED);
      }
      let subscription;
      try {
        subscription = decodeConsumerSubscription((p.protocols[0] as ClassicProtocol).metadata);
      } catch {
        fail(ErrorCode.INCONSISTENT_GROUP_PROTOCOL, `Member ${memberId}'s consumer protocol subscription cannot be read.`);
      }
      const owned = this.ownedByName(subscription.ownedPartitions);
      return this.inWrite(p.groupId, (w) => {
        // A restarted classic static member taking the place of the group's last consumer-protocol member.
        const replaced = p.groupInstanceId === null || p.memberId !== '' ? undefined : group.staticMember(p.groupInstanceId);
        const replacesLastConsumerMember = replaced !== undefined && group.allMembersUseClassicProtocolExcept(replaced.memberId);
        const member = this.classicMemberFor(w, group, memberId, p);
        let updated = member.with({
          instanceId: p.groupInstanceId ?? member.instanceId,
          rackId: subscription.rackId ?? member.rackId,
          rebalanceTimeoutMs: p.rebalanceTimeoutMs === -1 ? member.rebalanceTimeoutMs : p.rebalanceTimeoutMs,
          subscribedTopicNames: [...subscription.topics],
          clientId: p.clientId,
          clientHost: p.clientHost,
          classicMemberMetadata: { sessionTimeoutMs: p.sessionTimeoutMs, supportedProtocols: p.protocols.map((x) => ({ name: x.name, metadata: x.metadata })) },
        });
        const subscriptionChanged = !sameNames(updated.subscribedTopicNames, member.subscribedTopicNames);
        updated = this.updateAndReconcile(w, group.members.get(updated.memberId), updated, subscriptionChanged, owned);
        const current = w.group;
        const answer: JoinGroupResult = {
          errorCode: ErrorCode.NONE,
          memberId: updated.memberId,
          generationId: updated.memberEpoch,
          protocolType: 'consumer',
          protocolName: updated.classicProtocolName,
          leaderId: '',
          skipAssignment: false,
          members: [],
        };
        const downgrade = replacesLastConsumerMember ? (this.classic.downgrade?.(current, null) ?? null) : null;
        if (downgrade !== null) {
          // Every member now speaks the classic protocol: the group becomes a classic group at once, Stable
          // at the group epoch (Kafka's downgrade on a static member's replacement, without a rebalance).
          this.log?.info({ group: current.groupId, member: updated.memberId }, 'a classic static member replaced the last consumer-protocol member: the group becomes a classic group');
          const generationId = current.groupEpoch;
          for (const id of current.members.keys()) this.cancelTimers(current.groupId, id);
          w.write(...groupTombstoneRecords(current));
          w.trailing.push(...downgrade.records);
          w.onStored.push(() => downgrade.onStored());
          return { ...answer, generationId };
        }
        const key = timerKey(current.groupId, updated.memberId);
        this.cancelTimer(this.joinTimers, key);
        this.scheduleSessionTimeout(current, updated.memberId);
        this.scheduleFenceTimer(this.syncTimers, current, updated.memberId, updated.rebalanceTimeoutMs, 'classic member did not send SyncGroup within its rebalance timeout');
        return answer;
      });
    } catch (e) {
      if (e instanceof HeartbeatError) return joinError(memberId, e.errorCode);
      throw e;
    }
  }

  /**
   * The member a classic JoinGroup speaks for: a dynamic member by id (a
   * new one is created), a static one by instance id; a static member that
   * restarted (no member id) takes its instance's place under a new id,
   * keeping its target.
   */
  private classicMemberFor(w: GroupWrite, group: ConsumerGroup, memberId: string, p: ClassicJoinRequest): ConsumerGroupMember {
    if (p.groupInstanceId === null) {
      const existing = group.members.get(memberId);
      if (existing && !existing.usesClassicProtocol) fail(ErrorCode.UNKNOWN_MEMBER_ID, `Member ${memberId} does not use the classic protocol.`);
      if (!existing) this.log?.info({ group: group.groupId, member: memberId }, 'member joins the consumer group using the classic protocol');
      return existing ?? ConsumerGroupMember.create(memberId);
    }
    const existing = group.staticMember(p.groupInstanceId);
    if (!existing) return ConsumerGroupMember.create(memberId).with({ instanceId: p.groupInstanceId });
    if (existing.memberId === memberId) {
      if (!existing.usesClassicProtocol) fail(ErrorCode.UNKNOWN_MEMBER_ID, `Member ${memberId} does not use the classic protocol.`);
      return existing;
    }
    if (p.memberId !== '') {
      fail(ErrorCode.FENCED_INSTANCE_ID, `Static member ${memberId} with instance id ${p.groupInstanceId} was fenced by member ${existing.memberId}.`);
    }
    this.log?.info({ group: group.groupId, member: memberId, instanceId: p.groupInstanceId, replaces: existing.memberId }, 'static member rejoins the consumer group');
    const next = existing.with({ memberId, memberEpoch: 0, previousMemberEpoch: 0, partitionsPendingRevocation: new Map() });
    this.replaceStaticMember(w, existing, next);
    return next;
  }

  /**
   * SyncGroup from a classic member (Kafka's classicGroupSyncToConsumerGroup):
   * its current partitions, encoded at its subscription's version. While the
   * group epoch is ahead of the member's (and it is not revoking), it must
   * rejoin first: REBALANCE_IN_PROGRESS.
   */
  classicSync(p: ClassicSyncRequest): SyncGroupResult {
    try {
      const { group, member } = this.classicMember(p.groupId, p.memberId, p.groupInstanceId);
      if (p.generationId !== member.memberEpoch) fail(ErrorCode.ILLEGAL_GENERATION, `The request generation id ${p.generationId} is not the member epoch ${member.memberEpoch}.`);
      if ((p.protocolType !== null && p.protocolType !== 'consumer') || (p.protocolName !== null && p.protocolName !== member.classicProtocolName)) {
        fail(ErrorCode.INCONSISTENT_GROUP_PROTOCOL, `The protocol of member ${member.memberId} does not match the group's.`);
      }
      this.throwIfMustRejoin(group, member, false);
      this.cancelTimer(this.syncTimers, timerKey(group.groupId, member.memberId));
      this.scheduleSessionTimeout(group, member.memberId);
      return { errorCode: ErrorCode.NONE, protocolType: p.protocolType, protocolName: p.protocolName, assignment: this.classicAssignment(member) };
    } catch (e) {
      if (e instanceof HeartbeatError) return syncError(e.errorCode);
      throw e;
    }
  }

  /**
   * Heartbeat from a classic member (Kafka's classicGroupHeartbeatToConsumerGroup):
   * REBALANCE_IN_PROGRESS when it must rejoin — the group epoch moved past
   * its epoch, it has partitions to give up, or the partitions it waits
   * for were released — and from then it must rejoin within its rebalance
   * timeout.
   */
  classicHeartbeat(p: { groupId: string; generationId: number; memberId: string; groupInstanceId: string | null }): ErrorCode {
    try {
      const { group, member } = this.classicMember(p.groupId, p.memberId, p.groupInstanceId);
      if (p.generationId !== member.memberEpoch) return ErrorCode.ILLEGAL_GENERATION;
      this.scheduleSessionTimeout(group, member.memberId);
      this.throwIfMustRejoin(group, member, true);
      return ErrorCode.NONE;
    } catch (e) {
      if (e instanceof HeartbeatError) return e.errorCode;
      throw e;
    }
  }

  /**
   * LeaveGroup from classic members (Kafka's classicGroupLeaveToConsumerGroup):
   * each is removed (an instance id alone removes that static member), and
   * the group epoch is bumped once so the others rebalance.
   */
  classicLeave(groupId: string, leaving: readonly { memberId: string; groupInstanceId: string | null; reason: string | null }[]): {
    errorCode: ErrorCode;
    members: { memberId: string; groupInstanceId: string | null; errorCode: ErrorCode }[];
  } {
    try {
      return this.inWrite(groupId, (w) => {
        const members = leaving.map((m) => {
          try {
            const { member } = this.classicMember(groupId, m.memberId, m.groupInstanceId, true);
            this.log?.info({ group: groupId, member: member.memberId, reason: m.reason }, 'classic member left the consumer group');
            this.cancelTimers(groupId, member.memberId);
            w.write(...memberRemovalRecords(groupId, member.memberId));
            return { memberId: member.memberId, groupInstanceId: m.groupInstanceId, errorCode: ErrorCode.NONE };
          } catch (e) {
            if (e instanceof HeartbeatError) return { memberId: m.memberId, groupInstanceId: m.groupInstanceId, errorCode: e.errorCode };
            throw e;
          }
        });
        if (w.records.length > 0) {
          const group = w.group;
          const metadata = this.subscriptionMetadata(group);
          if (!sameMetadata(metadata, group.subscriptionMetadata)) w.write(subscriptionMetadataRecord(groupId, metadata));
          w.write(groupEpochRecord(groupId, group.groupEpoch + 1));
        }
        return { errorCode: ErrorCode.NONE, members };
      });
    } catch (e) {
      if (e instanceof HeartbeatError) return { errorCode: e.errorCode, members: [] };
      throw e;
    }
  }

  /** The classic member a request names (Kafka's validateConsumerGroupMember and throwIfMemberDoesNotUseClassicProtocol). */
  private classicMember(groupId: string, memberId: string, instanceId: string | null, adminRemoval = false): { group: ConsumerGroup; member: ConsumerGroupMember } {
    if (this.closed) fail(ErrorCode.COORDINATOR_NOT_AVAILABLE, 'The coordinator is not available.');
    const group = this.groups.get(groupId);
    if (!group) fail(ErrorCode.UNKNOWN_MEMBER_ID, `Group ${groupId} not found.`);
    let member: ConsumerGroupMember | undefined;
    if (instanceId === null) {
      member = group.members.get(memberId);
      if (!member) fail(ErrorCode.UNKNOWN_MEMBER_ID, `Member ${memberId} is not a member of group ${groupId}.`);
    } else {
      member = group.staticMember(instanceId);
      if (!member) fail(ErrorCode.UNKNOWN_MEMBER_ID, `Instance id ${instanceId} is unknown.`);
      // LeaveGroup may remove a static member by its instance id alone (an administrator).
      if (!(adminRemoval && memberId === '') && member.memberId !== memberId) {
        fail(ErrorCode.FENCED_INSTANCE_ID, `Static member ${memberId} with instance id ${instanceId} was fenced by member ${member.memberId}.`);
      }
    }
    if (!member.usesClassicProtocol) fail(ErrorCode.UNKNOWN_MEMBER_ID, `Member ${member.memberId} does not use the classic protocol.`);
    return { group, member };
  }

  /**
   * A classic member learns of a rebalance by REBALANCE_IN_PROGRESS and
   * must rejoin within its rebalance timeout. SyncGroup checks only the
   * epoch; Heartbeat also sends a member back that has partitions to revoke
   * or whose awaited partitions were released.
   */
  private throwIfMustRejoin(group: ConsumerGroup, member: ConsumerGroupMember, heartbeat: boolean): void {
    const behind = group.groupEpoch > member.memberEpoch && member.state !== 'unrevoked_partitions';
    const mustRejoin = heartbeat
      ? member.memberEpoch < group.groupEpoch || member.state === 'unrevoked_partitions' || (member.state === 'unreleased_partitions' && !this.waitsOnUnreleased(group, member))
      : behind;
    if (!mustRejoin) return;
    const key = timerKey(group.groupId, member.memberId);
    if (!this.joinTimers.has(key)) this.scheduleFenceTimer(this.joinTimers, group, member.memberId, member.rebalanceTimeoutMs, 'classic member did not rejoin within its rebalance timeout');
    fail(ErrorCode.REBALANCE_IN_PROGRESS, `A new rebalance is triggered in group ${group.groupId} and member ${member.memberId} should rejoin to catch up.`);
  }

  /** Some partition of the member's target is still held by another member (Kafka's waitingOnUnreleasedPartition). */
  private waitsOnUnreleased(group: ConsumerGroup, member: ConsumerGroupMember): boolean {
    for (const [topicId, parts] of group.targetAssignment.get(member.memberId) ?? new Map<string, Set<number>>()) {
      const assigned = member.assignedPartitions.get(topicId);
      for (const p of parts) if (!(assigned?.has(p) ?? false) && group.partitionEpoch(topicId, p) !== -1) return true;
    }
    return false;
  }

  /** The member's partitions as a ConsumerProtocolAssignment at its first protocol's subscription version. */
  private classicAssignment(member: ConsumerGroupMember): Buffer {
    const byName = toWire(member.assignedPartitions).flatMap((t) => {
      const topic = this.topics.getById(t.topicId);
      return topic === undefined ? [] : [{ topic: topic.name, partitions: t.partitions }];
    });
    let version = 0;
    try {
      version = consumerProtocolVersion(member.classicMemberMetadata?.supportedProtocols[0]?.metadata ?? EMPTY_BYTES);
    } catch {
      // Checked when it joined; an unreadable version is answered at version 0, which every client reads.
    }
    return encodeConsumerAssignment(byName, version);
  }

  /** A classic subscription's owned partitions (topic names) as the heartbeat's (topic ids); unknown topics are not owned. */
  private ownedByName(owned: readonly { topic: string; partitions: number[] }[]): WireTopicPartitions[] {
    return owned.flatMap((t) => {
      const topic = this.topics.get(t.topic);
      return topic === undefined ? [] : [{ topicId: topic.topicId, partitions: [...t.partitions] }];
    });
  }

  private cancelTimer(timers: Map<string, ScheduledTimer>, key: string): void {
    timers.get(key)?.cancel();
    timers.delete(key);
  }

  /** A classic member's join or sync deadline: when it passes, the member is fenced (as a session expiry). */
  private scheduleFenceTimer(timers: Map<string, ScheduledTimer>, group: ConsumerGroup, memberId: string, timeoutMs: number, reason: string): void {
    const key = timerKey(group.groupId, memberId);
    this.cancelTimer(timers, key);
    timers.set(
      key,
      this.scheduler.schedule(timeoutMs, () => {
        timers.delete(key);
        const member = group.members.get(memberId);
        if (!member || this.groups.get(group.groupId) !== group) return;
        this.log?.info({ group: group.groupId, member: memberId }, reason);
        this.fenceOnTimer(group, member);
      }),
    );
  }

  // ---- Interplay with classic groups and offsets --------------------------------

  /** A consumer group with this id exists (members or not): its offsets follow its rules. */
  has(groupId: string): boolean {
    return this.groups.has(groupId);
  }

  /** True when no consumer group has this id, or the one that has it has no members. */
  isEmpty(groupId: string): boolean {
    return (this.groups.get(groupId)?.members.size ?? 0) === 0;
  }

  /** Tombstones an empty group's records (its offsets are the group coordinator's). */
  private removeEmptyGroup(groupId: string): ErrorCode {
    try {
      this.inWrite(groupId, (w) => w.write(...groupRemovalRecords(groupId)));
      return ErrorCode.NONE;
    } catch (e) {
      if (e instanceof HeartbeatError) return e.errorCode;
      throw e;
    }
  }

  /**
   * OffsetCommit to a consumer group (Kafka's ConsumerGroup.validateOffsetCommit):
   * anonymous commits (epoch < 0) only while the group is empty; members
   * commit with their current epoch (STALE_MEMBER_EPOCH otherwise) and
   * OffsetCommit v9+. NONE when the group is not a consumer group.
   */
  validateOffsetCommit(groupId: string, memberId: string, memberEpoch: number, apiVersion: number, transactional = false): ErrorCode {
    const group = this.groups.get(groupId);
    if (!group) return ErrorCode.NONE;
    if (memberEpoch < 0 && group.members.size === 0) return ErrorCode.NONE;
    const member = group.members.get(memberId);
    if (!member) return ErrorCode.UNKNOWN_MEMBER_ID;
    if (!transactional && !member.usesClassicProtocol && apiVersion < 9) return ErrorCode.UNSUPPORTED_VERSION;
    return memberEpochError(member, memberEpoch);
  }

  /** OffsetFetch v9+ from a member (Kafka's ConsumerGroup.validateOffsetFetch); admin fetches (no member id, epoch -1) pass. */
  validateOffsetFetch(groupId: string, memberId: string | null, memberEpoch: number): ErrorCode {
    const group = this.groups.get(groupId);
    if (!group) return ErrorCode.NONE;
    if (memberId === null && memberEpoch < 0) return ErrorCode.NONE;
    const member = memberId === null ? undefined : group.members.get(memberId);
    if (!member) return ErrorCode.UNKNOWN_MEMBER_ID;
    return memberEpochError(member, memberEpoch);
  }

  /** Topics the group's members subscribe to now (OffsetDelete refuses those, offset expiry keeps them). */
  subscribedTopics(groupId: string): ReadonlySet<string> {
    const group = this.groups.get(groupId);
    return new Set(group && group.members.size > 0 ? group.subscriptionMetadata.keys() : []);
  }

  groupIds(): string[] {
    return [...this.groups.keys()];
  }

  unload(groupId: string): void {
    const group = this.groups.get(groupId);
    if (!group) return;
    for (const memberId of group.members.keys()) this.cancelTimers(groupId, memberId);
    this.groups.delete(groupId);
  }

  emptyGroupIds(): string[] {
    return [...this.groups.values()].filter((g) => g.members.size === 0).map((g) => g.groupId);
  }

  /** DeleteGroups: NON_EMPTY_GROUP while members remain; NONE when deleted or not a consumer group. */
  deleteGroup(groupId: string): ErrorCode {
    const group = this.groups.get(groupId);
    if (!group) return ErrorCode.NONE;
    if (group.members.size > 0) return ErrorCode.NON_EMPTY_GROUP;
    return this.removeEmptyGroup(groupId);
  }

  // ---- Describe and list ------------------------------------------------------

  describe(groupId: string): DescribedConsumerGroup | null {
    const group = this.groups.get(groupId);
    if (!group) return null;
    return {
      groupId,
      state: group.state,
      groupEpoch: group.groupEpoch,
      assignmentEpoch: group.assignmentEpoch,
      assignorName: group.assignorName === '' ? this.preferredAssignor(group).name : group.assignorName,
      members: [...group.members.values()].map((m) => ({
        memberId: m.memberId,
        instanceId: m.instanceId,
        rackId: m.rackId,
        memberEpoch: m.memberEpoch,
        clientId: m.clientId,
        clientHost: m.clientHost,
        subscribedTopicNames: [...m.subscribedTopicNames],
        subscribedTopicRegex: m.subscribedTopicRegex,
        assignment: m.assignedPartitions,
        targetAssignment: group.targetAssignment.get(m.memberId) ?? new Map(),
      })),
    };
  }

  list(): ListedConsumerGroup[] {
    return [...this.groups.values()].map((g) => ({ groupId: g.groupId, state: g.state }));
  }
}

/** A member's epoch check (Kafka's validateMemberEpoch): a classic member's generation id is its epoch. */
function memberEpochError(member: ConsumerGroupMember, epoch: number): ErrorCode {
  if (epoch === member.memberEpoch) return ErrorCode.NONE;
  return member.usesClassicProtocol ? ErrorCode.ILLEGAL_GENERATION : ErrorCode.STALE_MEMBER_EPOCH;
}

/** A ConsumerGroupHeartbeat answer that only carries an error. */
export function heartbeatError(errorCode: ErrorCode, errorMessage: string | null): ConsumerGroupHeartbeatResult {
  return { errorCode, errorMessage, memberId: null, memberEpoch: 0, heartbeatIntervalMs: 0, assignment: null };
}

function timerKey(groupId: string, memberId: string): string {
  return `${groupId}\u0000${memberId}`;
}

function sameNames(a: readonly string[], b: readonly string[]): boolean {
  if (a.length !== b.length) return false;
  const sb = new Set(b);
  return a.every((n) => sb.has(n));
}

function sameMetadata(a: ReadonlyMap<string, SubscribedTopic>, b: ReadonlyMap<string, SubscribedTopic>): boolean {
  if (a.size !== b.size) return false;
  for (const [name, t] of a) {
    const o = b.get(name);
    if (!o || o.topicId !== t.topicId || o.partitions !== t.partitions) return false;
  }
  return true;
}

/** The member owns nothing outside `target` (Kafka's isSubset); null owned = unknown = no. */
function isSubset(owned: readonly WireTopicPartitions[] | null, target: TopicPartitionSet): boolean {
  if (owned === null) return false;
  return owned.every((t) => {
    const parts = target.get(t.topicId);
    return parts !== undefined && t.partitions.every((p) => parts.has(p));
  });
}
