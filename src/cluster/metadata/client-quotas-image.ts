/**
 * The client quotas part of the metadata image (Kafka's ClientQuotasImage):
 * per quota entity (a combination of user, client-id or ip, each named or
 * the default entity, null), the quota values set on it
 * (producer_byte_rate, consumer_byte_rate, request_percentage,
 * controller_mutation_rate, connection_creation_rate). Set and removed by
 * ClientQuotaRecords, which only the controller writes
 * (AlterClientQuotas); the broker's quota managers and DescribeClientQuotas
 * read it.
 *
 * ClientQuotasDelta is the part of MetadataDelta that replays those records.
 */
import type { ClientQuotaRecord } from './records';

/** An entity: entity type -> name (null: the default entity of that type), sorted by type. */
export type QuotaEntityParts = ReadonlyArray<readonly [string, string | null]>;

export interface ClientQuotaEntry {
  readonly entity: QuotaEntityParts;
  /** Quota key -> value. Never empty: an entity without quotas is absent. */
  readonly values: ReadonlyMap<string, number>;
}

/** Entity key (quotaEntityKey) -> its quotas. */
export type ClientQuotasImage = ReadonlyMap<string, ClientQuotaEntry>;

export const NO_CLIENT_QUOTAS: ClientQuotasImage = new Map();

/** The entity's parts in a canonical order (by type), whatever order a request or record named them in. */
export function canonicalEntity(parts: Iterable<readonly [string, string | null]>): QuotaEntityParts {
  return [...parts].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}

/** One string per entity: equal for equal entities. */
export function quotaEntityKey(entity: QuotaEntityParts): string {
  return JSON.stringify(entity);
}

export class ClientQuotasDelta {
  /** entity key -> entity and key -> new value (null: removed). */
  private readonly changes = new Map<string, { entity: QuotaEntityParts; values: Map<string, number | null> }>();
  private cleared = false;

  constructor(private readonly base: ClientQuotasImage) {}

  get changed(): boolean {
    return this.cleared || this.changes.size > 0;
  }

  replay(r: ClientQuotaRecord): void {
    const entity = canonicalEntity(r.entity.map((e) => [e.entityType, e.entityName] as const));
    const k = quotaEntityKey(entity);
    let c = this.changes.get(k);
    if (!c) this.changes.set(k, (c = { entity, values: new Map() }));
    c.values.set(r.key, r.remove ? null : r.value);
  }

  /** A snapshot replaces every quota: what it does not set is gone. */
  clearAll(): void {
    this.cleared = true;
    this.changes.clear();
  }

  apply(): ClientQuotasImage {
    if (!this.changed) return this.base;
    const next = new Map(this.cleared ? [] : this.base);
    for (const [k, { entity, values }] of this.changes) {
      const merged = new Map(this.cleared ? [] : (this.base.get(k)?.values ?? []));
      for (const [key, value] of values) {
        if (value === null) merged.delete(key);
        else merged.set(key, value);
      }
      if (merged.size === 0) next.delete(k);
      else next.set(k, { entity, values: merged });
    }
    return next;
  }
}

/** The records that rebuild `image` (a snapshot, or a publisher installed late). */
export function clientQuotaRecords(image: ClientQuotasImage): ClientQuotaRecord[] {
  const out: ClientQuotaRecord[] = [];
  for (const { entity, values } of image.values()) {
    for (const [key, value] of values) {
      out.push({ entity: entity.map(([entityType, entityName]) => ({ entityType, entityName })), key, value, remove: false });
    }
  }
  return out;
}
