/**
 * CreateAcls (key 30), v0-3 (v1 adds the pattern type, v2 is flexible).
 *
 * As Kafka's AclApis + AclControlManager: the caller needs ALTER on the
 * cluster (else CLUSTER_AUTHORIZATION_FAILED for every creation); without
 * an authorizer every creation is SECURITY_DISABLED. v0 creates LITERAL
 * ACLs only (no pattern type on the wire), an UNKNOWN code refuses the
 * request (INVALID_REQUEST). Per creation: a CLUSTER ACL must name
 * `kafka-cluster`, the name must not be empty, and the controller refuses
 * ANY / MATCH / UNKNOWN codes (INVALID_REQUEST, Kafka's messages). An ACL
 * that exists already succeeds. The new ACLs are metadata records; the
 * answer is given once the image holds them.
 */
import { Apis } from '../../protocol/apis';
import { ErrorCode } from '../../protocol/errors';
import type { CreateAclsRequest, CreateAclsResponse } from '../../protocol/messages';
import { AclOperation, CLUSTER_RESOURCE_NAME, ResourceType } from '../../security/authorizer/acl';
import type { AclError } from '../../cluster/acl-control';
import { aclRequestRefusal, bindingOf } from '../acl-wire';
import type { BrokerContext } from '../broker-context';
import { defineHandler } from '../define-handler';

export function createAclsHandler(b: BrokerContext) {
  return defineHandler(Apis.CreateAcls, async (req: CreateAclsRequest, ctx): Promise<CreateAclsResponse> => {
    const all = (errorCode: ErrorCode, errorMessage: string | null): CreateAclsResponse => ({
      throttleTimeMs: 0,
      results: req.creations.map(() => ({ errorCode, errorMessage })),
    });
    const refusal = aclRequestRefusal(
      req.creations.map((c) => ({ ...c, patternType: c.resourcePatternType })),
      'CreatableAcls',
    );
    if (refusal) return all(refusal.errorCode, refusal.errorMessage);
    if (!b.authorizer.allowed(ctx, AclOperation.ALTER, ResourceType.CLUSTER, CLUSTER_RESOURCE_NAME)) {
      return all(ErrorCode.CLUSTER_AUTHORIZATION_FAILED, 'Cluster authorization failed.');
    }
    if (!b.authorizer.enabled) return all(ErrorCode.SECURITY_DISABLED, 'No Authorizer is configured.');

    const results: (AclError | null)[] = req.creations.map((c) => {
      if (c.resourceType === ResourceType.CLUSTER && c.resourceName !== CLUSTER_RESOURCE_NAME) {
        return { errorCode: ErrorCode.INVALID_REQUEST, errorMessage: `The only valid name for the CLUSTER resource is ${CLUSTER_RESOURCE_NAME}` };
      }
      if (c.resourceName === '') return { errorCode: ErrorCode.INVALID_REQUEST, errorMessage: 'Invalid empty resource name' };
      return null;
    });
    const valid = req.creations.flatMap((c, i) => (results[i] === null ? [bindingOf(c)] : []));
    const created = await b.controller.createAcls(valid);
    let next = 0;
    return {
      throttleTimeMs: 0,
      results: results.map((r) => {
        const e = r ?? created[next++] ?? null;
        return { errorCode: e?.errorCode ?? ErrorCode.NONE, errorMessage: e?.errorMessage ?? null };
      }),
    };
  });
}
