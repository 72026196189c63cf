/**
 * DescribeClientQuotas (key 48), v0–1 (v1 flexible).
 *
 * Lists the quotas of the entities the filter matches, from the metadata
 * image (Kafka's ClientQuotasImage.describe): each component names an
 * entity type and matches an exact name (match_type 0), the default entity
 * (1) or any entity of that type (2); `strict` leaves out entities with
 * more types than the filter names. A bad filter (empty or repeated type,
 * a match string where none belongs, ip mixed with user / client-id)
 * answers INVALID_REQUEST with Kafka's message and no entries; an unknown
 * entity type UNSUPPORTED_VERSION. Authorization: DESCRIBE_CONFIGS on the
 * cluster, else CLUSTER_AUTHORIZATION_FAILED.
 */
import { describeClientQuotas } from '../../cluster/client-quota-control';
import { Apis } from '../../protocol/apis';
import { ErrorCode } from '../../protocol/errors';
import type { DescribeClientQuotasRequest, DescribeClientQuotasResponse } from '../../protocol/messages';
import type { BrokerContext } from '../broker-context';
import { defineHandler } from '../define-handler';
import { AclOperation, CLUSTER_RESOURCE_NAME, ResourceType } from '../../security/authorizer/acl';

export function describeClientQuotasHandler(b: BrokerContext) {
  return defineHandler(Apis.DescribeClientQuotas, (req: DescribeClientQuotasRequest, ctx): DescribeClientQuotasResponse => {
    if (!b.authorizer.allowed(ctx, AclOperation.DESCRIBE_CONFIGS, ResourceType.CLUSTER, CLUSTER_RESOURCE_NAME)) {
      return { throttleTimeMs: 0, errorCode: ErrorCode.CLUSTER_AUTHORIZATION_FAILED, errorMessage: null, entries: null };
    }
    const outcome = describeClientQuotas(b.metadata.image, req.components, req.strict);
    if ('errorMessage' in outcome) return { throttleTimeMs: 0, errorCode: outcome.errorCode, errorMessage: outcome.errorMessage, entries: null };
    return {
      throttleTimeMs: 0,
      errorCode: 0,
      errorMessage: null,
      entries: outcome.entries.map(({ entity, values }) => ({
        entity: entity.map(([entityType, entityName]) => ({ entityType, entityName })),
        values: [...values].map(([key, value]) => ({ key, value })),
      })),
    };
  });
}
