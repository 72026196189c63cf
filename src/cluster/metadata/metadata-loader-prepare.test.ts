/**
 * An update whose publishers must prepare first (the replica manager making
 * new partitions' directories in the thread pool) waits for them, and so
 * does every later commit: the image moves in log order and only once the
 * publishers are told, and a controller write that meets a log ahead of
 * the image waits for the image instead of failing.
 */
import { resolveBrokerConfig } from '../../config';
import { ErrorCode } from '../../protocol/errors';
import { MemoryStorageDir } from '../../storage/memory-storage-dir';
import { Controller } from '../controller';
import { LogMetadataStore } from './log-metadata-store';
import { type MetadataPublisher, MetadataLoader } from './metadata-loader';

const config = resolveBrokerConfig({ static: { 'num.partitions': '2' } }).config;
const topic = (name: string) => ({ name, numPartitions: -1, replicationFactor: -1, assignments: [], configs: {} });

/** A publisher that holds every update naming a new topic until `release()`, and records what it was told. */
class HoldingPublisher implements MetadataPublisher {
  readonly name = 'holding';
  readonly told: string[][] = [];
  private releases: (() => void)[] = [];
  prepareError: Error | null = null;

  prepare(delta: Parameters<MetadataPublisher['onMetadataUpdate']>[0]): Promise<void> | null {
    if (delta.localChanges(1).leaders.length === 0) return null;
    if (this.prepareError) return Promise.reject(this.prepareError);
    return new Promise((resolve) => this.releases.push(resolve));
  }

  onMetadataUpdate(_delta: unknown, image: Parameters<MetadataPublisher['onMetadataUpdate']>[1]): void {
    this.told.push(image.topics.list().map((t) => t.name).sort());
  }

  get held(): number {
    return this.releases.length;
  }

  release(): void {
    for (const r of this.releases.splice(0)) r();
  }
}

async function open() {
  const store = LogMetadataStore.open(new MemoryStorageDir());
  const metadata = new MetadataLoader();
  metadata.catchUp(await store.start((b) => metadata.handleCommitted(b)));
  const controller = new Controller(store, metadata, config);
  await controller.bootstrap();
  await controller.registerBroker({ brokerId: 1, incarnationId: '00000000-0000-0000-0000-000000000001', endpoints: [], rack: null });
  const publisher = new HoldingPublisher();
  metadata.install(publisher);
  publisher.told.length = 0;
  return { store, metadata, controller, publisher };
}

const settled = () => new Promise((resolve) => setImmediate(resolve));

test('an update waits for its publishers to prepare; commits after it wait behind it, in order', async () => {
  const { store, metadata, controller, publisher } = await open();
  const before = metadata.image.offset;
  const created = controller.createTopics([topic('first')]);
  let answered = false;
  void created.then(() => (answered = true));
  await settled();
  // Committed to the log, not applied: nobody was told, the image has not moved, CreateTopics waits.
  expect(store.lastOffset).toBeGreaterThan(before);
  expect(publisher.held).toBe(1);
  expect([metadata.image.offset, publisher.told, answered]).toEqual([before, [], false]);

  // A commit that needs no preparing (a topic config) still waits behind the held one.
  const config = store.commit([{ type: 'ConfigRecord', data: { resourceType: 2, resourceName: 'first', name: 'retention.ms', value: '1000' } }], store.lastOffset);
  await settled();
  expect(publisher.told).toEqual([]);
  expect(metadata.image.topicConfigObject('first')).toEqual({});

  publisher.release();
  expect(await created).toEqual([expect.objectContaining({ name: 'first' })]);
  const configOffset = await config;
  await metadata.whenApplied(configOffset);
  // Told twice, in log order: the topic, then its config.
  expect(publisher.told).toEqual([['first'], ['first']]);
  expect(metadata.image.topicConfigObject('first')).toEqual({ 'retention.ms': '1000' });
  expect(metadata.image.offset).toBe(store.lastOffset);
  expect(answered).toBe(true);
});

test('a controller write that meets the log ahead of the image waits for the image, then validates on it', async () => {
  const { metadata, controller, publisher } = await open();
  const first = controller.createTopics([topic('same'), topic('one')]);
  await settled();
  expect(publisher.held).toBe(1);
  // Validated against the image without 'same' and committed on its offset: stale.
  const second = controller.createTopics([topic('same'), topic('two')]);
  await settled();
  publisher.release();
  await first;
  await settled();
  publisher.release();
  const results = await second;
  expect(results).toEqual([expect.objectContaining({ errorCode: ErrorCode.TOPIC_ALREADY_EXISTS }), expect.objectContaining({ name: 'two' })]);
  expect(metadata.image.topics.list().map((t) => t.name).sort()).toEqual(['one', 'same', 'two']);
  expect(publisher.told).toEqual([['one', 'same'], ['one', 'same', 'two']]);
});

test('a preparation that fails is logged and the update goes on', async () => {
  const { metadata, controller, publisher } = await open();
  publisher.prepareError = new Error('disk full');
  const [result] = await controller.createTopics([topic('anyway')]);
  expect(result).toMatchObject({ name: 'anyway' });
  expect(metadata.image.topics.get('anyway')).toBeDefined();
  expect(publisher.told).toEqual([['anyway']]);
});
