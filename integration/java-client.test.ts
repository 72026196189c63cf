/**
 * Apache Kafka's Java client against a Weir broker process: the admin
 * client creates and describes topics and the cluster; idempotent acks=all
 * producers send with every codec (none, gzip, snappy, lz4, zstd); a group
 * consumer reads every acknowledged record back once, at its acknowledged
 * offset with its value, and commits; the admin client then alters and
 * describes a topic config, lists, describes and deletes the group, reads
 * its offsets, deletes records, adds partitions, creates and deletes a topic; a transactional producer commits one
 * transaction and aborts another, and a read_committed consumer sees only
 * the first. The client is the one of the Kafka distribution the tools use
 * (the peer broker's build, kafka-clients 2.4.1: the protocol versions of
 * its era), run in Java's source-file mode (integration/java/).
 *
 * Needs a Kafka distribution and a JVM (see support/kafka-tools.ts); without
 * them the file registers one "NOT RUN:" test saying why.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { type BrokerProcess, startBrokerProcess } from './support/broker-process';
import { findKafkaTools, runJavaProgram } from './support/kafka-tools';

jest.setTimeout(180_000);

const tools = findKafkaTools();
const PROGRAM = path.join(__dirname, 'java', 'JavaClientCheck.java');
/** What the client needs on its class path: itself, its codecs, its logging facade. */
const JARS = [/^kafka-clients-.*\.jar$/, /^lz4-java-.*\.jar$/, /^snappy-java-.*\.jar$/, /^zstd-jni-.*\.jar$/, /^slf4j-api-.*\.jar$/];

interface Steps {
  admin?: { partitions: number; nodes: number; controller: number; listed: boolean };
  produce?: { acked: number };
  consume?: { read: number; distinct: number; mismatched: number; duplicates: number; committed: number };
  admin2?: Record<string, unknown>;
  transactions?: { end: number; values: string[] };
}

function runJava(home: string, args: string[]): Promise<{ code: number | null; steps: Steps; output: string }> {
  return runJavaProgram<Steps>(home, PROGRAM, JARS, args);
}

if (!tools.found) {
  test(`NOT RUN: the Java client against Weir — ${tools.reason}`, () => {
    expect(tools.found).toBe(false);
  });
} else {
  const home = tools.home;
  const clientJar = fs.readdirSync(path.join(home, 'libs')).find((f) => /^kafka-clients-.*\.jar$/.test(f)) ?? 'kafka-clients-?.jar';
  const clientVersion = clientJar.replace(/^kafka-clients-/, '').replace(/\.jar$/, '');
  let broker: BrokerProcess | undefined;

  afterAll(async () => {
    await broker?.stop();
    if (broker) fs.rmSync(broker.dataDir, { recursive: true, force: true });
  });

  test(`Java client ${clientVersion}: admin, idempotent produce with every codec, a group consumer, transactions`, async () => {
    broker = await startBrokerProcess({ config: { 'auto.create.topics.enable': 'false' } });
    const { code, steps, output } = await runJava(home, [`${broker.host}:${broker.port}`, 'java-client']);
    if (code !== 0) throw new Error(`the Java client failed (exit ${code}):\n${output.slice(-4000)}`);
    expect(steps.admin).toEqual({ partitions: 3, nodes: 1, controller: 1, listed: true });
    expect(steps.produce).toEqual({ acked: 1000 });
    // Every acknowledged record once, at its offset, with its value; the commit covers them all.
    expect(steps.consume).toEqual({ read: 1000, distinct: 1000, mismatched: 0, duplicates: 0, committed: 1000 });
    const consumed = steps.admin2 as { deletedBefore: number };
    expect(steps.admin2).toEqual({
      retention: '3600000',
      retentionSource: 'DYNAMIC_TOPIC_CONFIG',
      groupListed: true,
      groupState: 'EMPTY',
      committedSum: 1000,
      logStartAfterDelete: consumed.deletedBefore,
      deletedBefore: consumed.deletedBefore,
      partitions: 4,
      groupGone: true,
      scratchGone: true,
    });
    expect(consumed.deletedBefore).toBeGreaterThan(0);
    // 10 committed, 10 aborted, and a marker after each transaction.
    expect(steps.transactions?.end).toBe(22);
    expect(steps.transactions?.values).toEqual(Array.from({ length: 10 }, (_, i) => `committed-${i}`));
  });
}
