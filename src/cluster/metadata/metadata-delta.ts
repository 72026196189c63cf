/**
 * The changes a run of metadata records makes to an image: replay the
 * records in log order, then `apply` gives the next image, and the delta
 * itself says what changed (topics created and deleted, partitions added or
 * changed, configs changed, producer-id blocks handed out, brokers
 * registered, ACLs added and removed) so each publisher acts only on what concerns it. Kafka's
 * MetadataDelta / TopicsDelta are the model, including their rules:
 * a PartitionChangeRecord that names a leader bumps the leader epoch, every
 * partition change bumps the partition epoch, and removing a topic removes
 * its configs.
 *
 * A record that contradicts the image (a partition of an unknown topic, a
 * change to a partition that does not exist) throws: the metadata log is
 * the source of truth, and a log that says impossible things is corrupt.
 */
import { ConfigResourceType } from '../../config';
import {
  type BrokerRegistration,
  MetadataImage,
  type PartitionRegistration,
  type TopicImage,
  TopicsImage,
  configResourceKey,
} from './metadata-image';
import type { MetadataRecord } from './metadata-record';
import { ScramCredentialsDelta, scramCredentialRecords } from './scram-credentials-image';
import { ClientQuotasDelta, clientQuotaRecords } from './client-quotas-image';
import type { AclBinding } from '../../security/authorizer/acl';
import { AclsImage, aclBindingOfRecord, aclRecordOf } from './acls-image';
import type {
  ConfigRecord,
  PartitionChangeRecord,
  PartitionRecord,
  ProducerIdsRecord,
  RegisterBrokerRecord,
  TopicRecord,
} from './records';

/** PartitionChangeRecord's leader when the leader did not change. */
export const NO_LEADER_CHANGE = -2;

/** A block of producer ids a broker was given (ProducerIdsRecord): [firstId, endId). */
export interface ProducerIdBlock {
  readonly brokerId: number;
  readonly brokerEpoch: number;
  readonly firstId: number;
  readonly endId: number;
}

export interface TopicPartitionRef {
  readonly topic: string;
  readonly topicId: string;
  readonly partition: number;
}

/** What this broker must do with its replicas (Kafka's LocalReplicaChanges). */
export interface LocalReplicaChanges {
  /** Replicas this broker no longer holds: their topic was deleted or they moved away. */
  readonly deletes: readonly TopicPartitionRef[];
  /** Partitions this broker now leads (new ones, or a changed registration). */
  readonly leaders: readonly (TopicPartitionRef & { readonly registration: PartitionRegistration })[];
  /** Partitions this broker now follows. */
  readonly followers: readonly (TopicPartitionRef & { readonly registration: PartitionRegistration })[];
}

interface ConfigChange {
  /** All of the resource's configs were removed first (its topic was deleted, or a snapshot replaced them). */
  cleared: boolean;
  /** name -> new value, null: removed. */
  readonly values: Map<string, string | null>;
}

export class MetadataDelta {
  /** Topics whose state changed, by id: the new state, or null when removed. */
  private readonly topics = new Map<string, TopicImage | null>();
  /** Per topic id, the partitions added or changed by this delta. */
  private readonly partitionChanges = new Map<string, Map<number, PartitionRegistration>>();
  /**
   * The partition maps of `topics` this delta built itself and may change in
   * place. A topic's map is copied from the image once, at its first change
   * in this delta, not once per partition record: a delta of thousands of
   * partitions of one topic (its creation, a broker's leadership moved)
   * would otherwise copy the map thousands of times.
   */
  private readonly ownPartitionMaps = new Map<string, Map<number, PartitionRegistration>>();
  private readonly configChanges = new Map<string, ConfigChange>();
  private readonly brokers = new Map<number, BrokerRegistration>();
  private readonly features = new Map<string, number>();
  private nextProducerId: number;
  /** Producer-id blocks handed out by this delta, in log order. */
  readonly producerIdBlocks: ProducerIdBlock[] = [];
  private lastOffset: number;
  /** SCRAM credentials set and removed (UserScramCredentialRecord, RemoveUserScramCredentialRecord). */
  readonly scramCredentials: ScramCredentialsDelta;
  /** Client quotas set and removed (ClientQuotaRecord). */
  readonly clientQuotas: ClientQuotasDelta;
  /** ACLs added (the binding) or removed (null) by this delta, by id. */
  private readonly aclChanges = new Map<string, AclBinding | null>();

  constructor(readonly image: MetadataImage) {
    this.nextProducerId = image.nextProducerId;
    this.lastOffset = image.offset;
    this.scramCredentials = new ScramCredentialsDelta(image.scramCredentials);
    this.clientQuotas = new ClientQuotasDelta(image.clientQuotas);
  }

  /**
   * A delta that builds `image` from nothing: what a publisher installed
   * after start is given, so it sees every topic as created.
   */
  static fromEmpty(image: MetadataImage): MetadataDelta {
    const delta = new MetadataDelta(MetadataImage.EMPTY);
    for (const r of imageRecords(image)) delta.replay(r);
    delta.lastOffset = image.offset;
    return delta;
  }

  /** Replays one record; `offset` is its position in the metadata log. */
  replay(record: MetadataRecord, offset?: number): void {
    switch (record.type) {
      case 'TopicRecord':
        this.replayTopic(record.data);
        break;
      case 'PartitionRecord':
        this.replayPartition(record.data);
        break;
      case 'PartitionChangeRecord':
        this.replayPartitionChange(record.data);
        break;
      case 'RemoveTopicRecord':
        this.replayRemoveTopic(record.data.topicId);
        break;
      case 'ConfigRecord':
        this.replayConfig(record.data);
        break;
      case 'RegisterBrokerRecord':
        this.replayRegisterBroker(record.data);
        break;
      case 'FeatureLevelRecord':
        this.features.set(record.data.name, record.data.featureLevel);
        break;
      case 'ProducerIdsRecord':
        this.replayProducerIds(record.data);
        break;
      case 'UserScramCredentialRecord':
        this.scramCredentials.replayUpsert(record.data);
        break;
      case 'RemoveUserScramCredentialRecord':
        this.scramCredentials.replayRemove(record.data);
        break;
      case 'ClientQuotaRecord':
        this.clientQuotas.replay(record.data);
        break;
      case 'AccessControlEntryRecord':
        this.aclChanges.set(record.data.id, aclBindingOfRecord(record.data));
        break;
      case 'RemoveAccessControlEntryRecord':
        this.replayRemoveAcl(record.data.id);
        break;
    }
    if (offset !== undefined) this.lastOffset = offset;
  }

  /**
   * Replays a snapshot: records that are the whole image, not changes to it
   * (see CommittedBatch.snapshot). What the snapshot does not hold is gone:
   * topics it does not name are removed and every config is cleared before
   * its records set them again (Kafka's MetadataDelta.finishSnapshot).
   * Brokers are never unregistered by metadata records, so they need nothing.
   */
  replaySnapshot(records: readonly MetadataRecord[], firstOffset: number): void {
    const named = new Set<string>();
    for (const r of records) if (r.type === 'TopicRecord') named.add(r.data.topicId);
    // The image's and those this delta added (a catch-up replays several batches into one delta).
    for (const id of new Set([...this.image.topics.byId.keys(), ...this.topics.keys()])) {
      if (!named.has(id) && this.currentTopic(id)) this.replayRemoveTopic(id);
    }
    for (const key of new Set([...this.image.configs.keys(), ...this.configChanges.keys()])) {
      this.configChanges.set(key, { cleared: true, values: new Map() });
    }
    this.scramCredentials.clearAll();
    this.clientQuotas.clearAll();
    const namedAcls = new Set<string>();
    for (const r of records) if (r.type === 'AccessControlEntryRecord') namedAcls.add(r.data.id);
    for (const id of new Set([...this.image.acls.byId.keys(), ...this.aclChanges.keys()])) {
      if (!namedAcls.has(id)) this.aclChanges.set(id, null);
    }
    records.forEach((r, i) => this.replay(r, firstOffset + i));
  }

  /** The image after every record replayed so far. */
  apply(): MetadataImage {
    const base = this.image;
    let topics = base.topics;
    if (this.topics.size > 0) {
      const byId = new Map(base.topics.byId);
      const byName = new Map(base.topics.byName);
      for (const [id, t] of this.topics) {
        const before = base.topics.getById(id);
        if (before) byName.delete(before.name);
        if (t === null) byId.delete(id);
        else {
          byId.set(id, t);
          byName.set(t.name, t);
        }
      }
      topics = new TopicsImage(byId, byName);
      // The image now shares these maps: a record replayed after this copies again.
      this.ownPartitionMaps.clear();
    }
    let configs = base.configs;
    if (this.configChanges.size > 0) {
      const next = new Map(base.configs);
      for (const [key, change] of this.configChanges) {
        const values = new Map(change.cleared ? [] : (base.configs.get(key) ?? []));
        for (const [name, value] of change.values) {
          if (value === null) values.delete(name);
          else values.set(name, value);
        }
        if (values.size === 0) next.delete(key);
        else next.set(key, values);
      }
      configs = next;
    }
    const brokers = this.brokers.size === 0 ? base.brokers : new Map([...base.brokers, ...this.brokers]);
    // A level of 0 removes the feature (Kafka's FeaturesDelta).
    const features = this.features.size === 0 ? base.features : new Map([...base.features, ...this.features].filter(([, level]) => level !== 0));
    let acls = base.acls;
    if (this.aclChanges.size > 0) {
      const byId = new Map(base.acls.byId);
      for (const [id, b] of this.aclChanges) {
        if (b === null) byId.delete(id);
        else byId.set(id, b);
      }
      acls = new AclsImage(byId);
    }
    
    return new MetadataImage(
      this.lastOffset,
      features,
      brokers,
      topics,
      configs,
      this.nextProducerId,
      this.scramCredentials.apply(),
      this.clientQuotas.apply(),
      acls,
    );
  }

  // ---- what changed ---------------------------------------------------------

  /** Topics that did not exist before this delta and do after it. */
  createdTopics(): TopicImage[] {
    const out: TopicImage[] = [];
    for (const [id, t] of this.topics) if (t !== null && !this.image.topics.getById(id)) out.push(t);
    return out;
  }

  /** Topics that existed before this delta and do not after it (their state before). */
  deletedTopics(): TopicImage[] {
    const out: TopicImage[] = [];
    for (const [id, t] of this.topics) {
      const before = this.image.topics.getById(id);
      if (t === null && before) out.push(before);
    }
    return out;
  }

  /** Partitions added or changed, per topic (new state; not those of deleted topics). */
  changedPartitions(): { topic: TopicImage; partitions: ReadonlyMap<number, PartitionRegistration> }[] {
    const out: { topic: TopicImage; partitions: ReadonlyMap<number, PartitionRegistration> }[] = [];
    for (const [id, partitions] of this.partitionChanges) {
      const topic = this.topics.get(id);
      if (topic) out.push({ topic, partitions });
    }
    return out;
  }

  /** Names of topics whose config overrides changed (deleted topics excluded). */
  changedTopicConfigs(): Set<string> {
    const names = this.changedConfigResources(ConfigResourceType.TOPIC);
    for (const t of this.deletedTopics()) names.delete(t.name);
    return names;
  }

  /** Names of the config resources of one type (BROKER, CLIENT_METRICS, ...) whose configs changed. */
  changedConfigResources(resourceType: number): Set<string> {
    const prefix = configResourceKey(resourceType, '');
    const names = new Set<string>();
    for (const key of this.configChanges.keys()) if (key.startsWith(prefix)) names.add(key.slice(prefix.length));
    return names;
  }

  /** Brokers registered (or re-registered) by this delta. */
  registeredBrokers(): BrokerRegistration[] {
    return [...this.brokers.values()];
  }

  /** ACLs this delta added and removed (a binding added and removed within it is in neither). */
  changedAcls(): { added: AclBinding[]; removed: AclBinding[] } {
    const added: AclBinding[] = [];
    const removed: AclBinding[] = [];
    for (const [id, b] of this.aclChanges) {
      const before = this.image.acls.byId.get(id);
      if (before) removed.push(before);
      if (b !== null) added.push(b);
    }
    return { added, removed };
  }

  get hasFeatureChanges(): boolean {
    return this.features.size > 0;
  }

  /** What `brokerId` must do with its own replicas (Kafka's TopicsDelta.localChanges). */
  localChanges(brokerId: number): LocalReplicaChanges {
    const deletes: TopicPartitionRef[] = [];
    const leaders: (TopicPartitionRef & { registration: PartitionRegistration })[] = [];
    const followers: (TopicPartitionRef & { registration: PartitionRegistration })[] = [];
    for (const t of this.deletedTopics()) {
      for (const [partition, p] of t.partitions) {
        if (p.replicas.includes(brokerId)) deletes.push({ topic: t.name, topicId: t.id, partition });
      }
    }
    for (const { topic, partitions } of this.changedPartitions()) {
      for (const [partition, p] of partitions) {
        const ref = { topic: topic.name, topicId: topic.id, partition };
        if (!p.replicas.includes(brokerId)) {
          const before = this.image.topics.getById(topic.id)?.partitions.get(partition);
          if (before?.replicas.includes(brokerId)) deletes.push(ref);
        } else if (p.leader === brokerId) leaders.push({ ...ref, registration: p });
        else followers.push({ ...ref, registration: p });
      }
    }
    return { deletes, leaders, followers };
  }

  // ---- replay ---------------------------------------------------------------

  private currentTopic(id: string): TopicImage | undefined {
    if (this.topics.has(id)) return this.topics.get(id) ?? undefined;
    return this.image.topics.getById(id);
  }

  private replayTopic(r: TopicRecord): void {
    const partitions = new Map<number, PartitionRegistration>();
    this.topics.set(r.topicId, { name: r.name, id: r.topicId, partitions });
    this.ownPartitionMaps.set(r.topicId, partitions);
    this.partitionChanges.set(r.topicId, new Map());
  }

  private setPartition(topicId: string, partition: number, registration: PartitionRegistration): void {
    const topic = this.currentTopic(topicId);
    if (!topic) throw new Error(`metadata: partition ${partition} of unknown topic id ${topicId}`);
    let partitions = this.ownPartitionMaps.get(topicId);
    if (!partitions) {
      partitions = new Map(topic.partitions);
      this.ownPartitionMaps.set(topicId, partitions);
      this.topics.set(topicId, { ...topic, partitions });
    }
    partitions.set(partition, registration);
    let changes = this.partitionChanges.get(topicId);
    if (!changes) this.partitionChanges.set(topicId, (changes = new Map()));
    changes.set(partition, registration);
  }

  private replayPartition(r: PartitionRecord): void {
    this.setPartition(r.topicId, r.partitionId, {
      replicas: r.replicas,
      isr: r.isr,
      removingReplicas: r.removingReplicas,
      addingReplicas: r.addingReplicas,
      leader: r.leader,
      leaderRecoveryState: r.leaderRecoveryState,
      leaderEpoch: r.leaderEpoch,
      partitionEpoch: r.partitionEpoch,
    });
  }

  private replayPartitionChange(r: PartitionChangeRecord): void {
    const current = this.currentTopic(r.topicId)?.partitions.get(r.partitionId);
    if (!current) throw new Error(`metadata: change to unknown partition ${r.partitionId} of topic id ${r.topicId}`);
    const leaderChanged = r.leader !== NO_LEADER_CHANGE;
    this.setPartition(r.topicId, r.partitionId, {
      replicas: r.replicas ?? current.replicas,
      isr: r.isr ?? current.isr,
      removingReplicas: r.removingReplicas ?? current.removingReplicas,
      addingReplicas: r.addingReplicas ?? current.addingReplicas,
      leader: leaderChanged ? r.leader : current.leader,
      // -1: unchanged.
      leaderRecoveryState: r.leaderRecoveryState === -1 ? current.leaderRecoveryState : r.leaderRecoveryState,
      leaderEpoch: leaderChanged ? current.leaderEpoch + 1 : current.leaderEpoch,
      partitionEpoch: current.partitionEpoch + 1,
    });
  }

  private replayRemoveTopic(topicId: string): void {
    const topic = this.currentTopic(topicId);
    if (!topic) throw new Error(`metadata: removal of unknown topic id ${topicId}`);
    this.topics.set(topicId, null);
    this.ownPartitionMaps.delete(topicId);
    this.partitionChanges.delete(topicId);
    this.configChanges.set(configResourceKey(ConfigResourceType.TOPIC, topic.name), { cleared: true, values: new Map() });
  }

  private replayConfig(r: ConfigRecord): void {
    const key = configResourceKey(r.resourceType, r.resourceName);
    let change = this.configChanges.get(key);
    if (!change) this.configChanges.set(key, (change = { cleared: false, values: new Map() }));
    change.values.set(r.name, r.value);
  }

  private replayRegisterBroker(r: RegisterBrokerRecord): void {
    this.brokers.set(r.brokerId, {
      id: r.brokerId,
      epoch: Number(r.brokerEpoch),
      incarnationId: r.incarnationId,
      endpoints: r.endPoints.map((e) => ({ name: e.name, host: e.host, port: e.port, securityProtocol: e.securityProtocol })),
      rack: r.rack,
      fenced: r.fenced,
      inControlledShutdown: r.inControlledShutdown,
    });
  }

  private replayRemoveAcl(id: string): void {
    const current = this.aclChanges.has(id) ? this.aclChanges.get(id) : this.image.acls.byId.get(id);
    if (!current) throw new Error(`metadata: removal of unknown ACL id ${id}`);
    this.aclChanges.set(id, null);
  }

  private replayProducerIds(r: ProducerIdsRecord): void {
    const endId = Number(r.nextProducerId);
    this.producerIdBlocks.push({ brokerId: r.brokerId, brokerEpoch: Number(r.brokerEpoch), firstId: this.nextProducerId, endId });
    this.nextProducerId = endId;
  }
}

/**
 * Records that rebuild `image` from nothing (a snapshot of it, in the order
 * a replay needs: features, brokers, topics with their partitions, configs,
 * producer ids).
 */
export function imageRecords(image: MetadataImage): MetadataRecord[] {
  const out: MetadataRecord[] = [];
  for (const [name, featureLevel] of image.features) out.push({ type: 'FeatureLevelRecord', data: { name, featureLevel } });
  for (const b of image.brokers.values()) out.push({ type: 'RegisterBrokerRecord', data: registerBrokerRecordOf(b) });
  for (const t of image.topics.byId.values()) {
    out.push({ type: 'TopicRecord', data: { name: t.name, topicId: t.id } });
    for (const [partition, p] of t.partitions) out.push({ type: 'PartitionRecord', data: partitionRecordOf(t.id, partition, p) });
  }
  for (const [key, values] of image.configs) {
    const sep = key.indexOf(':');
    const resourceType = Number(key.slice(0, sep));
    const resourceName = key.slice(sep + 1);
    for (const [name, value] of values) out.push({ type: 'ConfigRecord', data: { resourceType, resourceName, name, value } });
  }
  for (const [id, b] of image.acls.byId) out.push({ type: 'AccessControlEntryRecord', data: aclRecordOf(id, b) });
  if (image.nextProducerId > 0) {
    out.push({ type: 'ProducerIdsRecord', data: { brokerId: -1, brokerEpoch: -1n, nextProducerId: BigInt(image.nextProducerId) } });
  }
  for (const data of scramCredentialRecords(image.scramCredentials)) out.push({ type: 'UserScramCredentialRecord', data });
  for (const data of clientQuotaRecords(image.clientQuotas)) out.push({ type: 'ClientQuotaRecord', data });
  return out;
}

export function partitionRecordOf(topicId: string, partitionId: number, p: PartitionRegistration): PartitionRecord {
  return {
    partitionId,
    topicId,
    replicas: [...p.replicas],
    isr: [...p.isr],
    removingReplicas: [...p.removingReplicas],
    addingReplicas: [...p.addingReplicas],
    leader: p.leader,
    leaderRecoveryState: p.leaderRecoveryState,
    leaderEpoch: p.leaderEpoch,
    partitionEpoch: p.partitionEpoch,
    directories: [],
    eligibleLeaderReplicas: null,
    lastKnownElr: null,
  };
}

export function registerBrokerRecordOf(b: BrokerRegistration): RegisterBrokerRecord {
  return {
    brokerId: b.id,
    isMigratingZkBroker: false,
    incarnationId: b.incarnationId,
    brokerEpoch: BigInt(b.epoch),
    endPoints: b.endpoints.map((e) => ({ ...e })),
    features: [],
    rack: b.rack,
    fenced: b.fenced,
    inControlledShutdown: b.inControlledShutdown,
    logDirs: [],
  };
}
