import * as fs from 'node:fs';
import * as path from 'node:path';
import { ensureDir } from './ensure-dir';

export const LOCK_FILE_NAME = '.lock';

/** Thrown when another live process holds the data directory. */
export class DataDirLockedError extends Error {
  constructor(
    readonly dir: string,
    readonly ownerPid: number,
  ) {
    super(`data directory ${dir} is in use by another broker (process ${ownerPid}); two brokers cannot share a log dir`);
    this.name = 'DataDirLockedError';
  }
}

/**
 * Claims a data directory for this process: `.lock` is created exclusively
 * and holds our pid. Node has no portable advisory file lock, so a lock whose
 * pid no longer runs is stale (a crashed broker) and is taken over.
 * Returns the release function.
 */
export function lockDataDir(dir: string): () => void {
  ensureDir(dir);
  const file = path.join(dir, LOCK_FILE_NAME);
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const fd = fs.openSync(file, 'wx', 0o644);
      fs.writeSync(fd, `${process.pid}\n`);
      fs.closeSync(fd);
      let released = false;
      return () => {
        if (released) return;
        released = true;
        if (readOwner(file) === process.pid) fs.rmSync(file, { force: true });
      };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      const owner = readOwner(file);
      if (owner !== null && owner !== process.pid && isAlive(owner)) throw new DataDirLockedError(dir, owner);
      if (owner === process.pid) throw new DataDirLockedError(dir, owner);
      fs.rmSync(file, { force: true }); // stale: its owner is gone
    }
  }
  throw new Error(`could not create ${file}`);
}

function readOwner(file: string): number | null {
  try {
    const pid = Number(fs.readFileSync(file, 'utf8').trim());
    return Number.isInteger(pid) && pid > 0 ? pid : null;
  } catch {
    return null;
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}
