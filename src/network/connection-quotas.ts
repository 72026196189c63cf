/**
 * Connection limits across every listener of the broker, as Kafka's
 * ConnectionQuotas applies them when a connection is accepted:
 *
 * - `max.connections.per.ip` (and its `max.connections.per.ip.overrides`,
 *   `ip:limit,...`): a connection over its address's limit is closed at
 *   once (Kafka logs a TooManyConnectionsException and closes it).
 * - `max.connections`: over the broker-wide limit a new connection is not
 *   served until another one closes. Kafka's acceptor stops accepting; here
 *   the socket is held, unread, in arrival order, which a client sees the
 *   same way (its connection is open, nothing is answered yet).
 *
 * Both are dynamic broker configs: `reconfigure` takes new limits, which
 * apply to the next connections (no open connection is closed when a limit
 * drops, as in Kafka). One instance is shared by all the broker's servers.
 */
import { type BrokerConfig, normalizeIpAddress, parsePerIpOverrides } from '../config';

export interface ConnectionLimitSettings {
  /** max.connections: every listener together. */
  readonly maxConnections: number;
  /** max.connections.per.ip */
  readonly maxConnectionsPerIp: number;
  /** max.connections.per.ip.overrides, by address. */
  readonly perIpOverrides: ReadonlyMap<string, number>;
}

/** The limits as the broker config says now (it changes with dynamic configs). */
export function connectionLimitsOf(config: BrokerConfig): ConnectionLimitSettings {
  return {
    maxConnections: config.number('max.connections'),
    maxConnectionsPerIp: config.number('max.connections.per.ip'),
    perIpOverrides: parsePerIpOverrides(config.string('max.connections.per.ip.overrides')),
  };
}

/** The broker configs ConnectionQuotas applies (a reconfigurable's keys). */
export const CONNECTION_LIMIT_KEYS: ReadonlySet<string> = new Set(['max.connections', 'max.connections.per.ip', 'max.connections.per.ip.overrides']);

/** What `admit` decided for a new connection. */
export type Admission = 'admitted' | 'queued' | 'refused';

interface Waiting {
  readonly ip: string;
  readonly serve: () => void;
}

export class ConnectionQuotas {
  private settings: ConnectionLimitSettings;
  private total = 0;
  private readonly perIp = new Map<string, number>();
  private readonly waiting: Waiting[] = [];

  constructor(settings: ConnectionLimitSettings) {
    this.settings = settings;
  }

  reconfigure(settings: ConnectionLimitSettings): void {
    this.settings = settings;
    this.serveWaiting();
  }

  get openConnections(): number {
    return this.total;
  }

  /**
   * A connection from `remoteAddress` arrived. 'refused': over its
   * address's limit, close it. 'admitted': counted, serve it now.
   * 'queued': counted against its address, `serve` is called once a
   * broker-wide slot frees; `cancel` the ticket if it closes before.
   */
  admit(remoteAddress: string | undefined, serve: () => void): { admission: Admission; cancel(): void } {
    const ip = normalizeAddress(remoteAddress);
    const count = this.perIp.get(ip) ?? 0;
    if (count >= this.limitFor(ip)) return { admission: 'refused', cancel: () => {} };
    this.perIp.set(ip, count + 1);
    if (this.waiting.length === 0 && this.total < this.settings.maxConnections) {
      this.total++;
      return { admission: 'admitted', cancel: () => {} };
    }
    const entry: Waiting = { ip, serve };
    this.waiting.push(entry);
    return {
      admission: 'queued',
      cancel: () => {
        const i = this.waiting.indexOf(entry);
        if (i < 0) return;
        this.waiting.splice(i, 1);
        this.releaseIp(ip);
      },
    };
  }

  /** An admitted (or served) connection from `remoteAddress` closed. */
  release(remoteAddress: string | undefined): void {
    this.total--;
    this.releaseIp(normalizeAddress(remoteAddress));
    this.serveWaiting();
  }

  private limitFor(ip: string): number {
    return this.settings.perIpOverrides.get(ip) ?? this.settings.maxConnectionsPerIp;
  }

  private releaseIp(ip: string): void {
    const n = (this.perIp.get(ip) ?? 1) - 1;
    if (n <= 0) this.perIp.delete(ip);
    else this.perIp.set(ip, n);
  }

  private serveWaiting(): void {
    while (this.waiting.length > 0 && this.total < this.settings.maxConnections) {
      const next = this.waiting.shift() as Waiting;
      this.total++;
      next.serve();
    }
  }
}

function normalizeAddress(address: string | undefined): string {
  return address === undefined ? '' : normalizeIpAddress(address);
}
