import type { RecordsValue } from '../protocol/primitives/records-value';

/** How `writeFileAsync` runs. */
export interface WholeFileAsyncOptions {
  /**
   * The open, write and rename in the thread pool too, not only the fsyncs
   * (replaceFileAtomicallyInThreadPool): for a file no synchronous write replaces.
   */
  allInThreadPool?: boolean;
  /** With `allInThreadPool`: asked once the temp file is open; false gives the write up (its directory was let go). */
  stillWanted?: () => boolean;
}

/**
 * The only file-system surface the log uses. Two implementations exist:
 * `DiskStorageDir` (real files, synchronous fs calls) and `MemoryStorageDir`
 * (for `--memory` mode and tests). Log, Segment and the indexes are written
 * against these interfaces only, so the same code and the same test suite run
 * over both.
 *
 * Small whole files (indexes, checkpoints, snapshots) go through
 * `readFile`/`writeFile`; segment `.log` files, which grow by appends and are
 * served by region, go through `SegmentFile`.
 */
/** A file's name and what it holds. */
export interface NamedContent {
  readonly name: string;
  readonly data: Buffer;
}

export interface StorageDir {
  /** Where this directory lives (a real path, or a label in memory); for messages. */
  readonly path: string;
  /** Names of the regular files in this directory. */
  listFiles(): string[];
  /** Names of the sub-directories of this directory. */
  listDirs(): string[];
  exists(name: string): boolean;
  /** Opens (creating if missing) an appendable file. */
  openFile(name: string): SegmentFile;
  /** The whole content of a small file, or null when it does not exist. */
  readFile(name: string): Buffer | null;
  /**
   * Replaces a small file atomically (see atomic-file.ts): write `<name>.tmp`,
   * rename over `name`; with `sync`, fsync the file before the rename and the
   * directory after it. A crash leaves either the old or the new content.
   */
  writeFile(name: string, data: Buffer, options?: { sync?: boolean }): void;
  /**
   * `writeFile(name, data, { sync: true })` with its fsyncs off the event loop
   * (libuv's thread pool): the same steps in the same order, for background
   * work (the log cleaner) that must not stall requests behind a slow disk.
   * See WholeFileAsyncOptions for writing a file entirely in the pool.
   */
  writeFileAsync(name: string, data: Buffer, options?: WholeFileAsyncOptions): Promise<void>;
  deleteFile(name: string): void;
  renameFile(from: string, to: string): void;
  /** fsyncs the directory itself, making earlier renames and deletions durable (the log cleaner's swap). */
  syncDirectory(): void;
  /** `syncDirectory` off the event loop. */
  syncDirectoryAsync(): Promise<void>;
  /**
   * fsyncs an existing file by name in the thread pool (a file written
   * earlier without `sync`); a file that is gone meanwhile is skipped.
   */
  syncFileAsync(name: string): Promise<void>;
  /** A sub-directory, created if missing. */
  dir(name: string): StorageDir;
  /**
   * A sub-directory `listDirs` has just named, taken as it is: not checked
   * or created again (a broker loading thousands of partition logs would
   * stat each directory twice more).
   */
  listedDir(name: string): StorageDir;
  /**
   * Makes a sub-directory and empty files in it in the thread pool, for a
   * synchronous `dir(name)` and `openFile` to find made later (a directory
   * that exists is left as it is, no file made in it). Creating entries
   * costs the file system a journal update each, about a millisecond on
   * some disks, which the event loop should not wait for. In a directory it
   * made, it also writes `written` (if given): a temporary file, fsynced,
   * renamed into place, so that it is whole or absent after a crash (the
   * rename is not made durable: the file is one its owner writes again when
   * it finds it missing). Resolves true when it made the directory (so it
   * holds `emptyFiles`, `written` and nothing else), false when it was
   * there. Null where there is nothing to wait for (memory). It rejects
   * with the file system's error; nothing is cleaned up.
   */
  createDirAsync(name: string, emptyFiles: readonly string[], written?: NamedContent): Promise<boolean> | null;
  /** Removes a sub-directory and everything in it. */
  removeDir(name: string): void;
  /** Renames a sub-directory (its files' handles stay valid); the rename is made durable. */
  renameDir(from: string, to: string): void;
}

/**
 * An appendable file holding record batches. Positions are byte offsets from
 * the start of the file; `size` is what has been appended (and not truncated).
 */
export interface SegmentFile {
  readonly name: string;
  readonly size: number;
  /** Appends `data` at the end; returns the position it was written at. */
  append(data: Buffer): number;
  /** A copy of `length` bytes at `position` (fewer if the file is shorter). */
  read(position: number, length: number): Buffer;
  /**
   * The bytes at [position, position+length) in the form a Fetch response
   * carries them: a `FileRegion` on disk (streamed from the fd, never copied
   * through JavaScript), a `Buffer` in memory. A region holds the file open
   * until released (see FileRegion.release): the caller owns it.
   */
  region(position: number, length: number): RecordsValue;
  truncate(size: number): void;
  /** fsync: after it returns the appended bytes survive a power loss. */
  flush(): void;
  /** fsync off the event loop (libuv thread pool); resolves when durable. */
  flushAsync(): Promise<void>;
  /**
   * Gives the file up. The descriptor closes once no region of it is held
   * any more (a Fetch response may still be sending one).
   */
  close(): void;
  /** Removes the file's name now, then gives the file up like `close`. */
  delete(): void;
  rename(newName: string): void;
}
