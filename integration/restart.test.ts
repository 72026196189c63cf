/**
 * A graceful restart loses nothing: produce with kcat (librdkafka) to a
 * broker on disk, stop it with SIGTERM, start a new process on the same data
 * dir, and read everything back: same offsets, keys, values, headers; the
 * same topic id in Metadata v10+; the log end where it was, and new produces
 * continuing from there.
 */
import { BrokerProcess, startBrokerProcess, tempDir } from './support/broker-process';
import { RawKafkaClient, listOffset, metadata } from './support/raw-kafka-client';
import { runKcat } from './support/conditions';
import { ErrorCode } from '../src/protocol/errors';

const TOPIC = 'restart-topic';
const PARTITIONS = 3;
const PER_PARTITION = 200;
const CODECS = ['none', 'gzip', 'lz4'] as const;
const ZERO_UUID = '00000000-0000-0000-0000-000000000000';

interface KcatRecord {
  partition: number;
  offset: number;
  key: string | null;
  payload: string | null;
  headers?: string[];
}

const dataDir = tempDir('weir-restart-');
let broker: BrokerProcess | undefined;

afterAll(async () => {
  await broker?.stop();
});

function start(): Promise<BrokerProcess> {
  return startBrokerProcess({ dataDir, config: { 'num.partitions': PARTITIONS } });
}

function expectedValue(p: number, i: number): string {
  // Varied lengths and a non-ASCII character, so a byte-level slip shows.
  return `value-${p}-${i}-${'é'.repeat(i % 7)}-${'x'.repeat((i * 13) % 300)}`;
}

async function produceWithKcat(bootstrap: string, p: number, from: number, to: number): Promise<void> {
  const lines: string[] = [];
  for (let i = from; i < to; i++) lines.push(`key-${p}-${i}\t${expectedValue(p, i)}`);
  const r = await runKcat(
    ['-P', '-b', bootstrap, '-t', TOPIC, '-p', String(p), '-K', '\t', '-z', CODECS[p % CODECS.length]!, '-H', `origin=kcat-${p}`, '-X', 'acks=all'],
    lines.join('\n') + '\n',
  );
  if (r.code !== 0) throw new Error(`kcat -P exited ${r.code}: ${r.stderr}`);
}

async function readAll(bootstrap: string, p: number): Promise<KcatRecord[]> {
  const r = await runKcat(['-C', '-b', bootstrap, '-t', TOPIC, '-p', String(p), '-o', 'beginning', '-e', '-J', '-q', '-X', 'check.crcs=true']);
  if (r.code !== 0) throw new Error(`kcat -C exited ${r.code}: ${r.stderr}`);
  return r.stdout
    .split('\n')
    .filter((l) => l.length > 0)
    .map((l) => JSON.parse(l) as KcatRecord);
}

function expectPartitionContents(records: KcatRecord[], p: number, count: number): void {
  expect(records).toHaveLength(count);
  records.forEach((r, i) => {
    expect(r.partition).toBe(p);
    expect(r.offset).toBe(i);
    expect(r.key).toBe(`key-${p}-${i}`);
    expect(r.payload).toBe(expectedValue(p, i));
    expect(r.headers).toEqual(['origin', `kcat-${p}`]);
  });
}

async function topicState(b: BrokerProcess): Promise<{ topicId: string; ends: bigint[] }> {
  const c = await RawKafkaClient.connect(b.host, b.port);
  try {
    const md = await metadata(c, [TOPIC], false, 12);
    const t = md.topics[0];
    expect(t?.errorCode).toBe(ErrorCode.NONE);
    expect(t?.partitions).toHaveLength(PARTITIONS);
    const ends: bigint[] = [];
    for (let p = 0; p < PARTITIONS; p++) ends.push(await listOffset(c, TOPIC, p));
    return { topicId: t!.topicId, ends };
  } finally {
    c.close();
  }
}

test('everything produced before a SIGTERM is read back after a restart on the same data dir', async () => {
  broker = await start();
  const c = await RawKafkaClient.connect(broker.host, broker.port);
  expect((await metadata(c, [TOPIC], true)).topics[0]?.errorCode).toBe(ErrorCode.NONE);
  c.close();

  // Several kcat runs per partition: several batches, a few per run.
  for (let p = 0; p < PARTITIONS; p++) {
    await produceWithKcat(broker.bootstrap, p, 0, PER_PARTITION / 2);
    await produceWithKcat(broker.bootstrap, p, PER_PARTITION / 2, PER_PARTITION);
  }
  const before = await topicState(broker);
  expect(before.topicId).not.toBe(ZERO_UUID);
  expect(before.ends).toEqual(Array.from({ length: PARTITIONS }, () => BigInt(PER_PARTITION)));

  expect(await broker.stop()).toBe(0);
  broker = await start();
  expect(broker.output()).toContain(`"dataDir":"${dataDir}"`);

  const after = await topicState(broker);
  expect(after.topicId).toBe(before.topicId);
  expect(after.ends).toEqual(before.ends);
  for (let p = 0; p < PARTITIONS; p++) expectPartitionContents(await readAll(broker.bootstrap, p), p, PER_PARTITION);

  // The log continues where it stopped, and survives a second restart too.
  for (let p = 0; p < PARTITIONS; p++) await produceWithKcat(broker.bootstrap, p, PER_PARTITION, PER_PARTITION + 20);
  expect(await broker.stop()).toBe(0);
  broker = await start();
  const again = await topicState(broker);
  expect(again.topicId).toBe(before.topicId);
  for (let p = 0; p < PARTITIONS; p++) {
    expect(again.ends[p]).toBe(BigInt(PER_PARTITION + 20));
    expectPartitionContents(await readAll(broker.bootstrap, p), p, PER_PARTITION + 20);
  }
});
