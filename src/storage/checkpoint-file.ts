/**
 * Kafka's text checkpoint files, one format for all of them
 * (`recovery-point-offset-checkpoint`, `log-start-offset-checkpoint`,
 * `replication-offset-checkpoint`, `cleaner-offset-checkpoint`,
 * `leader-epoch-checkpoint`):
 *
 *   <version>\n
 *   <number of entries>\n
 *   <entry>\n            (one line each, fields separated by a space)
 *
 * Written whole and atomically (see atomic-file.ts), fsynced. Read as Kafka
 * reads them: an empty file (or one with only a version line) holds no
 * entries; another version, a malformed line, or a count that does not match
 * the lines is an error.
 */
import type { StorageDir } from './storage-dir';

/** How one kind of checkpoint spells its entries. */
export interface CheckpointEntryFormat<T> {
  readonly version: number;
  toFields(entry: T): readonly (string | number)[];
  /** The entry of a line split on whitespace; null when the fields are not a valid entry. */
  fromFields(fields: readonly string[]): T | null;
}

/** The file's bytes for `entries`. */
export function encodeCheckpoint<T>(format: CheckpointEntryFormat<T>, entries: readonly T[]): Buffer {
  let text = `${format.version}\n${entries.length}\n`;
  for (const e of entries) text += `${format.toFields(e).join(' ')}\n`;
  return Buffer.from(text, 'utf8');
}

/** The entries of a checkpoint file's text; throws (naming `where`) when it is malformed. */
export function decodeCheckpoint<T>(format: CheckpointEntryFormat<T>, text: string, where: string): T[] {
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop(); // the newline ending the last line
  const fail = (why: string): never => {
    throw new Error(`${where}: malformed checkpoint file (${why})`);
  };
  if (lines.length === 0) return [];
  if (!/^-?\d+$/.test(lines[0] as string) || Number(lines[0]) !== format.version) {
    fail(`unsupported version ${JSON.stringify(lines[0])}, expected ${format.version}`);
  }
  if (lines.length === 1) return [];
  const count = /^\d+$/.test(lines[1] as string) ? Number(lines[1]) : NaN;
  if (!Number.isSafeInteger(count)) fail(`bad entry count ${JSON.stringify(lines[1])}`);
  const entries: T[] = [];
  for (let i = 2; i < lines.length; i++) {
    const entry = format.fromFields((lines[i] as string).trim().split(/\s+/));
    if (entry === null) fail(`bad line ${i + 1}: ${JSON.stringify(lines[i])}`);
    entries.push(entry as T);
  }
  if (entries.length !== count) fail(`expected ${count} entries, found ${entries.length}`);
  return entries;
}

/** A whole integer field (Kafka's Integer/Long.parseLong), or null. */
export function integerField(text: string | undefined): number | null {
  if (text === undefined || !/^-?\d+$/.test(text)) return null;
  const n = Number(text);
  return Number.isSafeInteger(n) ? n : null;
}

/** One checkpoint file of a directory. */
export class CheckpointFile<T> {
  constructor(
    private readonly dir: StorageDir,
    readonly name: string,
    private readonly format: CheckpointEntryFormat<T>,
  ) {}

  /** Replaces the file atomically and durably. */
  write(entries: readonly T[]): void {
    this.dir.writeFile(this.name, encodeCheckpoint(this.format, entries), { sync: true });
  }

  /** `write` with its fsyncs off the event loop (the log cleaner's timer). */
  writeAsync(entries: readonly T[]): Promise<void> {
    return this.dir.writeFileAsync(this.name, encodeCheckpoint(this.format, entries));
  }

  /** The entries; empty when the file does not exist. Throws when it is malformed. */
  read(): T[] {
    const buf = this.dir.readFile(this.name);
    return buf ? decodeCheckpoint(this.format, buf.toString('utf8'), `${this.dir.path}/${this.name}`) : [];
  }
}
