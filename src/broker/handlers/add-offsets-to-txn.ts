/**
 * AddOffsetsToTxn (key 25), v0–4: adds the group's `__consumer_offsets`
 * partition to the producer's transaction, so the transaction's COMMIT or
 * ABORT marker also decides the offsets TxnOffsetCommit writes there.
 * Version notes: v2 may answer PRODUCER_FENCED (INVALID_PRODUCER_EPOCH
 * before); v3 is flexible; v4 only adds an error code we never send
 * (TRANSACTION_ABORTABLE, KIP-890 part 2).
 *
 * Authorization (Kafka's KafkaApis): WRITE on the transactional id
 * (TRANSACTIONAL_ID_AUTHORIZATION_FAILED), then READ on the group
 * (GROUP_AUTHORIZATION_FAILED).
 *
 * The coordinator's state write is answered once the `__transaction_state`
 * partition has it replicated (acks=all), else with Kafka's coordinator
 * error (COORDINATOR_NOT_AVAILABLE, NOT_COORDINATOR).
 */
import { afterReplication } from '../../coordinator/coordinator-partitions';
import { Apis } from '../../protocol/apis';
import { ErrorCode } from '../../protocol/errors';
import { AddOffsetsToTxnRequest, AddOffsetsToTxnResponse } from '../../protocol/messages';
import { offsetsPartitionFor } from '../../coordinator/group/group-partition';
import { OFFSETS_TOPIC } from '../../coordinator/group/offsets-topic';
import type { BrokerContext } from '../broker-context';
import { defineHandler } from '../define-handler';
import { AclOperation, ResourceType } from '../../security/authorizer/acl';
import { fencedErrorForVersion } from './producer-fenced';

export function addOffsetsToTxnHandler(b: BrokerContext) {
  return defineHandler(Apis.AddOffsetsToTxn, (req: AddOffsetsToTxnRequest, ctx): AddOffsetsToTxnResponse | Promise<AddOffsetsToTxnResponse> => {
    const answer = (errorCode: number): AddOffsetsToTxnResponse => ({ throttleTimeMs: 0, errorCode });
    if (!b.authorizer.allowed(ctx, AclOperation.WRITE, ResourceType.TRANSACTIONAL_ID, req.transactionalId)) return answer(ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED);
    if (!b.authorizer.allowed(ctx, AclOperation.READ, ResourceType.GROUP, req.groupId)) return answer(ErrorCode.GROUP_AUTHORIZATION_FAILED);
    if (req.groupId === '') return answer(ErrorCode.INVALID_GROUP_ID);
    // Starts creating `__consumer_offsets` on first use. As in Kafka, the
    // group's partition is known before the topic exists (the configured
    // count): in a cluster the creation takes a moment, and kafkajs does not
    // retry AddOffsetsToTxn.
    b.groups.prepareCoordinator(req.groupId);
    const offsets = b.metadata.image.topics.get(OFFSETS_TOPIC);
    const partition = offsetsPartitionFor(req.groupId, offsets?.partitions.size ?? b.config.number('offsets.topic.num.partitions'));
    const code = b.transactions.addPartitions(req.transactionalId, Number(req.producerId), req.producerEpoch, [{ topic: OFFSETS_TOPIC, partition }]);
    if (code !== ErrorCode.NONE) return answer(fencedErrorForVersion(code, ctx.apiVersion, 2));
    return afterReplication(b.transactionPartitions.whenReplicated(req.transactionalId), answer);
  });
}
