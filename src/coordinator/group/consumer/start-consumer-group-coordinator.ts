/**
 * Builds the broker's KIP-848 consumer group coordinator from the broker
 * config (`group.consumer.*`) and stops its timers at shutdown.
 */
import type { Logger } from '../../../logger';
import type { BrokerConfig } from '../../../config';
import type { GroupCoordinator } from '../group-coordinator';
import { type Scheduler, systemScheduler } from '../../../time/scheduler';
import { ConsumerGroupCoordinator, type TopicCatalog } from './consumer-group-coordinator';
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

export interface ConsumerGroupCoordinatorWiring {
  config: BrokerConfig;
  topics: TopicCatalog;
  classicGroups: GroupCoordinator;
  now: () => number;
  log: Logger;
  shutdown: AbortSignal;
  scheduler?: Scheduler;
}

export function startConsumerGroupCoordinator(w: ConsumerGroupCoordinatorWiring): ConsumerGroupCoordinator {
  const coordinator = new ConsumerGroupCoordinator(
    {
      sessionTimeoutMs: w.config.number('group.consumer.session.timeout.ms'),
      heartbeatIntervalMs: w.config.number('group.consumer.heartbeat.interval.ms'),
      maxGroupSize: w.config.number('group.consumer.max.size'),
      assignors: assignorsFromConfig(w.config.list('group.consumer.assignors')),
    },
    w.scheduler ?? systemScheduler(w.now),
    w.topics,
    {
      isActive: (groupId) => {
        const g = w.classicGroups.group(groupId);
        return g !== undefined && !g.is('Empty') && !g.is('Dead');
      },
    },
    { append: (groupId, records) => w.classicGroups.appendRecords(groupId, records) },
    w.log.child({ component: 'consumer-group-coordinator' }),
  );
  w.classicGroups.attachConsumerGroups(coordinator);
  w.shutdown.addEventListener('abort', () => coordinator.close(), { once: true });
  return coordinator;
}
