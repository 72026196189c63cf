/**
 * DeleteAcls (key 31), v0-3 (v1 adds the pattern type, v2 is flexible).
 *
 * As Kafka's AclApis + AclControlManager: the caller needs ALTER on the
 * cluster (else CLUSTER_AUTHORIZATION_FAILED for every filter); without an
 * authorizer every filter is SECURITY_DISABLED. Filters as DescribeAcls's
 * (v0: LITERAL only; UNKNOWN codes INVALID_REQUEST). Every ACL any filter matches is removed in one metadata
 * write, and each filter's result lists the ACLs it matched.
 */
import { Apis } from '../../protocol/apis';
import { ErrorCode } from '../../protocol/errors';
import type { DeleteAclsRequest, DeleteAclsResponse } from '../../protocol/messages';
import { AclOperation, CLUSTER_RESOURCE_NAME, ResourceType } from '../../security/authorizer/acl';
import { aclRequestRefusal, filterOf } from '../acl-wire';
import type { BrokerContext } from '../broker-context';
import { defineHandler } from '../define-handler';

export function deleteAclsHandler(b: BrokerContext) {
  return defineHandler(Apis.DeleteAcls, async (req: DeleteAclsRequest, ctx): Promise<DeleteAclsResponse> => {
    const all = (errorCode: ErrorCode, errorMessage: string): DeleteAclsResponse => ({
      throttleTimeMs: 0,
      filterResults: req.filters.map(() => ({ errorCode, errorMessage, matchingAcls: [] })),
    });
    const filters = req.filters.map((f) => filterOf(f));
    const refusal = aclRequestRefusal(filters, 'Filters');
    if (refusal) return all(refusal.errorCode, refusal.errorMessage);
    if (!b.authorizer.allowed(ctx, AclOperation.ALTER, ResourceType.CLUSTER, CLUSTER_RESOURCE_NAME)) {
      return all(ErrorCode.CLUSTER_AUTHORIZATION_FAILED, 'Cluster authorization failed.');
    }
    if (!b.authorizer.enabled) return all(ErrorCode.SECURITY_DISABLED, 'No Authorizer is configured.');

    const results = await b.controller.deleteAcls(filters);
    return {
      throttleTimeMs: 0,
      filterResults: results.map((r) => ({
        errorCode: r.error?.errorCode ?? ErrorCode.NONE,
        errorMessage: r.error?.errorMessage ?? null,
        matchingAcls: r.deleted.map((acl) => ({
          errorCode: ErrorCode.NONE,
          errorMessage: null,
          resourceType: acl.pattern.resourceType,
          resourceName: acl.pattern.name,
          patternType: acl.pattern.patternType,
          principal: acl.entry.principal,
          host: acl.entry.host,
          operation: acl.entry.operation,
          permissionType: acl.entry.permissionType,
        })),
      })),
    };
  });
}
