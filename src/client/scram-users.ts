/**
 * SCRAM users: list (DescribeUserScramCredentials), set and delete
 * (AlterUserScramCredentials), sent to the controller as Kafka's admin
 * client does. The password never leaves this process: an upsert carries a
 * random salt and the salted password (RFC 5802 Hi()), from which the broker
 * derives what it stores.
 */
import { randomBytes } from 'node:crypto';
import { ErrorCode } from '../protocol/errors';
import { type ScramMechanismName, saltedPassword, scramMechanismByName, scramMechanismByType } from '../security/scram/scram-mechanism';
import { ClientApis } from './client-apis';
import type { KafkaClient } from './client';
import { KafkaResponseError } from './errors';

export interface ScramUser {
  user: string;
  credentials: { mechanism: ScramMechanismName | string; iterations: number }[];
}

/** Every SCRAM user, or the named ones (an unknown name is a RESOURCE_NOT_FOUND error). */
export async function describeScramUsers(client: KafkaClient, users: readonly string[] | null = null): Promise<ScramUser[]> {
  const res = await client.send('controller', ClientApis.DescribeUserScramCredentials, () => ({
    users: users === null ? null : users.map((name) => ({ name })),
  }));
  if (res.errorCode !== ErrorCode.NONE) throw new KafkaResponseError(res.errorCode, 'describe SCRAM users', res.errorMessage);
  return res.results.map((r) => {
    if (r.errorCode !== ErrorCode.NONE) throw new KafkaResponseError(r.errorCode, `SCRAM user '${r.user}'`, r.errorMessage);
    return {
      user: r.user,
      credentials: r.credentialInfos.map((c) => ({ mechanism: scramMechanismByType(c.mechanism)?.name ?? `mechanism ${c.mechanism}`, iterations: c.iterations })),
    };
  });
}

async function alter(client: KafkaClient, body: { deletions: { name: string; mechanism: number }[]; upsertions: { name: string; mechanism: number; iterations: number; salt: Buffer; saltedPassword: Buffer }[] }, what: string): Promise<void> {
  const res = await client.send('controller', ClientApis.AlterUserScramCredentials, () => body);
  for (const r of res.results) {
    if (r.errorCode !== ErrorCode.NONE) throw new KafkaResponseError(r.errorCode, `${what} '${r.user}'`, r.errorMessage);
  }
}

/** Creates or replaces one user's credential for one mechanism. */
export async function setScramCredential(client: KafkaClient, user: string, mechanism: ScramMechanismName, password: string, iterations = 4096): Promise<void> {
  const m = scramMechanismByName(mechanism)!;
  const salt = randomBytes(32);
  await alter(client, { deletions: [], upsertions: [{ name: user, mechanism: m.type, iterations, salt, saltedPassword: saltedPassword(m, password, salt, iterations) }] }, `set ${mechanism} credential of`);
}

export async function deleteScramCredential(client: KafkaClient, user: string, mechanism: ScramMechanismName): Promise<void> {
  await alter(client, { deletions: [{ name: user, mechanism: scramMechanismByName(mechanism)!.type }], upsertions: [] }, `delete ${mechanism} credential of`);
}
