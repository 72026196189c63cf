/**
 * TxnOffsetCommit (key 28), v0–4: offsets committed inside a transaction
 * (sendOffsetsToTransaction). Written to `__consumer_offsets` now, visible
 * to OffsetFetch only once the transaction commits (dropped on abort);
 * meanwhile OffsetFetch with requireStable answers UNSTABLE_OFFSET_COMMIT.
 *
 * The producer must be the transactional id's current one, with the group's
 * offsets partition already in its transaction (AddOffsetsToTxn): a fenced
 * producer gets INVALID_PRODUCER_EPOCH, an unknown one
 * INVALID_PRODUCER_ID_MAPPING, a missing AddOffsetsToTxn INVALID_TXN_STATE.
 * Version notes: v2 adds the committed leader epoch; v3 is flexible and adds
 * the member id, generation and group instance id, checked against the
 * group like an OffsetCommit; v4 only adds TRANSACTION_ABORTABLE, never sent.
 */
import { Apis } from '../../protocol/apis';
import { ErrorCode } from '../../protocol/errors';
import { TxnOffsetCommitRequest, TxnOffsetCommitResponse } from '../../protocol/messages';
import { offsetsPartitionFor } from '../../coordinator/group/group-partition';
import { OFFSETS_TOPIC } from '../../coordinator/group/offsets-topic';
import type { BrokerContext } from '../broker-context';
import { defineHandler } from '../define-handler';

export function txnOffsetCommitHandler(b: BrokerContext) {
  return defineHandler(Apis.TxnOffsetCommit, (req: TxnOffsetCommitRequest): TxnOffsetCommitResponse => {
    const respond = (codes: (t: number, p: number) => number): TxnOffsetCommitResponse => ({
      throttleTimeMs: 0,
      topics: req.topics.map((t, ti) => ({ name: t.name, partitions: t.partitions.map((p, pi) => ({ partitionIndex: p.partitionIndex, errorCode: codes(ti, pi) })) })),
    });
    const producerId = Number(req.producerId);
    const offsets = b.metadata.image.topics.get(OFFSETS_TOPIC);
    let check: ErrorCode = offsets ? ErrorCode.NONE : ErrorCode.COORDINATOR_NOT_AVAILABLE;
    if (offsets) {
      const partition = offsetsPartitionFor(req.groupId, offsets.partitions.size);
      check = b.transactions.verifyPartition(req.transactionalId, producerId, req.producerEpoch, OFFSETS_TOPIC, partition);
      if (check === ErrorCode.PRODUCER_FENCED) check = ErrorCode.INVALID_PRODUCER_EPOCH;
    }
    if (check !== ErrorCode.NONE) return respond(() => check);
    const errors = b.groups.commitTransactionalOffsets({
      groupId: req.groupId,
      producerId,
      producerEpoch: req.producerEpoch,
      generationId: req.generationId,
      memberId: req.memberId,
      groupInstanceId: req.groupInstanceId,
      partitions: req.topics.flatMap((t) =>
        t.partitions.map((p) => ({
          topic: t.name,
          partition: p.partitionIndex,
          offset: p.committedOffset,
          leaderEpoch: p.committedLeaderEpoch,
          metadata: p.committedMetadata,
          commitTimestamp: -1,
        })),
      ),
    });
    let i = 0;
    const flat = req.topics.map((t) => t.partitions.map(() => errors[i++] ?? ErrorCode.UNKNOWN_SERVER_ERROR));
    return respond((ti, pi) => flat[ti]?.[pi] ?? ErrorCode.UNKNOWN_SERVER_ERROR);
  });
}
