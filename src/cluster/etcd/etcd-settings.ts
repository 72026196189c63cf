/**
 * What a broker needs from its config to join a cluster on etcd, read in one
 * place. Two keys are Weir's own, everything else is Kafka's:
 * - `etcd.endpoints`: etcd client URLs (`http://host:port`, comma-separated,
 *   as etcdctl --endpoints). Empty (the default): no cluster, the broker is
 *   the single node it always was.
 * - `etcd.key.prefix` (default `/weir`): every key of this cluster lives
 *   under it, so clusters can share one etcd (`/weir/prod`, `/weir/dev`).
 * - `broker.session.timeout.ms` (Kafka: 9000): the broker's lease TTL, the
 *   time after which a silent broker is dead to the cluster (rounded up to
 *   whole seconds, etcd's unit).
 * - `broker.heartbeat.interval.ms` (Kafka: 2000): how often the lease is
 *   renewed (at most a third of the TTL).
 * - `initial.broker.registration.timeout.ms` (Kafka: 60000): how long a
 *   starting broker waits for another holder of its node.id to go before
 *   giving up.
 * - `node.id`, `broker.rack`, `advertised.listeners` describe the broker in
 *   its registration.
 */
import type { BrokerConfig } from '../../config/broker-config';

export interface EtcdSettings {
  readonly endpoints: readonly string[];
  readonly keyPrefix: string;
  readonly sessionTimeoutMs: number;
  readonly heartbeatIntervalMs: number;
  readonly registrationTimeoutMs: number;
}

/** The etcd settings, or null when `etcd.endpoints` is empty (a single node). */
export function etcdSettings(config: BrokerConfig): EtcdSettings | null {
  const endpoints = config.list('etcd.endpoints').map((e) => (/^https?:\/\//.test(e) ? e : `http://${e}`));
  if (endpoints.length === 0) return null;
  return {
    endpoints,
    keyPrefix: config.string('etcd.key.prefix'),
    sessionTimeoutMs: config.number('broker.session.timeout.ms'),
    heartbeatIntervalMs: config.number('broker.heartbeat.interval.ms'),
    registrationTimeoutMs: config.number('initial.broker.registration.timeout.ms'),
  };
}
