/**
 * The SCRAM credentials part of the metadata image (Kafka's ScramImage):
 * per user, per mechanism (the int8 type of UserScramCredentialRecord: 1
 * SCRAM-SHA-256, 2 SCRAM-SHA-512), the salt, StoredKey, ServerKey and
 * iteration count. Never a password. Set by UserScramCredentialRecord,
 * removed by RemoveUserScramCredentialRecord; the SASL SCRAM server and
 * DescribeUserScramCredentials read it, the controller alone writes it.
 *
 * ScramCredentialsDelta is the part of MetadataDelta that replays those
 * records, kept here so the image's other parts need not know about it.
 */
import type { ScramCredential } from '../../security/scram/scram-mechanism';
import type { RemoveUserScramCredentialRecord, UserScramCredentialRecord } from './records';

/** user -> mechanism type -> credential. A user with no credential is absent. */
export type ScramCredentialsImage = ReadonlyMap<string, ReadonlyMap<number, ScramCredential>>;

export const NO_SCRAM_CREDENTIALS: ScramCredentialsImage = new Map();

export class ScramCredentialsDelta {
  /** user -> mechanism -> new credential, or null: removed. */
  private readonly changes = new Map<string, Map<number, ScramCredential | null>>();
  private cleared = false;

  constructor(private readonly base: ScramCredentialsImage) {}

  get changed(): boolean {
    return this.cleared || this.changes.size > 0;
  }

  /** Users whose credentials this delta changed (e.g. to end their sessions later). */
  changedUsers(): Set<string> {
    return new Set(this.changes.keys());
  }

  replayUpsert(r: UserScramCredentialRecord): void {
    this.userChanges(r.name).set(r.mechanism, {
      salt: r.salt,
      storedKey: r.storedKey,
      serverKey: r.serverKey,
      iterations: r.iterations,
    });
  }

  replayRemove(r: RemoveUserScramCredentialRecord): void {
    this.userChanges(r.name).set(r.mechanism, null);
  }

  /** A snapshot replaces every credential: what it does not name is gone. */
  clearAll(): void {
    this.cleared = true;
    this.changes.clear();
  }

  apply(): ScramCredentialsImage {
    if (!this.changed) return this.base;
    const next = new Map(this.cleared ? [] : this.base);
    for (const [user, mechanisms] of this.changes) {
      const creds = new Map(this.cleared ? [] : (this.base.get(user) ?? []));
      for (const [mechanism, c] of mechanisms) {
        if (c === null) creds.delete(mechanism);
        else creds.set(mechanism, c);
      }
      if (creds.size === 0) next.delete(user);
      else next.set(user, creds);
    }
    return next;
  }

  private userChanges(user: string): Map<number, ScramCredential | null> {
    let m = this.changes.get(user);
    if (!m) this.changes.set(user, (m = new Map()));
    return m;
  }
}

/** The records that rebuild `image` (for a snapshot, or a publisher installed late). */
export function scramCredentialRecords(image: ScramCredentialsImage): UserScramCredentialRecord[] {
  const out: UserScramCredentialRecord[] = [];
  for (const [name, creds] of image) {
    for (const [mechanism, c] of creds) {
      out.push({ name, mechanism, salt: c.salt, storedKey: c.storedKey, serverKey: c.serverKey, iterations: c.iterations });
    }
  }
  return out;
}
