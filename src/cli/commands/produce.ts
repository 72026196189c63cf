/**
 * `weir produce TOPIC`: one message per line of stdin, like
 * kafka-console-producer and `kcat -P`. Lines are sent in batches (one
 * request per burst of input, at most 1000 lines each), so piping a file is
 * fast and typing at a terminal sends each line as it is entered.
 */
import * as readline from 'node:readline';
import { KafkaClient, ProduceMessage, produce } from '../../client';
import { Codec } from '../../protocol/records/compression';
import { BOOTSTRAP_OPTION, COMMAND_CONFIG_OPTION, ParsedArgs, UsageError, bootstrapOf, keyValue } from '../args';
import { Command, clientOptionsOf, parseOrHelp, requirePositionals } from '../command';

const MAX_BATCH_LINES = 1000;

const CODECS: Record<string, Codec> = { none: Codec.None, gzip: Codec.Gzip, snappy: Codec.Snappy, lz4: Codec.Lz4, zstd: Codec.Zstd };

const spec = {
  usage: 'weir produce TOPIC [options] < lines',
  summary: 'send each line of stdin as one message',
  options: [
    BOOTSTRAP_OPTION,
    COMMAND_CONFIG_OPTION,
    { name: 'key-separator', short: 'K', value: 'SEP', help: 'split each line at the first SEP into key and value' },
    { name: 'header', short: 'H', value: 'KEY=VALUE', repeatable: true, help: 'a header on every message' },
    { name: 'partition', short: 'p', value: 'N', help: 'send everything to partition N (default: by key, or spread)' },
    { name: 'acks', value: 'N', help: '0, 1 or -1/all (default all)' },
    { name: 'compression', short: 'z', value: 'CODEC', help: 'none|gzip|snappy|lz4|zstd (default none)' },
    { name: 'create', help: 'let the broker auto-create a missing topic (auto.create.topics.enable)' },
  ],
  notes: "examples:\n  echo hello | weir produce demo\n  printf 'user1:clicked\\nuser2:left\\n' | weir produce events -K : -H source=cli",
};

async function run(args: ParsedArgs): Promise<void> {
  const [topic] = requirePositionals(args, ['TOPIC'], 'produce');
  const sep = args.string('key-separator');
  if (sep === '') throw new UsageError('--key-separator must not be empty', 'produce');
  const headers = args.strings('header').map((h) => {
    const [key, value] = keyValue(h, '--header', 'produce');
    return { key, value: Buffer.from(value) };
  });
  const partition = args.integer('partition');
  const acksText = args.string('acks') ?? 'all';
  const acks = acksText === 'all' ? -1 : Number(acksText);
  if (![0, 1, -1].includes(acks)) throw new UsageError(`--acks expects 0, 1, -1 or all, got '${acksText}'`, 'produce');
  const codecName = args.string('compression') ?? 'none';
  const compression = CODECS[codecName];
  if (compression === undefined) throw new UsageError(`--compression expects one of ${Object.keys(CODECS).join(', ')}, got '${codecName}'`, 'produce');

  const toMessage = (line: string): ProduceMessage => {
    let key: Buffer | null = null;
    let value = line;
    if (sep !== undefined) {
      const at = line.indexOf(sep);
      if (at >= 0) {
        key = Buffer.from(line.slice(0, at));
        value = line.slice(at + sep.length);
      }
    }
    return { key, value: Buffer.from(value), headers, partition };
  };

  const client = await KafkaClient.connect(bootstrapOf(args), clientOptionsOf(args));
  let sent = 0;
  try {
    const rl = readline.createInterface({ input: process.stdin, crlfDelay: Infinity });
    let pending: string[] = [];
    let flushing: Promise<void> = Promise.resolve();
    let failure: Error | null = null;
    const flush = () => {
      if (pending.length === 0) return;
      const lines = pending;
      pending = [];
      flushing = flushing.then(async () => {
        if (failure) return;
        try {
          await produce(client, topic!, lines.map(toMessage), { acks, compression, allowAutoTopicCreation: args.flag('create') });
          sent += lines.length;
        } catch (err) {
          failure = err as Error;
          rl.close();
        }
      });
    };
    let timer: NodeJS.Timeout | null = null;
    rl.on('line', (line) => {
      pending.push(line);
      if (pending.length >= MAX_BATCH_LINES) {
        flush();
        // Keep memory bounded when stdin is faster than the broker.
        rl.pause();
        void flushing.then(() => rl.resume());
      } else if (!timer) {
        // Lines arriving together (a pipe) share a request; a typed line goes at once.
        timer = setTimeout(() => {
          timer = null;
          flush();
        }, 5);
      }
    });
    await new Promise<void>((resolve) => rl.once('close', () => resolve()));
    if (timer) clearTimeout(timer);
    flush();
    await flushing;
    if (failure) throw failure;
  } finally {
    await client.close();
  }
  process.stderr.write(`produced ${sent} message${sent === 1 ? '' : 's'} to ${topic}\n`);
}

export const produceCommand: Command = {
  name: 'produce',
  summary: spec.summary,
  async run(argv) {
    const args = parseOrHelp(spec, argv, 'produce');
    if (args) await run(args);
  },
};
