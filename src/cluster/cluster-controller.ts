/**
 * The controller as every broker of a cluster holds it. On the elected
 * controller it is the Controller: it validates and writes. On any other
 * broker a write is refused with NotControllerError (the handlers of the
 * admin APIs forward their requests to the controller before they get
 * here), except for the writes a broker makes on its own behalf, which go
 * to the controller over the wire (`RemoteController`), as Kafka's brokers
 * send CreateTopics (auto-created and internal topics) and
 * AllocateProducerIds to theirs:
 * - `createTopics`, `autoCreateTopic`, `ensureInternalTopic`;
 * - `allocateProducerIds`.
 * A remote write resolves once the controller has applied it; the caller's
 * own image may lag by a watch delivery, so those that answer from the
 * image wait for the image to show the change.
 */
import type { BrokerConfig } from '../config';
import { type CreatedTopic, type CreateTopicRequest, Controller, type ControllerOptions, type TopicError } from './controller';
import type { ProducerIdBlock } from './metadata/metadata-delta';
import type { TopicImage } from './metadata/metadata-image';
import type { MetadataLoader } from './metadata/metadata-loader';
import type { MetadataStore } from './metadata/metadata-store';
import { ErrorCode } from '../protocol/errors';

/** The controller's operations a broker asks for over the wire. */
export interface RemoteController {
  createTopics(reqs: readonly CreateTopicRequest[]): Promise<(TopicError | CreatedTopic)[]>;
  allocateProducerIds(brokerId: number, brokerEpoch: number): Promise<ProducerIdBlock>;
}

export class ClusterController extends Controller {
  private remote: RemoteController | null = null;

  constructor(
    store: MetadataStore,
    metadata: MetadataLoader,
    broker: BrokerConfig,
    private readonly isController: () => boolean,
    options: ControllerOptions = {},
  ) {
    super(store, metadata, broker, { ...options, isController });
  }

  /** How this broker reaches the controller (set by the broker once its network side exists). */
  setRemote(remote: RemoteController): void {
    this.remote = remote;
  }

  private remoteOrThrow(): RemoteController {
    if (!this.remote) throw new Error('this broker is not the controller and cannot reach it yet');
    return this.remote;
  }

  override createTopics(reqs: readonly CreateTopicRequest[]): Promise<(TopicError | CreatedTopic)[]> {
    if (this.isController()) return super.createTopics(reqs);
    return this.remoteOrThrow().createTopics(reqs);
  }

  override async autoCreateTopic(name: string): Promise<TopicError | TopicImage> {
    if (this.isController()) return super.autoCreateTopic(name);
    const [result] = await this.remoteOrThrow().createTopics([{ name, numPartitions: -1, replicationFactor: -1, assignments: [], configs: {} }]);
    if (!result) throw new Error('no result');
    if ('errorCode' in result && result.errorCode !== ErrorCode.TOPIC_ALREADY_EXISTS) return result;
    await this.metadata.whenImage((image) => image.topics.get(name) !== undefined);
    return this.image.topics.get(name)!;
  }

  override async ensureInternalTopic(name: string, partitions: number, configs: Record<string, string>): Promise<void> {
    if (this.isController()) return super.ensureInternalTopic(name, partitions, configs);
    if (this.image.topics.get(name)) return;
    const [result] = await this.remoteOrThrow().createTopics([{ name, numPartitions: partitions, replicationFactor: this.internalReplicationFactor(name), assignments: [], configs }]);
    if (result && 'errorCode' in result && result.errorCode !== ErrorCode.TOPIC_ALREADY_EXISTS) throw new Error(`cannot create ${name}: ${result.errorMessage}`);
  }

  override async allocateProducerIds(brokerId: number, brokerEpoch: number): Promise<ProducerIdBlock> {
    if (this.isController()) return super.allocateProducerIds(brokerId, brokerEpoch);
    // The block reaches the ProducerIdManager through the metadata, like every block.
    return this.remoteOrThrow().allocateProducerIds(brokerId, brokerEpoch);
  }

  private internalReplicationFactor(name: string): number {
    if (name === '__transaction_state') return this.broker.number('transaction.state.log.replication.factor');
    return this.broker.number('offsets.topic.replication.factor');
  }
}
