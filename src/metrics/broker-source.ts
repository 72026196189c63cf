/**
 * Reads a running Broker for the scrape-time gauges: every partition log,
 * the committed offsets of every consumer group, the metrics clients
 * pushed (KIP-714), every replica the replica manager holds and its ISR
 * change counts, and the metadata image when this broker is the active
 * controller (a single node always is).
 */
import type { Broker } from '../broker/broker';
import type { MetadataImage } from '../cluster/metadata/metadata-image';
import type { GroupOffset, IsrChangeCounts, MetricsSource, PartitionStats } from './broker-metrics';
import type { ClientTelemetryView } from './client-telemetry-text';
import type { ReplicaView } from './replication-counts';

export function brokerMetricsSource(broker: Broker): MetricsSource {
  const ctx = broker.context;
  return {
    *partitions(): Iterable<PartitionStats> {
      for (const log of ctx.logs.logs()) {
        yield { topic: log.topic, partition: log.partition, sizeBytes: log.size, logStartOffset: log.logStartOffset, logEndOffset: log.logEndOffset };
      }
    },
    *replicas(): Iterable<ReplicaView> {
      for (const p of ctx.replicaManager.allPartitions()) {
        yield { isLeader: p.isLeader, replicas: p.replicas, addingReplicas: p.addingReplicas, isr: p.isr, minInsyncReplicas: p.topicConfig.minInsyncReplicas };
      }
    },
    isrChangeCounts(): IsrChangeCounts {
      return ctx.replicaManager.isrChangeCounts;
    },
    activeControllerImage(): MetadataImage | null {
      const active = ctx.cluster ? ctx.cluster.isController() : true;
      return active ? ctx.metadata.image : null;
    },
    *clientTelemetry(): Iterable<ClientTelemetryView> {
      for (const c of ctx.clientMetrics.clients()) {
        if (c.series.size === 0) continue;
        const s = c.selectors;
        yield {
          labels: {
            client_instance_id: c.clientInstanceId,
            client_id: s.clientId,
            client_software_name: s.softwareName,
            client_software_version: s.softwareVersion,
            client_source_address: s.sourceAddress,
            client_source_port: s.sourcePort,
          },
          series: c.series.values(),
        };
      }
    },
    *groupOffsets(): Iterable<GroupOffset> {
      for (const g of ctx.groups.listGroups([], [])) {
        const fetched = ctx.groups.fetchOffsets(g.groupId, null);
        if (fetched.errorCode !== 0) continue;
        for (const t of fetched.topics) {
          for (const p of t.partitions) if (p.errorCode === 0) yield { group: g.groupId, topic: t.name, partition: p.partition, committed: p.offset };
        }
      }
    },
  };
}
