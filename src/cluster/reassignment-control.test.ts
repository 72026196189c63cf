/**
 * Partition reassignment on the controller (KIP-455 as Kafka's KRaft
 * controller runs it): the states a partition's registration goes through,
 * the completion when the ISR holds the target replicas, cancellation, and
 * Kafka's errors.
 */
import { ErrorCode } from '../protocol/errors';
import { controllerCluster, liveBrokers } from './test-support/controller-cluster';

const member = (brokerId: number) => ({ brokerId, brokerEpoch: 100 + brokerId });

test('{1,2} to {2,3}: the new replica is added, and once it is in sync the old leader leaves and the next target replica leads', async () => {
  const { controller, createTopic, partition } = await controllerCluster([1, 2, 3]);
  const topicId = await createTopic('move', [[1, 2]]);
  expect(await controller.alterPartitionReassignments([{ topic: 'move', partitions: [{ partition: 0, replicas: [2, 3] }] }])).toEqual([
    { topic: 'move', partitions: [{ partition: 0, errorCode: ErrorCode.NONE, errorMessage: null }] },
  ]);
  expect(partition('move')).toMatchObject({ replicas: [2, 3, 1], addingReplicas: [3], removingReplicas: [1], isr: [1, 2], leader: 1, leaderEpoch: 0, partitionEpoch: 1 });
  expect(controller.listPartitionReassignments(null)).toEqual([{ topic: 'move', partitions: [{ partition: 0, replicas: [2, 3, 1], addingReplicas: [3], removingReplicas: [1] }] }]);
  expect(controller.listPartitionReassignments([{ topic: 'move', partitions: [0, 5] }, { topic: 'other', partitions: [0] }])).toHaveLength(1);

  // Broker 3 caught up: its leader adds it to the ISR, which completes the reassignment and takes the leadership away.
  const p = partition('move');
  const answer = await controller.alterPartition(1, 101, [{ topicId, partition: 0, leaderEpoch: p.leaderEpoch, partitionEpoch: p.partitionEpoch, newIsr: [1, 2, 3].map(member) }]);
  expect(answer.partitions[0]!.errorCode).toBe(ErrorCode.NEW_LEADER_ELECTED);
  expect(partition('move')).toMatchObject({ replicas: [2, 3], addingReplicas: [], removingReplicas: [], isr: [2, 3], leader: 2, leaderEpoch: 1 });
  expect(controller.listPartitionReassignments(null)).toEqual([]);
});

test('the leader stays when it is a target replica; the epoch moves on when a replica leaves', async () => {
  const { controller, createTopic, partition } = await controllerCluster([1, 2, 3]);
  const topicId = await createTopic('keep', [[2, 1]]);
  await controller.alterPartitionReassignments([{ topic: 'keep', partitions: [{ partition: 0, replicas: [2, 3] }] }]);
  const p = partition('keep');
  const answer = await controller.alterPartition(2, 102, [{ topicId, partition: 0, leaderEpoch: p.leaderEpoch, partitionEpoch: p.partitionEpoch, newIsr: [2, 1, 3].map(member) }]);
  expect(answer.partitions[0]).toMatchObject({ errorCode: ErrorCode.NONE, leaderId: 2, leaderEpoch: 1, isr: [2, 3] });
  expect(partition('keep')).toMatchObject({ replicas: [2, 3], isr: [2, 3], leader: 2, leaderEpoch: 1, partitionEpoch: p.partitionEpoch + 1 });
});

test('removing or reordering replicas completes at once; a removed leader is replaced', async () => {
  const { controller, createTopic, partition } = await controllerCluster([1, 2, 3]);
  await createTopic('shrink', [[1, 2, 3], [1, 2, 3]]);
  await controller.alterPartitionReassignments([{ topic: 'shrink', partitions: [{ partition: 0, replicas: [2, 3] }, { partition: 1, replicas: [3, 2, 1] }] }]);
  expect(partition('shrink', 0)).toMatchObject({ replicas: [2, 3], isr: [2, 3], addingReplicas: [], removingReplicas: [], leader: 2, leaderEpoch: 1 });
  // Reordered: the preferred replica changes, the leader and its epoch do not.
  expect(partition('shrink', 1)).toMatchObject({ replicas: [3, 2, 1], isr: [1, 2, 3], leader: 1, leaderEpoch: 0 });
});

test('cancelling goes back to the original replicas and drops the added ones from the ISR; nothing to cancel is NO_REASSIGNMENT_IN_PROGRESS', async () => {
  const { controller, createTopic, partition } = await controllerCluster([1, 2, 3]);
  await createTopic('undo', [[1, 2]]);
  await controller.alterPartitionReassignments([{ topic: 'undo', partitions: [{ partition: 0, replicas: [2, 3] }] }]);
  expect(partition('undo')).toMatchObject({ replicas: [2, 3, 1], addingReplicas: [3], removingReplicas: [1] });
  // Cancelled before broker 3 caught up.
  expect(await controller.alterPartitionReassignments([{ topic: 'undo', partitions: [{ partition: 0, replicas: null }] }])).toEqual([
    { topic: 'undo', partitions: [{ partition: 0, errorCode: ErrorCode.NONE, errorMessage: null }] },
  ]);
  // The order of the replicas is the reassignment's (target first), as in Kafka; broker 1 still leads, in a new epoch (broker 3 left).
  expect(partition('undo')).toMatchObject({ replicas: [2, 1], isr: [1, 2], addingReplicas: [], removingReplicas: [], leader: 1, leaderEpoch: 1 });
  expect(controller.listPartitionReassignments(null)).toEqual([]);
  expect(await controller.alterPartitionReassignments([{ topic: 'undo', partitions: [{ partition: 0, replicas: null }] }])).toEqual([
    { topic: 'undo', partitions: [{ partition: 0, errorCode: ErrorCode.NO_REASSIGNMENT_IN_PROGRESS, errorMessage: 'No partition reassignment is in progress.' }] },
  ]);
});

test("Kafka's errors per partition; the valid ones are written", async () => {
  const { controller, createTopic, partition } = await controllerCluster([1, 2, 3]);
  await createTopic('e', [[1], [1], [1]]);
  const results = await controller.alterPartitionReassignments([
    { topic: 'nope', partitions: [{ partition: 0, replicas: [1] }] },
    {
      topic: 'e',
      partitions: [
        { partition: 9, replicas: [1] },
        { partition: 0, replicas: [] },
        { partition: 1, replicas: [2, 2] },
        { partition: 2, replicas: [2, 7] },
        { partition: 0, replicas: [2] },
        { partition: 1, replicas: [3] },
        { partition: 1, replicas: [2] },
      ],
    },
  ]);
  expect(results).toEqual([
    { topic: 'nope', partitions: [{ partition: 0, errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, errorMessage: 'Unable to find a topic named nope.' }] },
    {
      topic: 'e',
      partitions: [
        { partition: 9, errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, errorMessage: 'Unable to find partition e:9.' },
        { partition: 0, errorCode: ErrorCode.INVALID_REPLICA_ASSIGNMENT, errorMessage: 'The manual partition assignment includes an empty replica list.' },
        { partition: 1, errorCode: ErrorCode.INVALID_REPLICA_ASSIGNMENT, errorMessage: 'The manual partition assignment includes the broker 2 more than once.' },
        { partition: 2, errorCode: ErrorCode.INVALID_REPLICA_ASSIGNMENT, errorMessage: 'The manual partition assignment includes broker 7, but no such broker is registered.' },
        { partition: 0, errorCode: ErrorCode.INVALID_REQUEST, errorMessage: 'Duplicate partition e:0 in the request.' },
        { partition: 1, errorCode: ErrorCode.INVALID_REQUEST, errorMessage: 'Duplicate partition e:1 in the request.' },
        { partition: 1, errorCode: ErrorCode.INVALID_REQUEST, errorMessage: 'Duplicate partition e:1 in the request.' },
      ],
    },
  ]);
  for (const i of [0, 1, 2]) expect(partition('e', i)).toMatchObject({ replicas: [1], addingReplicas: [] });
});

test('a reassignment survives its target replica going away, and completes once it is back in sync', async () => {
  const { controller, createTopic, partition } = await controllerCluster([1, 2, 3]);
  const topicId = await createTopic('slow', [[1, 2]]);
  await controller.alterPartitionReassignments([{ topic: 'slow', partitions: [{ partition: 0, replicas: [2, 3] }] }]);
  await controller.reconcileBrokers(liveBrokers(1, 2));
  await controller.reconcileBrokers(liveBrokers(1, 2, 3));
  expect(partition('slow')).toMatchObject({ replicas: [2, 3, 1], addingReplicas: [3], removingReplicas: [1], leader: 1 });
  const p = partition('slow');
  await controller.alterPartition(1, 101, [{ topicId, partition: 0, leaderEpoch: p.leaderEpoch, partitionEpoch: p.partitionEpoch, newIsr: [1, 2, 3].map(member) }]);
  expect(partition('slow')).toMatchObject({ replicas: [2, 3], isr: [2, 3], leader: 2 });
});
