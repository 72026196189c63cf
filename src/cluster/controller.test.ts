/**
 * The controller: validates against the image, commits records
 * conditionally, validates again when another writer came first; only
 * what changed is written.
 */
import { resolveBrokerConfig } from '../config';
import { ErrorCode } from '../protocol/errors';
import { MemoryStorageDir } from '../storage/memory-storage-dir';
import { Controller, METADATA_VERSION_FEATURE, PRODUCER_ID_BLOCK_SIZE } from './controller';
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
    ErrorCode.BROKER_NOT_AVAILABLE,
    ErrorCode.INVALID_CONFIG,
    ErrorCode.NONE,
  ]);
  expect(results[1]).toMatchObject({ errorMessage: "Topic 'a_b' collides with existing topic: a.b" });
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
