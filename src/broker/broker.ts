/**
 * Wires one broker together: configuration, the metadata image, the partition
 * logs, the controller, the API handlers and the TCP server; runs the
 * periodic housekeeping; shuts down in order (stop accepting, finish
 * in-flight requests, flush and close the logs).
 */
import type { Logger } from 'pino';
import { Controller, logCleanerConfigOf, logConfigOf } from '../cluster/controller';
import { ProducerIdAllocator } from '../cluster/producer-id-allocator';
import { completeMetaProperties, randomKafkaUuid, readMetaProperties, verifyMetaProperties } from '../cluster/meta-properties';
import { TopicRegistry } from '../cluster/topic-registry';
import { BrokerConfig, BrokerConfigResolution, resolveBrokerConfig, resolveTopicConfig } from '../config';
import { silentLogger } from '../logger';
import type { RequestObserver } from '../network/request-observer';
import { KafkaServer } from '../network/server';
import { LogManager } from '../storage/log-manager';
import { startGroupCoordinator } from '../coordinator/group/start-group-coordinator';
import { startTransactionCoordinator } from '../coordinator/transaction/start-transaction-coordinator';
import { startConsumerGroupCoordinator } from '../coordinator/group/consumer/start-consumer-group-coordinator';
import type { BrokerContext, Endpoint } from './broker-context';
import { buildHandlerTable } from './handler-table';
import { resolveListeners, type ListenerConfig } from '../config/listeners';
import type { SecurityProtocol } from '../security/security-protocol';
import { MemoryScramCredentialStore, type ScramCredentialStore } from '../security/scram/credential-store';
import { buildListenerSecurity } from './listener-security';

export interface BrokerOptions {
  /** Kafka broker properties (server.properties keys), already merged with overrides. */
  properties?: Readonly<Record<string, string>>;
  /** Keep everything in memory (nothing on disk); otherwise `log.dirs` / `dataDir`. */
  memory?: boolean;
  /** Data directory; overrides `log.dirs`. */
  dataDir?: string;
  /** Port of the first listener in `listeners` (0 = any free port). */
  port?: number;
  /** Host of the first listener in `listeners`. */
  host?: string;
  /** SCRAM credentials (default: a new in-memory store). */
  scramCredentials?: ScramCredentialStore;
  logger?: Logger;
  /** Clock for the logs and housekeeping (tests inject one). */
  now?: () => number;
  /** Told about connections and completed requests (metrics). */
  requestObserver?: RequestObserver;
}

/** One listener as bound: its name, protocol, and the address it listens on. */
export interface BoundListener {
  readonly name: string;
  readonly securityProtocol: SecurityProtocol;
  readonly host: string;
  readonly port: number;
  /** What Metadata tells clients that came in on this listener. */
  readonly advertised: Endpoint;
}

const DEFAULT_DATA_DIR = './weir-data';
const SINGLE_NODE_LEADER_EPOCH = 0;

export class Broker {
  private tickTimer: NodeJS.Timeout | null = null;
  private readonly shutdownController: AbortController;
  private closing: Promise<void> | null = null;

  private constructor(
    readonly context: BrokerContext,
    private readonly servers: readonly KafkaServer[],
    /** Every listener, in the order of `listeners`. */
    readonly listeners: readonly BoundListener[],
    readonly configResolution: BrokerConfigResolution,
    shutdownController: AbortController,
  ) {
    this.shutdownController = shutdownController;
  }

  /** The first listener's advertised host. */
  get host(): string {
    return this.listeners[0]!.advertised.host;
  }

  /** The first listener's bound port. */
  get port(): number {
    return this.listeners[0]!.port;
  }

  /** host:port of the first listener: its advertised host and the port it is bound to. */
  get bootstrapServers(): string {
    return this.bootstrapServersFor(this.listeners[0]!.name);
  }

  /**
   * host:port of the named listener (e.g. 'SASL_SSL'): its advertised host and
   * its bound port (the advertised port may belong to a proxy in front).
   */
  bootstrapServersFor(listenerName: string): string {
    const l = this.listeners.find((x) => x.name === listenerName.toUpperCase());
    if (!l) throw new Error(`no listener named ${listenerName} (listeners: ${this.listeners.map((x) => x.name).join(', ')})`);
    return `${l.advertised.host}:${l.port}`;
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

    const listenerConfigs: ListenerConfig[] = resolveListeners(config).listeners;
    // --port / --host (and the embedding API's port/host) move the first listener.
    const first = listenerConfigs[0]!;
    listenerConfigs[0] = { ...first, host: options.host ?? first.host, port: options.port ?? first.port };
    const scramCredentials = options.scramCredentials ?? new MemoryScramCredentialStore();
    const listenerSecurity = listenerConfigs.map((l) => buildListenerSecurity(config, l, scramCredentials, now));

    const dataDir = options.memory ? null : (options.dataDir ?? config.logDirs[0] ?? DEFAULT_DATA_DIR);
    // The data dir's identity is checked before any log is loaded (Kafka
    // refuses another node's directory up front). A directory holding data
    // but no meta.properties was written by an earlier Weir: its offset
    // indexes and producer snapshots are rewritten in Kafka's layout while loading.
    const storedMeta = dataDir === null ? null : readMetaProperties(dataDir);
    if (dataDir !== null && storedMeta !== null) verifyMetaProperties(storedMeta, config.nodeId, dataDir);
    // Logs load first (taking the data dir lock); their topic configs are
    // applied once the metadata image is open.
    let registryRef: TopicRegistry | null = null;
    const logs = LogManager.open(
      dataDir === null
        ? { memory: true, now, cleaner: logCleanerConfigOf(config) }
        : {
            dataDir,
            now,
            cleaner: logCleanerConfigOf(config),
            convertEarlierWeirFiles: storedMeta === null,
          },
      (topic) => (registryRef ? logConfigOf(resolveTopicConfig(registryRef.get(topic)?.configs ?? {}, config), config) : {}),
    );
    if (logs.rewrittenIndexSegments > 0) {
      log.info({ segments: logs.rewrittenIndexSegments }, "rewrote the offset indexes of an earlier Weir in Kafka's layout (each entry names its batch's last offset)");
    }
    const servers: KafkaServer[] = [];
    const shutdownController = new AbortController();
    try {
      // Under the data dir lock: write meta.properties for a new (or earlier Weir's) directory.
      const clusterId =
        dataDir === null
          ? randomKafkaUuid()
          : completeMetaProperties(dataDir, storedMeta, config.nodeId, () => TopicRegistry.storedClusterId(dataDir) ?? randomKafkaUuid()).clusterId;
      const registry = TopicRegistry.open(dataDir, clusterId);
      registryRef = registry;
      for (const t of registry.list()) logs.updateTopicConfig(t.name, logConfigOf(resolveTopicConfig(t.configs, config), config));
      const controller = new Controller(config.nodeId, registry, logs, config);

      // Filled in as each listener binds; Metadata answers with the entry of
      // the listener the request came in on.
      const bound = new Map<string, BoundListener>();
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
        clusterId,
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
        scramCredentials,
        advertisedEndpoint: (ctx) => (bound.get(ctx.listenerName) ?? bound.values().next().value!).advertised,
      };
      const handlers = buildHandlerTable(context);
      for (const [i, l] of listenerConfigs.entries()) {
        const host = l.host === '' ? '0.0.0.0' : l.host;
        const server = new KafkaServer(
          {
            host,
            port: l.port,
            maxRequestBytes: config.number('socket.request.max.bytes'),
            maxIdleMs: config.number('connections.max.idle.ms'),
            maxInFlight: 1000,
            observer: options.requestObserver,
            listener: listenerSecurity[i]!,
            now,
          },
          handlers,
          log,
        );
        servers.push(server);
        const port = await server.listen();
        // advertised.listeners when it names this listener (port 0 there: the bound one), else the bound address.
        const advertisedHost = l.advertised?.host || (host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host);
        const advertisedPort = l.advertised && l.advertised.port !== 0 ? l.advertised.port : port;
        bound.set(l.name, { name: l.name, securityProtocol: l.securityProtocol, host, port, advertised: { host: advertisedHost, port: advertisedPort } });
      }
      const broker = new Broker(context, servers, [...bound.values()], resolution, shutdownController);
      broker.startHousekeeping();
      logs.startCleaner(log);
      return broker;
    } catch (e) {
      // Coordinators may have started timers before something failed.
      shutdownController.abort();
      await Promise.all(servers.map((server) => server.close(0)));
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
      await Promise.all(this.servers.map((server) => server.close()));
      this.context.logs.close();
    })();
    return this.closing;
  }
}
