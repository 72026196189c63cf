/**
 * The client side of SCRAM (RFC 5802): used by Weir's own client (the CLI's
 * `--command-config` with sasl.mechanism=SCRAM-SHA-*) and by the tests of
 * the server side. Pure: messages in, messages out.
 */
import { randomBytes } from 'node:crypto';
import { type ScramMechanism, clientKey, hash, hmac, saltedPassword, xor } from '../scram/scram-mechanism';
import { encodeSaslName } from './scram';
import { secretsEqual } from './sasl-server';

export class ScramClient {
  private readonly clientNonce: string;
  private readonly clientFirstBare: string;
  private expectedServerSignature: Buffer | null = null;

  constructor(
    private readonly m: ScramMechanism,
    user: string,
    private readonly password: string,
    nonce = randomBytes(18).toString('base64').replace(/[+/=]/g, 'x'),
  ) {
    this.clientNonce = nonce;
    this.clientFirstBare = `n=${encodeSaslName(user)},r=${nonce}`;
  }

  clientFirst(): Buffer {
    return Buffer.from(`n,,${this.clientFirstBare}`, 'utf8');
  }

  /** The client-final message for the server-first one. */
  clientFinal(serverFirst: Buffer): Buffer {
    const text = serverFirst.toString('utf8');
    const fields = new Map(text.split(',').map((f) => [f.slice(0, 1), f.slice(2)] as const));
    const nonce = fields.get('r');
    const salt = fields.get('s');
    const iterations = Number(fields.get('i'));
    if (nonce === undefined || salt === undefined || !Number.isInteger(iterations)) throw new Error(`invalid SCRAM server-first message`);
    if (!nonce.startsWith(this.clientNonce)) throw new Error('SCRAM server nonce does not extend the client nonce');
    const salted = saltedPassword(this.m, this.password, Buffer.from(salt, 'base64'), iterations);
    const withoutProof = `c=biws,r=${nonce}`;
    const authMessage = `${this.clientFirstBare},${text},${withoutProof}`;
    const ck = clientKey(this.m, salted);
    const proof = xor(ck, hmac(this.m, hash(this.m, ck), authMessage));
    this.expectedServerSignature = hmac(this.m, hmac(this.m, salted, 'Server Key'), authMessage);
    return Buffer.from(`${withoutProof},p=${proof.toString('base64')}`, 'utf8');
  }

  /** Checks the server-final message: the server proved it knows the credential. */
  verifyServerFinal(serverFinal: Buffer): void {
    const text = serverFinal.toString('utf8');
    if (text.startsWith('e=')) throw new Error(`SCRAM server error: ${text.slice(2)}`);
    if (!text.startsWith('v=') || this.expectedServerSignature === null) throw new Error('invalid SCRAM server-final message');
    if (!secretsEqual(Buffer.from(text.slice(2), 'base64'), this.expectedServerSignature)) throw new Error('SCRAM server signature does not match');
  }
}
