import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { ErrorCode } from '../../protocol/errors';
import { openSingleNode } from '../../cluster/test-support/single-node';
import { GroupCoordinator } from './group-coordinator';
import { javaStringHashCode, offsetsPartitionFor } from './group-partition';
import { ManualScheduler } from '../../time/manual-scheduler';
import { OFFSETS_TOPIC, OffsetsTopic } from './offsets-topic';
import {
  decodeGroupMetadataValue,
  decodeOffsetCommitValue,
  decodeOffsetsTopicKey,
  encodeGroupMetadataKey,
  encodeGroupMetadataValue,
  encodeOffsetCommitKey,
  encodeOffsetCommitValue,
} from './offsets-topic-records';

const CONFIG = {
  initialRebalanceDelayMs: 0,
  minSessionTimeoutMs: 1000,
  maxSessionTimeoutMs: 300_000,
  maxGroupSize: 100,
  offsetsRetentionMs: 7 * 24 * 3600 * 1000,
  offsetsRetentionCheckIntervalMs: 600_000,
  offsetMetadataMaxBytes: 4096,
};

describe('__consumer_offsets partition for a group', () => {
  test('Java String.hashCode and Kafka Utils.abs', () => {
    expect(javaStringHashCode('')).toBe(0);
    expect(javaStringHashCode('hello')).toBe(99162322);
    // Integer.MIN_VALUE: Utils.abs maps it to 0 where Math.abs would not.
    expect(javaStringHashCode('polygenelubricants')).toBe(-2147483648);
    expect(offsetsPartitionFor('polygenelubricants', 50)).toBe(0);
    expect(offsetsPartitionFor('hello', 50)).toBe(99162322 % 50);
    // Characters outside the BMP count as two UTF-16 code units, as in Java.
    expect(javaStringHashCode('😀')).toBe(((0xd83d * 31) | 0) + 0xde00);
  });
});

describe('__consumer_offsets record formats', () => {
  test('OffsetCommitKey v1 / OffsetCommitValue v3 byte layout', () => {
    const key = encodeOffsetCommitKey('g', 't', 7);
    expect(key.toString('hex')).toBe('0001' + '0001' + '67' + '0001' + '74' + '00000007');
    const value = encodeOffsetCommitValue({ offset: 42n, leaderEpoch: 3, metadata: 'm', commitTimestamp: 1000, expireTimestamp: -1 });
    expect(value.toString('hex')).toBe('0003' + '000000000000002a' + '00000003' + '0001' + '6d' + '00000000000003e8');
    expect(decodeOffsetsTopicKey(key)).toEqual({ kind: 'offset', group: 'g', topic: 't', partition: 7 });
    expect(decodeOffsetCommitValue(value)).toEqual({ offset: 42n, leaderEpoch: 3, metadata: 'm', commitTimestamp: 1000, expireTimestamp: -1 });
  });

  test('older and flexible value versions decode', () => {
    // v1: offset, metadata, commit timestamp, expire timestamp
    const v1 = Buffer.from('0001' + '0000000000000005' + '0000' + '0000000000000064' + '00000000000000c8', 'hex');
    expect(decodeOffsetCommitValue(v1)).toEqual({ offset: 5n, leaderEpoch: -1, metadata: '', commitTimestamp: 100, expireTimestamp: 200 });
    // v4 (flexible): compact string and an empty tagged-field section
    const v4 = Buffer.from('0004' + '0000000000000005' + 'ffffffff' + '02' + '78' + '0000000000000064' + '00', 'hex');
    expect(decodeOffsetCommitValue(v4)).toEqual({ offset: 5n, leaderEpoch: -1, metadata: 'x', commitTimestamp: 100, expireTimestamp: -1 });
    // KIP-848 record kinds are skipped by the classic loader.
    expect(decodeOffsetsTopicKey(Buffer.from('0003' + '0001' + '67', 'hex'))).toBeNull();
  });

  test('GroupMetadataKey v2 / GroupMetadataValue v3 round trip', () => {
    expect(encodeGroupMetadataKey('g').toString('hex')).toBe('0002' + '0001' + '67');
    const value = {
      protocolType: 'consumer',
      generation: 4,
      protocol: 'range',
      leader: 'm1',
      currentStateTimestamp: 123,
      members: [
        { memberId: 'm1', groupInstanceId: 'i1', clientId: 'c', clientHost: '/127.0.0.1', rebalanceTimeoutMs: 300000, sessionTimeoutMs: 45000, subscription: Buffer.from([0, 1]), assignment: Buffer.from([2]) },
      ],
    };
    const encoded = encodeGroupMetadataValue(value);
    expect(encoded.readInt16BE(0)).toBe(3);
    expect(decodeGroupMetadataValue(encoded)).toEqual(value);
  });
});

describe('OffsetsTopic over a disk LogManager', () => {
  let root: string;
  beforeEach(() => {
    root = mkdtempSync(path.join(tmpdir(), 'weir-offsets-'));
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  async function open(partitions = 5) {
    const node = await openSingleNode({ dataDir: root });
    const topic = new OffsetsTopic({
      replicas: node.replicas,
      partitions: () => partitions,
      ensureTopic: () => {
        void node.controller.ensureInternalTopic(OFFSETS_TOPIC, partitions, { 'cleanup.policy': 'compact' });
        return node.metadata.image.topics.get(OFFSETS_TOPIC) !== undefined;
      },
      now: () => 1_700_000_000_000,
    });
    return { node, logs: node.logs, topic };
  }

  test('commits and group metadata are rebuilt after reopening the logs; deletions stay deleted', async () => {
    const first = await open();
    const clock = new ManualScheduler();
    const gc = new GroupCoordinator(CONFIG, clock, first.topic);
    gc.start();
    const commit = (groupId: string, offset: bigint, metadata: string) =>
      gc.commitOffsets({
        groupId,
        generationId: -1,
        memberId: '',
        groupInstanceId: null,
        retentionTimeMs: -1,
        partitions: [{ topic: 'orders', partition: 1, offset, leaderEpoch: 0, metadata, commitTimestamp: -1 }],
      });
    expect(commit('alpha', 10n, 'first')).toEqual([ErrorCode.NONE]);
    expect(commit('alpha', 11n, 'second')).toEqual([ErrorCode.NONE]);
    expect(commit('beta', 5n, '')).toEqual([ErrorCode.NONE]);
    expect(commit('gone', 1n, '')).toEqual([ErrorCode.NONE]);
    expect(gc.deleteGroups(['gone'])).toEqual([{ groupId: 'gone', errorCode: ErrorCode.NONE }]);

    // A group with a generation and a member, stored when its leader synced.
    const join = gc.joinGroup({
      groupId: 'members',
      memberId: '',
      groupInstanceId: 'static-1',
      requireKnownMemberId: true,
      supportSkipAssignment: false,
      clientId: 'c',
      clientHost: '/127.0.0.1',
      rebalanceTimeoutMs: 5000,
      sessionTimeoutMs: 5000,
      protocolType: 'consumer',
      protocols: [{ name: 'range', metadata: Buffer.from('sub') }],
      reason: null,
    });
    // Static members join in one step; the (zero) initial delay ends on the next clock step.
    clock.advance(0);
    expect((await join).errorCode).toBe(ErrorCode.NONE);
    const member = gc.group('members');
    expect(member?.state).toBe('CompletingRebalance');
    const memberId = [...(member?.members.keys() ?? [])][0] as string;
    const sync = await gc.syncGroup({ groupId: 'members', generationId: 1, memberId, groupInstanceId: 'static-1', protocolType: 'consumer', protocolName: 'range', assignments: new Map([[memberId, Buffer.from('asg')]]) });
    expect(sync.errorCode).toBe(ErrorCode.NONE);
    gc.close();

    // The records landed in the group's partition, in Kafka's formats.
    const alphaLog = first.logs.getLog(OFFSETS_TOPIC, offsetsPartitionFor('alpha', 5));
    expect(alphaLog?.logEndOffset).toBeGreaterThanOrEqual(2);
    first.node.close();

    const second = await open();
    const restarted = new GroupCoordinator(CONFIG, new ManualScheduler(), second.topic);
    restarted.start();
    expect(restarted.fetchOffsets('alpha', [{ name: 'orders', partitions: [1] }]).topics[0]?.partitions[0]).toEqual({
      partition: 1,
      offset: 11n,
      leaderEpoch: 0,
      metadata: 'second',
      errorCode: ErrorCode.NONE,
    });
    expect(restarted.fetchOffsets('beta', null).topics[0]?.partitions[0]?.offset).toBe(5n);
    expect(restarted.group('gone')).toBeUndefined();
    const loaded = restarted.group('members');
    expect(loaded?.state).toBe('Stable');
    expect(loaded?.generationId).toBe(1);
    expect(loaded?.staticMemberId('static-1')).toBe(memberId);
    expect(loaded?.members.get(memberId)?.assignment.toString()).toBe('asg');
    // The static member's restart finds its assignment.
    const rejoin = await restarted.joinGroup({
      groupId: 'members',
      memberId: '',
      groupInstanceId: 'static-1',
      requireKnownMemberId: true,
      supportSkipAssignment: false,
      clientId: 'c',
      clientHost: '/127.0.0.1',
      rebalanceTimeoutMs: 5000,
      sessionTimeoutMs: 5000,
      protocolType: 'consumer',
      protocols: [{ name: 'range', metadata: Buffer.from('sub') }],
      reason: null,
    });
    expect(rejoin.errorCode).toBe(ErrorCode.NONE);
    const again = await restarted.syncGroup({ groupId: 'members', generationId: 1, memberId: rejoin.memberId, groupInstanceId: 'static-1', protocolType: null, protocolName: null, assignments: new Map() });
    expect(again.assignment.toString()).toBe('asg');
    restarted.close();
    second.node.close();
  });
});
