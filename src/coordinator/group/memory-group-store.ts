import { ErrorCode } from '../../protocol/errors';
import type { GroupStore } from './group-coordinator';
import type { OffsetsTopicRecord, OffsetsTopicReplayItem, TransactionalWriter } from './offsets-topic';

/**
 * A GroupStore in an array, for tests: `failWith` makes appends fail to
 * exercise the error paths. Transactional records keep their producer and
 * `appendMarker` writes a transaction marker, so a replay reads back what
 * `__consumer_offsets` would.
 */
export class MemoryGroupStore implements GroupStore {
  readonly records: (OffsetsTopicRecord & { groupId: string; transactionalProducerId?: number })[] = [];
  private readonly items: OffsetsTopicReplayItem[] = [];
  failWith: ErrorCode = ErrorCode.NONE;

  ensureReady(): boolean {
    return true;
  }

  append(groupId: string, records: readonly OffsetsTopicRecord[], txn?: TransactionalWriter): ErrorCode {
    if (this.failWith !== ErrorCode.NONE) return this.failWith;
    for (const r of records) {
      const stored = txn === undefined ? { ...r, groupId } : { ...r, groupId, transactionalProducerId: txn.producerId };
      this.records.push(stored);
      this.items.push(stored);
    }
    return ErrorCode.NONE;
  }

  /** The transaction coordinator's COMMIT/ABORT marker for the producer. */
  appendMarker(producerId: number, commit: boolean): void {
    this.items.push({ kind: 'marker', producerId, commit });
  }

  replay(): Iterable<OffsetsTopicReplayItem> {
    return this.items;
  }

  /** One partition holds every group. */
  partitionFor(): number {
    return 0;
  }
}
