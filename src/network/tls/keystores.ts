/**
 * Kafka's keystore and truststore settings turned into node:tls options:
 *
 * - PEM (KIP-651): `ssl.keystore.type=PEM` with either `ssl.keystore.location`
 *   (one file holding the private key and the certificate chain) or the
 *   strings `ssl.keystore.key` + `ssl.keystore.certificate.chain`; an
 *   encrypted key is opened with `ssl.key.password`. Truststores likewise:
 *   `ssl.truststore.location` or `ssl.truststore.certificates`.
 * - PKCS12: `ssl.keystore.location` + `ssl.keystore.password` (Node loads
 *   it natively); a PKCS12 truststore holds certificates without a key, which
 *   Node cannot load, so node-forge reads its certificates.
 * - JKS (Kafka's default type): Java's own format, which Node cannot read. A
 *   file that is really PKCS12 (keytool's default since Java 9) is accepted;
 *   a real JKS file is refused with the keytool command that converts it.
 */
import * as fs from 'node:fs';
import type { SecureContextOptions } from 'node:tls';
import type forgeModule from 'node-forge';

export interface KeystoreSettings {
  type: string;
  location: string | null;
  password: string | null;
  keyPassword: string | null;
  /** PEM strings (KIP-651). */
  key: string | null;
  certificateChain: string | null;
}

export interface TruststoreSettings {
  type: string;
  location: string | null;
  password: string | null;
  /** PEM string (KIP-651). */
  certificates: string | null;
}

const JKS_MAGIC = 0xfeedfeed;

const PEM_BLOCK = /-----BEGIN ([A-Z0-9 ]+)-----[\s\S]*?-----END \1-----/g;

function pemBlocks(text: string, kind: (label: string) => boolean): string[] {
  return [...text.matchAll(PEM_BLOCK)].filter((m) => kind(m[1]!)).map((m) => m[0]);
}

const isKey = (label: string) => label.endsWith('PRIVATE KEY');
const isCert = (label: string) => label === 'CERTIFICATE';

function readStore(location: string, what: string): Buffer {
  try {
    return fs.readFileSync(location);
  } catch (err) {
    throw new Error(`${what} ${location} cannot be read: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
}

function effectiveType(declared: string, bytes: Buffer | null, configName: string, location: string | null): 'PEM' | 'PKCS12' {
  const type = declared.trim().toUpperCase();
  if (type === 'PEM') return 'PEM';
  if (type === 'PKCS12') return 'PKCS12';
  if (type === 'JKS') {
    if (bytes !== null && bytes.length >= 4 && bytes.readUInt32BE(0) === JKS_MAGIC) {
      throw new Error(
        `${location} is a JKS keystore, which Weir cannot read: convert it with ` +
          `keytool -importkeystore -srckeystore ${location} -destkeystore ${location}.p12 -deststoretype PKCS12, ` +
          `then set ${configName}=PKCS12`,
      );
    }
    // keytool writes PKCS12 by default since Java 9, and Java's JKS loader reads it too.
    return 'PKCS12';
  }
  throw new Error(`${configName}=${declared} is not supported (PEM, PKCS12, or JKS files that are PKCS12)`);
}

/** key + cert (or pfx) for the server's own certificate. */
export function keystoreOptions(s: KeystoreSettings): SecureContextOptions {
  if (s.key !== null || s.certificateChain !== null) {
    if (s.type.trim().toUpperCase() !== 'PEM') throw new Error('ssl.keystore.key and ssl.keystore.certificate.chain need ssl.keystore.type=PEM');
    if (s.key === null || s.certificateChain === null) throw new Error('ssl.keystore.key and ssl.keystore.certificate.chain must be set together');
    if (s.location !== null) throw new Error('set either ssl.keystore.location or ssl.keystore.key/ssl.keystore.certificate.chain, not both');
    return pemKeystore(s.key, s.certificateChain, s.keyPassword, 'ssl.keystore.key');
  }
  if (s.location === null) throw new Error('no keystore: set ssl.keystore.location (PKCS12 or PEM) or ssl.keystore.key and ssl.keystore.certificate.chain (PEM)');
  const bytes = readStore(s.location, 'keystore');
  if (effectiveType(s.type, bytes, 'ssl.keystore.type', s.location) === 'PEM') {
    const text = bytes.toString('utf8');
    return pemKeystore(text, text, s.keyPassword, s.location);
  }
  return { pfx: bytes, passphrase: s.keyPassword ?? s.password ?? undefined };
}

function pemKeystore(keyText: string, chainText: string, keyPassword: string | null, where: string): SecureContextOptions {
  const keys = pemBlocks(keyText, isKey);
  const certs = pemBlocks(chainText, isCert);
  if (keys.length !== 1) throw new Error(`${where}: expected one PEM private key, found ${keys.length}`);
  if (certs.length === 0) throw new Error(`${where}: no PEM certificate found`);
  return { key: keys[0]!, cert: certs.join('\n'), passphrase: keyPassword ?? undefined };
}

/** The CA certificates client certificates are verified against; null: Node's default roots. */
export function truststoreCertificates(s: TruststoreSettings): string[] | null {
  if (s.certificates !== null) {
    if (s.type.trim().toUpperCase() !== 'PEM') throw new Error('ssl.truststore.certificates needs ssl.truststore.type=PEM');
    const certs = pemBlocks(s.certificates, isCert);
    if (certs.length === 0) throw new Error('ssl.truststore.certificates: no PEM certificate found');
    return certs;
  }
  if (s.location === null) return null;
  const bytes = readStore(s.location, 'truststore');
  if (effectiveType(s.type, bytes, 'ssl.truststore.type', s.location) === 'PEM') {
    const certs = pemBlocks(bytes.toString('utf8'), isCert);
    if (certs.length === 0) throw new Error(`${s.location}: no PEM certificate found`);
    return certs;
  }
  return pkcs12Certificates(bytes, s.password, s.location);
}

function pkcs12Certificates(bytes: Buffer, password: string | null, where: string): string[] {
  // Loaded here, not at the top: only a PKCS12 truststore needs it (start-up time and memory).
  const forge = require('node-forge') as typeof forgeModule;
  let p12: forgeModule.pkcs12.Pkcs12Pfx;
  try {
    const asn1 = forge.asn1.fromDer(forge.util.createBuffer(bytes.toString('binary')));
    p12 = forge.pkcs12.pkcs12FromAsn1(asn1, false, password ?? '');
  } catch (err) {
    throw new Error(`${where}: cannot open PKCS12 truststore (wrong ssl.truststore.password?): ${(err as Error).message}`);
  }
  const bags = p12.getBags({ bagType: forge.pki.oids['certBag'] })[forge.pki.oids['certBag']!] ?? [];
  const certs: string[] = [];
  for (const bag of bags) {
    if (bag.cert) certs.push(forge.pki.certificateToPem(bag.cert));
    else if (bag.asn1) {
      // A certificate forge cannot model (an EC key, say): forge keeps its ASN.1; re-wrap the DER as PEM.
      const der = Buffer.from(forge.asn1.toDer(bag.asn1).getBytes(), 'binary');
      certs.push(`-----BEGIN CERTIFICATE-----\n${der.toString('base64').replace(/(.{64})/g, '$1\n')}\n-----END CERTIFICATE-----\n`);
    }
  }
  if (certs.length === 0) throw new Error(`${where}: the PKCS12 truststore holds no certificate`);
  return certs;
}
