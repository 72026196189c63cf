/**
 * One coordinator owns every group id: a group id is a classic group or a
 * KIP-848 consumer group, never both; what each API answers when the id is
 * the other kind is Kafka 4.0's; every group's offsets live in one offset
 * manager, so a consumer group's offsets need no classic group, and an id
 * that changes kind keeps its offsets. All of it survives a restart.
 */
import { ErrorCode } from '../../protocol/errors';
import { ManualScheduler } from '../../time/manual-scheduler';
import { GroupCoordinator, type GroupCoordinatorConfig, type JoinGroupParams } from './group-coordinator';
import { MemoryGroupStore } from './memory-group-store';
import { uniformAssignor } from './consumer/uniform-assignor';
import { heartbeatRequest } from './consumer/test-support/heartbeats';

const CONFIG: GroupCoordinatorConfig = {
  initialRebalanceDelayMs: 0,
  minSessionTimeoutMs: 6000,
  maxSessionTimeoutMs: 300_000,
  maxGroupSize: 100,
  offsetsRetentionMs: 7 * 24 * 3600 * 1000,
  offsetsRetentionCheckIntervalMs: 600_000,
  offsetMetadataMaxBytes: 4096,
};

const TOPICS = [{ name: 't', topicId: '00000000-0000-0000-0000-00000000000a', partitions: 2 }];

function coordinatorOn(store: MemoryGroupStore, clock = new ManualScheduler(), config: GroupCoordinatorConfig = CONFIG) {
  const gc = new GroupCoordinator(config, clock, store, null, {
    config: { sessionTimeoutMs: 45_000, heartbeatIntervalMs: 5000, maxGroupSize: 10, assignors: [uniformAssignor] },
    topics: { get: (n) => TOPICS.find((t) => t.name === n), getById: (id) => TOPICS.find((t) => t.topicId === id), list: () => TOPICS },
  });
  gc.start();
  return { gc, clock };
}

const settle = () => new Promise<void>((resolve) => setImmediate(resolve));

function beat(gc: GroupCoordinator, groupId: string, memberId: string, memberEpoch: number) {
  return gc.consumerGroupHeartbeat(heartbeatRequest({ groupId, memberId, memberEpoch, subscribedTopicNames: memberEpoch === 0 ? ['t'] : null }));
}

function joinParams(groupId: string, o: Partial<JoinGroupParams> = {}): JoinGroupParams {
  return {
    groupId,
    memberId: '',
    groupInstanceId: null,
    requireKnownMemberId: false,
    supportSkipAssignment: false,
    clientId: 'k',
    clientHost: '/127.0.0.1',
    rebalanceTimeoutMs: 10_000,
    sessionTimeoutMs: 10_000,
    protocolType: 'consumer',
    protocols: [{ name: 'range', metadata: Buffer.from('sub') }],
    reason: null,
    ...o,
  };
}

const commitAlone = (gc: GroupCoordinator, groupId: string, offset: bigint) =>
  gc.commitOffsets({ groupId, generationId: -1, memberId: '', groupInstanceId: null, retentionTimeMs: -1, partitions: [{ topic: 't', partition: 0, offset, leaderEpoch: -1, metadata: null, commitTimestamp: -1 }] });

const committed = (gc: GroupCoordinator, groupId: string) => gc.fetchOffsets(groupId, [{ name: 't', partitions: [0] }]).topics[0]?.partitions[0]?.offset;

describe('one group id space', () => {
  test('with group.consumer.migration.policy=disabled a classic group with members keeps its id: ConsumerGroupHeartbeat answers GROUP_ID_NOT_FOUND, ConsumerGroupDescribe too', async () => {
    const { gc, clock } = coordinatorOn(new MemoryGroupStore(), new ManualScheduler(), { ...CONFIG, migrationPolicy: 'disabled' });
    void gc.joinGroup(joinParams('g'));
    clock.advance(1);
    await settle();
    expect(gc.group('g')?.size).toBe(1);
    expect(beat(gc, 'g', 'm1', 0)).toMatchObject({ errorCode: ErrorCode.GROUP_ID_NOT_FOUND, errorMessage: 'Group g is not a consumer group.' });
    expect(beat(gc, 'g', 'm1', 3).errorCode).toBe(ErrorCode.GROUP_ID_NOT_FOUND);
    expect(gc.describeConsumerGroup('g')).toMatchObject({ errorCode: ErrorCode.GROUP_ID_NOT_FOUND, errorMessage: 'Group g is not a consumer group.' });
    expect(gc.describeConsumerGroup('nobody')).toMatchObject({ errorCode: ErrorCode.GROUP_ID_NOT_FOUND, errorMessage: 'Group nobody not found.' });
    gc.close();
  });

  test('an empty classic group (bare offsets) becomes a consumer group when a consumer-protocol member joins; its offsets stay, across a restart', () => {
    const store = new MemoryGroupStore();
    const { gc } = coordinatorOn(store);
    expect(commitAlone(gc, 'g', 42n)).toEqual([ErrorCode.NONE]);
    expect(gc.group('g')?.state).toBe('Empty');
    // A member of a consumer group the broker no longer knows is told to rejoin (as for no group at all).
    expect(beat(gc, 'g', 'm1', 5).errorCode).toBe(ErrorCode.UNKNOWN_MEMBER_ID);
    expect(beat(gc, 'g', 'm1', 0)).toMatchObject({ errorCode: ErrorCode.NONE, memberEpoch: 1 });
    expect(gc.group('g')).toBeUndefined();
    expect(gc.describeGroup('g').kind).toBe('consumer');
    expect(committed(gc, 'g')).toBe(42n);
    // The member commits with its epoch; anonymous commits are refused while it is a member.
    expect(gc.commitOffsets({ groupId: 'g', generationId: 1, memberId: 'm1', groupInstanceId: null, retentionTimeMs: -1, apiVersion: 9, partitions: [{ topic: 't', partition: 0, offset: 43n, leaderEpoch: -1, metadata: null, commitTimestamp: -1 }] })).toEqual([ErrorCode.NONE]);
    expect(commitAlone(gc, 'g', 1n)).toEqual([ErrorCode.UNKNOWN_MEMBER_ID]);
    expect(gc.listGroups([], []).map((g) => [g.groupId, g.groupType])).toEqual([['g', 'consumer']]);
    gc.close();

    const restarted = coordinatorOn(store).gc;
    expect(restarted.group('g')).toBeUndefined();
    expect(restarted.describeGroup('g').kind).toBe('consumer');
    expect(committed(restarted, 'g')).toBe(43n);
    expect(restarted.listGroups([], []).map((g) => [g.groupId, g.groupType])).toEqual([['g', 'consumer']]);
    restarted.close();
  });

  test('JoinGroup to a consumer group with members, with a subscription that is no consumer protocol: INCONSISTENT_GROUP_PROTOCOL; to an empty one: the id becomes a classic group, offsets kept', async () => {
    const store = new MemoryGroupStore();
    const { gc, clock } = coordinatorOn(store);
    expect(beat(gc, 'g', 'm1', 0).errorCode).toBe(ErrorCode.NONE);
    expect(gc.commitOffsets({ groupId: 'g', generationId: 1, memberId: 'm1', groupInstanceId: null, retentionTimeMs: -1, apiVersion: 9, partitions: [{ topic: 't', partition: 0, offset: 7n, leaderEpoch: -1, metadata: null, commitTimestamp: -1 }] })).toEqual([ErrorCode.NONE]);
    expect((await gc.joinGroup(joinParams('g'))).errorCode).toBe(ErrorCode.INCONSISTENT_GROUP_PROTOCOL);
    // SyncGroup / Heartbeat from a classic member the consumer group does not know.
    expect(gc.heartbeat({ groupId: 'g', generationId: 1, memberId: 'k-1', groupInstanceId: null })).toBe(ErrorCode.UNKNOWN_MEMBER_ID);
    expect(beat(gc, 'g', 'm1', -1).errorCode).toBe(ErrorCode.NONE);
    const joined = gc.joinGroup(joinParams('g'));
    clock.advance(1);
    expect((await joined).errorCode).toBe(ErrorCode.NONE);
    expect(gc.describeGroup('g').kind).toBe('classic');
    expect(gc.describeConsumerGroup('g').errorCode).toBe(ErrorCode.GROUP_ID_NOT_FOUND);
    expect(committed(gc, 'g')).toBe(7n);
    gc.close();
    const restarted = coordinatorOn(store).gc;
    expect(restarted.describeGroup('g').kind).toBe('classic');
    expect(committed(restarted, 'g')).toBe(7n);
    restarted.close();
  });

  test('DeleteGroups deletes an empty consumer group with its offsets; one with members is NON_EMPTY_GROUP; the deletion survives a restart', () => {
    const store = new MemoryGroupStore();
    const { gc } = coordinatorOn(store);
    expect(beat(gc, 'g', 'm1', 0).errorCode).toBe(ErrorCode.NONE);
    gc.commitOffsets({ groupId: 'g', generationId: 1, memberId: 'm1', groupInstanceId: null, retentionTimeMs: -1, apiVersion: 9, partitions: [{ topic: 't', partition: 0, offset: 7n, leaderEpoch: -1, metadata: null, commitTimestamp: -1 }] });
    expect(gc.deleteGroups(['g'])).toEqual([{ groupId: 'g', errorCode: ErrorCode.NON_EMPTY_GROUP }]);
    expect(gc.deleteOffsets('g', [{ topic: 't', partition: 0 }]).partitionErrors).toEqual([ErrorCode.GROUP_SUBSCRIBED_TO_TOPIC]);
    beat(gc, 'g', 'm1', -1);
    expect(gc.deleteGroups(['g', 'nobody'])).toEqual([
      { groupId: 'g', errorCode: ErrorCode.NONE },
      { groupId: 'nobody', errorCode: ErrorCode.GROUP_ID_NOT_FOUND },
    ]);
    expect(committed(gc, 'g')).toBe(-1n);
    expect(gc.listGroups([], [])).toEqual([]);
    gc.close();
    const restarted = coordinatorOn(store).gc;
    expect(committed(restarted, 'g')).toBe(-1n);
    expect(restarted.listGroups([], [])).toEqual([]);
    restarted.close();
  });

  test('OffsetCommit with a generation to a group that does not exist: GROUP_ID_NOT_FOUND from v9, ILLEGAL_GENERATION before', () => {
    const { gc } = coordinatorOn(new MemoryGroupStore());
    const commit = (apiVersion: number) =>
      gc.commitOffsets({ groupId: 'none', generationId: 3, memberId: 'x', groupInstanceId: null, retentionTimeMs: -1, apiVersion, partitions: [{ topic: 't', partition: 0, offset: 1n, leaderEpoch: -1, metadata: null, commitTimestamp: -1 }] });
    expect(commit(9)).toEqual([ErrorCode.GROUP_ID_NOT_FOUND]);
    expect(commit(8)).toEqual([ErrorCode.ILLEGAL_GENERATION]);
    gc.close();
  });

  test('a transactional commit from a consumer group member is checked against its epoch and counts once committed', () => {
    const store = new MemoryGroupStore();
    const { gc } = coordinatorOn(store);
    beat(gc, 'g', 'm1', 0);
    const txn = (generationId: number) =>
      gc.commitTransactionalOffsets({ groupId: 'g', producerId: 5, producerEpoch: 0, generationId, memberId: 'm1', groupInstanceId: null, partitions: [{ topic: 't', partition: 1, offset: 9n, leaderEpoch: -1, metadata: null, commitTimestamp: -1 }] });
    expect(txn(7)).toEqual([ErrorCode.STALE_MEMBER_EPOCH]);
    expect(txn(1)).toEqual([ErrorCode.NONE]);
    expect(gc.fetchOffsets('g', [{ name: 't', partitions: [1] }], true).topics[0]?.partitions[0]?.errorCode).toBe(ErrorCode.UNSTABLE_OFFSET_COMMIT);
    store.appendMarker(5, true);
    gc.completeTransaction(5, true);
    expect(gc.fetchOffsets('g', [{ name: 't', partitions: [1] }], true).topics[0]?.partitions[0]?.offset).toBe(9n);
    expect(gc.group('g')).toBeUndefined();
    gc.close();
    const restarted = coordinatorOn(store).gc;
    expect(restarted.fetchOffsets('g', [{ name: 't', partitions: [1] }], true).topics[0]?.partitions[0]?.offset).toBe(9n);
    expect(restarted.group('g')).toBeUndefined();
    restarted.close();
  });
});
