/**
 * SASL/SCRAM-SHA-256 and SCRAM-SHA-512, server side (RFC 5802, RFC 7677),
 * following Kafka's ScramSaslServer:
 *
 *   client-first  n,[a=authzid],n=user,r=cnonce[,ext]
 *   server-first  r=cnonce+snonce,s=salt,i=iterations
 *   client-final  c=biws,r=cnonce+snonce,p=proof
 *   server-final  v=server-signature
 *
 * Credentials (salt, StoredKey, ServerKey, iterations) come from the
 * credential store; the password never reaches the broker. An unknown user
 * and a wrong proof fail alike for the client ("invalid credentials"), only
 * the log says which. Channel binding is not offered (gs2 flag `n` only), and
 * delegation-token logins (the `tokenauth` extension) are refused: Weir has
 * no delegation tokens.
 */
import { randomBytes } from 'node:crypto';
import type { ScramCredentialStore } from '../scram/credential-store';
import { ScramCredential, ScramMechanism, hash, hmac, xor } from '../scram/scram-mechanism';
import { SaslAuthenticationError, SaslServer, invalidCredentials, secretsEqual } from './sasl-server';

const SASLNAME = '(?:[^=,\\u0000]|=2C|=3D)+';
const PRINTABLE = '[\\x21-\\x2B\\x2D-\\x7E]+';
const BASE64 = '[A-Za-z0-9+/]*={0,2}';
const CLIENT_FIRST = new RegExp(`^n,(?:a=(${SASLNAME}))?,(?:m=[^\\u0000,]+,)?n=(${SASLNAME}),r=(${PRINTABLE})((?:,[A-Za-z]=[^,\\u0000]*)*)$`);
const CLIENT_FINAL = new RegExp(`^c=(${BASE64}),r=(${PRINTABLE})((?:,[A-Za-z]=[^,\\u0000]*)*),p=(${BASE64})$`);

/** RFC 5802 saslname: "=2C" is ',' and "=3D" is '='. */
export function decodeSaslName(s: string): string {
  return s.replace(/=2C|=3D/g, (m) => (m === '=2C' ? ',' : '='));
}

export function encodeSaslName(s: string): string {
  return s.replace(/=/g, '=3D').replace(/,/g, '=2C');
}

type State =
  | { step: 'client-first' }
  | { step: 'client-final'; user: string; gs2Header: string; clientFirstBare: string; serverFirst: string; nonce: string; credential: ScramCredential }
  | { step: 'complete'; user: string }
  | { step: 'failed' };

export class ScramSaslServer implements SaslServer {
  private state: State = { step: 'client-first' };

  constructor(
    private readonly m: ScramMechanism,
    private readonly credentials: ScramCredentialStore,
    private readonly reauthenticating = false,
  ) {}

  get mechanism(): string {
    return this.m.name;
  }

  get complete(): boolean {
    return this.state.step === 'complete';
  }

  evaluate(token: Buffer): Buffer {
    try {
      switch (this.state.step) {
        case 'client-first':
          return this.clientFirst(token.toString('utf8'));
        case 'client-final':
          return this.clientFinal(token.toString('utf8'), this.state);
        default:
          throw new SaslAuthenticationError('Authentication failed: unexpected SCRAM message after the exchange ended');
      }
    } catch (err) {
      this.state = { step: 'failed' };
      throw err;
    }
  }

  private fail(reason: string): SaslAuthenticationError {
    return invalidCredentials(this.m.name, reason, this.reauthenticating);
  }

  private clientFirst(message: string): Buffer {
    const match = CLIENT_FIRST.exec(message);
    if (!match) throw this.fail('invalid SCRAM client-first message');
    const [, authzid, saslName, clientNonce, extensions] = match as unknown as [string, string | undefined, string, string, string];
    const extensionKeys = extensions.split(',').filter((e) => e !== '').map((e) => e.slice(0, e.indexOf('=')));
    if (extensionKeys.length > 0) {
      // tokenauth=true asks for a delegation-token login; Weir has none.
      throw this.fail(`unsupported SCRAM extensions: ${extensionKeys.join(', ')}`);
    }
    const user = decodeSaslName(saslName);
    if (authzid !== undefined && decodeSaslName(authzid) !== user) {
      throw new SaslAuthenticationError('Authentication failed: Client requested an authorization id that is different from username');
    }
    const credential = this.credentials.get(user, this.m.name);
    if (!credential) throw this.fail(`unknown user '${user}' for ${this.m.name}`);
    const nonce = clientNonce + randomBytes(24).toString('base64').replace(/[+/=]/g, (c) => (c === '+' ? '-' : c === '/' ? '_' : ''));
    const serverFirst = `r=${nonce},s=${credential.salt.toString('base64')},i=${credential.iterations}`;
    const gs2End = message.indexOf(',', message.indexOf(',') + 1) + 1;
    this.state = {
      step: 'client-final',
      user,
      gs2Header: message.slice(0, gs2End),
      clientFirstBare: message.slice(gs2End),
      serverFirst,
      nonce,
      credential,
    };
    return Buffer.from(serverFirst, 'utf8');
  }

  private clientFinal(message: string, s: Extract<State, { step: 'client-final' }>): Buffer {
    const match = CLIENT_FINAL.exec(message);
    if (!match) throw this.fail('invalid SCRAM client-final message');
    const [, channelBinding, nonce, , proofB64] = match as unknown as [string, string, string, string, string];
    // Kafka checks endsWith, not equality: librdkafka 2.0.2 (kcat 1.7) sends
    // its own nonce twice (client nonce + the combined nonce), and Kafka
    // brokers accept that.
    if (!nonce.endsWith(s.nonce)) throw this.fail('invalid client nonce in the SCRAM client-final message');
    if (!secretsEqual(Buffer.from(channelBinding, 'base64'), Buffer.from(s.gs2Header, 'utf8'))) {
      throw this.fail('SCRAM channel binding does not match the client-first message');
    }
    const withoutProof = message.slice(0, message.lastIndexOf(',p='));
    const authMessage = `${s.clientFirstBare},${s.serverFirst},${withoutProof}`;
    const proof = Buffer.from(proofB64, 'base64');
    const clientSignature = hmac(this.m, s.credential.storedKey, authMessage);
    if (proof.length !== clientSignature.length) throw this.fail(`wrong SCRAM proof for user '${s.user}'`);
    const computedStoredKey = hash(this.m, xor(proof, clientSignature));
    if (!secretsEqual(computedStoredKey, s.credential.storedKey)) throw this.fail(`wrong SCRAM proof for user '${s.user}'`);
    const serverSignature = hmac(this.m, s.credential.serverKey, authMessage);
    this.state = { step: 'complete', user: s.user };
    return Buffer.from(`v=${serverSignature.toString('base64')}`, 'utf8');
  }

  authorizationId(): string {
    if (this.state.step !== 'complete') throw new Error('SCRAM exchange has not completed');
    return this.state.user;
  }

  credentialExpiresAtMs(): number | null {
    return null;
  }
}
