/**
 * Writes response chunks to a socket strictly in order. Buffers go straight
 * to the socket; a file region is streamed from its segment file with an fs
 * read stream piped into the socket, so record bytes never become JavaScript
 * objects on the way out.
 */
import * as fs from 'node:fs';
import type { Socket } from 'node:net';
import { RecordsChunk } from '../protocol/primitives/records-value';

/** Largest single read when streaming a file region. */
const READ_CHUNK_MAX = 1024 * 1024;

/**
 * The fs functions a region stream uses: the real read and a close that does
 * nothing. The fd belongs to the segment (closed late by DeferredCloser), but
 * `ReadStream.destroy()` closes its fd even with `autoClose: false`. Without
 * this, a client disconnecting mid-response closed the segment's fd under the
 * log; the number was then reused by the next socket, so later fetches of that
 * segment failed with ESPIPE (or could have read another file's bytes).
 */
const REGION_FS = {
  read: fs.read,
  close: (_fd: number, cb: (err: NodeJS.ErrnoException | null) => void): void => cb(null),
};

export class ResponseWriter {
  private queue: RecordsChunk[] = [];
  private head = 0;
  private streaming: fs.ReadStream | null = null;
  private closed = false;

  constructor(
    private readonly socket: Socket,
    private readonly onError: (err: Error) => void,
  ) {}

  /** True while a file region is being streamed or chunks wait behind it. */
  get busy(): boolean {
    return this.streaming !== null || this.head < this.queue.length;
  }

  write(chunks: readonly RecordsChunk[]): void {
    if (this.closed) return;
    for (const c of chunks) this.queue.push(c);
    if (this.streaming === null) this.pump();
  }

  close(): void {
    this.closed = true;
    this.streaming?.destroy();
    this.streaming = null;
    this.queue = [];
    this.head = 0;
  }

  private pump(): void {
    const socket = this.socket;
    socket.cork();
    try {
      while (this.head < this.queue.length && !this.closed) {
        const c = this.queue[this.head++]!;
        if (Buffer.isBuffer(c)) {
          socket.write(c);
          continue;
        }
        // One read per region up to 1 MiB (a fetch's usual per-partition
        // limit) instead of 64 KiB steps: each step is a thread-pool round
        // trip, a Buffer and a socket write.
        const stream = fs.createReadStream('', {
          fd: c.fd,
          start: c.position,
          end: c.position + c.length - 1,
          autoClose: false,
          fs: REGION_FS,
          highWaterMark: Math.max(1, Math.min(c.length, READ_CHUNK_MAX)),
        });
        this.streaming = stream;
        stream.on('error', (err) => {
          this.streaming = null;
          this.onError(err);
        });
        let sent = 0;
        stream.on('data', (d) => (sent += d.length));
        stream.on('end', () => {
          if (this.streaming !== stream) return;
          this.streaming = null;
          // A region cut short (its file shrank under us) would desynchronise
          // the client's framing: drop the connection instead.
          if (sent !== c.length) this.onError(new Error(`file region ended after ${sent} of ${c.length} bytes`));
          else this.pump();
        });
        stream.pipe(socket, { end: false });
        return;
      }
      this.queue = [];
      this.head = 0;
    } finally {
      socket.uncork();
    }
  }
}
