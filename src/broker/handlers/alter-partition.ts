/**
 * AlterPartition (key 56), v0–3 — served by a broker of a cluster, not
 * advertised to clients (Kafka serves it on the controller's listener only).
 *
 * A partition's leader asks the controller to change the ISR (a follower
 * fell behind for replica.lag.time.max.ms, or caught up); the controller
 * validates it against the image and writes a PartitionChangeRecord
 * (Controller.alterPartition has the rules and error codes). Each answer
 * carries the partition's leader, leader epoch, ISR and partition epoch as
 * they are after the change. A broker that is not the controller answers
 * NOT_CONTROLLER; without CLUSTER_ACTION on the cluster (with an
 * authorizer) CLUSTER_AUTHORIZATION_FAILED, both for the whole request.
 *
 * Version notes: v0–1 name topics, v2+ by id; v1 adds the leader recovery
 * state (Weir's partitions are always recovered: 0); v3 gives each ISR
 * member with its broker epoch (KIP-903), before that epochs are not
 * checked.
 * An ISR change that completes a reassignment may move the leadership away
 * from the sender: the change is written and the sender is answered
 * NEW_LEADER_ELECTED (v0–1: FENCED_LEADER_EPOCH), as Kafka does.
 */
import type { IsrChangeRequest } from '../../cluster/controller';
import { ErrorCode } from '../../protocol/errors';
import type { AlterPartitionRequest, AlterPartitionResponse } from '../../protocol/messages';
import { ZERO_UUID } from '../../protocol/primitives/codec-support';
import type { BrokerContext } from '../broker-context';
import { ALTER_PARTITION_API } from '../controller-channel';
import { defineHandler } from '../define-handler';
import { AclOperation, CLUSTER_RESOURCE_NAME, ResourceType } from '../../security/authorizer/acl';

export function alterPartitionHandler(b: BrokerContext) {
  return defineHandler(ALTER_PARTITION_API, async (req: AlterPartitionRequest, ctx): Promise<AlterPartitionResponse> => {
    const v = ctx.apiVersion;
    const refused = (errorCode: ErrorCode): AlterPartitionResponse => ({ throttleTimeMs: 0, errorCode, topics: [] });
    if (!b.authorizer.allowed(ctx, AclOperation.CLUSTER_ACTION, ResourceType.CLUSTER, CLUSTER_RESOURCE_NAME)) return refused(ErrorCode.CLUSTER_AUTHORIZATION_FAILED);
    if (!b.cluster?.isController()) return refused(ErrorCode.NOT_CONTROLLER);
    const image = b.metadata.image;
    const items: IsrChangeRequest[] = [];
    for (const t of req.topics) {
      // v0–1 name the topic: an unknown name has no id, and is answered unknown below.
      const topicId = v >= 2 ? t.topicId : (image.topics.get(t.topicName)?.id ?? ZERO_UUID);
      for (const p of t.partitions) {
        items.push({
          topicId,
          partition: p.partitionIndex,
          leaderEpoch: p.leaderEpoch,
          partitionEpoch: p.partitionEpoch,
          newIsr: v >= 3 ? p.newIsrWithEpochs.map((m) => ({ brokerId: m.brokerId, brokerEpoch: Number(m.brokerEpoch) })) : p.newIsr.map((id) => ({ brokerId: id, brokerEpoch: -1 })),
        });
      }
    }
    const outcome = await b.controller.alterPartition(req.brokerId, Number(req.brokerEpoch), items);
    if (outcome.errorCode !== ErrorCode.NONE) return refused(outcome.errorCode);
    const topics = new Map<string, AlterPartitionResponse.TopicData>();
    for (const r of outcome.partitions) {
      let t = topics.get(r.topicId);
      if (!t) topics.set(r.topicId, (t = { topicName: image.topics.getById(r.topicId)?.name ?? '', topicId: r.topicId, partitions: [] }));
      // v0–1 have no UNKNOWN_TOPIC_ID, nor NEW_LEADER_ELECTED (Kafka answers those FENCED_LEADER_EPOCH).
      const errorCode =
        v < 2 && r.errorCode === ErrorCode.UNKNOWN_TOPIC_ID ? ErrorCode.UNKNOWN_TOPIC_OR_PARTITION
        : v < 2 && r.errorCode === ErrorCode.NEW_LEADER_ELECTED ? ErrorCode.FENCED_LEADER_EPOCH
        : r.errorCode;
      t.partitions.push({ partitionIndex: r.partition, errorCode, leaderId: r.leaderId, leaderEpoch: r.leaderEpoch, isr: r.isr, leaderRecoveryState: 0, partitionEpoch: r.partitionEpoch });
    }
    return { throttleTimeMs: 0, errorCode: ErrorCode.NONE, topics: [...topics.values()] };
  });
}
