/**
 * A small Kafka client built on Weir's own protocol codecs: the `weir` CLI
 * talks to any Kafka-protocol broker (Weir or Kafka) through it.
 */
export { KafkaClient } from './client';
export type { KafkaClientOptions, Target } from './client';
export { BrokerConnection, parseAddress } from './connection';
export { BrokerConnectionError, KafkaResponseError } from './errors';
export { NegotiatedVersions } from './api-versions';
export { ClientApis } from './client-apis';
export * from './metadata';
export * from './produce';
export * from './fetch';
export * from './offsets';
export * from './topics';
export * from './configs';
export * from './groups';
export { murmur2, partitionForKey } from './partitioner';
export * from './scram-users';
export * from './client-quotas';
export * from './acls';
export * from './reassignments';
