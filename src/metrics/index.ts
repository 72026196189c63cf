/** Prometheus metrics for a broker: the metrics, their HTTP endpoint, and the broker adapter. */
export { BrokerMetrics } from './broker-metrics';
export type { BrokerMetricsOptions, GroupOffset, IsrChangeCounts, MetricsSource, PartitionStats } from './broker-metrics';
export type { ReplicaView } from './replication-counts';
export { startMetricsServer } from './metrics-server';
export type { MetricsServer } from './metrics-server';
export { brokerMetricsSource } from './broker-source';
