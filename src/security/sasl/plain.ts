/**
 * SASL/PLAIN (RFC 4616), server side, as Kafka's PlainSaslServer: one token
 * `authzid NUL username NUL password`; users and passwords from the JAAS
 * options `user_<name>="<password>"` of the listener's PlainLoginModule. The
 * messages sent to clients are Kafka's.
 */
import { SaslAuthenticationError, SaslServer, invalidCredentials, secretsEqual } from './sasl-server';

export const PLAIN = 'PLAIN';

/** username -> password, from `user_<name>` JAAS options. */
export type PlainUsers = ReadonlyMap<string, string>;

export function plainUsersFromJaas(options: ReadonlyMap<string, string>): PlainUsers {
  const users = new Map<string, string>();
  for (const [k, v] of options) if (k.startsWith('user_')) users.set(k.slice('user_'.length), v);
  return users;
}

export class PlainSaslServer implements SaslServer {
  readonly mechanism = PLAIN;
  private user: string | null = null;

  constructor(
    private readonly users: PlainUsers,
    private readonly reauthenticating = false,
  ) {}

  get complete(): boolean {
    return this.user !== null;
  }

  evaluate(token: Buffer): Buffer {
    if (this.user !== null) throw new SaslAuthenticationError('Authentication failed: SASL/PLAIN exchange is already complete');
    const parts = token.toString('utf8').split('\u0000');
    if (parts.length !== 3) throw invalidCredentials(PLAIN, `invalid SASL/PLAIN response: expected 3 tokens, got ${parts.length}`, this.reauthenticating);
    const [authzid, username, password] = parts as [string, string, string];
    if (username === '') throw new SaslAuthenticationError('Authentication failed: username not specified');
    if (password === '') throw new SaslAuthenticationError('Authentication failed: password not specified');
    const expected = this.users.get(username);
    // Compare even for an unknown user, so timing does not tell which users exist.
    const ok = secretsEqual(Buffer.from(password, 'utf8'), Buffer.from(expected ?? '\u0000unknown', 'utf8')) && expected !== undefined;
    if (!ok) {
      throw new SaslAuthenticationError(
        'Authentication failed: Invalid username or password',
        expected === undefined ? `unknown user '${username}'` : `wrong password for user '${username}'`,
      );
    }
    if (authzid !== '' && authzid !== username) {
      throw new SaslAuthenticationError('Authentication failed: Client requested an authorization id that is different from username');
    }
    this.user = username;
    return Buffer.alloc(0);
  }

  authorizationId(): string {
    if (this.user === null) throw new Error('SASL/PLAIN exchange has not completed');
    return this.user;
  }

  credentialExpiresAtMs(): number | null {
    return null;
  }
}
