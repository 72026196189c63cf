import { closeSync } from 'node:fs';

/**
 * Closes file descriptors late.
 *
 * A Fetch response carries `FileRegion`s — an fd, a position, a length — that
 * the network layer streams to the socket after the handler has returned. If
 * retention or DeleteRecords removes that segment meanwhile, closing the fd at
 * once would break (or, worse, after fd reuse, corrupt) the response. Regions
 * carry no release hook, so reference counting is not possible; instead the
 * file's name is unlinked immediately (POSIX keeps the data readable through
 * the open fd) and the fd is closed only after a grace period, Kafka's
 * `file.delete.delay.ms` (60 s), which is far longer than any response takes
 * to send. The broker's periodic tick drives `reap`, so there is no timer here
 * and tests control time.
 */
export class DeferredCloser {
  private pending: { fd: number; due: number }[] = [];

  constructor(
    private readonly graceMs: number,
    private readonly now: () => number,
  ) {}

  closeLater(fd: number): void {
    if (this.graceMs <= 0) {
      closeQuietly(fd);
      return;
    }
    this.pending.push({ fd, due: this.now() + this.graceMs });
  }

  reap(now: number): void {
    if (this.pending.length === 0) return;
    const keep: { fd: number; due: number }[] = [];
    for (const p of this.pending) {
      if (p.due <= now) closeQuietly(p.fd);
      else keep.push(p);
    }
    this.pending = keep;
  }

  closeAll(): void {
    for (const p of this.pending) closeQuietly(p.fd);
    this.pending = [];
  }

  get pendingCount(): number {
    return this.pending.length;
  }
}

function closeQuietly(fd: number): void {
  try {
    closeSync(fd);
  } catch {
    // Already closed: nothing left to release.
  }
}
