/**
 * A data dir written before the metadata log: the topics were a JSON image
 * (`weir-metadata.json` version 1: cluster id, topic names, ids, partition
 * counts, config overrides) and the producer ids a reserved block end
 * (`producer-id-block`). On the first start of this version they become
 * metadata records, committed once as the metadata log's first batch; then
 * the JSON file keeps only the cluster id and the block file goes.
 *
 * Every partition of that single-node era was led by this node at leader
 * epoch 0 (the epoch clients cached, and every stored batch carries), so
 * that is what the records say.
 */
import type { StorageDir } from '../../storage/storage-dir';
import { CLUSTER_ID_FILE, writeClusterId } from '../cluster-id';
import { ConfigResourceType } from '../../config';
import { partitionRecordOf } from './metadata-delta';
import type { MetadataRecord } from './metadata-record';

export const LEGACY_PRODUCER_ID_FILE = 'producer-id-block';

interface LegacyImageV1 {
  version: 1;
  clusterId: string;
  topics: { name: string; topicId: string; partitions: number; configs: Record<string, string> }[];
}

export interface LegacyMetadata {
  readonly records: MetadataRecord[];
  readonly topics: number;
  /** Rewrites the legacy files once the records are committed. */
  finish(): void;
}

/** The records a pre-metadata-log data dir amounts to, or null when it has nothing to migrate. */
export function readLegacyMetadata(dir: StorageDir, nodeId: number): LegacyMetadata | null {
  const raw = dir.readFile(CLUSTER_ID_FILE);
  const image = raw === null ? null : (JSON.parse(raw.toString('utf8')) as Partial<LegacyImageV1>);
  const legacyTopics = image?.version === 1 && Array.isArray(image.topics) ? image.topics : null;
  const idBlock = dir.readFile(LEGACY_PRODUCER_ID_FILE);
  if (legacyTopics === null && idBlock === null) return null;

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
      if (legacyTopics !== null && typeof image?.clusterId === 'string') writeClusterId(dir, image.clusterId);
      if (idBlock !== null) dir.deleteFile(LEGACY_PRODUCER_ID_FILE);
    },
  };
}
