import { ErrorCode } from '../../protocol/errors';
import { alterScramCredentials, describeScramCredentials } from './credential-admin';
import { MemoryScramCredentialStore } from './credential-store';
import { SCRAM_SHA_256, saltedPassword } from './scram-mechanism';

const upsert = (name: string, mechanism = 1, iterations = 4096) => {
  const salt = Buffer.from('salt');
  return { name, mechanism, iterations, salt, saltedPassword: saltedPassword(SCRAM_SHA_256, 'pw', salt, 4096) };
};

describe('SCRAM credential admin (Kafka’s ScramControlManager and ScramImage rules)', () => {
  test('upserts store keys, never the salted password; describe shows mechanisms and iterations', () => {
    const store = new MemoryScramCredentialStore();
    expect(alterScramCredentials(store, [], [upsert('alice', 1, 8192), upsert('bob', 2)])).toEqual([
      { user: 'alice', errorCode: 0, errorMessage: null },
      { user: 'bob', errorCode: 0, errorMessage: null },
    ]);
    const cred = store.get('alice', 'SCRAM-SHA-256')!;
    expect(cred.iterations).toBe(8192);
    expect(cred.storedKey.equals(upsert('alice').saltedPassword)).toBe(false);
    expect(describeScramCredentials(store, null)).toEqual([
      { user: 'alice', errorCode: 0, errorMessage: null, credentials: [{ mechanism: 1, iterations: 8192 }] },
      { user: 'bob', errorCode: 0, errorMessage: null, credentials: [{ mechanism: 2, iterations: 4096 }] },
    ]);
  });

  test('describe: unknown and duplicated users', () => {
    const store = new MemoryScramCredentialStore();
    alterScramCredentials(store, [], [upsert('alice')]);
    expect(describeScramCredentials(store, ['nobody', 'alice', 'alice'])).toEqual([
      { user: 'nobody', errorCode: ErrorCode.RESOURCE_NOT_FOUND, errorMessage: 'Attempt to describe a user credential that does not exist: nobody', credentials: [] },
      { user: 'alice', errorCode: ErrorCode.DUPLICATE_RESOURCE, errorMessage: 'Cannot describe SCRAM credentials for the same user twice in a single request: alice', credentials: [] },
    ]);
  });

  test('alter: per-user errors, the valid changes still apply', () => {
    const store = new MemoryScramCredentialStore();
    const results = alterScramCredentials(
      store,
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
    expect([...store.list().keys()]).toEqual(['ok']);
  });

  test('delete removes one mechanism; the user goes once none is left', () => {
    const store = new MemoryScramCredentialStore();
    alterScramCredentials(store, [], [upsert('alice', 1)]);
    alterScramCredentials(store, [], [upsert('alice', 2)]);
    alterScramCredentials(store, [{ name: 'alice', mechanism: 1 }], []);
    expect(describeScramCredentials(store, ['alice'])[0]!.credentials).toEqual([{ mechanism: 2, iterations: 4096 }]);
    alterScramCredentials(store, [{ name: 'alice', mechanism: 2 }], []);
    expect(store.list().size).toBe(0);
  });
});
