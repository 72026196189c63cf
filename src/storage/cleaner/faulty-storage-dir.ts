/**
 * Test helper (not a test): a StorageDir that "crashes" — throws on the Nth
 * mutating file operation and on every one after it — so a test can stop the
 * cleaner's swap at each step and reopen the directory as a restarted broker
 * would find it.
 */
import type { RecordsValue } from '../../protocol/primitives/records-value';
import type { NamedContent, SegmentFile, StorageDir, WholeFileAsyncOptions } from '../storage-dir';

export class SimulatedCrash extends Error {
  constructor(readonly operation: string) {
    super(`simulated crash before ${operation}`);
  }
}

export class FaultyStorageDir implements StorageDir {
  /** Mutating operations seen so far, in order (names only). */
  readonly operations: string[] = [];
  /** Index (into `operations`) of the operation that crashes; Infinity: never. */
  crashAt = Infinity;
  crashed = false;

  constructor(readonly inner: StorageDir) {}

  get path(): string {
    return this.inner.path;
  }

  /** Called before every mutating operation: counts it, and crashes when its turn comes. */
  mutate(operation: string): void {
    if (this.crashed) throw new SimulatedCrash(operation);
    if (this.operations.length >= this.crashAt) {
      this.crashed = true;
      throw new SimulatedCrash(operation);
    }
    this.operations.push(operation);
  }

  listFiles(): string[] {
    return this.inner.listFiles();
  }
  listDirs(): string[] {
    return this.inner.listDirs();
  }
  exists(name: string): boolean {
    return this.inner.exists(name);
  }
  openFile(name: string): SegmentFile {
    return new FaultySegmentFile(this, this.inner.openFile(name));
  }
  readFile(name: string): Buffer | null {
    return this.inner.readFile(name);
  }
  writeFile(name: string, data: Buffer, options?: { sync?: boolean }): void {
    this.mutate(`write ${name}`);
    this.inner.writeFile(name, data, options);
  }
  async writeFileAsync(name: string, data: Buffer, options?: WholeFileAsyncOptions): Promise<void> {
    // Same operation name as writeFile: a crash point is the step, not how it is run.
    this.mutate(`write ${name}`);
    await this.inner.writeFileAsync(name, data, options);
  }
  deleteFile(name: string): void {
    this.mutate(`delete ${name}`);
    this.inner.deleteFile(name);
  }
  renameFile(from: string, to: string): void {
    this.mutate(`rename ${from} -> ${to}`);
    this.inner.renameFile(from, to);
  }
  syncDirectory(): void {
    this.mutate('sync dir');
    this.inner.syncDirectory();
  }
  async syncDirectoryAsync(): Promise<void> {
    this.mutate('sync dir');
    await this.inner.syncDirectoryAsync();
  }
  dir(name: string): StorageDir {
    return new FaultyStorageDir(this.inner.dir(name));
  }
  createDirAsync(name: string, emptyFiles: readonly string[], written?: NamedContent): Promise<boolean> | null {
    return this.inner.createDirAsync(name, emptyFiles, written);
  }
  listedDir(name: string): StorageDir {
    return new FaultyStorageDir(this.inner.listedDir(name));
  }
  removeDir(name: string): void {
    this.mutate(`rmdir ${name}`);
    this.inner.removeDir(name);
  }
  renameDir(from: string, to: string): void {
    this.mutate(`rename ${from} ${to}`);
    this.inner.renameDir(from, to);
  }
  syncFileAsync(name: string): Promise<void> {
    // Not a counted step, like SegmentFile.flushAsync: it changes no content.
    return this.inner.syncFileAsync(name);
  }
}

class FaultySegmentFile implements SegmentFile {
  constructor(
    private readonly dir: FaultyStorageDir,
    private readonly inner: SegmentFile,
  ) {}

  get name(): string {
    return this.inner.name;
  }
  get size(): number {
    return this.inner.size;
  }
  append(data: Buffer): number {
    this.dir.mutate(`append ${this.inner.name}`);
    return this.inner.append(data);
  }
  read(position: number, length: number): Buffer {
    return this.inner.read(position, length);
  }
  region(position: number, length: number): RecordsValue {
    return this.inner.region(position, length);
  }
  truncate(size: number): void {
    this.dir.mutate(`truncate ${this.inner.name}`);
    this.inner.truncate(size);
  }
  flush(): void {
    this.dir.mutate(`fsync ${this.inner.name}`);
    this.inner.flush();
  }
  flushAsync(): Promise<void> {
    return this.inner.flushAsync();
  }
  close(): void {
    this.inner.close();
  }
  delete(): void {
    this.dir.mutate(`delete ${this.inner.name}`);
    this.inner.delete();
  }
  rename(newName: string): void {
    this.dir.mutate(`rename ${this.inner.name} -> ${newName}`);
    this.inner.rename(newName);
  }
}
