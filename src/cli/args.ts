/**
 * Command-line parsing for the `weir` commands: node:util's parseArgs under
 * a small declarative spec, so every command's --help is generated from the
 * same table that parses it and cannot drift from it.
 */
import { parseArgs } from 'node:util';

export interface OptionSpec {
  /** Long name without dashes. */
  name: string;
  short?: string;
  /** Placeholder for the value (e.g. 'N'); absent for a flag. */
  value?: string;
  repeatable?: boolean;
  help: string;
}

export interface CommandSpec {
  /** e.g. 'weir topic create NAME [options]' */
  usage: string;
  summary: string;
  options: OptionSpec[];
  /** Extra text after the options (examples, notes). */
  notes?: string;
}

export interface ParsedArgs {
  positionals: string[];
  help: boolean;
  flag(name: string): boolean;
  string(name: string): string | undefined;
  strings(name: string): string[];
  /** An integer option; `undefined` when absent, a UsageError when not an integer. */
  integer(name: string, min?: number): number | undefined;
}

/** A mistake in how the command was called: printed with a pointer to --help, exit code 2. */
export class UsageError extends Error {
  constructor(
    message: string,
    readonly command: string,
  ) {
    super(message);
    this.name = 'UsageError';
  }
}

export const BOOTSTRAP_OPTION: OptionSpec = {
  name: 'bootstrap-server',
  short: 'b',
  value: 'HOST:PORT',
  help: 'broker to talk to (default $WEIR_BOOTSTRAP_SERVERS or localhost:9092)',
};

export const COMMAND_CONFIG_OPTION: OptionSpec = {
  name: 'command-config',
  value: 'FILE',
  help: 'Kafka client properties: security.protocol, sasl.mechanism, sasl.jaas.config, ssl.* (as kafka-*.sh --command-config)',
};

export function bootstrapOf(args: ParsedArgs): string {
  return args.string('bootstrap-server') ?? process.env['WEIR_BOOTSTRAP_SERVERS'] ?? 'localhost:9092';
}

export function parse(spec: CommandSpec, argv: string[], command: string): ParsedArgs {
  type ParseOptions = NonNullable<Parameters<typeof parseArgs>[0]>['options'];
  const options: ParseOptions = { help: { type: 'boolean', short: 'h' } };
  for (const o of spec.options) {
    options[o.name] = { type: o.value ? 'string' : 'boolean', multiple: o.repeatable === true, ...(o.short ? { short: o.short } : {}) };
  }
  // parseArgs refuses a value that starts with '-' ("-o -1"); negative
  // numbers are legitimate values here (--offset -10, --shift-by -5).
  const valueOptions = new Set(spec.options.filter((o) => o.value).flatMap((o) => [`--${o.name}`, ...(o.short ? [`-${o.short}`] : [])]));
  const joined: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const next = argv[i + 1];
    if (valueOptions.has(a) && next !== undefined && /^-\d+$/.test(next)) {
      joined.push(a.startsWith('--') ? `${a}=${next}` : `${a}${next}`);
      i++;
    } else {
      joined.push(a);
    }
  }
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({ args: joined, options, allowPositionals: true, strict: true });
  } catch (err) {
    throw new UsageError((err as Error).message, command);
  }
  const values = parsed.values as Record<string, string | boolean | (string | boolean)[] | undefined>;
  const args: ParsedArgs = {
    positionals: parsed.positionals,
    help: values['help'] === true,
    flag: (name) => values[name] === true,
    string: (name) => {
      const v = values[name];
      if (Array.isArray(v)) return typeof v[v.length - 1] === 'string' ? (v[v.length - 1] as string) : undefined;
      return typeof v === 'string' ? v : undefined;
    },
    strings: (name) => {
      const v = values[name];
      if (Array.isArray(v)) return v.filter((x): x is string => typeof x === 'string');
      return typeof v === 'string' ? [v] : [];
    },
    integer: (name, min = 0) => {
      const v = args.string(name);
      if (v === undefined) return undefined;
      const n = Number(v);
      if (!Number.isInteger(n) || n < min) throw new UsageError(`--${name} expects an integer${min === 0 ? ' >= 0' : ` >= ${min}`}, got '${v}'`, command);
      return n;
    },
  };
  return args;
}

export function helpText(spec: CommandSpec): string {
  const rows = spec.options.map((o) => {
    const names = `${o.short ? `-${o.short}, ` : '    '}--${o.name}${o.value ? ` ${o.value}` : ''}`;
    return [names, o.help + (o.repeatable ? ' (repeatable)' : '')] as const;
  });
  rows.push(['-h, --help', 'show this help']);
  const width = Math.max(...rows.map(([n]) => n.length));
  const lines = rows.map(([n, h]) => `  ${n.padEnd(width)}  ${h}`);
  return `usage: ${spec.usage}\n\n${spec.summary}\n\noptions:\n${lines.join('\n')}\n${spec.notes ? `\n${spec.notes.trimEnd()}\n` : ''}`;
}

/** KEY=VALUE, as --config / --header / --set take it. */
export function keyValue(s: string, option: string, command: string): [string, string] {
  const eq = s.indexOf('=');
  if (eq <= 0) throw new UsageError(`${option} expects KEY=VALUE, got '${s}'`, command);
  return [s.slice(0, eq), s.slice(eq + 1)];
}
