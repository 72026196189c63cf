import type { ApiSpec } from '../protocol/apis';
import type { BoundHandler, RequestContext } from '../network/request-context';

/**
 * Binds a typed handler function to the API it serves. The result is what
 * the network layer's handler table holds.
 */
export function defineHandler<Req, Res>(
  spec: ApiSpec<Req, Res>,
  handle: (request: Req, ctx: RequestContext) => Res | null | Promise<Res | null>,
): BoundHandler {
  return { spec: spec as ApiSpec<unknown, unknown>, handle: handle as BoundHandler['handle'] };
}
