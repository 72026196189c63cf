/**
 * ACLs between the wire and the model, for CreateAcls, DescribeAcls and
 * DeleteAcls: codes Kafka does not know become UNKNOWN (Kafka's fromCode),
 * and the request rules Kafka's request classes apply before any handler
 * runs (v0 knows LITERAL patterns only; a filter of ANY is read as LITERAL
 * there; an UNKNOWN element refuses the request).
 */
import { ErrorCode } from '../protocol/errors';
import { type AclBinding, AclOperation, PatternType, PermissionType, ResourceType } from '../security/authorizer/acl';
import type { AclBindingFilter } from '../security/authorizer/acl-filter';

/** The code itself when `codes` has it, else UNKNOWN (0). */
function known(codes: Record<string, number>, code: number): number {
  return Object.values(codes).includes(code) ? code : 0;
}

export interface WireAclFields {
  resourceType: number;
  patternType: number;
  operation: number;
  permissionType: number;
}

export interface RequestRefusal {
  errorCode: ErrorCode;
  errorMessage: string;
}

/** Why Kafka refuses the whole request these fields come in (it does so when the request is read), or null. */
export function aclRequestRefusal(fields: readonly WireAclFields[], what: string): RequestRefusal | null {
  for (const f of fields) {
    if (
      known(PatternType, f.patternType) === PatternType.UNKNOWN ||
      known(ResourceType, f.resourceType) === ResourceType.UNKNOWN ||
      known(AclOperation, f.operation) === AclOperation.UNKNOWN ||
      known(PermissionType, f.permissionType) === PermissionType.UNKNOWN
    ) {
      return { errorCode: ErrorCode.INVALID_REQUEST, errorMessage: `${what} contain UNKNOWN elements` };
    }
  }
  return null;
}

export function bindingOf(c: { resourceType: number; resourceName: string; resourcePatternType: number; principal: string; host: string; operation: number; permissionType: number }): AclBinding {
  return {
    pattern: {
      resourceType: c.resourceType as AclBinding['pattern']['resourceType'],
      name: c.resourceName,
      patternType: c.resourcePatternType as AclBinding['pattern']['patternType'],
    },
    entry: {
      principal: c.principal,
      host: c.host,
      operation: c.operation as AclBinding['entry']['operation'],
      permissionType: c.permissionType as AclBinding['entry']['permissionType'],
    },
  };
}

export function filterOf(f: {
  resourceTypeFilter: number;
  resourceNameFilter: string | null;
  patternTypeFilter: number;
  principalFilter: string | null;
  hostFilter: string | null;
  operation: number;
  permissionType: number;
}): AclBindingFilter {
  return {
    resourceType: f.resourceTypeFilter,
    name: f.resourceNameFilter,
    patternType: f.patternTypeFilter,
    principal: f.principalFilter,
    host: f.hostFilter,
    operation: f.operation,
    permissionType: f.permissionType,
  };
}
