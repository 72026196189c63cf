/**
 * A data dir written before the metadata log: the topics were a JSON image
 * (`weir-metadata.json` version 1: cluster id, topic names, ids, partition
 * counts, config overrides) and the producer ids a reserved block end
 * (`producer-id-block`). On the first start of this version they become
 * metadata records, committed once as the metadata log's first batch; then
 * both files go (the cluster id lives in meta.properties).
 *
 * Every partition of that single-node era was led by this node at leader
 * epoch 0 (the epoch clients cached, and every stored batch carries), so
 * that is what the records say.
 */
import type { StorageDir } from '../../storage/storage-dir';
import { ConfigResourceType } from '../../config';
import { partitionRecordOf } from './metadata-delta';
import type { MetadataRecord } from './metadata-record';

export const LEGACY_TOPICS_FILE = 'weir-metadata.json';
export const LEGACY_PRODUCER_ID_FILE = 'producer-id-block';

interface LegacyImageV1 {
  version: 1;
  clusterId: string;
  topics: { name: string; topicId: string; partitions: number; configs: Record<string, string> }[];
}

export interface LegacyMetadata {
  readonly records: MetadataRecord[];
  readonly topics: number;
  /** Removes the legacy files once their records are committed. */
  finish(): void;
}

function readImage(dir: StorageDir): Partial<LegacyImageV1> | null {
  const raw = dir.readFile(LEGACY_TOPICS_FILE);
  return raw === null ? null : (JSON.parse(raw.toString('utf8')) as Partial<LegacyImageV1>);
}

/** The cluster id a data dir from before meta.properties recorded in its topic image, or null. */
export function legacyClusterId(dir: StorageDir): string | null {
  const id = readImage(dir)?.clusterId;
  return typeof id === 'string' && id !== '' ? id : null;
}

/**
 * The records a pre-metadata-log data dir amounts to, or null when it has
 * nothing to migrate. An image of another cluster than meta.properties
 * names is refused, as Kafka refuses a log dir of another cluster.
 */
export function readLegacyMetadata(dir: StorageDir, nodeId: number, clusterId: string): LegacyMetadata | null {
  const image = readImage(dir);
  if (image !== null && typeof image.clusterId === 'string' && image.clusterId !== clusterId) {
    throw new Error(`${dir.path}/${LEGACY_TOPICS_FILE} belongs to cluster ${image.clusterId}, but meta.properties says ${clusterId}`);
  }
  const legacyTopics = image !== null && Array.isArray(image.topics) ? image.topics : null;
  const idBlock = dir.readFile(LEGACY_PRODUCER_ID_FILE);
  if (image === null && idBlock === null) return null;

  const records: MetadataRecord[] = [];
  for (const t of legacyTopics ?? []) {
    records.push({ type: 'TopicRecord', data: { name: t.name, topicId: t.topicId } });
    for (let p = 0; p < t.partitions; p++) {
      records.push({
        type: 'PartitionRecord',
        data: partitionRecordOf(t.topicId, p, {
          replicas: [nodeId],
          isr: [nodeId],
          removingReplicas: [],
          addingReplicas: [],
          leader: nodeId,
          leaderRecoveryState: 0,
          leaderEpoch: 0,
          partitionEpoch: 0,
        }),
      });
    }
    for (const [name, value] of Object.entries(t.configs ?? {})) {
      records.push({ type: 'ConfigRecord', data: { resourceType: ConfigResourceType.TOPIC, resourceName: t.name, name, value } });
    }
  }
  const reserved = idBlock === null ? NaN : Number(idBlock.toString('utf8').trim());
  if (Number.isSafeInteger(reserved) && reserved > 0) {
    // Ids below the reserved block end may have been handed out: never again.
    records.push({ type: 'ProducerIdsRecord', data: { brokerId: -1, brokerEpoch: -1n, nextProducerId: BigInt(reserved) } });
  }
  return {
    records,
    topics: legacyTopics?.length ?? 0,
    finish: () => {
      if (image !== null) dir.deleteFile(LEGACY_TOPICS_FILE);
      if (idBlock !== null) dir.deleteFile(LEGACY_PRODUCER_ID_FILE);
    },
  };
}
