/**
 * Reads a running Broker for the scrape-time gauges: every partition log,
 * and the committed offsets of every consumer group.
 */
import type { Broker } from '../broker/broker';
import type { GroupOffset, MetricsSource, PartitionStats } from './broker-metrics';

export function brokerMetricsSource(broker: Broker): MetricsSource {
  const ctx = broker.context;
  return {
    *partitions(): Iterable<PartitionStats> {
      for (const log of ctx.logs.logs()) {
        yield { topic: log.topic, partition: log.partition, sizeBytes: log.size, logStartOffset: log.logStartOffset, logEndOffset: log.logEndOffset };
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
