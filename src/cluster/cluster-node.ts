/**
 * This broker's cluster layer, opened in dependency order and closed in
 * reverse: the data dir (its meta.properties checked before anything is
 * loaded, then claimed), the cluster id (meta.properties), the metadata log
 * and the image built from it (migrating a data dir written before the
 * metadata log, once), the controller, the partition logs (recovered with
 * their topics' settings from the image), the replica manager (which opens
 * the partitions the image assigns here) and the producer-id manager, and
 * this broker's registration.
 *
 * On one node the metadata log lives in the data dir (`__cluster_metadata-0`,
 * or in memory with `--memory`). With `etcd.endpoints` set the broker is a
 * member of a cluster on etcd instead (`openInCluster`): the metadata log
 * is etcd's, the controller the elected one, and the rest is the same.
 */
import { randomUUID } from 'node:crypto';
import type { Logger } from '../logger';
import { type BrokerConfig, resolveTopicConfig } from '../config';
import type { LogCleanerConfig } from '../storage/cleaner/log-cleaner-config';
import { openDataDir } from '../storage/data-dir';
import { LogManager } from '../storage/log-manager';
import type { StorageDir } from '../storage/storage-dir';
import type { Scheduler } from '../time/scheduler';
import { Controller } from './controller';
import { METADATA_VERSION_FEATURE } from './features';
import { type BrokerReconfigurable, DynamicBrokerConfig } from './dynamic-broker-config';
import { LOG_CLEANER_BROKER_KEYS, LOG_DEFAULT_BROKER_KEYS, logCleanerConfigOf, logConfigOf } from './log-settings';
import { completeMetaProperties, randomKafkaUuid, readMetaProperties, verifyMetaProperties } from './meta-properties';
import { legacyClusterId, readLegacyMetadata } from './metadata/legacy-metadata';
import { LogMetadataStore, METADATA_PARTITION_DIR } from './metadata/log-metadata-store';
import type { BrokerEndpoint } from './metadata/metadata-image';
import { MetadataLoader } from './metadata/metadata-loader';
import type { MetadataStore } from './metadata/metadata-store';
import { ProducerIdManager } from './producer-id-manager';
import { ClusterController } from './cluster-controller';
import type { EtcdClusterMember } from './etcd/etcd-cluster-member';
import type { ElectedControllerDuties } from './etcd/elected-controller';
import { etcdSettings, type EtcdSettings } from './etcd/etcd-settings';
import { ReplicaManager } from './replica-manager';
import { type ControlledShutdownOutcome, runControlledShutdown } from './controlled-shutdown';
import { AutoLeaderRebalance } from './auto-leader-rebalance';
import { liveBrokersLog } from './live-brokers-log';

export interface ClusterNodeOptions {
  config: BrokerConfig;
  /** The data directory; null keeps everything in memory. */
  dataDir: string | null;
  /** This broker's endpoints as registered (the listener's host and port). */
  endpoints: readonly BrokerEndpoint[];
  now: () => number;
  scheduler: Scheduler;
  log: Logger;
  /** Cleaner settings over those of the broker config (log.cleaner.*): Weir's slice sizes, in tests. */
  cleaner?: Partial<LogCleanerConfig>;
  /** Parts above the cluster layer that apply dynamic broker configs (the connection limits). */
  reconfigurables?: readonly BrokerReconfigurable[];
}

export class ClusterNode {
  private registeredEpoch = -1;
  /** auto.leader.rebalance.enable's periodic check (a cluster's brokers; the elected controller acts). */
  private leaderRebalance: AutoLeaderRebalance | null = null;

  private constructor(
    readonly nodeId: number,
    readonly clusterId: string,
    readonly dir: StorageDir,
    private readonly store: MetadataStore,
    readonly metadata: MetadataLoader,
    readonly controller: Controller,
    readonly logs: LogManager,
    readonly replicas: ReplicaManager,
    readonly producerIds: ProducerIdManager,
    /** Dynamic broker configs: the metadata's BROKER config resources, applied to `config`. */
    readonly dynamicConfig: DynamicBrokerConfig,
    private readonly config: BrokerConfig,
    /** This broker's membership of a cluster on etcd; null on one node. */
    readonly cluster: EtcdClusterMember | null,
    private readonly duties: ElectedControllerDuties | null,
    private readonly scheduler: Scheduler,
    private readonly log: Logger,
  ) {}

  static async open(o: ClusterNodeOptions): Promise<ClusterNode> {
    const settings = etcdSettings(o.config);
    return settings ? ClusterNode.openInCluster(o, settings) : ClusterNode.openSingle(o);
  }

  /** One node: the metadata log in the data dir (or in memory), this broker its only writer. */
  private static async openSingle(o: ClusterNodeOptions): Promise<ClusterNode> {
    const { config, log } = o;
    const nodeId = config.nodeId;
    // The data dir's identity is checked before any log is loaded (Kafka
    // refuses another node's directory up front). A directory holding data
    // but no meta.properties was written by an earlier Weir: its offset
    // indexes and producer snapshots are rewritten in Kafka's layout while loading.
    const storedMeta = o.dataDir === null ? null : readMetaProperties(o.dataDir);
    if (o.dataDir !== null && storedMeta !== null) verifyMetaProperties(storedMeta, nodeId, o.dataDir);
    const data = openDataDir({ dataDir: o.dataDir });
    let store: LogMetadataStore | null = null;
    let below: BelowMetadata | null = null;
    try {
      // Under the data dir lock: meta.properties for a new (or an earlier Weir's) directory.
      const clusterId =
        o.dataDir === null
          ? randomKafkaUuid()
          : completeMetaProperties(o.dataDir, storedMeta, nodeId, () => legacyClusterId(data.dir) ?? randomKafkaUuid()).clusterId;
      store = LogMetadataStore.open(data.dir.dir(METADATA_PARTITION_DIR), o.now);
      const metadata = new MetadataLoader(log);
      metadata.catchUp(await store.start((batch) => metadata.handleCommitted(batch)));
      const controller = new Controller(store, metadata, config);

      const legacy = readLegacyMetadata(data.dir, nodeId, clusterId);
      if (!metadata.image.features.has(METADATA_VERSION_FEATURE)) {
        await controller.bootstrap(legacy?.records ?? []);
        if (legacy) log.info({ topics: legacy.topics, into: METADATA_PARTITION_DIR }, 'migrated the topic metadata of weir-metadata.json into the metadata log');
      }
      legacy?.finish();
      const finalized = await controller.finalizeMissingFeatures();
      if (finalized.length > 0) log.info({ features: finalized }, 'finalized the features this metadata log did not have yet');
      let node: ClusterNode | null = null;
      below = openBelowMetadata(o, data, metadata, o.dataDir !== null && storedMeta === null, {
        brokerEpoch: () => node?.brokerEpoch ?? -1,
        requestBlock: (id, epoch) => controller.allocateProducerIds(id, epoch),
      });
      node = new ClusterNode(nodeId, clusterId, data.dir, store, metadata, controller, below.logs, below.replicas, below.producerIds, below.dynamicConfig, config, null, null, o.scheduler, log);
      await node.register(o.endpoints);
      return node;
    } catch (e) {
      store?.close();
      if (below) below.logs.close();
      else data.release();
      throw e;
    }
  }

  /**
   * A broker of a cluster on etcd (etcd-cluster-member.ts): the metadata log
   * is etcd's, written only by the elected controller (which bootstraps it
   * once per cluster and keeps the brokers' registrations current,
   * elected-controller.ts); this broker stands for controller and waits for
   * the log to be bootstrapped before it opens its partitions. It registers
   * once its listeners are bound (`register`).
   */
  private static async openInCluster(o: ClusterNodeOptions, settings: EtcdSettings): Promise<ClusterNode> {
    const { config, log } = o;
    const nodeId = config.nodeId;
    const storedMeta = o.dataDir === null ? null : readMetaProperties(o.dataDir);
    if (o.dataDir !== null && storedMeta !== null) verifyMetaProperties(storedMeta, nodeId, o.dataDir);
    // Loaded only here: a single broker has no use for the etcd modules (the client, the session, the election...).
    const { EtcdClusterMember } = require('./etcd/etcd-cluster-member') as typeof import('./etcd/etcd-cluster-member');
    const { ElectedControllerDuties } = require('./etcd/elected-controller') as typeof import('./etcd/elected-controller');
    const member = await EtcdClusterMember.open({ settings, nodeId, log });
    let data: ReturnType<typeof openDataDir> | null = null;
    let below: BelowMetadata | null = null;
    let duties: ElectedControllerDuties | null = null;
    try {
      if (storedMeta?.clusterId && storedMeta.clusterId !== member.clusterId) {
        throw new Error(
          `the cluster id ${storedMeta.clusterId} in ${o.dataDir}/meta.properties does not match the cluster id ${member.clusterId} in etcd (${settings.endpoints.join(',')}, prefix ${settings.keyPrefix}): ` +
            'this data dir belongs to another cluster',
        );
      }
      data = openDataDir({ dataDir: o.dataDir });
      const clusterId = o.dataDir === null ? member.clusterId : completeMetaProperties(o.dataDir, storedMeta, nodeId, () => member.clusterId).clusterId;
      const metadata = new MetadataLoader(log);
      const store = member.store;
      metadata.catchUp(await store.start((batch) => metadata.handleCommitted(batch)));
      metadata.install(liveBrokersLog(log));
      const controller = new ClusterController(store, metadata, config, () => member.isController());
      duties = new ElectedControllerDuties(controller, member.registry, () => member.isController(), log);
      const d = duties;
      member.onElected(() => d.run());
      await member.stand();
      await withTimeout(
        metadata.whenImage((image) => image.features.has(METADATA_VERSION_FEATURE)),
        settings.registrationTimeoutMs,
        () => `the cluster metadata was not bootstrapped within ${settings.registrationTimeoutMs} ms (initial.broker.registration.timeout.ms): no controller elected?`,
      );
      below = openBelowMetadata(o, data, metadata, o.dataDir !== null && storedMeta === null, {
        brokerEpoch: () => member.brokerEpoch,
        requestBlock: (id, epoch) => controller.allocateProducerIds(id, epoch),
      });
      // Fenced by the cluster: no longer a leader in any epoch it held (it may be a zombie).
      const replicas = below.replicas;
      member.onSessionLost(() => replicas.resignLeadership());
      const node = new ClusterNode(nodeId, clusterId, data.dir, store, metadata, controller, below.logs, below.replicas, below.producerIds, below.dynamicConfig, config, member, duties, o.scheduler, log);
      node.leaderRebalance = AutoLeaderRebalance.start({ controller, isController: () => member.isController(), config, scheduler: o.scheduler, log });
      return node;
    } catch (e) {
      duties?.stop();
      if (below) below.logs.close();
      else data?.release();
      await member.close();
      throw e;
    }
  }

  /**
   * (Re-)registers this broker with its endpoints. One node: a
   * RegisterBrokerRecord, its offset the broker epoch. A cluster: the
   * registration in etcd (its revision the epoch), then waits until the
   * controller has put it in the metadata, unfenced.
   */
  async register(endpoints: readonly BrokerEndpoint[]): Promise<void> {
    if (this.cluster) {
      const own = await this.cluster.register({ id: this.nodeId, rack: this.config.optionalString('broker.rack'), endpoints });
      const timeoutMs = this.config.number('initial.broker.registration.timeout.ms');
      await withTimeout(
        this.metadata.whenImage((image) => {
          const b = image.brokers.get(this.nodeId);
          return b !== undefined && !b.fenced && b.incarnationId === own.incarnationId;
        }),
        timeoutMs,
        () => `the controller did not register this broker within ${timeoutMs} ms (initial.broker.registration.timeout.ms)`,
      );
      this.registeredEpoch = own.epoch;
      return;
    }
    this.registeredEpoch = await this.controller.registerBroker({
      brokerId: this.nodeId,
      incarnationId: randomUUID(),
      endpoints,
      rack: this.config.optionalString('broker.rack'),
    });
  }

  /** This broker's epoch: its registration's (a cluster's: the current one in etcd); -1 before it registered. */
  get brokerEpoch(): number {
    return this.cluster && this.registeredEpoch >= 0 ? this.cluster.brokerEpoch : this.registeredEpoch;
  }

  /** The controller's node id (this broker on one node; -1 in a cluster with none elected). */
  get controllerId(): number {
    return this.cluster ? this.cluster.controllerId : this.nodeId;
  }

  /** Whether this broker may write metadata now (always on one node). */
  isController(): boolean {
    return this.cluster ? this.cluster.isController() : true;
  }

  /**
   * A cluster's broker asked to stop moves leadership off itself first
   * (controlled-shutdown.ts), with `controlled.shutdown.enable`; null when
   * there is nothing to do (one node, or disabled). Call before `close`,
   * while the broker still serves.
   */
  async controlledShutdown(): Promise<ControlledShutdownOutcome | null> {
    const member = this.cluster;
    if (!member || !this.config.boolean('controlled.shutdown.enable') || this.registeredEpoch < 0) return null;
    this.replicas.beginControlledShutdown();
    return runControlledShutdown({
      nodeId: this.nodeId,
      metadata: this.metadata,
      begin: () => member.beginControlledShutdown(),
      noOtherBrokerStays: () => member.whenNoOtherBrokerStays(),
      timeoutMs: this.config.number('controlled.shutdown.max.retries') * this.config.number('controlled.shutdown.retry.backoff.ms'),
      scheduler: this.scheduler,
      log: this.log,
    });
  }

  /**
   * A stopping broker's last step before `close`, once nothing is appended
   * any more: every partition log flushed, many at once (LogManager.flushAllAsync),
   * so that `close` finds nothing left to fsync.
   */
  flushLogs(): Promise<void> {
    return this.logs.flushAllAsync();
  }

  /** After the last request: high watermarks checkpointed, metadata log and partition logs closed, data dir released. */
  async close(): Promise<void> {
    this.leaderRebalance?.stop();
    this.duties?.stop();
    this.replicas.close();
    this.store.close();
    this.logs.close();
    // Leaving the cluster last: the lease is revoked, the next controller elected at once.
    await this.cluster?.close();
  }
}

interface BelowMetadata {
  logs: LogManager;
  replicas: ReplicaManager;
  producerIds: ProducerIdManager;
  dynamicConfig: DynamicBrokerConfig;
}

/**
 * What every broker opens over its metadata, one node or cluster: the
 * dynamic broker configs (applied before the logs open, so they open with
 * them), the partition logs, the replica manager (which opens the
 * partitions the image assigns here) and the producer-id manager.
 */
function openBelowMetadata(
  o: ClusterNodeOptions,
  data: ReturnType<typeof openDataDir>,
  metadata: MetadataLoader,
  convertEarlierWeirFiles: boolean,
  producerIdSource: { brokerEpoch: () => number; requestBlock: (nodeId: number, brokerEpoch: number) => Promise<unknown> },
): BelowMetadata {
  const { config, log } = o;
  const nodeId = config.nodeId;
  // The parts that take later changes exist only below, hence the late binding.
  let replicasRef: ReplicaManager | null = null;
  let logsRef: LogManager | null = null;
  const dynamicConfig = new DynamicBrokerConfig(config, nodeId, log);
  dynamicConfig.addReconfigurable({ name: 'log defaults', keys: LOG_DEFAULT_BROKER_KEYS, reconfigure: () => replicasRef?.brokerDefaultsChanged() });
  dynamicConfig.addReconfigurable({ name: 'log cleaner', keys: LOG_CLEANER_BROKER_KEYS, reconfigure: (c) => logsRef?.cleaner.reconfigure(logCleanerConfigOf(c)) });
  for (const r of o.reconfigurables ?? []) dynamicConfig.addReconfigurable(r);
  metadata.install(dynamicConfig);

  const logs = LogManager.open(
    { dir: data.dir, release: () => data.release(), now: o.now, cleaner: { ...logCleanerConfigOf(config), ...o.cleaner }, convertEarlierWeirFiles },
    (topic) => logConfigOf(resolveTopicConfig(metadata.image.topicConfigs(topic), config), config),
  );
  if (logs.rewrittenIndexSegments > 0) {
    log.info({ segments: logs.rewrittenIndexSegments }, "rewrote the offset indexes of an earlier Weir in Kafka's layout (each entry names its batch's last offset)");
  }
  try {
    const replicas = new ReplicaManager({ nodeId, logs, config, scheduler: o.scheduler, log });
    metadata.install(replicas);
    replicasRef = replicas;
    logsRef = logs;
    const producerIds = new ProducerIdManager({ nodeId, ...producerIdSource, log });
    metadata.install(producerIds);
    return { logs, replicas, producerIds, dynamicConfig };
  } catch (e) {
    logs.close();
    throw e;
  }
}

function withTimeout<T>(promise: Promise<T>, ms: number, message: () => string): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(message())), ms);
    promise.then(
      (v) => {
        clearTimeout(timer);
        resolve(v);
      },
      (e: unknown) => {
        clearTimeout(timer);
        reject(e instanceof Error ? e : new Error(String(e)));
      },
    );
  });
}
