import * as fs from 'node:fs';
import * as path from 'node:path';
import { EMPTY_BYTES } from '../protocol/primitives/codec-support';
import type { RecordsValue } from '../protocol/primitives/records-value';
import { RefCountedDescriptor } from './ref-counted-descriptor';
import type { NamedContent, SegmentFile, StorageDir, WholeFileAsyncOptions } from './storage-dir';
import { ensureDir } from './ensure-dir';
import { TEMP_FILE_SUFFIX, replaceFileAtomically, replaceFileAtomicallyAsync, replaceFileAtomicallyInThreadPool, syncDirectory, syncDirectoryAsync } from './atomic-file';

/** Real files under `root`, through synchronous fs calls (fast on the page cache). */
export class DiskStorageDir implements StorageDir {
  readonly path: string;

  /** `root` is created when missing, unless the caller has just listed it (`exists`). */
  constructor(root: string, exists = false) {
    this.path = root;
    if (!exists) ensureDir(root);
  }

  listFiles(): string[] {
    return fs
      .readdirSync(this.path, { withFileTypes: true })
      .filter((e) => e.isFile())
      .map((e) => e.name);
  }

  listDirs(): string[] {
    return fs
      .readdirSync(this.path, { withFileTypes: true })
      .filter((e) => e.isDirectory())
      .map((e) => e.name);
  }

  exists(name: string): boolean {
    return fs.existsSync(path.join(this.path, name));
  }

  openFile(name: string): SegmentFile {
    const full = path.join(this.path, name);
    const fd = fs.openSync(full, fs.constants.O_RDWR | fs.constants.O_CREAT, 0o644);
    return new DiskSegmentFile(this, name, new RefCountedDescriptor(fd), fs.fstatSync(fd).size);
  }

  readFile(name: string): Buffer | null {
    try {
      return fs.readFileSync(path.join(this.path, name));
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw e;
    }
  }

  writeFile(name: string, data: Buffer, options: { sync?: boolean } = {}): void {
    replaceFileAtomically(path.join(this.path, name), data, { sync: options.sync ?? false });
  }

  writeFileAsync(name: string, data: Buffer, options: WholeFileAsyncOptions = {}): Promise<void> {
    const file = path.join(this.path, name);
    return options.allInThreadPool ? replaceFileAtomicallyInThreadPool(file, data, options.stillWanted) : replaceFileAtomicallyAsync(file, data);
  }

  deleteFile(name: string): void {
    fs.rmSync(path.join(this.path, name), { force: true });
  }

  renameFile(from: string, to: string): void {
    fs.renameSync(path.join(this.path, from), path.join(this.path, to));
  }

  syncDirectory(): void {
    syncDirectory(this.path);
  }

  syncDirectoryAsync(): Promise<void> {
    return syncDirectoryAsync(this.path);
  }

  dir(name: string): StorageDir {
    return new DiskStorageDir(path.join(this.path, name));
  }

  listedDir(name: string): StorageDir {
    return new DiskStorageDir(path.join(this.path, name), true);
  }

  async createDirAsync(name: string, emptyFiles: readonly string[], written?: NamedContent): Promise<boolean> {
    const dir = path.join(this.path, name);
    try {
      await fs.promises.mkdir(dir);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'EEXIST') return false;
      throw e;
    }
    for (const file of emptyFiles) {
      // 'a': created if missing, never truncated.
      const handle = await fs.promises.open(path.join(dir, file), 'a', 0o644);
      await handle.close();
    }
    if (written) {
      // Nobody else writes in a directory just made (its log opens once
      // this resolves), so the temporary file needs no name of its own.
      // Its contents are fsynced before the rename, so a crash never leaves
      // the file torn; the directory is not: the rename undone by a crash
      // leaves no file (and a temporary one, which the log's load deletes),
      // which the caller's log must handle as if this had never run.
      const file = path.join(dir, written.name);
      const tmp = file + TEMP_FILE_SUFFIX;
      const handle = await fs.promises.open(tmp, 'w', 0o644);
      try {
        await handle.writeFile(written.data);
        await handle.sync();
      } finally {
        await handle.close();
      }
      await fs.promises.rename(tmp, file);
    }
    return true;
  }

  removeDir(name: string): void {
    fs.rmSync(path.join(this.path, name), { recursive: true, force: true });
  }

  renameDir(from: string, to: string): void {
    fs.renameSync(path.join(this.path, from), path.join(this.path, to));
    syncDirectory(this.path);
  }

  async syncFileAsync(name: string): Promise<void> {
    let handle: fs.promises.FileHandle | undefined;
    try {
      handle = await fs.promises.open(path.join(this.path, name), 'r');
      await handle.sync();
    } catch (e) {
      // Gone meanwhile (the segment was deleted or handed to the log cleaner,
      // which makes its own files durable): nothing left to sync.
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
    } finally {
      await handle?.close();
    }
  }

  /** @internal full path of a file in this directory */
  fullPath(name: string): string {
    return path.join(this.path, name);
  }
}

/**
 * A segment `.log` file. Its descriptor is shared with the regions handed to
 * Fetch responses (see RefCountedDescriptor): `close` and `delete` give up
 * this file's reference, and the descriptor closes when the last region
 * being sent lets go of it.
 */
class DiskSegmentFile implements SegmentFile {
  private closed = false;
  /** True at open when not empty: what an earlier process wrote may still be only in the page cache. */
  private dirty: boolean;
  private readonly fd: number;

  constructor(
    private readonly dir: DiskStorageDir,
    private currentName: string,
    private readonly descriptor: RefCountedDescriptor,
    private currentSize: number,
  ) {
    this.fd = descriptor.fd;
    this.dirty = currentSize > 0;
  }

  get name(): string {
    return this.currentName;
  }

  get size(): number {
    return this.currentSize;
  }

  append(data: Buffer): number {
    const position = this.currentSize;
    let off = 0;
    while (off < data.length) off += fs.writeSync(this.fd, data, off, data.length - off, position + off);
    this.currentSize += data.length;
    this.dirty = true;
    return position;
  }

  read(position: number, length: number): Buffer {
    const n = Math.max(0, Math.min(length, this.currentSize - position));
    const buf = Buffer.allocUnsafe(n);
    let off = 0;
    while (off < n) {
      const got = fs.readSync(this.fd, buf, off, n - off, position + off);
      if (got === 0) break;
      off += got;
    }
    return off === n ? buf : buf.subarray(0, off);
  }

  region(position: number, length: number): RecordsValue {
    if (this.closed) throw new Error(`${this.currentName}: region of a closed segment file`);
    // Never an empty region: encoders drop empty records values, and a
    // dropped region would never be released.
    return length > 0 ? this.descriptor.region(position, length) : EMPTY_BYTES;
  }

  truncate(size: number): void {
    if (size >= this.currentSize) return;
    fs.ftruncateSync(this.fd, size);
    this.currentSize = size;
    this.dirty = true;
  }

  flush(): void {
    if (!this.dirty || this.closed) return;
    this.dirty = false;
    fs.fsyncSync(this.fd);
  }

  flushAsync(): Promise<void> {
    if (!this.dirty || this.closed) return Promise.resolve();
    this.dirty = false;
    // Held for the fsync: a close or delete meanwhile must not close the
    // descriptor under it (its number could be reused by another file).
    const descriptor = this.descriptor;
    descriptor.retain();
    return new Promise((resolve, reject) => {
      fs.fsync(this.fd, (err) => {
        descriptor.release();
        if (err) reject(err);
        else resolve();
      });
    });
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.descriptor.release();
  }

  delete(): void {
    fs.rmSync(this.dir.fullPath(this.currentName), { force: true });
    this.close();
  }

  rename(newName: string): void {
    this.dir.renameFile(this.currentName, newName);
    this.currentName = newName;
  }
}
