/**
 * DescribeUserScramCredentials (key 50), v0 (flexible).
 *
 * Lists SCRAM users with their mechanisms and iteration counts (never salts
 * or keys) from the metadata image's credentials; null or empty `users` means
 * every user. Per-user errors as Kafka's ScramImage: DUPLICATE_RESOURCE for
 * a user named twice, RESOURCE_NOT_FOUND for one without credentials.
 * Authorization: DESCRIBE on the cluster.
 */
import { Apis } from '../../protocol/apis';
import { ErrorCode } from '../../protocol/errors';
import type { DescribeUserScramCredentialsRequest, DescribeUserScramCredentialsResponse } from '../../protocol/messages';
import { describeScramCredentials } from '../../security/scram/credential-admin';
import type { BrokerContext } from '../broker-context';
import { defineHandler } from '../define-handler';
import { AclOperation, CLUSTER_RESOURCE_NAME, ResourceType } from '../../security/authorizer/acl';

export function describeUserScramCredentialsHandler(b: BrokerContext) {
  return defineHandler(Apis.DescribeUserScramCredentials, (req: DescribeUserScramCredentialsRequest, ctx): DescribeUserScramCredentialsResponse => {
    // DESCRIBE on the cluster (Kafka's KafkaApis), else CLUSTER_AUTHORIZATION_FAILED.
    if (!b.authorizer.allowed(ctx, AclOperation.DESCRIBE, ResourceType.CLUSTER, CLUSTER_RESOURCE_NAME)) {
      return { throttleTimeMs: 0, errorCode: ErrorCode.CLUSTER_AUTHORIZATION_FAILED, errorMessage: null, results: [] };
    }
    return {
      throttleTimeMs: 0,
      errorCode: ErrorCode.NONE,
      errorMessage: null,
      results: describeScramCredentials(b.scramCredentials, req.users?.map((u) => u.name) ?? null).map((r) => ({
        user: r.user,
        errorCode: r.errorCode,
        errorMessage: r.errorMessage,
        credentialInfos: r.credentials,
      })),
    };
  });
}
