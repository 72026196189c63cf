/**
 * The `range` server assignor: per topic, the subscribed members (sorted by
 * member id) get contiguous ranges of partitions, the first ones one more
 * when the count does not divide evenly. Members subscribed to the same
 * co-partitioned topics get the same partition numbers of each (the point
 * of range: joins across topics keyed alike).
 */
import type { AssignmentSpec, ServerAssignor } from './server-assignor';
import { type TopicPartitionSet, addPartition } from './topic-partitions';

export const rangeAssignor: ServerAssignor = {
  name: 'range',
  assign(spec: AssignmentSpec): Map<string, TopicPartitionSet> {
    const out = new Map<string, TopicPartitionSet>(spec.members.map((m) => [m.memberId, new Map()]));
    for (const [topicId, count] of spec.partitionCounts) {
      const members = spec.members.filter((m) => m.subscribedTopicIds.has(topicId)).map((m) => m.memberId);
      if (members.length === 0) continue;
      const base = Math.floor(count / members.length);
      const extra = count % members.length;
      let next = 0;
      members.forEach((memberId, i) => {
        const n = base + (i < extra ? 1 : 0);
        const target = out.get(memberId);
        for (let k = 0; k < n; k++) if (target) addPartition(target, topicId, next + k);
        next += n;
      });
    }
    return out;
  },
};
