/**
 * The TCP server: accepts connections on one listener and gives each a
 * Connection wired to the handler table. Shutdown stops accepting, lets
 * in-flight requests finish (bounded by a grace period), then closes sockets.
 */
import * as net from 'node:net';
import type { Logger } from 'pino';
import { Connection, ConnectionLimits } from './connection';
import { HandlerTable } from './request-context';
import type { RequestObserver } from './request-observer';

export interface ServerOptions extends ConnectionLimits {
  host: string;
  port: number;
  /** socket.listen.backlog.size: pending connections the OS queues before accepting. */
  backlog?: number;
  /** Told about connections and completed requests (metrics); optional. */
  observer?: RequestObserver;
}

export class KafkaServer {
  private readonly server: net.Server;
  private readonly connections = new Set<Connection>();
  private nextId = 1;

  constructor(
    private readonly options: ServerOptions,
    handlers: HandlerTable,
    private readonly log: Logger,
  ) {
    this.server = net.createServer((socket) => {
      const c = new Connection(this.nextId++, socket, handlers, options, log, (closed) => this.connections.delete(closed), options.observer ?? null);
      this.connections.add(c);
    });
  }

  get connectionCount(): number {
    return this.connections.size;
  }

  /** Listens; resolves with the bound port (useful with port 0). */
  listen(): Promise<number> {
    return new Promise((resolve, reject) => {
      const onError = (err: Error) => reject(err);
      this.server.once('error', onError);
      this.server.listen({ host: this.options.host, port: this.options.port, backlog: this.options.backlog }, () => {
        this.server.off('error', onError);
        // Errors while listening (EADDRINUSE...) reject above, for the caller
        // to explain; only later listener errors are logged here.
        this.server.on('error', (err) => this.log.error({ err }, 'listener error'));
        const addr = this.server.address() as net.AddressInfo;
        resolve(addr.port);
      });
    });
  }

  /** Stops accepting, waits for in-flight requests (up to graceMs), closes everything. */
  async close(graceMs = 5000): Promise<void> {
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    const conns = [...this.connections];
    for (const c of conns) c.stopReading();
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      Promise.all(conns.map((c) => c.drain())),
      new Promise<void>((resolve) => (timer = setTimeout(resolve, graceMs))),
    ]);
    clearTimeout(timer);
    for (const c of [...this.connections]) c.close(null);
    await closed;
  }
}
