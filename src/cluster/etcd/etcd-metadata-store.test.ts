import type { EtcdClient as Etcd3 } from './etcd-client';
import type { ControllerFence } from './controller-fence';
import { NotControllerError } from './controller-fence';
import type { EtcdKeys } from './etcd-keys';
import { prefixRangeEnd } from './etcd-keys';
import { type MetadataRecordCodec, EtcdMetadataStore, METADATA_RECORD_CODEC, MetadataCommitTooLargeError } from './etcd-metadata-store';
import { imageRecords, partitionRecordOf } from '../metadata/metadata-delta';
import { MetadataLoader } from '../metadata/metadata-loader';
import type { MetadataRecord } from '../metadata/metadata-record';
import { type CommittedBatch, StaleMetadataError } from '../metadata/metadata-store';
import { eventually, useEtcd } from './test-support/etcd-fixture';
import { startTcpCut } from './test-support/tcp-cut';

/** Records are strings here; the store only sees their bytes (METADATA_RECORD_CODEC, Kafka's framing, in the broker). */
const TEXT: MetadataRecordCodec<string> = { encode: (s) => Buffer.from(s), decode: (b) => b.toString() };

const fx = useEtcd();

/** A controller candidacy key created by hand: what ControllerElection makes, minus the lease. */
async function standingFence(client: Etcd3, keys: EtcdKeys, nodeId: number): Promise<ControllerFence> {
  const key = keys.controllerCandidate(String(1000 + nodeId));
  const res = await client.kv.put({ key, value: Buffer.from(String(nodeId)) });
  return { nodeId, key, epoch: Number(res.header.revision) };
}

interface Follower {
  store: EtcdMetadataStore<string>;
  seen: CommittedBatch<string>[];
  initial: CommittedBatch<string>[];
  /** Every record seen, with its offset. */
  log(): string[];
}

async function follow(client: Etcd3, keys: EtcdKeys, fence: ControllerFence | null = null): Promise<Follower> {
  const store = new EtcdMetadataStore({ client, keys, codec: TEXT, fence: () => fence });
  fx.defer(() => store.close());
  const seen: CommittedBatch<string>[] = [];
  const initial = await store.start((b) => seen.push(b));
  const log = () => {
    const out: string[] = [];
    for (const b of [...initial, ...seen]) {
      if (b.snapshot) out.length = 0;
      const first = b.lastOffset - b.records.length + 1;
      b.records.forEach((r, i) => out.push(b.snapshot ? `snapshot:${r}` : `${first + i}:${r}`));
    }
    return out;
  };
  return { store, seen, initial, log };
}

describe('EtcdMetadataStore', () => {
  it('commits batches in order, hands each to every follower once, and a later follower reads them all', async () => {
    const keys = fx.keys();
    const writerClient = fx.client();
    const fence = await standingFence(writerClient, keys, 1);
    const writer = await follow(writerClient, keys, fence);
    const other = await follow(fx.client(), keys);
    expect(writer.initial).toEqual([]);

    expect(await writer.store.commit(['a', 'b'], -1)).toBe(1);
    // Resolved only once the writer's own follower has applied it.
    expect(writer.seen).toEqual([{ lastOffset: 1, records: ['a', 'b'] }]);
    expect(await writer.store.commit(['c'], 1)).toBe(2);
    await eventually('the other broker to see offset 2', () => other.store.lastOffset === 2);
    expect(other.seen).toEqual([
      { lastOffset: 1, records: ['a', 'b'] },
      { lastOffset: 2, records: ['c'] },
    ]);

    const late = await follow(fx.client(), keys);
    expect(late.initial).toEqual(other.seen);
    expect(late.store.lastOffset).toBe(2);
  });

  it('lets exactly one of two racing writers commit at an offset; the other gets StaleMetadataError and the actual end', async () => {
    const keys = fx.keys();
    const c1 = fx.client();
    const c2 = fx.client();
    const fence = await standingFence(c1, keys, 1);
    const w1 = await follow(c1, keys, fence);
    const w2 = await follow(c2, keys, fence);

    for (let round = 0; round < 20; round++) {
      const expected = w1.store.lastOffset;
      const results = await Promise.allSettled([w1.store.commit([`w1-${round}`], expected), w2.store.commit([`w2-${round}`], expected)]);
      const won = results.filter((r) => r.status === 'fulfilled');
      const lost = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
      expect(won).toHaveLength(1);
      expect(lost).toHaveLength(1);
      expect(lost[0]!.reason).toBeInstanceOf(StaleMetadataError);
      expect((lost[0]!.reason as StaleMetadataError).actualLastOffset).toBe(expected + 1);
      await eventually('both writers to catch up', () => w1.store.lastOffset === expected + 1 && w2.store.lastOffset === expected + 1);
    }
    // Both saw the same 20 records at the same offsets.
    expect(w1.log()).toHaveLength(20);
    expect(w2.log()).toEqual(w1.log());
  });

  it('refuses the commit of a deposed controller, even one that still believes it leads', async () => {
    const keys = fx.keys();
    const c1 = fx.client();
    const old = await standingFence(c1, keys, 1);
    const w1 = await follow(c1, keys, old);
    await w1.store.commit(['by-1'], -1);

    // Node 1's candidacy ends (its lease expired); node 2 takes over.
    await c1.kv.deleteRange({ key: old.key });
    const c2 = fx.client();
    const fresh = await standingFence(c2, keys, 2);
    const w2 = await follow(c2, keys, fresh);

    await expect(w1.store.commit(['late-by-1'], 0)).rejects.toBeInstanceOf(NotControllerError);
    expect(await w2.store.commit(['by-2'], 0)).toBe(1);
    // Node 1 coming back with a new candidacy under the same key name is a new epoch, not the old one.
    await c1.kv.put({ key: old.key, value: Buffer.from('1') });
    await expect(w1.store.commit(['late-by-1'], 1)).rejects.toBeInstanceOf(NotControllerError);
    await eventually('node 1 to see node 2 commit', () => w1.store.lastOffset === 1);
    expect(w1.log()).toEqual(['0:by-1', '1:by-2']);
  });

  it('refuses a commit larger than one etcd request before sending it, and takes one just below', async () => {
    const keys = fx.keys();
    const client = fx.client();
    const fence = await standingFence(client, keys, 1);
    const w = await follow(client, keys, fence);
    const record = 'x'.repeat(100);
    const tooMany = Array.from({ length: 20_000 }, () => record); // ~2.4 MB
    await expect(w.store.commit(tooMany, -1)).rejects.toBeInstanceOf(MetadataCommitTooLargeError);
    const fits = Array.from({ length: 12_000 }, (_, i) => `${i}`.padEnd(100, 'x')); // ~1.4 MB
    expect(await w.store.commit(fits, -1)).toBe(11_999);
    const late = await follow(fx.client(), keys);
    expect(late.initial[0]!.records).toEqual(fits);
  });

  it('delivers every commit in order across an etcd restart', async () => {
    const keys = fx.keys();
    const wc = fx.client();
    const fence = await standingFence(wc, keys, 1);
    const writer = await follow(wc, keys, fence);
    const reader = await follow(fx.client(), keys);

    let next = -1;
    const commitSome = async (n: number) => {
      for (let i = 0; i < n; i++) next = await writer.store.commit([`r${next + 1}`], next);
    };
    await commitSome(10);
    await fx.etcd.restart();
    // The writer's first attempts may meet the connection being re-made.
    await eventually('a commit after the restart', async () => {
      try {
        await commitSome(1);
        return true;
      } catch {
        return false;
      }
    });
    await commitSome(10);
    await eventually('the reader to catch up', () => reader.store.lastOffset === next);
    expect(reader.log()).toEqual(Array.from({ length: next + 1 }, (_, i) => `${i}:r${i}`));
    expect(reader.seen.map((b) => b.lastOffset)).toEqual(Array.from({ length: next + 1 }, (_, i) => i));
  }, 60_000);

  it('writes a snapshot, trims the log below it, and a new follower starts from the snapshot', async () => {
    const keys = fx.keys();
    const client = fx.client();
    const fence = await standingFence(client, keys, 1);
    const w = await follow(client, keys, fence);
    let end = -1;
    for (let i = 0; i < 30; i++) end = await w.store.commit([`r${i}a`, `r${i}b`], end);
    expect(end).toBe(59);

    await w.store.writeSnapshot(['image-at-39'], 39);
    const logKeys = await client.kv.range({ key: keys.metadataLog, range_end: prefixRangeEnd(keys.metadataLog), count_only: true });
    expect(Number(logKeys.count)).toBe(10); // entries 40..59
    await expect(w.store.writeSnapshot(['not-a-batch-end'], 42)).rejects.toThrow(/no committed batch ends there/);

    const late = await follow(fx.client(), keys);
    expect(late.initial[0]).toEqual({ lastOffset: 39, records: ['image-at-39'], snapshot: true });
    expect(late.initial.slice(1).map((b) => b.lastOffset)).toEqual(Array.from({ length: 10 }, (_, i) => 41 + 2 * i));
    expect(late.store.lastOffset).toBe(59);

    // A second snapshot replaces the first, chunks and all.
    const big = Array.from({ length: 3000 }, (_, i) => `record-${i}`.padEnd(1000, '.')); // ~3 MB: several chunks
    await w.store.writeSnapshot(big, 59);
    const snapshotKeys = await client.kv.range({ key: keys.metadataSnapshots, range_end: prefixRangeEnd(keys.metadataSnapshots), keys_only: true });
    expect(snapshotKeys.kvs.length).toBeGreaterThanOrEqual(2);
    expect(snapshotKeys.kvs.every((kv) => kv.key.toString().startsWith(keys.metadataSnapshotChunks(59).toString()))).toBe(true);
    const later = await follow(fx.client(), keys);
    expect(later.initial).toEqual([{ lastOffset: 59, records: big, snapshot: true }]);
    // And commits go on after it.
    expect(await w.store.commit(['after'], 59)).toBe(60);
    await eventually('the later follower to see offset 60', () => later.store.lastOffset === 60);
  }, 30_000);

  it("carries the broker's own metadata records: a loader on another client builds the same image, from a snapshot too", async () => {
    const keys = fx.keys();
    const client = fx.client();
    const fence = await standingFence(client, keys, 1);
    const open = async (c: Etcd3, f: ControllerFence | null) => {
      const store = new EtcdMetadataStore({ client: c, keys, codec: METADATA_RECORD_CODEC, fence: () => f });
      fx.defer(() => store.close());
      const loader = new MetadataLoader();
      loader.catchUp(await store.start((b) => loader.handleCommitted(b)));
      return { store, loader };
    };
    const topicId = '00000000-0000-0000-0000-0000000000aa';
    const records: MetadataRecord[] = [
      { type: 'TopicRecord', data: { name: 'orders', topicId } },
      { type: 'PartitionRecord', data: partitionRecordOf(topicId, 0, { replicas: [1, 2], isr: [1, 2], removingReplicas: [], addingReplicas: [], leader: 1, leaderRecoveryState: 0, leaderEpoch: 0, partitionEpoch: 0 }) },
      { type: 'ConfigRecord', data: { resourceType: 2, resourceName: 'orders', name: 'retention.ms', value: '1000' } },
    ];
    const writer = await open(client, fence);
    const reader = await open(fx.client(), null);
    expect(await writer.store.commit(records, -1)).toBe(2);
    await eventually('the reader to apply offset 2', () => reader.loader.image.offset === 2);
    expect(reader.loader.image.topics.partition('orders', 0)).toMatchObject({ leader: 1, replicas: [1, 2] });
    expect(reader.loader.image.topicConfigObject('orders')).toEqual({ 'retention.ms': '1000' });

    await writer.store.writeSnapshot(imageRecords(writer.loader.image), 2);
    const late = await open(fx.client(), null);
    expect(imageRecords(late.loader.image)).toEqual(imageRecords(writer.loader.image));
    expect(late.loader.image.offset).toBe(2);
  }, 30_000);

  it('fails to start while etcd is unreachable, and starts when tried again after', async () => {
    const keys = fx.keys();
    const cut = await startTcpCut(fx.etcd.clientPort);
    fx.defer(() => cut.close());
    cut.cut();
    const store = new EtcdMetadataStore({ client: fx.client([cut.endpoint]), keys, codec: TEXT, fence: () => null });
    fx.defer(() => store.close());
    await expect(store.start(() => undefined)).rejects.toThrow();
    cut.heal();
    await expect(store.start(() => undefined)).resolves.toEqual([]);
  });

  it('catches up after its watch history was compacted away, from the snapshot when its next entry was trimmed', async () => {
    const keys = fx.keys();
    const wc = fx.client();
    const fence = await standingFence(wc, keys, 1);
    const writer = await follow(wc, keys, fence);
    const cut = await startTcpCut(fx.etcd.clientPort);
    fx.defer(() => cut.close());
    const reader = await follow(fx.client([cut.endpoint]), keys);

    let end = -1;
    for (let i = 0; i < 5; i++) end = await writer.store.commit([`r${i}`], end);
    await eventually('the reader to see offset 4', () => reader.store.lastOffset === 4);

    // The reader loses etcd; meanwhile the log moves on, is trimmed, and etcd compacts its history.
    cut.cut();
    for (let i = 5; i < 10; i++) end = await writer.store.commit([`r${i}`], end);
    await writer.store.writeSnapshot(['image-at-7'], 7);
    for (let i = 10; i < 12; i++) end = await writer.store.commit([`r${i}`], end);
    const head = await wc.kv.range({ key: keys.metadataEnd });
    await wc.kv.compact({ revision: head.header.revision, physical: true });
    cut.heal();

    await eventually('the reader to catch up', () => reader.store.lastOffset === 11, 20_000);
    expect(reader.seen.map((b) => [b.lastOffset, b.snapshot ?? false])).toEqual([
      [0, false],
      [1, false],
      [2, false],
      [3, false],
      [4, false],
      [7, true],
      [8, false],
      [9, false],
      [10, false],
      [11, false],
    ]);
    expect(reader.log()).toEqual(['snapshot:image-at-7', '8:r8', '9:r9', '10:r10', '11:r11']);
  }, 30_000);
});
