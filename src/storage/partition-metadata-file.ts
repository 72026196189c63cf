/**
 * `partition.metadata`: the topic id a partition directory belongs to
 * (KIP-516), in Kafka's format so Kafka's brokers and tools read it:
 *
 *   version: 0\n
 *   topic_id: <Kafka Uuid string>          (no newline after it)
 *
 * The Uuid is Kafka's `Uuid.toString`: the 16 bytes as unpadded base64url
 * (22 characters); Weir holds topic ids as dashed hex, converted here.
 *
 * The name of a directory (`<topic>-<partition>`) outlives its topic: a
 * topic deleted while a broker was down and created again under the same
 * name has a new id, and this file is how the broker tells the old log from
 * a replica of the new topic (see ReplicaManager.partitionFor).
 *
 * Read as Kafka's PartitionMetadataReadBuffer reads it: each line is split
 * on a colon followed by whitespace and must give two fields; any version
 * from 0 up is accepted (a newer Kafka's file, for downgrades); the id must
 * be a valid, non-zero Uuid. Anything else is an error naming the file.
 * Written whole and atomically (atomic-file.ts), fsynced.
 */
import type { StorageDir } from './storage-dir';

export const PARTITION_METADATA_FILE = 'partition.metadata';
const VERSION = 0;
const ZERO_UUID = '00000000-0000-0000-0000-000000000000';

/** Kafka's `Uuid.toString` of a dashed-hex uuid: unpadded base64url. */
export function kafkaUuidString(uuid: string): string {
  return Buffer.from(uuid.replace(/-/g, ''), 'hex').toString('base64url');
}

/** The dashed-hex uuid of Kafka's Uuid string; null when it is not one (Kafka's Uuid.fromString accepts base64url, padded or not, of 16 bytes). */
export function uuidFromKafkaString(text: string): string | null {
  if (!/^[A-Za-z0-9_-]{22}(==)?$/.test(text)) return null;
  const bytes = Buffer.from(text, 'base64url');
  if (bytes.length !== 16) return null;
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** The file's bytes for a topic id (dashed hex). */
export function encodePartitionMetadata(topicId: string): Buffer {
  return Buffer.from(`version: ${VERSION}\ntopic_id: ${kafkaUuidString(topicId)}`, 'utf8');
}

/** The topic id (dashed hex) the file's text names; throws, naming `where`, when the file is malformed. */
export function decodePartitionMetadata(text: string, where: string): string {
  // Java's BufferedReader.readLine: a line ends at \n, \r or \r\n.
  const lines = text.split(/\r\n|\r|\n/);
  const fields = (i: number): string[] | null => {
    const line = lines[i];
    if (line === undefined) return null;
    const parts = line.split(/:\s+/);
    return parts.length === 2 ? parts : null;
  };
  const malformed = (i: number): never => {
    throw new Error(`${where}: malformed partition metadata file (line ${i + 1}: ${JSON.stringify(lines[i] ?? '')})`);
  };
  if (text.length === 0) throw new Error(`${where}: malformed partition metadata file (empty)`);
  const versionFields = fields(0) ?? malformed(0);
  const versionText = versionFields[1] as string;
  if (!/^[+-]?\d+$/.test(versionText) || !Number.isSafeInteger(Number(versionText))) malformed(0);
  const version = Number(versionText);
  if (version < VERSION) throw new Error(`${where}: unrecognized version of partition metadata file: ${version}`);
  const idFields = fields(1) ?? malformed(1);
  const topicId = uuidFromKafkaString(idFields[1] as string);
  if (topicId === null) malformed(1);
  if (topicId === ZERO_UUID) throw new Error(`${where}: invalid topic id in partition metadata file (the zero Uuid)`);
  return topicId as string;
}

/** The `partition.metadata` of one partition directory. */
export class PartitionMetadataFile {
  constructor(private readonly dir: StorageDir) {}

  /** The topic id the file names (dashed hex); null when there is no file. Throws when it is malformed. */
  read(): string | null {
    const buf = this.dir.readFile(PARTITION_METADATA_FILE);
    return buf === null ? null : decodePartitionMetadata(buf.toString('utf8'), `${this.dir.path}/${PARTITION_METADATA_FILE}`);
  }

  /**
   * Writes the file atomically and durably, every step in the thread pool
   * (a topic of thousands of partitions writes thousands of these while
   * clients wait on the event loop). The file appears only once its bytes
   * are fsynced, never empty or half written: a crash before then leaves a
   * log without a topic id, which the next start writes again.
   * `stillWanted` (the log is still open) is asked once the temp file is
   * open: see replaceFileAtomicallyInThreadPool.
   */
  writeAsync(topicId: string, stillWanted: () => boolean = () => true): Promise<void> {
    return this.dir.writeFileAsync(PARTITION_METADATA_FILE, encodePartitionMetadata(topicId), { allInThreadPool: true, stillWanted });
  }

  /** The same, synchronously (tests, tools). */
  write(topicId: string): void {
    this.dir.writeFile(PARTITION_METADATA_FILE, encodePartitionMetadata(topicId), { sync: true });
  }
}
