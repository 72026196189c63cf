/**
 * Embedding: several brokers in one Jest process, each used by a real client
 * (kafkajs), closed, and nothing left behind: no listening servers, sockets
 * or timers beyond what was there before.
 */
import { Kafka, logLevel } from 'kafkajs';
import { KafkaClient, fetch } from './client';
import { RunningBroker, startBroker } from './index';
import { jestGlobalSetup, jestGlobalTeardown } from './testing/jest-global-setup';

/** Resource counts by kind, as Node reports them (TCPServerWrap, TCPSocketWrap, Timeout, FSReqCallback...). */
function resources(): Map<string, number> {
  const m = new Map<string, number>();
  for (const r of process.getActiveResourcesInfo()) m.set(r, (m.get(r) ?? 0) + 1);
  return m;
}

/** Kinds whose count grew since `before`. */
function leaked(before: Map<string, number>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [kind, n] of resources()) if (n > (before.get(kind) ?? 0)) out[kind] = n - (before.get(kind) ?? 0);
  return out;
}

/** Closed sockets and servers leave the handle list on a later turn of the event loop. */
async function settle(before: Map<string, number>): Promise<Record<string, number>> {
  let l = leaked(before);
  for (let i = 0; i < 50 && Object.keys(l).length > 0; i++) {
    await new Promise((resolve) => setImmediate(resolve));
    await new Promise((resolve) => setTimeout(resolve, 20));
    l = leaked(before);
  }
  return l;
}

async function roundTrip(bootstrap: string, topic: string, values: string[]): Promise<string[]> {
  const kafka = new Kafka({ clientId: `embed-${topic}`, brokers: [bootstrap], logLevel: logLevel.NOTHING, retry: { retries: 3 } });
  const admin = kafka.admin();
  const producer = kafka.producer();
  await admin.connect();
  try {
    await admin.createTopics({ topics: [{ topic, numPartitions: 1 }] });
    await producer.connect();
    await producer.send({ topic, messages: values.map((value) => ({ value })) });
    await producer.disconnect();
    const offsets = await admin.fetchTopicOffsets(topic);
    expect(offsets[0]!.high).toBe(String(values.length));
  } finally {
    await admin.disconnect();
  }
  // Read back with Weir's own client: a plain Fetch, no consumer group needed.
  const client = await KafkaClient.connect(bootstrap);
  try {
    const [p] = await fetch(client, topic, [{ partition: 0, offset: 0n }]);
    return p!.records.map((r) => r.value!.toString());
  } finally {
    await client.close();
  }
}

test('three brokers in one process serve independently, then close without leaking handles', async () => {
  const before = resources();
  const brokers: RunningBroker[] = await Promise.all([startBroker(), startBroker(), startBroker()]);
  expect(new Set(brokers.map((b) => b.port)).size).toBe(3);

  // Same topic name on every broker, different data: nothing is shared.
  const results = await Promise.all(brokers.map((b, i) => roundTrip(b.bootstrapServers, 'shared-name', [`b${i}-1`, `b${i}-2`])));
  expect(results).toEqual([
    ['b0-1', 'b0-2'],
    ['b1-1', 'b1-2'],
    ['b2-1', 'b2-2'],
  ]);

  // Closing one leaves the others working.
  await brokers[0]!.close();
  expect(await roundTrip(brokers[1]!.bootstrapServers, 'after-close', ['x'])).toEqual(['x']);

  await Promise.all(brokers.map((b) => b.close()));
  await brokers[0]!.close(); // idempotent
  expect(await settle(before)).toEqual({});
});

test('brokers on disk in one process: each takes its own data dir', async () => {
  const fs = await import('node:fs');
  const os = await import('node:os');
  const path = await import('node:path');
  const before = resources();
  const dirs = [0, 1].map(() => fs.mkdtempSync(path.join(os.tmpdir(), 'weir-embed-')));
  const brokers = await Promise.all(dirs.map((dataDir) => startBroker({ storage: { dataDir } })));
  expect(await roundTrip(brokers[0]!.bootstrapServers, 'disk', ['d0'])).toEqual(['d0']);
  expect(await roundTrip(brokers[1]!.bootstrapServers, 'disk', ['d1'])).toEqual(['d1']);
  // A second broker on a data dir already in use is refused.
  await expect(startBroker({ storage: { dataDir: dirs[0]! } })).rejects.toThrow(/in use by another broker/);
  await Promise.all(brokers.map((b) => b.close()));
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
  expect(await settle(before)).toEqual({});
});

test('the Jest global-setup helper publishes the address and its teardown closes the broker', async () => {
  const before = resources();
  const previous = process.env['WEIR_BOOTSTRAP_SERVERS'];
  delete process.env['WEIR_BOOTSTRAP_SERVERS'];
  await jestGlobalSetup({ config: { 'num.partitions': 2 } })();
  const bootstrap = process.env['WEIR_BOOTSTRAP_SERVERS'];
  expect(bootstrap).toMatch(/^127\.0\.0\.1:\d+$/);
  expect(await roundTrip(bootstrap!, 'from-setup', ['s'])).toEqual(['s']);
  await jestGlobalTeardown();
  expect(process.env['WEIR_BOOTSTRAP_SERVERS']).toBeUndefined();
  if (previous !== undefined) process.env['WEIR_BOOTSTRAP_SERVERS'] = previous;
  expect(await settle(before)).toEqual({});
});
