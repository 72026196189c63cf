/**
 * ResponseWriter over a real TCP connection and real segment files: the
 * bytes arrive in order, and every file region it is given is released
 * exactly when it is done with it — sent, cut short, or its connection gone.
 * Every case runs on both of its paths: sendfile (the native addon) and
 * read-and-write (TLS, or no addon).
 */
import * as fs from 'node:fs';
import * as net from 'node:net';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import type { FileRegion, RecordsChunk } from '../protocol/primitives/records-value';
import { RefCountedDescriptor } from '../storage/ref-counted-descriptor';
import { ResponseWriter } from './response-writer';
import { ReadBufferPool, SMALL_READ_BUFFER } from './read-buffer-pool';
import { SENDFILE_WOULD_BLOCK, type Sendfile, sendfileAvailable, sendfileInto } from './sendfile';

interface WriterPath {
  name: string;
  sendfile(socket: net.Socket): Sendfile | null;
  /**
   * Bytes in the test file: with sendfile, more than the kernel's socket
   * buffers hold on loopback (4 MiB to send, up to 32 MiB to receive), so a
   * client that reads nothing keeps a region unfinished.
   */
  fileBytes: number;
}

const PATHS: WriterPath[] = [
  { name: 'read and write', sendfile: () => null, fileBytes: 3 * 1024 * 1024 + 12345 },
  {
    name: 'sendfile',
    sendfile: (socket) => {
      const send = sendfileInto(socket);
      if (send === null) throw new Error('sendfile is not available: run `npm run build:native`');
      return send;
    },
    fileBytes: 48 * 1024 * 1024 + 12345,
  },
];

test('the sendfile addon is built on Linux (`npm ci` builds it)', () => {
  expect(sendfileAvailable()).toBe(process.platform === 'linux');
});

interface Pair {
  server: net.Socket;
  client: net.Socket;
  close(): void;
}

async function socketPair(): Promise<Pair> {
  const listener = net.createServer();
  await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', resolve));
  const port = (listener.address() as net.AddressInfo).port;
  const accepted = new Promise<net.Socket>((resolve) => listener.once('connection', resolve));
  const client = net.connect(port, '127.0.0.1');
  await new Promise<void>((resolve) => client.once('connect', resolve));
  const server = await accepted;
  listener.close();
  return {
    server,
    client,
    close() {
      server.destroy();
      client.destroy();
    },
  };
}

/** Everything the client receives until `n` bytes have arrived. */
function receive(client: net.Socket, n: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const parts: Buffer[] = [];
    let got = 0;
    const onData = (d: Buffer) => {
      parts.push(d);
      got += d.length;
      if (got >= n) {
        client.off('data', onData);
        resolve(Buffer.concat(parts));
      }
    };
    client.on('data', onData);
    client.once('error', reject);
  });
}

/** A region that records its releases, over a shared descriptor like a segment's. */
function trackedRegion(descriptor: RefCountedDescriptor, position: number, length: number): FileRegion & { releases: number } {
  const inner = descriptor.region(position, length);
  const tracked = {
    kind: 'file' as const,
    fd: inner.fd,
    position,
    length,
    releases: 0,
    release() {
      tracked.releases++;
      inner.release();
    },
  };
  return tracked;
}

function isOpen(fd: number): boolean {
  try {
    fs.fstatSync(fd);
    return true;
  } catch {
    return false;
  }
}

describe.each(PATHS)('ResponseWriter ($name)', (writerPath) => {
  let dir: string;
  let file: string;
  let content: Buffer;
  let pair: Pair;

  beforeEach(async () => {
    dir = fs.mkdtempSync(path.join(tmpdir(), 'weir-writer-'));
    file = path.join(dir, '00000000000000000000.log');
    // Several 1 MiB reads; more than the socket buffers hold.
    content = Buffer.alloc(writerPath.fileBytes);
    for (let i = 0; i + 4 <= content.length; i += 4) content.writeUInt32BE(i, i);
    fs.writeFileSync(file, content);
    pair = await socketPair();
  });

  function newWriter(onError: (err: Error) => void, pool: ReadBufferPool): ResponseWriter {
    return new ResponseWriter(pair.server, onError, pool, writerPath.sendfile(pair.server));
  }

  afterEach(() => {
    pair.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('sends buffers and regions in order and releases each region once it is read out', async () => {
    const descriptor = new RefCountedDescriptor(fs.openSync(file, 'r'));
    const big = trackedRegion(descriptor, 100, content.length - 100);
    const small = trackedRegion(descriptor, 8, 40);
    const chunks: RecordsChunk[] = [Buffer.from('head'), big, Buffer.from('mid'), small, Buffer.from('tail')];
    const expected = Buffer.concat([Buffer.from('head'), content.subarray(100), Buffer.from('mid'), content.subarray(8, 48), Buffer.from('tail')]);
    const received = receive(pair.client, expected.length);
    const errors: Error[] = [];
    const writer = newWriter((e) => errors.push(e), new ReadBufferPool());
    writer.write(chunks);
    expect(writer.busy).toBe(true);
    expect((await received).equals(expected)).toBe(true);
    expect(errors).toEqual([]);
    expect(big.releases).toBe(1);
    expect(small.releases).toBe(1);
    expect(writer.busy).toBe(false);
    // The segment's own reference is all that is left.
    descriptor.release();
    expect(descriptor.isOpen).toBe(false);
    expect(isOpen(big.fd)).toBe(false);
  });

  it('a segment deleted while its region is being sent still sends every byte, then its descriptor closes', async () => {
    const descriptor = new RefCountedDescriptor(fs.openSync(file, 'r'));
    const region = trackedRegion(descriptor, 0, content.length);
    const received = receive(pair.client, content.length);
    const writer = newWriter((e) => {
      throw e;
    }, new ReadBufferPool());
    pair.client.pause();
    writer.write([region]);
    // Retention, DeleteRecords or the cleaner's swap: the name goes, the segment lets go.
    fs.unlinkSync(file);
    descriptor.release();
    expect(isOpen(region.fd)).toBe(true);
    pair.client.resume();
    expect((await received).equals(content)).toBe(true);
    expect(region.releases).toBe(1);
    expect(isOpen(region.fd)).toBe(false);
  });

  it('a client hanging up mid-region: the region is released and no read touches its descriptor afterwards', async () => {
    const descriptor = new RefCountedDescriptor(fs.openSync(file, 'r'));
    const region = trackedRegion(descriptor, 0, content.length);
    const queued = trackedRegion(descriptor, 0, 1000);
    const writer = newWriter(() => {}, new ReadBufferPool());
    pair.client.pause();
    const firstBytes = new Promise<void>((resolve) => pair.client.once('readable', () => resolve()));
    writer.write([Buffer.from('header'), region, queued]);
    await firstBytes;
    pair.client.destroy();
    pair.server.destroy();
    writer.close();
    // The queued one at once; the one being read when its read returns.
    expect(queued.releases).toBe(1);
    await new Promise<void>((resolve) => {
      const check = () => (region.releases > 0 ? resolve() : setImmediate(check));
      check();
    });
    expect(region.releases).toBe(1);
    descriptor.release();
    expect(isOpen(region.fd)).toBe(false);
    expect(writer.busy).toBe(false);
  });

  it('a region cut short (its file truncated under it) drops the connection and is released', async () => {
    const descriptor = new RefCountedDescriptor(fs.openSync(file, 'r+'));
    const region = trackedRegion(descriptor, 0, content.length);
    fs.ftruncateSync(descriptor.fd, 2 * 1024 * 1024);
    const failed = new Promise<Error>((resolve) => {
      const writer = newWriter(resolve, new ReadBufferPool());
      writer.write([region]);
    });
    expect((await failed).message).toBe(`file region ended after ${2 * 1024 * 1024} of ${content.length} bytes`);
    expect(region.releases).toBe(1);
    descriptor.release();
    expect(isOpen(region.fd)).toBe(false);
  });

  it('a small region cut short drops the connection and is released', async () => {
    const descriptor = new RefCountedDescriptor(fs.openSync(file, 'r+'));
    const region = trackedRegion(descriptor, 1000, 4000);
    fs.ftruncateSync(descriptor.fd, 3000);
    const failed = new Promise<Error>((resolve) => {
      const writer = newWriter(resolve, new ReadBufferPool());
      writer.write([Buffer.from('header'), region]);
    });
    expect((await failed).message).toBe('file region ended after 2000 of 4000 bytes');
    expect(region.releases).toBe(1);
    descriptor.release();
    expect(isOpen(region.fd)).toBe(false);
  });

  it('many small regions (a fetch of thousands of partitions) arrive in order, read only as fast as the client takes them', async () => {
    const descriptor = new RefCountedDescriptor(fs.openSync(file, 'r'));
    const size = 60 * 1024;
    const regions = Array.from({ length: 50 }, (_, i) => trackedRegion(descriptor, i * size, size));
    const chunks: RecordsChunk[] = regions.flatMap((r, i) => [Buffer.from(`partition ${i}`), r]);
    const expected = Buffer.concat(regions.flatMap((r, i) => [Buffer.from(`partition ${i}`), content.subarray(r.position, r.position + size)]));
    pair.client.pause();
    const writer = newWriter((e) => {
      throw e;
    }, new ReadBufferPool());
    writer.write(chunks);
    // A client that reads nothing holds back the reads: ~1 MiB queued, not all 3 MB.
    const readBeforeResume = regions.filter((r) => r.releases > 0).length;
    expect(readBeforeResume).toBeLessThan(regions.length);
    expect(readBeforeResume * size).toBeLessThanOrEqual(1024 * 1024 + size);
    const received = receive(pair.client, expected.length);
    pair.client.resume();
    expect((await received).equals(expected)).toBe(true);
    expect(regions.every((r) => r.releases === 1)).toBe(true);
    expect(writer.busy).toBe(false);
    descriptor.release();
  });

  it('regions given to a closed writer are released at once', () => {
    const descriptor = new RefCountedDescriptor(fs.openSync(file, 'r'));
    const region = trackedRegion(descriptor, 0, 10);
    const writer = newWriter(() => {}, new ReadBufferPool());
    writer.close();
    writer.write([Buffer.from('x'), region]);
    expect(region.releases).toBe(1);
    descriptor.release();
    expect(descriptor.isOpen).toBe(false);
  });

  if (writerPath.name === 'read and write') {
    it('reuses its read buffers instead of allocating one per read', async () => {
      const descriptor = new RefCountedDescriptor(fs.openSync(file, 'r'));
      const pool = new ReadBufferPool();
      const taken: Buffer[] = [];
      const take = pool.take.bind(pool);
      pool.take = (want: number) => {
        const b = take(want);
        taken.push(b);
        return b;
      };
      const writer = newWriter((e) => {
        throw e;
      }, pool);
      for (let i = 0; i < 3; i++) {
        const received = receive(pair.client, content.length);
        writer.write([trackedRegion(descriptor, 0, content.length)]);
        expect((await received).equals(content)).toBe(true);
      }
      // 3 x 4 reads, never more than two buffers of each size out at once.
      expect(taken.length).toBe(12);
      expect(new Set(taken).size).toBeLessThanOrEqual(4);
      descriptor.release();
    });
  } else {
    it('sends regions with sendfile: only small wake pieces pass through buffers, when the socket is full', async () => {
      const descriptor = new RefCountedDescriptor(fs.openSync(file, 'r'));
      const pool = new ReadBufferPool();
      let bufferedBytes = 0;
      const take = pool.take.bind(pool);
      pool.take = (want: number) => {
        bufferedBytes += want;
        const b = take(want);
        expect(b.length).toBe(SMALL_READ_BUFFER);
        return b;
      };
      const writer = newWriter((e) => {
        throw e;
      }, pool);
      pair.client.pause();
      const received = receive(pair.client, content.length);
      writer.write([trackedRegion(descriptor, 0, content.length)]);
      // Paused: the socket fills, and a wake piece waits for it to drain.
      expect(writer.busy).toBe(true);
      expect(bufferedBytes).toBeGreaterThan(0);
      pair.client.resume();
      expect((await received).equals(content)).toBe(true);
      expect(bufferedBytes).toBeLessThan(content.length / 20);
      descriptor.release();
    });

    it('a client hanging up mid-region is no error: the region is let go, and the socket closes on its own', async () => {
      const descriptor = new RefCountedDescriptor(fs.openSync(file, 'r'));
      const region = trackedRegion(descriptor, 0, content.length);
      const errors: Error[] = [];
      const writer = newWriter((e) => errors.push(e), new ReadBufferPool());
      const serverClosed = new Promise<void>((resolve) => pair.server.once('close', () => resolve()));
      pair.server.on('error', () => {});
      pair.client.pause();
      writer.write([region]);
      expect(writer.busy).toBe(true);
      // Unread bytes in its receive buffer: the client's close resets the connection.
      pair.client.destroy();
      await serverClosed;
      await new Promise<void>((resolve) => {
        const check = () => (region.releases > 0 ? resolve() : setImmediate(check));
        check();
      });
      expect(region.releases).toBe(1);
      expect(errors).toEqual([]);
      writer.close();
      descriptor.release();
      expect(isOpen(region.fd)).toBe(false);
    });

    it('never sends into a descriptor number its socket no longer owns', async () => {
      const send = writerPath.sendfile(pair.server) as Sendfile;
      const fd = fs.openSync(file, 'r');
      try {
        expect(send(fd, 0, 10)).toBe(10);
        pair.server.destroy();
        expect(send(fd, 0, 10)).toBeLessThan(0);
        expect(send(fd, 0, 10)).not.toBe(SENDFILE_WOULD_BLOCK);
      } finally {
        fs.closeSync(fd);
      }
    });
  }
});
