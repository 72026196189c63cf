/**
 * The server side of one SASL mechanism exchange, as a pure state machine:
 * tokens in, tokens out, no sockets. The network layer's authenticator feeds
 * it the client's tokens (from SaslAuthenticate requests or raw frames) and
 * sends back what it returns.
 */
import { createHash, timingSafeEqual } from 'node:crypto';

export interface SaslServer {
  readonly mechanism: string;
  /** The response to one client token. Throws SaslAuthenticationError when the client fails. */
  evaluate(token: Buffer): Buffer;
  /** True once the client is authenticated (after the last `evaluate`). */
  readonly complete: boolean;
  /** The authenticated user name (the principal's name); only once complete. */
  authorizationId(): string;
  /** When the credential stops being valid (an OAUTHBEARER token's exp), ms since the epoch; null if never. */
  credentialExpiresAtMs(): number | null;
}

/**
 * A failed authentication. `clientMessage` goes to the client in the
 * SaslAuthenticate response and must not say more than Kafka says (whether a
 * user exists, for example); `logReason` is for the broker's log line and
 * never contains a secret.
 */
export class SaslAuthenticationError extends Error {
  constructor(
    readonly clientMessage: string,
    readonly logReason: string = clientMessage,
  ) {
    super(logReason);
    this.name = 'SaslAuthenticationError';
  }
}

/**
 * Kafka's answer for a failure whose details must stay on the server (an
 * unknown SCRAM user, a wrong proof): the client learns only the mechanism.
 */
export function invalidCredentials(mechanism: string, logReason: string, reauthenticating = false): SaslAuthenticationError {
  const during = reauthenticating ? 're-authentication' : 'authentication';
  return new SaslAuthenticationError(`Authentication failed during ${during} due to invalid credentials with SASL mechanism ${mechanism}`, logReason);
}

/** Compares secrets in constant time (also when the lengths differ). */
export function secretsEqual(a: Buffer, b: Buffer): boolean {
  const ha = createHash('sha256').update(a).digest();
  const hb = createHash('sha256').update(b).digest();
  return timingSafeEqual(ha, hb) && a.length === b.length;
}
