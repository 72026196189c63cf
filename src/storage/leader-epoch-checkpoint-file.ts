/**
 * `leader-epoch-checkpoint` in a partition directory: the leader-epoch
 * cache, Kafka's LeaderEpochCheckpointFile — version 0, one
 * `epoch startOffset` line per epoch, oldest first. The cache itself (which
 * epochs, when to truncate) belongs to the partition; this is only its file.
 */
import { CheckpointFile, type CheckpointEntryFormat, integerField } from './checkpoint-file';
import type { StorageDir } from './storage-dir';

export const LEADER_EPOCH_CHECKPOINT = 'leader-epoch-checkpoint';

/** A leader epoch and the first offset written in it. */
export interface EpochEntry {
  epoch: number;
  startOffset: number;
}

export const LEADER_EPOCH_CHECKPOINT_FORMAT: CheckpointEntryFormat<EpochEntry> = {
  version: 0,
  toFields: (e) => [e.epoch, e.startOffset],
  fromFields: (fields) => {
    if (fields.length !== 2) return null;
    const epoch = integerField(fields[0]);
    const startOffset = integerField(fields[1]);
    return epoch === null || startOffset === null ? null : { epoch, startOffset };
  },
};

/** The leader-epoch checkpoint of a partition directory. */
export function leaderEpochCheckpointFile(partitionDir: StorageDir): CheckpointFile<EpochEntry> {
  return new CheckpointFile(partitionDir, LEADER_EPOCH_CHECKPOINT, LEADER_EPOCH_CHECKPOINT_FORMAT);
}
