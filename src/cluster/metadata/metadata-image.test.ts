/**
 * The metadata image is made only by applying records in order; the delta
 * says what changed; the log store gives the same image back after a
 * restart.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { DiskStorageDir } from '../../storage/disk-storage-dir';
import { MemoryStorageDir } from '../../storage/memory-storage-dir';
import type { StorageDir } from '../../storage/storage-dir';
import { LogMetadataStore } from './log-metadata-store';
import { imageRecords, MetadataDelta, partitionRecordOf } from './metadata-delta';
import { MetadataImage, type PartitionRegistration } from './metadata-image';
import { MetadataLoader } from './metadata-loader';
import type { MetadataRecord } from './metadata-record';
import { StaleMetadataError } from './metadata-store';

const A = '00000000-0000-0000-0000-00000000000a';
const B = '00000000-0000-0000-0000-00000000000b';

function partition(replicas: number[], leader = replicas[0] ?? -1, leaderEpoch = 0): PartitionRegistration {
  return { replicas, isr: replicas, removingReplicas: [], addingReplicas: [], leader, leaderRecoveryState: 0, leaderEpoch, partitionEpoch: 0 };
}

function topic(name: string, id: string, partitions: PartitionRegistration[]): MetadataRecord[] {
  return [
    { type: 'TopicRecord', data: { name, topicId: id } },
    ...partitions.map((p, i): MetadataRecord => ({ type: 'PartitionRecord', data: partitionRecordOf(id, i, p) })),
  ];
}

function config(resourceName: string, name: string, value: string | null): MetadataRecord {
  return { type: 'ConfigRecord', data: { resourceType: 2, resourceName, name, value } };
}

function apply(image: MetadataImage, records: MetadataRecord[], firstOffset = image.offset + 1): { delta: MetadataDelta; image: MetadataImage } {
  const delta = new MetadataDelta(image);
  records.forEach((r, i) => delta.replay(r, firstOffset + i));
  return { delta, image: delta.apply() };
}

describe('MetadataImage and MetadataDelta', () => {
  test('topics, partitions and configs come from records, in order', () => {
    const { delta, image } = apply(MetadataImage.EMPTY, [...topic('orders', A, [partition([1]), partition([1])]), config('orders', 'retention.ms', '1000')]);
    expect(image.offset).toBe(3);
    expect(image.topics.get('orders')?.id).toBe(A);
    expect(image.topics.getById(A)?.partitions.size).toBe(2);
    expect(image.topics.partition('orders', 1)).toMatchObject({ leader: 1, leaderEpoch: 0, replicas: [1], isr: [1] });
    expect(image.topics.partition('orders', 2)).toBeUndefined();
    expect(image.topicConfigObject('orders')).toEqual({ 'retention.ms': '1000' });
    expect(delta.createdTopics().map((t) => t.name)).toEqual(['orders']);
    expect(delta.changedTopicConfigs()).toEqual(new Set(['orders']));
    // The image before is untouched.
    expect(MetadataImage.EMPTY.topics.size).toBe(0);
  });

  test('changes to many partitions of one topic leave the image before untouched, also after an apply mid-delta', () => {
    const base = apply(MetadataImage.EMPTY, topic('t', A, [partition([1, 2]), partition([2, 1])])).image;
    const delta = new MetadataDelta(base);
    const change = (partitionId: number, leader: number): MetadataRecord => ({
      type: 'PartitionChangeRecord',
      data: { topicId: A, partitionId, isr: null, leader, replicas: null, removingReplicas: null, addingReplicas: null, leaderRecoveryState: -1, directories: null, eligibleLeaderReplicas: null, lastKnownElr: null },
    });
    delta.replay(change(0, 2), base.offset + 1);
    const middle = delta.apply();
    delta.replay(change(1, 1), base.offset + 2);
    const end = delta.apply();
    expect([0, 1].map((p) => base.topics.partition('t', p)?.leader)).toEqual([1, 2]);
    expect([0, 1].map((p) => middle.topics.partition('t', p)?.leader)).toEqual([2, 2]);
    expect([0, 1].map((p) => end.topics.partition('t', p)?.leader)).toEqual([2, 1]);
  });

  test('a partition change bumps the leader epoch only when it names a leader, the partition epoch always', () => {
    const base = apply(MetadataImage.EMPTY, topic('t', A, [partition([1, 2, 3])])).image;
    const isrOnly: MetadataRecord = {
      type: 'PartitionChangeRecord',
      data: { partitionId: 0, topicId: A, isr: [1, 2], leader: -2, replicas: null, removingReplicas: null, addingReplicas: null, leaderRecoveryState: -1, directories: null, eligibleLeaderReplicas: null, lastKnownElr: null },
    };
    const shrunk = apply(base, [isrOnly]);
    expect(shrunk.image.topics.partition('t', 0)).toMatchObject({ isr: [1, 2], leader: 1, leaderEpoch: 0, partitionEpoch: 1 });
    const newLeader: MetadataRecord = { type: 'PartitionChangeRecord', data: { ...isrOnly.data, isr: null, leader: 2 } } as MetadataRecord;
    const moved = apply(shrunk.image, [newLeader]);
    expect(moved.image.topics.partition('t', 0)).toMatchObject({ isr: [1, 2], leader: 2, leaderEpoch: 1, partitionEpoch: 2 });
    // Broker 1 now follows, broker 2 leads, broker 3 is no longer in... the replicas still: it follows too.
    expect(moved.delta.localChanges(1).followers.map((f) => f.partition)).toEqual([0]);
    expect(moved.delta.localChanges(2).leaders.map((f) => f.registration.leaderEpoch)).toEqual([1]);
  });

  test('removing a topic removes its partitions and its configs; localChanges deletes the replicas', () => {
    const base = apply(MetadataImage.EMPTY, [...topic('gone', A, [partition([1]), partition([2])]), config('gone', 'segment.ms', '10')]).image;
    const { delta, image } = apply(base, [{ type: 'RemoveTopicRecord', data: { topicId: A } }]);
    expect(image.topics.get('gone')).toBeUndefined();
    expect(image.topicConfigs('gone').size).toBe(0);
    expect(delta.deletedTopics().map((t) => t.name)).toEqual(['gone']);
    expect(delta.localChanges(1).deletes).toEqual([{ topic: 'gone', topicId: A, partition: 0 }]);
    expect(delta.changedTopicConfigs().size).toBe(0);
  });

  test('a topic deleted and created again under its name in one delta', () => {
    const base = apply(MetadataImage.EMPTY, topic('t', A, [partition([1])])).image;
    const { delta, image } = apply(base, [{ type: 'RemoveTopicRecord', data: { topicId: A } }, ...topic('t', B, [partition([1])])]);
    expect(image.topics.get('t')?.id).toBe(B);
    expect(image.topics.getById(A)).toBeUndefined();
    const local = delta.localChanges(1);
    expect(local.deletes.map((d) => d.topicId)).toEqual([A]);
    expect(local.leaders.map((l) => l.topicId)).toEqual([B]);
  });

  test('producer-id blocks advance the high-water mark; brokers and features register', () => {
    const { delta, image } = apply(MetadataImage.EMPTY, [
      { type: 'FeatureLevelRecord', data: { name: 'metadata.version', featureLevel: 21 } },
      {
        type: 'RegisterBrokerRecord',
        data: {
          brokerId: 1,
          isMigratingZkBroker: false,
          incarnationId: A,
          brokerEpoch: 1n,
          endPoints: [{ name: 'PLAINTEXT', host: 'h', port: 1, securityProtocol: 0 }],
          features: [],
          rack: null,
          fenced: false,
          inControlledShutdown: false,
          logDirs: [],
        },
      },
      { type: 'ProducerIdsRecord', data: { brokerId: 1, brokerEpoch: 1n, nextProducerId: 1000n } },
      { type: 'ProducerIdsRecord', data: { brokerId: 1, brokerEpoch: 1n, nextProducerId: 2000n } },
    ]);
    expect(image.features.get('metadata.version')).toBe(21);
    expect(image.liveBrokerIds()).toEqual([1]);
    expect(image.nextProducerId).toBe(2000);
    expect(delta.producerIdBlocks).toEqual([
      { brokerId: 1, brokerEpoch: 1, firstId: 0, endId: 1000 },
      { brokerId: 1, brokerEpoch: 1, firstId: 1000, endId: 2000 },
    ]);
  });

  test('records that contradict the image are refused', () => {
    expect(() => apply(MetadataImage.EMPTY, [{ type: 'PartitionRecord', data: partitionRecordOf(A, 0, partition([1])) }])).toThrow(/unknown topic/);
    expect(() => apply(MetadataImage.EMPTY, [{ type: 'RemoveTopicRecord', data: { topicId: A } }])).toThrow(/unknown topic/);
  });

  test('an image rebuilt from its own records (a delta from nothing) is the same image', () => {
    const { image } = apply(MetadataImage.EMPTY, [
      { type: 'FeatureLevelRecord', data: { name: 'metadata.version', featureLevel: 21 } },
      ...topic('a', A, [partition([1]), partition([1])]),
      ...topic('b', B, [partition([1])]),
      config('a', 'cleanup.policy', 'compact'),
      { type: 'ProducerIdsRecord', data: { brokerId: 1, brokerEpoch: 1n, nextProducerId: 1000n } },
    ]);
    const rebuilt = MetadataDelta.fromEmpty(image);
    expect(rebuilt.createdTopics().map((t) => t.name).sort()).toEqual(['a', 'b']);
    const again = rebuilt.apply();
    expect(again.offset).toBe(image.offset);
    expect(imageRecords(again)).toEqual(imageRecords(image));
  });
});

describe('LogMetadataStore and MetadataLoader', () => {
  let root: string;
  beforeEach(() => {
    root = mkdtempSync(path.join(tmpdir(), 'weir-metadata-'));
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  async function open(dir: StorageDir = new DiskStorageDir(root)) {
    const store = LogMetadataStore.open(dir.dir('__cluster_metadata-0'));
    const loader = new MetadataLoader();
    loader.catchUp(await store.start((b) => loader.handleCommitted(b)));
    return { store, loader };
  }

  test('commits are durable, applied in order, published, and replayed the same after a restart', async () => {
    const first = await open();
    const seen: string[] = [];
    first.loader.install({ name: 'test', onMetadataUpdate: (delta) => seen.push(...delta.createdTopics().map((t) => t.name)) });
    expect(await first.store.commit(topic('a', A, [partition([1])]), -1)).toBe(1);
    expect(first.loader.image.topics.get('a')).toBeDefined(); // applied before the promise settled
    await first.store.commit([...topic('b', B, [partition([1]), partition([1])]), config('b', 'retention.ms', '5')], 1);
    await first.store.commit([{ type: 'RemoveTopicRecord', data: { topicId: A } }], 5);
    expect(seen).toEqual(['a', 'b']);
    const before = first.loader.image;
    first.store.close();

    const second = await open();
    const after = second.loader.image;
    expect(after.offset).toBe(before.offset);
    expect(imageRecords(after)).toEqual(imageRecords(before));
    expect(after.topics.get('a')).toBeUndefined();
    expect(after.topicConfigObject('b')).toEqual({ 'retention.ms': '5' });
    // The publisher installed after a restart sees every topic as created.
    const replayed: string[] = [];
    second.loader.install({ name: 'test', onMetadataUpdate: (delta) => replayed.push(...delta.createdTopics().map((t) => t.name)) });
    expect(replayed).toEqual(['b']);
    second.store.close();
  });

  test('a commit based on an older image is refused (compare on the log end)', async () => {
    const { store, loader } = await open(new MemoryStorageDir());
    await store.commit(topic('a', A, [partition([1])]), -1);
    await expect(store.commit(topic('b', B, [partition([1])]), -1)).rejects.toBeInstanceOf(StaleMetadataError);
    expect(loader.image.topics.get('b')).toBeUndefined();
    await expect(loader.whenApplied(loader.image.offset)).resolves.toBeUndefined();
    store.close();
  });

  test('a publisher that throws does not stop the others or the image', async () => {
    const { store, loader } = await open(new MemoryStorageDir());
    const names: string[] = [];
    loader.install({ name: 'broken', onMetadataUpdate: () => { throw new Error('boom'); } });
    loader.install({ name: 'ok', onMetadataUpdate: (d) => names.push(...d.createdTopics().map((t) => t.name)) });
    await store.commit(topic('a', A, [partition([1])]), -1);
    expect(names).toEqual(['a']);
    expect(loader.image.topics.get('a')).toBeDefined();
    store.close();
  });
  test('a snapshot batch replaces the image: what it lacks is deleted, its configs replace the old ones', () => {
    const loader = new MetadataLoader();
    loader.catchUp([{ lastOffset: 4, records: [...topic('a', A, [partition([1])]), config('a', 'retention.ms', '5'), config('a', 'segment.ms', '9')] }]);
    const deleted: string[] = [];
    const created: string[] = [];
    loader.install({
      name: 'test',
      onMetadataUpdate: (delta) => {
        deleted.push(...delta.deletedTopics().map((t) => t.name));
        created.push(...delta.createdTopics().map((t) => t.name));
      },
    });
    created.length = 0;
    // Meanwhile (unseen by this broker): b created, a's segment.ms removed; then a deleted and the log trimmed.
    const snapshot = [...topic('b', B, [partition([1]), partition([1])]), config('b', 'retention.ms', '7')];
    loader.handleCommitted({ lastOffset: 20, records: snapshot, snapshot: true });
    const image = loader.image;
    expect(image.offset).toBe(20);
    expect(image.topics.get('a')).toBeUndefined();
    expect(image.topics.get('b')?.partitions.size).toBe(2);
    expect(image.topicConfigObject('a')).toEqual({});
    expect(image.topicConfigObject('b')).toEqual({ 'retention.ms': '7' });
    expect(deleted).toEqual(['a']);
    expect(created).toEqual(['b']);
    // The same as replaying the snapshot over nothing.
    const fresh = new MetadataLoader();
    fresh.catchUp([{ lastOffset: 20, records: snapshot, snapshot: true }]);
    expect(imageRecords(image)).toEqual(imageRecords(fresh.image));
  });

  test('a snapshot that keeps a topic keeps it, and drops config keys it no longer has', () => {
    const loader = new MetadataLoader();
    loader.catchUp([{ lastOffset: 3, records: [...topic('a', A, [partition([1])]), config('a', 'retention.ms', '5'), config('a', 'segment.ms', '9')] }]);
    loader.handleCommitted({ lastOffset: 9, records: [...topic('a', A, [partition([1])]), config('a', 'retention.ms', '6')], snapshot: true });
    expect(loader.image.topics.get('a')?.id).toBe(A);
    expect(loader.image.topicConfigObject('a')).toEqual({ 'retention.ms': '6' });
  });
});
