/**
 * DescribeUserScramCredentials and AlterUserScramCredentials over the
 * credentials of a metadata image, with Kafka's rules and messages
 * (ScramImage.describe, ScramControlManager.alterCredentials). Altering only
 * plans: it returns the per-user results and the changes, which the
 * controller writes as UserScramCredentialRecord /
 * RemoveUserScramCredentialRecord (the image changes when they are applied):
 *
 * - describe: no users named = every user; a user named twice is
 *   DUPLICATE_RESOURCE, an unknown one RESOURCE_NOT_FOUND; only mechanisms
 *   and iteration counts are ever returned.
 * - alter: a user altered twice in one request is DUPLICATE_RESOURCE; an
 *   empty name or unknown mechanism UNACCEPTABLE_CREDENTIAL /
 *   UNSUPPORTED_SASL_MECHANISM; iterations outside 4096..16384
 *   UNACCEPTABLE_CREDENTIAL; deleting a credential that does not exist
 *   RESOURCE_NOT_FOUND. The valid changes are committed together.
 */
import { ErrorCode } from '../../protocol/errors';
import type { ScramCredentialStore } from './credential-store';
import {
  SCRAM_MAX_ITERATIONS,
  type ScramCredential,
  type ScramMechanism,
  credentialFromSaltedPassword,
  scramMechanismByType,
} from './scram-mechanism';

export interface DescribedUser {
  user: string;
  errorCode: number;
  errorMessage: string | null;
  credentials: { mechanism: number; iterations: number }[];
}

export function describeScramCredentials(store: ScramCredentialStore, users: readonly string[] | null): DescribedUser[] {
  const all = store.list();
  const names = users === null || users.length === 0 ? [...all.keys()] : users;
  const seen = new Map<string, number>();
  for (const u of names) seen.set(u, (seen.get(u) ?? 0) + 1);
  return [...seen].map(([user, count]): DescribedUser => {
    if (count > 1) {
      return { user, errorCode: ErrorCode.DUPLICATE_RESOURCE, errorMessage: `Cannot describe SCRAM credentials for the same user twice in a single request: ${user}`, credentials: [] };
    }
    const creds = all.get(user);
    if (!creds || creds.size === 0) {
      return { user, errorCode: ErrorCode.RESOURCE_NOT_FOUND, errorMessage: `Attempt to describe a user credential that does not exist: ${user}`, credentials: [] };
    }
    const credentials = [...creds].map(([name, c]) => ({ mechanism: mechanismType(name), iterations: c.iterations }));
    return { user, errorCode: ErrorCode.NONE, errorMessage: null, credentials };
  });
}

function mechanismType(name: string): number {
  return name === 'SCRAM-SHA-256' ? 1 : 2;
}

export interface CredentialDeletion {
  name: string;
  mechanism: number;
}

export interface CredentialUpsertion {
  name: string;
  mechanism: number;
  iterations: number;
  salt: Buffer;
  saltedPassword: Buffer;
}

/** One change an alteration makes (a record the controller writes). */
export type ScramCredentialChange =
  | { kind: 'upsert'; user: string; mechanism: ScramMechanism; credential: ScramCredential }
  | { kind: 'delete'; user: string; mechanism: ScramMechanism };

export interface AlterResult {
  user: string;
  errorCode: number;
  errorMessage: string | null;
}

interface Failure {
  errorCode: number;
  message: string;
}

const DUPLICATE: Failure = { errorCode: ErrorCode.DUPLICATE_RESOURCE, message: 'A user credential cannot be altered twice in the same request' };

function validateName(name: string, type: number): ScramMechanism | Failure {
  if (name === '') return { errorCode: ErrorCode.UNACCEPTABLE_CREDENTIAL, message: 'Username must not be empty' };
  const m = scramMechanismByType(type);
  return m ?? { errorCode: ErrorCode.UNSUPPORTED_SASL_MECHANISM, message: 'Unknown SCRAM mechanism' };
}

export function planScramAlteration(
  store: ScramCredentialStore,
  deletions: readonly CredentialDeletion[],
  upsertions: readonly CredentialUpsertion[],
): { results: AlterResult[]; changes: ScramCredentialChange[] } {
  const errors = new Map<string, Failure>();
  const toDelete = new Map<string, { mechanism: ScramMechanism }>();
  const toUpsert = new Map<string, { mechanism: ScramMechanism; u: CredentialUpsertion }>();

  for (const d of deletions) {
    if (errors.has(d.name)) continue;
    if (toDelete.delete(d.name)) {
      errors.set(d.name, DUPLICATE);
      continue;
    }
    const m = validateName(d.name, d.mechanism);
    if ('errorCode' in m) errors.set(d.name, m);
    else if (!store.get(d.name, m.name)) {
      errors.set(d.name, { errorCode: ErrorCode.RESOURCE_NOT_FOUND, message: 'Attempt to delete a user credential that does not exist' });
    } else toDelete.set(d.name, { mechanism: m });
  }
  for (const u of upsertions) {
    if (errors.has(u.name)) continue;
    if (toDelete.delete(u.name) || toUpsert.delete(u.name)) {
      errors.set(u.name, DUPLICATE);
      continue;
    }
    const m = validateName(u.name, u.mechanism);
    if ('errorCode' in m) errors.set(u.name, m);
    else if (u.iterations < m.minIterations) errors.set(u.name, { errorCode: ErrorCode.UNACCEPTABLE_CREDENTIAL, message: 'Too few iterations' });
    else if (u.iterations > SCRAM_MAX_ITERATIONS) errors.set(u.name, { errorCode: ErrorCode.UNACCEPTABLE_CREDENTIAL, message: 'Too many iterations' });
    else toUpsert.set(u.name, { mechanism: m, u });
  }

  const changes: ScramCredentialChange[] = [];
  const results: AlterResult[] = [];
  for (const [user, { mechanism }] of toDelete) {
    changes.push({ kind: 'delete', user, mechanism });
    results.push({ user, errorCode: ErrorCode.NONE, errorMessage: null });
  }
  for (const [user, { mechanism, u }] of toUpsert) {
    const credential = credentialFromSaltedPassword(mechanism, Buffer.from(u.salt), Buffer.from(u.saltedPassword), u.iterations);
    changes.push({ kind: 'upsert', user, mechanism, credential });
    results.push({ user, errorCode: ErrorCode.NONE, errorMessage: null });
  }
  for (const [user, f] of errors) results.push({ user, errorCode: f.errorCode, errorMessage: f.message });
  return { results, changes };
}
