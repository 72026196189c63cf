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
