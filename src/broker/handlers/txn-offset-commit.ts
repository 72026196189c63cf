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
 * The transaction coordinator is asked as for a transactional produce
 * (transaction-verification.ts): this broker's own, or another broker's
 * over the inter-broker listener; a coordinator that cannot be reached is
 * COORDINATOR_NOT_AVAILABLE, which the clients retry.
 * Version notes: v2 adds the committed leader epoch; v3 is flexible and adds
 * the member id, generation and group instance id, checked against the
 * group like an OffsetCommit; v4 only adds TRANSACTION_ABORTABLE, never sent.
 *
 * Authorization (Kafka's KafkaApis): WRITE on the transactional id
 * (TRANSACTIONAL_ID_AUTHORIZATION_FAILED), READ on the group
 * (GROUP_AUTHORIZATION_FAILED), each for every partition; READ on each
 * topic, else its partitions are TOPIC_AUTHORIZATION_FAILED and not
 * committed.
 *
 * Coordination (coordinator-partitions.ts): a broker that does not
 * coordinate the group answers NOT_COORDINATOR (COORDINATOR_LOAD_IN_PROGRESS
 * while its partition loads); what the request stored is answered once the
 * `__consumer_offsets` partition has it replicated (acks=all), else with
 * Kafka's coordinator error (COORDINATOR_NOT_AVAILABLE, NOT_COORDINATOR).
 */
import { Apis } from '../../protocol/apis';
import { ErrorCode } from '../../protocol/errors';
import { TxnOffsetCommitRequest, TxnOffsetCommitResponse } from '../../protocol/messages';
import { offsetsPartitionFor } from '../../coordinator/group/group-partition';
import { OFFSETS_TOPIC } from '../../coordinator/group/offsets-topic';
import type { BrokerContext } from '../broker-context';
import { defineHandler } from '../define-handler';
import { AclOperation, ResourceType } from '../../security/authorizer/acl';
import { afterReplication } from '../../coordinator/coordinator-partitions';

export function txnOffsetCommitHandler(b: BrokerContext) {
  return defineHandler(Apis.TxnOffsetCommit, async (req: TxnOffsetCommitRequest, ctx): Promise<TxnOffsetCommitResponse> => {
    const respond = (codes: (t: number, p: number) => number): TxnOffsetCommitResponse => ({
      throttleTimeMs: 0,
      topics: req.topics.map((t, ti) => ({ name: t.name, partitions: t.partitions.map((p, pi) => ({ partitionIndex: p.partitionIndex, errorCode: codes(ti, pi) })) })),
    });
    if (!b.authorizer.allowed(ctx, AclOperation.WRITE, ResourceType.TRANSACTIONAL_ID, req.transactionalId)) return respond(() => ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED);
    if (!b.authorizer.allowed(ctx, AclOperation.READ, ResourceType.GROUP, req.groupId)) return respond(() => ErrorCode.GROUP_AUTHORIZATION_FAILED);
    const notHere = b.groupPartitions.ownerError(req.groupId);
    if (notHere !== ErrorCode.NONE) return respond(() => notHere);
    const readable = b.authorizer.allowedNames(ctx, AclOperation.READ, ResourceType.TOPIC, req.topics.map((t) => t.name));
    const producerId = Number(req.producerId);
    const offsets = b.metadata.image.topics.get(OFFSETS_TOPIC);
    let check: ErrorCode = offsets ? ErrorCode.NONE : ErrorCode.COORDINATOR_NOT_AVAILABLE;
    if (offsets) {
      const partition = offsetsPartitionFor(req.groupId, offsets.partitions.size);
      const verifier = b.replicaManager.transactionVerification;
      const answer = verifier
        ? await verifier.verify(req.transactionalId, producerId, req.producerEpoch, [{ topic: OFFSETS_TOPIC, partition }])
        : [b.transactions.verifyPartition(req.transactionalId, producerId, req.producerEpoch, OFFSETS_TOPIC, partition)];
      check = answer[0] ?? ErrorCode.COORDINATOR_NOT_AVAILABLE;
      if (check === ErrorCode.PRODUCER_FENCED) check = ErrorCode.INVALID_PRODUCER_EPOCH;
      if (check === ErrorCode.NETWORK_EXCEPTION) check = ErrorCode.COORDINATOR_NOT_AVAILABLE;
    }
    if (check !== ErrorCode.NONE) return respond(() => check);
    // The group may have moved while a remote transaction coordinator answered.
    const moved = b.groupPartitions.ownerError(req.groupId);
    if (moved !== ErrorCode.NONE) return respond(() => moved);
    const errors = b.groups.commitTransactionalOffsets({
      groupId: req.groupId,
      producerId,
      producerEpoch: req.producerEpoch,
      generationId: req.generationId,
      memberId: req.memberId,
      groupInstanceId: req.groupInstanceId,
      partitions: req.topics.flatMap((t) =>
        (readable.has(t.name) ? t.partitions : []).map((p) => ({
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
    const flat = req.topics.map((t) =>
      t.partitions.map(() => (readable.has(t.name) ? (errors[i++] ?? ErrorCode.UNKNOWN_SERVER_ERROR) : ErrorCode.TOPIC_AUTHORIZATION_FAILED)),
    );
    // The transactional offsets count once replicated.
    const answer = (replicated: ErrorCode) =>
      respond((ti, pi) => {
        const code = flat[ti]?.[pi] ?? ErrorCode.UNKNOWN_SERVER_ERROR;
        return code === ErrorCode.NONE ? replicated : code;
      });
    return errors.includes(ErrorCode.NONE) ? afterReplication(b.groupPartitions.whenReplicated(req.groupId), answer) : answer(ErrorCode.NONE);
  });
}
