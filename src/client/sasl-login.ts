/**
 * Logs a fresh connection in with SASL, before anything else is sent on it:
 * SaslHandshake v1, then the mechanism's tokens in SaslAuthenticate v1
 * requests (every Kafka broker since 2.2 serves both). A refusal becomes a
 * KafkaResponseError carrying the broker's message (UNSUPPORTED_SASL_MECHANISM
 * lists what the listener offers).
 */
import { ErrorCode } from '../protocol/errors';
import { ScramClient } from '../security/sasl/scram-client';
import { scramMechanismByName } from '../security/scram/scram-mechanism';
import { ClientApis } from './client-apis';
import type { ClientSasl } from './client-security';
import type { BrokerConnection } from './connection';
import { KafkaResponseError } from './errors';

export async function saslLogin(conn: BrokerConnection, sasl: ClientSasl): Promise<void> {
  const hs = await conn.send(ClientApis.SaslHandshake, 1, { mechanism: sasl.mechanism });
  if (hs.errorCode !== ErrorCode.NONE) {
    throw new KafkaResponseError(hs.errorCode, `SASL ${sasl.mechanism} handshake`, `the listener offers ${hs.mechanisms.join(', ') || 'no mechanism'}`);
  }
  const exchange = async (token: Buffer): Promise<Buffer> => {
    const res = await conn.send(ClientApis.SaslAuthenticate, 1, { authBytes: token });
    if (res.errorCode !== ErrorCode.NONE) throw new KafkaResponseError(res.errorCode, `SASL ${sasl.mechanism} authentication`, res.errorMessage);
    return res.authBytes;
  };
  if (sasl.mechanism === 'PLAIN') {
    await exchange(Buffer.from(`\u0000${sasl.username}\u0000${sasl.password}`, 'utf8'));
  } else if (sasl.mechanism === 'OAUTHBEARER') {
    const challenge = await exchange(Buffer.from(`n,,\u0001auth=Bearer ${sasl.token}\u0001\u0001`, 'utf8'));
    if (challenge.length > 0) {
      // An error challenge: acknowledge it so the broker reports the failure.
      await exchange(Buffer.from([1]));
    }
  } else {
    const scram = new ScramClient(scramMechanismByName(sasl.mechanism)!, sasl.username, sasl.password);
    const serverFirst = await exchange(scram.clientFirst());
    const serverFinal = await exchange(scram.clientFinal(serverFirst));
    scram.verifyServerFinal(serverFinal);
  }
}
