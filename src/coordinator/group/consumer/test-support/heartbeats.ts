/** What the consumer group coordinator's tests share: topic ids and heartbeat requests as clients send them. */
import { createHash } from 'node:crypto';
import type { ConsumerGroupCoordinator, ConsumerGroupHeartbeatParams, ConsumerGroupHeartbeatResult } from '../consumer-group-coordinator';

/** A topic's id, a UUID as the broker's are (the group's records store ids as UUIDs), fixed per name. */
export function idOf(name: string): string {
  const h = createHash('md5').update(name).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
}

export type HeartbeatFields = Partial<ConsumerGroupHeartbeatParams> & { memberId: string; memberEpoch: number };

/** A v1 heartbeat of group `g` unless told otherwise; a join (epoch 0) carries what the first request must. */
export function heartbeat(c: Pick<ConsumerGroupCoordinator, 'heartbeat'>, p: HeartbeatFields): ConsumerGroupHeartbeatResult {
  return c.heartbeat(heartbeatRequest(p));
}

/** The request `heartbeat` sends. */
export function heartbeatRequest(p: HeartbeatFields): ConsumerGroupHeartbeatParams {
  return {
    apiVersion: 1,
    groupId: 'g',
    instanceId: null,
    rackId: null,
    rebalanceTimeoutMs: p.memberEpoch === 0 ? 30_000 : -1,
    subscribedTopicNames: null,
    subscribedTopicRegex: null,
    serverAssignor: null,
    ownedTopicPartitions: p.memberEpoch === 0 ? [] : null,
    clientId: 'client',
    clientHost: '/127.0.0.1',
    ...p,
  };
}
