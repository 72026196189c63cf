/**
 * The server side of SASL on one connection, as Kafka's
 * SaslServerAuthenticator runs it: a state machine over the frames that
 * arrive before the client is authenticated (and during a KIP-368
 * re-authentication). Pure: frames in, steps out; the Connection does the
 * I/O, the failure delay and the closing.
 *
 *   handshake-or-versions --ApiVersions--> handshake
 *   handshake(-or-versions) --SaslHandshake v1--> authenticate   (SaslAuthenticate requests)
 *                           --SaslHandshake v0--> authenticate-raw (size-prefixed raw tokens,
 *                                                 no Kafka header: kafka-python, G5(d))
 *   authenticate(-raw) --last token--> complete
 *
 * Any other request before authentication fails it ("Unexpected Kafka
 * request of type X during SASL handshake/authentication", Kafka's
 * IllegalSaslStateException); failures carry the response Kafka sends (if
 * any), which the connection writes after `connection.failed.authentication.delay.ms`
 * and then closes.
 */
import { Apis, type ApiSpec } from '../protocol/apis';
import { ErrorCode } from '../protocol/errors';
import type { SaslAuthenticateResponse, SaslHandshakeResponse } from '../protocol/messages';
import { isFlexible } from '../protocol/primitives/codec-support';
import { Reader } from '../protocol/primitives/reader';
import { type KafkaPrincipal, principalToString, samePrincipal, userPrincipal } from '../security/principal';
import type { ListenerSaslMechanisms } from '../security/sasl/listener-mechanisms';
import { SaslAuthenticationError, type SaslServer } from '../security/sasl/sasl-server';
import { readPreamble, readRequestHeader, requestHeaderVersion } from './request-header';

const API_VERSIONS_KEY = 18;

/** What to send back: a Kafka response (the connection encodes it) or a raw size-prefixed token. */
export type SaslReply =
  | { kind: 'kafka'; spec: ApiSpec<unknown, unknown>; body: unknown; version: number; correlationId: number }
  | { kind: 'raw'; token: Buffer };

export type SaslStep =
  /** Send the reply (if any) and wait for the next frame. */
  | { kind: 'continue'; reply: SaslReply | null }
  /** ApiVersions before the handshake: serve it as any request. */
  | { kind: 'api-versions' }
  /** Send the reply (if any); the connection now serves requests as `principal`. */
  | { kind: 'authenticated'; reply: SaslReply | null; principal: KafkaPrincipal; mechanism: string; sessionExpiresAtMs: number | null }
  /** Authentication failed: after the failure delay, send the reply (if any) and close. */
  | { kind: 'failed'; reply: SaslReply | null; reason: string; mechanism: string | null }
  /** Not a frame we can even answer (malformed): close now. */
  | { kind: 'close'; reason: string };

type State = 'handshake-or-versions' | 'handshake' | 'authenticate' | 'authenticate-raw' | 'complete' | 'failed';

interface Reauthentication {
  mechanism: string;
  principal: KafkaPrincipal;
}

export class SaslAuthenticator {
  private state: State;
  private server: SaslServer | null = null;
  private mechanism: string | null = null;
  private badReauthMechanism: string | null = null;

  /** `reauth` is set when this exchange re-authenticates an authenticated connection (KIP-368). */
  constructor(
    private readonly mechanisms: ListenerSaslMechanisms,
    private readonly now: () => number,
    private readonly reauth: Reauthentication | null = null,
  ) {
    this.state = reauth ? 'handshake' : 'handshake-or-versions';
  }

  get done(): boolean {
    return this.state === 'complete' || this.state === 'failed';
  }

  private get during(): string {
    return this.reauth ? 're-authentication' : 'authentication';
  }

  onFrame(frame: Buffer): SaslStep {
    try {
      switch (this.state) {
        case 'handshake-or-versions':
        case 'handshake':
          return this.onHandshakeFrame(frame);
        case 'authenticate':
          return this.onAuthenticateRequest(frame);
        case 'authenticate-raw':
          return this.onToken(this.server!, frame, null);
        default:
          return { kind: 'close', reason: `frame received after SASL ${this.state}` };
      }
    } catch (err) {
      this.state = 'failed';
      return { kind: 'close', reason: `malformed SASL frame: ${(err as Error).message}` };
    }
  }

  private failed(reason: string, reply: SaslReply | null): SaslStep {
    this.state = 'failed';
    return { kind: 'failed', reply, reason, mechanism: this.mechanism };
  }

  private onHandshakeFrame(frame: Buffer): SaslStep {
    const { apiKey, apiVersion, correlationId } = readPreamble(frame);
    if (apiKey === API_VERSIONS_KEY && this.state === 'handshake-or-versions') {
      this.state = 'handshake';
      return { kind: 'api-versions' };
    }
    if (apiKey !== Apis.SaslHandshake.apiKey) {
      return this.failed(`Unexpected Kafka request of type ${apiName(apiKey)} during SASL handshake.`, null);
    }
    const spec = Apis.SaslHandshake;
    if (apiVersion < spec.minVersion || apiVersion > spec.maxVersion) {
      return { kind: 'close', reason: `unsupported SaslHandshake version ${apiVersion}` };
    }
    const r = new Reader(frame);
    readRequestHeader(r, requestHeaderVersion(apiKey, apiVersion, false));
    const { mechanism } = spec.request.read(r, apiVersion);
    const enabled = [...this.mechanisms.enabled];
    const reply = (errorCode: number): SaslReply => ({
      kind: 'kafka',
      spec: spec as ApiSpec<unknown, unknown>,
      body: { errorCode, mechanisms: enabled } satisfies SaslHandshakeResponse,
      version: apiVersion,
      correlationId,
    });
    if (!enabled.includes(mechanism)) {
      return this.failed(`Unsupported SASL mechanism ${mechanism}`, reply(ErrorCode.UNSUPPORTED_SASL_MECHANISM));
    }
    this.mechanism = mechanism;
    if (this.reauth && this.reauth.mechanism !== mechanism) {
      // Kafka answers the handshake, then fails the next token (REAUTH_BAD_MECHANISM).
      this.badReauthMechanism = `SASL mechanism '${mechanism}' requested by client is not supported for re-authentication of mechanism '${this.reauth.mechanism}'`;
    } else {
      this.server = this.mechanisms.create(mechanism, this.reauth !== null);
    }
    this.state = apiVersion >= 1 ? 'authenticate' : 'authenticate-raw';
    return { kind: 'continue', reply: reply(ErrorCode.NONE) };
  }

  private onAuthenticateRequest(frame: Buffer): SaslStep {
    const { apiKey, apiVersion, correlationId } = readPreamble(frame);
    const spec = Apis.SaslAuthenticate;
    if (apiKey !== spec.apiKey) {
      return this.failed(`Unexpected Kafka request of type ${apiName(apiKey)} during SASL authentication.`, null);
    }
    if (apiVersion < spec.minVersion || apiVersion > spec.maxVersion) {
      return { kind: 'close', reason: `unsupported SaslAuthenticate version ${apiVersion}` };
    }
    const r = new Reader(frame);
    readRequestHeader(r, requestHeaderVersion(apiKey, apiVersion, isFlexible(spec.request, apiVersion)));
    const { authBytes } = spec.request.read(r, apiVersion);
    if (this.badReauthMechanism !== null) {
      const message = this.badReauthMechanism;
      return this.failed(message, authenticateReply(apiVersion, correlationId, ErrorCode.SASL_AUTHENTICATION_FAILED, message, Buffer.alloc(0), 0n));
    }
    return this.onToken(this.server!, authBytes, { version: apiVersion, correlationId });
  }

  /** One client token; `kafka` is null in the raw (SaslHandshake v0) flow. */
  private onToken(server: SaslServer, token: Buffer, kafka: { version: number; correlationId: number } | null): SaslStep {
    let response: Buffer;
    let principal: KafkaPrincipal | null = null;
    try {
      response = server.evaluate(token);
      if (server.complete) {
        principal = userPrincipal(server.authorizationId());
        if (this.reauth && !samePrincipal(this.reauth.principal, principal)) {
          throw new SaslAuthenticationError(
            `Cannot change principals during re-authentication from ${this.reauth.principal.type}.${this.reauth.principal.name}: ${principal.type}.${principal.name}`,
          );
        }
      }
    } catch (err) {
      if (!(err instanceof SaslAuthenticationError)) throw err;
      const reply = kafka
        ? authenticateReply(kafka.version, kafka.correlationId, ErrorCode.SASL_AUTHENTICATION_FAILED, err.clientMessage, Buffer.alloc(0), 0n)
        : null;
      return this.failed(`${this.mechanism} ${this.during} failed: ${err.logReason}`, reply);
    }
    if (principal === null) {
      const reply: SaslReply = kafka
        ? authenticateReply(kafka.version, kafka.correlationId, ErrorCode.NONE, null, response, 0n)
        : { kind: 'raw', token: response };
      return { kind: 'continue', reply };
    }
    const expiresAt = this.sessionExpiry(server);
    this.state = 'complete';
    const lifetime = expiresAt === null ? 0n : BigInt(Math.max(0, expiresAt - this.now()));
    const reply: SaslReply = kafka
      ? authenticateReply(kafka.version, kafka.correlationId, ErrorCode.NONE, null, response, lifetime)
      : { kind: 'raw', token: response };
    return { kind: 'authenticated', reply, principal, mechanism: server.mechanism, sessionExpiresAtMs: expiresAt };
  }

  /** Kafka's session lifetime: the sooner of the credential's expiry and connections.max.reauth.ms. */
  private sessionExpiry(server: SaslServer): number | null {
    const now = this.now();
    const credential = server.credentialExpiresAtMs();
    const maxReauth = this.mechanisms.maxReauthMs(server.mechanism);
    if (credential === null && maxReauth <= 0) return null;
    if (credential === null) return now + maxReauth;
    if (maxReauth <= 0) return Math.max(now, credential);
    return Math.max(now, Math.min(credential, now + maxReauth));
  }

  describe(): string {
    return `${this.mechanism ?? 'SASL'} ${this.during}${this.reauth ? ` of ${principalToString(this.reauth.principal)}` : ''}`;
  }
}

function authenticateReply(version: number, correlationId: number, errorCode: number, errorMessage: string | null, authBytes: Buffer, sessionLifetimeMs: bigint): SaslReply {
  const body: SaslAuthenticateResponse = { errorCode, errorMessage, authBytes, sessionLifetimeMs };
  return { kind: 'kafka', spec: Apis.SaslAuthenticate as ApiSpec<unknown, unknown>, body, version, correlationId };
}

/** Kafka's ApiKeys enum name for the log line ("METADATA"), or the key number. */
function apiName(apiKey: number): string {
  const spec = Object.values(Apis).find((a) => a.apiKey === apiKey);
  if (!spec) return `api key ${apiKey}`;
  return spec.name.replace(/([a-z])([A-Z])/g, '$1_$2').toUpperCase();
}
