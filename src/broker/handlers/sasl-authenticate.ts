/**
 * SaslAuthenticate (key 36), v0–2, after authentication.
 *
 * SASL tokens are handled by the network layer's SaslAuthenticator while an
 * exchange runs; a SaslAuthenticate outside one (no handshake, or after the
 * exchange completed) is answered as Kafka's KafkaApis answers it:
 * ILLEGAL_SASL_STATE. Version notes: v1 adds session_lifetime_ms, v2 is
 * flexible.
 */
import { Apis } from '../../protocol/apis';
import { ErrorCode } from '../../protocol/errors';
import type { SaslAuthenticateResponse } from '../../protocol/messages';
import { defineHandler } from '../define-handler';

export function saslAuthenticateHandler() {
  return defineHandler(Apis.SaslAuthenticate, (): SaslAuthenticateResponse => ({
    errorCode: ErrorCode.ILLEGAL_SASL_STATE,
    errorMessage: 'SaslAuthenticate request received after successful authentication',
    authBytes: Buffer.alloc(0),
    sessionLifetimeMs: 0n,
  }));
}
