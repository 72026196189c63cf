/**
 * One member of a classic group (Kafka's MemberMetadata): who it is, the
 * protocols it offers in preference order, its assignment, and the
 * JoinGroup / SyncGroup answer it is waiting for, if any.
 */
import type { ScheduledTimer } from '../../time/scheduler';
import { EMPTY_BYTES, type JoinGroupResult, type SyncGroupResult } from './group-results';

export interface MemberProtocol {
  name: string;
  metadata: Buffer;
}

export class ClassicGroupMember {
  assignment: Buffer = EMPTY_BYTES;
  awaitingJoin: ((result: JoinGroupResult) => void) | null = null;
  awaitingSync: ((result: SyncGroupResult) => void) | null = null;
  /** Joined but never yet received a JoinGroup answer: its session timer is the new-member timeout. */
  isNew = false;
  /** Session (heartbeat) expiry timer. */
  sessionTimer: ScheduledTimer | null = null;

  constructor(
    public memberId: string,
    readonly groupInstanceId: string | null,
    public clientId: string,
    public clientHost: string,
    public rebalanceTimeoutMs: number,
    public sessionTimeoutMs: number,
    readonly protocolType: string,
    public protocols: MemberProtocol[],
  ) {}

  get isStatic(): boolean {
    return this.groupInstanceId !== null;
  }

  get isAwaitingJoin(): boolean {
    return this.awaitingJoin !== null;
  }

  get isAwaitingSync(): boolean {
    return this.awaitingSync !== null;
  }

  /** The member's metadata for `protocol` (empty if it does not offer it). */
  metadataFor(protocol: string): Buffer {
    return this.protocols.find((p) => p.name === protocol)?.metadata ?? EMPTY_BYTES;
  }

  /** Same protocols, same order, same metadata bytes: a rejoin that changes nothing. */
  matches(protocols: readonly MemberProtocol[]): boolean {
    if (protocols.length !== this.protocols.length) return false;
    return protocols.every((p, i) => {
      const mine = this.protocols[i];
      return mine !== undefined && mine.name === p.name && mine.metadata.equals(p.metadata);
    });
  }

  completeJoin(result: JoinGroupResult): boolean {
    const callback = this.awaitingJoin;
    if (!callback) return false;
    this.awaitingJoin = null;
    callback(result);
    return true;
  }

  completeSync(result: SyncGroupResult): boolean {
    const callback = this.awaitingSync;
    if (!callback) return false;
    this.awaitingSync = null;
    callback(result);
    return true;
  }

  cancelSessionTimer(): void {
    this.sessionTimer?.cancel();
    this.sessionTimer = null;
  }
}
