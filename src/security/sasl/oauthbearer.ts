/**
 * SASL/OAUTHBEARER (RFC 7628) with Kafka's *unsecured* validator
 * (OAuthBearerUnsecuredValidatorCallbackHandler), for development: the token
 * is an unsigned JWS (`alg: none`, empty signature) whose claims are checked
 * for a principal (`sub`, or unsecuredValidatorPrincipalClaimName), an
 * expiry (`exp`, required), an optional `iat`, and the required scope.
 * Options come from the listener's OAuthBearerLoginModule JAAS entry:
 * unsecuredValidatorPrincipalClaimName, unsecuredValidatorScopeClaimName,
 * unsecuredValidatorRequiredScope, unsecuredValidatorAllowableClockSkewMs.
 *
 * As in Kafka, a token that fails validation is answered with a JSON error
 * challenge (`{"status":"invalid_token"}`); the client then sends %x01 and
 * the exchange fails with that JSON as the message. The token's expiry
 * bounds the session (KIP-368).
 */
import { SaslAuthenticationError, SaslServer, invalidCredentials } from './sasl-server';

export const OAUTHBEARER = 'OAUTHBEARER';

export interface UnsecuredValidatorOptions {
  principalClaimName: string;
  scopeClaimName: string;
  requiredScope: readonly string[];
  allowableClockSkewMs: number;
}

export function unsecuredValidatorOptions(jaas: ReadonlyMap<string, string>): UnsecuredValidatorOptions {
  const opt = (k: string) => {
    const v = jaas.get(`unsecuredValidator${k}`)?.trim();
    return v === undefined || v === '' ? undefined : v;
  };
  const skew = opt('AllowableClockSkewMs');
  const allowableClockSkewMs = skew === undefined ? 0 : Number(skew);
  if (!Number.isInteger(allowableClockSkewMs) || allowableClockSkewMs < 0) {
    throw new Error(`Allowable clock skew millis must not be negative: ${skew}`);
  }
  return {
    principalClaimName: opt('PrincipalClaimName') ?? 'sub',
    scopeClaimName: opt('ScopeClaimName') ?? 'scope',
    requiredScope: (opt('RequiredScope') ?? '').split(' ').filter((s) => s !== ''),
    allowableClockSkewMs,
  };
}

class TokenInvalid extends Error {
  constructor(
    message: string,
    readonly failureScope: string | null = null,
  ) {
    super(message);
  }
}

interface ValidToken {
  principal: string;
  expiresAtMs: number;
}

function decodeJson(part: string): Record<string, unknown> {
  if (!/^[A-Za-z0-9_-]*={0,2}$/.test(part)) throw new TokenInvalid('malformed Base64 URL encoded value');
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
  } catch {
    throw new TokenInvalid('malformed JSON');
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) throw new TokenInvalid('malformed JSON');
  return parsed as Record<string, unknown>;
}

/** Kafka's unsecured-JWS checks, in Kafka's order, with Kafka's failure texts. */
export function validateUnsecuredJws(token: string, o: UnsecuredValidatorOptions, nowMs: number): ValidToken {
  if (token.includes('..')) throw new TokenInvalid("Malformed compact serialization contains '..'");
  const parts = token.split('.');
  if (parts.length !== 3) throw new TokenInvalid('Unsecured JWS compact serializations must have 3 dot-separated Base64URL-encoded values');
  const header = decodeJson(parts[0]!);
  const claims = decodeJson(parts[1]!);
  if (header['alg'] !== 'none') throw new TokenInvalid("Unsecured JWS must have 'none' for an algorithm");
  if (parts[2] !== '') throw new TokenInvalid('Unsecured JWS must not contain a digital signature');
  const exp = claims['exp'];
  if (exp === undefined) throw new TokenInvalid('No expiration time in JWT');
  if (typeof exp !== 'number') throw new TokenInvalid(`The 'exp' claim was not of type Number: ${String(exp)}`);
  const principal = claims[o.principalClaimName];
  if (principal === undefined || principal === '') throw new TokenInvalid(`No principal name in JWT claim: ${o.principalClaimName}`);
  if (typeof principal !== 'string') throw new TokenInvalid(`The ${o.principalClaimName} claim had the incorrect type: ${typeof principal}`);
  const iat = claims['iat'];
  if (iat !== undefined) {
    if (typeof iat !== 'number') throw new TokenInvalid(`The 'iat' claim was not of type Number: ${String(iat)}`);
    if (1000 * iat > nowMs + o.allowableClockSkewMs) {
      throw new TokenInvalid(`The Issued At value (${iat} seconds) was after the indicated time (${nowMs} ms) plus allowable clock skew (${o.allowableClockSkewMs} ms)`);
    }
  }
  if (nowMs - o.allowableClockSkewMs >= 1000 * exp) {
    throw new TokenInvalid(`The indicated time (${nowMs} ms) minus allowable clock skew (${o.allowableClockSkewMs} ms) was on or after the Expiration Time value (${exp} seconds)`);
  }
  if (iat !== undefined && exp <= (iat as number)) {
    throw new TokenInvalid(`The Expiration Time time (${exp} seconds) was not after the Issued At time (${String(iat)} seconds)`);
  }
  if (o.requiredScope.length > 0) {
    const raw = claims[o.scopeClaimName];
    const scope = typeof raw === 'string' ? raw.split(' ').filter((s) => s !== '') : Array.isArray(raw) ? raw.map(String) : [];
    const missing = o.requiredScope.find((s) => !scope.includes(s));
    if (missing !== undefined) {
      throw new TokenInvalid(`The provided scope (${scope.join(' ')}) was missing a required scope (${missing})`, o.requiredScope.join(' '));
    }
  }
  return { principal, expiresAtMs: Math.floor(exp * 1000) };
}

const KVSEP = '\u0001';
const INITIAL_RESPONSE = /^n,(?:a=((?:[^=,\u0000]|=2C|=3D)+))?,\u0001((?:[A-Za-z]+=[\x21-\x7E \t\r\n]*\u0001)*)\u0001$/;
const AUTH = /^([A-Za-z0-9_]+) +([-_~+/.A-Za-z0-9]+=*)$/;

export class OAuthBearerSaslServer implements SaslServer {
  readonly mechanism = OAUTHBEARER;
  private token: ValidToken | null = null;
  private errorChallenge: string | null = null;
  /** Why the last token was refused, for the broker's log line. */
  private lastFailure: string | null = null;

  constructor(
    private readonly options: UnsecuredValidatorOptions,
    private readonly now: () => number,
    private readonly reauthenticating = false,
  ) {}

  get complete(): boolean {
    return this.token !== null;
  }

  evaluate(response: Buffer): Buffer {
    if (response.length === 1 && response[0] === 1 && this.errorChallenge !== null) {
      // The client's acknowledgement of our error challenge (RFC 7628 3.2.3).
      throw new SaslAuthenticationError(this.errorChallenge, `token refused: ${this.lastFailure ?? this.errorChallenge}`);
    }
    this.errorChallenge = null;
    const m = INITIAL_RESPONSE.exec(response.toString('utf8'));
    if (!m) throw invalidCredentials(OAUTHBEARER, 'invalid OAUTHBEARER client first message', this.reauthenticating);
    const authzid = m[1] ?? '';
    const pairs = new Map<string, string>();
    for (const kv of (m[2] ?? '').split(KVSEP).filter((s) => s !== '')) {
      const eq = kv.indexOf('=');
      pairs.set(kv.slice(0, eq), kv.slice(eq + 1));
    }
    const auth = pairs.get('auth');
    if (auth === undefined) throw invalidCredentials(OAUTHBEARER, "invalid OAUTHBEARER client first message: 'auth' not specified", this.reauthenticating);
    const a = AUTH.exec(auth);
    if (!a || a[1]!.toLowerCase() !== 'bearer') {
      throw invalidCredentials(OAUTHBEARER, 'invalid OAUTHBEARER client first message: auth is not a Bearer token', this.reauthenticating);
    }
    let token: ValidToken;
    try {
      token = validateUnsecuredJws(a[2]!, this.options, this.now());
    } catch (err) {
      if (!(err instanceof TokenInvalid)) throw err;
      const status = err.failureScope !== null ? 'insufficient_scope' : 'invalid_token';
      this.errorChallenge = err.failureScope !== null ? `{"status":"${status}", "scope":"${err.failureScope}"}` : `{"status":"${status}"}`;
      this.lastFailure = err.message;
      return Buffer.from(this.errorChallenge, 'utf8');
    }
    if (authzid !== '' && authzid !== token.principal) {
      throw new SaslAuthenticationError(
        `Authentication failed: Client requested an authorization id (${authzid}) that is different from the token's principal name (${token.principal})`,
      );
    }
    this.token = token;
    return Buffer.alloc(0);
  }

  authorizationId(): string {
    if (!this.token) throw new Error('OAUTHBEARER exchange has not completed');
    return this.token.principal;
  }

  credentialExpiresAtMs(): number | null {
    return this.token?.expiresAtMs ?? null;
  }
}
