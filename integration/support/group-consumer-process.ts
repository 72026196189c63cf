/**
 * A consumer-group member in its own process, so a test can SIGKILL it and
 * watch its partitions move after the session timeout: a crashed client
 * never sends LeaveGroup. It also hosts @platformatic/kafka members, which
 * are ESM-only and cannot load in jest's CommonJS runtime. The child prints
 * one line per event: `ASSIGNED <json partitions>` and
 * `MSG <partition> <offset> <value>`; "close" on its stdin closes the
 * consumer cleanly (LeaveGroup) and exits.
 */
import { ChildProcess, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

export type GroupClientKind = 'kafkajs' | 'rdkafka';

export interface ChildMessage {
  partition: number;
  offset: number;
  value: string;
}

export interface GroupConsumerProcess {
  readonly child: ChildProcess;
  readonly messages: ChildMessage[];
  /** The partitions of the last assignment the child reported. */
  assigned(): number[] | null;
  /** Everything the child wrote to stderr. */
  errors(): string;
  /** A clean close (the client leaves the group), then exit. */
  close(): Promise<void>;
  kill(): Promise<void>;
}

const NODE_MODULES = path.resolve(__dirname, '../../node_modules');

const KAFKAJS_SCRIPT = `
const { Kafka, logLevel } = require(${JSON.stringify(path.join(NODE_MODULES, 'kafkajs'))});
const [bootstrap, groupId, topic, sessionTimeout] = process.argv.slice(2);
const kafka = new Kafka({ clientId: 'child-kafkajs', brokers: [bootstrap], logLevel: logLevel.NOTHING });
const consumer = kafka.consumer({ groupId, sessionTimeout: Number(sessionTimeout), heartbeatInterval: 300 });
consumer.on(consumer.events.GROUP_JOIN, (e) => {
  const mine = e.payload.memberAssignment[topic] || [];
  process.stdout.write('ASSIGNED ' + JSON.stringify(mine) + '\\n');
});
(async () => {
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  await consumer.run({ eachMessage: async ({ partition, message }) => {
    process.stdout.write('MSG ' + partition + ' ' + message.offset + ' ' + message.value.toString() + '\\n');
  } });
})();
process.stdin.on('data', async (d) => {
  if (d.toString().includes('close')) {
    await consumer.disconnect();
    process.exit(0);
  }
});
`;

const PLATFORMATIC_SCRIPT = `
import { Consumer, MessagesStreamModes, stringDeserializers } from ${JSON.stringify(path.join(NODE_MODULES, '@platformatic/kafka/dist/index.js'))};
const [bootstrap, groupId, topic, sessionTimeout, name, groupInstanceId] = process.argv.slice(2);
const consumer = new Consumer({
  clientId: name, groupId, groupInstanceId: groupInstanceId || undefined, bootstrapBrokers: [bootstrap],
  deserializers: stringDeserializers, sessionTimeout: Number(sessionTimeout), heartbeatInterval: 300, maxWaitTime: 200,
});
const stream = await consumer.consume({ topics: [topic], mode: MessagesStreamModes.EARLIEST, autocommit: 100 });
stream.on('data', (m) => process.stdout.write('MSG ' + m.partition + ' ' + m.offset + ' ' + m.value + '\\n'));
let last = '';
setInterval(() => {
  const mine = JSON.stringify((consumer.assignments ?? []).filter((a) => a.topic === topic).flatMap((a) => a.partitions).sort((a, b) => a - b));
  if (mine !== last) process.stdout.write('ASSIGNED ' + mine + '\\n');
  last = mine;
}, 50);
process.stdin.on('data', async (d) => {
  if (d.toString().includes('close')) {
    await consumer.close(true);
    process.exit(0);
  }
});
`;

export interface GroupConsumerOptions {
  client?: 'kafkajs' | 'platformatic';
  name?: string;
  groupInstanceId?: string;
}

export function startGroupConsumerProcess(
  bootstrap: string,
  groupId: string,
  topic: string,
  sessionTimeoutMs: number,
  options: GroupConsumerOptions = {},
): GroupConsumerProcess {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'weir-member-'));
  const platformatic = options.client === 'platformatic';
  const script = path.join(dir, platformatic ? 'member.mjs' : 'member.js');
  fs.writeFileSync(script, platformatic ? PLATFORMATIC_SCRIPT : KAFKAJS_SCRIPT);
  const args = [script, bootstrap, groupId, topic, String(sessionTimeoutMs), options.name ?? 'member', options.groupInstanceId ?? ''];
  const child = spawn(process.execPath, args, { stdio: ['pipe', 'pipe', 'pipe'] });
  const messages: ChildMessage[] = [];
  let assignment: number[] | null = null;
  let buffered = '';
  child.stdout!.on('data', (d: Buffer) => {
    buffered += d.toString();
    let nl: number;
    while ((nl = buffered.indexOf('\n')) >= 0) {
      const line = buffered.slice(0, nl);
      buffered = buffered.slice(nl + 1);
      if (line.startsWith('ASSIGNED ')) assignment = JSON.parse(line.slice('ASSIGNED '.length)) as number[];
      const m = /^MSG (\d+) (\d+) (.*)$/.exec(line);
      if (m) messages.push({ partition: Number(m[1]), offset: Number(m[2]), value: m[3] as string });
    }
  });
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return {
    child,
    messages,
    assigned: () => assignment,
    errors: () => stderr,
    async close() {
      if (child.exitCode === null && child.signalCode === null) child.stdin!.write('close\n');
      await exited;
      fs.rmSync(dir, { recursive: true, force: true });
    },
    async kill() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
