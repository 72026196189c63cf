/**
 * Produce v10+ and Fetch v16+ send, next to NOT_LEADER_OR_FOLLOWER and
 * the current leader's id, that leader's endpoint (KIP-951), so a client
 * can go there without a Metadata round trip. The endpoints come from the
 * brokers' registrations in the metadata image.
 */
import type { BrokerContext } from './broker-context';

export interface LeaderEndpoint {
  nodeId: number;
  host: string;
  port: number;
  rack: string | null;
}

export function leaderEndpoints(b: Pick<BrokerContext, 'metadata'>, leaderIds: ReadonlySet<number>): LeaderEndpoint[] {
  const out: LeaderEndpoint[] = [];
  for (const id of [...leaderIds].sort((x, y) => x - y)) {
    const broker = b.metadata.image.brokers.get(id);
    const endpoint = broker?.endpoints[0];
    if (broker && endpoint) out.push({ nodeId: id, host: endpoint.host, port: endpoint.port, rack: broker.rack });
  }
  return out;
}
