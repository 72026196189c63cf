/**
 * ACL binding filters, as DescribeAcls and DeleteAcls carry them (Kafka's
 * AclBindingFilter): each field either names a value or matches any (ANY
 * codes, a null name / principal / host). The MATCH pattern type finds the
 * ACLs that would apply to one resource name: literal ones on that name or
 * on the wildcard '*', and prefixed ones whose prefix starts it.
 */
import { type AclBinding, AclOperation, PatternType, PermissionType, ResourceType, WILDCARD_RESOURCE } from './acl';

export interface AclBindingFilter {
  /** A ResourceType code, or ANY. */
  readonly resourceType: number;
  /** null: any name. */
  readonly name: string | null;
  /** A PatternType code: LITERAL, PREFIXED, ANY or MATCH. */
  readonly patternType: number;
  /** null: any principal. */
  readonly principal: string | null;
  /** null: any host. */
  readonly host: string | null;
  /** An AclOperation code, or ANY. */
  readonly operation: number;
  /** A PermissionType code, or ANY. */
  readonly permissionType: number;
}

/** Kafka's AclBindingFilter.matches. */
export function aclFilterMatches(f: AclBindingFilter, b: AclBinding): boolean {
  const p = b.pattern;
  if (f.resourceType !== ResourceType.ANY && f.resourceType !== p.resourceType) return false;
  if (f.patternType !== PatternType.ANY && f.patternType !== PatternType.MATCH && f.patternType !== p.patternType) return false;
  if (f.name !== null) {
    if (f.patternType === PatternType.MATCH) {
      if (p.patternType === PatternType.LITERAL ? f.name !== p.name && p.name !== WILDCARD_RESOURCE : !f.name.startsWith(p.name)) return false;
    } else if (f.name !== p.name) return false;
  }
  const e = b.entry;
  if (f.principal !== null && f.principal !== e.principal) return false;
  if (f.host !== null && f.host !== e.host) return false;
  if (f.operation !== AclOperation.ANY && f.operation !== e.operation) return false;
  return f.permissionType === PermissionType.ANY || f.permissionType === e.permissionType;
}

/** Why a filter can match nothing at all (Kafka's "Unknown patternFilter/entryFilter"), or null. */
export function unknownFilterElement(f: AclBindingFilter): string | null {
  if (f.resourceType === ResourceType.UNKNOWN || f.patternType === PatternType.UNKNOWN) return 'Unknown patternFilter.';
  if (f.operation === AclOperation.UNKNOWN || f.permissionType === PermissionType.UNKNOWN) return 'Unknown entryFilter.';
  return null;
}
