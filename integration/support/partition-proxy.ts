/**
 * A network cut between brokers, made by the test: each broker advertises
 * its inter-broker listener at one of these proxies, so every connection
 * between brokers (followers fetching, leaders asking the controller,
 * forwarded admin requests) passes one. A proxy knows the broker it leads
 * to; it learns which broker a connection comes from by the client id in
 * the connection's first request (Weir's brokers name themselves:
 * `weir-replica-fetcher-N`, `weir-broker-N`). `cut(n)` drops every
 * connection to or from broker n, and refuses new ones, until `heal()`.
 * Clients and etcd are not behind the proxies: only the brokers are cut
 * from each other.
 */
import * as net from 'node:net';

export interface PartitionProxies {
  /** The proxy port to advertise for broker `nodeId`'s inter-broker listener. */
  portFor(nodeId: number): number;
  /** Points broker `nodeId`'s proxy at the port its inter-broker listener is bound to. */
  setTarget(nodeId: number, port: number): void;
  cut(nodeId: number): void;
  heal(): void;
  close(): Promise<void>;
}

interface Link {
  readonly from: net.Socket;
  readonly to: net.Socket;
  source: number | null;
}

/** The node id a Weir broker puts in its client id, from a connection's first request frame (after the 4-byte size). */
function sourceNode(frame: Buffer): number | null {
  // Request header: api key (2), api version (2), correlation id (4), client id (int16 length + bytes).
  if (frame.length < 10) return null;
  const length = frame.readInt16BE(8);
  if (length < 0 || frame.length < 10 + length) return null;
  const m = /^weir-(?:replica-fetcher|broker)-(\d+)$/.exec(frame.toString('utf8', 10, 10 + length));
  return m ? Number(m[1]) : null;
}

export async function startPartitionProxies(nodeIds: readonly number[]): Promise<PartitionProxies> {
  const cutNodes = new Set<number>();
  const links = new Set<Link & { target: number }>();
  const targets = new Map<number, number>();
  const servers = new Map<number, net.Server>();
  const isCut = (a: number | null, b: number) => cutNodes.has(b) || (a !== null && cutNodes.has(a));

  for (const nodeId of nodeIds) {
    const server = net.createServer((from) => {
      const port = targets.get(nodeId);
      if (port === undefined || cutNodes.has(nodeId)) return from.destroy();
      const to = net.connect({ host: '127.0.0.1', port });
      const link = { from, to, source: null as number | null, target: nodeId };
      let identified = false;
      links.add(link);
      const drop = () => {
        links.delete(link);
        from.destroy();
        to.destroy();
      };
      let head: Buffer = Buffer.alloc(0);
      from.on('data', (chunk: Buffer) => {
        if (!identified) {
          head = Buffer.concat([head, chunk]);
          if (head.length >= 4 && head.length >= 4 + Math.min(head.readInt32BE(0), 64)) {
            identified = true;
            link.source = sourceNode(head.subarray(4));
          }
        }
        if (isCut(link.source, nodeId)) return drop();
        to.write(chunk);
      });
      to.on('data', (chunk: Buffer) => (isCut(link.source, nodeId) ? drop() : from.write(chunk)));
      from.on('error', drop);
      to.on('error', drop);
      from.on('close', drop);
      to.on('close', drop);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    servers.set(nodeId, server);
  }
  return {
    portFor: (nodeId) => (servers.get(nodeId)!.address() as net.AddressInfo).port,
    setTarget: (nodeId, port) => targets.set(nodeId, port),
    cut(nodeId) {
      cutNodes.add(nodeId);
      for (const l of [...links]) {
        if (isCut(l.source, l.target)) {
          links.delete(l);
          l.from.destroy();
          l.to.destroy();
        }
      }
    },
    heal: () => cutNodes.clear(),
    async close() {
      for (const l of links) {
        l.from.destroy();
        l.to.destroy();
      }
      await Promise.all([...servers.values()].map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
    },
  };
}
