/**
 * Tells a coordinator which partitions of its internal topic this broker
 * leads, from the metadata deltas: partitions it becomes leader of are
 * loaded (their records replayed), partitions it stops leading (moved, or
 * the topic gone) are unloaded. Kafka's coordinators follow leadership the
 * same way (onElection / onResignation).
 *
 * The partitions led when the broker starts are loaded by the
 * coordinator's own start (all of them, on one node), so the publisher
 * leaves the first, whole-image update alone and reports what changes
 * after: on one node, the partitions of the internal topic when it is
 * created on first use (empty, nothing to replay).
 */
import type { MetadataDelta } from '../cluster/metadata/metadata-delta';
import type { MetadataPublisher } from '../cluster/metadata/metadata-loader';

export interface PartitionOwner {
  loadPartitions(partitions: readonly number[]): void;
  unloadPartitions(partitions: readonly number[]): void;
}

export class CoordinatorPartitionsPublisher implements MetadataPublisher {
  readonly name: string;
  private started = false;

  constructor(
    private readonly topic: string,
    private readonly nodeId: number,
    private readonly owner: PartitionOwner,
  ) {
    this.name = `coordinator partitions of ${topic}`;
  }

  onMetadataUpdate(delta: MetadataDelta): void {
    if (!this.started) {
      this.started = true;
      return;
    }
    const changes = delta.localChanges(this.nodeId);
    const mine = (refs: readonly { topic: string; partition: number }[]) => refs.filter((r) => r.topic === this.topic).map((r) => r.partition);
    const unloaded = [...mine(changes.deletes), ...mine(changes.followers)];
    const loaded = mine(changes.leaders);
    if (unloaded.length > 0) this.owner.unloadPartitions(unloaded);
    if (loaded.length > 0) this.owner.loadPartitions(loaded);
  }
}
