import type { SegmentFile, StorageDir } from './storage-dir';

/** The bytes of one in-memory file; `data` grows by doubling, `size` is what is valid. */
interface MemoryFileData {
  data: Buffer;
  size: number;
}

/**
 * Files held in memory (`--memory` mode and tests). Everything survives for as
 * long as this object does, so tests "reopen" a log over the same instance to
 * exercise recovery exactly as on disk.
 */
export class MemoryStorageDir implements StorageDir {
  private readonly files = new Map<string, MemoryFileData>();
  private readonly dirs = new Map<string, MemoryStorageDir>();

  constructor(readonly path: string = 'memory:') {}

  listFiles(): string[] {
    return [...this.files.keys()];
  }

  listDirs(): string[] {
    return [...this.dirs.keys()];
  }

  exists(name: string): boolean {
    return this.files.has(name) || this.dirs.has(name);
  }

  openFile(name: string): SegmentFile {
    let f = this.files.get(name);
    if (!f) {
      f = { data: Buffer.alloc(0), size: 0 };
      this.files.set(name, f);
    }
    return new MemorySegmentFile(this, name, f);
  }

  readFile(name: string): Buffer | null {
    const f = this.files.get(name);
    return f ? Buffer.from(f.data.subarray(0, f.size)) : null;
  }

  writeFile(name: string, data: Buffer): void {
    this.files.set(name, { data: Buffer.from(data), size: data.length });
  }

  async writeFileAsync(name: string, data: Buffer): Promise<void> {
    this.writeFile(name, data);
  }

  deleteFile(name: string): void {
    this.files.delete(name);
  }

  renameFile(from: string, to: string): void {
    const f = this.files.get(from);
    if (!f) throw new Error(`${this.path}/${from}: no such file`);
    this.files.delete(from);
    this.files.set(to, f);
  }

  syncDirectory(): void {
    // Nothing to make durable in memory.
  }

  async syncDirectoryAsync(): Promise<void> {
    // Nothing to make durable in memory.
  }

  createDirAsync(): null {
    return null;
  }

  listedDir(name: string): StorageDir {
    return this.dir(name);
  }

  dir(name: string): StorageDir {
    let d = this.dirs.get(name);
    if (!d) {
      d = new MemoryStorageDir(`${this.path}/${name}`);
      this.dirs.set(name, d);
    }
    return d;
  }

  removeDir(name: string): void {
    this.dirs.delete(name);
  }

  renameDir(from: string, to: string): void {
    const d = this.dirs.get(from);
    if (!d) throw new Error(`${this.path}/${from}: no such directory`);
    this.dirs.delete(from);
    this.dirs.set(to, d);
  }

  async syncFileAsync(_name: string): Promise<void> {
    // Nothing to make durable in memory.
  }

  /** @internal used by MemorySegmentFile */
  fileData(name: string): MemoryFileData | undefined {
    return this.files.get(name);
  }
}

class MemorySegmentFile implements SegmentFile {
  constructor(
    private readonly dir: MemoryStorageDir,
    private currentName: string,
    private readonly file: MemoryFileData,
  ) {}

  get name(): string {
    return this.currentName;
  }

  get size(): number {
    return this.file.size;
  }

  append(data: Buffer): number {
    const f = this.file;
    const position = f.size;
    const needed = f.size + data.length;
    if (needed > f.data.length) {
      // Growing copies into a new buffer; regions already handed out keep
      // pointing at the old one, whose bytes never change (appends only).
      const grown = Buffer.allocUnsafe(Math.max(needed, f.data.length * 2, 4096));
      f.data.copy(grown, 0, 0, f.size);
      f.data = grown;
    }
    data.copy(f.data, position);
    f.size = needed;
    return position;
  }

  read(position: number, length: number): Buffer {
    const end = Math.min(this.file.size, position + length);
    return Buffer.from(this.file.data.subarray(position, Math.max(position, end)));
  }

  region(position: number, length: number): Buffer {
    // A view, not a copy: bytes below `size` are never rewritten in place
    // (truncate reallocates), so the view stays valid for the response.
    const end = Math.min(this.file.size, position + length);
    return this.file.data.subarray(position, Math.max(position, end));
  }

  truncate(size: number): void {
    const f = this.file;
    if (size >= f.size) return;
    const copy = Buffer.allocUnsafe(Math.max(size, 4096));
    f.data.copy(copy, 0, 0, size);
    f.data = copy;
    f.size = size;
  }

  flush(): void {}

  flushAsync(): Promise<void> {
    return Promise.resolve();
  }

  close(): void {}

  delete(): void {
    if (this.dir.fileData(this.currentName) === this.file) this.dir.deleteFile(this.currentName);
  }

  rename(newName: string): void {
    this.dir.renameFile(this.currentName, newName);
    this.currentName = newName;
  }
}
