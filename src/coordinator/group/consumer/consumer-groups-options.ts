/**
 * The KIP-848 side of the group coordinator, from the broker config
 * (`group.consumer.*`): its timeouts, size limit and server assignors. The
 * group coordinator builds the KIP-848 logic with these (one coordinator
 * owns every group id).
 */
import type { BrokerConfig } from '../../../config';
import type { ConsumerGroupsOptions } from '../group-coordinator';
import type { TopicCatalog } from './consumer-group-coordinator';
import { rangeAssignor } from './range-assignor';
import type { ServerAssignor } from './server-assignor';
import { uniformAssignor } from './uniform-assignor';

/** Kafka accepts the assignors' class names (its default) or their short names. */
const ASSIGNORS: Record<string, ServerAssignor> = {
  uniform: uniformAssignor,
  'org.apache.kafka.coordinator.group.assignor.UniformAssignor': uniformAssignor,
  range: rangeAssignor,
  'org.apache.kafka.coordinator.group.assignor.RangeAssignor': rangeAssignor,
};

export function assignorsFromConfig(names: readonly string[]): ServerAssignor[] {
  const out: ServerAssignor[] = [];
  for (const name of names) {
    const assignor = ASSIGNORS[name.trim()];
    if (!assignor) throw new Error(`group.consumer.assignors: unknown assignor ${name} (known: uniform, range)`);
    if (!out.includes(assignor)) out.push(assignor);
  }
  return out;
}

export function consumerGroupsOptions(config: BrokerConfig, topics: TopicCatalog): ConsumerGroupsOptions {
  return {
    config: {
      sessionTimeoutMs: config.number('group.consumer.session.timeout.ms'),
      heartbeatIntervalMs: config.number('group.consumer.heartbeat.interval.ms'),
      maxGroupSize: config.number('group.consumer.max.size'),
      assignors: assignorsFromConfig(config.list('group.consumer.assignors')),
    },
    topics,
  };
}
