/**
 * How this broker's follower fetchers reach their leaders: a connection to
 * the leader's inter-broker endpoint (as registered in the metadata, with
 * the inter-broker listener's TLS and SASL: inter-broker-client.ts),
 * speaking Fetch and OffsetForLeaderEpoch with the versions followers send.
 * The fetcher owns the link it opened and closes it when it is done or the
 * connection breaks.
 */
import { REPLICA_FETCH_VERSION, REPLICA_OFFSET_FOR_LEADER_EPOCH_VERSION, type OpenReplicaLink } from '../cluster/replication/replica-link';
import { Apis } from '../protocol/apis';
import type { InterBrokerClient } from './inter-broker-client';

export function replicaLinks(options: { nodeId: number; interBroker: InterBrokerClient; requestTimeoutMs: number }): OpenReplicaLink {
  return async (leaderId) => {
    const address = options.interBroker.addressOf(leaderId);
    if (address === null) throw new Error(`no inter-broker endpoint is registered for broker ${leaderId}`);
    const connection = await options.interBroker.connect(address, { clientId: `weir-replica-fetcher-${options.nodeId}`, requestTimeoutMs: options.requestTimeoutMs });
    return {
      // A fetch waits at the leader for up to its max wait before answering.
      fetch: (request) => connection.send(Apis.Fetch, REPLICA_FETCH_VERSION, request, request.maxWaitMs),
      offsetForLeaderEpoch: (request) => connection.send(Apis.OffsetForLeaderEpoch, REPLICA_OFFSET_FOR_LEADER_EPOCH_VERSION, request),
      close: () => void connection.close(),
    };
  };
}
