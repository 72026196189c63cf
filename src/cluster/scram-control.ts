/**
 * The controller's part for SCRAM credentials (Kafka's ScramControlManager):
 * an AlterUserScramCredentials request validated against one image becomes
 * UserScramCredentialRecords (salt, StoredKey, ServerKey, iterations: never
 * the salted password) and RemoveUserScramCredentialRecords, committed
 * together. The rules and per-user errors are credential-admin's.
 */
import {
  type AlterResult,
  type CredentialDeletion,
  type CredentialUpsertion,
  planScramAlteration,
} from '../security/scram/credential-admin';
import { ImageScramCredentials } from '../security/scram/credential-store';
import type { MetadataImage } from './metadata/metadata-image';
import type { MetadataRecord } from './metadata/metadata-record';

export function scramAlteration(
  image: MetadataImage,
  deletions: readonly CredentialDeletion[],
  upsertions: readonly CredentialUpsertion[],
): { records: MetadataRecord[]; result: AlterResult[] } {
  const { results, changes } = planScramAlteration(new ImageScramCredentials(() => image.scramCredentials), deletions, upsertions);
  const records = changes.map((c): MetadataRecord => {
    if (c.kind === 'delete') return { type: 'RemoveUserScramCredentialRecord', data: { name: c.user, mechanism: c.mechanism.type } };
    const { salt, storedKey, serverKey, iterations } = c.credential;
    return { type: 'UserScramCredentialRecord', data: { name: c.user, mechanism: c.mechanism.type, salt, storedKey, serverKey, iterations } };
  });
  return { records, result: results };
}
