/**
 * The brokers Metadata and DescribeCluster list in a cluster: every
 * registered, unfenced broker of the metadata image (the controller fences
 * a broker whose lease expired), at its endpoint for the listener the
 * client came in on (as Kafka answers with the same listener name on every
 * broker), or its first endpoint if it has no such listener.
 */
import type { RequestContext } from '../network/request-context';
import type { BrokerContext } from './broker-context';

export interface ListedBroker {
  nodeId: number;
  host: string;
  port: number;
  rack: string | null;
}

export function liveBrokersFor(b: Pick<BrokerContext, 'metadata'>, ctx: RequestContext): ListedBroker[] {
  const out: ListedBroker[] = [];
  for (const broker of b.metadata.image.brokers.values()) {
    if (broker.fenced) continue;
    const e = broker.endpoints.find((x) => x.name === ctx.listenerName) ?? broker.endpoints[0];
    if (e) out.push({ nodeId: broker.id, host: e.host, port: e.port, rack: broker.rack });
  }
  return out.sort((x, y) => x.nodeId - y.nodeId);
}
