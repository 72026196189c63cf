/**
 * `partition.metadata` (KIP-516): Kafka's exact bytes, a round trip through
 * a real directory, what Kafka's reader accepts, a malformed file refused
 * with an error naming it; and a log carries its topic id across a reopen.
 */
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { DiskStorageDir } from './disk-storage-dir';
import { Log } from './log';
import {
  PARTITION_METADATA_FILE,
  PartitionMetadataFile,
  decodePartitionMetadata,
  encodePartitionMetadata,
  kafkaUuidString,
  uuidFromKafkaString,
} from './partition-metadata-file';

// The file a test of Kafka 3.9 (KRaftClusterTest) writes by hand: Uuid(0, 0x03b4ab056689ee).
const KAFKA_SAMPLE = 'version: 0\ntopic_id: AAAAAAAAAAAAA7SrBWaJ7g\n';
const SAMPLE_ID = '00000000-0000-0000-0003-b4ab056689ee';

let root: string;
beforeEach(() => {
  root = mkdtempSync(path.join(tmpdir(), 'weir-partition-metadata-'));
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

describe('the format', () => {
  test("Kafka's Uuid strings: unpadded base64url of the 16 bytes", () => {
    expect(kafkaUuidString(SAMPLE_ID)).toBe('AAAAAAAAAAAAA7SrBWaJ7g');
    expect(uuidFromKafkaString('AAAAAAAAAAAAA7SrBWaJ7g')).toBe(SAMPLE_ID);
    expect(uuidFromKafkaString('AAAAAAAAAAAAA7SrBWaJ7g==')).toBe(SAMPLE_ID);
    expect(uuidFromKafkaString('AAAAAAAAAAAAA7SrBWaJ')).toBeNull();
    expect(uuidFromKafkaString('AAAAAAAAAAAAA7SrBWaJ7g+/')).toBeNull();
  });

  test("writes Kafka's bytes: two lines, no newline after the id (PartitionMetadata.encode)", () => {
    expect(encodePartitionMetadata(SAMPLE_ID).toString('utf8')).toBe('version: 0\ntopic_id: AAAAAAAAAAAAA7SrBWaJ7g');
  });

  test("reads what Kafka reads: its own sample, a trailing newline, CRLF, a newer version", () => {
    expect(decodePartitionMetadata(KAFKA_SAMPLE, 'f')).toBe(SAMPLE_ID);
    expect(decodePartitionMetadata('version: 0\r\ntopic_id: AAAAAAAAAAAAA7SrBWaJ7g', 'f')).toBe(SAMPLE_ID);
    expect(decodePartitionMetadata('version:  1\ntopic_id:\tAAAAAAAAAAAAA7SrBWaJ7g', 'f')).toBe(SAMPLE_ID);
  });

  test.each([
    ['empty', '', /empty/],
    ['no id line', 'version: 0\n', /line 2/],
    ['no space after the colon', 'version:0\ntopic_id: AAAAAAAAAAAAA7SrBWaJ7g', /line 1/],
    ['a version that is not a number', 'version: zero\ntopic_id: AAAAAAAAAAAAA7SrBWaJ7g', /line 1/],
    ['a negative version', 'version: -1\ntopic_id: AAAAAAAAAAAAA7SrBWaJ7g', /unrecognized version.*-1/],
    ['an id that is not a Uuid', 'version: 0\ntopic_id: not-a-uuid', /line 2.*not-a-uuid/],
    ['the zero Uuid', 'version: 0\ntopic_id: AAAAAAAAAAAAAAAAAAAAAA', /zero Uuid/],
  ])('refuses %s, naming the file', (_what, text, why) => {
    expect(() => decodePartitionMetadata(text, '/data/t-0/partition.metadata')).toThrow(why);
    expect(() => decodePartitionMetadata(text, '/data/t-0/partition.metadata')).toThrow('/data/t-0/partition.metadata');
  });

  test('round trip through a directory, written whole (no .tmp left)', async () => {
    const dir = new DiskStorageDir(root);
    const file = new PartitionMetadataFile(dir);
    expect(file.read()).toBeNull();
    const id = '5f0c1a2b-3c4d-4e5f-8a9b-0c1d2e3f4a5b';
    await file.writeAsync(id);
    expect(file.read()).toBe(id);
    expect(readFileSync(path.join(root, PARTITION_METADATA_FILE), 'utf8')).toBe(`version: 0\ntopic_id: ${kafkaUuidString(id)}`);
    expect(dir.listFiles()).toEqual([PARTITION_METADATA_FILE]);
  });
});

describe("a log's topic id", () => {
  const ID = '5f0c1a2b-3c4d-4e5f-8a9b-0c1d2e3f4a5b';
  const OTHER = 'aaaaaaaa-3c4d-4e5f-8a9b-0c1d2e3f4a5b';

  test('assigned once, written, read back when the log opens again; another id is refused', async () => {
    const dir = new DiskStorageDir(path.join(root, 't-0'));
    const log = Log.open(dir, { topic: 't', partition: 0 });
    expect(log.topicId).toBeNull();
    log.assignTopicId(ID);
    log.assignTopicId(ID); // the same id again: nothing to do
    await log.whenTopicIdWritten();
    expect(log.partitionMetadataError).toBeNull();
    expect(() => log.assignTopicId(OTHER)).toThrow(/belongs to topic id 5f0c1a2b/);
    log.close();
    const reopened = Log.open(dir, { topic: 't', partition: 0 });
    expect(reopened.topicId).toBe(ID);
    reopened.close();
  });

  test('a write in flight when its log is deleted and its directory made again leaves nothing in the new directory', async () => {
    const parent = new DiskStorageDir(root);
    const log = Log.open(parent.dir('t-0'), { topic: 't', partition: 0 });
    log.assignTopicId(ID);
    // Whether the write's open ran in the thread pool before or after these, it gives up.
    log.delete();
    parent.removeDir('t-0');
    const again = Log.open(parent.dir('t-0'), { topic: 't', partition: 0 });
    await log.whenTopicIdWritten();
    expect(log.partitionMetadataError).toBeNull();
    expect(readdirSync(path.join(root, 't-0')).filter((f) => f.startsWith(PARTITION_METADATA_FILE))).toEqual([]);
    expect(again.topicId).toBeNull();
    again.close();
  });

  test('a malformed file stops the log from opening, with an error naming the file', () => {
    const dirPath = path.join(root, 't-0');
    Log.open(new DiskStorageDir(dirPath), { topic: 't', partition: 0 }).close();
    writeFileSync(path.join(dirPath, PARTITION_METADATA_FILE), 'version: 0\ntopic_id: garbage');
    expect(() => Log.open(new DiskStorageDir(dirPath), { topic: 't', partition: 0 })).toThrow(`${dirPath}/${PARTITION_METADATA_FILE}: malformed partition metadata file`);
  });
});
