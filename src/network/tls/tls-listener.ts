/**
 * The TLS side of one SSL or SASL_SSL listener: node:tls server options from
 * Kafka's ssl.* settings, and the principal a client certificate maps to.
 *
 * ssl.client.auth: `required` makes a client certificate mandatory (and
 * verified against the truststore); `requested` asks for one, refuses an
 * invalid one, and lets a client without one in as User:ANONYMOUS; `none`
 * asks for nothing. ssl.enabled.protocols bounds the TLS versions (Node
 * takes a min and a max, so a gap in the list is not expressible).
 * ssl.cipher.suites are OpenSSL cipher names (TLS 1.3 suites by their IANA
 * names, e.g. TLS_AES_128_GCM_SHA256, which OpenSSL uses too).
 */
import type { X509Certificate } from 'node:crypto';
import type { TlsOptions } from 'node:tls';
import { ANONYMOUS, type KafkaPrincipal, userPrincipal } from '../../security/principal';
import { SslPrincipalMapper } from '../../security/ssl-principal-mapper';
import { subjectDistinguishedName } from './distinguished-name';
import { KeystoreSettings, TruststoreSettings, keystoreOptions, truststoreCertificates } from './keystores';

export type ClientAuth = 'none' | 'requested' | 'required';

export interface TlsSettings {
  keystore: KeystoreSettings;
  truststore: TruststoreSettings;
  clientAuth: ClientAuth;
  enabledProtocols: readonly string[];
  cipherSuites: readonly string[];
  principalMappingRules: string;
  /** The TLS handshake must finish within this (connections.max.idle.ms). */
  handshakeTimeoutMs: number;
}

export interface TlsListener {
  readonly serverOptions: TlsOptions;
  readonly clientAuth: ClientAuth;
  /** The principal of a client that presented `cert` (already verified), or ANONYMOUS without one. Throws when no mapping rule applies. */
  principalFor(cert: X509Certificate | undefined): KafkaPrincipal;
}

const TLS_VERSIONS = ['TLSv1', 'TLSv1.1', 'TLSv1.2', 'TLSv1.3'] as const;
type TlsVersion = (typeof TLS_VERSIONS)[number];

export function tlsListener(s: TlsSettings): TlsListener {
  const versions = s.enabledProtocols
    .map((p) => TLS_VERSIONS.indexOf(p as TlsVersion))
    .filter((i) => i >= 0)
    .sort((a, b) => a - b);
  if (versions.length === 0) throw new Error(`ssl.enabled.protocols: none of ${s.enabledProtocols.join(', ')} is a TLS version Weir serves (${TLS_VERSIONS.join(', ')})`);
  const ca = truststoreCertificates(s.truststore);
  const mapper = new SslPrincipalMapper(s.principalMappingRules);
  const serverOptions: TlsOptions = {
    ...keystoreOptions(s.keystore),
    ...(ca !== null ? { ca } : {}),
    minVersion: TLS_VERSIONS[versions[0]!],
    maxVersion: TLS_VERSIONS[versions[versions.length - 1]!],
    ...(s.cipherSuites.length > 0 ? { ciphers: s.cipherSuites.join(':') } : {}),
    requestCert: s.clientAuth !== 'none',
    rejectUnauthorized: s.clientAuth === 'required',
    handshakeTimeout: s.handshakeTimeoutMs,
  };
  return {
    serverOptions,
    clientAuth: s.clientAuth,
    principalFor(cert) {
      if (cert === undefined || s.clientAuth === 'none') return ANONYMOUS;
      return userPrincipal(mapper.principalName(subjectDistinguishedName(cert)));
    },
  };
}
