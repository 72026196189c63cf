import { execFileSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { subjectDistinguishedName } from './distinguished-name';

/** A self-signed certificate with this subject, made by openssl (as Kafka's docs make them). */
function certWithSubject(subject: string): X509Certificate {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'weir-dn-'));
  try {
    execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', 'k.pem', '-out', 'c.pem', '-days', '1', '-subj', subject, '-multivalue-rdn'], { cwd: dir, stdio: 'ignore' });
    return new X509Certificate(fs.readFileSync(path.join(dir, 'c.pem')));
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

describe('subject distinguished name as Java prints it (RFC 2253)', () => {
  test('most specific RDN first, Java’s keywords', () => {
    expect(subjectDistinguishedName(certWithSubject('/C=US/ST=CA/L=SF/O=Weir Test/OU=clients/CN=alice'))).toBe('CN=alice,OU=clients,O=Weir Test,L=SF,ST=CA,C=US');
  });

  test('special characters are escaped; a multi-valued RDN joins its values with + in DER (SET) order', () => {
    expect(subjectDistinguishedName(certWithSubject('/O=Acme\\, Inc./OU=Eng+CN=a;b'))).toBe('CN=a\\;b+OU=Eng,O=Acme\\, Inc.');
  });

  test('attributes without a Java keyword are the OID and the hex of their DER value', () => {
    expect(subjectDistinguishedName(certWithSubject('/CN=bob/emailAddress=b@x.io'))).toBe('1.2.840.113549.1.9.1=#16066240782e696f,CN=bob');
  });
});
