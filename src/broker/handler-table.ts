/**
 * The broker's handler table: one handler per served API. The network layer
 * routes by api key through it; ApiVersions answers from protocol/apis.ts,
 * and a test checks that the two agree.
 */
import type { BoundHandler, HandlerTable } from '../network/request-context';
import type { BrokerContext } from './broker-context';
import { apiVersionsHandler } from './handlers/api-versions';
import { metadataHandler } from './handlers/metadata';

export function buildHandlerTable(b: BrokerContext): HandlerTable {
  const handlers: BoundHandler[] = [
    apiVersionsHandler(),
    metadataHandler(b),
    // handlers: add new ones above this line
  ];
  return new Map(handlers.map((h) => [h.spec.apiKey, h]));
}
