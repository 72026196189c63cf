/**
 * Offsets committed inside a transaction (TxnOffsetCommit): written to
 * `__consumer_offsets` as the producer's transactional batch, held pending
 * until the transaction's marker reaches the group's partition, then made
 * the group's committed offsets (COMMIT) or dropped (ABORT), like Kafka's
 * pendingTransactionalOffsetCommits. While pending, OffsetFetch with
 * requireStable answers UNSTABLE_OFFSET_COMMIT for the partition.
 *
 * On start, `TransactionalReplay` sits between the topic replay and the
 * group loader: plain records pass through, transactional ones wait for
 * their producer's marker (committed ones are emitted at the marker's
 * place in the log, aborted ones vanish), and whatever is still waiting at
 * the end belongs to a transaction that is still open.
 */
import type { CommittedOffset } from './classic-group';
import type { OffsetsTopicRecord, OffsetsTopicReplayItem } from './offsets-topic';

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

  /** Removes and returns everything the producer's transaction committed. */
  take(producerId: number): PendingOffset[] {
    const groups = this.byProducer.get(producerId);
    if (!groups) return [];
    this.byProducer.delete(producerId);
    const out: PendingOffset[] = [];
    for (const [groupId, offsets] of groups) for (const [key, value] of offsets) out.push({ groupId, key, value });
    return out;
  }
}

/** A transactional record still waiting for its marker at the end of a replay. */
export interface OpenTransactionalRecord extends OffsetsTopicRecord {
  producerId: number;
}

export class TransactionalReplay {
  private readonly waiting = new Map<number, OffsetsTopicRecord[]>();

  constructor(private readonly items: Iterable<OffsetsTopicReplayItem>) {}

  /** The records that are part of the committed history, in log order (markers place committed transactions). */
  *committed(): Generator<OffsetsTopicRecord> {
    for (const item of this.items) {
      if (item.kind === 'marker') {
        const records = this.waiting.get(item.producerId) ?? [];
        this.waiting.delete(item.producerId);
        if (item.commit) yield* records;
        continue;
      }
      if (item.transactionalProducerId === undefined) {
        yield { key: item.key, value: item.value };
        continue;
      }
      let list = this.waiting.get(item.transactionalProducerId);
      if (!list) this.waiting.set(item.transactionalProducerId, (list = []));
      list.push({ key: item.key, value: item.value });
    }
  }

  /** After `committed()` is exhausted: records of transactions that are still open. */
  open(): OpenTransactionalRecord[] {
    const out: OpenTransactionalRecord[] = [];
    for (const [producerId, records] of this.waiting) for (const r of records) out.push({ ...r, producerId });
    return out;
  }
}
