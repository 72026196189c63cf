/**
 * Creates a directory and its missing parents, one level at a time.
 *
 * `fs.mkdirSync(dir, { recursive: true })` spins forever on Node 20 when a
 * parent refuses new entries with ENOENT (e.g. a path under /proc), which
 * would hang start-up instead of reporting a bad data dir.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

export function ensureDir(dir: string): void {
  const absolute = path.resolve(dir);
  const missing: string[] = [];
  for (let d = absolute; !fs.existsSync(d); d = path.dirname(d)) {
    missing.push(d);
    if (path.dirname(d) === d) break;
  }
  for (const d of missing.reverse()) {
    try {
      fs.mkdirSync(d);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
  }
  if (!fs.statSync(absolute).isDirectory()) {
    throw Object.assign(new Error(`ENOTDIR: not a directory, '${absolute}'`), { code: 'ENOTDIR', path: absolute });
  }
}
