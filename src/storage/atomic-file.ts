/**
 * Replacing a whole file so that a crash leaves either the old content or the
 * new one, never a mix and never an empty file — the one way every small
 * file of the data dir is written (indexes, checkpoints, producer snapshots,
 * meta.properties, Weir's own metadata):
 *
 *   1. write `<file>.tmp`;
 *   2. fsync it (the data is on disk before any name points at it);
 *   3. rename it over `<file>` (atomic on POSIX file systems);
 *   4. fsync the directory (the rename itself survives a power loss).
 *
 * Kafka does the same (`Utils.atomicMoveWithFallback` after a synced temp
 * file). Without the fsyncs (`sync: false`, for files rebuilt from the log
 * when lost, such as indexes) a power loss may leave the file empty or old,
 * but a process crash still leaves one whole version.
 *
 * A `.tmp` left by a crash between 1 and 3 is harmless: the next write
 * replaces it, and log loading deletes stray ones.
 */
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';

export const TEMP_FILE_SUFFIX = '.tmp';

export interface AtomicWriteOptions {
  /** fsync the file and its directory (default true); false only for files that can be rebuilt. */
  sync?: boolean;
}

/** Steps 1–4 on the event loop (the fsyncs block it: small files, rare writes). */
export function replaceFileAtomically(file: string, data: Buffer | string, options: AtomicWriteOptions = {}): void {
  const sync = options.sync ?? true;
  const tmp = file + TEMP_FILE_SUFFIX;
  const fd = fs.openSync(tmp, 'w', 0o644);
  try {
    try {
      writeAll(fd, typeof data === 'string' ? Buffer.from(data, 'utf8') : data);
      if (sync) fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    fs.renameSync(tmp, file);
  } catch (e) {
    fs.rmSync(tmp, { force: true });
    throw e;
  }
  if (sync) syncDirectory(path.dirname(file));
}

/**
 * The same four steps with both fsyncs in libuv's thread pool, for background
 * work (the log cleaner) that must not stall requests behind a slow disk.
 *
 * Open, write, close and rename stay synchronous (page cache, microseconds):
 * a synchronous `replaceFileAtomically` of the same file (a shutdown's final
 * checkpoint) can then only land in the fsync gap, where it renames the
 * `.tmp` away first, and this rename fails rather than replacing newer content.
 */
export async function replaceFileAtomicallyAsync(file: string, data: Buffer | string): Promise<void> {
  const tmp = file + TEMP_FILE_SUFFIX;
  const fd = fs.openSync(tmp, 'w', 0o644);
  try {
    writeAll(fd, typeof data === 'string' ? Buffer.from(data, 'utf8') : data);
    await new Promise<void>((resolve, reject) => fs.fsync(fd, (err) => (err ? reject(err) : resolve())));
  } catch (e) {
    fs.closeSync(fd);
    fs.rmSync(tmp, { force: true });
    throw e;
  }
  fs.closeSync(fd);
  fs.renameSync(tmp, file);
  await syncDirectoryAsync(path.dirname(file));
}

/**
 * The same four steps with every file-system call in the thread pool, the
 * open, write and rename too: for a file that no synchronous write ever
 * replaces (a partition's `partition.metadata`, written once as its log is
 * created), so that writing it costs the event loop nothing but callbacks.
 *
 * The directory may be deleted, or renamed and made again under its name,
 * while the calls wait in the pool (a topic deleted and created again at
 * once). `stillWanted` is asked once the temp file is open: false gives the
 * write up. Its owner answers false from the moment it lets go of the
 * directory, before anything removes or renames it, so a true answer means
 * the temp file was made in the right directory; a rename after that finds
 * no temp file in a directory made again (the old one went with its
 * directory), and cannot put old content there.
 */
export async function replaceFileAtomicallyInThreadPool(file: string, data: Buffer, stillWanted: () => boolean = () => true): Promise<void> {
  // A name of its own: giving up removes this write's temp file, never another's.
  const tmp = `${file}.${randomBytes(4).toString('hex')}${TEMP_FILE_SUFFIX}`;
  try {
    const handle = await fs.promises.open(tmp, 'w', 0o644);
    try {
      if (!stillWanted()) {
        await fs.promises.rm(tmp, { force: true });
        return;
      }
      await handle.writeFile(data);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await fs.promises.rename(tmp, file);
  } catch (e) {
    await fs.promises.rm(tmp, { force: true }).catch(() => undefined);
    throw e;
  }
  await syncDirectoryAsync(path.dirname(file));
}

/** fsyncs a directory, making the renames, creations and deletions in it durable. */
export function syncDirectory(dir: string): void {
  let fd: number | undefined;
  try {
    fd = fs.openSync(dir, 'r');
    fs.fsyncSync(fd);
  } catch {
    // Some platforms cannot fsync a directory; the rename is still atomic.
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
}

/** `syncDirectory` in the thread pool; the same tolerance of platforms that cannot fsync a directory. */
export async function syncDirectoryAsync(dir: string): Promise<void> {
  let handle: fs.promises.FileHandle | undefined;
  try {
    handle = await fs.promises.open(dir, 'r');
    await handle.sync();
  } catch {
    // As syncDirectory: the rename is still atomic.
  } finally {
    await handle?.close();
  }
}

function writeAll(fd: number, data: Buffer): void {
  let off = 0;
  while (off < data.length) off += fs.writeSync(fd, data, off, data.length - off, off);
}
