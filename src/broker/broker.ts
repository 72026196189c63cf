/**
 * Wires one broker together: configuration, the metadata image, the partition
 * logs, the controller, the API handlers and the TCP server; runs the
 * periodic housekeeping; shuts down in order (stop accepting, finish
 * in-flight requests, flush and close the logs).
 */
import type { Logger } from 'pino';
import { Controller, logCleanerConfigOf, logConfigOf } from '../cluster/controller';
import { ProducerIdAllocator } from '../cluster/producer-id-allocator';
import { TopicRegistry } from '../cluster/topic-registry';
import { BrokerConfig, BrokerConfigResolution, resolveBrokerConfig, resolveTopicConfig } from '../config';
import { silentLogger } from '../logger';
import type { RequestObserver } from '../network/request-observer';
import { KafkaServer } from '../network/server';
import { LogManager } from '../storage/log-manager';
import { startGroupCoordinator } from '../coordinator/group/start-group-coordinator';
import { startTransactionCoordinator } from '../coordinator/transaction/start-transaction-coordinator';
import { startConsumerGroupCoordinator } from '../coordinator/group/consumer/start-consumer-group-coordinator';
import type { BrokerContext } from './broker-context';
import { buildHandlerTable } from './handler-table';
import { parseListeners } from './listener';

export interface BrokerOptions {
  /** Kafka broker properties (server.properties keys), already merged with overrides. */
  properties?: Readonly<Record<string, string>>;
  /** Keep everything in memory (nothing on disk); otherwise `log.dirs` / `dataDir`. */
  memory?: boolean;
  /** Data directory; overrides `log.dirs`. */
  dataDir?: string;
  /** Listener port; overrides the one in `listeners` (0 = any free port). */
  port?: number;
  /** Listener host; overrides the one in `listeners`. */
  host?: string;
  logger?: Logger;
  /** Clock for the logs and housekeeping (tests inject one). */
  now?: () => number;
  /** Told about connections and completed requests (metrics). */
  requestObserver?: RequestObserver;
}

const DEFAULT_DATA_DIR = './weir-data';
const SINGLE_NODE_LEADER_EPOCH = 0;

export class Broker {
  private tickTimer: NodeJS.Timeout | null = null;
  private readonly shutdownController: AbortController;
  private closing: Promise<void> | null = null;

  private constructor(
    readonly context: BrokerContext,
    private readonly server: KafkaServer,
    readonly host: string,
    readonly port: number,
    readonly configResolution: BrokerConfigResolution,
    shutdownController: AbortController,
  ) {
    this.shutdownController = shutdownController;
  }

  get bootstrapServers(): string {
    return `${this.host}:${this.port}`;
  }

  get config(): BrokerConfig {
    return this.context.config;
  }

  static async start(options: BrokerOptions = {}): Promise<Broker> {
    const log = options.logger ?? silentLogger();
    const now = options.now ?? Date.now;
    const resolution = resolveBrokerConfig({ static: options.properties ?? {} });
    for (const e of resolution.errors) throw new Error(e.message);
    const config = resolution.config;

    const listener = parseListeners(config.listeners.join(','))[0];
    if (!listener) throw new Error('no listener configured (listeners)');
    const host = options.host ?? (listener.host === '' ? '0.0.0.0' : listener.host);
    const port = options.port ?? listener.port;

    const dataDir = options.memory ? null : (options.dataDir ?? config.logDirs[0] ?? DEFAULT_DATA_DIR);
    // Logs load first (taking the data dir lock); their topic configs are
    // applied once the metadata image is open.
    let registryRef: TopicRegistry | null = null;
    const logs = LogManager.open(
      dataDir === null
        ? { memory: true, now, cleaner: logCleanerConfigOf(config) }
        : { dataDir, now, cleaner: logCleanerConfigOf(config) },
      (topic) => (registryRef ? logConfigOf(resolveTopicConfig(registryRef.get(topic)?.configs ?? {}, config), config) : {}),
    );
    let server: KafkaServer | null = null;
    const shutdownController = new AbortController();
    try {
      const registry = TopicRegistry.open(dataDir);
      registryRef = registry;
      for (const t of registry.list()) logs.updateTopicConfig(t.name, logConfigOf(resolveTopicConfig(t.configs, config), config));
      const controller = new Controller(config.nodeId, registry, logs, config);

      let boundPort = port;
      // advertised.listeners only when set explicitly: its fallback is
      // `listeners`, whose port --port / port 0 may have replaced.
      const advertised = config.isSet('advertised.listeners') ? parseListeners(config.advertisedListeners.join(','))[0] : undefined;
      const advertisedHost = () => advertised?.host || (host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host);
      const producerIds = new ProducerIdAllocator(dataDir);
      const groups = startGroupCoordinator({
        config,
        logs,
        existingPartitions: registry.get('__consumer_offsets')?.partitions,
        ensureInternalTopic: (name, partitions, configs) => controller.ensureInternalTopic(name, partitions, configs),
        leaderEpoch: SINGLE_NODE_LEADER_EPOCH,
        now,
        log,
        shutdown: shutdownController.signal,
      });
      const consumerGroups = startConsumerGroupCoordinator({ config, topics: registry, classicGroups: groups, now, log, shutdown: shutdownController.signal });
      // After the group coordinator: markers it finishes on start may complete transactional offsets.
      const transactions = startTransactionCoordinator({
        config,
        logs,
        groups,
        existingPartitions: registry.get('__transaction_state')?.partitions,
        ensureInternalTopic: (name, partitions, configs) => controller.ensureInternalTopic(name, partitions, configs),
        topicExists: (topic) => registry.get(topic) !== undefined,
        allocateProducerId: () => producerIds.allocate(),
        leaderEpoch: SINGLE_NODE_LEADER_EPOCH,
        now,
        log,
        shutdown: shutdownController.signal,
      });
      const context: BrokerContext = {
        shutdown: shutdownController.signal,
        nodeId: config.nodeId,
        clusterId: registry.clusterId,
        leaderEpoch: SINGLE_NODE_LEADER_EPOCH,
        autoCreateTopics: config.boolean('auto.create.topics.enable'),
        topics: registry,
        controller,
        logs,
        config,
        producerIds,
        groups,
        consumerGroups,
        transactions,
        dataDir,
        log,
        now,
        advertisedEndpoint: () => ({
          host: advertisedHost(),
          port: advertised && advertised.port !== 0 ? advertised.port : boundPort,
        }),
      };
      server = new KafkaServer(
        {
          host,
          port,
          maxRequestBytes: config.number('socket.request.max.bytes'),
          maxIdleMs: config.number('connections.max.idle.ms'),
          maxInFlight: 1000,
          observer: options.requestObserver,
        },
        buildHandlerTable(context),
        log,
      );
      boundPort = await server.listen();
      const broker = new Broker(context, server, advertisedHost(), boundPort, resolution, shutdownController);
      broker.startHousekeeping();
      logs.startCleaner(log);
      return broker;
    } catch (e) {
      // Coordinators may have started timers before something failed.
      shutdownController.abort();
      if (server) await server.close(0);
      logs.close();
      throw e;
    }
  }

  /** Retention, flush.ms and checkpoints, every log.retention.check.interval.ms. */
  private startHousekeeping(): void {
    const interval = Math.min(this.config.number('log.retention.check.interval.ms'), 2 ** 31 - 1);
    this.tickTimer = setInterval(() => {
      try {
        const logs = this.context.logs;
        logs.tick(this.context.now(), { checkpointsInBackground: true });
        if (logs.lastCheckpointError) {
          this.context.log.error({ err: logs.lastCheckpointError }, 'writing the offset checkpoints failed');
          logs.lastCheckpointError = null;
        }
      } catch (err) {
        this.context.log.error({ err }, 'log housekeeping failed');
      }
    }, interval);
    this.tickTimer.unref();
  }

  /** Graceful shutdown: stop accepting, finish in-flight requests, flush and close the logs. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      if (this.tickTimer) clearInterval(this.tickTimer);
      this.shutdownController.abort();
      await this.server.close();
      this.context.logs.close();
    })();
    return this.closing;
  }
}
