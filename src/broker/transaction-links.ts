/**
 * The transaction requests one broker sends another, over the inter-broker
 * connections: WriteTxnMarkers (coordinator -> partition leader) and
 * AddPartitionsToTxn v4 verifyOnly (partition leader -> coordinator), with
 * their answers turned into what the marker and verification channels use.
 */
import type { TransactionMarkerEntry } from '../coordinator/transaction/transaction-marker-channel';
import { ErrorCode } from '../protocol/errors';
import type { AddPartitionsToTxnRequest, AddPartitionsToTxnResponse, WriteTxnMarkersRequest } from '../protocol/messages';
import type { InterBrokerConnections } from './inter-broker-connections';
import { ADD_PARTITIONS_TO_TXN_INTER_BROKER_API, WRITE_TXN_MARKERS_API, WRITE_TXN_MARKERS_VERSION } from './transaction-apis';
import { VERIFY_ADD_PARTITIONS_VERSION } from './transaction-verification-channel';

/** Sends the markers to `brokerId`; per entry, per partition error codes (a partition the answer leaves out: UNKNOWN_SERVER_ERROR, retried). */
export async function sendTxnMarkers(links: InterBrokerConnections, brokerId: number, entries: readonly TransactionMarkerEntry[], replicationTimeoutMs: number): Promise<ErrorCode[][]> {
  const request: WriteTxnMarkersRequest = {
    markers: entries.map((e) => {
      const topics = new Map<string, number[]>();
      for (const p of e.partitions) topics.set(p.topic, [...(topics.get(p.topic) ?? []), p.partition]);
      return {
        producerId: BigInt(e.producerId),
        producerEpoch: e.producerEpoch,
        transactionResult: e.commit,
        coordinatorEpoch: e.coordinatorEpoch,
        topics: [...topics].map(([name, partitionIndexes]) => ({ name, partitionIndexes })),
      };
    }),
  };
  // The leader waits up to request.timeout.ms for the markers' replication before it answers.
  const response = await links.send(brokerId, WRITE_TXN_MARKERS_API, WRITE_TXN_MARKERS_VERSION, request, replicationTimeoutMs);
  // Kafka's answer is keyed by producer id (one transaction per producer id at a time).
  const byProducer = new Map<string, Map<string, number>>();
  for (const m of response.markers) {
    const codes = byProducer.get(String(m.producerId)) ?? new Map<string, number>();
    for (const t of m.topics) for (const p of t.partitions) codes.set(`${t.name}\u0000${p.partitionIndex}`, p.errorCode);
    byProducer.set(String(m.producerId), codes);
  }
  return entries.map((e) => {
    const codes = byProducer.get(String(e.producerId));
    return e.partitions.map((p) => (codes?.get(`${p.topic}\u0000${p.partition}`) ?? ErrorCode.UNKNOWN_SERVER_ERROR) as ErrorCode);
  });
}

export function sendVerification(links: InterBrokerConnections, brokerId: number, request: AddPartitionsToTxnRequest): Promise<AddPartitionsToTxnResponse> {
  return links.send(brokerId, ADD_PARTITIONS_TO_TXN_INTER_BROKER_API, VERIFY_ADD_PARTITIONS_VERSION, request);
}
