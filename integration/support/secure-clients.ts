/**
 * Produce-then-read round trips through one listener with each real client,
 * configured for TLS and SASL the way its users configure it. Each returns
 * the values it read back from partition 0 of a one-partition topic, so a
 * test compares them with every value the producer had acknowledged.
 */
import Kafka from 'node-rdkafka';
import { Kafka as KafkaJs, logLevel, type KafkaConfig } from 'kafkajs';
import { run } from './roundtrip';

export type KafkajsSecurity = Pick<KafkaConfig, 'ssl' | 'sasl'>;

/** kafkajs producer (acks=all) then a group consumer from the beginning. */
export async function kafkajsRoundTrip(bootstrap: string, security: KafkajsSecurity, topic: string, values: string[]): Promise<string[]> {
  const kafka = new KafkaJs({ brokers: [bootstrap], clientId: 'security-kafkajs', logLevel: logLevel.NOTHING, retry: { retries: 0 }, ...security });
  const producer = kafka.producer({ allowAutoTopicCreation: false });
  await producer.connect();
  try {
    await producer.send({ topic, acks: -1, messages: values.map((value) => ({ value, partition: 0 })) });
  } finally {
    await producer.disconnect();
  }
  const consumer = kafka.consumer({ groupId: `security-kafkajs-${topic}`, maxWaitTimeInMs: 100 });
  const read: string[] = [];
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`kafkajs read ${read.length} of ${values.length}`)), 30_000);
      void consumer.run({
        eachMessage: async ({ message }) => {
          read.push(message.value?.toString('utf8') ?? '');
          if (read.length >= values.length) {
            clearTimeout(timer);
            resolve();
          }
        },
      });
    });
  } finally {
    await consumer.disconnect();
  }
  return read;
}

/** Connects a kafkajs producer and returns the error it fails with (null when it connects). */
export async function kafkajsConnectError(bootstrap: string, security: KafkajsSecurity): Promise<Error | null> {
  const kafka = new KafkaJs({ brokers: [bootstrap], clientId: 'security-kafkajs-bad', logLevel: logLevel.NOTHING, retry: { retries: 0 }, ...security });
  const producer = kafka.producer();
  try {
    await producer.connect();
    await producer.disconnect();
    return null;
  } catch (err) {
    return err as Error;
  }
}

export type RdkafkaSecurity = Record<string, string>;

function rdkafkaError(errors: string[], err: unknown): Error {
  const e = err as { message?: string; code?: number };
  return new Error(`${e.message ?? String(err)} (code ${e.code}); client errors: ${errors.slice(0, 3).join(' | ')}`);
}

/** node-rdkafka producer (acks=all, delivery reports) then a consumer assigned to partition 0. */
export async function rdkafkaRoundTrip(bootstrap: string, security: RdkafkaSecurity, topic: string, values: string[]): Promise<string[]> {
  const errors: string[] = [];
  const producer = new Kafka.Producer({ 'bootstrap.servers': bootstrap, dr_cb: true, 'request.required.acks': -1, ...security } as Kafka.ProducerGlobalConfig);
  producer.on('event.error', (e) => errors.push(e.message));
  await new Promise<void>((resolve, reject) => producer.connect({ timeout: 15_000 }, (err) => (err ? reject(rdkafkaError(errors, err)) : resolve())));
  try {
    let delivered = 0;
    const failed: string[] = [];
    const done = new Promise<void>((resolve) => {
      producer.on('delivery-report', (err) => {
        if (err) failed.push(err.message);
        if (++delivered === values.length) resolve();
      });
    });
    producer.setPollInterval(10);
    for (const v of values) producer.produce(topic, 0, Buffer.from(v));
    producer.flush(15_000);
    await done;
    if (failed.length > 0) throw new Error(`node-rdkafka delivery failed: ${failed[0]}`);
  } finally {
    await new Promise<void>((resolve) => producer.disconnect(() => resolve()));
  }
  const consumer = new Kafka.KafkaConsumer(
    { 'bootstrap.servers': bootstrap, 'group.id': `security-rdkafka-${topic}`, 'enable.auto.commit': false, 'fetch.wait.max.ms': 100, ...security } as Kafka.ConsumerGlobalConfig,
    { 'auto.offset.reset': 'earliest' },
  );
  consumer.on('event.error', (e) => errors.push(e.message));
  await new Promise<void>((resolve, reject) => consumer.connect({ timeout: 15_000 }, (err) => (err ? reject(rdkafkaError(errors, err)) : resolve())));
  const read: string[] = [];
  try {
    consumer.assign([{ topic, partition: 0, offset: 0 }]);
    const deadline = Date.now() + 30_000;
    while (read.length < values.length) {
      if (Date.now() > deadline) throw new Error(`node-rdkafka read ${read.length} of ${values.length}; errors: ${errors.join(' | ')}`);
      const batch = await new Promise<Kafka.Message[]>((resolve, reject) => consumer.consume(100, (err, m) => (err ? reject(err) : resolve(m))));
      for (const m of batch) read.push(m.value?.toString('utf8') ?? '');
    }
  } finally {
    await new Promise<void>((resolve) => consumer.disconnect(() => resolve()));
  }
  return read;
}

/**
 * Connects a node-rdkafka producer and returns what it reports: its errors
 * and its error-level log lines, where librdkafka puts the broker's reason
 * (empty when it connects).
 */
export async function rdkafkaConnectErrors(bootstrap: string, security: RdkafkaSecurity): Promise<string[]> {
  const errors: string[] = [];
  const producer = new Kafka.Producer({ 'bootstrap.servers': bootstrap, event_cb: true, ...security } as Kafka.ProducerGlobalConfig);
  producer.on('event.error', (e) => errors.push(e.message));
  producer.on('event.log', (e: { severity: number; message: string }) => {
    if (e.severity <= 3) errors.push(e.message);
  });
  try {
    await new Promise<void>((resolve, reject) => producer.connect({ timeout: 5_000 }, (err) => (err ? reject(err) : resolve())));
  } catch (err) {
    errors.push((err as Error).message);
    return errors;
  }
  await new Promise<void>((resolve) => producer.disconnect(() => resolve()));
  return errors;
}

/** kcat -P then kcat -C -e, with `-X` settings for the listener. */
export async function kcatRoundTrip(bootstrap: string, settings: Record<string, string>, topic: string, values: string[]): Promise<string[]> {
  const x = Object.entries(settings).flatMap(([k, v]) => ['-X', `${k}=${v}`]);
  const p = await run('kcat', ['-P', '-b', bootstrap, '-t', topic, '-p', '0', ...x], values.map((v) => `${v}\n`).join(''));
  if (p.code !== 0) throw new Error(`kcat -P exited ${p.code}: ${p.stderr.slice(-1000)}`);
  const c = await run('kcat', ['-C', '-b', bootstrap, '-t', topic, '-p', '0', '-o', 'beginning', '-e', '-q', ...x], '');
  if (c.code !== 0) throw new Error(`kcat -C exited ${c.code}: ${c.stderr.slice(-1000)}`);
  return c.stdout.split('\n').filter((l) => l !== '');
}

/** kcat -L (metadata) with `-X` settings: its exit code and stderr. */
export async function kcatMetadata(bootstrap: string, settings: Record<string, string>): Promise<{ code: number | null; stderr: string; stdout: string }> {
  const x = Object.entries(settings).flatMap(([k, v]) => ['-X', `${k}=${v}`]);
  return run('kcat', ['-L', '-b', bootstrap, '-m', '5', ...x], '', 20_000);
}
