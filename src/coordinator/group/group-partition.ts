/**
 * Which `__consumer_offsets` partition holds a group: Kafka's partitionFor,
 * the same Java string hash as every internal topic (see partition-for-key.ts).
 */
import { partitionForKey } from '../partition-for-key';

export { javaStringHashCode } from '../partition-for-key';

export function offsetsPartitionFor(groupId: string, partitions: number): number {
  return partitionForKey(groupId, partitions);
}
