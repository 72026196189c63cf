/**
 * Shared pieces of the consumer group tests (integration/groups-*.test.ts):
 * a kafkajs admin and producer used as neutral tools around the clients under
 * test (create a topic, produce numbered values round-robin over the
 * partitions, sum a group's committed offsets).
 */
import type { Admin, Kafka } from 'kafkajs';

/** Runs `fn` with a connected kafkajs admin client, disconnecting it afterwards. */
export async function withAdmin<T>(kafka: Kafka, fn: (admin: Admin) => Promise<T>): Promise<T> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    return await fn(admin);
  } finally {
    await admin.disconnect();
  }
}

export function createTopic(kafka: Kafka, topic: string, numPartitions: number): Promise<void> {
  return withAdmin(kafka, async (admin) => {
    await admin.createTopics({ topics: [{ topic, numPartitions }] });
  });
}

/** Produces `${prefix}-0` .. `${prefix}-${count - 1}`, message i to partition i mod `partitions`; returns the values. */
export async function produceValues(kafka: Kafka, topic: string, prefix: string, count: number, partitions: number): Promise<string[]> {
  const producer = kafka.producer();
  await producer.connect();
  const values = Array.from({ length: count }, (_, i) => `${prefix}-${i}`);
  await producer.send({ topic, messages: values.map((value, i) => ({ value, partition: i % partitions })) });
  await producer.disconnect();
  return values;
}

/** The sum of the group's committed offsets on the topic (a partition with none counts 0). */
export function committedTotal(kafka: Kafka, groupId: string, topic: string): Promise<number> {
  return withAdmin(kafka, async (admin) => {
    const offsets = await admin.fetchOffsets({ groupId, topics: [topic] });
    return (offsets[0]?.partitions ?? []).reduce((sum, p) => sum + Math.max(Number(p.offset), 0), 0);
  });
}
