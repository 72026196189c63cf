import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { ErrorCode } from '../../protocol/errors';
import { ControlRecordType, encodeEndTxnMarkerBatch } from '../../protocol/records';
import type { LogManager } from '../../storage/log-manager';
import { openSingleNode } from '../../cluster/test-support/single-node';
import { GroupCoordinator } from './group-coordinator';
import { offsetsPartitionFor } from './group-partition';
import { ManualScheduler } from '../../time/manual-scheduler';
import { MemoryGroupStore } from './memory-group-store';
import { OFFSETS_TOPIC, OffsetsTopic } from './offsets-topic';

const CONFIG = {
  initialRebalanceDelayMs: 0,
  minSessionTimeoutMs: 1000,
  maxSessionTimeoutMs: 300_000,
  maxGroupSize: 100,
  offsetsRetentionMs: 7 * 24 * 3600 * 1000,
  offsetsRetentionCheckIntervalMs: 600_000,
  offsetMetadataMaxBytes: 4096,
};

const txnCommit = (gc: GroupCoordinator, producerId: number, offset: bigint, groupId = 'g') =>
  gc.commitTransactionalOffsets({
    groupId,
    producerId,
    producerEpoch: 0,
    generationId: -1,
    memberId: '',
    groupInstanceId: null,
    partitions: [{ topic: 'in', partition: 0, offset, leaderEpoch: -1, metadata: null, commitTimestamp: -1 }],
  });

const fetched = (gc: GroupCoordinator, requireStable: boolean, groupId = 'g') =>
  gc.fetchOffsets(groupId, [{ name: 'in', partitions: [0] }], requireStable).topics[0]?.partitions[0];

describe('transactional offset commits', () => {
  test('are invisible until the transaction commits; requireStable reports them as unstable', () => {
    const gc = new GroupCoordinator(CONFIG, new ManualScheduler(), new MemoryGroupStore());
    gc.start();
    expect(txnCommit(gc, 7, 5n)).toEqual([ErrorCode.NONE]);
    expect(fetched(gc, false)).toMatchObject({ offset: -1n, errorCode: ErrorCode.NONE });
    expect(fetched(gc, true)).toMatchObject({ offset: -1n, errorCode: ErrorCode.UNSTABLE_OFFSET_COMMIT });
    gc.completeTransaction(7, true);
    expect(fetched(gc, true)).toMatchObject({ offset: 5n, errorCode: ErrorCode.NONE });
    gc.close();
  });

  test('are dropped when the transaction aborts', () => {
    const gc = new GroupCoordinator(CONFIG, new ManualScheduler(), new MemoryGroupStore());
    gc.start();
    txnCommit(gc, 7, 5n);
    gc.completeTransaction(7, false);
    expect(fetched(gc, true)).toMatchObject({ offset: -1n, errorCode: ErrorCode.NONE });
    gc.close();
  });

  test('check the member and generation a v3+ client sends', () => {
    const gc = new GroupCoordinator(CONFIG, new ManualScheduler(), new MemoryGroupStore());
    gc.start();
    const r = gc.commitTransactionalOffsets({
      groupId: 'g',
      producerId: 1,
      producerEpoch: 0,
      generationId: 3,
      memberId: 'nobody',
      groupInstanceId: null,
      partitions: [{ topic: 'in', partition: 0, offset: 1n, leaderEpoch: -1, metadata: '', commitTimestamp: -1 }],
    });
    expect(r).toEqual([ErrorCode.UNKNOWN_MEMBER_ID]);
    gc.close();
  });

  describe('over __consumer_offsets', () => {
    let root: string;
    beforeEach(() => {
      root = mkdtempSync(path.join(tmpdir(), 'weir-txn-offsets-'));
    });
    afterEach(() => rmSync(root, { recursive: true, force: true }));

    const open = async () => {
      const node = await openSingleNode({ dataDir: root });
      const topic = new OffsetsTopic({
        replicas: node.replicas,
        partitions: () => 3,
        ensureTopic: () => {
          void node.controller.ensureInternalTopic(OFFSETS_TOPIC, 3, { 'cleanup.policy': 'compact' });
          return node.metadata.image.topics.get(OFFSETS_TOPIC) !== undefined;
        },
        now: () => 1_700_000_000_000,
      });
      return { node, logs: node.logs, topic };
    };
    const writeMarker = (logs: LogManager, groupId: string, producerId: number, commit: boolean) =>
      logs.getLog(OFFSETS_TOPIC, offsetsPartitionFor(groupId, 3))?.append(
        encodeEndTxnMarkerBatch(commit ? ControlRecordType.Commit : ControlRecordType.Abort, {
          producerId: BigInt(producerId),
          producerEpoch: 0,
          coordinatorEpoch: 0,
          timestamp: 1n,
        }),
        { leaderEpoch: 0, origin: 'coordinator' },
      );

    test('replay applies committed transactions, drops aborted ones and keeps open ones pending', async () => {
      const first = await open();
      const gc = new GroupCoordinator(CONFIG, new ManualScheduler(), first.topic);
      gc.start();
      expect(txnCommit(gc, 1, 10n, 'committed')).toEqual([ErrorCode.NONE]);
      expect(txnCommit(gc, 1, 11n, 'committed')).toEqual([ErrorCode.NONE]); // a second commit in the same transaction
      writeMarker(first.logs, 'committed', 1, true);
      expect(txnCommit(gc, 2, 20n, 'aborted')).toEqual([ErrorCode.NONE]);
      writeMarker(first.logs, 'aborted', 2, false);
      expect(txnCommit(gc, 3, 30n, 'open')).toEqual([ErrorCode.NONE]);
      gc.close();
      // The transactional batch is the producer's; the partition's LSO waits for the open one.
      const openLog = first.logs.getLog(OFFSETS_TOPIC, offsetsPartitionFor('open', 3));
      expect(openLog?.firstUnstableOffset).not.toBeNull();
      first.node.close();

      const second = await open();
      const restarted = new GroupCoordinator(CONFIG, new ManualScheduler(), second.topic);
      restarted.start();
      expect(fetched(restarted, true, 'committed')).toMatchObject({ offset: 11n, errorCode: ErrorCode.NONE });
      expect(fetched(restarted, true, 'aborted')).toMatchObject({ offset: -1n, errorCode: ErrorCode.NONE });
      expect(fetched(restarted, true, 'open')).toMatchObject({ errorCode: ErrorCode.UNSTABLE_OFFSET_COMMIT });
      restarted.completeTransaction(3, true);
      expect(fetched(restarted, true, 'open')).toMatchObject({ offset: 30n, errorCode: ErrorCode.NONE });
      restarted.close();
      second.node.close();
    });
  });
});
