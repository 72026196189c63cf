/** The storage layer's public surface (what broker handlers and coordinators import). */
export { Log } from './log';
export type { AppendOptions, AppendResult, LogOptions, ReadOptions, ReadResult, TimestampAndOffset } from './log';
export { LogManager, parsePartitionDirName, RECOVERY_POINT_CHECKPOINT, LOG_START_OFFSET_CHECKPOINT } from './log-manager';
export type { LogManagerOptions, LogManagerTickResult } from './log-manager';
export { DEFAULT_LOG_CONFIG, logConfig } from './log-config';
export type { LogConfig } from './log-config';
export { DataDirLockedError } from './dir-lock';
export { ProducerStateManager, BATCHES_RETAINED_PER_PRODUCER } from './producer-state-manager';
export type { ProducerStateEntry, ProducerBatchMetadata } from './producer-state-manager';
export type { RecordTimestampLocator } from './record-timestamps';
export type { StorageDir, SegmentFile } from './storage-dir';
export { DiskStorageDir } from './disk-storage-dir';
export { MemoryStorageDir } from './memory-storage-dir';
export type { TopicPartition } from './offset-checkpoint-file';
export { LogCleaner, CLEANER_OFFSET_CHECKPOINT } from './cleaner/log-cleaner';
export type { CleanerLogger, CleaningRound } from './cleaner/log-cleaner';
export { DEFAULT_LOG_CLEANER_CONFIG, logCleanerConfig } from './cleaner/log-cleaner-config';
export type { LogCleanerConfig } from './cleaner/log-cleaner-config';
