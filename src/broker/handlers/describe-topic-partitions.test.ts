/**
 * DescribeTopicPartitions through a real in-process broker: paging over a
 * 1,000-partition topic with the cursor and response_partition_limit, the
 * broker's own limit, and the errors Kafka answers.
 */
import { Broker } from '../broker';
import { RawKafkaClient, requestBody } from '../../../integration/support/raw-kafka-client';
import { Apis } from '../../protocol/apis';
import { ErrorCode } from '../../protocol/errors';
import type { DescribeTopicPartitionsRequest, DescribeTopicPartitionsResponse } from '../../protocol/messages';

let broker: Broker;
let raw: RawKafkaClient;

async function createTopic(name: string, numPartitions: number): Promise<void> {
  const res = await raw.request(Apis.CreateTopics, 7, requestBody(Apis.CreateTopics, { topics: [{ name, numPartitions, replicationFactor: -1, assignments: [], configs: [] }] }));
  expect(res.topics[0]?.errorCode).toBe(ErrorCode.NONE);
}

function describe_(topics: string[], limit: number, cursor: DescribeTopicPartitionsRequest.Cursor | null = null): Promise<DescribeTopicPartitionsResponse> {
  return raw.request(Apis.DescribeTopicPartitions, 0, { topics: topics.map((name) => ({ name })), responsePartitionLimit: limit, cursor });
}

/** Every page, following next_cursor; each page as "topic:first-last" per topic. */
async function pages(topics: string[], limit: number): Promise<{ pages: string[][]; partitions: Map<string, number[]> }> {
  const out: string[][] = [];
  const partitions = new Map<string, number[]>();
  let cursor: DescribeTopicPartitionsRequest.Cursor | null = null;
  for (let n = 0; n < 100; n++) {
    const res = await describe_(topics, limit, cursor);
    out.push(res.topics.map((t) => `${t.name}:${t.partitions[0]?.partitionIndex ?? '-'}-${t.partitions[t.partitions.length - 1]?.partitionIndex ?? '-'}`));
    for (const t of res.topics) {
      expect(t.errorCode).toBe(ErrorCode.NONE);
      partitions.set(t.name ?? '', [...(partitions.get(t.name ?? '') ?? []), ...t.partitions.map((p) => p.partitionIndex)]);
    }
    if (res.nextCursor === null) return { pages: out, partitions };
    cursor = { topicName: res.nextCursor.topicName, partitionIndex: res.nextCursor.partitionIndex };
  }
  throw new Error('no end of pages');
}

beforeAll(async () => {
  broker = await Broker.start({ memory: true, port: 0, host: '127.0.0.1', properties: { 'max.request.partition.size.limit': '700' } });
  raw = await RawKafkaClient.connect(broker.host, broker.port);
  await createTopic('dtp-big', 1000);
  await createTopic('dtp-small', 3);
  await createTopic('dtp-two', 2);
}, 60_000);

afterAll(async () => {
  raw.close();
  await broker.close();
});

test('pages over 1,000 partitions: each partition exactly once, in order, with its leader, replicas and ISR', async () => {
  const { pages: seen, partitions } = await pages(['dtp-two', 'dtp-big', 'dtp-small'], 300);
  expect(seen).toEqual([['dtp-big:0-299'], ['dtp-big:300-599'], ['dtp-big:600-899'], ['dtp-big:900-999', 'dtp-small:0-2', 'dtp-two:0-1']]);
  expect(partitions.get('dtp-big')).toEqual(Array.from({ length: 1000 }, (_, i) => i));
  const first = await describe_(['dtp-small'], 10);
  const topic = first.topics[0];
  expect(topic?.topicId).toBe(broker.context.metadata.image.topics.get('dtp-small')?.id);
  expect(topic?.isInternal).toBe(false);
  expect(topic?.partitions[1]).toMatchObject({ errorCode: 0, partitionIndex: 1, leaderId: 1, leaderEpoch: 0, replicaNodes: [1], isrNodes: [1], offlineReplicas: [], eligibleLeaderReplicas: [], lastKnownElr: [] });
});

test('all topics when none are named; the broker caps the limit (max.request.partition.size.limit)', async () => {
  const first = await describe_([], 5000);
  expect(first.topics.map((t) => [t.name, t.partitions.length])).toEqual([['dtp-big', 700]]);
  expect(first.nextCursor).toMatchObject({ topicName: 'dtp-big', partitionIndex: 700 });
  const { partitions } = await pages([], 5000);
  expect([...partitions].map(([name, p]) => [name, p.length])).toEqual([['dtp-big', 1000], ['dtp-small', 3], ['dtp-two', 2]]);
});

test('a limit met exactly at the end of a topic points the cursor at the next topic, partition 0', async () => {
  const res = await describe_(['dtp-small', 'dtp-two'], 3);
  expect(res.topics.map((t) => t.name)).toEqual(['dtp-small']);
  expect(res.nextCursor).toMatchObject({ topicName: 'dtp-two', partitionIndex: 0 });
  // A limit of 0 is taken as 1.
  const one = await describe_(['dtp-two'], 0);
  expect(one.topics[0]?.partitions.length).toBe(1);
  expect(one.nextCursor).toMatchObject({ topicName: 'dtp-two', partitionIndex: 1 });
});

test('unknown and illegal names are reported (only when named); a bad cursor fails the request', async () => {
  const res = await describe_(['dtp-two', 'no-such-topic', 'bad/name'], 100);
  expect(res.topics.map((t) => [t.name, t.errorCode])).toEqual([
    ['bad/name', ErrorCode.INVALID_TOPIC_EXCEPTION],
    ['dtp-two', ErrorCode.NONE],
    ['no-such-topic', ErrorCode.UNKNOWN_TOPIC_OR_PARTITION],
  ]);
  const notNamed = await describe_(['dtp-two'], 100, { topicName: 'dtp-small', partitionIndex: 0 });
  expect(notNamed.topics.map((t) => [t.name, t.errorCode])).toEqual([['dtp-two', ErrorCode.INVALID_REQUEST]]);
  const negative = await describe_(['dtp-two'], 100, { topicName: 'dtp-two', partitionIndex: -1 });
  expect(negative.topics.map((t) => t.errorCode)).toEqual([ErrorCode.INVALID_REQUEST]);
  // Topics before the cursor's are skipped.
  const after = await describe_(['dtp-big', 'dtp-two'], 100, { topicName: 'dtp-two', partitionIndex: 1 });
  expect(after.topics.map((t) => [t.name, t.partitions.map((p) => p.partitionIndex)])).toEqual([['dtp-two', [1]]]);
});
