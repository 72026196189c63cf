#!/usr/bin/env node
/**
 * The `weir` command: `weir start` runs a broker; the other commands are a
 * Kafka client (built on Weir's own protocol codecs) that works against any
 * Kafka-protocol broker, Weir or Kafka.
 */
import { consumeCommand } from './commands/consume';
import { groupCommand } from './commands/group';
import { produceCommand } from './commands/produce';
import { startCommand } from './commands/start';
import { topicCommand } from './commands/topic';
import { userCommand } from './commands/user';
import type { Command } from './command';
import { explainError } from './explain-error';
import { UsageError } from './args';

const COMMANDS: readonly Command[] = [startCommand, topicCommand, produceCommand, consumeCommand, groupCommand, userCommand];

const USAGE = `usage: weir <command> [options]

A Kafka-compatible broker, and a client for any Kafka broker.

commands:
${COMMANDS.map((c) => `  ${c.name.padEnd(10)}${c.summary}`).join('\n')}

The client commands talk to -b HOST:PORT (default $WEIR_BOOTSTRAP_SERVERS or
localhost:9092); --command-config FILE gives them Kafka client properties
for TLS and SASL. Run 'weir <command> --help' for a command's options.

examples:
  weir start --memory
  weir topic create demo -p 3
  echo hello | weir produce demo
  weir consume demo --format '%p:%o %v\\n'
  weir group describe my-group
  weir user scram set alice --password alice-secret
`;

async function main(argv: string[]): Promise<void> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '-h' || name === '--help' || name === 'help') {
    process.stdout.write(USAGE);
    return;
  }
  const command = COMMANDS.find((c) => c.name === name);
  if (!command) throw new UsageError(`unknown command '${name}' (one of: ${COMMANDS.map((c) => c.name).join(', ')})`, '');
  await command.run(rest);
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
