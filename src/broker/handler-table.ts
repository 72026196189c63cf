/**
 * The broker's handler table: one handler per served API. The network layer
 * routes by api key through it, and ApiVersions advertises exactly the APIs
 * in it, with the ranges from protocol/apis.ts (a test checks that every
 * API listed there has its handler).
 */
import { Apis } from '../protocol/apis';
import type { BoundHandler, HandlerTable } from '../network/request-context';
import type { BrokerContext } from './broker-context';
import { apiVersionsHandler } from './handlers/api-versions';
import { fetchHandler } from './handlers/fetch';
import { listOffsetsHandler } from './handlers/list-offsets';
import { metadataHandler } from './handlers/metadata';
import { produceHandler } from './handlers/produce';

export function buildHandlerTable(b: BrokerContext): HandlerTable {
  const handlers: BoundHandler[] = [
    metadataHandler(b),
    produceHandler(b),
    fetchHandler(b),
    listOffsetsHandler(b),
    // handlers: add new ones above this line
  ];
  handlers.push(apiVersionsHandler([...handlers.map((h) => h.spec), Apis.ApiVersions]));
  return new Map(handlers.map((h) => [h.spec.apiKey, h]));
}
