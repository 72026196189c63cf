/**
 * How one listener secures its connections: its name and security protocol,
 * TLS (SSL, SASL_SSL) and SASL (SASL_PLAINTEXT, SASL_SSL). Built from the
 * broker's config by broker/listener-security.ts; the network layer only
 * applies it.
 */
import type { ListenerSaslMechanisms } from '../security/sasl/listener-mechanisms';
import type { SecurityProtocol } from '../security/security-protocol';
import type { TlsListener } from './tls/tls-listener';

export interface ListenerSecurity {
  readonly name: string;
  readonly securityProtocol: SecurityProtocol;
  readonly tls: TlsListener | null;
  readonly sasl: ListenerSaslMechanisms | null;
  /** sasl.server.max.receive.size: the largest frame accepted before authentication. */
  readonly saslMaxReceiveBytes: number;
  /** connection.failed.authentication.delay.ms: how long a failed login waits before its answer and the close. */
  readonly failedAuthenticationDelayMs: number;
}

export const PLAINTEXT_LISTENER: ListenerSecurity = {
  name: 'PLAINTEXT',
  securityProtocol: 'PLAINTEXT',
  tls: null,
  sasl: null,
  saslMaxReceiveBytes: 524_288,
  failedAuthenticationDelayMs: 100,
};
