/**
 * The controller: validates against the image, commits records
 * conditionally, validates again when another writer came first; only
 * what changed is written.
 */
import { resolveBrokerConfig } from '../config';
import { ErrorCode } from '../protocol/errors';
import { MemoryStorageDir } from '../storage/memory-storage-dir';
import { Controller, METADATA_VERSION_FEATURE, NotControllerError, PRODUCER_ID_BLOCK_SIZE } from './controller';
import { LogMetadataStore } from './metadata/log-metadata-store';
import { MetadataLoader } from './metadata/metadata-loader';
import type { MetadataRecord } from './metadata/metadata-record';
import type { MetadataStore } from './metadata/metadata-store';

const config = resolveBrokerConfig({ static: { 'num.partitions': '2' } }).config;

async function open(wrap: (store: LogMetadataStore) => MetadataStore = (s) => s) {
  const store = LogMetadataStore.open(new MemoryStorageDir());
  const metadata = new MetadataLoader();
  metadata.catchUp(await store.start((b) => metadata.handleCommitted(b)));
  const controller = new Controller(wrap(store), metadata, config);
  await controller.bootstrap();
  await controller.registerBroker({ brokerId: 1, incarnationId: '00000000-0000-0000-0000-000000000001', endpoints: [], rack: null });
  const committed: MetadataRecord[][] = [];
  metadata.install({ name: 'recorder', onMetadataUpdate: () => undefined });
  const originalCommit = store.commit.bind(store);
  store.commit = (records, expected) => {
    committed.push([...records]);
    return originalCommit(records, expected);
  };
  return { store, metadata, controller, committed };
}

const topic = (name: string, numPartitions = -1, configs: Record<string, string | null> = {}) => ({ name, numPartitions, replicationFactor: -1, assignments: [], configs });

test('bootstrap writes metadata.version once; the broker registers with its offset as epoch', async () => {
  const { metadata, controller } = await open();
  expect(metadata.image.features.get(METADATA_VERSION_FEATURE)).toBe(21);
  expect(await controller.bootstrap()).toBe(false);
  // The bootstrap's feature levels (metadata.version, group.version) come first; the registration is the last record.
  expect(metadata.image.brokers.get(1)).toMatchObject({ id: 1, epoch: metadata.image.offset, fenced: false });
  expect(metadata.image.offset).toBe(2);
});

test('a write that lost the race is validated again on the newer image', async () => {
  let raced = false;
  const { controller, metadata } = await open((store) => ({
    start: (l) => store.start(l),
    close: () => store.close(),
    commit: async (records, expected) => {
      if (!raced) {
        raced = true;
        // Another writer creates the same topic first.
        await store.commit([{ type: 'TopicRecord', data: { name: 'contested', topicId: '00000000-0000-0000-0000-0000000000cc' } }], expected);
      }
      return store.commit(records, expected);
    },
  }));
  const [result] = await controller.createTopics([topic('contested')]);
  expect(result).toMatchObject({ errorCode: ErrorCode.TOPIC_ALREADY_EXISTS });
  expect(metadata.image.topics.get('contested')?.id).toBe('00000000-0000-0000-0000-0000000000cc');
});

test('CreateTopics: every valid entry in one commit, in order; Kafka\'s errors for the rest', async () => {
  const { controller, metadata, committed } = await open();
  const results = await controller.createTopics([
    topic('a.b'),
    topic('a_b'),
    topic('nulls', -1, { 'retention.ms': null }),
    { ...topic('rf3'), replicationFactor: 3 },
    { ...topic('manual'), assignments: [{ partitionIndex: 0, brokerIds: [7] }] },
    topic('bad-config', -1, { 'retention.ms': 'soon' }),
    topic('ok', 3, { 'cleanup.policy': 'compact' }),
  ]);
  expect(results.map((r) => ('errorCode' in r ? r.errorCode : ErrorCode.NONE))).toEqual([
    ErrorCode.NONE,
    ErrorCode.INVALID_TOPIC_EXCEPTION,
    ErrorCode.INVALID_CONFIG,
    ErrorCode.INVALID_REPLICATION_FACTOR,
    ErrorCode.INVALID_REPLICA_ASSIGNMENT,
    ErrorCode.INVALID_CONFIG,
    ErrorCode.NONE,
  ]);
  expect(results[1]).toMatchObject({ errorMessage: "Topic 'a_b' collides with existing topic: a.b" });
  expect(results[4]).toMatchObject({ errorMessage: 'The manual partition assignment includes broker 7, but no such broker is registered.' });
  expect(committed).toHaveLength(1);
  expect(committed[0]!.map((r) => r.type)).toEqual([
    'TopicRecord', 'PartitionRecord', 'PartitionRecord',
    'TopicRecord', 'PartitionRecord', 'PartitionRecord', 'PartitionRecord', 'ConfigRecord',
  ]);
  expect(metadata.image.topics.get('ok')?.partitions.get(2)).toMatchObject({ leader: 1, replicas: [1], isr: [1], leaderEpoch: 0 });
  // Nothing valid: nothing written.
  await controller.createTopics([topic('ok')]);
  expect(committed).toHaveLength(1);
});

test('config changes write only what changed; deletions as null values', async () => {
  const { controller, metadata, committed } = await open();
  await controller.createTopics([topic('c', 1, { 'retention.ms': '1000', 'segment.ms': '5000' })]);
  await controller.setTopicConfigs('c', { 'retention.ms': '1000', 'max.message.bytes': '100' });
  expect(committed.at(-1)?.map((r) => (r.type === 'ConfigRecord' ? [r.data.name, r.data.value] : null))).toEqual([
    ['max.message.bytes', '100'],
    ['segment.ms', null],
  ]);
  expect(metadata.image.topicConfigObject('c')).toEqual({ 'retention.ms': '1000', 'max.message.bytes': '100' });
  const before = committed.length;
  await controller.setTopicConfigs('c', { 'retention.ms': '1000', 'max.message.bytes': '100' });
  expect(committed).toHaveLength(before);
});

test('producer-id blocks follow each other; internal topics are not grown or deleted', async () => {
  const { controller } = await open();
  const first = await controller.allocateProducerIds(1, 1);
  const second = await controller.allocateProducerIds(1, 1);
  expect([first.firstId, first.endId, second.firstId, second.endId]).toEqual([0, PRODUCER_ID_BLOCK_SIZE, PRODUCER_ID_BLOCK_SIZE, 2 * PRODUCER_ID_BLOCK_SIZE]);
  await controller.ensureInternalTopic('__consumer_offsets', 3, { 'cleanup.policy': 'compact' });
  await controller.ensureInternalTopic('__consumer_offsets', 9, {});
  expect(await controller.createPartitions('__consumer_offsets', 4, null)).toMatchObject({ errorCode: ErrorCode.INVALID_TOPIC_EXCEPTION });
  expect((await controller.deleteTopics(['__consumer_offsets'])).get('__consumer_offsets')).toMatchObject({ errorCode: ErrorCode.INVALID_TOPIC_EXCEPTION });
});

describe('a cluster controller: brokers from the registry of live brokers', () => {
  const live = (...ids: [number, string][]) =>
    new Map(ids.map(([id, incarnationId]) => [id, { brokerId: id, incarnationId, endpoints: [{ name: 'PLAINTEXT', host: '127.0.0.1', port: 9000 + id, securityProtocol: 0 }], rack: null, epoch: 100 + id }]));
  const A = '00000000-0000-0000-0000-00000000000a';
  const B = '00000000-0000-0000-0000-00000000000b';
  const C = '00000000-0000-0000-0000-00000000000c';

  async function cluster() {
    const store = LogMetadataStore.open(new MemoryStorageDir());
    const metadata = new MetadataLoader();
    metadata.catchUp(await store.start((b) => metadata.handleCommitted(b)));
    const controller = new Controller(store, metadata, config);
    await controller.bootstrap();
    return { metadata, controller };
  }

  test('registers live brokers with their registry epoch, fences the ones gone, and moves their partitions to no leader and back', async () => {
    const { metadata, controller } = await cluster();
    expect(await controller.reconcileBrokers(live([1, A], [2, B], [3, C]))).toBe(3);
    expect(metadata.image.liveBrokerIds()).toEqual([1, 2, 3]);
    expect(metadata.image.brokers.get(2)).toMatchObject({ epoch: 102, incarnationId: B, fenced: false, endpoints: [{ port: 9002 }] });
    // Nothing changed: nothing written.
    expect(await controller.reconcileBrokers(live([1, A], [2, B], [3, C]))).toBe(0);

    const [created] = await controller.createTopics([topic('spread', 6)]);
    expect(created).toMatchObject({ partitions: 6, replicationFactor: 1 });
    const leaders = () => [...metadata.image.topics.get('spread')!.partitions.values()].map((p) => [p.leader, p.leaderEpoch]);
    expect(new Set(leaders().map(([l]) => l))).toEqual(new Set([1, 2, 3]));

    // Broker 2 is gone: fenced, its partitions leaderless (the epoch moves on).
    await controller.reconcileBrokers(live([1, A], [3, C]));
    expect(metadata.image.brokers.get(2)).toMatchObject({ fenced: true, epoch: 102 });
    expect(metadata.image.liveBrokerIds()).toEqual([1, 3]);
    const gone = leaders().filter(([, epoch]) => epoch === 1);
    expect(gone.length).toBe(2);
    for (const [leader] of gone) expect(leader).toBe(-1);
    // New topics avoid it.
    await controller.createTopics([topic('without-2', 4)]);
    expect(new Set([...metadata.image.topics.get('without-2')!.partitions.values()].map((p) => p.leader))).toEqual(new Set([1, 3]));

    // Back as a new incarnation: registered unfenced, leader of its partitions again in a newer epoch.
    await controller.reconcileBrokers(live([1, A], [2, '00000000-0000-0000-0000-0000000000b2'], [3, C]));
    expect(metadata.image.brokers.get(2)).toMatchObject({ fenced: false, incarnationId: '00000000-0000-0000-0000-0000000000b2' });
    const back = [...metadata.image.topics.get('spread')!.partitions.values()].filter((p) => p.replicas[0] === 2);
    for (const p of back) expect([p.leader, p.leaderEpoch]).toEqual([2, 2]);
  });

  test("a manual assignment may name a registered broker that is fenced (Kafka 3.9's KRaft controller): out of the ISR until it is back", async () => {
    const { metadata, controller } = await cluster();
    await controller.reconcileBrokers(live([1, A], [2, B], [3, C]));
    await controller.reconcileBrokers(live([1, A], [3, C]));
    const manual = (name: string, brokerIds: number[]) => ({ name, numPartitions: -1, replicationFactor: -1, assignments: [{ partitionIndex: 0, brokerIds }], configs: {} });
    const [created, noneActive, unknown] = await controller.createTopics([manual('with-fenced', [2, 3, 1]), manual('all-fenced', [2]), manual('unknown', [1, 9])]);
    expect(created).toMatchObject({ partitions: 1, replicationFactor: 3 });
    expect(metadata.image.topics.get('with-fenced')!.partitions.get(0)).toMatchObject({ replicas: [2, 3, 1], isr: [3, 1], leader: 3 });
    expect(noneActive).toEqual({ errorCode: ErrorCode.INVALID_REPLICA_ASSIGNMENT, errorMessage: 'All brokers specified in the manual partition assignment for partition 0 are fenced or in controlled shutdown.' });
    expect(unknown).toEqual({ errorCode: ErrorCode.INVALID_REPLICA_ASSIGNMENT, errorMessage: 'The manual partition assignment includes broker 9, but no such broker is registered.' });
  });

  test('a broker restarted before it was seen gone gets its partitions in a new leader epoch', async () => {
    const { metadata, controller } = await cluster();
    await controller.reconcileBrokers(live([1, A]));
    await controller.createTopics([topic('one', 1)]);
    await controller.reconcileBrokers(live([1, B]));
    expect(metadata.image.brokers.get(1)).toMatchObject({ incarnationId: B, fenced: false });
    expect(metadata.image.topics.get('one')!.partitions.get(0)).toMatchObject({ leader: 1, leaderEpoch: 1 });
  });

  test('places replicated partitions over the brokers, every replica in sync, led by the first', async () => {
    const { metadata, controller } = await cluster();
    await controller.reconcileBrokers(live([1, A], [2, B], [3, C]));
    const [created] = await controller.createTopics([{ name: 'rf3', numPartitions: 3, replicationFactor: 3, assignments: [], configs: {} }]);
    expect(created).toMatchObject({ partitions: 3, replicationFactor: 3 });
    const parts = [...metadata.image.topics.get('rf3')!.partitions.values()];
    for (const p of parts) {
      expect([...p.replicas].sort()).toEqual([1, 2, 3]);
      expect(p.isr).toEqual(p.replicas);
      expect(p.leader).toBe(p.replicas[0]);
    }
    expect(new Set(parts.map((p) => p.leader))).toEqual(new Set([1, 2, 3]));
    expect(await controller.createPartitions('rf3', 4, [{ brokerIds: [1, 3] }])).toMatchObject({ name: 'rf3' });
    const [tooMany] = await controller.createTopics([{ name: 'rf4', numPartitions: 1, replicationFactor: 4, assignments: [], configs: {} }]);
    expect(tooMany).toMatchObject({ errorCode: ErrorCode.INVALID_REPLICATION_FACTOR });
  });

  test('a broker gone or restarted leaves the ISR; a gone leader is replaced from the ISR in a new epoch', async () => {
    const { metadata, controller } = await cluster();
    await controller.reconcileBrokers(live([1, A], [2, B], [3, C]));
    await controller.createTopics([{ name: 't', numPartitions: -1, replicationFactor: -1, assignments: [{ partitionIndex: 0, brokerIds: [1, 2, 3] }], configs: {} }]);
    const p0 = () => metadata.image.topics.get('t')!.partitions.get(0)!;
    expect(p0()).toMatchObject({ leader: 1, leaderEpoch: 0, isr: [1, 2, 3] });
    // A follower goes: the ISR shrinks, the leader and its epoch stay.
    await controller.reconcileBrokers(live([1, A], [2, B]));
    expect(p0()).toMatchObject({ leader: 1, leaderEpoch: 0, isr: [1, 2] });
    // It comes back: not in the ISR until its leader sees it caught up (AlterPartition).
    await controller.reconcileBrokers(live([1, A], [2, B], [3, C]));
    expect(p0()).toMatchObject({ leader: 1, isr: [1, 2] });
    // The leader restarts: the next replica in the ISR leads in a new epoch; the restarted one is out of the ISR.
    await controller.reconcileBrokers(live([1, '00000000-0000-0000-0000-0000000000a2'], [2, B], [3, C]));
    expect(p0()).toMatchObject({ leader: 2, leaderEpoch: 1, isr: [2] });
    // The last ISR member goes: no leader, and the ISR keeps it so that it may lead when it is back.
    await controller.reconcileBrokers(live([1, '00000000-0000-0000-0000-0000000000a2'], [3, C]));
    expect(p0()).toMatchObject({ leader: -1, leaderEpoch: 2, isr: [2] });
    await controller.reconcileBrokers(live([1, '00000000-0000-0000-0000-0000000000a2'], [2, '00000000-0000-0000-0000-0000000000b2'], [3, C]));
    expect(p0()).toMatchObject({ leader: 2, leaderEpoch: 3, isr: [2] });
  });

  test('an out-of-sync replica leads only with unclean.leader.election.enable', async () => {
    const { metadata, controller } = await cluster();
    await controller.reconcileBrokers(live([1, A], [2, B]));
    await controller.createTopics([
      { name: 'clean', numPartitions: -1, replicationFactor: -1, assignments: [{ partitionIndex: 0, brokerIds: [1, 2] }], configs: {} },
      { name: 'unclean', numPartitions: -1, replicationFactor: -1, assignments: [{ partitionIndex: 0, brokerIds: [1, 2] }], configs: { 'unclean.leader.election.enable': 'true' } },
    ]);
    await controller.reconcileBrokers(live([1, A]));
    await controller.reconcileBrokers(live([1, A], [2, B]));
    // Broker 2 is back but not in sync; then the leader goes.
    await controller.reconcileBrokers(live([2, B]));
    expect(metadata.image.topics.get('clean')!.partitions.get(0)).toMatchObject({ leader: -1, isr: [1] });
    expect(metadata.image.topics.get('unclean')!.partitions.get(0)).toMatchObject({ leader: 2, isr: [2] });
  });

  test('AlterPartition: the leader changes the ISR of its current epoch, with live members of the right incarnation', async () => {
    const { metadata, controller } = await cluster();
    await controller.reconcileBrokers(live([1, A], [2, B], [3, C]));
    await controller.createTopics([{ name: 'isr', numPartitions: -1, replicationFactor: -1, assignments: [{ partitionIndex: 0, brokerIds: [1, 2, 3] }], configs: {} }]);
    const t = metadata.image.topics.get('isr')!;
    const p0 = () => metadata.image.topics.get('isr')!.partitions.get(0)!;
    const ask = (brokerId: number, members: [number, number][], over: Partial<{ leaderEpoch: number; partitionEpoch: number; brokerEpoch: number }> = {}) =>
      controller.alterPartition(brokerId, over.brokerEpoch ?? 100 + brokerId, [
        { topicId: t.id, partition: 0, leaderEpoch: over.leaderEpoch ?? p0().leaderEpoch, partitionEpoch: over.partitionEpoch ?? p0().partitionEpoch, newIsr: members.map(([id, e]) => ({ brokerId: id, brokerEpoch: e })) },
      ]);
    const error = async (r: ReturnType<typeof ask>) => (await r).partitions[0]!.errorCode;

    const shrunk = await ask(1, [[1, -1], [2, 102]]);
    expect(shrunk.partitions[0]).toMatchObject({ errorCode: ErrorCode.NONE, leaderId: 1, leaderEpoch: 0, isr: [1, 2], partitionEpoch: 1 });
    expect(p0()).toMatchObject({ isr: [1, 2], partitionEpoch: 1, leaderEpoch: 0 });
    expect(await error(ask(1, [[1, -1], [2, 102], [3, 999]]))).toBe(ErrorCode.INELIGIBLE_REPLICA);
    expect(await error(ask(1, [[1, -1], [2, 102]], { partitionEpoch: 0 }))).toBe(ErrorCode.INVALID_UPDATE_VERSION);
    expect(await error(ask(1, [[1, -1], [2, 102]], { partitionEpoch: 5 }))).toBe(ErrorCode.NOT_CONTROLLER);
    expect(await error(ask(2, [[2, -1]]))).toBe(ErrorCode.INVALID_REQUEST);
    expect(await error(ask(1, [[2, 102]]))).toBe(ErrorCode.INVALID_REQUEST);
    expect(await error(ask(1, [[1, -1], [4, -1]]))).toBe(ErrorCode.INVALID_REQUEST);
    expect((await ask(1, [[1, -1]], { brokerEpoch: 5 })).errorCode).toBe(ErrorCode.STALE_BROKER_EPOCH);
    const grown = await ask(1, [[1, -1], [2, 102], [3, 103]]);
    expect(grown.partitions[0]).toMatchObject({ errorCode: ErrorCode.NONE, isr: [1, 2, 3], partitionEpoch: 2 });
    // A new leader epoch fences the old leader's requests.
    await controller.reconcileBrokers(live([2, B], [3, C]));
    expect(await error(ask(1, [[1, -1]], { leaderEpoch: 0 }))).toBe(ErrorCode.FENCED_LEADER_EPOCH);
  });

  test('on a broker that is not the controller every write is refused before it is validated', async () => {
    const store = LogMetadataStore.open(new MemoryStorageDir());
    const metadata = new MetadataLoader();
    metadata.catchUp(await store.start((b) => metadata.handleCommitted(b)));
    const controller = new Controller(store, metadata, config, { isController: () => false });
    await expect(controller.createTopics([topic('x')])).rejects.toThrow(NotControllerError);
    await expect(controller.bootstrap()).rejects.toThrow(NotControllerError);
  });
});
