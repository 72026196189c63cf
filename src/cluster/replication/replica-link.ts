/**
 * How a follower talks to its leader: Fetch and OffsetForLeaderEpoch over
 * Kafka's protocol on the leader's inter-broker listener. The broker layer
 * opens these (it owns the network client); the cluster layer only sends.
 */
import type { FetchRequest, FetchResponse, OffsetForLeaderEpochRequest, OffsetForLeaderEpochResponse } from '../../protocol/messages';

/** The Fetch version followers send: topic ids, and the replica's broker epoch (KIP-903). */
export const REPLICA_FETCH_VERSION = 15;
/** The OffsetForLeaderEpoch version followers send (replica id, current leader epoch). */
export const REPLICA_OFFSET_FOR_LEADER_EPOCH_VERSION = 4;

export interface ReplicaLink {
  fetch(request: FetchRequest): Promise<FetchResponse>;
  offsetForLeaderEpoch(request: OffsetForLeaderEpochRequest): Promise<OffsetForLeaderEpochResponse>;
  close(): void;
}

/** Opens a link to broker `leaderId`; rejects when it cannot be reached (unknown address, refused). */
export type OpenReplicaLink = (leaderId: number) => Promise<ReplicaLink>;
