/**
 * A frame-aware TCP proxy between a real client and a real broker, for tests
 * that need to watch or tamper with the wire: record the requests a client
 * really sends (golden fixtures), duplicate a produce request (idempotence),
 * and so on. Each direction is split into Kafka's size-prefixed frames; the
 * hooks see a frame without its 4-byte size and return the frames to pass on.
 */
import * as net from 'node:net';

export interface ProxyHooks {
  /** Client -> broker. Return the frames to forward (default: the frame itself). */
  onRequest?(frame: Buffer, connectionId: number): Buffer[];
  /** Broker -> client. Return the frames to forward (default: the frame itself). */
  onResponse?(frame: Buffer, connectionId: number): Buffer[];
}

export interface KafkaProxy {
  readonly port: number;
  readonly address: string;
  close(): Promise<void>;
}

function frameSplitter(onFrame: (frame: Buffer) => void): (chunk: Buffer) => void {
  let pending: Buffer = Buffer.alloc(0);
  return (chunk) => {
    pending = pending.length ? Buffer.concat([pending, chunk]) : chunk;
    while (pending.length >= 4) {
      const size = pending.readInt32BE(0);
      if (pending.length < 4 + size) break;
      onFrame(pending.subarray(4, 4 + size));
      pending = pending.subarray(4 + size);
    }
  };
}

function framed(frame: Buffer): Buffer {
  const size = Buffer.alloc(4);
  size.writeInt32BE(frame.length);
  return Buffer.concat([size, frame]);
}

/**
 * Listens on an ephemeral port and forwards to `target`. Note that clients
 * learn the broker's own address from Metadata and may connect there
 * directly afterwards, unless the broker advertises the proxy's port (start
 * the broker with `advertised.listeners=PLAINTEXT://127.0.0.1:<proxy port>`,
 * or point the proxy at a broker that advertises it).
 */
export async function startKafkaProxy(target: { host: string; port: number }, hooks: ProxyHooks = {}, listenPort = 0): Promise<KafkaProxy> {
  const sockets = new Set<net.Socket>();
  let nextId = 1;
  const server = net.createServer((client) => {
    const id = nextId++;
    const upstream = net.connect(target.port, target.host);
    sockets.add(client);
    sockets.add(upstream);
    client.on(
      'data',
      frameSplitter((f) => {
        for (const out of hooks.onRequest ? hooks.onRequest(f, id) : [f]) upstream.write(framed(out));
      }),
    );
    upstream.on(
      'data',
      frameSplitter((f) => {
        for (const out of hooks.onResponse ? hooks.onResponse(f, id) : [f]) client.write(framed(out));
      }),
    );
    const end = () => {
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
    };
    client.on('close', end);
    upstream.on('close', end);
    client.on('error', end);
    upstream.on('error', end);
  });
  await new Promise<void>((resolve) => server.listen(listenPort, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  return {
    port,
    address: `127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
