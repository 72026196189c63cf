/**
 * A consumer-group member in its own process, so a test can SIGKILL it and
 * watch its partitions move after the session timeout: a crashed client
 * never sends LeaveGroup. The child prints one line per event:
 * `ASSIGNED <json partitions>` and `MSG <partition> <offset> <value>`.
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
`;

export function startGroupConsumerProcess(bootstrap: string, groupId: string, topic: string, sessionTimeoutMs: number): GroupConsumerProcess {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'weir-member-'));
  const script = path.join(dir, 'member.js');
  fs.writeFileSync(script, KAFKAJS_SCRIPT);
  const child = spawn(process.execPath, [script, bootstrap, groupId, topic, String(sessionTimeoutMs)], { stdio: ['ignore', 'pipe', 'pipe'] });
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
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return {
    child,
    messages,
    assigned: () => assignment,
    async kill() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
