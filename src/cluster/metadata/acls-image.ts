/**
 * The ACLs of the cluster as the metadata log has them (Kafka's AclsImage):
 * every AccessControlEntryRecord not yet removed by a
 * RemoveAccessControlEntryRecord, by its id. The authorizer is fed from
 * here; the controller is the only writer of the records.
 */
import type { AccessControlEntry, AclBinding, ResourcePattern } from '../../security/authorizer/acl';
import type { AccessControlEntryRecord } from './records';

export class AclsImage {
  static readonly EMPTY = new AclsImage(new Map());

  constructor(readonly byId: ReadonlyMap<string, AclBinding>) {}

  get size(): number {
    return this.byId.size;
  }

  list(): AclBinding[] {
    return [...this.byId.values()];
  }
}

/** The binding an AccessControlEntryRecord holds (the controller validated its codes before writing it). */
export function aclBindingOfRecord(r: AccessControlEntryRecord): AclBinding {
  return {
    pattern: { resourceType: r.resourceType as ResourcePattern['resourceType'], name: r.resourceName, patternType: r.patternType as ResourcePattern['patternType'] },
    entry: {
      principal: r.principal,
      host: r.host,
      operation: r.operation as AccessControlEntry['operation'],
      permissionType: r.permissionType as AccessControlEntry['permissionType'],
    },
  };
}

export function aclRecordOf(id: string, b: AclBinding): AccessControlEntryRecord {
  return {
    id,
    resourceType: b.pattern.resourceType,
    resourceName: b.pattern.name,
    patternType: b.pattern.patternType,
    principal: b.entry.principal,
    host: b.entry.host,
    operation: b.entry.operation,
    permissionType: b.entry.permissionType,
  };
}
