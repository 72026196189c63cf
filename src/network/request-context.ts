import type { ApiSpec } from '../protocol/apis';
import type { KafkaPrincipal } from '../security/principal';
import type { SecurityProtocol } from '../security/security-protocol';

/** What a handler knows about the request beyond its body. */
export interface RequestContext {
  readonly apiKey: number;
  readonly apiVersion: number;
  readonly correlationId: number;
  readonly clientId: string | null;
  readonly connectionId: number;
  readonly remoteAddress: string;
  /** The connection's local address as the client dialled it (host, port). */
  readonly localPort: number;
  /** The client software its ApiVersions v3+ named on this connection (null before, or for older clients). */
  readonly clientSoftwareName: string | null;
  readonly clientSoftwareVersion: string | null;
  /** The listener the client came in on (its name in `listeners`, uppercased). */
  readonly listenerName: string;
  readonly securityProtocol: SecurityProtocol;
  /** Who the client authenticated as (SASL or TLS client certificate); User:ANONYMOUS otherwise. */
  readonly principal: KafkaPrincipal;
  /** The request's size on the wire (header and body, not the size prefix): what a produce quota counts. */
  readonly requestBytes: number;
  /**
   * Mutes the connection for `ms` (KIP-219): the response is still sent at
   * once, but nothing more is read from the client until the time has
   * passed. A quota's throttle; several extend to the latest end.
   */
  throttle(ms: number): void;
}

/**
 * A handler bound to the API it serves. The network layer receives a table
 * of these; it never imports the broker.
 * A handler returns the response, or null for "send nothing" (acks=0 produce).
 */
export interface BoundHandler {
  readonly spec: ApiSpec<unknown, unknown>;
  handle(request: unknown, ctx: RequestContext): unknown | Promise<unknown>;
}

export type HandlerTable = ReadonlyMap<number, BoundHandler>;
