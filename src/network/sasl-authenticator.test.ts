import { BrokerConfig, resolveBrokerConfig } from '../config';
import { Apis } from '../protocol/apis';
import { ErrorCode } from '../protocol/errors';
import { encodeMessageToBuffer } from '../protocol/message-io';
import { RequestHeaderCodec, type SaslAuthenticateResponse, type SaslHandshakeResponse } from '../protocol/messages';
import { isFlexible } from '../protocol/primitives/codec-support';
import { userPrincipal } from '../security/principal';
import { listenerSaslMechanisms } from '../security/sasl/listener-mechanisms';
import { ScramClient } from '../security/sasl/scram-client';
import { ImageScramCredentials } from '../security/scram/credential-store';
import { SCRAM_SHA_256, SCRAM_SHA_512, credentialFromSaltedPassword, saltedPassword } from '../security/scram/scram-mechanism';
import { requestHeaderVersion } from './request-header';
import { SaslAuthenticator, type SaslReply, type SaslStep } from './sasl-authenticator';

const PLAIN_JAAS = 'org.apache.kafka.common.security.plain.PlainLoginModule required user_alice="alice-secret" user_bob="bob-secret";';

function config(extra: Record<string, string> = {}): BrokerConfig {
  const r = resolveBrokerConfig({
    static: {
      listeners: 'SASL_PLAINTEXT://127.0.0.1:0',
      'sasl.enabled.mechanisms': 'PLAIN,SCRAM-SHA-256,SCRAM-SHA-512,OAUTHBEARER',
      'listener.name.sasl_plaintext.plain.sasl.jaas.config': PLAIN_JAAS,
      ...extra,
    },
  });
  expect(r.errors).toEqual([]);
  return r.config;
}

// alice's credentials as the metadata image holds them (mechanism type -> credential).
const aliceCredentials = new Map(
  [SCRAM_SHA_256, SCRAM_SHA_512].map((m) => {
    const salt = Buffer.from(`salt-${m.name}`);
    return [m.type, credentialFromSaltedPassword(m, salt, saltedPassword(m, 'alice-secret', salt, 4096), 4096)] as const;
  }),
);
const store = new ImageScramCredentials(() => new Map([['alice', aliceCredentials]]));

let clock = 1_000_000;
const now = () => clock;

function authenticator(extra: Record<string, string> = {}, reauth: ConstructorParameters<typeof SaslAuthenticator>[2] = null): SaslAuthenticator {
  return new SaslAuthenticator(listenerSaslMechanisms(config(extra), 'SASL_PLAINTEXT', store, now), now, reauth);
}

function request(api: { apiKey: number; request: typeof Apis.SaslHandshake.request | typeof Apis.SaslAuthenticate.request | typeof Apis.Metadata.request }, version: number, body: unknown, correlationId = 7): Buffer {
  const flexible = isFlexible(api.request, version);
  const header = encodeMessageToBuffer(
    RequestHeaderCodec,
    { requestApiKey: api.apiKey, requestApiVersion: version, correlationId, clientId: 'test' },
    requestHeaderVersion(api.apiKey, version, flexible),
  );
  return Buffer.concat([header, encodeMessageToBuffer(api.request as typeof Apis.SaslHandshake.request, body as never, version)]);
}

const handshake = (mechanism: string, version = 1) => request(Apis.SaslHandshake, version, { mechanism });
const authenticate = (authBytes: Buffer, version = 1) => request(Apis.SaslAuthenticate, version, { authBytes });

function kafkaBody<T>(reply: SaslReply | null): T {
  if (reply === null || reply.kind !== 'kafka') throw new Error(`expected a Kafka response, got ${JSON.stringify(reply)}`);
  return reply.body as T;
}

function tokenOf(step: SaslStep): Buffer {
  if (step.kind !== 'continue' && step.kind !== 'authenticated') throw new Error(`expected a token, got ${step.kind}: ${JSON.stringify(step)}`);
  return kafkaBody<SaslAuthenticateResponse>(step.reply).authBytes;
}

describe('SaslAuthenticator', () => {
  test('ApiVersions is served before the handshake, once', () => {
    const a = authenticator();
    const apiVersions = Buffer.alloc(8);
    apiVersions.writeInt16BE(18, 0);
    expect(a.onFrame(apiVersions)).toEqual({ kind: 'api-versions' });
    const again = a.onFrame(apiVersions);
    expect(again).toMatchObject({ kind: 'failed', reason: 'Unexpected Kafka request of type API_VERSIONS during SASL handshake.' });
  });

  test('any other request before authentication fails it, with no response (Kafka closes)', () => {
    const step = authenticator().onFrame(request(Apis.Metadata, 1, { topics: null, allowAutoTopicCreation: true, includeClusterAuthorizedOperations: false, includeTopicAuthorizedOperations: false }));
    expect(step).toEqual({ kind: 'failed', reply: null, reason: 'Unexpected Kafka request of type METADATA during SASL handshake.', mechanism: null });
  });

  test('PLAIN: the handshake lists the enabled mechanisms, the token authenticates', () => {
    const a = authenticator();
    const hs = a.onFrame(handshake('PLAIN'));
    expect(hs.kind).toBe('continue');
    expect(kafkaBody<SaslHandshakeResponse>((hs as { reply: SaslReply }).reply)).toEqual({
      errorCode: ErrorCode.NONE,
      mechanisms: ['PLAIN', 'SCRAM-SHA-256', 'SCRAM-SHA-512', 'OAUTHBEARER'],
    });
    const done = a.onFrame(authenticate(Buffer.from('\0alice\0alice-secret')));
    expect(done).toMatchObject({ kind: 'authenticated', principal: userPrincipal('alice'), mechanism: 'PLAIN', sessionExpiresAtMs: null });
    expect(a.done).toBe(true);
  });

  test('PLAIN with a wrong password: SASL_AUTHENTICATION_FAILED with Kafka’s message; the log reason names no password', () => {
    const a = authenticator();
    a.onFrame(handshake('PLAIN'));
    const step = a.onFrame(authenticate(Buffer.from('\0alice\0wrong')));
    expect(step.kind).toBe('failed');
    const s = step as Extract<SaslStep, { kind: 'failed' }>;
    expect(kafkaBody<SaslAuthenticateResponse>(s.reply)).toMatchObject({
      errorCode: ErrorCode.SASL_AUTHENTICATION_FAILED,
      errorMessage: 'Authentication failed: Invalid username or password',
    });
    expect(s.reason).toBe("PLAIN authentication failed: wrong password for user 'alice'");
    expect(s.reason).not.toContain('wrong\0');
  });

  test('an unknown mechanism: UNSUPPORTED_SASL_MECHANISM with the enabled list, then failure', () => {
    const step = authenticator().onFrame(handshake('GSSAPI'));
    expect(step.kind).toBe('failed');
    expect(kafkaBody<SaslHandshakeResponse>((step as { reply: SaslReply }).reply).errorCode).toBe(ErrorCode.UNSUPPORTED_SASL_MECHANISM);
  });

  test('SaslHandshake v0: the raw-token flow (kafka-python), answered with raw size-prefixed tokens', () => {
    const a = authenticator();
    expect(a.onFrame(handshake('PLAIN', 0)).kind).toBe('continue');
    const step = a.onFrame(Buffer.from('\0bob\0bob-secret'));
    expect(step).toMatchObject({ kind: 'authenticated', principal: userPrincipal('bob'), reply: { kind: 'raw', token: Buffer.alloc(0) } });
  });

  test('SaslHandshake v0 then a wrong raw token: failure without a response (Kafka just closes)', () => {
    const a = authenticator();
    a.onFrame(handshake('PLAIN', 0));
    expect(a.onFrame(Buffer.from('\0bob\0nope'))).toMatchObject({ kind: 'failed', reply: null });
  });

  test.each([
    ['SCRAM-SHA-256', SCRAM_SHA_256],
    ['SCRAM-SHA-512', SCRAM_SHA_512],
  ] as const)('%s: the full RFC 5802 exchange, the server proves itself to the client', (name, m) => {
    const a = authenticator();
    a.onFrame(handshake(name));
    const client = new ScramClient(m, 'alice', 'alice-secret');
    const serverFirst = tokenOf(a.onFrame(authenticate(client.clientFirst())));
    const final = a.onFrame(authenticate(client.clientFinal(serverFirst)));
    expect(final).toMatchObject({ kind: 'authenticated', principal: userPrincipal('alice'), mechanism: name });
    expect(() => client.verifyServerFinal(tokenOf(final))).not.toThrow();
  });

  test('SCRAM: a wrong password and an unknown user fail alike for the client, differently in the log', () => {
    const wrong = authenticator();
    wrong.onFrame(handshake('SCRAM-SHA-256'));
    const c1 = new ScramClient(SCRAM_SHA_256, 'alice', 'nope');
    const first = tokenOf(wrong.onFrame(authenticate(c1.clientFirst())));
    const f1 = wrong.onFrame(authenticate(c1.clientFinal(first))) as Extract<SaslStep, { kind: 'failed' }>;

    const unknown = authenticator();
    unknown.onFrame(handshake('SCRAM-SHA-256'));
    const f2 = unknown.onFrame(authenticate(new ScramClient(SCRAM_SHA_256, 'mallory', 'x').clientFirst())) as Extract<SaslStep, { kind: 'failed' }>;

    const message = 'Authentication failed during authentication due to invalid credentials with SASL mechanism SCRAM-SHA-256';
    expect(kafkaBody<SaslAuthenticateResponse>(f1.reply).errorMessage).toBe(message);
    expect(kafkaBody<SaslAuthenticateResponse>(f2.reply).errorMessage).toBe(message);
    expect(f1.reason).toContain("wrong SCRAM proof for user 'alice'");
    expect(f2.reason).toContain("unknown user 'mallory'");
  });

  test('SCRAM: a client-final with a foreign nonce fails', () => {
    const a = authenticator();
    a.onFrame(handshake('SCRAM-SHA-256'));
    a.onFrame(authenticate(new ScramClient(SCRAM_SHA_256, 'alice', 'alice-secret', 'abc').clientFirst()));
    const step = a.onFrame(authenticate(Buffer.from('c=biws,r=somethingelse,p=AAAA')));
    expect(step).toMatchObject({ kind: 'failed', reason: expect.stringContaining('invalid client nonce') });
  });

  test('another request in the middle of the exchange: ILLEGAL state, failure', () => {
    const a = authenticator();
    a.onFrame(handshake('PLAIN'));
    expect(a.onFrame(handshake('PLAIN'))).toMatchObject({ kind: 'failed', reason: 'Unexpected Kafka request of type SASL_HANDSHAKE during SASL authentication.' });
  });

  test('connections.max.reauth.ms bounds the session; v1+ responses carry its lifetime', () => {
    const a = authenticator({ 'connections.max.reauth.ms': '60000' });
    a.onFrame(handshake('PLAIN'));
    const done = a.onFrame(authenticate(Buffer.from('\0alice\0alice-secret'))) as Extract<SaslStep, { kind: 'authenticated' }>;
    expect(done.sessionExpiresAtMs).toBe(clock + 60_000);
    expect(kafkaBody<SaslAuthenticateResponse>(done.reply).sessionLifetimeMs).toBe(60_000n);
  });

  test('a per-mechanism connections.max.reauth.ms wins over the listener’s', () => {
    const a = authenticator({ 'connections.max.reauth.ms': '60000', 'listener.name.sasl_plaintext.plain.connections.max.reauth.ms': '5000' });
    a.onFrame(handshake('PLAIN'));
    expect(a.onFrame(authenticate(Buffer.from('\0alice\0alice-secret')))).toMatchObject({ sessionExpiresAtMs: clock + 5000 });
  });

  test('re-authentication must keep the mechanism and the principal', () => {
    const other = authenticator({}, { mechanism: 'SCRAM-SHA-256', principal: userPrincipal('alice') });
    expect(other.onFrame(handshake('PLAIN')).kind).toBe('continue');
    expect(other.onFrame(authenticate(Buffer.from('\0alice\0alice-secret')))).toMatchObject({
      kind: 'failed',
      reason: "SASL mechanism 'PLAIN' requested by client is not supported for re-authentication of mechanism 'SCRAM-SHA-256'",
    });

    const someoneElse = authenticator({}, { mechanism: 'PLAIN', principal: userPrincipal('alice') });
    someoneElse.onFrame(handshake('PLAIN'));
    const step = someoneElse.onFrame(authenticate(Buffer.from('\0bob\0bob-secret')));
    expect(kafkaBody<SaslAuthenticateResponse>((step as { reply: SaslReply }).reply).errorMessage).toBe(
      'Cannot change principals during re-authentication from User.alice: User.bob',
    );

    const same = authenticator({}, { mechanism: 'PLAIN', principal: userPrincipal('alice') });
    same.onFrame(handshake('PLAIN'));
    expect(same.onFrame(authenticate(Buffer.from('\0alice\0alice-secret'))).kind).toBe('authenticated');
  });

  describe('OAUTHBEARER (unsecured tokens)', () => {
    const b64 = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
    const token = (claims: object) => `${b64({ alg: 'none' })}.${b64(claims)}.`;
    const initial = (t: string) => Buffer.from(`n,,\u0001auth=Bearer ${t}\u0001\u0001`);

    test('a valid token authenticates its subject; its expiry ends the session', () => {
      const a = authenticator();
      a.onFrame(handshake('OAUTHBEARER'));
      const exp = clock / 1000 + 30;
      expect(a.onFrame(authenticate(initial(token({ sub: 'carol', exp, iat: clock / 1000 }))))).toMatchObject({
        kind: 'authenticated',
        principal: userPrincipal('carol'),
        sessionExpiresAtMs: exp * 1000,
      });
    });

    test('an expired token: the JSON error challenge, then failure with it once the client acknowledges', () => {
      const a = authenticator();
      a.onFrame(handshake('OAUTHBEARER'));
      const challenge = tokenOf(a.onFrame(authenticate(initial(token({ sub: 'carol', exp: clock / 1000 - 1 })))));
      expect(challenge.toString()).toBe('{"status":"invalid_token"}');
      const step = a.onFrame(authenticate(Buffer.from([1])));
      expect(kafkaBody<SaslAuthenticateResponse>((step as { reply: SaslReply }).reply).errorMessage).toBe('{"status":"invalid_token"}');
      expect((step as { reason: string }).reason).toContain('was on or after the Expiration Time');
    });

    test('a signed token is not an unsecured one', () => {
      const a = authenticator();
      a.onFrame(handshake('OAUTHBEARER'));
      const t = `${b64({ alg: 'HS256' })}.${b64({ sub: 'x', exp: clock / 1000 + 60 })}.c2ln`;
      expect(tokenOf(a.onFrame(authenticate(initial(t)))).toString()).toBe('{"status":"invalid_token"}');
    });

    test('a missing required scope is insufficient_scope', () => {
      const a = authenticator({
        'listener.name.sasl_plaintext.oauthbearer.sasl.jaas.config':
          'org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginModule required unsecuredValidatorRequiredScope="kafka";',
      });
      a.onFrame(handshake('OAUTHBEARER'));
      const challenge = tokenOf(a.onFrame(authenticate(initial(token({ sub: 'carol', exp: clock / 1000 + 60, scope: 'other' })))));
      expect(JSON.parse(challenge.toString())).toEqual({ status: 'insufficient_scope', scope: 'kafka' });
    });
  });

  test('mechanisms Weir cannot serve are refused at start-up with a reason', () => {
    expect(() => listenerSaslMechanisms(config({ 'sasl.enabled.mechanisms': 'GSSAPI' }), 'SASL_PLAINTEXT', store, now)).toThrow(/GSSAPI \(Kerberos\) is not supported/);
    expect(() =>
      listenerSaslMechanisms(config({ 'listener.name.sasl_plaintext.plain.sasl.jaas.config': 'x' }), 'OTHER', store, now),
    ).toThrow(/listener.name.other.plain.sasl.jaas.config is not set/);
  });
});
