/**
 * The broker's view of the cluster's metadata at one point of the metadata
 * log: brokers, topics (ids, names, partitions with leader, leader epoch,
 * replicas and ISR), configs, feature levels, the producer-id high-water
 * mark and the ACLs. Kafka's MetadataImage is the model.
 *
 * An image is immutable and is only ever made by applying metadata records
 * in log order (MetadataDelta.apply): nothing else writes topic facts, so
 * there is one owner of every one of them, the metadata log. Unchanged parts
 * are shared between an image and the next.
 */
import { ConfigResourceType } from '../../config';
import { NO_SCRAM_CREDENTIALS, type ScramCredentialsImage } from './scram-credentials-image';
import { type ClientQuotasImage, NO_CLIENT_QUOTAS } from './client-quotas-image';
import { AclsImage } from './acls-image';

/** PartitionRecord's leader when there is none. */
export const NO_LEADER = -1;

export interface PartitionRegistration {
  readonly replicas: readonly number[];
  readonly isr: readonly number[];
  readonly removingReplicas: readonly number[];
  readonly addingReplicas: readonly number[];
  readonly leader: number;
  /** 0: elected from the ISR; 1: recovering from an unclean election. */
  readonly leaderRecoveryState: number;
  readonly leaderEpoch: number;
  /** Bumped on every change to the partition (Kafka's partition epoch). */
  readonly partitionEpoch: number;
}

export interface TopicImage {
  readonly name: string;
  /** The topic id, as a UUID string. */
  readonly id: string;
  /** Partitions by index, 0..n-1. */
  readonly partitions: ReadonlyMap<number, PartitionRegistration>;
}

export interface BrokerEndpoint {
  /** Listener name, e.g. PLAINTEXT. */
  readonly name: string;
  readonly host: string;
  readonly port: number;
  /** Kafka's SecurityProtocol id (0 PLAINTEXT, 1 SSL, 2 SASL_PLAINTEXT, 3 SASL_SSL). */
  readonly securityProtocol: number;
}

export interface BrokerRegistration {
  readonly id: number;
  /** The offset of the registration in the metadata log (Kafka's broker epoch). */
  readonly epoch: number;
  /** Random per broker process: tells a restart from a duplicate. */
  readonly incarnationId: string;
  readonly endpoints: readonly BrokerEndpoint[];
  readonly rack: string | null;
  readonly fenced: boolean;
  readonly inControlledShutdown: boolean;
}

/** All topics, by id and by name. */
export class TopicsImage {
  static readonly EMPTY = new TopicsImage(new Map(), new Map());

  constructor(
    readonly byId: ReadonlyMap<string, TopicImage>,
    readonly byName: ReadonlyMap<string, TopicImage>,
  ) {}

  get(name: string): TopicImage | undefined {
    return this.byName.get(name);
  }

  getById(id: string): TopicImage | undefined {
    return this.byId.get(id);
  }

  /** The partition, or undefined when the topic or the partition does not exist. */
  partition(name: string, index: number): PartitionRegistration | undefined {
    return this.byName.get(name)?.partitions.get(index);
  }

  list(): TopicImage[] {
    return [...this.byName.values()];
  }

  get size(): number {
    return this.byName.size;
  }
}

/** The key a config resource is stored under: Kafka's (resource type, name). */
export function configResourceKey(resourceType: number, resourceName: string): string {
  return `${resourceType}:${resourceName}`;
}

const NO_CONFIGS: ReadonlyMap<string, string> = new Map();

export class MetadataImage {
  static readonly EMPTY = new MetadataImage(-1, new Map(), new Map(), TopicsImage.EMPTY, new Map(), 0);

  constructor(
    /** Offset of the last record applied (-1: none). */
    readonly offset: number,
    /** Finalized feature levels by name (`metadata.version`). */
    readonly features: ReadonlyMap<string, number>,
    readonly brokers: ReadonlyMap<number, BrokerRegistration>,
    readonly topics: TopicsImage,
    /** Dynamic configs by configResourceKey: name -> value. */
    readonly configs: ReadonlyMap<string, ReadonlyMap<string, string>>,
    /** The first producer id no broker has been given yet. */
    readonly nextProducerId: number,
    /** SCRAM credentials by user and mechanism type (UserScramCredentialRecord). */
    readonly scramCredentials: ScramCredentialsImage = NO_SCRAM_CREDENTIALS,
    /** Client quotas by entity (ClientQuotaRecord). */
    readonly clientQuotas: ClientQuotasImage = NO_CLIENT_QUOTAS,
    /** The ACLs (AccessControlEntryRecords), by id. */
    readonly acls: AclsImage = AclsImage.EMPTY,
  ) {}

  /** A topic's config overrides (Kafka names; empty when it has none). */
  topicConfigs(topic: string): ReadonlyMap<string, string> {
    return this.configs.get(configResourceKey(ConfigResourceType.TOPIC, topic)) ?? NO_CONFIGS;
  }

  /** A topic's config overrides as a plain object. */
  topicConfigObject(topic: string): Record<string, string> {
    return Object.fromEntries(this.topicConfigs(topic));
  }

  /** A broker's dynamic configs ('' is the cluster-wide default resource). */
  brokerConfigs(brokerId: number | ''): ReadonlyMap<string, string> {
    return this.resourceConfigs(ConfigResourceType.BROKER, String(brokerId));
  }

  /** Any config resource's configs (empty when it has none). */
  resourceConfigs(resourceType: number, resourceName: string): ReadonlyMap<string, string> {
    return this.configs.get(configResourceKey(resourceType, resourceName)) ?? NO_CONFIGS;
  }

  /** The names of the config resources of one type that have configs. */
  configResourceNames(resourceType: number): string[] {
    const prefix = configResourceKey(resourceType, '');
    const names: string[] = [];
    for (const key of this.configs.keys()) if (key.startsWith(prefix)) names.push(key.slice(prefix.length));
    return names;
  }

  /**
   * Brokers that are registered, not fenced and not in controlled shutdown:
   * the ones partitions may be placed on (Kafka's usable brokers).
   */
  liveBrokerIds(): number[] {
    return [...this.brokers.values()].filter((b) => !b.fenced && !b.inControlledShutdown).map((b) => b.id).sort((a, b) => a - b);
  }
}
