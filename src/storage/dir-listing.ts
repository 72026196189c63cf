import type { StorageDir } from './storage-dir';

/**
 * The names of a log directory's files, listed once when the log opens and
 * handed to each step of the load in turn, instead of each step listing the
 * directory again: a broker restarting with thousands of partitions spent a
 * third of its start-up in `readdir`, eight listings per log.
 *
 * The listing stays true because the steps that read it change the
 * directory through it: `deleteFile` and `renameFile` here do the change and
 * record it. A step that changes files some other way (a `Segment` writing
 * or deleting its own files) must come after every question about those
 * files — `Log.load` says at each step which files it reads and which it
 * changes.
 */
export class DirListing {
  private readonly names: Set<string>;

  /** `known`: the names, when the caller made the directory itself and has not listed it (a new log's). */
  constructor(
    readonly dir: StorageDir,
    known?: readonly string[],
  ) {
    this.names = new Set(known ?? dir.listFiles());
  }

  /** The names, in the directory's order; a copy, so a caller may delete while it walks them. */
  files(): string[] {
    return [...this.names];
  }

  has(name: string): boolean {
    return this.names.has(name);
  }

  deleteFile(name: string): void {
    this.dir.deleteFile(name);
    this.names.delete(name);
  }

  renameFile(from: string, to: string): void {
    this.dir.renameFile(from, to);
    this.names.delete(from);
    this.names.add(to);
  }
}
