/**
 * Wires one broker together: configuration, the metadata image, the partition
 * logs, the controller, the API handlers and the TCP server; runs the
 * periodic housekeeping; shuts down in order (stop accepting, finish
 * in-flight requests, flush and close the logs).
 */
import type { Logger } from '../logger';
import { ClusterNode } from '../cluster/cluster-node';
import { FetchManager } from '../cluster/fetch-session/fetch-manager';
import { FetchSessionCache } from '../cluster/fetch-session/fetch-session-cache';
import { ClientMetricsManager } from '../telemetry/client-metrics-manager';
import type { BrokerEndpoint } from '../cluster/metadata/metadata-image';
import type { MetadataLoader } from '../cluster/metadata/metadata-loader';
import { BrokerConfig, BrokerConfigResolution, resolveBrokerConfig } from '../config';
import { silentLogger } from '../logger';
import type { RequestObserver } from '../network/request-observer';
import { CONNECTION_LIMIT_KEYS, ConnectionQuotas, connectionLimitsOf } from '../network/connection-quotas';
import { KafkaServer } from '../network/server';
import { systemScheduler } from '../time/scheduler';
import { startGroupCoordinator } from '../coordinator/group/start-group-coordinator';
import { startTransactionCoordinator } from '../coordinator/transaction/start-transaction-coordinator';
import type { TopicCatalog } from '../coordinator/group/consumer/consumer-group-coordinator';
import { CoordinatorPartitions } from '../coordinator/coordinator-partitions';
import { BrokerAuthorizer } from './authorization';
import { OFFSETS_TOPIC } from '../coordinator/group/offsets-topic';
import { TRANSACTION_STATE_TOPIC } from '../coordinator/transaction/transaction-state-topic';
import type { BrokerContext, ClusterView, Endpoint } from './broker-context';
import type { ControllerChannel } from './controller-channel';
import { ClusterController } from '../cluster/cluster-controller';
import { buildHandlerTable } from './handler-table';
import { Housekeeping } from './housekeeping';
import { resolveListeners, type ListenerConfig } from '../config/listeners';
import type { InterBrokerClient } from './inter-broker-client';
import { SECURITY_PROTOCOLS, type SecurityProtocol } from '../security/security-protocol';
import { ImageScramCredentials } from '../security/scram/credential-store';
import { ClientQuotaManagers } from '../security/quota/client-quota-managers';
import { buildListenerSecurity } from './listener-security';
import type { InterBrokerConnections } from './inter-broker-connections';
import type { TransactionMarkerEntry } from '../coordinator/transaction/transaction-marker-channel';
import type { TransactionCoordinator } from '../coordinator/transaction/transaction-coordinator';
import type { TransactionVerifier } from '../cluster/transaction-verification';
import type { TransactionVerificationChannel } from './transaction-verification-channel';
import { partitionForKey } from '../coordinator/partition-for-key';
import { ErrorCode } from '../protocol/errors';

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

/** A listener as this broker registers it in the metadata (Kafka's SecurityProtocol ids: PLAINTEXT 0 ... SASL_SSL 3). */
function registeredEndpoint(name: string, securityProtocol: SecurityProtocol, advertised: Endpoint): BrokerEndpoint {
  return { name, host: advertised.host, port: advertised.port, securityProtocol: SECURITY_PROTOCOLS.indexOf(securityProtocol) };
}

/** Where a listener is advertised: advertised.listeners when it names it (port 0 there: the bound one), else the bound address. */
function advertisedOf(l: ListenerConfig, host: string, boundPort: number): Endpoint {
  return {
    host: l.advertised?.host || (host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host),
    port: l.advertised && l.advertised.port !== 0 ? l.advertised.port : boundPort,
  };
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

/** How a broker of a cluster dials the others: the inter-broker listener with its security (checked here, at start). */
function interBrokerClientOf(node: ClusterNode, config: BrokerConfig, listener: ListenerConfig): InterBrokerClient {
  // Cluster-only: the client's TLS and SASL code loads here.
  const { interBrokerClient } = require('./inter-broker-client') as typeof import('./inter-broker-client');
  return interBrokerClient(config, listener, () => node.metadata.image);
}

/** How a broker of a cluster reaches the controller: over its inter-broker client. */
function controllerChannelOf(node: ClusterNode, config: BrokerConfig, interBroker: InterBrokerClient, log: Logger): ControllerChannel {
  // Only a cluster's brokers load the channel and the Kafka client connection under it.
  const { ControllerChannel } = require('./controller-channel') as typeof import('./controller-channel');
  const channel = new ControllerChannel({
    nodeId: node.nodeId,
    controllerId: () => node.controllerId,
    interBroker,
    requestTimeoutMs: config.number('request.timeout.ms'),
    log,
  });
  if (node.controller instanceof ClusterController) node.controller.setRemote(channel);
  return channel;
}

/** Connections to the other brokers (transaction markers and verification); cluster-only, loaded lazily like the controller channel. */
function interBrokerConnectionsOf(node: ClusterNode, config: BrokerConfig, interBroker: InterBrokerClient, log: Logger): InterBrokerConnections {
  const { InterBrokerConnections } = require('./inter-broker-connections') as typeof import('./inter-broker-connections');
  return new InterBrokerConnections({ nodeId: node.nodeId, interBroker, requestTimeoutMs: config.number('request.timeout.ms'), log });
}

/** WriteTxnMarkers to another broker; per entry, per partition error codes. */
function markerSenderOf(links: InterBrokerConnections, config: BrokerConfig) {
  const { sendTxnMarkers } = require('./transaction-links') as typeof import('./transaction-links');
  return (brokerId: number, entries: readonly TransactionMarkerEntry[]) => sendTxnMarkers(links, brokerId, entries, config.number('request.timeout.ms'));
}

/**
 * KIP-890 verification as the replica manager asks it: this broker's
 * coordinator when it coordinates the transactional id, else the
 * coordinator's broker over the inter-broker listener.
 */
function transactionVerifierOf(
  transactions: TransactionCoordinator,
  metadata: MetadataLoader,
  config: BrokerConfig,
  links: InterBrokerConnections | null,
  log: Logger,
): TransactionVerifier {
  let remote: TransactionVerificationChannel | null = null;
  const coordinatorOf = (transactionalId: string): number => {
    const t = metadata.image.topics.get(TRANSACTION_STATE_TOPIC);
    return t?.partitions.get(partitionForKey(transactionalId, t.partitions.size))?.leader ?? -1;
  };
  return {
    get enabled() {
      return config.boolean('transaction.partition.verification.enable');
    },
    verify(transactionalId, producerId, producerEpoch, partitions) {
      const local = (p: { topic: string; partition: number }) => transactions.verifyPartition(transactionalId, producerId, producerEpoch, p.topic, p.partition);
      if (transactions.isCoordinatorFor(transactionalId) || links === null) return partitions.map(local);
      // Leader of the partition but not loaded (yet): as Kafka while it loads.
      if (coordinatorOf(transactionalId) === config.nodeId) return partitions.map(() => ErrorCode.COORDINATOR_LOAD_IN_PROGRESS);
      if (remote === null) {
        const { TransactionVerificationChannel } = require('./transaction-verification-channel') as typeof import('./transaction-verification-channel');
        const { sendVerification } = require('./transaction-links') as typeof import('./transaction-links');
        remote = new TransactionVerificationChannel({ coordinatorOf, send: (brokerId, request) => sendVerification(links, brokerId, request), log });
      }
      return remote.verify(transactionalId, producerId, producerEpoch, partitions);
    },
  };
}

function clusterViewOf(node: ClusterNode, channel: ControllerChannel): ClusterView {
  return {
    controllerId: () => node.controllerId,
    isController: () => node.isController(),
    forward: (spec, request, ctx) => channel.forward(spec, request, ctx),
  };
}

export class Broker {
  private housekeeping: Housekeeping | null = null;
  private readonly shutdownController: AbortController;
  private closing: Promise<void> | null = null;

  private constructor(
    readonly context: BrokerContext,
    private readonly node: ClusterNode,
    private readonly servers: readonly KafkaServer[],
    /** Every listener, in the order of `listeners`. */
    readonly listeners: readonly BoundListener[],
    readonly configResolution: BrokerConfigResolution,
    shutdownController: AbortController,
    private readonly channel: ControllerChannel | null = null,
    private readonly brokerLinks: InterBrokerConnections | null = null,
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

    const { listeners: listenerConfigs, interBrokerListenerName } = resolveListeners(config);
    // --port / --host (and the embedding API's port/host) move the first listener.
    const first = listenerConfigs[0]!;
    listenerConfigs[0] = { ...first, host: options.host ?? first.host, port: options.port ?? first.port };
    // The image's credentials; logins begin only once the listeners bind, after the node (and its image) is open.
    const scramCredentials = new ImageScramCredentials(() => node.metadata.image.scramCredentials);
    const listenerSecurity = listenerConfigs.map((l) => buildListenerSecurity(config, l, scramCredentials, now));

    const dataDir = options.memory ? null : (options.dataDir ?? config.logDirs[0] ?? DEFAULT_DATA_DIR);
    const hostOf = (l: ListenerConfig) => (l.host === '' ? '0.0.0.0' : l.host);
    // Registered before the listeners bind (with their configured ports),
    // again once a port 0 has become a real one.
    // One set of connection limits for every listener; dynamic broker configs change them.
    const connectionQuotas = new ConnectionQuotas(connectionLimitsOf(config));
    const node = await ClusterNode.open({
      config,
      dataDir,
      endpoints: listenerConfigs.map((l) => registeredEndpoint(l.name, l.securityProtocol, advertisedOf(l, hostOf(l), l.port))),
      now,
      scheduler: systemScheduler(now),
      log,
      reconfigurables: [{ name: 'connection limits', keys: CONNECTION_LIMIT_KEYS, reconfigure: (c) => connectionQuotas.reconfigure(connectionLimitsOf(c)) }],
    });
    const { metadata, controller, replicas, logs } = node;
    const servers: KafkaServer[] = [];
    const shutdownController = new AbortController();
    let channel: ControllerChannel | null = null;
    let brokerLinks: InterBrokerConnections | null = null;
    try {
      // A cluster: this broker reaches the controller and the other brokers over its inter-broker listener.
      const interBroker = node.cluster ? interBrokerClientOf(node, config, listenerConfigs.find((l) => l.name === interBrokerListenerName)!) : null;
      const cluster = node.cluster && interBroker ? clusterViewOf(node, (channel = controllerChannelOf(node, config, interBroker, log))) : null;
      const ensureInternalTopic = (name: string, partitions: number, configs: Record<string, string>) =>
        controller.ensureInternalTopic(name, partitions, configs);
      // Filled in as each listener binds; Metadata answers with the entry of
      // the listener the request came in on.
      const bound = new Map<string, BoundListener>();
      const groups = startGroupCoordinator({
        config,
        replicas,
        metadata,
        topics: imageTopicCatalog(metadata),
        ensureInternalTopic,
        now,
        log,
        shutdown: shutdownController.signal,
        // groupPartitions loads them once installed, a slice per turn: the broker does not wait.
        loadAfterStart: true,
      });
      // A cluster's brokers reach each other for transaction markers and verification.
      if (channel && interBroker) brokerLinks = interBrokerConnectionsOf(node, config, interBroker, log);
      // After the group coordinator: markers it finishes on start may complete transactional offsets.
      const transactions = startTransactionCoordinator({
        config,
        replicas,
        metadata,
        groups,
        ensureInternalTopic,
        nodeId: config.nodeId,
        sendMarkers: brokerLinks ? markerSenderOf(brokerLinks, config) : undefined,
        allocateProducerId: () => node.producerIds.allocate(),
        now,
        log,
        shutdown: shutdownController.signal,
        // transactionPartitions loads them once installed, a slice per turn: the broker does not wait.
        loadAfterStart: true,
      });
      // From now on the coordinators follow the leadership of their topics' partitions.
      // Kafka's write timeouts: offsets.commit.timeout.ms for groups, request.timeout.ms for transactions.
      const groupPartitions = new CoordinatorPartitions({
        topic: OFFSETS_TOPIC,
        nodeId: config.nodeId,
        owner: groups,
        replicas,
        metadata,
        replicationTimeoutMs: () => config.number('offsets.commit.timeout.ms'),
        // Every group API asks ownerError first, so a partition with records loads after the metadata update,
        // a slice per turn of the event loop; those led at start too (loadAfterStart).
        deferLoad: (load) => setImmediate(load),
        loadOnInstall: true,
        onLoadError: (err, partitions) => log.error({ err, topic: OFFSETS_TOPIC, partitions }, 'could not load the groups of these partitions'),
      });
      const transactionPartitions = new CoordinatorPartitions({
        topic: TRANSACTION_STATE_TOPIC,
        nodeId: config.nodeId,
        owner: transactions,
        replicas,
        metadata,
        replicationTimeoutMs: () => config.number('request.timeout.ms'),
        // The coordinator answers COORDINATOR_LOAD_IN_PROGRESS for a loading partition's ids itself.
        deferLoad: (load) => setImmediate(load),
        onLoadError: (err, partitions) => log.error({ err, topic: TRANSACTION_STATE_TOPIC, partitions }, 'could not load the transactions of these partitions'),
        loadOnInstall: true,
      });
      metadata.install(groupPartitions);
      metadata.install(transactionPartitions);
      const clientMetrics = new ClientMetricsManager({ telemetryMaxBytes: config.number('telemetry.max.bytes'), now, log });
      metadata.install(clientMetrics);
      const quotas = new ClientQuotaManagers({ samples: config.number('quota.window.num'), windowMs: config.number('quota.window.size.seconds') * 1000 });
      metadata.install(quotas);
      const authorizer = new BrokerAuthorizer(config, log);
      metadata.install(authorizer);
      // Read at every transactional produce, so a dynamic change applies at once.
      const verifier = transactionVerifierOf(transactions, metadata, config, brokerLinks, log);
      replicas.setTransactionVerifier(() => verifier);
      const context: BrokerContext = {
        shutdown: shutdownController.signal,
        nodeId: config.nodeId,
        clusterId: node.clusterId,
        cluster,
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
        transactions,
        groupPartitions,
        transactionPartitions,
        dataDir,
        log,
        now,
        scramCredentials,
        quotas,
        authorizer,
        advertisedEndpoint: (ctx) => (bound.get(ctx.listenerName) ?? bound.values().next().value!).advertised,
      };
      const handlers = buildHandlerTable(context);
      for (const [i, l] of listenerConfigs.entries()) {
        const host = hostOf(l);
        const server = new KafkaServer(
          {
            host,
            port: l.port,
            backlog: config.number('socket.listen.backlog.size'),
            maxRequestBytes: config.number('socket.request.max.bytes'),
            maxIdleMs: config.number('connections.max.idle.ms'),
            maxInFlight: 1000,
            observer: options.requestObserver,
            listener: listenerSecurity[i]!,
            now,
            connectionQuotas,
          },
          handlers,
          log,
        );
        servers.push(server);
        const port = await server.listen();
        bound.set(l.name, { name: l.name, securityProtocol: l.securityProtocol, host, port, advertised: advertisedOf(l, host, port) });
      }
      // Port 0 (or --port) picked the ports only now: register them. A
      // cluster's broker registers only now, once it can be reached.
      if (node.cluster || listenerConfigs.some((l) => l.port !== bound.get(l.name)?.port)) {
        await node.register([...bound.values()].map((b) => registeredEndpoint(b.name, b.securityProtocol, b.advertised)));
      }
      // Registered, so leaders admit its fetches: the partitions it follows replicate.
      if (channel && interBroker) {
        // Cluster-only, like the controller channel: the Kafka client connection under it loads here.
        const { replicaLinks } = require('./replica-links') as typeof import('./replica-links');
        replicas.startReplication({
          open: replicaLinks({ nodeId: node.nodeId, interBroker, requestTimeoutMs: config.number('request.timeout.ms') }),
          isrChannel: channel,
          brokerEpoch: () => node.brokerEpoch,
        });
      }
      const broker = new Broker(context, node, servers, [...bound.values()], resolution, shutdownController, channel, brokerLinks);
      broker.housekeeping = Housekeeping.start(config, logs, replicas, now, log);
      logs.startCleaner(log);
      return broker;
    } catch (e) {
      // Coordinators may have started timers before something failed.
      shutdownController.abort();
      replicas.shutdown();
      await Promise.all(servers.map((server) => server.close(0)));
      await channel?.close();
      await brokerLinks?.close();
      await node.close();
      throw e;
    }
  }

  /**
   * Graceful shutdown: a cluster's broker first has the controller move
   * leadership off it while it still serves (controlled shutdown); then
   * stop accepting, finish in-flight requests, flush and close the logs.
   */
  close(): Promise<void> {
    this.closing ??= (async () => {
      try {
        await this.node.controlledShutdown();
      } catch (err) {
        this.context.log.warn({ err }, 'controlled shutdown failed; shutting down without it');
      }
      this.housekeeping?.stop();
      this.shutdownController.abort();
      // Waiting fetches and produces answer now, so in-flight requests can finish.
      this.context.replicaManager.shutdown();
      await Promise.all(this.servers.map((server) => server.close()));
      await this.channel?.close();
      await this.brokerLinks?.close();
      // close() flushes whatever this leaves, one log at a time.
      await this.node.flushLogs().catch((err: unknown) => this.context.log.warn({ err }, 'flushing the logs before closing them failed'));
      await this.node.close();
    })();
    return this.closing;
  }
}
