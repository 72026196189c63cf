/**
 * The server of one listener: accepts connections (TCP, or TLS for SSL and
 * SASL_SSL listeners) and gives each a Connection wired to the handler table
 * and the listener's security. A TLS handshake that fails, or a client
 * certificate that `ssl.client.auth=requested` cannot accept, costs one log
 * line and that connection only. Shutdown stops accepting, lets in-flight
 * requests finish (bounded by a grace period), then closes sockets.
 */
import * as net from 'node:net';
import type * as TlsModule from 'node:tls';
import type { Logger } from '../logger';
import { ANONYMOUS, type KafkaPrincipal } from '../security/principal';
import { Connection, ConnectionLimits } from './connection';
import type { ConnectionQuotas } from './connection-quotas';
import { type ListenerSecurity, PLAINTEXT_LISTENER } from './listener-security';
import { HandlerTable } from './request-context';
import type { RequestObserver } from './request-observer';

export interface ServerOptions extends ConnectionLimits {
  host: string;
  port: number;
  /** socket.listen.backlog.size: pending connections the OS queues before accepting. */
  backlog?: number;
  /** Told about connections and completed requests (metrics); optional. */
  observer?: RequestObserver;
  /** The listener's name and security; a PLAINTEXT listener when absent. */
  listener?: ListenerSecurity;
  /** Clock for SASL session expiry (default Date.now). */
  now?: () => number;
  /** The broker's connection limits, shared by its listeners; none when absent. */
  connectionQuotas?: ConnectionQuotas;
}

export class KafkaServer {
  private readonly server: net.Server;
  private readonly connections = new Set<Connection>();
  /** Sockets accepted over max.connections, not served yet. */
  private readonly waiting = new Set<net.Socket>();
  private nextId = 1;

  constructor(
    private readonly options: ServerOptions,
    handlers: HandlerTable,
    private readonly log: Logger,
  ) {
    const listener = options.listener ?? PLAINTEXT_LISTENER;
    const now = options.now ?? Date.now;
    const serve = (socket: net.Socket, principal: KafkaPrincipal, onClosed: () => void) => {
      const c = new Connection(
        this.nextId++,
        socket,
        handlers,
        options,
        log,
        (closed) => {
          this.connections.delete(closed);
          onClosed();
        },
        options.observer ?? null,
        { listener, principal, now },
      );
      this.connections.add(c);
    };
    const quotas = options.connectionQuotas;
    const accept = (socket: net.Socket, principal: KafkaPrincipal) => {
      if (quotas === undefined) return serve(socket, principal, () => {});
      const remoteAddress = socket.remoteAddress;
      const release = () => quotas.release(remoteAddress);
      const ticket = quotas.admit(remoteAddress, () => {
        socket.off('close', cancel);
        if (socket.destroyed) release();
        else serve(socket, principal, release);
      });
      const cancel = () => ticket.cancel();
      if (ticket.admission === 'admitted') return serve(socket, principal, release);
      if (ticket.admission === 'refused') {
        log.info({ listener: listener.name, remote: `${remoteAddress}:${socket.remotePort}` }, 'too many connections from this address (max.connections.per.ip): closed');
        socket.destroy();
        return;
      }
      // max.connections reached: held, unread, until a connection closes.
      socket.on('error', () => {});
      socket.once('close', cancel);
      this.waiting.add(socket);
      socket.once('close', () => this.waiting.delete(socket));
    };
    const tlsListener = listener.tls;
    if (tlsListener === null) {
      this.server = net.createServer((socket) => accept(socket, ANONYMOUS));
      return;
    }
    // node:tls loads only for a TLS listener (start-up time and memory of a plaintext broker).
    const tls = require('node:tls') as typeof TlsModule;
    const server = tls.createServer(tlsListener.serverOptions, (socket) => {
      const remote = `${socket.remoteAddress}:${socket.remotePort}`;
      const cert = socket.getPeerX509Certificate();
      if (cert !== undefined && !socket.authorized) {
        // ssl.client.auth=requested: no certificate is fine, a bad one is not.
        this.log.info({ listener: listener.name, remote, reason: String(socket.authorizationError) }, 'TLS client certificate refused');
        socket.destroy();
        return;
      }
      let principal: KafkaPrincipal;
      try {
        principal = tlsListener.principalFor(cert);
      } catch (err) {
        this.log.info({ listener: listener.name, remote, reason: (err as Error).message }, 'TLS client certificate refused');
        socket.destroy();
        return;
      }
      accept(socket, principal);
    });
    server.on('tlsClientError', (err, socket) => {
      this.log.info({ listener: listener.name, remote: `${socket.remoteAddress}:${socket.remotePort}`, reason: err.message }, 'TLS handshake failed');
    });
    this.server = server;
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
    for (const socket of [...this.waiting]) socket.destroy();
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
