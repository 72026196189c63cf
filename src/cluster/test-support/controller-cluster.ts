/**
 * A controller over an in-memory metadata log with brokers 1..n registered
 * as a cluster's registry would report them, for the controller's unit
 * tests (elections, reassignments).
 */
import { resolveBrokerConfig } from '../../config';
import { MemoryStorageDir } from '../../storage/memory-storage-dir';
import { Controller, type LiveBrokerRegistration } from '../controller';
import { LogMetadataStore } from '../metadata/log-metadata-store';
import { MetadataLoader } from '../metadata/metadata-loader';
import type { PartitionRegistration } from '../metadata/metadata-image';
import type { MetadataRecord } from '../metadata/metadata-record';

export function liveBrokers(...ids: number[]): Map<number, LiveBrokerRegistration> {
  return new Map(
    ids.map((id) => [
      id,
      {
        brokerId: id,
        incarnationId: `00000000-0000-0000-0000-${String(id).padStart(12, '0')}`,
        endpoints: [{ name: 'PLAINTEXT', host: '127.0.0.1', port: 9000 + id, securityProtocol: 0 }],
        rack: null,
        epoch: 100 + id,
      },
    ]),
  );
}

export async function controllerCluster(brokers: number[], overrides: Record<string, string> = {}) {
  const config = resolveBrokerConfig({ static: overrides }).config;
  const store = LogMetadataStore.open(new MemoryStorageDir());
  const metadata = new MetadataLoader();
  metadata.catchUp(await store.start((b) => metadata.handleCommitted(b)));
  const controller = new Controller(store, metadata, config);
  await controller.bootstrap();
  await controller.reconcileBrokers(liveBrokers(...brokers));
  const committed: MetadataRecord[][] = [];
  const originalCommit = store.commit.bind(store);
  store.commit = (records, expected) => {
    committed.push([...records]);
    return originalCommit(records, expected);
  };
  /** Creates `name` with one partition per replica list. */
  const createTopic = async (name: string, assignment: number[][], configs: Record<string, string> = {}) => {
    await controller.createTopics([{ name, numPartitions: -1, replicationFactor: -1, assignments: assignment.map((brokerIds, partitionIndex) => ({ partitionIndex, brokerIds })), configs }]);
    return metadata.image.topics.get(name)!.id;
  };
  const partition = (name: string, index = 0): PartitionRegistration => metadata.image.topics.partition(name, index)!;
  return { controller, metadata, committed, createTopic, partition };
}
