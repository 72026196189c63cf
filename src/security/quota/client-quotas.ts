/**
 * Client quota settings and the rules that pick the one applying to a
 * request, as Kafka's default quota callback does (KIP-55). Quotas are set on
 * entities: a user, a client id, or both, each either named or the
 * `<default>` entity. For a request by user U with client id C, the first
 * that is set wins:
 *
 *   1. user=U, client-id=C           5. user=<default>, client-id=<default>
 *   2. user=U, client-id=<default>   6. user=<default>
 *   3. user=U                        7. client-id=C
 *   4. user=<default>, client-id=C   8. client-id=<default>
 *
 * The chosen level also decides who shares the measured rate: quotas set on
 * a user alone (3, 6) are shared by all of that user's clients; quotas on a
 * client id alone (7, 8) by all users of that client id; the others are per
 * user and client id.
 */

export type QuotaType = 'producer_byte_rate' | 'consumer_byte_rate' | 'request_percentage' | 'controller_mutation_rate';
export const QUOTA_TYPES: readonly QuotaType[] = ['producer_byte_rate', 'consumer_byte_rate', 'request_percentage', 'controller_mutation_rate'];

/** The `<default>` entity of a type (null name in DescribeClientQuotas/AlterClientQuotas). */
export const DEFAULT_ENTITY: unique symbol = Symbol('default');
export type EntityName = string | typeof DEFAULT_ENTITY;

/** An entity: which of user and client-id it names (undefined: not part of it). */
export interface QuotaEntity {
  user?: EntityName;
  clientId?: EntityName;
}

function key(e: QuotaEntity): string {
  const part = (n: EntityName | undefined) => (n === undefined ? '-' : n === DEFAULT_ENTITY ? '*' : `=${n}`);
  return `${part(e.user)}|${part(e.clientId)}`;
}

/** Which measured rate a request counts against: the metric tags of Kafka's quota sensors. */
export interface QuotaBucket {
  user: string;
  clientId: string;
}

export class ClientQuotas {
  private readonly byEntity = new Map<string, { entity: QuotaEntity; values: Map<QuotaType, number> }>();

  /** Replaces every quota (the quota managers do so from each new metadata image). */
  load(quotas: Iterable<{ entity: QuotaEntity; type: QuotaType; value: number }>): void {
    this.byEntity.clear();
    for (const q of quotas) this.set(q.entity, q.type, q.value);
  }

  /** Whether a quota of this type is set on any entity. */
  hasAny(type: QuotaType): boolean {
    for (const e of this.byEntity.values()) if (e.values.has(type)) return true;
    return false;
  }

  set(entity: QuotaEntity, type: QuotaType, value: number | null): void {
    const k = key(entity);
    let e = this.byEntity.get(k);
    if (value === null) {
      e?.values.delete(type);
      if (e && e.values.size === 0) this.byEntity.delete(k);
      return;
    }
    if (!e) this.byEntity.set(k, (e = { entity, values: new Map() }));
    e.values.set(type, value);
  }

  get(entity: QuotaEntity, type: QuotaType): number | undefined {
    return this.byEntity.get(key(entity))?.values.get(type);
  }

  entries(): { entity: QuotaEntity; values: ReadonlyMap<QuotaType, number> }[] {
    return [...this.byEntity.values()];
  }

  /** Kafka's quotaMetricTags: the bucket a request of `user` / `clientId` is measured in. */
  bucketFor(type: QuotaType, user: string, clientId: string): QuotaBucket {
    const has = (e: QuotaEntity) => this.get(e, type) !== undefined;
    const D: typeof DEFAULT_ENTITY = DEFAULT_ENTITY;
    if (has({ user, clientId }) || has({ user, clientId: D })) return { user, clientId };
    if (has({ user })) return { user, clientId: '' };
    if (has({ user: D, clientId }) || has({ user: D, clientId: D })) return { user, clientId };
    if (has({ user: D })) return { user, clientId: '' };
    return { user: '', clientId };
  }

  /** Kafka's quotaLimit: the quota of a bucket, or null when none applies (unlimited). */
  limitFor(type: QuotaType, bucket: QuotaBucket): number | null {
    const D: typeof DEFAULT_ENTITY = DEFAULT_ENTITY;
    const { user, clientId } = bucket;
    const first = (...entities: QuotaEntity[]) => {
      for (const e of entities) {
        const v = this.get(e, type);
        if (v !== undefined) return v;
      }
      return null;
    };
    if (user !== '' && clientId !== '') return first({ user, clientId }, { user, clientId: D }, { user: D, clientId }, { user: D, clientId: D });
    if (user !== '') return first({ user }, { user: D });
    if (clientId !== '') return first({ clientId }, { clientId: D });
    return null;
  }
}
