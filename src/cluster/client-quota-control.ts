/**
 * Client quotas as Kafka's controller and image handle them
 * (ClientQuotaControlManager, ClientQuotasImage.describe):
 *
 * - alter: per entity, the types must be user / client-id / ip (no empty
 *   name; null is the default entity), ip not combined with the others and
 *   a valid address; keys are producer_byte_rate, consumer_byte_rate
 *   (whole numbers), request_percentage, controller_mutation_rate for
 *   user / client-id entities and connection_creation_rate (a whole
 *   number) for ip; every value > 0. A key named twice for one entity, or
 *   an entity named twice, is refused. An entity with an error writes
 *   nothing; the others become ClientQuotaRecords (only what changes),
 *   committed together. Every error is INVALID_REQUEST with Kafka's message.
 * - describe: a filter of components (exact name, default entity, or any
 *   entity of a type), strict or not; a bad filter fails the whole request.
 */
import { isIP } from 'node:net';
import { ErrorCode } from '../protocol/errors';
import { type ClientQuotaEntry, type QuotaEntityParts, canonicalEntity, quotaEntityKey } from './metadata/client-quotas-image';
import type { MetadataImage } from './metadata/metadata-image';
import type { MetadataRecord } from './metadata/metadata-record';

export const QUOTA_ENTITY_USER = 'user';
export const QUOTA_ENTITY_CLIENT_ID = 'client-id';
export const QUOTA_ENTITY_IP = 'ip';

type ValueKind = 'long' | 'int' | 'double';

/** Kafka's QuotaConfigs.userAndClientQuotaConfigs() keys and their types. */
const USER_AND_CLIENT_KEYS: ReadonlyMap<string, ValueKind> = new Map<string, ValueKind>([
  ['producer_byte_rate', 'long'],
  ['consumer_byte_rate', 'long'],
  ['request_percentage', 'double'],
  ['controller_mutation_rate', 'double'],
]);
/** Kafka's QuotaConfigs.ipConfigs() keys. */
const IP_KEYS: ReadonlyMap<string, ValueKind> = new Map<string, ValueKind>([['connection_creation_rate', 'int']]);

export interface QuotaEntityData {
  entityType: string;
  entityName: string | null;
}

export interface QuotaAlteration {
  entity: readonly QuotaEntityData[];
  ops: readonly { key: string; value: number; remove: boolean }[];
}

export interface QuotaAlterationResult {
  errorCode: number;
  errorMessage: string | null;
  entity: QuotaEntityData[];
}

/** Kafka's ClientQuotaEntity.toString, for its messages. */
function entityString(entity: readonly QuotaEntityData[]): string {
  return `ClientQuotaEntity(entries={${entity.map((e) => `${e.entityType}=${e.entityName}`).join(', ')}})`;
}

function invalid(entity: readonly QuotaEntityData[], message: string): QuotaAlterationResult {
  return { errorCode: ErrorCode.INVALID_REQUEST, errorMessage: message, entity: [...entity] };
}

/** The entity's keys, or an error message (Kafka's validateEntity and configKeysForEntityType). */
function validateEntity(entity: readonly QuotaEntityData[]): ReadonlyMap<string, ValueKind> | string {
  if (entity.length === 0) return 'Invalid empty client quota entity';
  const seen = new Set<string>();
  for (const { entityType, entityName } of entity) {
    if (seen.has(entityType)) return `Invalid client quota entity, duplicate entity entry ${entityType}`;
    if (entityType !== QUOTA_ENTITY_USER && entityType !== QUOTA_ENTITY_CLIENT_ID && entityType !== QUOTA_ENTITY_IP) {
      return `Unhandled client quota entity type: ${entityType}`;
    }
    seen.add(entityType);
    if (entityName !== null && entityName === '') return `Empty ${entityType} not supported`;
  }
  if (seen.has(QUOTA_ENTITY_IP)) {
    if (seen.size > 1) return 'Invalid quota entity combination, IP entity shouldnot be combined with User or ClientId';
    const ip = entity[0]!.entityName;
    // Kafka also accepts a host name it can resolve; Weir takes addresses only.
    if (ip !== null && isIP(ip) === 0) return `${ip} is not a valid IP or resolvable host.`;
    return IP_KEYS;
  }
  return USER_AND_CLIENT_KEYS;
}

/** Kafka's validateQuotaKeyValue. */
function validateValue(keys: ReadonlyMap<string, ValueKind>, key: string, value: number): string | null {
  const kind = keys.get(key);
  if (kind === undefined) return `Invalid configuration key ${key}`;
  if (!(value > 0)) return `Quota ${key} must be greater than 0`;
  if (kind === 'double') return null;
  if (kind === 'int' && value > 2147483647) return `Proposed value for ${key} is too large for an INT.`;
  if (kind === 'long' && value > 9223372036854775807) return `Proposed value for ${key} is too large for a LONG.`;
  if (Math.abs(value % 1) > 1e-6) return `${key} cannot be a fractional value.`;
  return null;
}

/** AlterClientQuotas against one image: the records to commit and a result per entity, in request order. */
export function clientQuotaAlteration(
  image: MetadataImage,
  alterations: readonly QuotaAlteration[],
): { records: MetadataRecord[]; result: QuotaAlterationResult[] } {
  const records: MetadataRecord[] = [];
  const results: QuotaAlterationResult[] = [];
  const done = new Set<string>();
  for (const a of alterations) {
    const k = quotaEntityKey(canonicalEntity(a.entity.map((e) => [e.entityType, e.entityName] as const)));
    const ops = new Map<string, number | null>();
    let duplicateKey = false;
    for (const op of a.ops) {
      if (ops.has(op.key)) duplicateKey = true;
      else ops.set(op.key, op.remove ? null : op.value);
    }
    // As Kafka: a duplicate key, or an entity already handled in this request, is refused as a duplicate entity.
    if (duplicateKey || done.has(k)) {
      results.push(invalid(a.entity, `Ignoring duplicate entity ${entityString(a.entity)}`));
      continue;
    }
    done.add(k);
    const keys = validateEntity(a.entity);
    if (typeof keys === 'string') {
      results.push(invalid(a.entity, keys));
      continue;
    }
    const current = image.clientQuotas.get(k)?.values ?? new Map<string, number>();
    const entityRecords: MetadataRecord[] = [];
    const record = (key: string, value: number, remove: boolean): MetadataRecord => ({
      type: 'ClientQuotaRecord',
      data: { entity: a.entity.map((e) => ({ entityType: e.entityType, entityName: e.entityName })), key, value, remove },
    });
    let error: string | null = null;
    for (const [key, value] of ops) {
      if (value === null) {
        if (current.has(key)) entityRecords.push(record(key, 0, true));
        continue;
      }
      error = validateValue(keys, key, value);
      if (error !== null) break;
      if (current.get(key) !== value) entityRecords.push(record(key, value, false));
    }
    if (error !== null) {
      results.push(invalid(a.entity, error));
      continue;
    }
    records.push(...entityRecords);
    results.push({ errorCode: ErrorCode.NONE, errorMessage: null, entity: [...a.entity] });
  }
  return { records, result: results };
}

/** DescribeClientQuotas match types. */
export const MATCH_EXACT = 0;
export const MATCH_DEFAULT = 1;
export const MATCH_SPECIFIED = 2;

export interface QuotaFilterComponent {
  entityType: string;
  matchType: number;
  match: string | null;
}

export type DescribeQuotasOutcome =
  | { errorCode: 0; entries: ClientQuotaEntry[] }
  | { errorCode: number; errorMessage: string };

/** DescribeClientQuotas over the image (Kafka's ClientQuotasImage.describe). */
export function describeClientQuotas(image: MetadataImage, components: readonly QuotaFilterComponent[], strict: boolean): DescribeQuotasOutcome {
  const exact = new Map<string, string | null>();
  const anyOf = new Set<string>();
  const fail = (errorCode: number, errorMessage: string): DescribeQuotasOutcome => ({ errorCode, errorMessage });
  for (const c of components) {
    if (c.entityType === '') return fail(ErrorCode.INVALID_REQUEST, 'Invalid empty entity type.');
    if (exact.has(c.entityType) || anyOf.has(c.entityType)) {
      return fail(ErrorCode.INVALID_REQUEST, `Entity type ${c.entityType} cannot appear more than once in the filter.`);
    }
    if (c.entityType !== QUOTA_ENTITY_IP && c.entityType !== QUOTA_ENTITY_USER && c.entityType !== QUOTA_ENTITY_CLIENT_ID) {
      return fail(ErrorCode.UNSUPPORTED_VERSION, `Unsupported entity type ${c.entityType}`);
    }
    if (c.matchType === MATCH_EXACT) {
      if (c.match === null) return fail(ErrorCode.INVALID_REQUEST, 'Request specified MATCH_TYPE_EXACT, but set match string to null.');
      exact.set(c.entityType, c.match);
    } else if (c.matchType === MATCH_DEFAULT) {
      if (c.match !== null) return fail(ErrorCode.INVALID_REQUEST, 'Request specified MATCH_TYPE_DEFAULT, but also specified a match string.');
      exact.set(c.entityType, null);
    } else if (c.matchType === MATCH_SPECIFIED) {
      if (c.match !== null) return fail(ErrorCode.INVALID_REQUEST, 'Request specified MATCH_TYPE_SPECIFIED, but also specified a match string.');
      anyOf.add(c.entityType);
    } else {
      return fail(ErrorCode.INVALID_REQUEST, `Unknown match type ${c.matchType}`);
    }
  }
  const named = (t: string) => exact.has(t) || anyOf.has(t);
  if (named(QUOTA_ENTITY_IP) && (named(QUOTA_ENTITY_USER) || named(QUOTA_ENTITY_CLIENT_ID))) {
    return fail(
      ErrorCode.INVALID_REQUEST,
      'Invalid entity filter component combination. IP filter component should not be used with user or clientId filter component.',
    );
  }
  const entries = [...image.clientQuotas.values()].filter(({ entity }) => matches(entity, exact, anyOf, strict));
  return { errorCode: 0, entries };
}

function matches(entity: QuotaEntityParts, exact: ReadonlyMap<string, string | null>, anyOf: ReadonlySet<string>, strict: boolean): boolean {
  if (strict && entity.length !== exact.size + anyOf.size) return false;
  const parts = new Map(entity);
  for (const [type, name] of exact) if (!parts.has(type) || parts.get(type) !== name) return false;
  for (const type of anyOf) if (!parts.has(type)) return false;
  return true;
}
