/**
 * Who leads a partition and who is in its ISR after brokers come and go
 * (the election half of Kafka's PartitionChangeBuilder), as pure functions
 * the controller applies to every partition when the live brokers change.
 *
 * The rules, as Kafka's KRaft controller:
 * - a broker that is gone, or came back as a new incarnation (restarted:
 *   its in-memory state is new, and its log may miss what it had not
 *   written yet), leaves the ISR; it rejoins when its leader sees it caught
 *   up (AlterPartition);
 * - a leader that is still serving keeps leading;
 * - otherwise the first replica, in the assignment's order (the preferred
 *   leader first), that is in the ISR and serving leads;
 * - when no ISR member is serving but some came back restarted, they kept
 *   their logs, which held everything acknowledged: the first of them leads,
 *   with them as the ISR (a single-replica partition on a restarted broker);
 * - when no ISR member is alive, an out-of-sync replica leads only with
 *   `unclean.leader.election.enable` (then it alone is the ISR and
 *   acknowledged records may be lost, as the setting says); else the
 *   partition has no leader, and its ISR keeps its members so that the first
 *   of them to come back leads (Kafka keeps the last member the same way).
 * Every leader change bumps the leader epoch (the image's rule).
 */
import { NO_LEADER_CHANGE } from './metadata/metadata-delta';
import { NO_LEADER, type PartitionRegistration } from './metadata/metadata-image';

export interface BrokerLiveness {
  /** Registered, unfenced, and the same incarnation the ISR knew: may stay in the ISR and lead. */
  serving(brokerId: number): boolean;
  /** Registered and unfenced now (a restarted broker too). */
  alive(brokerId: number): boolean;
}

/** A change to write (leader: NO_LEADER_CHANGE when it stays; isr: null when it stays), or null for none. */
export interface LeadershipChange {
  leader: number;
  isr: number[] | null;
}

export function leadershipChange(p: PartitionRegistration, brokers: BrokerLiveness, uncleanLeaderElection: boolean): LeadershipChange | null {
  const servingIsr = p.isr.filter((id) => brokers.serving(id));
  if (p.leader !== NO_LEADER && brokers.serving(p.leader)) {
    return servingIsr.length === p.isr.length ? null : { leader: NO_LEADER_CHANGE, isr: servingIsr };
  }
  const elected = electLeader(p, servingIsr, brokers, uncleanLeaderElection);
  if (elected === null) return p.leader === NO_LEADER ? null : { leader: NO_LEADER, isr: null };
  return { leader: elected.leader, isr: sameMembers(elected.isr, p.isr) ? null : elected.isr };
}

function electLeader(p: PartitionRegistration, servingIsr: readonly number[], brokers: BrokerLiveness, unclean: boolean): { leader: number; isr: number[] } | null {
  const clean = p.replicas.find((id) => servingIsr.includes(id));
  if (clean !== undefined) return { leader: clean, isr: [...servingIsr] };
  const restarted = p.replicas.filter((id) => p.isr.includes(id) && brokers.alive(id));
  if (restarted.length > 0) return { leader: restarted[0] as number, isr: restarted };
  if (unclean) {
    const anyAlive = p.replicas.find((id) => brokers.alive(id));
    if (anyAlive !== undefined) return { leader: anyAlive, isr: [anyAlive] };
  }
  return null;
}

export function sameMembers(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((id) => b.includes(id));
}
