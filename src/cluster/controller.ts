/**
 * The controller: the only writer of cluster metadata. It validates admin
 * operations (CreateTopics, CreatePartitions, DeleteTopics, config changes,
 * ACLs, producer-id blocks, broker registration) against the current metadata
 * image, turns each into metadata records and commits them to the metadata
 * store. It never touches a log: brokers, this one included, act on the
 * committed records through their publishers (ReplicaManager opens and
 * deletes logs, coordinators load their partitions).
 *
 * Every write is conditional on the image it was validated against (the
 * store refuses it if the log has moved since), and is validated again on
 * the newer image when refused. A write resolves once the local image has
 * applied it, so a handler that answers after it answers from an image
 * that already shows the change.
 *
 * On one node the store commits and applies synchronously, so a caller that
 * does not wait (a coordinator creating its internal topic on first use)
 * finds the new image at once; the cluster store may take longer, and such
 * callers answer retriably meanwhile.
 *
 * Validation follows Kafka's ReplicationControlManager rules and messages,
 * so admin tools report the errors users expect.
 */
import { randomUUID } from 'node:crypto';
import type { BrokerConfig } from '../config';
import { ConfigResourceType, resolveTopicConfig, validateTopicOverrides } from '../config';
import { leadershipChange, sameMembers } from './partition-leadership';
import { brokerLiveness } from './controlled-shutdown';
import { ErrorCode } from '../protocol/errors';
import { NO_LEADER_CHANGE, partitionRecordOf, registerBrokerRecordOf, type ProducerIdBlock } from './metadata/metadata-delta';
import type { PartitionChangeRecord, RegisterBrokerRecord } from './metadata/records';
import { type BrokerEndpoint, type MetadataImage, NO_LEADER, type TopicImage } from './metadata/metadata-image';
import type { MetadataLoader } from './metadata/metadata-loader';
import type { MetadataRecord } from './metadata/metadata-record';
import { type MetadataStore, NotControllerError, StaleMetadataError } from './metadata/metadata-store';

export { NotControllerError } from './metadata/metadata-store';
import { BOOTSTRAP_FEATURE_LEVELS, METADATA_VERSION_FEATURE, SUPPORTED_FEATURES } from './features';

export { METADATA_VERSION_FEATURE, METADATA_VERSION_LEVEL } from './features';
import { type PlacementBroker, placeReplicas } from './replica-placement';
import { scramAlteration } from './scram-control';
import { type QuotaAlteration, type QuotaAlterationResult, clientQuotaAlteration } from './client-quota-control';
import type { AlterResult, CredentialDeletion, CredentialUpsertion } from '../security/scram/credential-admin';
import { isInternalTopic, topicNameProblem } from './topic-name';
import { type ElectionType, type TopicElectionResult, type TopicPartitions, activeBrokers, electLeadersOutcome, leaderRebalanceOutcome } from './leader-election-control';
import { type OngoingReassignment, type ReassignmentRequest, type ReassignmentResult, alterReassignmentsOutcome, listReassignments } from './reassignment-control';
import { buildPartitionChange, emptyChange } from './partition-change';
import { type AclDeleteResult, type AclError, createAclsOutcome, deleteAclsOutcome } from './acl-control';
import type { AclBinding } from '../security/authorizer/acl';
import type { AclBindingFilter } from '../security/authorizer/acl-filter';

export interface TopicError {
  errorCode: ErrorCode;
  errorMessage: string;
}

export interface CreateTopicRequest {
  name: string;
  /** -1: num.partitions */
  numPartitions: number;
  /** -1: default.replication.factor */
  replicationFactor: number;
  /** Manual replica assignment: partition -> broker ids (empty if none). */
  assignments: { partitionIndex: number; brokerIds: number[] }[];
  /** Config overrides; a null value is refused (INVALID_CONFIG), as Kafka does. */
  configs: Record<string, string | null>;
}

/** A topic as CreateTopics reports it. */
export interface CreatedTopic {
  name: string;
  /** The new id (the zero UUID is never used; validate-only creates none). */
  topicId: string;
  partitions: number;
  replicationFactor: number;
  configs: Readonly<Record<string, string>>;
}

/** A live broker as the cluster's registry reports it (etcd: broker-registration.ts). */
export interface LiveBrokerRegistration extends BrokerRegistrationRequest {
  /** The registration's epoch (etcd: its key's create revision). */
  epoch: number;
  /** The broker has begun a controlled shutdown (Kafka's BrokerHeartbeat wantShutDown). */
  wantShutDown?: boolean;
}

export interface ControllerOptions {
  /**
   * Whether this broker is the controller now (a cluster's election); absent
   * on one node, which always is. A write on a broker that is not is
   * refused with NotControllerError before anything is validated.
   */
  isController?: () => boolean;
}

export interface BrokerRegistrationRequest {
  brokerId: number;
  incarnationId: string;
  endpoints: readonly BrokerEndpoint[];
  rack: string | null;
}

/** One partition of an AlterPartition request: the ISR its leader asks for, from the registration it has. */
export interface IsrChangeRequest {
  topicId: string;
  partition: number;
  leaderEpoch: number;
  partitionEpoch: number;
  /** The members with the broker epochs the leader saw them fetch with (-1: not checked). */
  newIsr: readonly { brokerId: number; brokerEpoch: number }[];
}

/** The answer for one partition: its registration after the change (or as it is, with the error). */
export interface IsrChangeResult {
  topicId: string;
  partition: number;
  errorCode: ErrorCode;
  leaderId: number;
  leaderEpoch: number;
  partitionEpoch: number;
  isr: number[];
}

export interface IsrChangeOutcome {
  /** STALE_BROKER_EPOCH refuses the whole request. */
  errorCode: ErrorCode;
  partitions: IsrChangeResult[];
}

/** Kafka's ProducerIdsBlock.PRODUCER_ID_BLOCK_SIZE. */
export const PRODUCER_ID_BLOCK_SIZE = 1000;
/** How often a conditional write is validated again after losing a race. */
const MAX_ATTEMPTS = 10;

/** What one validated operation writes, and what it answers. */
interface Outcome<T> {
  records: MetadataRecord[];
  result: T;
}

export class Controller {
  constructor(
    private readonly store: MetadataStore,
    protected readonly metadata: MetadataLoader,
    protected readonly broker: BrokerConfig,
    private readonly options: ControllerOptions = {},
  ) {}

  protected get image(): MetadataImage {
    return this.metadata.image;
  }

  /**
   * Validates against the latest image and commits what `operation`
   * produces, conditionally on that image; again on a newer image if the
   * log moved (once the image has caught up with the log: an update may be
   * waiting for its publishers, see MetadataLoader). The first attempt
   * reaches the store synchronously.
   */
  protected async write<T>(operation: (image: MetadataImage) => Outcome<T>): Promise<T> {
    if (this.options.isController && !this.options.isController()) throw new NotControllerError('this broker is not the controller');
    for (let attempt = 1; ; attempt++) {
      const image = this.image;
      const { records, result } = operation(image);
      if (records.length === 0) return result;
      try {
        const offset = await this.store.commit(records, image.offset);
        await this.metadata.whenApplied(offset);
        return result;
      } catch (err) {
        if (!(err instanceof StaleMetadataError) || attempt >= MAX_ATTEMPTS) throw err;
        if (err.actualLastOffset > image.offset) await this.metadata.whenApplied(err.actualLastOffset);
      }
    }
  }

  // ---- start --------------------------------------------------------------

  /**
   * A new metadata log begins with the finalized feature levels (as Kafka's
   * bootstrap does: metadata.version first), followed by `initialRecords` (a
   * data dir from before the metadata log, migrated). Nothing is written
   * when the log has its metadata.version already.
   */
  bootstrap(initialRecords: readonly MetadataRecord[] = []): Promise<boolean> {
    return this.write((image) => {
      if (image.features.has(METADATA_VERSION_FEATURE)) return { records: [], result: false };
      const features = [...BOOTSTRAP_FEATURE_LEVELS].map(([name, featureLevel]): MetadataRecord => ({ type: 'FeatureLevelRecord', data: { name, featureLevel } }));
      return { records: [...features, ...initialRecords], result: true };
    });
  }

  /**
   * Finalizes the bootstrap level of every feature a log written by an
   * earlier Weir lacks (group.version came after metadata.version); the
   * names of those written.
   */
  finalizeMissingFeatures(): Promise<string[]> {
    return this.write((image) => {
      const missing = [...BOOTSTRAP_FEATURE_LEVELS].filter(([name]) => !image.features.has(name));
      return {
        records: missing.map(([name, featureLevel]): MetadataRecord => ({ type: 'FeatureLevelRecord', data: { name, featureLevel } })),
        result: missing.map(([name]) => name),
      };
    });
  }

  /** Registers (or re-registers) a broker, unfenced; its epoch is the registration's offset. */
  registerBroker(req: BrokerRegistrationRequest): Promise<number> {
    return this.write((image) => {
      const epoch = image.offset + 1;
      return { records: [{ type: 'RegisterBrokerRecord', data: registerBrokerRecordFor(req, epoch) }], result: epoch };
    });
  }

  /**
   * Brings the image's broker registrations in line with the brokers the
   * cluster sees alive (its registry), as Kafka's controller does from
   * broker heartbeats: a live broker the image lacks, or knows under another
   * incarnation, or holds fenced, is registered unfenced with its epoch; a
   * broker the image holds unfenced that is no longer alive is fenced (its
   * registration written again with `fenced`). Partitions follow, by the
   * rules of partition-leadership.ts: brokers that went or restarted leave
   * the ISR, and a partition whose leader did gets a new one from its ISR
   * (or, with unclean.leader.election.enable, from any live replica), or no
   * leader (-1) until a member of its ISR is live again. Every leader change
   * bumps the leader epoch (the image's rule), so a restarted leader serves
   * in a new epoch. A live broker that wants to shut down is put in
   * controlled shutdown, as KRaft does on a heartbeat with wantShutDown
   * (controlled-shutdown.ts): its registration says so, and it leaves every
   * ISR and leads nothing from then on. Returns how many records were
   * written.
   */
  reconcileBrokers(live: ReadonlyMap<number, LiveBrokerRegistration>): Promise<number> {
    return this.write((image) => {
      const records: MetadataRecord[] = [];
      const restarted = new Set<number>();
      for (const b of image.brokers.values()) {
        const now = live.get(b.id);
        if (now && now.incarnationId !== b.incarnationId) restarted.add(b.id);
        if (!now && !b.fenced) records.push({ type: 'RegisterBrokerRecord', data: { ...registerBrokerRecordOf(b), fenced: true } });
      }
      for (const l of live.values()) {
        const known = image.brokers.get(l.brokerId);
        const shuttingDown = l.wantShutDown === true;
        if (known && known.incarnationId === l.incarnationId && !known.fenced && known.inControlledShutdown === shuttingDown) continue;
        records.push({ type: 'RegisterBrokerRecord', data: { ...registerBrokerRecordFor(l, l.epoch), inControlledShutdown: shuttingDown } });
      }
      const brokers = brokerLiveness(live, restarted);
      for (const t of image.topics.list()) {
        const unclean = resolveTopicConfig(image.topicConfigs(t.name), this.broker).uncleanLeaderElectionEnable;
        for (const [partitionId, p] of t.partitions) {
          const change = leadershipChange(p, brokers, unclean);
          if (change) records.push({ type: 'PartitionChangeRecord', data: partitionChange(t.id, partitionId, change.leader, change.isr) });
        }
      }
      return { records, result: records.length };
    });
  }

  // ---- ISR changes -------------------------------------------------------------

  /**
   * AlterPartition: a leader asks to change its partitions' ISR (it shrinks
   * it for a follower that fell behind, grows it for one that caught up).
   * Validated as Kafka's ReplicationControlManager does, per partition: a
   * request from a newer epoch than the image's is NOT_CONTROLLER (this
   * controller is behind), an older leader epoch FENCED_LEADER_EPOCH, a
   * sender that does not lead INVALID_REQUEST, an older partition epoch
   * INVALID_UPDATE_VERSION, an ISR naming non-replicas or leaving out the
   * leader INVALID_REQUEST, and a member that is unregistered, fenced, in
   * controlled shutdown or of another incarnation (its broker epoch,
   * KIP-903) INELIGIBLE_REPLICA. The
   * accepted changes are written in one commit; each answer is the
   * partition's registration after it. A stale broker epoch refuses the
   * whole request (STALE_BROKER_EPOCH).
   */
  alterPartition(brokerId: number, brokerEpoch: number, items: readonly IsrChangeRequest[]): Promise<IsrChangeOutcome> {
    return this.write<IsrChangeOutcome>((image) => {
      const sender = image.brokers.get(brokerId);
      if (!sender || (brokerEpoch !== -1 && sender.epoch !== brokerEpoch)) {
        return { records: [], result: { errorCode: ErrorCode.STALE_BROKER_EPOCH, partitions: [] } };
      }
      const records: MetadataRecord[] = [];
      const partitions = items.map((item): IsrChangeResult => {
        const p = image.topics.getById(item.topicId)?.partitions.get(item.partition);
        const answer = (errorCode: ErrorCode, reg = p, isr = reg?.isr ?? []): IsrChangeResult => ({
          ...item,
          errorCode,
          leaderId: reg?.leader ?? NO_LEADER,
          leaderEpoch: reg?.leaderEpoch ?? -1,
          partitionEpoch: reg?.partitionEpoch ?? -1,
          isr: [...isr],
        });
        if (!image.topics.getById(item.topicId)) return answer(ErrorCode.UNKNOWN_TOPIC_ID);
        if (!p) return answer(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
        if (item.leaderEpoch > p.leaderEpoch || item.partitionEpoch > p.partitionEpoch) return answer(ErrorCode.NOT_CONTROLLER);
        if (item.leaderEpoch < p.leaderEpoch) return answer(ErrorCode.FENCED_LEADER_EPOCH);
        if (brokerId !== p.leader) return answer(ErrorCode.INVALID_REQUEST);
        if (item.partitionEpoch < p.partitionEpoch) return answer(ErrorCode.INVALID_UPDATE_VERSION);
        const newIsr = item.newIsr.map((m) => m.brokerId);
        if (new Set(newIsr).size !== newIsr.length || newIsr.some((id) => !p.replicas.includes(id)) || !newIsr.includes(p.leader)) {
          return answer(ErrorCode.INVALID_REQUEST);
        }
        const ineligible = item.newIsr.some((m) => {
          const b = image.brokers.get(m.brokerId);
          return !b || b.fenced || b.inControlledShutdown || (m.brokerEpoch !== -1 && b.epoch !== m.brokerEpoch);
        });
        if (ineligible) return answer(ErrorCode.INELIGIBLE_REPLICA);
        if (sameMembers(newIsr, p.isr)) return answer(ErrorCode.NONE);
        // The ISR change may complete a reassignment (partition-change.ts), which may move the leadership.
        const topicName = image.topics.getById(item.topicId)!.name;
        const unclean = resolveTopicConfig(image.topicConfigs(topicName), this.broker).uncleanLeaderElectionEnable;
        const change = buildPartitionChange(p, item.topicId, item.partition, { isr: newIsr, election: unclean ? 'unclean' : 'online' }, activeBrokers(image));
        if (!change) return answer(ErrorCode.NONE);
        records.push({ type: 'PartitionChangeRecord', data: change });
        // Kafka's answer when completing a reassignment took the leadership away from the sender.
        if (change.leader !== NO_LEADER_CHANGE && change.leader !== brokerId) return { ...answer(ErrorCode.NEW_LEADER_ELECTED), leaderId: NO_LEADER, leaderEpoch: -1, partitionEpoch: -1, isr: [] };
        // What the image will hold once the record applies (a named leader bumps the leader epoch).
        return {
          ...answer(ErrorCode.NONE, p, change.isr ?? p.isr),
          leaderEpoch: change.leader === NO_LEADER_CHANGE ? p.leaderEpoch : p.leaderEpoch + 1,
          partitionEpoch: p.partitionEpoch + 1,
        };
      });
      return { records, result: { errorCode: ErrorCode.NONE, partitions } };
    });
  }

  // ---- leader elections ---------------------------------------------------------

  /** ElectLeaders: preferred or unclean elections, per partition (leader-election-control.ts); null: every partition. */
  electLeaders(type: ElectionType, partitions: readonly TopicPartitions[] | null): Promise<TopicElectionResult[]> {
    return this.write((image) => electLeadersOutcome(image, type, partitions));
  }

  /** auto.leader.rebalance.enable's task: preferred elections where a broker's imbalance is over the percentage; how many. */
  rebalanceLeaders(imbalancePercentage: number): Promise<number> {
    return this.write((image) => leaderRebalanceOutcome(image, imbalancePercentage));
  }

  // ---- reassignments --------------------------------------------------------------

  /** AlterPartitionReassignments: start, change or cancel (null replicas) reassignments (reassignment-control.ts). */
  alterPartitionReassignments(requests: readonly ReassignmentRequest[]): Promise<ReassignmentResult[]> {
    return this.write((image) =>
      alterReassignmentsOutcome(image, requests, (topic) => resolveTopicConfig(image.topicConfigs(topic), this.broker).uncleanLeaderElectionEnable),
    );
  }

  /** ListPartitionReassignments: the reassignments in progress, from the image (null: every topic). */
  listPartitionReassignments(wanted: readonly TopicPartitions[] | null): OngoingReassignment[] {
    return listReassignments(this.image, wanted);
  }

  // ---- topics ---------------------------------------------------------------

  /** Checks a CreateTopics entry against the current image; returns the topic it would create, or the error. */
  validateCreate(req: CreateTopicRequest): TopicError | CreatedTopic {
    const checked = this.checkCreate(this.image, req, new Set());
    return 'errorCode' in checked ? checked : checked.topic;
  }

  /**
   * CreateTopics: every valid entry is created in one commit, in request
   * order (a later entry sees the earlier ones, so two names that collide
   * cannot both be created).
   */
  createTopics(reqs: readonly CreateTopicRequest[]): Promise<(TopicError | CreatedTopic)[]> {
    return this.write((image) => {
      const records: MetadataRecord[] = [];
      const created = new Set<string>();
      const results = reqs.map((req) => {
        const checked = this.checkCreate(image, req, created);
        if ('errorCode' in checked) return checked;
        created.add(req.name);
        records.push(...checked.records);
        return checked.topic;
      });
      return { records, result: results };
    });
  }

  /** Metadata's auto-creation: num.partitions and default.replication.factor. */
  async autoCreateTopic(name: string): Promise<TopicError | TopicImage> {
    const [result] = await this.createTopics([{ name, numPartitions: -1, replicationFactor: -1, assignments: [], configs: {} }]);
    if (!result) throw new Error('no result');
    if ('errorCode' in result) {
      // Created meanwhile by someone else: that is fine for auto-creation.
      const existing = this.image.topics.get(name);
      return result.errorCode === ErrorCode.TOPIC_ALREADY_EXISTS && existing ? existing : result;
    }
    return this.image.topics.get(name) ?? { errorCode: ErrorCode.UNKNOWN_SERVER_ERROR, errorMessage: `topic ${name} was created but is not in the image` };
  }

  /** Creates an internal topic if missing (the coordinators' topics, on first use). */
  ensureInternalTopic(name: string, partitions: number, configs: Record<string, string>): Promise<void> {
    return this.write((image) => {
      if (image.topics.get(name)) return { records: [], result: undefined };
      const checked = this.checkCreate(image, { name, numPartitions: partitions, replicationFactor: -1, assignments: [], configs }, new Set(), true);
      if ('errorCode' in checked) throw new Error(`cannot create ${name}: ${checked.errorMessage}`);
      return { records: checked.records, result: undefined };
    });
  }

  /** DeleteTopics for topics the handler resolved: one commit, results by name. */
  deleteTopics(names: readonly string[]): Promise<Map<string, TopicError | null>> {
    return this.write((image) => {
      const records: MetadataRecord[] = [];
      const results = new Map<string, TopicError | null>();
      for (const name of names) {
        const problem = this.checkDelete(image, name);
        results.set(name, problem);
        const t = image.topics.get(name);
        if (problem === null && t) records.push({ type: 'RemoveTopicRecord', data: { topicId: t.id } });
      }
      return { records, result: results };
    });
  }

  private checkDelete(image: MetadataImage, name: string): TopicError | null {
    if (!image.topics.get(name)) return { errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, errorMessage: 'This server does not host this topic-partition.' };
    if (!this.broker.boolean('delete.topic.enable')) return { errorCode: ErrorCode.TOPIC_DELETION_DISABLED, errorMessage: 'Topic deletion is disabled.' };
    if (isInternalTopic(name)) return { errorCode: ErrorCode.INVALID_TOPIC_EXCEPTION, errorMessage: `Cannot delete internal topic ${name}` };
    return null;
  }

  /** CreatePartitions (validate only): the topic as it is, or the error. */
  validateCreatePartitions(name: string, count: number, assignments: { brokerIds: number[] }[] | null): TopicError | TopicImage {
    const checked = this.checkCreatePartitions(this.image, name, count, assignments);
    return 'errorCode' in checked ? checked : checked.topic;
  }

  /** CreatePartitions: grows `name` to `count` partitions. */
  createPartitions(name: string, count: number, assignments: { brokerIds: number[] }[] | null): Promise<TopicError | TopicImage> {
    return this.write((image): Outcome<TopicError | TopicImage> => {
      const checked = this.checkCreatePartitions(image, name, count, assignments);
      if ('errorCode' in checked) return { records: [], result: checked };
      return { records: checked.records, result: checked.topic };
    });
  }

  /** Replaces a topic's config overrides (already validated): a ConfigRecord per key set, changed or removed. */
  setTopicConfigs(name: string, configs: Readonly<Record<string, string>>): Promise<void> {
    return this.setConfigs(ConfigResourceType.TOPIC, name, configs);
  }

  /**
   * Replaces the configs of any config resource (a topic, a broker or the
   * cluster default, a client-metrics subscription), already validated by
   * the caller: a ConfigRecord per key set, changed or removed, as Kafka's
   * ConfigurationControlManager writes them.
   */
  setConfigs(resourceType: number, resourceName: string, configs: Readonly<Record<string, string>>): Promise<void> {
    return this.write((image) => {
      const current = image.resourceConfigs(resourceType, resourceName);
      const records: MetadataRecord[] = [];
      const config = (key: string, value: string | null): MetadataRecord => ({ type: 'ConfigRecord', data: { resourceType, resourceName, name: key, value } });
      for (const [key, value] of Object.entries(configs)) if (current.get(key) !== value) records.push(config(key, value));
      for (const key of current.keys()) if (!(key in configs)) records.push(config(key, null));
      return { records, result: undefined };
    });
  }

  // ---- ACLs -------------------------------------------------------------------

  /** CreateAcls: one result per binding, null when it exists now (acl-control.ts). */
  createAcls(bindings: readonly AclBinding[]): Promise<(AclError | null)[]> {
    return this.write((image) => createAclsOutcome(image, bindings));
  }

  /** DeleteAcls: every ACL any filter matches is removed, in one write (acl-control.ts). */
  deleteAcls(filters: readonly AclBindingFilter[]): Promise<AclDeleteResult[]> {
    return this.write((image) => deleteAclsOutcome(image, filters));
  }

  // ---- producer ids -----------------------------------------------------------

  /** Hands `brokerId` the next block of producer ids (Kafka's AllocateProducerIds). */
  allocateProducerIds(brokerId: number, brokerEpoch: number): Promise<ProducerIdBlock> {
    return this.write((image) => {
      const firstId = image.nextProducerId;
      const endId = firstId + PRODUCER_ID_BLOCK_SIZE;
      const record: MetadataRecord = { type: 'ProducerIdsRecord', data: { brokerId, brokerEpoch: BigInt(brokerEpoch), nextProducerId: BigInt(endId) } };
      return { records: [record], result: { brokerId, brokerEpoch, firstId, endId } };
    });
  }

  // ---- SCRAM credentials -------------------------------------------------------

  /** AlterUserScramCredentials: validated on the image (scram-control.ts), the valid changes in one commit. */
  alterScramCredentials(deletions: readonly CredentialDeletion[], upsertions: readonly CredentialUpsertion[]): Promise<AlterResult[]> {
    return this.write((image) => scramAlteration(image, deletions, upsertions));
  }

  // ---- client quotas -------------------------------------------------------------

  /** AlterClientQuotas: validated on the image (client-quota-control.ts); validateOnly writes nothing. */
  alterClientQuotas(alterations: readonly QuotaAlteration[], validateOnly: boolean): Promise<QuotaAlterationResult[]> {
    return this.write((image) => {
      const outcome = clientQuotaAlteration(image, alterations);
      return validateOnly ? { records: [], result: outcome.result } : outcome;
    });
  }

  // ---- validation -------------------------------------------------------------

  private checkCreate(
    image: MetadataImage,
    req: CreateTopicRequest,
    createdBefore: ReadonlySet<string>,
    internal = false,
  ): TopicError | { topic: CreatedTopic; records: MetadataRecord[] } {
    const nameProblem = topicNameProblem(req.name);
    if (nameProblem) return { errorCode: ErrorCode.INVALID_TOPIC_EXCEPTION, errorMessage: nameProblem };
    if (image.topics.get(req.name) || createdBefore.has(req.name)) {
      return { errorCode: ErrorCode.TOPIC_ALREADY_EXISTS, errorMessage: `Topic '${req.name}' already exists.` };
    }
    const colliding = collidingTopic(req.name, [...image.topics.byName.keys(), ...createdBefore]);
    if (colliding !== undefined) {
      return { errorCode: ErrorCode.INVALID_TOPIC_EXCEPTION, errorMessage: `Topic '${req.name}' collides with existing topic: ${colliding}` };
    }
    const nullConfigs = Object.entries(req.configs).filter(([, v]) => v === null).map(([k]) => k);
    if (nullConfigs.length > 0) {
      return { errorCode: ErrorCode.INVALID_CONFIG, errorMessage: `Null value not supported for topic configs: ${nullConfigs.join(',')}` };
    }
    const overrides: Record<string, string> = {};
    for (const [k, v] of Object.entries(req.configs)) if (v !== null) overrides[k] = v;

    const live = image.liveBrokerIds();
    let assignment: number[][];
    if (req.assignments.length > 0) {
      if (req.numPartitions !== -1 || req.replicationFactor !== -1) {
        return { errorCode: ErrorCode.INVALID_REQUEST, errorMessage: 'Both numPartitions or replicationFactor and replicasAssignments were set. Both cannot be used at the same time.' };
      }
      const problem = checkAssignments(req.assignments, 0, image);
      if (problem) return problem;
      assignment = [...req.assignments].sort((a, b) => a.partitionIndex - b.partitionIndex).map((a) => a.brokerIds);
    } else {
      const partitions = req.numPartitions === -1 ? this.broker.number('num.partitions') : req.numPartitions;
      if (partitions <= 0) {
        return { errorCode: ErrorCode.INVALID_PARTITIONS, errorMessage: 'Number of partitions was set to an invalid non-positive value.' };
      }
      const rf = req.replicationFactor === -1 ? this.defaultReplicationFactor(req.name, internal) : req.replicationFactor;
      if (rf <= 0) {
        return { errorCode: ErrorCode.INVALID_REPLICATION_FACTOR, errorMessage: 'Replication factor must be larger than 0, or -1 to use the default value.' };
      }
      if (rf > live.length) {
        return {
          errorCode: ErrorCode.INVALID_REPLICATION_FACTOR,
          errorMessage: `Unable to replicate the partition ${rf} time(s): The target replication factor of ${rf} cannot be reached because only ${live.length} broker(s) are registered.`,
        };
      }
      assignment = placeReplicas(placementBrokers(image, live), 0, partitions, rf);
    }
    const configs = validateTopicOverrides(overrides, this.broker);
    if (!configs.ok) return { errorCode: ErrorCode.INVALID_CONFIG, errorMessage: configs.error.message };

    const topicId = randomUUID();
    const records: MetadataRecord[] = [{ type: 'TopicRecord', data: { name: req.name, topicId } }];
    assignment.forEach((replicas, partition) => records.push(newPartitionRecord(topicId, partition, replicas, live)));
    for (const [name, value] of Object.entries(overrides)) {
      records.push({ type: 'ConfigRecord', data: { resourceType: ConfigResourceType.TOPIC, resourceName: req.name, name, value } });
    }
    return {
      topic: { name: req.name, topicId, partitions: assignment.length, replicationFactor: assignment[0]?.length ?? 0, configs: overrides },
      records,
    };
  }

  /** default.replication.factor, or the internal topics' own settings. */
  private defaultReplicationFactor(name: string, internal: boolean): number {
    if (internal && name === '__consumer_offsets') return this.broker.number('offsets.topic.replication.factor');
    if (internal && name === '__transaction_state') return this.broker.number('transaction.state.log.replication.factor');
    return this.broker.number('default.replication.factor');
  }

  private checkCreatePartitions(
    image: MetadataImage,
    name: string,
    count: number,
    assignments: { brokerIds: number[] }[] | null,
  ): TopicError | { topic: TopicImage; records: MetadataRecord[] } {
    const t = image.topics.get(name);
    if (!t) return { errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, errorMessage: `The topic '${name}' does not exist.` };
    // More partitions would send groups and transactional ids to other
    // partitions than the ones holding their records. Kafka's broker lets it
    // happen (KAFKA-14418 was not merged); its tools refuse, with this message.
    if (isInternalTopic(name)) {
      return { errorCode: ErrorCode.INVALID_TOPIC_EXCEPTION, errorMessage: 'The number of partitions for the offsets topic or the transaction topic cannot be changed.' };
    }
    const current = t.partitions.size;
    if (count < current) {
      return { errorCode: ErrorCode.INVALID_PARTITIONS, errorMessage: `The topic ${name} currently has ${current} partition(s); ${count} would not be an increase.` };
    }
    if (count === current) return { errorCode: ErrorCode.INVALID_PARTITIONS, errorMessage: `Topic already has ${current} partition(s).` };
    const live = image.liveBrokerIds();
    let assignment: number[][];
    if (assignments !== null) {
      if (assignments.length !== count - current) {
        return {
          errorCode: ErrorCode.INVALID_REPLICA_ASSIGNMENT,
          errorMessage: `Increasing the number of partitions by ${count - current} but ${assignments.length} assignments provided.`,
        };
      }
      const problem = checkAssignments(
        assignments.map((a, i) => ({ partitionIndex: current + i, brokerIds: a.brokerIds })),
        current,
        image,
      );
      if (problem) return problem;
      assignment = assignments.map((a) => a.brokerIds);
    } else {
      const rf = t.partitions.get(0)?.replicas.length ?? 1;
      if (rf > live.length) {
        return {
          errorCode: ErrorCode.INVALID_REPLICATION_FACTOR,
          errorMessage: `Unable to replicate the partition ${rf} time(s): The target replication factor of ${rf} cannot be reached because only ${live.length} broker(s) are registered.`,
        };
      }
      assignment = placeReplicas(placementBrokers(image, live), current, count - current, rf);
    }
    const records = assignment.map((replicas, i) => newPartitionRecord(t.id, current + i, replicas, live));
    return { topic: t, records };
  }
}

function registerBrokerRecordFor(req: BrokerRegistrationRequest, epoch: number): RegisterBrokerRecord {
  return {
    brokerId: req.brokerId,
    isMigratingZkBroker: false,
    incarnationId: req.incarnationId,
    brokerEpoch: BigInt(epoch),
    endPoints: req.endpoints.map((e) => ({ ...e })),
    features: SUPPORTED_FEATURES.map((f) => ({ name: f.name, minSupportedVersion: f.minVersion, maxSupportedVersion: f.maxVersion })),
    rack: req.rack,
    fenced: false,
    inControlledShutdown: false,
    logDirs: [],
  };
}

/** A PartitionChangeRecord: a new leader (which bumps its epoch; NO_LEADER_CHANGE keeps it) and/or a new ISR (null keeps it). */
function partitionChange(topicId: string, partitionId: number, leader: number, isr: number[] | null): PartitionChangeRecord {
  return { ...emptyChange(topicId, partitionId), leader, isr };
}

/** A new partition: led by its first live replica, every live replica in sync, epoch 0. */
function newPartitionRecord(topicId: string, partition: number, replicas: number[], live: readonly number[]): MetadataRecord {
  const isr = replicas.filter((b) => live.includes(b));
  return {
    type: 'PartitionRecord',
    data: partitionRecordOf(topicId, partition, {
      replicas,
      isr,
      removingReplicas: [],
      addingReplicas: [],
      leader: isr[0] ?? NO_LEADER,
      leaderRecoveryState: 0,
      leaderEpoch: 0,
      partitionEpoch: 0,
    }),
  };
}

/**
 * Manual replica assignments, checked as Kafka 3.9's KRaft controller does
 * (validateManualPartitionAssignment): every broker must be registered, but
 * may be fenced or in controlled shutdown (its replica waits for it, out of
 * the ISR), as long as one replica of each partition is active to lead.
 */
function checkAssignments(assignments: { partitionIndex: number; brokerIds: number[] }[], firstPartition: number, image: MetadataImage): TopicError | null {
  const live = image.liveBrokerIds();
  const invalid = (errorMessage: string): TopicError => ({ errorCode: ErrorCode.INVALID_REPLICA_ASSIGNMENT, errorMessage });
  const sorted = [...assignments].sort((a, b) => a.partitionIndex - b.partitionIndex);
  for (let i = 0; i < sorted.length; i++) {
    const a = sorted[i]!;
    if (a.partitionIndex !== firstPartition + i) return invalid('Partitions should be a consecutive 0-based integer sequence');
    if (a.brokerIds.length === 0) return invalid('The manual partition assignment includes an empty replica list.');
    const ids = [...a.brokerIds].sort((x, y) => x - y);
    for (let j = 0; j < ids.length; j++) {
      if (!image.brokers.has(ids[j]!)) return invalid(`The manual partition assignment includes broker ${ids[j]}, but no such broker is registered.`);
      if (j > 0 && ids[j - 1] === ids[j]) return invalid(`The manual partition assignment includes the broker ${ids[j]} more than once.`);
    }
    if (!a.brokerIds.some((b) => live.includes(b))) {
      return invalid(`All brokers specified in the manual partition assignment for partition ${a.partitionIndex} are fenced or in controlled shutdown.`);
    }
  }
  return null;
}

/** The live brokers with their racks (broker.rack), for placement. */
function placementBrokers(image: MetadataImage, live: readonly number[]): PlacementBroker[] {
  return live.map((id) => ({ id, rack: image.brokers.get(id)?.rack ?? null }));
}

/** Kafka's Topic.unifyCollisionChars: '.' and '_' are the same in metric names. */
function unified(name: string): string {
  return name.replace(/\./g, '_');
}

/** The existing topic `name` would collide with, if any. */
function collidingTopic(name: string, existing: Iterable<string>): string | undefined {
  if (!/[._]/.test(name)) return undefined;
  const key = unified(name);
  for (const other of existing) if (other !== name && unified(other) === key) return other;
  return undefined;
}
