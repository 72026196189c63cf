/**
 * Envelope (key 58), v0 — served by a broker of a cluster, not advertised
 * to clients (Kafka serves it on the controller's listener only).
 *
 * Another broker forwards a client's admin request (controller-channel.ts):
 * `requestData` is the client's request (header and body), with the
 * client's principal (DefaultPrincipalData, after a version) and address.
 * The controller decodes it, runs the API's own handler as if the client
 * had sent it here, and returns the response (header and body) in
 * `responseData`. A broker that is not (or no longer) the controller
 * answers NOT_CONTROLLER and the sender retries with the new one; an API
 * that is not forwardable, or a request that does not decode, is
 * INVALID_REQUEST.
 *
 * Trust: only Weir's brokers send it, on the inter-broker listener; with an
 * authorizer the sender needs CLUSTER_ACTION on the cluster, as in Kafka
 * (CLUSTER_AUTHORIZATION_FAILED), so the brokers' principal must be a super
 * user or hold that ACL.
 */
import { ErrorCode } from '../../protocol/errors';
import type { EnvelopeRequest, EnvelopeResponse } from '../../protocol/messages';
import { concatChunks } from '../../protocol/message-io';
import { isFlexible } from '../../protocol/primitives/codec-support';
import { Reader } from '../../protocol/primitives/reader';
import type { HandlerTable, RequestContext } from '../../network/request-context';
import { encodeResponse } from '../../network/connection';
import { readPreamble, readRequestHeader, requestHeaderVersion } from '../../network/request-header';
import { ANONYMOUS } from '../../security/principal';
import type { BrokerContext } from '../broker-context';
import { addressText, deserializePrincipal, ENVELOPE_API } from '../controller-channel';
import { FORWARDED_TO_CONTROLLER } from '../forwarded-apis';
import { defineHandler } from '../define-handler';
import { AclOperation, CLUSTER_RESOURCE_NAME, ResourceType } from '../../security/authorizer/acl';

export function envelopeHandler(b: BrokerContext, local: HandlerTable) {
  return defineHandler(ENVELOPE_API, async (req: EnvelopeRequest, outer): Promise<EnvelopeResponse> => {
    const refuse = (errorCode: ErrorCode): EnvelopeResponse => ({ responseData: null, errorCode });
    // Only brokers may forward: CLUSTER_ACTION on the cluster (their principal a super user, as in Kafka).
    if (!b.authorizer.allowed(outer, AclOperation.CLUSTER_ACTION, ResourceType.CLUSTER, CLUSTER_RESOURCE_NAME)) return refuse(ErrorCode.CLUSTER_AUTHORIZATION_FAILED);
    if (!b.cluster?.isController()) return refuse(ErrorCode.NOT_CONTROLLER);
    let inner: { request: unknown; ctx: RequestContext };
    const preamble = readPreamble(req.requestData);
    const handler = local.get(preamble.apiKey);
    if (!handler || !FORWARDED_TO_CONTROLLER.has(preamble.apiKey)) return refuse(ErrorCode.INVALID_REQUEST);
    const spec = handler.spec;
    if (preamble.apiVersion < spec.minVersion || preamble.apiVersion > spec.maxVersion) return refuse(ErrorCode.UNSUPPORTED_VERSION);
    try {
      const r = new Reader(req.requestData);
      const header = readRequestHeader(r, requestHeaderVersion(preamble.apiKey, preamble.apiVersion, isFlexible(spec.request, preamble.apiVersion)));
      const request = spec.request.read(r, preamble.apiVersion);
      inner = {
        request,
        ctx: {
          ...outer,
          apiKey: preamble.apiKey,
          apiVersion: preamble.apiVersion,
          correlationId: preamble.correlationId,
          clientId: header.clientId,
          // "address:port" as every request context has it (the port is not forwarded).
          remoteAddress: `${addressText(req.clientHostAddress)}:0`,
          principal: req.requestPrincipal && req.requestPrincipal.length > 0 ? deserializePrincipal(req.requestPrincipal) : ANONYMOUS,
        },
      };
    } catch (err) {
      b.log.warn({ err: (err as Error).message }, 'malformed request in an Envelope');
      return refuse(ErrorCode.INVALID_REQUEST);
    }
    const response = await handler.handle(inner.request, inner.ctx);
    // Without the 4-byte size: the Envelope carries header and body.
    const framed = concatChunks(encodeResponse(spec, response, preamble.apiVersion, preamble.correlationId));
    return { responseData: framed.subarray(4), errorCode: ErrorCode.NONE };
  });
}
