import type { StorageDir } from './storage-dir';

/** A partition named the way Kafka's checkpoint files and directories name it. */
export interface TopicPartition {
  topic: string;
  partition: number;
}

/** `topic-partition`, the key used in maps and directory names. */
export function topicPartitionKey(topic: string, partition: number): string {
  return `${topic}-${partition}`;
}

/**
 * Kafka's text checkpoint files (`recovery-point-offset-checkpoint`,
 * `log-start-offset-checkpoint`): a version line `0`, a count line, then one
 * `topic partition offset` line per partition. Written atomically: a temp
 * file, fsync, rename.
 */
export class OffsetCheckpointFile {
  constructor(
    private readonly dir: StorageDir,
    readonly name: string,
  ) {}

  write(entries: Iterable<[TopicPartition, number]>): void {
    this.dir.writeFile(this.name, checkpointText(entries), { sync: true });
  }

  /** `write` with the fsyncs off the event loop (the log cleaner's timer). */
  writeAsync(entries: Iterable<[TopicPartition, number]>): Promise<void> {
    return this.dir.writeFileAsync(this.name, checkpointText(entries));
  }

  /** Offsets by `topic-partition` key; empty when the file is missing. Throws on a malformed file. */
  read(): Map<string, number> {
    const result = new Map<string, number>();
    const buf = this.dir.readFile(this.name);
    if (!buf) return result;
    const lines = buf.toString('utf8').split('\n');
    const fail = (why: string): never => {
      throw new Error(`${this.dir.path}/${this.name}: malformed checkpoint file (${why})`);
    };
    if (lines[0]?.trim() !== '0') fail(`unsupported version ${JSON.stringify(lines[0])}`);
    const count = Number(lines[1]);
    if (!Number.isInteger(count) || count < 0) fail('bad entry count');
    for (let i = 0; i < count; i++) {
      const parts = (lines[2 + i] ?? '').trim().split(' ');
      if (parts.length !== 3) fail(`bad line ${i + 3}`);
      const [topic, partition, offset] = parts as [string, string, string];
      const p = Number(partition);
      const o = Number(offset);
      if (!Number.isInteger(p) || !Number.isInteger(o)) fail(`bad line ${i + 3}`);
      result.set(topicPartitionKey(topic, p), o);
    }
    return result;
  }
}

/** Kafka's text checkpoint format: version 0, the entry count, one `topic partition offset` line each. */
function checkpointText(entries: Iterable<[TopicPartition, number]>): Buffer {
  const lines: string[] = [];
  for (const [tp, offset] of entries) lines.push(`${tp.topic} ${tp.partition} ${offset}`);
  return Buffer.from(`0\n${lines.length}\n${lines.map((l) => `${l}\n`).join('')}`, 'utf8');
}
