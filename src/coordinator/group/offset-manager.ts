/**
 * Every group's committed offsets, classic and consumer groups alike
 * (Kafka's OffsetMetadataManager): group id -> topic-partition -> offset,
 * and the offsets pending in open transactions. A group's offsets are not
 * part of the group object, so a consumer group's offsets need no classic
 * group to hold them, and they outlive the group's metadata tombstone the
 * way Kafka's do.
 *
 * Changed only by replaying records (classic-group-replay.ts), at run time
 * and at load alike.
 */
import type { CommittedOffset } from './classic-group';
import { PendingTransactionalOffsets } from './transactional-offsets';

const NONE: ReadonlyMap<string, CommittedOffset> = new Map();

export class OffsetManager {
  private readonly byGroup = new Map<string, Map<string, CommittedOffset>>();
  readonly pending = new PendingTransactionalOffsets();

  /** The group's committed offsets (offsetKey -> offset); empty when it has none. */
  of(groupId: string): ReadonlyMap<string, CommittedOffset> {
    return this.byGroup.get(groupId) ?? NONE;
  }

  has(groupId: string): boolean {
    return this.byGroup.has(groupId);
  }

  /** Groups that have committed offsets. */
  groupIds(): string[] {
    return [...this.byGroup.keys()];
  }

  set(groupId: string, key: string, value: CommittedOffset): void {
    let offsets = this.byGroup.get(groupId);
    if (!offsets) this.byGroup.set(groupId, (offsets = new Map()));
    offsets.set(key, value);
  }

  delete(groupId: string, key: string): void {
    const offsets = this.byGroup.get(groupId);
    if (!offsets) return;
    offsets.delete(key);
    if (offsets.size === 0) this.byGroup.delete(groupId);
  }

  /** Forgets the offsets of groups whose partition this broker no longer leads (nothing is written). */
  unload(groupId: string): void {
    this.byGroup.delete(groupId);
  }
}
