import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Broker } from '../broker/broker';
import { createLogger } from '../logger';
import { makeBatch } from '../storage/test-batches';
import {
  completeMetaProperties,
  formatMetaProperties,
  parseMetaProperties,
  randomKafkaUuid,
  readMetaProperties,
  verifyMetaProperties,
} from './meta-properties';

describe('meta.properties', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'weir-meta-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  test("written as a KRaft broker writes it (Properties.store: comment, date, key=value); read back", () => {
    const meta = { version: 1 as const, nodeId: 1, clusterId: 'MkU3OEVBNTcwNTJENDM2Qg', directoryId: 'J8TJ0n5ZR1W2FwYaSJ1pYA' };
    const text = formatMetaProperties(meta, new Date(Date.UTC(2024, 11, 7, 10, 5, 9)));
    expect(text).toBe(
      '#\n#Sat Dec 07 10:05:09 UTC 2024\ncluster.id=MkU3OEVBNTcwNTJENDM2Qg\ndirectory.id=J8TJ0n5ZR1W2FwYaSJ1pYA\nnode.id=1\nversion=1\n',
    );
    expect(parseMetaProperties(text, 'x')).toEqual(meta);
  });

  test('reads files Kafka wrote: any key order, version 0 with broker.id, no directory.id', () => {
    const kraft = '#\n#Thu Oct 10 09:41:34 UTC 2024\nnode.id=3\ndirectory.id=3p3O_E_7R0SaBZNVFbumvw\nversion=1\ncluster.id=4L6g3nShT-eMCtK--X86sw\n';
    expect(parseMetaProperties(kraft, 'x')).toEqual({ version: 1, nodeId: 3, clusterId: '4L6g3nShT-eMCtK--X86sw', directoryId: '3p3O_E_7R0SaBZNVFbumvw' });
    // Kafka 2.4's own file (ZooKeeper mode).
    const zk = '#\n#Sat Dec 07 00:20:00 UTC 2024\nbroker.id=0\nversion=0\ncluster.id=Wq3yWTi9Q8-c4Mc9aFvxLw\n';
    expect(parseMetaProperties(zk, 'x')).toEqual({ version: 0, nodeId: 0, clusterId: 'Wq3yWTi9Q8-c4Mc9aFvxLw', directoryId: null });
  });

  test('malformed files are refused with the reason', () => {
    expect(() => parseMetaProperties('version=2\nnode.id=1\ncluster.id=a\n', 'f')).toThrow(/unknown meta.properties version number "2"/);
    expect(() => parseMetaProperties('version=1\ncluster.id=a\n', 'f')).toThrow(/node.id was not found/);
    expect(() => parseMetaProperties('version=1\nnode.id=1\n', 'f')).toThrow(/cluster.id was not found/);
    expect(() => parseMetaProperties('version=1\nnode.id=one\ncluster.id=a\n', 'f')).toThrow(/unable to read node.id as a base-10 number/);
    expect(() => parseMetaProperties('version=1\nnode.id=1\ncluster.id=a\ndirectory.id=nope\n', 'f')).toThrow(/unable to read directory.id/);
    expect(() => parseMetaProperties('version=1\nnode.id=1\ncluster.id=a\ndirectory.id=AAAAAAAAAAAAAAAAAAAAAA\n', 'f')).toThrow(/reserved/);
  });

  test("Kafka's start-up checks: the node id must match, cluster id present; a missing directory id is added", () => {
    const stored = { version: 1 as const, nodeId: 1, clusterId: 'c', directoryId: null };
    expect(() => verifyMetaProperties(stored, 2, dir)).toThrow(/stored node id 1 .* does not match the configured node.id 2/);
    expect(() => verifyMetaProperties({ ...stored, clusterId: null }, 1, dir)).toThrow(/cluster id not found/);
    const completed = completeMetaProperties(dir, stored, 1, () => 'unused');
    expect(completed.clusterId).toBe('c');
    expect(completed.directoryId).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(readMetaProperties(dir)).toEqual(completed);
    expect(readMetaProperties(path.join(dir, 'missing'))).toBeNull();
  });

  test('random ids are Kafka Uuids: 22 base64url characters, never starting with a dash', () => {
    for (let i = 0; i < 200; i++) {
      const id = randomKafkaUuid();
      expect(id).toMatch(/^[A-Za-z0-9_][A-Za-z0-9_-]{21}$/);
      expect(Buffer.from(id, 'base64url')).toHaveLength(16);
    }
  });
});

describe('a broker and its data dir identity', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'weir-meta-broker-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  test('a new data dir gets meta.properties; the cluster id survives restarts; another node id is refused', async () => {
    const first = await Broker.start({ dataDir: dir, port: 0 });
    const clusterId = first.context.clusterId;
    await first.close();
    const meta = readMetaProperties(dir);
    expect(meta).toEqual({ version: 1, nodeId: 1, clusterId, directoryId: expect.stringMatching(/^[A-Za-z0-9_-]{22}$/) });

    const again = await Broker.start({ dataDir: dir, port: 0 });
    expect(again.context.clusterId).toBe(clusterId);
    await again.close();
    expect(readMetaProperties(dir)).toEqual(meta);

    await expect(Broker.start({ dataDir: dir, port: 0, properties: { 'node.id': '2' } })).rejects.toThrow(/stored node id 1 .* configured node.id 2/);
    // Refused before anything was loaded or locked: the node can start again.
    const third = await Broker.start({ dataDir: dir, port: 0 });
    await third.close();
  });

  test('a data dir from before meta.properties keeps its cluster id (from weir-metadata.json); its indexes are rewritten once, with one log line', async () => {
    // What an earlier Weir left: a topic image with the cluster id, a partition, no meta.properties.
    const first = await Broker.start({ dataDir: dir, port: 0 });
    first.context.logs.getOrCreateLog('t', 0).append(makeBatch({ records: 3 }), { leaderEpoch: 0 });
    await first.close();
    fs.rmSync(path.join(dir, 'meta.properties'));
    fs.writeFileSync(path.join(dir, 'weir-metadata.json'), JSON.stringify({ version: 1, clusterId: 'old-cluster-id', topics: [] }));

    const lines: string[] = [];
    const logger = createLogger({ destination: { write: (l: string) => lines.push(l) } as unknown as NodeJS.WritableStream });
    const broker = await Broker.start({ dataDir: dir, port: 0, logger });
    expect(broker.context.clusterId).toBe('old-cluster-id');
    await broker.close();
    expect(readMetaProperties(dir)).toMatchObject({ version: 1, nodeId: 1, clusterId: 'old-cluster-id' });
    expect(lines.filter((l) => l.includes('offset indexes'))).toEqual([expect.stringMatching(/"segments":1.*rewrote the offset indexes of an earlier Weir/)]);

    // Once: the next start finds meta.properties and trusts the files.
    lines.length = 0;
    const again = await Broker.start({ dataDir: dir, port: 0, logger });
    await again.close();
    expect(lines.filter((l) => l.includes('offset indexes'))).toEqual([]);
  });
});
