/**
 * The replication and controller counts, with Kafka's definitions: per
 * replica (Partition.isUnderReplicated / isUnderMinIsr / isAtMinIsr) and
 * over a metadata image the real controller wrote (KRaft's
 * ControllerMetadataMetrics).
 */
import { controllerCluster, liveBrokers } from '../cluster/test-support/controller-cluster';
import { countCluster, countReplicas, effectiveMinIsr, isAtMinIsr, isUnderMinIsr, isUnderReplicated, type ReplicaView } from './replication-counts';

function replica(o: Partial<ReplicaView> = {}): ReplicaView {
  return { isLeader: true, replicas: [1, 2, 3], addingReplicas: [], isr: [1, 2, 3], minInsyncReplicas: 2, ...o };
}

describe('replica counts (kafka.server:type=ReplicaManager)', () => {
  test('a leader with its full ISR is neither under-replicated nor at or under min ISR', () => {
    const r = replica();
    expect([isUnderReplicated(r), isUnderMinIsr(r), isAtMinIsr(r)]).toEqual([false, false, false]);
  });

  test('one replica out of three with min.insync.replicas 2: under-replicated and at min ISR; two out: under min ISR', () => {
    const oneOut = replica({ isr: [1, 3] });
    expect([isUnderReplicated(oneOut), isUnderMinIsr(oneOut), isAtMinIsr(oneOut)]).toEqual([true, false, true]);
    const twoOut = replica({ isr: [1] });
    expect([isUnderReplicated(twoOut), isUnderMinIsr(twoOut), isAtMinIsr(twoOut)]).toEqual([true, true, false]);
  });

  test('only the leader reports a partition: a follower with a short ISR counts for nothing', () => {
    expect(countReplicas([replica({ isLeader: false, isr: [2] })])).toEqual({ leaders: 0, underReplicated: 0, underMinIsr: 0, atMinIsr: 0 });
  });

  test('during a reassignment the replicas being added are not part of the replication factor', () => {
    // [1,2,3] -> [4,5,6]: all six are replicas, 4-6 still being added, ISR the original three.
    const moving = replica({ replicas: [1, 2, 3, 4, 5, 6], addingReplicas: [4, 5, 6], isr: [1, 2, 3] });
    expect(isUnderReplicated(moving)).toBe(false);
    expect(isUnderReplicated({ ...moving, isr: [1, 2] })).toBe(true);
  });

  test('min.insync.replicas larger than the replicas is capped at their number (effective min ISR)', () => {
    const single = replica({ replicas: [1], isr: [1], minInsyncReplicas: 2 });
    expect(effectiveMinIsr(single)).toBe(1);
    expect([isUnderReplicated(single), isUnderMinIsr(single), isAtMinIsr(single)]).toEqual([false, false, true]);
  });

  test('countReplicas adds them up over the replicas a broker holds', () => {
    const counts = countReplicas([replica(), replica({ isr: [1, 2] }), replica({ isr: [1] }), replica({ isLeader: false, isr: [2] })]);
    expect(counts).toEqual({ leaders: 3, underReplicated: 2, underMinIsr: 1, atMinIsr: 1 });
  });
});

describe('cluster counts (kafka.controller:type=KafkaController)', () => {
  test('topics, partitions, offline partitions, preferred-leader imbalance and fenced / active brokers, from what the controller wrote', async () => {
    const c = await controllerCluster([1, 2, 3]);
    await c.createTopic('a', [[1, 2, 3], [2, 3, 1], [3, 1, 2]]);
    await c.createTopic('b', [[3], [2, 1]]);
    expect(countCluster(c.metadata.image)).toEqual({ topics: 2, partitions: 5, offline: 0, preferredReplicaImbalance: 0, fencedBrokers: 0, activeBrokers: 3 });

    // Broker 3 dies: it is fenced; a-2 gets a leader from its ISR (not its
    // preferred replica 3), b-0 (only on 3) has none, and counts as
    // imbalanced too, as in KRaft.
    await c.controller.reconcileBrokers(liveBrokers(1, 2));
    expect(c.partition('a', 2).leader).not.toBe(3);
    expect(c.partition('b', 0).leader).toBe(-1);
    expect(countCluster(c.metadata.image)).toEqual({ topics: 2, partitions: 5, offline: 1, preferredReplicaImbalance: 2, fencedBrokers: 1, activeBrokers: 2 });
  });
});
