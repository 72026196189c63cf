/**
 * AlterUserScramCredentials (key 51), v0 (flexible).
 *
 * Upserts carry the salt and the salted password the client derived (the
 * password itself never travels); the broker keeps StoredKey and ServerKey
 * (RFC 5802) and the iteration count. Validation and per-user errors as
 * Kafka's ScramControlManager: DUPLICATE_RESOURCE, UNACCEPTABLE_CREDENTIAL
 * (empty name, iterations outside 4096..16384), UNSUPPORTED_SASL_MECHANISM,
 * RESOURCE_NOT_FOUND (deleting what does not exist). New credentials apply to
 * the next SCRAM login; connections already authenticated are not touched.
 * The controller validates and writes them as UserScramCredentialRecord /
 * RemoveUserScramCredentialRecord, so they persist with the metadata log;
 * the answer is given once the image has them. Authorization: ALTER on the
 * cluster.
 */
import { Apis } from '../../protocol/apis';
import type { AlterUserScramCredentialsRequest, AlterUserScramCredentialsResponse } from '../../protocol/messages';
import type { BrokerContext } from '../broker-context';
import { defineHandler } from '../define-handler';
import { ErrorCode } from '../../protocol/errors';
import { AclOperation, CLUSTER_RESOURCE_NAME, ResourceType } from '../../security/authorizer/acl';

export function alterUserScramCredentialsHandler(b: BrokerContext) {
  return defineHandler(Apis.AlterUserScramCredentials, async (req: AlterUserScramCredentialsRequest, ctx): Promise<AlterUserScramCredentialsResponse> => {
    // ALTER on the cluster (Kafka's KafkaApis), else every user named: CLUSTER_AUTHORIZATION_FAILED.
    if (!b.authorizer.allowed(ctx, AclOperation.ALTER, ResourceType.CLUSTER, CLUSTER_RESOURCE_NAME)) {
      const users = [...new Set([...req.deletions, ...req.upsertions].map((u) => u.name))].sort();
      return { throttleTimeMs: 0, results: users.map((user) => ({ user, errorCode: ErrorCode.CLUSTER_AUTHORIZATION_FAILED, errorMessage: null })) };
    }
    return { throttleTimeMs: 0, results: await b.controller.alterScramCredentials(req.deletions, req.upsertions) };
  });
}
