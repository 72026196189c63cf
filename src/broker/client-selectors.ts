/**
 * The client attributes a client-metrics subscription can match (KIP-714's
 * selectors), from the request context: the client id of the request
 * header, the software name and version its ApiVersions named, and the
 * address and port it connects from.
 */
import type { RequestContext } from '../network/request-context';
import type { ClientSelectors } from '../telemetry/client-metrics-manager';

export function clientSelectors(ctx: RequestContext): ClientSelectors {
  const at = ctx.remoteAddress.lastIndexOf(':');
  return {
    clientId: ctx.clientId,
    softwareName: ctx.clientSoftwareName,
    softwareVersion: ctx.clientSoftwareVersion,
    sourceAddress: at < 0 ? ctx.remoteAddress : ctx.remoteAddress.slice(0, at),
    sourcePort: at < 0 ? '' : ctx.remoteAddress.slice(at + 1),
  };
}
