/**
 * TLS and SASL through real clients (issue 14): one `weir start` broker with
 * four listeners,
 *
 *   PLAINTEXT       no security (admin: topics, SCRAM users via `weir user scram set`)
 *   SSL             mutual TLS: PKCS12 keystore and truststore, ssl.client.auth=required
 *   SASL_PLAINTEXT  PLAIN (users in the listener's JAAS entry) and OAUTHBEARER (unsecured tokens)
 *   SASL_SSL        PLAIN, SCRAM-SHA-256, SCRAM-SHA-512 over TLS; a PEM keystore given as
 *                   strings with an encrypted key (KIP-651)
 *
 * kafkajs, node-rdkafka, @platformatic/kafka, kcat and the weir CLI produce
 * and read back through the listeners their users would use, and every
 * acknowledged value is read back. Wrong passwords, an unknown client
 * certificate and a mechanism the listener does not enable fail with the
 * error each client shows its user; the broker keeps serving the others.
 * Certificates are made by the test (support/certificates.ts).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { BrokerProcess, startBrokerProcess } from './support/broker-process';
import { TestCertificates, makeTestCertificates } from './support/certificates';
import { createTopic, run } from './support/roundtrip';
import { platformatic } from './support/platformatic';
import {
  kafkajsConnectError,
  kafkajsRoundTrip,
  kcatMetadata,
  kcatRoundTrip,
  rdkafkaConnectErrors,
  rdkafkaRoundTrip,
} from './support/secure-clients';

const CLI = path.resolve(__dirname, '../dist/cli/main.js');
const PLAIN_JAAS =
  'org.apache.kafka.common.security.plain.PlainLoginModule required username="admin" password="admin-secret" user_admin="admin-secret" user_alice="alice-secret";';

let certs: TestCertificates;
let broker: BrokerProcess;
let topicCount = 0;

const values = (label: string, n = 50): string[] => Array.from({ length: n }, (_, i) => `${label}-${i}`);

async function newTopic(): Promise<string> {
  const topic = `security-${++topicCount}`;
  await createTopic(broker.listeners['PLAINTEXT']!, topic, 1);
  return topic;
}

function weir(args: string[], input = ''): ReturnType<typeof run> {
  return run(process.execPath, [CLI, ...args], input, 30_000);
}

beforeAll(async () => {
  certs = makeTestCertificates();
  broker = await startBrokerProcess({
    memory: true,
    config: {
      listeners: 'PLAINTEXT://127.0.0.1:0,SSL://127.0.0.1:0,SASL_PLAINTEXT://127.0.0.1:0,SASL_SSL://127.0.0.1:0',
      'group.initial.rebalance.delay.ms': 0,
      'sasl.enabled.mechanisms': 'PLAIN,SCRAM-SHA-256,SCRAM-SHA-512',
      'listener.name.sasl_plaintext.sasl.enabled.mechanisms': 'PLAIN,OAUTHBEARER',
      'listener.name.sasl_plaintext.plain.sasl.jaas.config': PLAIN_JAAS,
      'listener.name.sasl_ssl.plain.sasl.jaas.config': PLAIN_JAAS,
      'listener.name.ssl.ssl.keystore.type': 'PKCS12',
      'listener.name.ssl.ssl.keystore.location': certs.brokerP12,
      'listener.name.ssl.ssl.keystore.password': 'keystore-pw',
      'listener.name.ssl.ssl.truststore.type': 'PKCS12',
      'listener.name.ssl.ssl.truststore.location': certs.truststoreP12,
      'listener.name.ssl.ssl.truststore.password': 'truststore-pw',
      'listener.name.ssl.ssl.client.auth': 'required',
      'ssl.principal.mapping.rules': 'RULE:^CN=([^,]+),OU=clients,.*$/$1/,DEFAULT',
      'listener.name.sasl_ssl.ssl.keystore.type': 'PEM',
      'listener.name.sasl_ssl.ssl.keystore.key': certs.brokerEncryptedKeyPem,
      'listener.name.sasl_ssl.ssl.keystore.certificate.chain': certs.broker.certPem + certs.ca.certPem,
      'listener.name.sasl_ssl.ssl.key.password': 'key-pw',
    },
  });
  expect(Object.keys(broker.listeners)).toEqual(['PLAINTEXT', 'SSL', 'SASL_PLAINTEXT', 'SASL_SSL']);
  // SCRAM users are created through the PLAINTEXT listener with the CLI.
  for (const m of ['SCRAM-SHA-256', 'SCRAM-SHA-512']) {
    const r = await weir(['user', 'scram', 'set', 'alice', '-m', m, '-i', '8192', '-b', broker.listeners['PLAINTEXT']!], 'alice-secret\n');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
  }
}, 60_000);

afterAll(async () => {
  await broker?.stop();
  certs?.remove();
});

describe('SCRAM users through the CLI', () => {
  it('lists the users with their mechanisms and iterations, never their keys', async () => {
    const r = await weir(['user', 'scram', 'list', '-b', broker.listeners['PLAINTEXT']!]);
    expect(r.code).toBe(0);
    expect(r.stdout.split('\n').filter((l) => l.startsWith('alice')).map((l) => l.split(/\s+/))).toEqual([
      ['alice', 'SCRAM-SHA-256', '8192'],
      ['alice', 'SCRAM-SHA-512', '8192'],
    ]);
  });

  it('refuses iteration counts outside Kafka’s 4096..16384 with UNACCEPTABLE_CREDENTIAL', async () => {
    const r = await weir(['user', 'scram', 'set', 'bob', '-i', '1000', '--password', 'x', '-b', broker.listeners['PLAINTEXT']!]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('UNACCEPTABLE_CREDENTIAL');
    expect(r.stderr).toContain('Too few iterations');
  });
});

describe('kafkajs', () => {
  it('SASL/PLAIN on SASL_PLAINTEXT: every acknowledged message is read back', async () => {
    const topic = await newTopic();
    const sent = values('kafkajs-plain');
    const read = await kafkajsRoundTrip(broker.listeners['SASL_PLAINTEXT']!, { sasl: { mechanism: 'plain', username: 'alice', password: 'alice-secret' } }, topic, sent);
    expect(read).toEqual(sent);
  });

  it.each(['scram-sha-256', 'scram-sha-512'] as const)('%s over SASL_SSL (TLS verified against the test CA)', async (mechanism) => {
    const topic = await newTopic();
    const sent = values(`kafkajs-${mechanism}`);
    const sasl = mechanism === 'scram-sha-256'
      ? { mechanism, username: 'alice', password: 'alice-secret' } as const
      : { mechanism, username: 'alice', password: 'alice-secret' } as const;
    const read = await kafkajsRoundTrip(broker.listeners['SASL_SSL']!, { ssl: { ca: [certs.ca.certPem] }, sasl }, topic, sent);
    expect(read).toEqual(sent);
  });

  it('a wrong PLAIN password: KafkaJSSASLAuthenticationError with Kafka’s message', async () => {
    const err = await kafkajsConnectError(broker.listeners['SASL_PLAINTEXT']!, { sasl: { mechanism: 'plain', username: 'alice', password: 'nope' } });
    expect(err?.name).toBe('KafkaJSSASLAuthenticationError');
    expect(err?.message).toBe('SASL PLAIN authentication failed: Authentication failed: Invalid username or password');
  });

  it('a wrong SCRAM password: the client learns only that the credentials were invalid', async () => {
    const err = await kafkajsConnectError(broker.listeners['SASL_SSL']!, {
      ssl: { ca: [certs.ca.certPem] },
      sasl: { mechanism: 'scram-sha-256', username: 'alice', password: 'nope' },
    });
    expect(err?.name).toBe('KafkaJSSASLAuthenticationError');
    expect(err?.message).toContain('Authentication failed during authentication due to invalid credentials with SASL mechanism SCRAM-SHA-256');
    expect(broker.output()).toContain("wrong SCRAM proof for user 'alice'");
    expect(broker.output()).not.toContain('nope');
  });

  it('a mechanism the listener does not enable: UNSUPPORTED_SASL_MECHANISM at the handshake', async () => {
    const err = await kafkajsConnectError(broker.listeners['SASL_PLAINTEXT']!, { sasl: { mechanism: 'scram-sha-256', username: 'alice', password: 'alice-secret' } });
    expect(err?.name).toBe('KafkaJSProtocolError');
    expect((err as Error & { type?: string }).type).toBe('UNSUPPORTED_SASL_MECHANISM');
    expect(err?.message).toBe('The broker does not support the requested SASL mechanism');
  });
});

describe('node-rdkafka', () => {
  it('SASL_SSL with SCRAM-SHA-512: every acknowledged message is read back', async () => {
    const topic = await newTopic();
    const sent = values('rdkafka-scram');
    const read = await rdkafkaRoundTrip(
      broker.listeners['SASL_SSL']!,
      { 'security.protocol': 'sasl_ssl', 'ssl.ca.location': certs.ca.cert, 'sasl.mechanisms': 'SCRAM-SHA-512', 'sasl.username': 'alice', 'sasl.password': 'alice-secret' },
      topic,
      sent,
    );
    expect(read).toEqual(sent);
  });

  it('mutual TLS on the SSL listener with a client certificate from the trusted CA', async () => {
    const topic = await newTopic();
    const sent = values('rdkafka-mtls');
    const read = await rdkafkaRoundTrip(
      broker.listeners['SSL']!,
      { 'security.protocol': 'ssl', 'ssl.ca.location': certs.ca.cert, 'ssl.certificate.location': certs.alice.cert, 'ssl.key.location': certs.alice.key },
      topic,
      sent,
    );
    expect(read).toEqual(sent);
  });

  it('a client certificate from an unknown CA fails the TLS handshake, one broker log line', async () => {
    const before = broker.output().split('TLS handshake failed').length;
    const errors = await rdkafkaConnectErrors(broker.listeners['SSL']!, {
      'security.protocol': 'ssl',
      'ssl.ca.location': certs.ca.cert,
      'ssl.certificate.location': certs.rogue.cert,
      'ssl.key.location': certs.rogue.key,
    });
    // TLS 1.3: the broker's refusal arrives as an alert once the handshake is over.
    expect(errors.join(' | ')).toMatch(/SSL alert number 116|SSL handshake failed/);
    expect(broker.output().split('TLS handshake failed').length).toBeGreaterThan(before);
  });

  it('a wrong SCRAM password: librdkafka reports a SASL authentication error', async () => {
    const errors = await rdkafkaConnectErrors(broker.listeners['SASL_SSL']!, {
      'security.protocol': 'sasl_ssl',
      'ssl.ca.location': certs.ca.cert,
      'sasl.mechanisms': 'SCRAM-SHA-512',
      'sasl.username': 'alice',
      'sasl.password': 'nope',
    });
    expect(errors.join(' | ')).toContain('SASL authentication error: Authentication failed during authentication due to invalid credentials with SASL mechanism SCRAM-SHA-512');
  });
});

describe('@platformatic/kafka', () => {
  it('SASL/PLAIN on SASL_PLAINTEXT: every acknowledged message is read back', async () => {
    const topic = await newTopic();
    const sasl = { mechanism: 'PLAIN' as const, username: 'alice', password: 'alice-secret' };
    const bootstrap = broker.listeners['SASL_PLAINTEXT']!;
    const sent = values('platformatic');
    const produced = await platformatic({
      op: 'produce',
      bootstrap,
      topic,
      codec: 'none',
      sasl,
      messages: sent.map((v) => ({ key: v, value: v, headers: [], timestamp: Date.now(), partition: 0 })),
    });
    expect(produced).toEqual({ ok: true });
    const read = await platformatic({ op: 'read', bootstrap, topic, sasl, starts: [{ partition: 0, offset: 0 }] });
    expect(read.ok && read.records!.map((r) => r.value)).toEqual(sent);
  });

  it('a wrong password fails with PLT_KFK_AUTHENTICATION', async () => {
    const answer = await platformatic({
      op: 'read',
      bootstrap: broker.listeners['SASL_PLAINTEXT']!,
      topic: 'security-1',
      sasl: { mechanism: 'PLAIN', username: 'alice', password: 'nope' },
      starts: [{ partition: 0, offset: 0 }],
    });
    expect(answer.ok).toBe(false);
    expect(!answer.ok && answer.error).toContain('Error[PLT_KFK_AUTHENTICATION]: SASL authentication failed.');
  });
});

describe('kcat (-X security.protocol=...)', () => {
  const settingsFor = (listener: string): Record<string, string> => {
    switch (listener) {
      case 'PLAINTEXT':
        return {};
      case 'SSL':
        return { 'security.protocol': 'ssl', 'ssl.ca.location': certs.ca.cert, 'ssl.certificate.location': certs.alice.cert, 'ssl.key.location': certs.alice.key };
      case 'SASL_PLAINTEXT':
        return { 'security.protocol': 'sasl_plaintext', 'sasl.mechanisms': 'PLAIN', 'sasl.username': 'alice', 'sasl.password': 'alice-secret' };
      default:
        return { 'security.protocol': 'sasl_ssl', 'ssl.ca.location': certs.ca.cert, 'sasl.mechanisms': 'SCRAM-SHA-256', 'sasl.username': 'alice', 'sasl.password': 'alice-secret' };
    }
  };

  it.each(['PLAINTEXT', 'SSL', 'SASL_PLAINTEXT', 'SASL_SSL'])('produces and consumes through %s', async (listener) => {
    const topic = await newTopic();
    const sent = values(`kcat-${listener}`, 20);
    expect(await kcatRoundTrip(broker.listeners[listener]!, settingsFor(listener), topic, sent)).toEqual(sent);
  });

  it('OAUTHBEARER with librdkafka’s unsecured JWT on SASL_PLAINTEXT', async () => {
    const r = await kcatMetadata(broker.listeners['SASL_PLAINTEXT']!, {
      'security.protocol': 'sasl_plaintext',
      'sasl.mechanisms': 'OAUTHBEARER',
      'enable.sasl.oauthbearer.unsecure.jwt': 'true',
      'sasl.oauthbearer.config': 'principal=alice',
    });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
  });

  it('a wrong password makes kcat fail with the broker’s reason', async () => {
    const r = await kcatMetadata(broker.listeners['SASL_PLAINTEXT']!, { ...settingsFor('SASL_PLAINTEXT'), 'sasl.password': 'nope' });
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('Invalid username or password');
  });

  it('a mechanism the listener does not enable makes kcat fail naming what it offers', async () => {
    const r = await kcatMetadata(broker.listeners['SASL_PLAINTEXT']!, { ...settingsFor('SASL_PLAINTEXT'), 'sasl.mechanisms': 'SCRAM-SHA-512' });
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/SCRAM-SHA-512.*not supported|PLAIN,OAUTHBEARER/);
  });
});

describe('weir CLI --command-config', () => {
  const writeConfig = (name: string, lines: string[]): string => {
    const file = path.join(certs.dir, name);
    fs.writeFileSync(file, lines.join('\n') + '\n');
    return file;
  };

  it('produces and consumes over SASL_SSL with SCRAM-SHA-512 (Kafka client properties)', async () => {
    const topic = await newTopic();
    const config = writeConfig('scram.properties', [
      'security.protocol=SASL_SSL',
      'sasl.mechanism=SCRAM-SHA-512',
      'sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username="alice" password="alice-secret";',
      'ssl.truststore.type=PKCS12',
      `ssl.truststore.location=${certs.truststoreP12}`,
      'ssl.truststore.password=truststore-pw',
    ]);
    const bootstrap = broker.listeners['SASL_SSL']!;
    const p = await weir(['produce', topic, '-b', bootstrap, '--command-config', config], 'one\ntwo\nthree\n');
    expect(p.stderr).toBe(`produced 3 messages to ${topic}\n`);
    expect(p.code).toBe(0);
    const c = await weir(['consume', topic, '-b', bootstrap, '--command-config', config, '--from-beginning']);
    expect(c.stderr).toBe('');
    expect(c.stdout.split('\n').filter((l) => l !== '')).toEqual(['one', 'two', 'three']);
  });

  it('OAUTHBEARER with Kafka’s unsecured tokens on SASL_PLAINTEXT', async () => {
    const topic = await newTopic();
    const config = writeConfig('oauth.properties', [
      'security.protocol=SASL_PLAINTEXT',
      'sasl.mechanism=OAUTHBEARER',
      'sasl.jaas.config=org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginModule required unsecuredLoginStringClaim_sub="alice";',
    ]);
    const r = await weir(['topic', 'list', '-b', broker.listeners['SASL_PLAINTEXT']!, '--command-config', config]);
    expect(r.stderr).toBe('');
    expect(r.stdout).toContain(topic);
  });

  it('mutual TLS with a PEM client certificate (librdkafka property names)', async () => {
    const topic = await newTopic();
    const config = writeConfig('mtls.properties', [
      'security.protocol=SSL',
      `ssl.ca.location=${certs.ca.cert}`,
      `ssl.certificate.location=${certs.alice.cert}`,
      `ssl.key.location=${certs.alice.key}`,
    ]);
    const r = await weir(['topic', 'list', '-b', broker.listeners['SSL']!, '--command-config', config]);
    expect(r.stderr).toBe('');
    expect(r.stdout).toContain(topic);
  });

  it('a wrong password is reported with the broker’s message and a non-zero exit', async () => {
    const config = writeConfig('bad.properties', ['security.protocol=SASL_PLAINTEXT', 'sasl.mechanism=PLAIN', 'sasl.username=alice', 'sasl.password=nope']);
    const r = await weir(['topic', 'list', '-b', broker.listeners['SASL_PLAINTEXT']!, '--command-config', config]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('SASL_AUTHENTICATION_FAILED (Authentication failed: Invalid username or password)');
  });
});

describe('after all of the failures above', () => {
  it('the broker still serves every listener', async () => {
    for (const listener of ['PLAINTEXT', 'SSL', 'SASL_PLAINTEXT', 'SASL_SSL']) {
      const r = await kcatMetadata(broker.listeners[listener]!, listener === 'PLAINTEXT' ? {} : {
        SSL: { 'security.protocol': 'ssl', 'ssl.ca.location': certs.ca.cert, 'ssl.certificate.location': certs.alice.cert, 'ssl.key.location': certs.alice.key },
        SASL_PLAINTEXT: { 'security.protocol': 'sasl_plaintext', 'sasl.mechanisms': 'PLAIN', 'sasl.username': 'admin', 'sasl.password': 'admin-secret' },
        SASL_SSL: { 'security.protocol': 'sasl_ssl', 'ssl.ca.location': certs.ca.cert, 'sasl.mechanisms': 'SCRAM-SHA-512', 'sasl.username': 'alice', 'sasl.password': 'alice-secret' },
      }[listener]!);
      expect(r.code).toBe(0);
      // Metadata names the listener the client came in on.
      expect(r.stdout).toContain(`at ${broker.listeners[listener]}`);
    }
  });
});
