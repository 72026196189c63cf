#!/usr/bin/env node
/**
 * The `weir` command: `weir start` runs a broker; the other commands are a
 * Kafka client (built on Weir's own protocol codecs) that works against any
 * Kafka-protocol broker, Weir or Kafka.
 */
import type { Command } from './command';
import { explainError } from './explain-error';
import { UsageError } from './args';

/**
 * Each command's module loads only when that command runs: `weir start`
 * never loads the client, the client commands never load the broker (start-up
 * time and memory).
 */
const COMMANDS: Readonly<Record<string, () => Command>> = {
  start: () => (require('./commands/start') as typeof import('./commands/start')).startCommand,
  cluster: () => (require('./commands/cluster') as typeof import('./commands/cluster')).clusterCommand,
  topic: () => (require('./commands/topic') as typeof import('./commands/topic')).topicCommand,
  partition: () => (require('./commands/partition') as typeof import('./commands/partition')).partitionCommand,
  produce: () => (require('./commands/produce') as typeof import('./commands/produce')).produceCommand,
  consume: () => (require('./commands/consume') as typeof import('./commands/consume')).consumeCommand,
  group: () => (require('./commands/group') as typeof import('./commands/group')).groupCommand,
  user: () => (require('./commands/user') as typeof import('./commands/user')).userCommand,
  quota: () => (require('./commands/quota') as typeof import('./commands/quota')).quotaCommand,
  acl: () => (require('./commands/acl') as typeof import('./commands/acl')).aclCommand,
};
const COMMAND_NAMES = Object.keys(COMMANDS);

const usage = (): string => `usage: weir <command> [options]

A Kafka-compatible broker, and a client for any Kafka broker.

commands:
${COMMAND_NAMES.map((name) => `  ${name.padEnd(11)}${(COMMANDS[name] as () => Command)().summary}`).join('\n')}

The client commands talk to -b HOST:PORT (default $WEIR_BOOTSTRAP_SERVERS or
localhost:9092); --command-config FILE gives them Kafka client properties
for TLS and SASL. Run 'weir <command> --help' for a command's options.

examples:
  weir start --memory
  weir topic create demo -p 3
  echo hello | weir produce demo
  weir consume demo --format '%p:%o %v\\n'
  weir group describe my-group
  weir partition reassign demo:0=2,3 --wait
  weir user scram set alice --password alice-secret
  weir acl add --allow-principal User:alice --operation Read --topic demo
`;

async function main(argv: string[]): Promise<void> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '-h' || name === '--help' || name === 'help') {
    process.stdout.write(usage());
    return;
  }
  const load = Object.hasOwn(COMMANDS, name) ? COMMANDS[name] : undefined;
  if (!load) throw new UsageError(`unknown command '${name}' (one of: ${COMMAND_NAMES.join(', ')})`, '');
  await load().run(rest);
}

// `weir consume | head` closes stdout early: that is a normal end, not an error.
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code === 'EPIPE') process.exit(0);
  throw err;
});

main(process.argv.slice(2)).then(
  () => {
    // Client commands are done; `weir start` keeps running on its server.
  },
  (err: unknown) => {
    const { message, exitCode } = explainError(err);
    process.stderr.write(`weir: ${message}\n`);
    process.exitCode = exitCode;
  },
);
