/**
 * The producer ids this broker hands out (InitProducerId, new transactional
 * ids): blocks of ids the controller allots it (Kafka's AllocateProducerIds
 * and ProducerIdsRecord), used one by one. The broker learns of a block
 * like of any metadata: from the committed ProducerIdsRecord naming it, so
 * ids stay unique across restarts (a restart takes a fresh block; the rest
 * of the old one is never used) and, with a cluster store, across brokers.
 *
 * The next block is asked for when 90% of the current one is used, as
 * Kafka's RPCProducerIdManager does. On one node the controller commits
 * synchronously, so an id is always there; with a remote store an empty
 * manager answers null until the block arrives (Kafka's
 * COORDINATOR_LOAD_IN_PROGRESS).
 */
import type { Logger } from '../logger';
import type { MetadataDelta, ProducerIdBlock } from './metadata/metadata-delta';
import type { MetadataPublisher } from './metadata/metadata-loader';

export interface ProducerIdManagerOptions {
  nodeId: number;
  /** This broker's registration epoch (the blocks it asks for carry it). */
  brokerEpoch: () => number;
  /** Asks the controller for a block; the block arrives through `onMetadataUpdate`. */
  requestBlock: (nodeId: number, brokerEpoch: number) => Promise<unknown>;
  log?: Logger | null;
}

const PREFETCH_RATIO = 0.9;

export class ProducerIdManager implements MetadataPublisher {
  readonly name = 'ProducerIdManager';
  private current: { next: number; end: number; first: number } | null = null;
  private nextBlock: ProducerIdBlock | null = null;
  private requesting = false;

  constructor(private readonly options: ProducerIdManagerOptions) {}

  onMetadataUpdate(delta: MetadataDelta): void {
    for (const block of delta.producerIdBlocks) {
      if (block.brokerId !== this.options.nodeId || block.brokerEpoch !== this.options.brokerEpoch()) continue;
      this.nextBlock = block;
      this.requesting = false;
    }
  }

  /** The next unused producer id, or null when no block is available yet. */
  allocate(): number | null {
    if (!this.current || this.current.next >= this.current.end) {
      if (!this.nextBlock) this.request();
      if (!this.nextBlock) return null;
      this.current = { first: this.nextBlock.firstId, next: this.nextBlock.firstId, end: this.nextBlock.endId };
      this.nextBlock = null;
    }
    const id = this.current.next++;
    const used = (this.current.next - this.current.first) / (this.current.end - this.current.first);
    if (used >= PREFETCH_RATIO && !this.nextBlock) this.request();
    return id;
  }

  private request(): void {
    if (this.requesting) return;
    this.requesting = true;
    this.options.requestBlock(this.options.nodeId, this.options.brokerEpoch()).catch((err: unknown) => {
      this.requesting = false;
      this.options.log?.error({ err }, 'could not get a block of producer ids from the controller');
    });
  }
}
