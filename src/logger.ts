/**
 * The broker's logger: pino, one structured line per event. JSON by default;
 * `pretty` is a compact human line for terminals (without pulling in
 * pino-pretty's dependency tree).
 */
import pino, { Logger } from 'pino';

export type { Logger };

export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';

export interface LoggerOptions {
  level?: LogLevel;
  /** Human-readable lines instead of JSON (the CLI turns this on for a TTY). */
  pretty?: boolean;
  /** Where lines go; defaults to stdout. */
  destination?: NodeJS.WritableStream;
}

const LEVEL_NAMES: Record<number, string> = { 10: 'TRACE', 20: 'DEBUG', 30: 'INFO', 40: 'WARN', 50: 'ERROR', 60: 'FATAL' };

function prettyStream(out: NodeJS.WritableStream): NodeJS.WritableStream {
  return {
    write(line: string): boolean {
      try {
        const { level, time, msg, pid: _pid, hostname: _host, ...rest } = JSON.parse(line) as Record<string, unknown>;
        const extra = Object.keys(rest).length ? ' ' + JSON.stringify(rest) : '';
        const t = new Date(Number(time)).toISOString().slice(11, 23);
        return out.write(`${t} ${LEVEL_NAMES[Number(level)] ?? level} ${String(msg)}${extra}\n`);
      } catch {
        return out.write(line);
      }
    },
  } as NodeJS.WritableStream;
}

export function createLogger(opts: LoggerOptions = {}): Logger {
  const out = opts.destination ?? process.stdout;
  return pino({ level: opts.level ?? 'info', base: undefined }, opts.pretty ? prettyStream(out) : out);
}

/** A logger that drops everything (embedded brokers in tests). */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
