/**
 * AlterClientQuotas (key 49), v0–1 (v1 flexible).
 *
 * Sets or removes quotas (producer_byte_rate, consumer_byte_rate,
 * request_percentage, controller_mutation_rate on user / client-id
 * entities, connection_creation_rate on ip entities; a null entity name is
 * the default entity). The controller validates each entity as Kafka's
 * ClientQuotaControlManager does (INVALID_REQUEST with Kafka's message per
 * entity; the others still apply) and writes ClientQuotaRecords, so quotas
 * persist with the metadata log; the answer is given once the image has
 * them, and the quota managers apply them from then on. validate_only
 * checks and writes nothing. Authorization: ALTER_CONFIGS on the cluster,
 * else every entry is CLUSTER_AUTHORIZATION_FAILED.
 */
import { Apis } from '../../protocol/apis';
import { ErrorCode } from '../../protocol/errors';
import type { AlterClientQuotasRequest, AlterClientQuotasResponse } from '../../protocol/messages';
import type { BrokerContext } from '../broker-context';
import { defineHandler } from '../define-handler';
import { AclOperation, CLUSTER_RESOURCE_NAME, ResourceType } from '../../security/authorizer/acl';

export function alterClientQuotasHandler(b: BrokerContext) {
  return defineHandler(Apis.AlterClientQuotas, async (req: AlterClientQuotasRequest, ctx): Promise<AlterClientQuotasResponse> => {
    if (!b.authorizer.allowed(ctx, AclOperation.ALTER_CONFIGS, ResourceType.CLUSTER, CLUSTER_RESOURCE_NAME)) {
      return {
        throttleTimeMs: 0,
        entries: req.entries.map((e) => ({ errorCode: ErrorCode.CLUSTER_AUTHORIZATION_FAILED, errorMessage: null, entity: e.entity.map((x) => ({ entityType: x.entityType, entityName: x.entityName })) })),
      };
    }
    return { throttleTimeMs: 0, entries: await b.controller.alterClientQuotas(req.entries, req.validateOnly) };
  });
}
