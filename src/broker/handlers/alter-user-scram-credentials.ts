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
 * The store is in memory until the metadata image (issue 10) holds
 * UserScramCredentialRecords. Authorization: ALTER on the cluster.
 */
import { Apis } from '../../protocol/apis';
import type { AlterUserScramCredentialsRequest, AlterUserScramCredentialsResponse } from '../../protocol/messages';
import { alterScramCredentials } from '../../security/scram/credential-admin';
import type { BrokerContext } from '../broker-context';
import { defineHandler } from '../define-handler';
import { ErrorCode } from '../../protocol/errors';
import { AclOperation, CLUSTER_RESOURCE_NAME, ResourceType } from '../../security/authorizer/acl';

export function alterUserScramCredentialsHandler(b: BrokerContext) {
  return defineHandler(Apis.AlterUserScramCredentials, (req: AlterUserScramCredentialsRequest, ctx): AlterUserScramCredentialsResponse => {
    // ALTER on the cluster (Kafka's KafkaApis), else every user named: CLUSTER_AUTHORIZATION_FAILED.
    if (!b.authorizer.allowed(ctx, AclOperation.ALTER, ResourceType.CLUSTER, CLUSTER_RESOURCE_NAME)) {
      const users = [...new Set([...req.deletions, ...req.upsertions].map((u) => u.name))].sort();
      return { throttleTimeMs: 0, results: users.map((user) => ({ user, errorCode: ErrorCode.CLUSTER_AUTHORIZATION_FAILED, errorMessage: null })) };
    }
    return { throttleTimeMs: 0, results: alterScramCredentials(b.scramCredentials, req.deletions, req.upsertions) };
  });
}
