/**
 * Test certificates, made fresh by each test run with the openssl command
 * (never committed): a CA, a broker certificate for localhost/127.0.0.1,
 * client certificates signed by the CA, and a second, unknown CA with a
 * client certificate of its own. Also the same material as PKCS12 keystores
 * and truststores, and an encrypted PKCS#8 key (KIP-651 PEM with
 * ssl.key.password). EC P-256 keys keep generation fast.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

export interface KeyPair {
  cert: string;
  key: string;
  certPem: string;
  keyPem: string;
}

export interface TestCertificates {
  dir: string;
  ca: KeyPair;
  broker: KeyPair;
  /** CN=alice,OU=clients,O=Weir Test */
  alice: KeyPair;
  /** Signed by `rogueCa`, which the broker does not trust. */
  rogue: KeyPair;
  rogueCa: KeyPair;
  /** The broker's key and chain in a PKCS12 keystore, password `keystore-pw`. */
  brokerP12: string;
  /** The CA alone in a PKCS12 truststore (certificates only), password `truststore-pw`. */
  truststoreP12: string;
  /** The broker's key, PKCS#8 encrypted with `key-pw`. */
  brokerEncryptedKeyPem: string;
  remove(): void;
}

function openssl(args: string[], cwd: string): void {
  execFileSync('openssl', args, { cwd, stdio: ['ignore', 'ignore', 'pipe'] });
}

function newKey(dir: string, name: string): string {
  openssl(['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', `${name}.key`], dir);
  return path.join(dir, `${name}.key`);
}

function pair(dir: string, name: string): KeyPair {
  const cert = path.join(dir, `${name}.pem`);
  const key = path.join(dir, `${name}.key`);
  return { cert, key, certPem: fs.readFileSync(cert, 'utf8'), keyPem: fs.readFileSync(key, 'utf8') };
}

function selfSignedCa(dir: string, name: string, subject: string): KeyPair {
  newKey(dir, name);
  openssl(['req', '-x509', '-new', '-key', `${name}.key`, '-out', `${name}.pem`, '-days', '2', '-subj', subject, '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign'], dir);
  return pair(dir, name);
}

function signed(dir: string, name: string, subject: string, ca: string, extensions: string): KeyPair {
  newKey(dir, name);
  openssl(['req', '-new', '-key', `${name}.key`, '-out', `${name}.csr`, '-subj', subject], dir);
  fs.writeFileSync(path.join(dir, `${name}.ext`), extensions);
  openssl(['x509', '-req', '-in', `${name}.csr`, '-CA', `${ca}.pem`, '-CAkey', `${ca}.key`, '-CAcreateserial', '-out', `${name}.pem`, '-days', '2', '-extfile', `${name}.ext`], dir);
  return pair(dir, name);
}

export function makeTestCertificates(): TestCertificates {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'weir-certs-'));
  const ca = selfSignedCa(dir, 'ca', '/O=Weir Test/CN=Weir Test CA');
  const broker = signed(dir, 'broker', '/O=Weir Test/CN=localhost', 'ca', 'subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\n');
  const alice = signed(dir, 'alice', '/O=Weir Test/OU=clients/CN=alice', 'ca', 'extendedKeyUsage=clientAuth\n');
  const rogueCa = selfSignedCa(dir, 'rogue-ca', '/O=Someone Else/CN=Rogue CA');
  const rogue = signed(dir, 'rogue', '/O=Someone Else/CN=mallory', 'rogue-ca', 'extendedKeyUsage=clientAuth\n');
  openssl(['pkcs12', '-export', '-in', 'broker.pem', '-inkey', 'broker.key', '-certfile', 'ca.pem', '-out', 'broker.p12', '-passout', 'pass:keystore-pw'], dir);
  openssl(['pkcs12', '-export', '-nokeys', '-in', 'ca.pem', '-out', 'truststore.p12', '-passout', 'pass:truststore-pw'], dir);
  openssl(['pkcs8', '-topk8', '-in', 'broker.key', '-out', 'broker-encrypted.key', '-passout', 'pass:key-pw'], dir);
  return {
    dir,
    ca,
    broker,
    alice,
    rogue,
    rogueCa,
    brokerP12: path.join(dir, 'broker.p12'),
    truststoreP12: path.join(dir, 'truststore.p12'),
    brokerEncryptedKeyPem: fs.readFileSync(path.join(dir, 'broker-encrypted.key'), 'utf8'),
    remove: () => fs.rmSync(dir, { recursive: true, force: true }),
  };
}
