/**
 * What a `weir` command is, and the shared plumbing: sub-command dispatch
 * with generated help, and a client that is always closed.
 */
import * as fs from 'node:fs';
import type { KafkaClient, KafkaClientOptions } from '../client';
import { parseProperties } from '../config/properties-file';
import { CommandSpec, ParsedArgs, UsageError, bootstrapOf, helpText, parse } from './args';

export interface Command {
  name: string;
  summary: string;
  run(argv: string[]): Promise<void>;
}

export interface SubCommand {
  name: string;
  spec: CommandSpec;
  run(args: ParsedArgs): Promise<void>;
}

/** Parses argv against one spec; prints help and returns null on --help. */
export function parseOrHelp(spec: CommandSpec, argv: string[], command: string): ParsedArgs | null {
  const args = parse(spec, argv, command);
  if (args.help) {
    process.stdout.write(helpText(spec));
    return null;
  }
  return args;
}

/** `weir <group> <sub> ...`: dispatches to a sub-command; lists them on --help. */
export function commandGroup(name: string, summary: string, subs: SubCommand[]): Command {
  const width = Math.max(16, ...subs.map((s) => s.name.length + 2));
  const usage = () =>
    `usage: weir ${name} <command> [options]\n\n${summary}\n\ncommands:\n${subs.map((s) => `  ${s.name.padEnd(width)}${s.spec.summary}`).join('\n')}\n\nRun 'weir ${name} <command> --help' for a command's options.\n`;
  return {
    name,
    summary,
    async run(argv) {
      const [sub, ...rest] = argv;
      if (sub === undefined || sub === '-h' || sub === '--help' || sub === 'help') {
        process.stdout.write(usage());
        return;
      }
      const s = subs.find((x) => x.name === sub);
      if (!s) throw new UsageError(`unknown command 'weir ${name} ${sub}' (one of: ${subs.map((x) => x.name).join(', ')})`, name);
      const args = parseOrHelp(s.spec, rest, `${name} ${s.name}`);
      if (args) await s.run(args);
    },
  };
}

/** Client options from the common flags: the client id and --command-config's security settings. */
export function clientOptionsOf(args: ParsedArgs): KafkaClientOptions {
  const file = args.string('command-config');
  if (file === undefined) return { clientId: 'weir-cli' };
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw new UsageError(`--command-config ${file} cannot be read: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`, '');
  }
  const parsed = parseProperties(text);
  if (parsed.errors.length > 0) throw new UsageError(`--command-config ${file}: ${parsed.errors[0]}`, '');
  const props = new Map(parsed.properties);
  // Loaded here, not at import: `weir start` shares this module and never needs the client's TLS and SASL code.
  const { clientSecurityFromProperties } = require('../client/client-security') as typeof import('../client/client-security');
  return { clientId: props.get('client.id') ?? 'weir-cli', security: clientSecurityFromProperties(props) };
}

export async function withClient<T>(args: ParsedArgs, fn: (client: KafkaClient) => Promise<T>): Promise<T> {
  // Loaded here, not at the top: `weir start` shares this module and never needs the client.
  const { KafkaClient: Client } = require('../client') as typeof import('../client');
  const client = await Client.connect(bootstrapOf(args), clientOptionsOf(args));
  try {
    return await fn(client);
  } finally {
    await client.close();
  }
}

export function requirePositionals(args: ParsedArgs, names: string[], command: string, allowMore = false): string[] {
  if (args.positionals.length < names.length) throw new UsageError(`missing ${names.slice(args.positionals.length).join(' ')}`, command);
  if (!allowMore && args.positionals.length > names.length) throw new UsageError(`unexpected argument '${args.positionals[names.length]}'`, command);
  return args.positionals;
}
