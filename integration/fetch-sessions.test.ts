/**
 * Fetch sessions (KIP-227) and empty fetches, over raw Fetch requests
 * against a real broker process:
 * - a Fetch that names no partitions is answered at once (a consumer
 *   closing its session sends one), as is a session close;
 * - the session state machine: partitions added, changed and removed
 *   incrementally, unchanged ones left out of responses, unknown session
 *   ids and wrong epochs answered with Kafka's errors, a consumer session
 *   evicted by a follower's when the cache is full;
 * - across produce, retention and compaction, what a client learns from an
 *   incremental session is exactly what a full fetch of the same offsets
 *   returns (by topic name, v12, and by topic id, v15).
 */
import * as fs from 'node:fs';
import { BrokerProcess, startBrokerProcess } from './support/broker-process';
import { RawKafkaClient, metadata, producePartition } from './support/raw-kafka-client';
import { waitFor } from './support/roundtrip';
import { Apis } from '../src/protocol/apis';
import { ErrorCode } from '../src/protocol/errors';
import type { FetchRequest, FetchResponse } from '../src/protocol/messages';
import { ZERO_UUID } from '../src/protocol/primitives/codec-support';
import { LOG_OVERHEAD, decodeRecordBatch, encodeRecordBatch } from '../src/protocol/records';

interface Part {
  topic: string;
  partition: number;
  offset: bigint;
}

interface FetchOptions {
  sessionId?: number;
  epoch?: number;
  parts?: Part[];
  forget?: { topic: string; partition: number }[];
  maxWaitMs?: number;
  minBytes?: number;
  replicaId?: number;
  /** Topic name -> id, for v13+. */
  ids?: Map<string, string>;
}

function fetchRequest(o: FetchOptions): FetchRequest {
  const byTopic = new Map<string, FetchRequest.FetchPartition[]>();
  for (const p of o.parts ?? []) {
    const list = byTopic.get(p.topic) ?? [];
    list.push({ partition: p.partition, currentLeaderEpoch: -1, fetchOffset: p.offset, lastFetchedEpoch: -1, logStartOffset: -1n, partitionMaxBytes: 1 << 20, replicaDirectoryId: ZERO_UUID });
    byTopic.set(p.topic, list);
  }
  const forgotten = new Map<string, number[]>();
  for (const f of o.forget ?? []) forgotten.set(f.topic, [...(forgotten.get(f.topic) ?? []), f.partition]);
  const id = (topic: string) => o.ids?.get(topic) ?? ZERO_UUID;
  return {
    clusterId: null,
    replicaId: o.replicaId ?? -1,
    // v15+ carries the replica id here instead (a version that lacks a field needs its default).
    replicaState: { replicaId: -1, replicaEpoch: -1n },
    maxWaitMs: o.maxWaitMs ?? 0,
    minBytes: o.minBytes ?? 0,
    maxBytes: 50 << 20,
    isolationLevel: 0,
    sessionId: o.sessionId ?? 0,
    sessionEpoch: o.epoch ?? -1,
    topics: [...byTopic].map(([topic, partitions]) => ({ topic, topicId: id(topic), partitions })),
    forgottenTopicsData: [...forgotten].map(([topic, partitions]) => ({ topic, topicId: id(topic), partitions })),
    rackId: '',
  };
}

/** Every partition of a response as "topic-partition" (topic ids mapped back to names). */
function partitionsOf(res: FetchResponse, names?: Map<string, string>): Map<string, FetchResponse.PartitionData> {
  const out = new Map<string, FetchResponse.PartitionData>();
  for (const t of res.responses) {
    const topic = names ? (names.get(t.topicId) ?? `?${t.topicId}`) : t.topic;
    for (const p of t.partitions) out.set(`${topic}-${p.partitionIndex}`, p);
  }
  return out;
}

const recordsOf = (p: FetchResponse.PartitionData | undefined): Buffer => (p?.records as Buffer | null | undefined) ?? Buffer.alloc(0);

async function createTopic(c: RawKafkaClient, name: string, partitions: number, configs: Record<string, string> = {}): Promise<void> {
  const res = await c.request(Apis.CreateTopics, 5, {
    topics: [{ name, numPartitions: partitions, replicationFactor: 1, assignments: [], configs: Object.entries(configs).map(([n, value]) => ({ name: n, value })) }],
    timeoutMs: 10_000,
    validateOnly: false,
  });
  expect(res.topics[0]?.errorCode).toBe(0);
}

async function setTopicConfig(c: RawKafkaClient, topic: string, name: string, value: string): Promise<void> {
  const res = await c.request(Apis.IncrementalAlterConfigs, 1, {
    resources: [{ resourceType: 2, resourceName: topic, configs: [{ name, configOperation: 0, value }] }],
    validateOnly: false,
  });
  expect(res.responses[0]?.errorCode).toBe(0);
}

/** Every record key of a (possibly compacted) partition, batch by batch, from offset 0 to its high watermark. */
async function keysByBatch(c: RawKafkaClient, topic: string, partition: number): Promise<string[][]> {
  const out: string[][] = [];
  let next = 0n;
  for (;;) {
    const res = await c.request(Apis.Fetch, 12, fetchRequest({ parts: [{ topic, partition, offset: next }] }));
    const p = res.responses[0]?.partitions[0];
    if (!p || p.errorCode !== 0) throw new Error(`fetch ${topic}-${partition}@${next}: ${p?.errorCode}`);
    if (next >= p.highWatermark) return out;
    const buf = recordsOf(p);
    let pos = 0;
    while (pos + LOG_OVERHEAD <= buf.length) {
      const size = LOG_OVERHEAD + buf.readInt32BE(pos + 8);
      if (pos + size > buf.length) break;
      const batch = decodeRecordBatch(buf, pos);
      out.push(batch.records.map((r) => r.key?.toString() ?? ''));
      next = BigInt(batch.header.lastOffset) + 1n;
      pos += size;
    }
    if (pos === 0) throw new Error(`${topic}-${partition}: no complete batch at ${next}`);
  }
}

function produce(c: RawKafkaClient, topic: string, partition: number, records: { key: string; value: string }[]) {
  const batch = encodeRecordBatch(records.map((r) => ({ key: Buffer.from(r.key), value: Buffer.from(r.value), timestamp: BigInt(Date.now()) })));
  return producePartition(c, topic, partition, batch);
}

let broker: BrokerProcess;
let client: RawKafkaClient;

beforeAll(async () => {
  broker = await startBrokerProcess({
    config: {
      'log.retention.check.interval.ms': 100,
      'log.cleaner.backoff.ms': 50,
      'log.segment.delete.delay.ms': 0,
    },
  });
  client = await RawKafkaClient.connect(broker.host, broker.port);
  await createTopic(client, 'sessions', 3);
  await createTopic(client, 'sessions-other', 1);
}, 60_000);

afterAll(async () => {
  client?.close();
  await broker?.stop();
  if (broker) fs.rmSync(broker.dataDir, { recursive: true, force: true });
});

describe('a fetch with nothing to read', () => {
  test('is answered at once even with max_wait_ms of a minute (v4, v12, v17)', async () => {
    for (const version of [4, 12, 17]) {
      const fetchId = client.correlationId();
      client.writeRaw(client.encode(Apis.Fetch, version, fetchRequest({ maxWaitMs: 60_000, minBytes: 1 }), fetchId));
      // A request pipelined behind it: answered only after the fetch (responses keep their order).
      const apiId = client.correlationId();
      client.writeRaw(client.encode(Apis.ApiVersions, 3, { clientSoftwareName: 'test', clientSoftwareVersion: '1' }, apiId));
      const res = await client.readResponse(Apis.Fetch, version, fetchId);
      expect(res.errorCode).toBe(0);
      expect(res.responses).toEqual([]);
      await client.readResponse(Apis.ApiVersions, 3, apiId);
    }
  }, 30_000);

  test('a session close (epoch -1, no partitions) is answered at once and ends the session', async () => {
    const opened = await client.request(Apis.Fetch, 12, fetchRequest({ epoch: 0, parts: [{ topic: 'sessions', partition: 0, offset: 0n }] }));
    expect(opened.sessionId).not.toBe(0);
    const closed = await client.request(Apis.Fetch, 12, fetchRequest({ sessionId: opened.sessionId, epoch: -1, maxWaitMs: 60_000, minBytes: 1 }));
    expect(closed.errorCode).toBe(0);
    expect(closed.sessionId).toBe(0);
    const after = await client.request(Apis.Fetch, 12, fetchRequest({ sessionId: opened.sessionId, epoch: 1 }));
    expect(after.errorCode).toBe(ErrorCode.FETCH_SESSION_ID_NOT_FOUND);
  }, 30_000);

  test('only unknown topics: answered at once with their errors', async () => {
    const res = await client.request(Apis.Fetch, 12, fetchRequest({ maxWaitMs: 60_000, minBytes: 1, parts: [{ topic: 'no-such-topic', partition: 0, offset: 0n }] }));
    expect(res.responses[0]?.partitions[0]?.errorCode).toBe(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
  }, 30_000);
});

describe('the session state machine', () => {
  test('add, change, remove; unchanged partitions left out; bad epochs and unknown ids refused', async () => {
    const s0 = { topic: 'sessions', partition: 0, offset: 0n };
    const s1 = { topic: 'sessions', partition: 1, offset: 0n };
    const s2 = { topic: 'sessions', partition: 2, offset: 0n };
    await produce(client, 'sessions', 0, [{ key: 'a', value: 'one' }]);

    const full = await client.request(Apis.Fetch, 12, fetchRequest({ epoch: 0, parts: [s0, s1, s2] }));
    const id = full.sessionId;
    expect(id).toBeGreaterThan(0);
    expect([...partitionsOf(full).keys()]).toEqual(['sessions-0', 'sessions-1', 'sessions-2']);
    expect(partitionsOf(full).get('sessions-0')?.highWatermark).toBe(1n);

    // Epoch 1: the client moves partition 0 past its record and has everything there is; nothing to say.
    const quiet = await client.request(Apis.Fetch, 12, fetchRequest({ sessionId: id, epoch: 1, maxWaitMs: 50, parts: [{ ...s0, offset: 1n }] }));
    expect(quiet.errorCode).toBe(0);
    expect(quiet.sessionId).toBe(id);
    expect(partitionsOf(quiet).size).toBe(0);

    // New records on partition 2 only: only it is answered (the session still reads all three).
    await produce(client, 'sessions', 2, [{ key: 'b', value: 'two' }]);
    const one = partitionsOf(await client.request(Apis.Fetch, 12, fetchRequest({ sessionId: id, epoch: 2 })));
    expect([...one.keys()]).toEqual(['sessions-2']);
    expect(recordsOf(one.get('sessions-2')).length).toBeGreaterThan(0);

    // Change: partition 2 moves on past its record (no new data, same HW: nothing to answer);
    // add: the other topic's partition (never answered before: answered now).
    const changed = await client.request(Apis.Fetch, 12, fetchRequest({ sessionId: id, epoch: 3, parts: [{ ...s2, offset: 1n }, { topic: 'sessions-other', partition: 0, offset: 0n }] }));
    expect([...partitionsOf(changed).keys()]).toEqual(['sessions-other-0']);
    // The cached offsets are used: a record on partition 0 comes back from offset 1, not 0.
    await produce(client, 'sessions', 0, [{ key: 'c', value: 'three' }]);
    const p0 = partitionsOf(await client.request(Apis.Fetch, 12, fetchRequest({ sessionId: id, epoch: 4 }))).get('sessions-0');
    expect(p0?.highWatermark).toBe(2n);
    expect(recordsOf(p0).readBigInt64BE(0)).toBe(1n); // the batch's base offset

    // Remove partition 0 and 2: new records there are no longer fetched.
    await client.request(Apis.Fetch, 12, fetchRequest({ sessionId: id, epoch: 5, parts: [{ ...s0, offset: 2n }] }));
    await produce(client, 'sessions', 2, [{ key: 'd', value: 'four' }]);
    const forgot = await client.request(Apis.Fetch, 12, fetchRequest({ sessionId: id, epoch: 6, forget: [{ topic: 'sessions', partition: 2 }, { topic: 'sessions', partition: 0 }], maxWaitMs: 50 }));
    expect(partitionsOf(forgot).size).toBe(0);
    await produce(client, 'sessions', 1, [{ key: 'e', value: 'five' }]);
    expect([...partitionsOf(await client.request(Apis.Fetch, 12, fetchRequest({ sessionId: id, epoch: 7 }))).keys()]).toEqual(['sessions-1']);

    // A wrong epoch, a replayed one, an unknown id.
    const wrong = await client.request(Apis.Fetch, 12, fetchRequest({ sessionId: id, epoch: 42 }));
    expect(wrong.errorCode).toBe(ErrorCode.INVALID_FETCH_SESSION_EPOCH);
    expect(wrong.responses).toEqual([]);
    expect((await client.request(Apis.Fetch, 12, fetchRequest({ sessionId: id, epoch: 7 }))).errorCode).toBe(ErrorCode.INVALID_FETCH_SESSION_EPOCH);
    expect((await client.request(Apis.Fetch, 12, fetchRequest({ sessionId: id + 1, epoch: 1 }))).errorCode).toBe(ErrorCode.FETCH_SESSION_ID_NOT_FOUND);
    // The session survived the errors: epoch 8 is still the next one.
    expect((await client.request(Apis.Fetch, 12, fetchRequest({ sessionId: id, epoch: 8, maxWaitMs: 10 }))).errorCode).toBe(0);
    // A session by name cannot continue by id.
    expect((await client.request(Apis.Fetch, 13, fetchRequest({ sessionId: id, epoch: 9 }))).errorCode).toBe(ErrorCode.FETCH_SESSION_TOPIC_ID_ERROR);
  }, 60_000);

  test('a waiting incremental fetch is woken by a produce to a session partition it did not name', async () => {
    const full = await client.request(Apis.Fetch, 12, fetchRequest({ epoch: 0, parts: [{ topic: 'sessions-other', partition: 0, offset: 0n }] }));
    const hw = partitionsOf(full).get('sessions-other-0')?.highWatermark ?? 0n;
    const waitingId = client.correlationId();
    client.writeRaw(client.encode(Apis.Fetch, 12, fetchRequest({ sessionId: full.sessionId, epoch: 1, maxWaitMs: 60_000, minBytes: 1, parts: [{ topic: 'sessions-other', partition: 0, offset: hw }] }), waitingId));
    const producer = await RawKafkaClient.connect(broker.host, broker.port);
    try {
      await produce(producer, 'sessions-other', 0, [{ key: 'wake', value: 'up' }]);
    } finally {
      producer.close();
    }
    const res = await client.readResponse(Apis.Fetch, 12, waitingId);
    expect(recordsOf(partitionsOf(res).get('sessions-other-0')).length).toBeGreaterThan(0);
  }, 30_000);
});

describe('eviction', () => {
  let small: BrokerProcess;
  afterAll(async () => {
    await small?.stop();
    if (small) fs.rmSync(small.dataDir, { recursive: true, force: true });
  });

  test('a full cache answers session id 0; a follower session evicts a consumer session', async () => {
    small = await startBrokerProcess({ config: { 'max.incremental.fetch.session.cache.slots': 1 } });
    const a = await RawKafkaClient.connect(small.host, small.port);
    const b = await RawKafkaClient.connect(small.host, small.port);
    try {
      await createTopic(a, 'evict', 4);
      const parts = (n: number) => Array.from({ length: n }, (_, i) => ({ topic: 'evict', partition: i, offset: 0n }));
      const first = await a.request(Apis.Fetch, 12, fetchRequest({ epoch: 0, parts: parts(2) }));
      expect(first.sessionId).toBeGreaterThan(0);
      // A bigger consumer session cannot take the slot of a session younger than the eviction time.
      const second = await b.request(Apis.Fetch, 12, fetchRequest({ epoch: 0, parts: parts(4) }));
      expect(second.sessionId).toBe(0);
      expect(partitionsOf(second).size).toBe(4);
      // A follower's (privileged) session can.
      const follower = await b.request(Apis.Fetch, 12, fetchRequest({ epoch: 0, parts: parts(1), replicaId: 2 }));
      expect(follower.sessionId).toBeGreaterThan(0);
      const evicted = await a.request(Apis.Fetch, 12, fetchRequest({ sessionId: first.sessionId, epoch: 1 }));
      expect(evicted.errorCode).toBe(ErrorCode.FETCH_SESSION_ID_NOT_FOUND);
      // What a client does then: a new full fetch, which gets no session (the slot is taken) but its data.
      const retry = await a.request(Apis.Fetch, 12, fetchRequest({ epoch: 0, parts: parts(2) }));
      expect(retry.errorCode).toBe(0);
      expect(retry.sessionId).toBe(0);
      expect(partitionsOf(retry).size).toBe(2);
    } finally {
      a.close();
      b.close();
    }
  }, 60_000);
});

describe('a session fetch returns exactly what a full fetch returns', () => {
  /**
   * Two clients follow the same partitions from the same offsets: one with
   * an incremental session, one with sessionless full fetches. After every
   * step, what the session client knows of each partition (the last data it
   * was sent) must equal the full fetch: the same records, high watermark,
   * last stable and log start offsets, and error.
   */
  for (const version of [12, 15]) {
    test(`across produce, retention and compaction (Fetch v${version})`, async () => {
      const suffix = `v${version}`;
      const del = `equiv-delete-${suffix}`;
      const cmp = `equiv-compact-${suffix}`;
      // Retention and compaction are held back while the steps produce (a clean between
      // the two fetches of one step would make them differ), then let go.
      await createTopic(client, del, 2, { 'segment.bytes': '600' });
      await createTopic(client, cmp, 2, { 'cleanup.policy': 'compact', 'segment.bytes': '600', 'min.cleanable.dirty.ratio': '0.01', 'min.compaction.lag.ms': '3600000' });
      const md = await metadata(client, [del, cmp]);
      const ids = new Map(md.topics.map((t) => [t.name ?? '', t.topicId]));
      const names = new Map(md.topics.map((t) => [t.topicId, t.name ?? '']));
      const byId = version >= 13;

      const keys = [del, cmp].flatMap((topic) => [0, 1].map((partition) => ({ topic, partition })));
      const offsets = new Map(keys.map((k) => [`${k.topic}-${k.partition}`, 0n]));
      const known = new Map<string, { records: Buffer; hw: bigint; lso: bigint; logStart: bigint; error: number }>();
      const parts = (only?: string[]): Part[] =>
        keys.filter((k) => !only || only.includes(`${k.topic}-${k.partition}`)).map((k) => ({ ...k, offset: offsets.get(`${k.topic}-${k.partition}`) ?? 0n }));

      const sessionClient = await RawKafkaClient.connect(broker.host, broker.port);
      const fullClient = await RawKafkaClient.connect(broker.host, broker.port);
      let sessionId = 0;
      let epoch = 0;
      let changedOffsets: string[] | undefined; // partitions whose offset the session must be told
      let incrementalResponses = 0;
      const step = async (what: string) => {
        const res = await sessionClient.request(Apis.Fetch, version, fetchRequest({ sessionId, epoch, parts: epoch === 0 ? parts() : parts(changedOffsets), ids: byId ? ids : undefined }));
        expect(res.errorCode).toBe(0);
        if (epoch === 0) sessionId = res.sessionId;
        else incrementalResponses++;
        expect(res.sessionId).toBe(sessionId);
        epoch++;
        const got = partitionsOf(res, byId ? names : undefined);
        for (const [key, p] of got) {
          known.set(key, { records: recordsOf(p), hw: p.highWatermark, lso: p.lastStableOffset, logStart: p.logStartOffset, error: p.errorCode });
        }
        // Partitions left out have no records to give.
        for (const key of offsets.keys()) if (!got.has(key)) known.set(key, { ...(known.get(key) as NonNullable<ReturnType<typeof known.get>>), records: Buffer.alloc(0) });

        const full = partitionsOf(await fullClient.request(Apis.Fetch, version, fetchRequest({ parts: parts(), ids: byId ? ids : undefined })), byId ? names : undefined);
        for (const key of offsets.keys()) {
          const f = full.get(key);
          const k = known.get(key);
          expect({ what, key, records: k?.records.toString('hex'), hw: k?.hw, lso: k?.lso, logStart: k?.logStart, error: k?.error }).toEqual({
            what,
            key,
            records: recordsOf(f).toString('hex'),
            hw: f?.highWatermark,
            lso: f?.lastStableOffset,
            logStart: f?.logStartOffset,
            error: f?.errorCode,
          });
        }
        // Consume what came back: the next fetch offsets (and, for the session, which ones changed).
        changedOffsets = [];
        for (const [key, k] of known) {
          let next = offsets.get(key) ?? 0n;
          if (k.error === ErrorCode.OFFSET_OUT_OF_RANGE) next = k.logStart;
          let pos = 0;
          while (pos + 61 <= k.records.length) {
            const size = 12 + k.records.readInt32BE(pos + 8);
            if (pos + size > k.records.length) break;
            next = k.records.readBigInt64BE(pos) + BigInt(k.records.readInt32BE(pos + 23)) + 1n;
            pos += size;
          }
          if (next !== offsets.get(key)) {
            offsets.set(key, next);
            changedOffsets.push(key);
          }
        }
      };

      try {
        await step('start, empty logs');
        for (let round = 0; round < 6; round++) {
          for (const { topic, partition } of keys) {
            if ((round + partition) % 3 === 0) continue; // not every partition every time
            await produce(client, topic, partition, [0, 1, 2].map((i) => ({ key: `k${(round + i) % 4}`, value: `${topic}-${partition}-r${round}-${i}-${'x'.repeat(120)}` })));
          }
          await step(`after produce round ${round}`);
          await step(`quiet after round ${round}`);
        }
        // Retention: retention.bytes moves the delete topic's log start; wait until it has, then compare again.
        await setTopicConfig(client, del, 'retention.bytes', '1500');
        await waitFor('retention to delete old segments', async () => {
          const res = await fullClient.request(Apis.Fetch, version, fetchRequest({ parts: parts().filter((p) => p.topic === del), ids: byId ? ids : undefined }));
          return [...partitionsOf(res, byId ? names : undefined).values()].every((p) => p.logStartOffset > 0n);
        });
        // A consumer left behind the new log start: OFFSET_OUT_OF_RANGE in both views, then it resets.
        offsets.set(`${del}-0`, 0n);
        changedOffsets = [...(changedOffsets ?? []), `${del}-0`];
        await step('after retention (offset 0 now out of range)');
        await step('after the reset to the log start');
        // Compaction: wait until the cleaner is done (below the active segment, which
        // holds the last batch, every key appears once), then compare again.
        await setTopicConfig(client, cmp, 'min.compaction.lag.ms', '0');
        await waitFor('the cleaner to compact', async () => {
          for (const partition of [0, 1]) {
            const cleaned = (await keysByBatch(fullClient, cmp, partition)).slice(0, -1).flat();
            if (new Set(cleaned).size !== cleaned.length) return false;
          }
          return true;
        });
        for (const partition of [0, 1]) {
          offsets.set(`${cmp}-${partition}`, 0n);
        }
        changedOffsets = [...(changedOffsets ?? []), `${cmp}-0`, `${cmp}-1`];
        await step('after compaction, re-read from 0');
        await step('quiet after compaction');
        expect(incrementalResponses).toBeGreaterThan(10);
      } finally {
        sessionClient.close();
        fullClient.close();
      }
    }, 120_000);
  }
});
