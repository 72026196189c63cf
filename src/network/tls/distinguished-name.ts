/**
 * A certificate's subject as the distinguished-name string Kafka builds its
 * SSL principal from: Java's X500Principal.getName() (RFC 2253), e.g.
 * "CN=alice,OU=eng,O=Acme\, Inc.,C=US". RDNs come most-specific first (the
 * reverse of their order in the certificate), attributes Java has keywords
 * for are named by them, any other attribute is written as its OID and the
 * hex of its DER value ("1.2.840.113549.1.9.1=#1605..."), exactly as Java
 * prints it, so `ssl.principal.mapping.rules` written for Kafka match here.
 *
 * Node gives the subject only as OpenSSL's text, so the subject is read from
 * the certificate's DER with the small reader below.
 */
import type { X509Certificate } from 'node:crypto';

/** Java's RFC 2253 keywords. */
const KEYWORDS: Readonly<Record<string, string>> = {
  '2.5.4.3': 'CN',
  '2.5.4.6': 'C',
  '2.5.4.7': 'L',
  '2.5.4.8': 'ST',
  '2.5.4.10': 'O',
  '2.5.4.11': 'OU',
  '2.5.4.9': 'STREET',
  '0.9.2342.19200300.100.1.25': 'DC',
  '0.9.2342.19200300.100.1.1': 'UID',
};

interface Der {
  tag: number;
  /** Whole element: tag, length, content. */
  raw: Buffer;
  content: Buffer;
}

function readDer(buf: Buffer, pos: number): Der {
  const tag = buf[pos]!;
  let len = buf[pos + 1]!;
  let header = 2;
  if (len & 0x80) {
    const n = len & 0x7f;
    if (n === 0 || n > 4) throw new Error('unsupported DER length');
    len = 0;
    for (let i = 0; i < n; i++) len = len * 256 + buf[pos + 2 + i]!;
    header += n;
  }
  const end = pos + header + len;
  if (end > buf.length) throw new Error('truncated DER');
  return { tag, raw: buf.subarray(pos, end), content: buf.subarray(pos + header, end) };
}

function children(d: Der): Der[] {
  const out: Der[] = [];
  for (let pos = 0; pos < d.content.length; ) {
    const c = readDer(d.content, pos);
    out.push(c);
    pos += c.raw.length;
  }
  return out;
}

function oidString(content: Buffer): string {
  const parts: number[] = [];
  let value = 0;
  for (const b of content) {
    value = value * 128 + (b & 0x7f);
    if ((b & 0x80) === 0) {
      if (parts.length === 0) parts.push(value < 80 ? Math.floor(value / 40) : 2, value < 80 ? value % 40 : value - 80);
      else parts.push(value);
      value = 0;
    }
  }
  return parts.join('.');
}

function stringValue(d: Der): string | null {
  switch (d.tag) {
    case 0x0c: // UTF8String
    case 0x13: // PrintableString
    case 0x16: // IA5String
    case 0x14: // TeletexString (treated as Latin-1)
      return d.tag === 0x14 ? d.content.toString('latin1') : d.content.toString('utf8');
    case 0x1e: // BMPString
      return Buffer.from(d.content).swap16().toString('utf16le');
    default:
      return null;
  }
}

/** RFC 2253 section 2.4 escaping, as Java applies it. */
function escapeValue(v: string): string {
  let out = v.replace(/[,+"\\<>;]/g, (c) => `\\${c}`);
  if (out.startsWith('#') || out.startsWith(' ')) out = `\\${out}`;
  if (out.endsWith(' ') && out.length > 1 && !out.endsWith('\\ ')) out = `${out.slice(0, -1)}\\ `;
  return out;
}

/** The subject Name of a DER certificate, as RFC 2253 text. */
export function subjectDistinguishedNameFromDer(der: Buffer): string {
  const cert = readDer(der, 0);
  const tbs = children(children(cert)[0]!);
  // tbsCertificate: [0] version (optional), serial, signature, issuer, validity, subject
  const offset = tbs[0]!.tag === 0xa0 ? 1 : 0;
  const subject = tbs[offset + 4]!;
  const rdns = children(subject).map((set) =>
    children(set)
      .map((atv) => {
        const [oid, value] = children(atv) as [Der, Der];
        const id = oidString(oid.content);
        const keyword = KEYWORDS[id];
        const text = keyword !== undefined ? stringValue(value) : null;
        return keyword !== undefined && text !== null ? `${keyword}=${escapeValue(text)}` : `${id}=#${value.raw.toString('hex')}`;
      })
      .join('+'),
  );
  return rdns.reverse().join(',');
}

export function subjectDistinguishedName(cert: X509Certificate): string {
  return subjectDistinguishedNameFromDer(cert.raw);
}
