/**
 * The transaction coordinator as the broker wires it, over a real replica
 * manager (one node's cluster layer, with a second broker registered so
 * `__transaction_state` has a follower): a transaction's markers are
 * written only once its Prepare record is on the follower too.
 */
import { randomUUID } from 'node:crypto';
import type { ClusterNode } from '../../cluster/cluster-node';
import { openSingleNode } from '../../cluster/test-support/single-node';
import { resolveBrokerConfig } from '../../config';
import { silentLogger } from '../../logger';
import { ErrorCode } from '../../protocol/errors';
import { ManualScheduler } from '../../time/manual-scheduler';
import { startGroupCoordinator } from '../group/start-group-coordinator';
import { startTransactionCoordinator } from './start-transaction-coordinator';
import type { TransactionCoordinator } from './transaction-coordinator';
import { TRANSACTION_STATE_TOPIC } from './transaction-state-topic';

const settle = () => new Promise((resolve) => setImmediate(resolve));

let clock: ManualScheduler;
let node: ClusterNode;
let tc: TransactionCoordinator;
const shutdown = new AbortController();

beforeEach(async () => {
  clock = new ManualScheduler();
  node = await openSingleNode({ scheduler: clock });
  await node.controller.registerBroker({ brokerId: 2, incarnationId: randomUUID(), endpoints: [{ name: 'PLAINTEXT', host: 'other', port: 9002, securityProtocol: 0 }], rack: null });
  const create = (name: string, brokerIds: number[]) =>
    node.controller.createTopics([{ name, numPartitions: -1, replicationFactor: -1, assignments: [{ partitionIndex: 0, brokerIds }], configs: {} }]);
  // The coordinator's partition led here, followed by broker 2; the transaction's partition only here.
  await create(TRANSACTION_STATE_TOPIC, [1, 2]);
  await create('out', [1]);
  const wiring = {
    config: resolveBrokerConfig({ static: {} }).config,
    replicas: node.replicas,
    metadata: node.metadata,
    ensureInternalTopic: (name: string, partitions: number, configs: Record<string, string>) => node.controller.ensureInternalTopic(name, partitions, configs),
    now: () => clock.now(),
    log: silentLogger(),
    shutdown: shutdown.signal,
    scheduler: clock,
  };
  // No KIP-848 group here: an empty topic catalog.
  const groups = startGroupCoordinator({ ...wiring, topics: { get: () => undefined, getById: () => undefined, list: () => [] } });
  tc = startTransactionCoordinator({ ...wiring, groups, nodeId: 1, allocateProducerId: () => 1000 });
});

afterEach(async () => {
  tc.close();
  await node.close();
});

/** Broker 2 fetches everything the coordinator's partition holds: its high watermark moves to the log end. */
function followerCatchesUp(): void {
  const p = node.replicas.getPartition(TRANSACTION_STATE_TOPIC, 0)!;
  p.updateFollowerFetchState(2, -1, p.logEndOffset, clock.now());
}

test("EndTxn's markers wait until the follower has the PrepareCommit record", async () => {
  const out = node.replicas.getPartition('out', 0)!;
  const { producerId, producerEpoch } = tc.initProducerId('tx', 60_000, null);
  expect(tc.addPartitions('tx', producerId, producerEpoch, [{ topic: 'out', partition: 0 }])).toBe(ErrorCode.NONE);
  followerCatchesUp();
  const before = out.logEndOffset;

  expect(tc.endTransaction('tx', producerId, producerEpoch, true)).toBe(ErrorCode.NONE);
  await settle();
  // Only in the leader's log: a coordinator killed now leaves the transaction Ongoing to its successor.
  expect(out.logEndOffset).toBe(before);
  expect(tc.transaction('tx')?.state).toBe('PrepareCommit');

  followerCatchesUp();
  await settle();
  await settle();
  expect(out.logEndOffset).toBe(before + 1); // the COMMIT marker
  expect(tc.transaction('tx')?.state).toBe('CompleteCommit');
});
