/**
 * Writes response chunks to a socket strictly in order.
 *
 * Buffers go to the socket as they are. A large file region goes one of two
 * ways; either way the record bytes are copied by the kernel only, never
 * parsed or held as JavaScript objects:
 *
 * - **sendfile** (a plain TCP socket, with the addon built: see sendfile.ts):
 *   the kernel moves the bytes from the page cache into the socket, as Kafka
 *   does. The buffers in front of the region must be in the kernel first, so
 *   the writer waits for them. At most SENDFILE_TURN bytes go per turn of
 *   the event loop, so one consumer catching up cannot starve the others.
 *   When the socket is full, a small piece of the region is read and
 *   written the ordinary way: Node then waits for the socket to take it, and
 *   its completion is the signal to go on with sendfile.
 * - **read and write** (TLS, or no addon): the region is read into a reused
 *   buffer (ReadBufferPool) in steps of up to 1 MiB, in libuv's thread pool,
 *   and written from there. Two buffers per connection overlap the work: the
 *   next step is read while the previous one is written, and a client that
 *   stops reading stops the reads once both are out.
 *
 * Small regions (up to 64 KiB: a consumer at the tail, or one of thousands
 * of partitions in one response) are read at once, synchronously, on both
 * paths: a thread pool round trip (or a sendfile call, which must wait for
 * the bytes before it) per region made a 10,000-partition fetch take
 * seconds, and what was just written is in the page cache. At most 1 MiB is
 * read that way before the writer lets the socket drain, which bounds both
 * the memory a slow client can pin and the time the event loop spends
 * reading. The buffers in front of a region (the response header, partition
 * headers, small regions) are corked and leave in one writev.
 *
 * Ownership: the writer owns every region it is given. A region is released
 * as soon as its last byte has been handed on (to the kernel, or to a pool
 * buffer that carries it from there), when the region turns out shorter than
 * announced (its file was truncated: the connection is dropped, since the
 * client's framing would be lost), or when the connection closes: regions
 * still queued are released at once, one being read in the thread pool when
 * that read returns.
 */
import * as fs from 'node:fs';
import type { Socket } from 'node:net';
import { constants as osConstants } from 'node:os';
import { getSystemErrorName } from 'node:util';
import { type FileRegion, RecordsChunk, isFileRegion } from '../protocol/primitives/records-value';
import { LARGE_READ_BUFFER, type ReadBufferPool, readBufferPool } from './read-buffer-pool';
import { SENDFILE_WOULD_BLOCK, type Sendfile, sendfileInto } from './sendfile';

/** Pool buffers a connection has out at once: one being read into, one being written. */
const BUFFERS_IN_FLIGHT = 2;
/** Regions up to this size are read synchronously (see above). */
const SMALL_REGION = 64 * 1024;
/** Bytes queued in the socket after which small regions wait for it to drain. */
const MAX_QUEUED_BYTES = 1024 * 1024;
/** Bytes one connection may sendfile in one turn of the event loop. */
const SENDFILE_TURN = 4 * 1024 * 1024;
/** What is read and written the ordinary way when the socket is full (see above). */
const WAKE_PIECE = 16 * 1024;
const NOTHING = Buffer.alloc(0);
/** What sendfile answers once the client or the socket has gone (EPIPE, ECONNRESET; EBADF: Node closed it, see sendfile.ts). */
const SOCKET_GONE: readonly number[] = [-osConstants.errno.EPIPE, -osConstants.errno.ECONNRESET, -osConstants.errno.EBADF];

export class ResponseWriter {
  private queue: (RecordsChunk | null)[] = [];
  private head = 0;
  /** The region being sent, and how many of its bytes have been handed on so far. */
  private region: FileRegion | null = null;
  private regionRead = 0;
  private reading = false;
  private buffersOut = 0;
  private corked = false;
  private closed = false;
  /** Waiting for the socket to drain before reading more small regions. */
  private waitingForDrain = false;

  constructor(
    private readonly socket: Socket,
    private readonly onError: (err: Error) => void,
    private readonly pool: ReadBufferPool = readBufferPool,
    /** null: regions are read into buffers and written (TLS, no addon). */
    private readonly sendfile: Sendfile | null = sendfileInto(socket),
  ) {}

  /** True while a file region is being sent or chunks wait behind it. */
  get busy(): boolean {
    return this.region !== null || this.head < this.queue.length;
  }

  write(chunks: readonly RecordsChunk[]): void {
    if (this.closed) {
      for (const c of chunks) if (isFileRegion(c)) c.release();
      return;
    }
    for (const c of chunks) this.queue.push(c);
    if (this.region === null && !this.waitingForDrain) this.pump();
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (let i = this.head; i < this.queue.length; i++) {
      const c = this.queue[i];
      if (isFileRegion(c)) c.release();
    }
    this.queue = [];
    this.head = 0;
    // A read in flight still uses the region's descriptor: onRead releases it.
    // (sendfile and the wake piece use it only synchronously.)
    if (this.region !== null && !this.reading) {
      this.region.release();
      this.region = null;
    }
  }

  /** Writes queued buffers up to the next region, then starts reading that region. */
  private pump(): void {
    if (!this.corked) {
      this.socket.cork();
      this.corked = true;
    }
    while (this.head < this.queue.length) {
      const c = this.queue[this.head] as RecordsChunk;
      this.queue[this.head++] = null;
      if (Buffer.isBuffer(c)) {
        this.socket.write(c);
        continue;
      }
      if (c.length <= SMALL_REGION) {
        if (this.socket.writableLength >= MAX_QUEUED_BYTES) {
          this.queue[--this.head] = c;
          this.waitForDrain();
          break;
        }
        if (!this.sendSmallRegion(c)) return;
        continue;
      }
      this.region = c;
      this.regionRead = 0;
      if (this.sendfile !== null) this.startSendfile();
      else this.readMore();
      return;
    }
    if (!this.waitingForDrain) {
      this.queue = [];
      this.head = 0;
    }
    this.uncork();
  }

  private waitForDrain(): void {
    this.waitingForDrain = true;
    this.socket.once('drain', () => {
      this.waitingForDrain = false;
      if (!this.closed && this.region === null) this.pump();
    });
  }

  /** Reads a small region now and queues its bytes; false when it failed (the connection is being dropped). */
  private sendSmallRegion(region: FileRegion): boolean {
    const buf = Buffer.allocUnsafe(region.length);
    let n = 0;
    try {
      while (n < region.length) {
        const got = fs.readSync(region.fd, buf, n, region.length - n, region.position + n);
        if (got === 0) break;
        n += got;
      }
    } catch (err) {
      region.release();
      this.uncork();
      this.onError(err as Error);
      return false;
    }
    region.release();
    if (n !== region.length) {
      this.uncork();
      this.onError(new Error(`file region ended after ${n} of ${region.length} bytes`));
      return false;
    }
    this.socket.write(buf);
    return true;
  }

  private uncork(): void {
    if (!this.corked) return;
    this.corked = false;
    this.socket.uncork();
  }

  /** The buffers in front of the region must reach the kernel before its bytes do. */
  private startSendfile(): void {
    this.uncork();
    if (this.socket.writableLength === 0) this.sendfileMore();
    else this.socket.write(NOTHING, () => this.sendfileMore());
  }

  /** Sends the current region with sendfile until it is done, the socket is full, or the turn's share is used. */
  private sendfileMore(): void {
    const region = this.region;
    const sendfile = this.sendfile;
    if (this.closed || region === null || sendfile === null) return;
    let sentThisTurn = 0;
    while (this.regionRead < region.length) {
      if (sentThisTurn >= SENDFILE_TURN) {
        setImmediate(() => this.sendfileMore());
        return;
      }
      const want = Math.min(region.length - this.regionRead, SENDFILE_TURN - sentThisTurn);
      const n = sendfile(region.fd, region.position + this.regionRead, want);
      if (n > 0) {
        this.regionRead += n;
        sentThisTurn += n;
      } else if (n === SENDFILE_WOULD_BLOCK) {
        this.writeWakePiece(region);
        return;
      } else if (SOCKET_GONE.includes(n)) {
        // The client hung up or the socket is closing: its own close ends
        // the connection, as on the read-and-write path (no error to report).
        region.release();
        this.region = null;
        return;
      } else {
        this.failRegion(region, n === 0 ? this.cutShort(region) : new Error(`sendfile failed: ${getSystemErrorName(n)}`));
        return;
      }
    }
    region.release();
    this.region = null;
    this.pump();
  }

  /**
   * The socket is full: the region's next few bytes go the ordinary way, so
   * that Node waits for the socket to drain; once it has taken them,
   * sendfile goes on.
   */
  private writeWakePiece(region: FileRegion): void {
    const want = Math.min(region.length - this.regionRead, WAKE_PIECE);
    const buf = this.pool.take(want);
    let n: number;
    try {
      n = fs.readSync(region.fd, buf, 0, want, region.position + this.regionRead);
    } catch (err) {
      this.pool.give(buf);
      this.failRegion(region, err as Error);
      return;
    }
    if (n === 0) {
      this.pool.give(buf);
      this.failRegion(region, this.cutShort(region));
      return;
    }
    this.regionRead += n;
    this.socket.write(buf.subarray(0, n), () => {
      this.pool.give(buf);
      this.sendfileMore();
    });
  }

  private cutShort(region: FileRegion): Error {
    return new Error(`file region ended after ${this.regionRead} of ${region.length} bytes`);
  }

  private failRegion(region: FileRegion, err: Error): void {
    region.release();
    this.region = null;
    if (!this.closed) this.onError(err);
  }

  /** Reads the current region's next step, if no read is running and a buffer may go out. */
  private readMore(): void {
    const region = this.region;
    if (region === null || this.reading || this.closed || this.buffersOut >= BUFFERS_IN_FLIGHT) return;
    const want = Math.min(region.length - this.regionRead, LARGE_READ_BUFFER);
    const buf = this.pool.take(want);
    this.reading = true;
    this.buffersOut++;
    fs.read(region.fd, buf, 0, want, region.position + this.regionRead, (err, n) => this.onRead(region, buf, err, n));
  }

  private onRead(region: FileRegion, buf: Buffer, err: NodeJS.ErrnoException | null, n: number): void {
    this.reading = false;
    if (this.closed || err || n === 0) {
      this.buffersOut--;
      this.pool.give(buf);
      region.release();
      this.region = null;
      if (this.closed) return;
      this.onError(err ?? this.cutShort(region));
      return;
    }
    this.regionRead += n;
    const finished = this.regionRead === region.length;
    if (finished) {
      region.release();
      this.region = null;
    }
    this.socket.write(buf.subarray(0, n), () => {
      // Written (or the socket died): the kernel no longer needs the bytes.
      this.buffersOut--;
      this.pool.give(buf);
      this.readMore();
    });
    this.uncork();
    if (finished) this.pump();
    else this.readMore();
  }
}
