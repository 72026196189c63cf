/**
 * An open file descriptor shared by a segment file and the Fetch responses
 * that are sending regions of it, closed when the last of them lets go.
 *
 * The segment file holds one reference while it belongs to a log; each
 * `FileRegion` it hands out holds one more until the network layer has read
 * the region's bytes out for the socket, the connection died, or the code
 * that dropped the response released it. So a segment deleted by retention,
 * DeleteRecords or the log cleaner while a response still streams from it
 * stays readable to that response (its name is unlinked at once; POSIX keeps
 * the data while a descriptor is open), and its descriptor is closed the
 * moment the last reader is done: no grace period, no timer, and no window in
 * which a closed descriptor's number, reused by a new socket or file, could
 * be read from in its place.
 */
import * as fs from 'node:fs';
import type { FileRegion } from '../protocol/primitives/records-value';

export class RefCountedDescriptor {
  private references = 1;

  constructor(readonly fd: number) {}

  /** True until the last reference has been released (and the descriptor closed). */
  get isOpen(): boolean {
    return this.references > 0;
  }

  /** Takes one more reference; the descriptor must still be open. */
  retain(): void {
    if (this.references === 0) throw new Error(`file descriptor ${this.fd} is already closed`);
    this.references++;
  }

  /** Drops one reference; the last one closes the descriptor. */
  release(): void {
    if (this.references === 0) return;
    if (--this.references > 0) return;
    try {
      fs.closeSync(this.fd);
    } catch {
      // Nothing left to release.
    }
  }

  /** A region of this file for a response; it holds a reference until released. */
  region(position: number, length: number): FileRegion {
    return new HeldFileRegion(this, position, length);
  }
}

class HeldFileRegion implements FileRegion {
  readonly kind = 'file' as const;
  private held = true;

  constructor(
    private readonly descriptor: RefCountedDescriptor,
    readonly position: number,
    readonly length: number,
  ) {
    descriptor.retain();
  }

  get fd(): number {
    return this.descriptor.fd;
  }

  release(): void {
    if (!this.held) return;
    this.held = false;
    this.descriptor.release();
  }
}
