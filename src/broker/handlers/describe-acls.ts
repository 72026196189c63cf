/**
 * DescribeAcls (key 29), v0-3 (v1 adds the pattern type, v2 is flexible).
 *
 * As Kafka's AclApis: the caller needs DESCRIBE on the cluster (else
 * CLUSTER_AUTHORIZATION_FAILED); without an authorizer the answer is
 * SECURITY_DISABLED. The filter is Kafka's AclBindingFilter (ANY codes,
 * null names, the MATCH pattern type; v0 filters LITERAL patterns only); an
 * UNKNOWN code is INVALID_REQUEST. The matching ACLs of the metadata image are grouped by
 * resource pattern.
 */
import { Apis } from '../../protocol/apis';
import { ErrorCode } from '../../protocol/errors';
import type { DescribeAclsRequest, DescribeAclsResponse } from '../../protocol/messages';
import { AclOperation, CLUSTER_RESOURCE_NAME, ResourceType } from '../../security/authorizer/acl';
import { aclRequestRefusal, filterOf } from '../acl-wire';
import type { BrokerContext } from '../broker-context';
import { defineHandler } from '../define-handler';

export function describeAclsHandler(b: BrokerContext) {
  return defineHandler(Apis.DescribeAcls, (req: DescribeAclsRequest, ctx): DescribeAclsResponse => {
    const error = (errorCode: ErrorCode, errorMessage: string): DescribeAclsResponse => ({ throttleTimeMs: 0, errorCode, errorMessage, resources: [] });
    const refusal = aclRequestRefusal(
      [{ resourceType: req.resourceTypeFilter, patternType: req.patternTypeFilter, operation: req.operation, permissionType: req.permissionType }],
      'DescribeAclsRequest',
    );
    if (refusal) return error(refusal.errorCode, refusal.errorMessage);
    if (!b.authorizer.allowed(ctx, AclOperation.DESCRIBE, ResourceType.CLUSTER, CLUSTER_RESOURCE_NAME)) {
      return error(ErrorCode.CLUSTER_AUTHORIZATION_FAILED, 'Cluster authorization failed.');
    }
    if (!b.authorizer.enabled) return error(ErrorCode.SECURITY_DISABLED, 'No Authorizer is configured on the broker');

    const byPattern = new Map<string, DescribeAclsResponse.DescribeAclsResource>();
    for (const acl of b.authorizer.acls(filterOf(req))) {
      const p = acl.pattern;
      const key = `${p.resourceType}:${p.patternType}:${p.name}`;
      let resource = byPattern.get(key);
      if (!resource) byPattern.set(key, (resource = { resourceType: p.resourceType, resourceName: p.name, patternType: p.patternType, acls: [] }));
      resource.acls.push({ principal: acl.entry.principal, host: acl.entry.host, operation: acl.entry.operation, permissionType: acl.entry.permissionType });
    }
    return { throttleTimeMs: 0, errorCode: ErrorCode.NONE, errorMessage: null, resources: [...byPattern.values()] };
  });
}
