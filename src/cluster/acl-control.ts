/**
 * The controller's ACL operations (Kafka's AclControlManager): CreateAcls
 * validates each binding and writes an AccessControlEntryRecord for each one
 * the image does not hold yet (an ACL that exists already succeeds without
 * a record, as in Kafka); DeleteAcls writes a RemoveAccessControlEntryRecord
 * for every ACL any filter matches, all filters at once, and reports each
 * filter's matches. Pure: given the image, what to write and what to answer;
 * Controller commits it.
 */
import { randomUUID } from 'node:crypto';
import { ErrorCode } from '../protocol/errors';
import { type AclBinding, AclOperation, PatternType, PermissionType, ResourceType } from '../security/authorizer/acl';
import { type AclBindingFilter, aclFilterMatches, unknownFilterElement } from '../security/authorizer/acl-filter';
import { aclRecordOf } from './metadata/acls-image';
import type { MetadataImage } from './metadata/metadata-image';
import type { MetadataRecord } from './metadata/metadata-record';

export interface AclError {
  errorCode: ErrorCode;
  errorMessage: string;
}

export interface AclDeleteResult {
  /** NONE, or why the filter was refused. */
  error: AclError | null;
  /** The ACLs the filter matched, each removed. */
  deleted: AclBinding[];
}

interface AclOutcome<T> {
  records: MetadataRecord[];
  result: T;
}

const NAMES = {
  resourceType: Object.fromEntries(Object.entries(ResourceType).map(([k, v]) => [v, k])),
  patternType: Object.fromEntries(Object.entries(PatternType).map(([k, v]) => [v, k])),
  operation: Object.fromEntries(Object.entries(AclOperation).map(([k, v]) => [v, k])),
  permissionType: Object.fromEntries(Object.entries(PermissionType).map(([k, v]) => [v, k])),
};

/** Kafka's AclControlManager.validateNewAcl: INVALID_REQUEST with its messages, or null. */
export function newAclProblem(b: AclBinding): string | null {
  const { resourceType, patternType, name } = b.pattern;
  const { operation, permissionType } = b.entry;
  if (!(resourceType in NAMES.resourceType) || resourceType === ResourceType.UNKNOWN || resourceType === ResourceType.ANY) {
    return `Invalid resourceType ${NAMES.resourceType[resourceType] ?? 'UNKNOWN'}`;
  }
  if (patternType !== PatternType.LITERAL && patternType !== PatternType.PREFIXED) return `Invalid patternType ${NAMES.patternType[patternType] ?? 'UNKNOWN'}`;
  if (!(operation in NAMES.operation) || operation === AclOperation.UNKNOWN || operation === AclOperation.ANY) {
    return `Invalid operation ${NAMES.operation[operation] ?? 'UNKNOWN'}`;
  }
  if (permissionType !== PermissionType.ALLOW && permissionType !== PermissionType.DENY) {
    return `Invalid permissionType ${NAMES.permissionType[permissionType] ?? 'UNKNOWN'}`;
  }
  if (name === '') return 'Resource name should not be empty';
  return null;
}

function bindingKey(b: AclBinding): string {
  const { pattern: p, entry: e } = b;
  return JSON.stringify([p.resourceType, p.patternType, p.name, e.principal, e.host, e.operation, e.permissionType]);
}

export function createAclsOutcome(image: MetadataImage, bindings: readonly AclBinding[]): AclOutcome<(AclError | null)[]> {
  const existing = new Set(image.acls.list().map(bindingKey));
  const records: MetadataRecord[] = [];
  const result = bindings.map((b): AclError | null => {
    const problem = newAclProblem(b);
    if (problem !== null) return { errorCode: ErrorCode.INVALID_REQUEST, errorMessage: problem };
    const key = bindingKey(b);
    if (!existing.has(key)) {
      existing.add(key);
      let id = randomUUID();
      while (image.acls.byId.has(id)) id = randomUUID();
      records.push({ type: 'AccessControlEntryRecord', data: aclRecordOf(id, b) });
    }
    return null;
  });
  return { records, result };
}

export function deleteAclsOutcome(image: MetadataImage, filters: readonly AclBindingFilter[]): AclOutcome<AclDeleteResult[]> {
  const removed = new Set<string>();
  const result = filters.map((f): AclDeleteResult => {
    const unknown = unknownFilterElement(f);
    if (unknown !== null) return { error: { errorCode: ErrorCode.INVALID_REQUEST, errorMessage: unknown }, deleted: [] };
    const deleted: AclBinding[] = [];
    for (const [id, b] of image.acls.byId) {
      if (!aclFilterMatches(f, b)) continue;
      deleted.push(b);
      removed.add(id);
    }
    return { error: null, deleted };
  });
  const records = [...removed].map((id): MetadataRecord => ({ type: 'RemoveAccessControlEntryRecord', data: { id } }));
  return { records, result };
}
