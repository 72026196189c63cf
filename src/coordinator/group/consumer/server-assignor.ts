/**
 * Server-side assignors (KIP-848): the group coordinator, not a client
 * leader, computes every member's target assignment. Kafka names them
 * `uniform` (the default) and `range`; `group.consumer.assignors` lists the
 * enabled ones (class names or short names), first = default.
 */
import type { TopicPartitionSet } from './topic-partitions';

export interface AssignmentMemberSpec {
  memberId: string;
  /** Topic ids the member subscribes to (that exist). */
  subscribedTopicIds: ReadonlySet<string>;
  /** The member's previous target assignment, for stickiness. */
  previousTarget: TopicPartitionSet;
}

export interface AssignmentSpec {
  /** Sorted by member id, so assignments are deterministic. */
  members: readonly AssignmentMemberSpec[];
  /** topicId -> partition count, for every subscribed topic that exists. */
  partitionCounts: ReadonlyMap<string, number>;
}

export interface ServerAssignor {
  readonly name: string;
  /** memberId -> target partitions (every member gets an entry). */
  assign(spec: AssignmentSpec): Map<string, TopicPartitionSet>;
}
