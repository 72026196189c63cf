/**
 * AllocateProducerIds (key 67), v0 — served by a broker of a cluster, not
 * advertised to clients (Kafka serves it on the controller's listener only).
 *
 * A broker asks the controller for its next block of producer ids
 * (controller-channel.ts); the controller writes the ProducerIdsRecord and
 * answers with the block. The asking broker takes the block from the
 * committed record (ProducerIdManager), as every broker learns metadata.
 * A broker that is not the controller answers NOT_CONTROLLER. With an
 * authorizer the asking broker needs CLUSTER_ACTION on the cluster
 * (CLUSTER_AUTHORIZATION_FAILED), as in Kafka.
 */
import { ErrorCode } from '../../protocol/errors';
import type { AllocateProducerIdsRequest, AllocateProducerIdsResponse } from '../../protocol/messages';
import type { BrokerContext } from '../broker-context';
import { ALLOCATE_PRODUCER_IDS_API } from '../controller-channel';
import { defineHandler } from '../define-handler';
import { AclOperation, CLUSTER_RESOURCE_NAME, ResourceType } from '../../security/authorizer/acl';

export function allocateProducerIdsHandler(b: BrokerContext) {
  return defineHandler(ALLOCATE_PRODUCER_IDS_API, async (req: AllocateProducerIdsRequest, ctx): Promise<AllocateProducerIdsResponse> => {
    if (!b.authorizer.allowed(ctx, AclOperation.CLUSTER_ACTION, ResourceType.CLUSTER, CLUSTER_RESOURCE_NAME)) {
      return { throttleTimeMs: 0, errorCode: ErrorCode.CLUSTER_AUTHORIZATION_FAILED, producerIdStart: -1n, producerIdLen: 0 };
    }
    if (!b.cluster?.isController()) return { throttleTimeMs: 0, errorCode: ErrorCode.NOT_CONTROLLER, producerIdStart: -1n, producerIdLen: 0 };
    const block = await b.controller.allocateProducerIds(req.brokerId, Number(req.brokerEpoch));
    return { throttleTimeMs: 0, errorCode: ErrorCode.NONE, producerIdStart: BigInt(block.firstId), producerIdLen: block.endId - block.firstId };
  });
}
