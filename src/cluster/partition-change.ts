/**
 * One change to one partition's registration, as the controller writes it
 * for an admin operation (ElectLeaders, AlterPartitionReassignments) or a
 * leader's ISR change: the targets asked for (ISR, replicas, adding and
 * removing replicas, an election type) in, the PartitionChangeRecord that
 * gets there out, or null when nothing would change. The rules are those
 * of Kafka's PartitionChangeBuilder, in its order:
 *
 * 1. A reassignment in progress completes once the target ISR holds every
 *    target replica (the replicas minus those being removed): the removed
 *    ones leave replicas and ISR, adding/removing are cleared. When only
 *    removals were asked, that can be at once.
 * 2. The election: the current leader stays while it is in the target ISR
 *    and acceptable (registered, unfenced, not shutting down); otherwise the
 *    first acceptable replica in the ISR, in assignment order, leads.
 *    `preferred` first tries the first replica of the assignment (the
 *    preferred leader); `unclean` falls back to any acceptable replica
 *    outside the ISR, which then becomes the only member of the ISR
 *    (acknowledged records may be lost, as the setting says).
 * 3. When the new replica list drops a broker of the old one, the record
 *    names the leader (even unchanged) so that the leader epoch moves on:
 *    the removed broker's fetches are fenced.
 * 4. ISR, replicas, adding and removing are written where they differ.
 *
 * Every leader named bumps the leader epoch and every record the partition
 * epoch (metadata-delta.ts). The election rules the controller applies
 * when brokers come and go (with Weir's "restarted ISR member" case) are
 * partition-leadership.ts's.
 */
import { NO_LEADER_CHANGE } from './metadata/metadata-delta';
import { NO_LEADER, type PartitionRegistration } from './metadata/metadata-image';
import type { PartitionChangeRecord } from './metadata/records';

/** Kafka's PartitionChangeBuilder.Election. */
export type Election = 'preferred' | 'online' | 'unclean';

export interface PartitionChangeTargets {
  isr?: readonly number[];
  replicas?: readonly number[];
  adding?: readonly number[];
  removing?: readonly number[];
  /** Default 'online': a new leader only when the current one cannot stay. */
  election?: Election;
}

/** May lead: registered, unfenced and not in controlled shutdown (Kafka's isActive). */
export type LeaderAcceptor = (brokerId: number) => boolean;

export function isReassigning(p: PartitionRegistration): boolean {
  return p.addingReplicas.length > 0 || p.removingReplicas.length > 0;
}

export function buildPartitionChange(
  p: PartitionRegistration,
  topicId: string,
  partitionId: number,
  targets: PartitionChangeTargets,
  acceptable: LeaderAcceptor,
): PartitionChangeRecord | null {
  let isr = [...(targets.isr ?? p.isr)];
  let replicas = [...(targets.replicas ?? p.replicas)];
  let removing = [...(targets.removing ?? p.removingReplicas)];
  let adding = [...(targets.adding ?? p.addingReplicas)];

  const completed = completedReassignment(replicas, removing, adding, isr);
  if (completed) {
    ({ replicas, isr } = completed);
    removing = [];
    adding = [];
  }

  const record = emptyChange(topicId, partitionId);
  const election = elect(p, replicas, isr, targets.election ?? 'online', acceptable);
  if (election.leader !== p.leader) {
    record.leader = election.leader;
    if (election.unclean) record.isr = [election.leader];
  }
  // A broker dropped from the replicas: a new leader epoch fences it.
  if (record.leader === NO_LEADER_CHANGE && !p.replicas.every((id) => replicas.includes(id))) record.leader = p.leader;
  if (record.isr === null && isr.length > 0 && !sameList(isr, p.isr)) record.isr = isr;
  if (replicas.length > 0 && !sameList(replicas, p.replicas)) record.replicas = replicas;
  if (!sameList(removing, p.removingReplicas)) record.removingReplicas = removing;
  if (!sameList(adding, p.addingReplicas)) record.addingReplicas = adding;
  return isNoOp(record) ? null : record;
}

/**
 * Step 1 (Kafka's PartitionReassignmentReplicas.maybeCompleteReassignment):
 * the replicas and ISR once a reassignment is done, or null while it is not.
 */
function completedReassignment(
  replicas: readonly number[],
  removing: readonly number[],
  adding: readonly number[],
  isr: readonly number[],
): { replicas: number[]; isr: number[] } | null {
  if (removing.length === 0 && adding.length === 0) return null;
  const newIsr = isr.filter((id) => !removing.includes(id));
  const newReplicas = replicas.filter((id) => !removing.includes(id));
  if (newIsr.length === 0 || newReplicas.length === 0) return null;
  if (!newReplicas.every((id) => newIsr.includes(id))) return null;
  return { replicas: newReplicas, isr: newIsr };
}

function elect(
  p: PartitionRegistration,
  replicas: readonly number[],
  isr: readonly number[],
  election: Election,
  acceptable: LeaderAcceptor,
): { leader: number; unclean: boolean } {
  const valid = (id: number) => isr.includes(id) && acceptable(id);
  if (election === 'preferred') {
    const preferred = replicas[0];
    if (preferred !== undefined && valid(preferred)) return { leader: preferred, unclean: false };
    if (valid(p.leader)) return { leader: p.leader, unclean: false };
    return { leader: replicas.slice(1).find(valid) ?? NO_LEADER, unclean: false };
  }
  if (valid(p.leader)) return { leader: p.leader, unclean: false };
  const clean = replicas.find(valid);
  if (clean !== undefined) return { leader: clean, unclean: false };
  if (election === 'unclean') {
    const any = replicas.find(acceptable);
    if (any !== undefined) return { leader: any, unclean: true };
  }
  return { leader: NO_LEADER, unclean: false };
}

function emptyChange(topicId: string, partitionId: number): PartitionChangeRecord {
  return {
    partitionId,
    topicId,
    isr: null,
    leader: NO_LEADER_CHANGE,
    replicas: null,
    removingReplicas: null,
    addingReplicas: null,
    leaderRecoveryState: -1,
    directories: null,
    eligibleLeaderReplicas: null,
    lastKnownElr: null,
  };
}

function isNoOp(r: PartitionChangeRecord): boolean {
  return r.isr === null && r.leader === NO_LEADER_CHANGE && r.replicas === null && r.removingReplicas === null && r.addingReplicas === null;
}

function sameList(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}
