/**
 * Wires one broker together: configuration, the metadata image, the partition
 * logs, the controller, the API handlers and the TCP server; runs the
 * periodic housekeeping; shuts down in order (stop accepting, finish
 * in-flight requests, flush and close the logs).
 */
import type { Logger } from 'pino';
import { ClusterNode } from '../cluster/cluster-node';
import { FetchManager } from '../cluster/fetch-session/fetch-manager';
import { FetchSessionCache } from '../cluster/fetch-session/fetch-session-cache';
import { ClientMetricsManager } from '../telemetry/client-metrics-manager';
import type { BrokerEndpoint } from '../cluster/metadata/metadata-image';
import type { MetadataLoader } from '../cluster/metadata/metadata-loader';
import { BrokerConfig, BrokerConfigResolution, resolveBrokerConfig } from '../config';
import { silentLogger } from '../logger';
import type { RequestObserver } from '../network/request-observer';
import { KafkaServer } from '../network/server';
import { systemScheduler } from '../time/scheduler';
import { startGroupCoordinator } from '../coordinator/group/start-group-coordinator';
import { startTransactionCoordinator } from '../coordinator/transaction/start-transaction-coordinator';
import { startConsumerGroupCoordinator } from '../coordinator/group/consumer/start-consumer-group-coordinator';
import type { TopicCatalog } from '../coordinator/group/consumer/consumer-group-coordinator';
import { CoordinatorPartitionsPublisher } from '../coordinator/coordinator-partitions';
import { OFFSETS_TOPIC } from '../coordinator/group/offsets-topic';
import { TRANSACTION_STATE_TOPIC } from '../coordinator/transaction/transaction-state-topic';
import type { BrokerContext } from './broker-context';
import { buildHandlerTable } from './handler-table';
import { Housekeeping } from './housekeeping';
import { type Listener, parseListeners } from './listener';

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
/** Kafka's SecurityProtocol id of PLAINTEXT, the one protocol Weir's listener speaks. */
const PLAINTEXT = 0;

/** This broker's registered endpoint: the listener as clients should reach it. */
function registeredEndpoint(listener: Listener, host: string, port: number): BrokerEndpoint {
  return { name: listener.name, host, port, securityProtocol: PLAINTEXT };
}

/** The consumer group coordinator's view of the topics: the metadata image's. */
function imageTopicCatalog(metadata: MetadataLoader): TopicCatalog {
  const entry = (t: { name: string; id: string; partitions: ReadonlyMap<number, unknown> } | undefined) =>
    t && { name: t.name, topicId: t.id, partitions: t.partitions.size };
  return {
    get: (name) => entry(metadata.image.topics.get(name)),
    getById: (id) => entry(metadata.image.topics.getById(id)),
    list: () => metadata.image.topics.list().map((t) => ({ name: t.name, topicId: t.id, partitions: t.partitions.size })),
  };
}

export class Broker {
  private housekeeping: Housekeeping | null = null;
  private readonly shutdownController: AbortController;
  private closing: Promise<void> | null = null;

  private constructor(
    readonly context: BrokerContext,
    private readonly node: ClusterNode,
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
    const scheduler = systemScheduler(now);
    // advertised.listeners only when set explicitly: its fallback is
    // `listeners`, whose port --port / port 0 may have replaced.
    const advertised = config.isSet('advertised.listeners') ? parseListeners(config.advertisedListeners.join(','))[0] : undefined;
    const advertisedHost = () => advertised?.host || (host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host);
    let boundPort = port;
    const advertisedPort = () => (advertised && advertised.port !== 0 ? advertised.port : boundPort);
    const node = await ClusterNode.open({
      config,
      dataDir,
      endpoints: [registeredEndpoint(listener, advertisedHost(), advertisedPort())],
      now,
      scheduler,
      log,
    });
    const { metadata, controller, replicas, logs } = node;
    let server: KafkaServer | null = null;
    const shutdownController = new AbortController();
    try {
      const ensureInternalTopic = (name: string, partitions: number, configs: Record<string, string>) =>
        controller.ensureInternalTopic(name, partitions, configs);
      const groups = startGroupCoordinator({
        config,
        replicas,
        metadata,
        ensureInternalTopic,
        now,
        log,
        shutdown: shutdownController.signal,
      });
      const consumerGroups = startConsumerGroupCoordinator({
        config,
        topics: imageTopicCatalog(metadata),
        classicGroups: groups,
        now,
        log,
        shutdown: shutdownController.signal,
      });
      // After the group coordinator: markers it finishes on start may complete transactional offsets.
      const transactions = startTransactionCoordinator({
        config,
        replicas,
        metadata,
        groups,
        ensureInternalTopic,
        topicExists: (topic) => metadata.image.topics.get(topic) !== undefined,
        allocateProducerId: () => {
          const id = node.producerIds.allocate();
          if (id === null) throw new Error('no producer id block available yet');
          return id;
        },
        now,
        log,
        shutdown: shutdownController.signal,
      });
      // From now on the coordinators follow the leadership of their topics' partitions.
      metadata.install(new CoordinatorPartitionsPublisher(OFFSETS_TOPIC, config.nodeId, groups));
      metadata.install(new CoordinatorPartitionsPublisher(TRANSACTION_STATE_TOPIC, config.nodeId, transactions));
      const clientMetrics = new ClientMetricsManager({ telemetryMaxBytes: config.number('telemetry.max.bytes'), now, log });
      metadata.install(clientMetrics);
      // Read at every transactional produce, so a dynamic change applies at once.
      replicas.setTransactionVerifier(() => ({
        enabled: config.boolean('transaction.partition.verification.enable'),
        verifyPartition: (transactionalId, producerId, producerEpoch, topic, partition) =>
          transactions.verifyPartition(transactionalId, producerId, producerEpoch, topic, partition),
      }));
      const context: BrokerContext = {
        shutdown: shutdownController.signal,
        nodeId: config.nodeId,
        clusterId: node.clusterId,
        autoCreateTopics: config.boolean('auto.create.topics.enable'),
        metadata,
        controller,
        replicaManager: replicas,
        fetchSessions: new FetchManager(new FetchSessionCache({ maxEntries: config.number('max.incremental.fetch.session.cache.slots') })),
        logs,
        config,
        dynamicConfig: node.dynamicConfig,
        clientMetrics,
        producerIds: node.producerIds,
        groups,
        consumerGroups,
        transactions,
        dataDir,
        log,
        now,
        advertisedEndpoint: () => ({ host: advertisedHost(), port: advertisedPort() }),
      };
      server = new KafkaServer(
        {
          host,
          port,
          backlog: config.number('socket.listen.backlog.size'),
          maxRequestBytes: config.number('socket.request.max.bytes'),
          maxIdleMs: config.number('connections.max.idle.ms'),
          maxInFlight: 1000,
          observer: options.requestObserver,
        },
        buildHandlerTable(context),
        log,
      );
      const registeredPort = advertisedPort();
      boundPort = await server.listen();
      // Port 0 (or --port) picked the port only now: register it.
      if (advertisedPort() !== registeredPort) await node.register([registeredEndpoint(listener, advertisedHost(), advertisedPort())]);
      const broker = new Broker(context, node, server, advertisedHost(), boundPort, resolution, shutdownController);
      broker.housekeeping = Housekeeping.start(config, logs, replicas, now, log);
      logs.startCleaner(log);
      return broker;
    } catch (e) {
      // Coordinators may have started timers before something failed.
      shutdownController.abort();
      replicas.shutdown();
      if (server) await server.close(0);
      node.close();
      throw e;
    }
  }

  /** Graceful shutdown: stop accepting, finish in-flight requests, flush and close the logs. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      this.housekeeping?.stop();
      this.shutdownController.abort();
      // Waiting fetches and produces answer now, so in-flight requests can finish.
      this.context.replicaManager.shutdown();
      await this.server.close();
      this.node.close();
    })();
    return this.closing;
  }
}
