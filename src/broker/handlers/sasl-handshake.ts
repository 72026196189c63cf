/**
 * SaslHandshake (key 17), v0–1, after authentication.
 *
 * Before authentication the network layer's SaslAuthenticator answers
 * SaslHandshake itself; a handshake that starts a KIP-368 re-authentication
 * is taken there too. What reaches this handler is a handshake on a
 * connection that cannot start one: a PLAINTEXT/SSL listener, a session
 * without expiry, or a second re-authentication within a second. Kafka's
 * KafkaApis answers those with ILLEGAL_SASL_STATE, and so does Weir.
 */
import { Apis } from '../../protocol/apis';
import { ErrorCode } from '../../protocol/errors';
import type { SaslHandshakeResponse } from '../../protocol/messages';
import { defineHandler } from '../define-handler';

export function saslHandshakeHandler() {
  return defineHandler(Apis.SaslHandshake, (): SaslHandshakeResponse => ({ errorCode: ErrorCode.ILLEGAL_SASL_STATE, mechanisms: [] }));
}
