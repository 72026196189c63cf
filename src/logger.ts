/**
 * The broker's logger: one structured line per event. JSON by default, in
 * pino's line format (`{"level":30,"time":<epoch ms>,...fields,"msg":"..."}`,
 * levels 10 trace ... 60 fatal), so tools that read pino's lines read ours;
 * `pretty` is a compact human line for terminals.
 *
 * Why not pino itself: pino loads its transport machinery (worker_threads,
 * thread-stream, sonic-boom) at require time whether or not a transport is
 * used, about 9 MB of the broker's idle RSS and a tenth of its start-up.
 * The broker needs only leveled lines written to a stream, with child
 * bindings and `err` fields. A pino logger still fits `Logger` (an embedder
 * may pass one as `BrokerOptions.logger`).
 */

export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';

/** One level's method: a message, or fields and a message. */
export interface LogFn {
  (msg: string): void;
  (fields: object, msg?: string): void;
}

export interface Logger {
  fatal: LogFn;
  error: LogFn;
  warn: LogFn;
  info: LogFn;
  debug: LogFn;
  trace: LogFn;
  /** A logger whose lines also carry `bindings`. */
  child(bindings: Record<string, unknown>): Logger;
}

export interface LoggerOptions {
  level?: LogLevel;
  /** Human-readable lines instead of JSON (the CLI turns this on for a TTY). */
  pretty?: boolean;
  /** Where lines go; defaults to stdout. */
  destination?: NodeJS.WritableStream;
}

const LEVELS = { trace: 10, debug: 20, info: 30, warn: 40, error: 50, fatal: 60 } as const;
type LevelName = keyof typeof LEVELS;
const LEVEL_NAMES = Object.keys(LEVELS) as LevelName[];

/** An Error as pino's standard serializer writes it: type, message, stack, and its own fields (e.g. `code`). */
function serializeError(e: Error): Record<string, unknown> {
  const out: Record<string, unknown> = { type: e.constructor?.name ?? 'Error', message: e.message, stack: e.stack };
  for (const [k, v] of Object.entries(e)) if (!(k in out)) out[k] = v;
  return out;
}

/** JSON that never throws for a log line's fields: bigints as numbers (as text past 2^53), Errors serialized, cycles cut. */
function fieldsJson(fields: object): string {
  const seen = new WeakSet<object>();
  try {
    return JSON.stringify(fields, (_key, value: unknown) => {
      if (typeof value === 'bigint') return Number.isSafeInteger(Number(value)) ? Number(value) : value.toString();
      if (value instanceof Error) value = serializeError(value);
      if (typeof value === 'object' && value !== null) {
        if (seen.has(value)) return '[Circular]';
        seen.add(value);
      }
      return value;
    });
  } catch (e) {
    // A getter that throws, say: the line is still written, with why its fields are not.
    return JSON.stringify({ logFieldsError: (e as Error).message });
  }
}

/** `{"a":1}` -> `,"a":1`; `{}` -> ``: a fragment to splice into a line. */
function fragment(json: string): string {
  return json.length > 2 ? ',' + json.slice(1, -1) : '';
}

interface Sink {
  readonly threshold: number;
  readonly pretty: boolean;
  readonly out: NodeJS.WritableStream;
}

class LineLogger implements Logger {
  /** The bindings as a JSON fragment, computed on the first line (a connection's child may never log). */
  private bindingsFragment: string | undefined;

  constructor(
    private readonly sink: Sink,
    private readonly bindings: Record<string, unknown> | null,
  ) {}

  readonly fatal: LogFn = (a: object | string, msg?: string) => this.write(60, a, msg);
  readonly error: LogFn = (a: object | string, msg?: string) => this.write(50, a, msg);
  readonly warn: LogFn = (a: object | string, msg?: string) => this.write(40, a, msg);
  readonly info: LogFn = (a: object | string, msg?: string) => this.write(30, a, msg);
  readonly debug: LogFn = (a: object | string, msg?: string) => this.write(20, a, msg);
  readonly trace: LogFn = (a: object | string, msg?: string) => this.write(10, a, msg);

  child(bindings: Record<string, unknown>): Logger {
    return new LineLogger(this.sink, this.bindings ? { ...this.bindings, ...bindings } : bindings);
  }

  private write(level: number, a: object | string, msg: string | undefined): void {
    if (level < this.sink.threshold) return;
    let fields: object | null = null;
    if (typeof a === 'string') msg = a;
    else if (a instanceof Error) {
      // As pino: an Error alone is logged as `err`, its message the line's if none is given.
      fields = { err: a };
      msg ??= a.message;
    } else fields = a;
    const time = Date.now();
    const line = this.sink.pretty ? this.prettyLine(level, time, fields, msg) : this.jsonLine(level, time, fields, msg);
    this.sink.out.write(line);
  }

  private jsonLine(level: number, time: number, fields: object | null, msg: string | undefined): string {
    this.bindingsFragment ??= this.bindings ? fragment(fieldsJson(this.bindings)) : '';
    const f = fields ? fragment(fieldsJson(fields)) : '';
    const m = msg === undefined ? '' : `,"msg":${JSON.stringify(msg)}`;
    return `{"level":${level},"time":${time}${this.bindingsFragment}${f}${m}}\n`;
  }

  private prettyLine(level: number, time: number, fields: object | null, msg: string | undefined): string {
    const rest = { ...this.bindings, ...fields };
    const extra = Object.keys(rest).length ? ' ' + fieldsJson(rest) : '';
    const t = new Date(time).toISOString().slice(11, 23);
    const name = (LEVEL_NAMES.find((n) => LEVELS[n] === level) ?? String(level)).toUpperCase();
    return `${t} ${name} ${String(msg)}${extra}\n`;
  }
}

export function createLogger(opts: LoggerOptions = {}): Logger {
  const level = opts.level ?? 'info';
  const threshold = level === 'silent' ? Infinity : LEVELS[level];
  return new LineLogger({ threshold, pretty: opts.pretty === true, out: opts.destination ?? process.stdout }, null);
}

/** A logger that drops everything (embedded brokers in tests). */
export function silentLogger(): Logger {
  return createLogger({ level: 'silent' });
}
