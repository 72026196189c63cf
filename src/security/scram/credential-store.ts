/**
 * Where SCRAM credentials live. The authenticator reads them on every SCRAM
 * login; DescribeUserScramCredentials / AlterUserScramCredentials list and
 * change them. Behind an interface because their home moves: today an
 * in-memory map, later UserScramCredentialRecords in the metadata image
 * (issue 10), which the cluster replicates.
 */
import type { ScramCredential, ScramMechanismName } from './scram-mechanism';

export interface ScramCredentialStore {
  get(user: string, mechanism: ScramMechanismName): ScramCredential | undefined;
  /** Every user that has at least one credential, with the mechanisms and iterations they have. */
  list(): ReadonlyMap<string, ReadonlyMap<ScramMechanismName, ScramCredential>>;
  /** Applies one request's changes together: all of them, or (on a throw) none. */
  apply(changes: readonly ScramCredentialChange[]): void;
}

export type ScramCredentialChange =
  | { kind: 'upsert'; user: string; mechanism: ScramMechanismName; credential: ScramCredential }
  | { kind: 'delete'; user: string; mechanism: ScramMechanismName };

export class MemoryScramCredentialStore implements ScramCredentialStore {
  private readonly users = new Map<string, Map<ScramMechanismName, ScramCredential>>();

  get(user: string, mechanism: ScramMechanismName): ScramCredential | undefined {
    return this.users.get(user)?.get(mechanism);
  }

  list(): ReadonlyMap<string, ReadonlyMap<ScramMechanismName, ScramCredential>> {
    return this.users;
  }

  apply(changes: readonly ScramCredentialChange[]): void {
    for (const c of changes) {
      if (c.kind === 'upsert') {
        let m = this.users.get(c.user);
        if (!m) this.users.set(c.user, (m = new Map()));
        m.set(c.mechanism, c.credential);
      } else {
        const m = this.users.get(c.user);
        m?.delete(c.mechanism);
        if (m && m.size === 0) this.users.delete(c.user);
      }
    }
  }
}
