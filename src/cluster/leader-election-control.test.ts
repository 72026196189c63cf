/**
 * ElectLeaders and the preferred-leader rebalance on the controller: Kafka's
 * per-partition errors, and elections that move leadership only to a live
 * in-sync replica.
 */
import { resolveBrokerConfig } from '../config';
import { ErrorCode } from '../protocol/errors';
import { ManualScheduler } from '../time/manual-scheduler';
import { AutoLeaderRebalance } from './auto-leader-rebalance';
import { ElectionType } from './leader-election-control';
import { controllerCluster, liveBrokers } from './test-support/controller-cluster';

describe('ElectLeaders', () => {
  test('preferred: moves leadership back to the first replica once it is in the ISR again; Kafka\'s errors otherwise', async () => {
    const { controller, createTopic, partition, committed } = await controllerCluster([1, 2, 3]);
    const topicId = await createTopic('t', [[1, 2, 3], [2, 3, 1]]);
    expect(partition('t', 0)).toMatchObject({ leader: 1, leaderEpoch: 0 });

    // Already on the preferred replica: nothing to do, nothing written.
    const before = committed.length;
    expect(await controller.electLeaders(ElectionType.PREFERRED, [{ topic: 't', partitions: [0] }])).toEqual([
      { topic: 't', partitions: [{ partition: 0, errorCode: ErrorCode.ELECTION_NOT_NEEDED, errorMessage: null }] },
    ]);
    expect(committed.length).toBe(before);

    // Broker 1 goes: 2 leads partition 0. While 1 is away the preferred leader is not available.
    await controller.reconcileBrokers(liveBrokers(2, 3));
    expect(partition('t', 0)).toMatchObject({ leader: 2, leaderEpoch: 1, isr: [2, 3] });
    expect((await controller.electLeaders(ElectionType.PREFERRED, [{ topic: 't', partitions: [0] }]))[0]!.partitions[0]!.errorCode).toBe(ErrorCode.PREFERRED_LEADER_NOT_AVAILABLE);
    // Back, but not in the ISR yet: still not available.
    await controller.reconcileBrokers(liveBrokers(1, 2, 3));
    expect((await controller.electLeaders(ElectionType.PREFERRED, [{ topic: 't', partitions: [0] }]))[0]!.partitions[0]!.errorCode).toBe(ErrorCode.PREFERRED_LEADER_NOT_AVAILABLE);
    // Caught up (its leader added it to the ISR): the election moves leadership back, in a new epoch.
    const p0 = partition('t', 0);
    await controller.alterPartition(2, 102, [
      { topicId, partition: 0, leaderEpoch: p0.leaderEpoch, partitionEpoch: p0.partitionEpoch, newIsr: [2, 3, 1].map((brokerId) => ({ brokerId, brokerEpoch: -1 })) },
    ]);
    expect(partition('t', 0).isr).toEqual([2, 3, 1]);
    const results = await controller.electLeaders(ElectionType.PREFERRED, [{ topic: 't', partitions: [0, 1, 7] }, { topic: 'nope', partitions: [0] }]);
    expect(results).toEqual([
      {
        topic: 't',
        partitions: [
          { partition: 0, errorCode: ErrorCode.NONE, errorMessage: null },
          { partition: 1, errorCode: ErrorCode.ELECTION_NOT_NEEDED, errorMessage: null },
          { partition: 7, errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, errorMessage: 'No such partition as t-7' },
        ],
      },
      { topic: 'nope', partitions: [{ partition: 0, errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, errorMessage: 'No such topic as nope' }] },
    ]);
    expect(partition('t', 0)).toMatchObject({ leader: 1, leaderEpoch: 2, isr: [2, 3, 1] });
  });

  test('null partitions: every partition tried, those already on their preferred leader left out', async () => {
    const { controller, createTopic, partition } = await controllerCluster([1, 2]);
    await createTopic('a', [[1, 2], [2, 1]]);
    await createTopic('b', [[2, 1]]);
    await controller.reconcileBrokers(liveBrokers(2));
    await controller.reconcileBrokers(liveBrokers(1, 2));
    // Broker 1 is back but out of every ISR: a-0 cannot move back yet.
    expect(await controller.electLeaders(ElectionType.PREFERRED, null)).toEqual([
      { topic: 'a', partitions: [{ partition: 0, errorCode: ErrorCode.PREFERRED_LEADER_NOT_AVAILABLE, errorMessage: null }] },
      { topic: 'b', partitions: [] },
    ]);
    expect(partition('a', 0).leader).toBe(2);
  });

  test('unclean: a leaderless partition gets a live out-of-sync replica as its only ISR member; ELIGIBLE_LEADERS_NOT_AVAILABLE when none is live', async () => {
    const { controller, createTopic, partition } = await controllerCluster([1, 2, 3]);
    await createTopic('u', [[1, 2], [3]]);
    await controller.reconcileBrokers(liveBrokers(1, 3));
    await controller.reconcileBrokers(liveBrokers(1, 2, 3));
    // 2 is back out of sync; then 1 (the only ISR member) and 3 go.
    await controller.reconcileBrokers(liveBrokers(2));
    expect(partition('u', 0)).toMatchObject({ leader: -1, isr: [1] });
    expect(await controller.electLeaders(ElectionType.UNCLEAN, [{ topic: 'u', partitions: [0, 1] }])).toEqual([
      {
        topic: 'u',
        partitions: [
          { partition: 0, errorCode: ErrorCode.NONE, errorMessage: null },
          { partition: 1, errorCode: ErrorCode.ELIGIBLE_LEADERS_NOT_AVAILABLE, errorMessage: null },
        ],
      },
    ]);
    expect(partition('u', 0)).toMatchObject({ leader: 2, isr: [2] });
    expect((await controller.electLeaders(ElectionType.UNCLEAN, [{ topic: 'u', partitions: [0] }]))[0]!.partitions[0]!.errorCode).toBe(ErrorCode.ELECTION_NOT_NEEDED);
  });
});

describe('auto.leader.rebalance.enable', () => {
  /** Brokers 1..3, a topic whose 6 partitions prefer 1, 2, 3 in turn; broker 1 went and came back in sync. */
  async function imbalanced(overrides: Record<string, string> = {}) {
    const c = await controllerCluster([1, 2, 3], overrides);
    const topicId = await c.createTopic('r', [[1, 2, 3], [2, 3, 1], [3, 1, 2], [1, 3, 2], [2, 1, 3], [3, 2, 1]]);
    await c.controller.reconcileBrokers(liveBrokers(2, 3));
    await c.controller.reconcileBrokers(liveBrokers(1, 2, 3));
    // Every leader adds broker 1 back to its ISR.
    for (let i = 0; i < 6; i++) {
      const p = c.partition('r', i);
      await c.controller.alterPartition(p.leader, 100 + p.leader, [
        { topicId, partition: i, leaderEpoch: p.leaderEpoch, partitionEpoch: p.partitionEpoch, newIsr: [...p.isr, 1].map((brokerId) => ({ brokerId, brokerEpoch: -1 })) },
      ]);
    }
    const leaders = () => [0, 1, 2, 3, 4, 5].map((i) => c.partition('r', i).leader);
    return { ...c, leaders };
  }

  test('a broker leading none of its preferred partitions gets them back; balanced brokers are left alone', async () => {
    const { controller, leaders } = await imbalanced();
    expect(leaders()).toEqual([2, 2, 3, 3, 2, 3]);
    expect(await controller.rebalanceLeaders(10)).toBe(2);
    expect(leaders()).toEqual([1, 2, 3, 1, 2, 3]);
    expect(await controller.rebalanceLeaders(10)).toBe(0);
  });

  test('an imbalance at or under leader.imbalance.per.broker.percentage is tolerated', async () => {
    const { controller, leaders } = await imbalanced();
    // Broker 1 leads none of its 2 partitions: 100 %.
    expect(await controller.rebalanceLeaders(100)).toBe(0);
    expect(leaders()).toEqual([2, 2, 3, 3, 2, 3]);
  });

  test('the check runs every leader.imbalance.check.interval.seconds on the controller, and not when disabled', async () => {
    const scheduler = new ManualScheduler();
    const { controller, leaders, metadata } = await imbalanced();
    const config = resolveBrokerConfig({ static: { 'leader.imbalance.check.interval.seconds': '30' } }).config;
    let isController = false;
    const rebalance = AutoLeaderRebalance.start({ controller, isController: () => isController, config, scheduler, log: null })!;
    scheduler.advance(30_000);
    await metadata.whenApplied(metadata.image.offset);
    expect(leaders()).toEqual([2, 2, 3, 3, 2, 3]);
    isController = true;
    scheduler.advance(29_000);
    expect(leaders()).toEqual([2, 2, 3, 3, 2, 3]);
    scheduler.advance(1_000);
    await waitUntil(() => leaders()[0] === 1);
    expect(leaders()).toEqual([1, 2, 3, 1, 2, 3]);
    rebalance.stop();
    const disabled = resolveBrokerConfig({ static: { 'auto.leader.rebalance.enable': 'false' } }).config;
    expect(AutoLeaderRebalance.start({ controller, isController: () => true, config: disabled, scheduler, log: null })).toBeNull();
  });
});

async function waitUntil(condition: () => boolean): Promise<void> {
  for (let i = 0; i < 100 && !condition(); i++) await new Promise((r) => setImmediate(r));
}
