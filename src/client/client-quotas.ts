/**
 * Client quotas: describe (DescribeClientQuotas) and alter
 * (AlterClientQuotas), sent to the controller as Kafka's admin client does.
 * An entity is a list of (type, name) parts, types `user`, `client-id` or
 * `ip`; a null name is that type's default entity.
 */
import { ErrorCode } from '../protocol/errors';
import { ClientApis } from './client-apis';
import type { KafkaClient } from './client';
import { KafkaResponseError } from './errors';

export interface QuotaEntityPart {
  entityType: string;
  /** null: the default entity of the type. */
  entityName: string | null;
}

export interface DescribedQuotas {
  entity: QuotaEntityPart[];
  values: { key: string; value: number }[];
}

/** DescribeClientQuotas match types. */
export const QUOTA_MATCH = { exact: 0, default: 1, any: 2 } as const;

export interface QuotaFilter {
  entityType: string;
  matchType: number;
  match: string | null;
}

/** The quotas of the entities the filter matches (no components: every entity). */
export async function describeClientQuotas(client: KafkaClient, components: readonly QuotaFilter[], strict = false): Promise<DescribedQuotas[]> {
  const res = await client.send('controller', ClientApis.DescribeClientQuotas, () => ({ components: [...components], strict }));
  if (res.errorCode !== ErrorCode.NONE) throw new KafkaResponseError(res.errorCode, 'describe client quotas', res.errorMessage);
  return (res.entries ?? []).map((e) => ({
    entity: e.entity.map((p) => ({ entityType: p.entityType, entityName: p.entityName })),
    values: e.values.map((v) => ({ key: v.key, value: v.value })),
  }));
}

/** Sets (a number) or removes (null) quotas of one entity. */
export async function alterClientQuotas(client: KafkaClient, entity: readonly QuotaEntityPart[], changes: Readonly<Record<string, number | null>>, validateOnly = false): Promise<void> {
  const ops = Object.entries(changes).map(([key, value]) => ({ key, value: value ?? 0, remove: value === null }));
  const res = await client.send('controller', ClientApis.AlterClientQuotas, () => ({ entries: [{ entity: [...entity], ops }], validateOnly }));
  for (const r of res.entries) {
    if (r.errorCode !== ErrorCode.NONE) throw new KafkaResponseError(r.errorCode, 'alter client quotas', r.errorMessage);
  }
}
