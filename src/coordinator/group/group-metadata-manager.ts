/**
 * Every group this coordinator holds, classic and consumer (KIP-848) alike:
 * one owner for the group-id space (Kafka's GroupMetadataManager.groups).
 * A group id is one kind of group at a time; between operations the two
 * maps never both hold an id. The classic coordinator logic changes
 * `classic`, the KIP-848 logic `consumer`, each only by replaying records;
 * converting an id from one kind to the other (an empty group giving its id
 * up, or the online upgrade and downgrade of group-migration.ts) goes
 * through GroupCoordinator, which writes the old kind's tombstones first and
 * the new kind's records after them, in one batch.
 */
import type { ClassicGroup } from './classic-group';
import type { ConsumerGroup } from './consumer/consumer-group';

export type GroupKind = 'classic' | 'consumer';

export class GroupMetadataManager {
  readonly classic = new Map<string, ClassicGroup>();
  readonly consumer = new Map<string, ConsumerGroup>();

  kindOf(groupId: string): GroupKind | null {
    if (this.consumer.has(groupId)) return 'consumer';
    if (this.classic.has(groupId)) return 'classic';
    return null;
  }
}

/**
 * A classic group that holds nothing but its id: created by an offset
 * commit from outside any group (Kafka's "simple" group), or left Empty
 * with no generation. Another kind of group may take its id over.
 */
export function isSimpleClassicGroup(group: ClassicGroup): boolean {
  return group.is('Empty') && group.generationId === 0 && group.size === 0 && group.pendingMembers.size === 0;
}
