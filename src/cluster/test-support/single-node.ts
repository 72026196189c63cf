/**
 * For unit tests: this broker's cluster layer alone (metadata log, image,
 * controller, partition logs, replica manager) on a data dir or in memory,
 * with no network and no coordinators. Topics are created through the
 * controller, as the broker does.
 */
import { resolveBrokerConfig } from '../../config';
import { silentLogger } from '../../logger';
import { ManualScheduler } from '../../time/manual-scheduler';
import type { Scheduler } from '../../time/scheduler';
import { ClusterNode } from '../cluster-node';

export interface SingleNodeOptions {
  /** null (the default): in memory. */
  dataDir?: string | null;
  /** Broker properties (Kafka names). */
  properties?: Record<string, string>;
  scheduler?: Scheduler;
  now?: () => number;
}

export async function openSingleNode(options: SingleNodeOptions = {}): Promise<ClusterNode> {
  const resolution = resolveBrokerConfig({ static: options.properties ?? {} });
  for (const e of resolution.errors) throw new Error(e.message);
  const scheduler = options.scheduler ?? new ManualScheduler();
  return ClusterNode.open({
    config: resolution.config,
    dataDir: options.dataDir ?? null,
    endpoints: [{ name: 'PLAINTEXT', host: '127.0.0.1', port: 9092, securityProtocol: 0 }],
    now: options.now ?? (() => scheduler.now()),
    scheduler,
    log: silentLogger(),
  });
}

/** Creates a topic through the controller and fails the test if it cannot. */
export async function createTopic(node: ClusterNode, name: string, partitions = 1, configs: Record<string, string> = {}): Promise<void> {
  const [result] = await node.controller.createTopics([{ name, numPartitions: partitions, replicationFactor: -1, assignments: [], configs }]);
  if (!result || 'errorCode' in result) throw new Error(`cannot create ${name}: ${result ? result.errorMessage : 'no result'}`);
}
