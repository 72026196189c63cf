/**
 * A broker's data directory, claimed: on disk the `.lock` is taken (so no
 * second broker opens it) and its StorageDir is ready; in memory there is
 * nothing to claim. The metadata log and the partition logs both live in
 * it, so it is opened once, before either, and released after both close.
 */
import { lockDataDir } from './dir-lock';
import { DiskStorageDir } from './disk-storage-dir';
import { MemoryStorageDir } from './memory-storage-dir';
import type { StorageDir } from './storage-dir';

export interface DataDir {
  readonly dir: StorageDir;
  /** Gives the directory up (the lock, on disk). Idempotent. */
  release(): void;
}

export interface DataDirOptions {
  /** The directory (Kafka's `log.dirs`, one dir); null: in memory. */
  dataDir: string | null;
}

/** Claims the directory; throws DataDirLockedError when another live broker holds it. */
export function openDataDir(options: DataDirOptions): DataDir {
  if (options.dataDir === null) return { dir: new MemoryStorageDir(), release: () => {} };
  const unlock = lockDataDir(options.dataDir);
  let released = false;
  return {
    dir: new DiskStorageDir(options.dataDir),
    release: () => {
      if (released) return;
      released = true;
      unlock();
    },
  };
}
