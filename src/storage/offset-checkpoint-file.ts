import { CheckpointFile, type CheckpointEntryFormat, integerField } from './checkpoint-file';
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

/** Kafka's replication-offset-checkpoint (high watermarks), in the same format as the others here. */
export const REPLICATION_OFFSET_CHECKPOINT = 'replication-offset-checkpoint';

/** Version 0, one `topic partition offset` line per partition (Kafka's OffsetCheckpointFile). */
export const OFFSET_CHECKPOINT_FORMAT: CheckpointEntryFormat<[TopicPartition, number]> = {
  version: 0,
  toFields: ([tp, offset]) => [tp.topic, tp.partition, offset],
  fromFields: (fields) => {
    if (fields.length !== 3) return null;
    const partition = integerField(fields[1]);
    const offset = integerField(fields[2]);
    return partition === null || offset === null ? null : [{ topic: fields[0] as string, partition }, offset];
  },
};

/**
 * Kafka's per-data-dir offset checkpoints (`recovery-point-offset-checkpoint`,
 * `log-start-offset-checkpoint`, `cleaner-offset-checkpoint`,
 * `replication-offset-checkpoint`), keyed by partition.
 */
export class OffsetCheckpointFile {
  private readonly file: CheckpointFile<[TopicPartition, number]>;

  constructor(dir: StorageDir, readonly name: string) {
    this.file = new CheckpointFile(dir, name, OFFSET_CHECKPOINT_FORMAT);
  }

  write(entries: Iterable<[TopicPartition, number]>): void {
    this.file.write([...entries]);
  }

  /** `write` with the fsyncs off the event loop (the log cleaner's timer). */
  writeAsync(entries: Iterable<[TopicPartition, number]>): Promise<void> {
    return this.file.writeAsync([...entries]);
  }

  /** Offsets by `topic-partition` key; empty when the file is missing. Throws on a malformed file. */
  read(): Map<string, number> {
    const result = new Map<string, number>();
    for (const [tp, offset] of this.file.read()) result.set(topicPartitionKey(tp.topic, tp.partition), offset);
    return result;
  }
}
