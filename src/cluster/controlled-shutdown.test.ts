import { randomUUID } from 'node:crypto';
import { ErrorCode } from '../protocol/errors';
import { ManualScheduler } from '../time/manual-scheduler';
import type { LiveBrokerRegistration } from './controller';
import { leadershipsOf, readyToShutDown, runControlledShutdown } from './controlled-shutdown';
import { controllerCluster, liveBrokers } from './test-support/controller-cluster';
import type { ReplicaLink } from './replication/replica-link';
import { openSingleNode } from './test-support/single-node';

/** The registry as the controller sees it: brokers `ids`, those in `leaving` wanting to shut down. */
function live(ids: number[], leaving: number[] = []): Map<number, LiveBrokerRegistration> {
  const brokers = liveBrokers(...ids);
  for (const id of leaving) brokers.set(id, { ...brokers.get(id)!, wantShutDown: true });
  return brokers;
}

async function cluster() {
  const c = await controllerCluster([1, 2, 3]);
  // p0 led by 1, p1 by 2, p2 by 3, every replica in sync; p3 only on broker 1.
  await c.createTopic('t', [
    [1, 2, 3],
    [2, 3, 1],
    [3, 1, 2],
    [1],
  ]);
  return { metadata: c.metadata, controller: c.controller, partition: (i: number) => c.partition('t', i) };
}

describe('the controller puts a broker that wants to shut down in controlled shutdown', () => {
  test('its registration says so; every partition it led gets a new leader from the rest of the ISR; it leaves every ISR', async () => {
    const { metadata, controller, partition } = await cluster();
    expect(leadershipsOf(metadata.image, 1)).toBe(2);

    expect(await controller.reconcileBrokers(live([1, 2, 3], [1]))).toBeGreaterThan(0);
    expect(metadata.image.brokers.get(1)).toMatchObject({ inControlledShutdown: true, fenced: false, epoch: 101 });
    // Led by 1: the next replica of the ISR leads in a new epoch, without 1 in the ISR.
    expect(partition(0)).toMatchObject({ leader: 2, leaderEpoch: 1, isr: [2, 3] });
    // Followed by 1: the leader and its epoch stay, the ISR loses 1.
    expect(partition(1)).toMatchObject({ leader: 2, leaderEpoch: 0, isr: [2, 3] });
    expect(partition(2)).toMatchObject({ leader: 3, leaderEpoch: 0, isr: [3, 2] });
    // Its only replica: no leader, the ISR keeps it (KRaft's rule: the ISR is never emptied), so it leads when back.
    expect(partition(3)).toMatchObject({ leader: -1, leaderEpoch: 1, isr: [1] });
    expect(leadershipsOf(metadata.image, 1)).toBe(0);
    expect(readyToShutDown(metadata.image, 1)).toBe(true);
    expect(readyToShutDown(metadata.image, 2)).toBe(false);

    // Asked again (the registry reports the same state): nothing more is written.
    expect(await controller.reconcileBrokers(live([1, 2, 3], [1]))).toBe(0);
  });

  test('a broker in controlled shutdown cannot rejoin an ISR: AlterPartition refuses it as INELIGIBLE_REPLICA', async () => {
    const { controller, partition, metadata } = await cluster();
    await controller.reconcileBrokers(live([1, 2, 3], [3]));
    const p = partition(0);
    expect(p.isr).toEqual([1, 2]);
    const topicId = metadata.image.topics.get('t')!.id;
    const res = await controller.alterPartition(1, 101, [
      { topicId, partition: 0, leaderEpoch: p.leaderEpoch, partitionEpoch: p.partitionEpoch, newIsr: [1, 2, 3].map((id) => ({ brokerId: id, brokerEpoch: 100 + id })) },
    ]);
    expect(res.partitions[0]!.errorCode).toBe(ErrorCode.INELIGIBLE_REPLICA);
    expect(partition(0).isr).toEqual([1, 2]);
  });

  test('the broker exits: fenced; restarted as a new incarnation it is registered out of controlled shutdown and leads its single-replica partition again', async () => {
    const { metadata, controller, partition } = await cluster();
    await controller.reconcileBrokers(live([1, 2, 3], [1]));
    await controller.reconcileBrokers(live([2, 3]));
    expect(metadata.image.brokers.get(1)).toMatchObject({ fenced: true });
    expect(partition(0)).toMatchObject({ leader: 2, isr: [2, 3] });

    const back = live([1, 2, 3]);
    back.set(1, { ...back.get(1)!, incarnationId: '00000000-0000-0000-0000-0000000000a1', epoch: 200 });
    await controller.reconcileBrokers(back);
    expect(metadata.image.brokers.get(1)).toMatchObject({ fenced: false, inControlledShutdown: false, epoch: 200 });
    expect(partition(3)).toMatchObject({ leader: 1, isr: [1] });
    // Not in the ISR of the replicated partitions until its leaders see it caught up.
    expect(partition(0).isr).toEqual([2, 3]);
  });

  test('new partitions are not placed on a broker in controlled shutdown', async () => {
    const { controller, metadata } = await cluster();
    await controller.reconcileBrokers(live([1, 2, 3], [1]));
    await controller.createTopics([{ name: 'new', numPartitions: 4, replicationFactor: 2, assignments: [], configs: {} }]);
    for (const p of metadata.image.topics.get('new')!.partitions.values()) expect([...p.replicas].sort()).toEqual([2, 3]);
  });

  test('two brokers shutting down at once: each partition is led by the one broker left', async () => {
    const { controller, partition } = await cluster();
    await controller.reconcileBrokers(live([1, 2, 3], [1, 2]));
    for (const i of [0, 1, 2]) expect(partition(i)).toMatchObject({ leader: 3, isr: [3] });
  });

  test('the last ISR member of a partition shutting down leaves it leaderless rather than electing an out-of-sync replica (unclean election off)', async () => {
    const { controller, partition } = await cluster();
    await controller.reconcileBrokers(live([1, 3])); // 2 is gone: out of every ISR
    await controller.reconcileBrokers(live([1, 2, 3])); // back, but not in sync
    await controller.reconcileBrokers(live([1, 2], [])); // 3 is gone too
    expect(partition(2)).toMatchObject({ leader: 1, isr: [1] });
    await controller.reconcileBrokers(live([1, 2], [1]));
    expect(partition(2)).toMatchObject({ leader: -1, isr: [1] });
  });
});

describe("the broker's half: it asks, then waits until it leads nothing", () => {
  test('completes once the controller has moved its leadership', async () => {
    const { metadata, controller } = await cluster();
    const scheduler = new ManualScheduler();
    const outcome = runControlledShutdown({
      nodeId: 1,
      metadata,
      scheduler,
      timeoutMs: 15_000,
      // The registration says wantShutDown; the controller acts on the registry's change.
      begin: async () => {
        setImmediate(() => void controller.reconcileBrokers(live([1, 2, 3], [1])));
        return true;
      },
    });
    await expect(outcome).resolves.toBe('completed');
    expect(leadershipsOf(metadata.image, 1)).toBe(0);
  });

  test('gives up after controlled.shutdown.max.retries x controlled.shutdown.retry.backoff.ms when the controller does not act', async () => {
    const { metadata } = await cluster();
    const scheduler = new ManualScheduler();
    let settled: string | null = null;
    const outcome = runControlledShutdown({ nodeId: 1, metadata, scheduler, timeoutMs: 15_000, begin: async () => true }).then((o) => (settled = o));
    await new Promise((r) => setImmediate(r));
    scheduler.advance(14_999);
    await new Promise((r) => setImmediate(r));
    expect(settled).toBeNull();
    scheduler.advance(1);
    await expect(outcome).resolves.toBe('timed-out');
  });

  test('ends when every other broker is shutting down too (the whole cluster stops: nobody is left to act)', async () => {
    const { metadata } = await cluster();
    const scheduler = new ManualScheduler();
    let othersLeaving: () => void = () => undefined;
    const outcome = runControlledShutdown({
      nodeId: 1,
      metadata,
      scheduler,
      timeoutMs: 15_000,
      begin: async () => true,
      noOtherBrokerStays: () => new Promise<void>((resolve) => (othersLeaving = resolve)),
    });
    await new Promise((r) => setImmediate(r));
    othersLeaving();
    await expect(outcome).resolves.toBe('skipped');
  });

  test('is skipped when no other broker could lead, and reported refused when the registration cannot say it', async () => {
    const { metadata, controller } = await cluster();
    const scheduler = new ManualScheduler();
    let asked = false;
    const begin = async () => {
      asked = true;
      return false;
    };
    expect(await runControlledShutdown({ nodeId: 1, metadata, scheduler, timeoutMs: 1000, begin })).toBe('refused');
    expect(asked).toBe(true);
    await controller.reconcileBrokers(live([1]));
    asked = false;
    expect(await runControlledShutdown({ nodeId: 1, metadata, scheduler, timeoutMs: 1000, begin })).toBe('skipped');
    expect(asked).toBe(false);
  });
});

describe('the replica manager in controlled shutdown', () => {
  test('a replica taken out of the ISR stops fetching, as in Kafka; before the shutdown began it kept fetching', async () => {
    const node = await openSingleNode({});
    try {
      const epoch2 = await node.controller.registerBroker({ brokerId: 2, incarnationId: randomUUID(), endpoints: [], rack: null });
      await node.controller.createTopics([
        { name: 'a', numPartitions: -1, replicationFactor: -1, assignments: [{ partitionIndex: 0, brokerIds: [2, 1] }], configs: {} },
        { name: 'b', numPartitions: -1, replicationFactor: -1, assignments: [{ partitionIndex: 0, brokerIds: [2, 1] }], configs: {} },
      ]);
      // Links that never answer: only which partitions are followed matters here.
      const silent: ReplicaLink = { fetch: () => new Promise(() => undefined), offsetForLeaderEpoch: () => new Promise(() => undefined), close: () => undefined };
      node.replicas.startReplication({ open: async () => silent, isrChannel: { alterPartition: () => new Promise(() => undefined) }, brokerEpoch: () => node.brokerEpoch });
      expect([...node.replicas.followedLeaders.keys()].sort()).toEqual(['a-0', 'b-0']);
      const shrink = async (topic: string) => {
        const t = node.metadata.image.topics.get(topic)!;
        const p = t.partitions.get(0)!;
        await node.controller.alterPartition(2, epoch2, [{ topicId: t.id, partition: 0, leaderEpoch: p.leaderEpoch, partitionEpoch: p.partitionEpoch, newIsr: [{ brokerId: 2, brokerEpoch: -1 }] }]);
        expect(node.metadata.image.topics.get(topic)!.partitions.get(0)!.isr).toEqual([2]);
      };
      await shrink('a');
      expect([...node.replicas.followedLeaders.keys()].sort()).toEqual(['a-0', 'b-0']);
      node.replicas.beginControlledShutdown();
      await shrink('b');
      expect([...node.replicas.followedLeaders.keys()]).toEqual(['a-0']);
    } finally {
      await node.close();
    }
  });
});
