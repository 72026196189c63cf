import { ErrorCode } from '../../protocol/errors';
import type { GroupStore } from './group-coordinator';
import type { OffsetsTopicRecord } from './offsets-topic';

/** A GroupStore in an array, for tests: `failNext` makes appends fail to exercise the error paths. */
export class MemoryGroupStore implements GroupStore {
  readonly records: (OffsetsTopicRecord & { groupId: string })[] = [];
  failWith: ErrorCode = ErrorCode.NONE;

  ensureReady(): boolean {
    return true;
  }

  append(groupId: string, records: readonly OffsetsTopicRecord[]): ErrorCode {
    if (this.failWith !== ErrorCode.NONE) return this.failWith;
    for (const r of records) this.records.push({ ...r, groupId });
    return ErrorCode.NONE;
  }

  replay(): Iterable<OffsetsTopicRecord> {
    return this.records;
  }

  /** One partition holds every group. */
  partitionFor(): number {
    return 0;
  }
}
