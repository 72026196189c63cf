import { MetadataDelta } from '../../cluster/metadata/metadata-delta';
import { MetadataImage } from '../../cluster/metadata/metadata-image';
import { scramAlteration } from '../../cluster/scram-control';
import { ErrorCode } from '../../protocol/errors';
import { type CredentialDeletion, type CredentialUpsertion, describeScramCredentials } from './credential-admin';
import { ImageScramCredentials } from './credential-store';
import { SCRAM_SHA_256, saltedPassword } from './scram-mechanism';

const upsert = (name: string, mechanism = 1, iterations = 4096) => {
  const salt = Buffer.from('salt');
  return { name, mechanism, iterations, salt, saltedPassword: saltedPassword(SCRAM_SHA_256, 'pw', salt, 4096) };
};

/** What the controller and the loader do: validate on the image, write records, apply them. */
class Credentials {
  image = MetadataImage.EMPTY;
  readonly store = new ImageScramCredentials(() => this.image.scramCredentials);

  alter(deletions: CredentialDeletion[], upsertions: CredentialUpsertion[]) {
    const { records, result } = scramAlteration(this.image, deletions, upsertions);
    const delta = new MetadataDelta(this.image);
    for (const r of records) delta.replay(r);
    this.image = delta.apply();
    return result;
  }
}

describe('SCRAM credential admin (Kafka’s ScramControlManager and ScramImage rules)', () => {
  test('upserts store keys, never the salted password; describe shows mechanisms and iterations', () => {
    const c = new Credentials();
    expect(c.alter([], [upsert('alice', 1, 8192), upsert('bob', 2)])).toEqual([
      { user: 'alice', errorCode: 0, errorMessage: null },
      { user: 'bob', errorCode: 0, errorMessage: null },
    ]);
    const cred = c.store.get('alice', 'SCRAM-SHA-256')!;
    expect(cred.iterations).toBe(8192);
    expect(cred.storedKey.equals(upsert('alice').saltedPassword)).toBe(false);
    expect(describeScramCredentials(c.store, null)).toEqual([
      { user: 'alice', errorCode: 0, errorMessage: null, credentials: [{ mechanism: 1, iterations: 8192 }] },
      { user: 'bob', errorCode: 0, errorMessage: null, credentials: [{ mechanism: 2, iterations: 4096 }] },
    ]);
  });

  test('the records hold salt, StoredKey, ServerKey and iterations, and rebuild the same image', () => {
    const c = new Credentials();
    const { records } = scramAlteration(c.image, [], [upsert('alice', 2, 4096)]);
    expect(records).toHaveLength(1);
    expect(records[0]!.type).toBe('UserScramCredentialRecord');
    expect(JSON.stringify(records[0])).not.toContain(upsert('alice').saltedPassword.toString('hex'));
    c.alter([], [upsert('alice', 2, 4096)]);
    const rebuilt = MetadataDelta.fromEmpty(c.image).apply();
    expect(rebuilt.scramCredentials).toEqual(c.image.scramCredentials);
  });

  test('describe: unknown and duplicated users', () => {
    const c = new Credentials();
    c.alter([], [upsert('alice')]);
    expect(describeScramCredentials(c.store, ['nobody', 'alice', 'alice'])).toEqual([
      { user: 'nobody', errorCode: ErrorCode.RESOURCE_NOT_FOUND, errorMessage: 'Attempt to describe a user credential that does not exist: nobody', credentials: [] },
      { user: 'alice', errorCode: ErrorCode.DUPLICATE_RESOURCE, errorMessage: 'Cannot describe SCRAM credentials for the same user twice in a single request: alice', credentials: [] },
    ]);
  });

  test('alter: per-user errors, the valid changes still apply', () => {
    const c = new Credentials();
    const results = c.alter(
      [{ name: 'ghost', mechanism: 1 }],
      [upsert('few', 1, 4095), upsert('many', 1, 16385), upsert('', 1), upsert('odd', 9), upsert('twice'), upsert('twice'), upsert('ok')],
    );
    const byUser = new Map(results.map((r) => [r.user, [r.errorCode, r.errorMessage]]));
    expect(byUser.get('ghost')).toEqual([ErrorCode.RESOURCE_NOT_FOUND, 'Attempt to delete a user credential that does not exist']);
    expect(byUser.get('few')).toEqual([ErrorCode.UNACCEPTABLE_CREDENTIAL, 'Too few iterations']);
    expect(byUser.get('many')).toEqual([ErrorCode.UNACCEPTABLE_CREDENTIAL, 'Too many iterations']);
    expect(byUser.get('')).toEqual([ErrorCode.UNACCEPTABLE_CREDENTIAL, 'Username must not be empty']);
    expect(byUser.get('odd')).toEqual([ErrorCode.UNSUPPORTED_SASL_MECHANISM, 'Unknown SCRAM mechanism']);
    expect(byUser.get('twice')).toEqual([ErrorCode.DUPLICATE_RESOURCE, 'A user credential cannot be altered twice in the same request']);
    expect(byUser.get('ok')).toEqual([ErrorCode.NONE, null]);
    expect([...c.store.list().keys()]).toEqual(['ok']);
  });

  test('delete removes one mechanism; the user goes once none is left', () => {
    const c = new Credentials();
    c.alter([], [upsert('alice', 1)]);
    c.alter([], [upsert('alice', 2)]);
    c.alter([{ name: 'alice', mechanism: 1 }], []);
    expect(describeScramCredentials(c.store, ['alice'])[0]!.credentials).toEqual([{ mechanism: 2, iterations: 4096 }]);
    c.alter([{ name: 'alice', mechanism: 2 }], []);
    expect(c.store.list().size).toBe(0);
    expect(c.image.scramCredentials.size).toBe(0);
  });
});
