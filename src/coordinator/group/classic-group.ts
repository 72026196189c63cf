/**
 * One classic consumer group (Kafka's GroupMetadata / ClassicGroup): its
 * state, generation, chosen protocol, leader, members, static-member map,
 * pending members (told MEMBER_ID_REQUIRED, not yet rejoined); its
 * committed offsets are the OffsetManager's. Pure bookkeeping: the rules
 * that move it between states live in GroupCoordinator.
 */
import { ConsumerProtocolSubscriptionCodec } from '../../protocol/messages';
import { Reader } from '../../protocol/primitives/reader';
import type { ClassicGroupMember, MemberProtocol } from './classic-group-member';
import type { ScheduledTimer } from '../../time/scheduler';

export type ClassicGroupState = 'Empty' | 'PreparingRebalance' | 'CompletingRebalance' | 'Stable' | 'Dead';

/** Kafka's allowed previous states for each state. */
const VALID_PREVIOUS: Record<ClassicGroupState, readonly ClassicGroupState[]> = {
  Empty: ['PreparingRebalance'],
  PreparingRebalance: ['Stable', 'CompletingRebalance', 'Empty'],
  CompletingRebalance: ['PreparingRebalance'],
  Stable: ['CompletingRebalance'],
  Dead: ['Stable', 'PreparingRebalance', 'CompletingRebalance', 'Empty', 'Dead'],
};

export const CONSUMER_PROTOCOL_TYPE = 'consumer';

export interface CommittedOffset {
  offset: bigint;
  leaderEpoch: number;
  metadata: string;
  commitTimestamp: number;
  /** From old clients' retention time (OffsetCommit v2–4); -1 when unset. */
  expireTimestamp: number;
}

export function offsetKey(topic: string, partition: number): string {
  return `${topic}\u0000${partition}`;
}

export function parseOffsetKey(key: string): { topic: string; partition: number } {
  const i = key.lastIndexOf('\u0000');
  return { topic: key.slice(0, i), partition: Number(key.slice(i + 1)) };
}

/** One member's protocols as they would be (selectProtocol's what-if). */
export interface ProtocolOverride {
  memberId: string;
  protocols: readonly MemberProtocol[];
}

function protocolsOf(m: ClassicGroupMember, override: ProtocolOverride | undefined): readonly MemberProtocol[] {
  return override !== undefined && override.memberId === m.memberId ? override.protocols : m.protocols;
}

export class ClassicGroup {
  state: ClassicGroupState = 'Empty';
  /** When the group last changed state (GroupMetadataValue's currentStateTimestamp); null if unknown. */
  stateTimestamp: number | null;
  generationId = 0;
  protocolType: string | null = null;
  protocolName: string | null = null;
  leaderId: string | null = null;
  readonly members = new Map<string, ClassicGroupMember>();
  /** group.instance.id -> member id */
  readonly staticMembers = new Map<string, string>();
  /** Member ids handed out with MEMBER_ID_REQUIRED, with their expiry timers. */
  readonly pendingMembers = new Map<string, ScheduledTimer>();
  /** Members that must send SyncGroup before the sync timeout. */
  readonly pendingSyncMembers = new Set<string>();
  /** A new member joined while the initial rebalance delay was running: extend it. */
  newMemberAdded = false;
  /** The JoinGroup phase timer (initial delay or rebalance timeout). */
  joinTimer: ScheduledTimer | null = null;
  /** The initial rebalance delay is running: the join phase may not end early. */
  inInitialDelay = false;
  /** The SyncGroup phase timer. */
  syncTimer: ScheduledTimer | null = null;

  constructor(
    readonly groupId: string,
    now: number | null,
  ) {
    this.stateTimestamp = now;
  }

  is(state: ClassicGroupState): boolean {
    return this.state === state;
  }

  transitionTo(state: ClassicGroupState, now: number): void {
    if (!VALID_PREVIOUS[state].includes(this.state)) {
      throw new Error(`group ${this.groupId}: invalid transition ${this.state} -> ${state}`);
    }
    this.state = state;
    this.stateTimestamp = now;
  }

  get size(): number {
    return this.members.size;
  }

  has(memberId: string): boolean {
    return this.members.has(memberId);
  }

  isLeader(memberId: string): boolean {
    return this.leaderId === memberId;
  }

  get numAwaitingJoin(): number {
    let n = 0;
    for (const m of this.members.values()) if (m.isAwaitingJoin) n++;
    return n;
  }

  hasAllMembersJoined(): boolean {
    return this.numAwaitingJoin === this.members.size && this.pendingMembers.size === 0;
  }

  /** The largest rebalance timeout of the members: how long a rebalance may wait for them. */
  get rebalanceTimeoutMs(): number {
    let max = 0;
    for (const m of this.members.values()) max = Math.max(max, m.rebalanceTimeoutMs);
    return max;
  }

  /** Protocol name -> how many members offer it. */
  private protocolCounts(override?: ProtocolOverride): Map<string, number> {
    const counts = new Map<string, number>();
    for (const m of this.members.values()) {
      for (const name of new Set(protocolsOf(m, override).map((p) => p.name))) counts.set(name, (counts.get(name) ?? 0) + 1);
    }
    return counts;
  }

  /** Whether a member with this protocol type and these protocols may join (Kafka's supportsProtocols). */
  supportsProtocols(protocolType: string, protocols: readonly MemberProtocol[]): boolean {
    if (this.is('Empty')) return protocolType.length > 0 && protocols.length > 0;
    if (this.protocolType !== protocolType) return false;
    const counts = this.protocolCounts();
    return protocols.some((p) => counts.get(p.name) === this.members.size);
  }

  /**
   * The protocol every member supports that most members prefer; ties go
   * to the protocol voted first, in member join order. `override`: the
   * choice if that member offered these protocols instead (a restarted
   * static member, before anything changes).
   */
  selectProtocol(override?: ProtocolOverride): string {
    const counts = this.protocolCounts(override);
    const candidates = new Set([...counts].filter(([, n]) => n === this.members.size).map(([name]) => name));
    const votes = new Map<string, number>();
    for (const m of this.members.values()) {
      const vote = protocolsOf(m, override).find((p) => candidates.has(p.name))?.name ?? null;
      if (vote !== null) votes.set(vote, (votes.get(vote) ?? 0) + 1);
    }
    let best: string | null = null;
    let bestVotes = -1;
    for (const [name, n] of votes) {
      if (n > bestVotes) {
        best = name;
        bestVotes = n;
      }
    }
    if (best === null) throw new Error(`group ${this.groupId}: no protocol common to all members`);
    return best;
  }

  add(member: ClassicGroupMember): void {
    if (member.groupInstanceId !== null) this.staticMembers.set(member.groupInstanceId, member.memberId);
    if (this.members.size === 0) this.protocolType = member.protocolType;
    if (this.leaderId === null) this.leaderId = member.memberId;
    this.members.set(member.memberId, member);
    this.pendingMembers.get(member.memberId)?.cancel();
    this.pendingMembers.delete(member.memberId);
  }

  remove(memberId: string): void {
    const member = this.members.get(memberId);
    if (member) {
      this.members.delete(memberId);
      member.cancelSessionTimer();
      if (member.groupInstanceId !== null && this.staticMembers.get(member.groupInstanceId) === memberId) {
        this.staticMembers.delete(member.groupInstanceId);
      }
    }
    if (this.isLeader(memberId)) this.leaderId = this.members.keys().next().value ?? null;
    this.pendingMembers.get(memberId)?.cancel();
    this.pendingMembers.delete(memberId);
    this.pendingSyncMembers.delete(memberId);
  }

  staticMemberId(groupInstanceId: string): string | null {
    return this.staticMembers.get(groupInstanceId) ?? null;
  }

  /** Moves a static member to a new member id (a restarted static member), keeping its assignment. */
  replaceStaticMember(groupInstanceId: string, oldMemberId: string, newMemberId: string): ClassicGroupMember {
    const member = this.members.get(oldMemberId);
    if (!member) throw new Error(`group ${this.groupId}: static member ${oldMemberId} is missing`);
    this.members.delete(oldMemberId);
    member.memberId = newMemberId;
    this.members.set(newMemberId, member);
    if (this.isLeader(oldMemberId)) this.leaderId = newMemberId;
    this.staticMembers.set(groupInstanceId, newMemberId);
    if (this.pendingSyncMembers.delete(oldMemberId)) this.pendingSyncMembers.add(newMemberId);
    return member;
  }

  /** Members that have not rejoined during this rebalance. */
  notYetRejoinedMembers(): ClassicGroupMember[] {
    return [...this.members.values()].filter((m) => !m.isAwaitingJoin);
  }

  /** Keeps the leader if it rejoined, else promotes any member that did. False when nobody rejoined. */
  maybeElectNewJoinedLeader(): boolean {
    if (this.leaderId === null) return false;
    const leader = this.members.get(this.leaderId);
    if (leader?.isAwaitingJoin) return true;
    for (const m of this.members.values()) {
      if (m.isAwaitingJoin) {
        this.leaderId = m.memberId;
        return true;
      }
    }
    return false;
  }

  /** Topics the members subscribe to, or null when some member's metadata is not the consumer protocol. */
  subscribedTopics(): Set<string> | null {
    if (this.protocolType !== CONSUMER_PROTOCOL_TYPE || this.protocolName === null) return null;
    const topics = new Set<string>();
    for (const m of this.members.values()) {
      const subscription = decodeSubscriptionTopics(m.metadataFor(this.protocolName));
      if (subscription === null) return null;
      for (const t of subscription) topics.add(t);
    }
    return topics;
  }

  isSubscribedToTopic(topic: string): boolean {
    return this.subscribedTopics()?.has(topic) ?? false;
  }
}

/** The topics of a ConsumerProtocolSubscription (any version, newer ones read as the newest we know), or null. */
export function decodeSubscriptionTopics(metadata: Buffer): string[] | null {
  try {
    const version = new Reader(metadata).int16();
    const readVersion = Math.min(version, ConsumerProtocolSubscriptionCodec.maxVersion);
    const r = new Reader(metadata, 2);
    return ConsumerProtocolSubscriptionCodec.read(r, readVersion).topics;
  } catch {
    return null;
  }
}
