/**
 * How this broker's follower fetchers reach their leaders: a connection to
 * the leader's inter-broker endpoint (as registered in the metadata),
 * speaking Fetch and OffsetForLeaderEpoch with the versions followers send.
 * The fetcher owns the link it opened and closes it when it is done or the
 * connection breaks.
 */
import { BrokerConnection } from '../client/connection';
import { REPLICA_FETCH_VERSION, REPLICA_OFFSET_FOR_LEADER_EPOCH_VERSION, type OpenReplicaLink } from '../cluster/replication/replica-link';
import { Apis } from '../protocol/apis';

export function replicaLinks(options: { nodeId: number; addressOf: (nodeId: number) => string | null; requestTimeoutMs: number }): OpenReplicaLink {
  return async (leaderId) => {
    const address = options.addressOf(leaderId);
    if (address === null) throw new Error(`no inter-broker endpoint is registered for broker ${leaderId}`);
    const connection = await BrokerConnection.connect(address, { clientId: `weir-replica-fetcher-${options.nodeId}`, requestTimeoutMs: options.requestTimeoutMs });
    return {
      // A fetch waits at the leader for up to its max wait before answering.
      fetch: (request) => connection.send(Apis.Fetch, REPLICA_FETCH_VERSION, request, request.maxWaitMs),
      offsetForLeaderEpoch: (request) => connection.send(Apis.OffsetForLeaderEpoch, REPLICA_OFFSET_FOR_LEADER_EPOCH_VERSION, request),
      close: () => void connection.close(),
    };
  };
}
