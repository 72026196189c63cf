/**
 * DescribeUserScramCredentials (key 50), v0 (flexible).
 *
 * Lists SCRAM users with their mechanisms and iteration counts (never salts
 * or keys) from the metadata image's credentials; null or empty `users` means
 * every user. Per-user errors as Kafka's ScramImage: DUPLICATE_RESOURCE for
 * a user named twice, RESOURCE_NOT_FOUND for one without credentials.
 * Authorization (DESCRIBE on the cluster) arrives with the authorizer.
 */
import { Apis } from '../../protocol/apis';
import { ErrorCode } from '../../protocol/errors';
import type { DescribeUserScramCredentialsRequest, DescribeUserScramCredentialsResponse } from '../../protocol/messages';
import { describeScramCredentials } from '../../security/scram/credential-admin';
import type { BrokerContext } from '../broker-context';
import { defineHandler } from '../define-handler';

export function describeUserScramCredentialsHandler(b: BrokerContext) {
  return defineHandler(Apis.DescribeUserScramCredentials, (req: DescribeUserScramCredentialsRequest): DescribeUserScramCredentialsResponse => ({
    throttleTimeMs: 0,
    errorCode: ErrorCode.NONE,
    errorMessage: null,
    results: describeScramCredentials(b.scramCredentials, req.users?.map((u) => u.name) ?? null).map((r) => ({
      user: r.user,
      errorCode: r.errorCode,
      errorMessage: r.errorMessage,
      credentialInfos: r.credentials,
    })),
  }));
}
