/**
 * Offsets committed inside a transaction (TxnOffsetCommit): written to
 * `__consumer_offsets` as the producer's transactional batch, held pending
 * until the transaction's marker reaches the group's partition, then made
 * the group's committed offsets (COMMIT) or dropped (ABORT), like Kafka's
 * pendingTransactionalOffsetCommits. While pending, OffsetFetch with
 * requireStable answers UNSTABLE_OFFSET_COMMIT for the partition.
 *
 * Filled and emptied only by classic-group-replay.ts: a transactional
 * offset record adds here, its producer's marker takes them out, at run
 * time and when the topic is loaded alike (one still open after a load
 * stays pending until its marker).
 */
import type { CommittedOffset } from './classic-group';

export interface PendingOffset {
  groupId: string;
  /** offsetKey(topic, partition) */
  key: string;
  value: CommittedOffset;
}

export class PendingTransactionalOffsets {
  /** producerId -> groupId -> offsetKey -> offset */
  private readonly byProducer = new Map<number, Map<string, Map<string, CommittedOffset>>>();

  add(producerId: number, groupId: string, key: string, value: CommittedOffset): void {
    let groups = this.byProducer.get(producerId);
    if (!groups) this.byProducer.set(producerId, (groups = new Map()));
    let offsets = groups.get(groupId);
    if (!offsets) groups.set(groupId, (offsets = new Map()));
    offsets.set(key, value);
  }

  /** True when some open transaction has an offset pending for this group and partition. */
  isPending(groupId: string, key: string): boolean {
    for (const groups of this.byProducer.values()) if (groups.get(groupId)?.has(key)) return true;
    return false;
  }

  hasGroup(groupId: string): boolean {
    for (const groups of this.byProducer.values()) if (groups.has(groupId)) return true;
    return false;
  }

  /** Removes and returns what the producer's transaction committed (for the groups `ofGroup` accepts, all by default). */
  take(producerId: number, ofGroup?: (groupId: string) => boolean): PendingOffset[] {
    const groups = this.byProducer.get(producerId);
    if (!groups) return [];
    const out: PendingOffset[] = [];
    for (const [groupId, offsets] of groups) {
      if (ofGroup !== undefined && !ofGroup(groupId)) continue;
      for (const [key, value] of offsets) out.push({ groupId, key, value });
      groups.delete(groupId);
    }
    if (groups.size === 0) this.byProducer.delete(producerId);
    return out;
  }

  /** Forgets the pending offsets of the groups (their partition is no longer led here). */
  drop(ofGroup: (groupId: string) => boolean): void {
    for (const [producerId, groups] of this.byProducer) {
      for (const groupId of groups.keys()) if (ofGroup(groupId)) groups.delete(groupId);
      if (groups.size === 0) this.byProducer.delete(producerId);
    }
  }
}
