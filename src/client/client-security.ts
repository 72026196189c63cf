/**
 * Security for Weir's own client (the `weir` CLI), from Kafka client
 * properties as a Java client's `--command-config` file or librdkafka's
 * `-X` settings name them:
 *
 *   security.protocol=SASL_SSL
 *   sasl.mechanism=SCRAM-SHA-256
 *   sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username="alice" password="...";
 *   sasl.username / sasl.password                     (librdkafka's names, instead of the JAAS entry)
 *   ssl.truststore.location / .type / .password / ssl.truststore.certificates, ssl.ca.location
 *   ssl.keystore.location / .type / .password, ssl.key.password, ssl.keystore.key / .certificate.chain,
 *   ssl.certificate.location + ssl.key.location       (client certificate, librdkafka's names)
 *   ssl.endpoint.identification.algorithm=            (empty: do not check the broker's host name)
 *   enable.ssl.certificate.verification=false         (librdkafka: do not verify the broker at all)
 *
 * OAUTHBEARER uses Kafka's unsecured login (OAuthBearerLoginModule with
 * unsecuredLoginStringClaim_sub): an unsigned token, for development brokers.
 */
import * as fs from 'node:fs';
import type { ConnectionOptions } from 'node:tls';
import { keystoreOptions, truststoreCertificates } from '../network/tls/keystores';
import { parseSingleJaasEntry } from '../security/sasl/jaas-config';
import { SECURITY_PROTOCOLS, type SecurityProtocol, usesSasl, usesTls } from '../security/security-protocol';

export type ClientSasl =
  | { mechanism: 'PLAIN' | 'SCRAM-SHA-256' | 'SCRAM-SHA-512'; username: string; password: string }
  | { mechanism: 'OAUTHBEARER'; token: string };

export interface ClientSecurity {
  protocol: SecurityProtocol;
  /** node:tls options for SSL and SASL_SSL. */
  tls: ConnectionOptions | null;
  sasl: ClientSasl | null;
}

export const PLAINTEXT_CLIENT: ClientSecurity = { protocol: 'PLAINTEXT', tls: null, sasl: null };

const MECHANISMS = ['PLAIN', 'SCRAM-SHA-256', 'SCRAM-SHA-512', 'OAUTHBEARER'] as const;

export function clientSecurityFromProperties(props: ReadonlyMap<string, string>, now: () => number = Date.now): ClientSecurity {
  const get = (k: string): string | null => {
    const v = props.get(k);
    return v === undefined ? null : v;
  };
  const protocol = (get('security.protocol') ?? 'PLAINTEXT').toUpperCase();
  if (!(SECURITY_PROTOCOLS as readonly string[]).includes(protocol)) {
    throw new Error(`security.protocol=${protocol} is not one of ${SECURITY_PROTOCOLS.join(', ')}`);
  }
  const p = protocol as SecurityProtocol;
  return { protocol: p, tls: usesTls(p) ? tlsOptions(get) : null, sasl: usesSasl(p) ? saslSettings(get, now) : null };
}

function tlsOptions(get: (k: string) => string | null): ConnectionOptions {
  const opts: ConnectionOptions = {};
  const caLocation = get('ssl.ca.location');
  const ca = caLocation !== null
    ? [fs.readFileSync(caLocation, 'utf8')]
    : truststoreCertificates({
        type: get('ssl.truststore.type') ?? (get('ssl.truststore.certificates') !== null ? 'PEM' : 'JKS'),
        location: get('ssl.truststore.location'),
        password: get('ssl.truststore.password'),
        certificates: get('ssl.truststore.certificates'),
      });
  if (ca !== null) opts.ca = ca;
  const certLocation = get('ssl.certificate.location');
  const keyLocation = get('ssl.key.location');
  if (certLocation !== null || keyLocation !== null) {
    if (certLocation === null || keyLocation === null) throw new Error('ssl.certificate.location and ssl.key.location must be set together');
    opts.cert = fs.readFileSync(certLocation, 'utf8');
    opts.key = fs.readFileSync(keyLocation, 'utf8');
    if (get('ssl.key.password') !== null) opts.passphrase = get('ssl.key.password')!;
  } else if (get('ssl.keystore.location') !== null || get('ssl.keystore.key') !== null) {
    Object.assign(
      opts,
      keystoreOptions({
        type: get('ssl.keystore.type') ?? (get('ssl.keystore.key') !== null ? 'PEM' : 'JKS'),
        location: get('ssl.keystore.location'),
        password: get('ssl.keystore.password'),
        keyPassword: get('ssl.key.password'),
        key: get('ssl.keystore.key'),
        certificateChain: get('ssl.keystore.certificate.chain'),
      }),
    );
  }
  if ((get('enable.ssl.certificate.verification') ?? 'true').toLowerCase() === 'false') opts.rejectUnauthorized = false;
  const identification = get('ssl.endpoint.identification.algorithm') ?? 'https';
  if (identification.trim() === '' || identification.toLowerCase() === 'none') opts.checkServerIdentity = () => undefined;
  return opts;
}

function saslSettings(get: (k: string) => string | null, now: () => number): ClientSasl {
  const mechanism = (get('sasl.mechanism') ?? get('sasl.mechanisms') ?? 'GSSAPI').toUpperCase();
  if (!(MECHANISMS as readonly string[]).includes(mechanism)) {
    throw new Error(`sasl.mechanism=${mechanism} is not supported by the weir client (one of ${MECHANISMS.join(', ')})`);
  }
  const jaasText = get('sasl.jaas.config');
  const jaas = jaasText !== null ? parseSingleJaasEntry(jaasText, 'sasl.jaas.config').options : new Map<string, string>();
  if (mechanism === 'OAUTHBEARER') {
    const sub = jaas.get('unsecuredLoginStringClaim_sub') ?? get('sasl.username');
    if (sub === undefined || sub === null) throw new Error('OAUTHBEARER needs unsecuredLoginStringClaim_sub in sasl.jaas.config');
    const lifetime = Number(jaas.get('unsecuredLoginLifetimeSeconds') ?? 3600);
    return { mechanism, token: unsecuredToken(sub, now(), lifetime) };
  }
  const username = jaas.get('username') ?? get('sasl.username');
  const password = jaas.get('password') ?? get('sasl.password');
  if (username === undefined || username === null || password === undefined || password === null) {
    throw new Error(`sasl.mechanism=${mechanism} needs a username and password: sasl.jaas.config with username="..." password="...", or sasl.username and sasl.password`);
  }
  return { mechanism: mechanism as 'PLAIN' | 'SCRAM-SHA-256' | 'SCRAM-SHA-512', username, password };
}

/** An unsigned JWS as Kafka's OAuthBearerUnsecuredLoginCallbackHandler makes it. */
export function unsecuredToken(sub: string, nowMs: number, lifetimeSeconds: number): string {
  const b64 = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
  const iat = nowMs / 1000;
  return `${b64({ alg: 'none' })}.${b64({ sub, iat, exp: iat + lifetimeSeconds })}.`;
}
