/**
 * Where SCRAM logins and DescribeUserScramCredentials find credentials: a
 * read-only view of the metadata image's SCRAM credentials
 * (UserScramCredentialRecords), so the metadata log is their only owner.
 * They are changed only by the controller (AlterUserScramCredentials),
 * survive restarts with the log, and a cluster replicates them with it. A
 * login reads the image of the moment, so a credential changed or removed
 * applies to the next login (sessions already authenticated are kept, as in
 * Kafka).
 */
import type { ScramCredentialsImage } from '../../cluster/metadata/scram-credentials-image';
import { type ScramCredential, type ScramMechanismName, scramMechanismByName, scramMechanismByType } from './scram-mechanism';

export interface ScramCredentialStore {
  get(user: string, mechanism: ScramMechanismName): ScramCredential | undefined;
  /** Every user that has at least one credential, with the mechanisms and iterations they have. */
  list(): ReadonlyMap<string, ReadonlyMap<ScramMechanismName, ScramCredential>>;
}

/** A view of the credentials of whichever image `image()` returns (the loader's latest). */
export class ImageScramCredentials implements ScramCredentialStore {
  constructor(private readonly image: () => ScramCredentialsImage) {}

  get(user: string, mechanism: ScramMechanismName): ScramCredential | undefined {
    const type = scramMechanismByName(mechanism)?.type;
    return type === undefined ? undefined : this.image().get(user)?.get(type);
  }

  list(): ReadonlyMap<string, ReadonlyMap<ScramMechanismName, ScramCredential>> {
    const out = new Map<string, Map<ScramMechanismName, ScramCredential>>();
    for (const [user, creds] of this.image()) {
      const byName = new Map<ScramMechanismName, ScramCredential>();
      for (const [type, c] of creds) {
        const m = scramMechanismByType(type);
        if (m) byName.set(m.name, c);
      }
      if (byName.size > 0) out.set(user, byName);
    }
    return out;
  }
}
