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
 * or in memory with `--memory`); the cluster work swaps the store for one
 * on etcd and keeps the rest.
 */
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
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
import { ProducerIdManager } from './producer-id-manager';
import { ReplicaManager } from './replica-manager';

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
  private brokerEpoch = -1;

  private constructor(
    readonly nodeId: number,
    readonly clusterId: string,
    readonly dir: StorageDir,
    private readonly store: LogMetadataStore,
    readonly metadata: MetadataLoader,
    readonly controller: Controller,
    readonly logs: LogManager,
    readonly replicas: ReplicaManager,
    readonly producerIds: ProducerIdManager,
    /** Dynamic broker configs: the metadata's BROKER config resources, applied to `config`. */
    readonly dynamicConfig: DynamicBrokerConfig,
    private readonly config: BrokerConfig,
  ) {}

  static async open(o: ClusterNodeOptions): Promise<ClusterNode> {
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
    let logs: LogManager | null = null;
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
      // Dynamic broker configs apply before the logs open, so they open with them;
      // the parts that take later changes exist only below, hence the late binding.
      let replicasRef: ReplicaManager | null = null;
      let logsRef: LogManager | null = null;
      const dynamicConfig = new DynamicBrokerConfig(config, nodeId, log);
      dynamicConfig.addReconfigurable({ name: 'log defaults', keys: LOG_DEFAULT_BROKER_KEYS, reconfigure: () => replicasRef?.brokerDefaultsChanged() });
      dynamicConfig.addReconfigurable({ name: 'log cleaner', keys: LOG_CLEANER_BROKER_KEYS, reconfigure: (c) => logsRef?.cleaner.reconfigure(logCleanerConfigOf(c)) });
      for (const r of o.reconfigurables ?? []) dynamicConfig.addReconfigurable(r);
      metadata.install(dynamicConfig);

      logs = LogManager.open(
        { dir: data.dir, release: () => data.release(), now: o.now, cleaner: { ...logCleanerConfigOf(config), ...o.cleaner }, convertEarlierWeirFiles: o.dataDir !== null && storedMeta === null },
        (topic) => logConfigOf(resolveTopicConfig(metadata.image.topicConfigs(topic), config), config),
      );
      if (logs.rewrittenIndexSegments > 0) {
        log.info({ segments: logs.rewrittenIndexSegments }, "rewrote the offset indexes of an earlier Weir in Kafka's layout (each entry names its batch's last offset)");
      }
      const replicas = new ReplicaManager({ nodeId, logs, config, scheduler: o.scheduler, log });
      metadata.install(replicas);
      replicasRef = replicas;
      logsRef = logs;
      let node: ClusterNode | null = null;
      const producerIds = new ProducerIdManager({
        nodeId,
        brokerEpoch: () => node?.brokerEpoch ?? -1,
        requestBlock: (id, epoch) => controller.allocateProducerIds(id, epoch),
        log,
      });
      metadata.install(producerIds);
      node = new ClusterNode(nodeId, clusterId, data.dir, store, metadata, controller, logs, replicas, producerIds, dynamicConfig, config);
      await node.register(o.endpoints);
      return node;
    } catch (e) {
      store?.close();
      if (logs) logs.close();
      else data.release();
      throw e;
    }
  }

  /** (Re-)registers this broker with its endpoints; the registration's offset is its epoch. */
  async register(endpoints: readonly BrokerEndpoint[]): Promise<void> {
    this.brokerEpoch = await this.controller.registerBroker({
      brokerId: this.nodeId,
      incarnationId: randomUUID(),
      endpoints,
      rack: this.config.optionalString('broker.rack'),
    });
  }

  /** After the last request: high watermarks checkpointed, metadata log and partition logs closed, data dir released. */
  close(): void {
    this.replicas.close();
    this.store.close();
    this.logs.close();
  }
}
