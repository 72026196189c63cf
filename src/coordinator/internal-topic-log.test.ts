/**
 * A coordinator's start replays the partitions of its topic this broker
 * leads; the ones it holds but does not lead (a cluster broker back before
 * the controller made it leader again) load when it becomes their leader.
 */
import type { PartitionReadResult } from '../cluster/partition';
import { ErrorCode } from '../protocol/errors';
import { InternalTopicLog, type InternalTopicReplicas } from './internal-topic-log';

test("a whole replay reads only the partitions this broker leads; a named partition is read whoever leads it", () => {
  const reads: number[] = [];
  const partition = (index: number, isLeader: boolean) => ({
    logStartOffset: 0,
    logEndOffset: 1,
    isLeader,
    read: () => {
      reads.push(index);
      // An error ends this partition's replay: what was asked for is all the test needs.
      return { errorCode: ErrorCode.NOT_LEADER_OR_FOLLOWER, records: null } as unknown as PartitionReadResult;
    },
  });
  const replicas: InternalTopicReplicas = {
    appendAsCoordinator: () => 0,
    getPartition: (_topic, p) => (p === 0 ? partition(0, true) : p === 1 ? partition(1, false) : undefined),
  };
  const log = new InternalTopicLog('__consumer_offsets', { replicas, partitions: () => 3, ensureTopic: () => true, now: () => 0 });
  expect([...log.replay()]).toEqual([]);
  expect(reads).toEqual([0]);
  expect([...log.replay([1])]).toEqual([]);
  expect(reads).toEqual([0, 1]);
});
