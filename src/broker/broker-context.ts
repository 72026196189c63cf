/**
 * What the API handlers share: the broker's identity, the metadata image
 * (read) and the controller (the only writer of metadata), the replica
 * manager (every partition this broker holds), the coordinators and the
 * settings. Built once by broker.ts; handlers receive it and nothing else.
 */
import type { CoordinatorPartitions } from '../coordinator/coordinator-partitions';
import type { Logger } from '../logger';
import type { Controller } from '../cluster/controller';
import type { MetadataLoader } from '../cluster/metadata/metadata-loader';
import type { ProducerIdManager } from '../cluster/producer-id-manager';
import type { ReplicaManager } from '../cluster/replica-manager';
import type { FetchManager } from '../cluster/fetch-session/fetch-manager';
import type { DynamicBrokerConfig } from '../cluster/dynamic-broker-config';
import type { ClientMetricsManager } from '../telemetry/client-metrics-manager';
import type { BrokerConfig } from '../config';
import type { LogManager } from '../storage/log-manager';
import type { RequestContext } from '../network/request-context';
import type { ApiSpec } from '../protocol/apis';
import type { GroupCoordinator } from '../coordinator/group/group-coordinator';
import type { TransactionCoordinator } from '../coordinator/transaction/transaction-coordinator';
import type { ScramCredentialStore } from '../security/scram/credential-store';
import type { ClientQuotaManagers } from '../security/quota/client-quota-managers';
import type { BrokerAuthorizer } from './authorization';

export interface Endpoint {
  host: string;
  port: number;
}

/** This broker's place in a cluster on etcd (absent on one node). */
export interface ClusterView {
  /** The controller's node id as this broker sees it; -1 when none is elected. */
  controllerId(): number;
  isController(): boolean;
  /** Sends a client's request to the controller (in an Envelope) and resolves with its response. */
  forward(spec: ApiSpec<unknown, unknown>, request: unknown, ctx: RequestContext): Promise<unknown>;
}

export interface BrokerContext {
  readonly nodeId: number;
  readonly clusterId: string;
  /** The cluster this broker is a member of; null on one node (it is its own controller). */
  readonly cluster?: ClusterView | null;
  readonly autoCreateTopics: boolean;
  /** The metadata image (`metadata.image`): topics, partitions, configs, brokers. */
  readonly metadata: MetadataLoader;
  /** Validates admin operations and commits them as metadata records. */
  readonly controller: Controller;
  /** Every partition this broker holds; produce, fetch and offsets go through it. */
  readonly replicaManager: ReplicaManager;
  /** Incremental fetch sessions (KIP-227). */
  readonly fetchSessions: FetchManager;
  /** The partition logs of the data dir (DescribeLogDirs). */
  readonly logs: LogManager;
  /** The broker's configuration; its dynamic layers follow the metadata (`dynamicConfig`). */
  readonly config: BrokerConfig;
  /** Dynamic broker configs: what may change at runtime, and the checks before a change is stored. */
  readonly dynamicConfig: DynamicBrokerConfig;
  readonly producerIds: ProducerIdManager;
  /** Every group, classic and KIP-848 consumer groups, and their committed offsets (`__consumer_offsets`). */
  readonly groups: GroupCoordinator;
  /** Client telemetry (KIP-714): subscriptions, client instances and the metrics they pushed. */
  readonly clientMetrics: ClientMetricsManager;
  /** Transactional ids and their transactions (`__transaction_state`). */
  readonly transactions: TransactionCoordinator;
  /** The `__consumer_offsets` partitions this broker coordinates: whether it may act for a group, and when a group's write is replicated. */
  readonly groupPartitions: CoordinatorPartitions;
  /** The same for `__transaction_state` and transactional ids. */
  readonly transactionPartitions: CoordinatorPartitions;
  /** The data directory, or null for an in-memory broker. */
  readonly dataDir: string | null;
  readonly log: Logger;
  /** SCRAM credentials (DescribeUserScramCredentials / AlterUserScramCredentials; SCRAM logins read them). */
  readonly scramCredentials: ScramCredentialStore;
  /** Client quotas (produce / fetch byte rates, request time), fed from the metadata image. */
  readonly quotas: ClientQuotaManagers;
  /** ACL decisions for every API (everything allowed when `authorizer.class.name` is unset). */
  readonly authorizer: BrokerAuthorizer;
  /** Aborted when the broker shuts down: long-poll waits end early. */
  readonly shutdown: AbortSignal;
  /** The host:port clients should use, as advertised for the listener they reached. */
  advertisedEndpoint(ctx: RequestContext): Endpoint;
  now(): number;
}
