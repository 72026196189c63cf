/**
 * ACLs: create (CreateAcls), list (DescribeAcls) and delete (DeleteAcls),
 * sent to the controller as Kafka's admin client does. Bindings and filters
 * are Kafka's (security/authorizer/acl.ts, acl-filter.ts).
 */
import { ErrorCode } from '../protocol/errors';
import type { AclBinding, AccessControlEntry, ResourcePattern } from '../security/authorizer/acl';
import type { AclBindingFilter } from '../security/authorizer/acl-filter';
import { ClientApis } from './client-apis';
import type { KafkaClient } from './client';
import { KafkaResponseError } from './errors';

function binding(r: { resourceType: number; resourceName: string; patternType: number; principal: string; host: string; operation: number; permissionType: number }): AclBinding {
  return {
    pattern: { resourceType: r.resourceType as ResourcePattern['resourceType'], name: r.resourceName, patternType: r.patternType as ResourcePattern['patternType'] },
    entry: { principal: r.principal, host: r.host, operation: r.operation as AccessControlEntry['operation'], permissionType: r.permissionType as AccessControlEntry['permissionType'] },
  };
}

function filterFields(f: AclBindingFilter) {
  return {
    resourceTypeFilter: f.resourceType,
    resourceNameFilter: f.name,
    patternTypeFilter: f.patternType,
    principalFilter: f.principal,
    hostFilter: f.host,
    operation: f.operation,
    permissionType: f.permissionType,
  };
}

/** Creates the ACLs; the first refused one is an error (those before it exist). */
export async function createAcls(client: KafkaClient, acls: readonly AclBinding[]): Promise<void> {
  const res = await client.send('controller', ClientApis.CreateAcls, () => ({
    creations: acls.map((a) => ({
      resourceType: a.pattern.resourceType,
      resourceName: a.pattern.name,
      resourcePatternType: a.pattern.patternType,
      principal: a.entry.principal,
      host: a.entry.host,
      operation: a.entry.operation,
      permissionType: a.entry.permissionType,
    })),
  }));
  for (const r of res.results) if (r.errorCode !== ErrorCode.NONE) throw new KafkaResponseError(r.errorCode, 'create ACL', r.errorMessage);
}

/** The ACLs the filter matches. */
export async function describeAcls(client: KafkaClient, filter: AclBindingFilter): Promise<AclBinding[]> {
  const res = await client.send('any', ClientApis.DescribeAcls, () => filterFields(filter));
  if (res.errorCode !== ErrorCode.NONE) throw new KafkaResponseError(res.errorCode, 'describe ACLs', res.errorMessage);
  return res.resources.flatMap((r) => r.acls.map((a) => binding({ ...r, ...a })));
}

/** Deletes every ACL any filter matches; the ACLs deleted. */
export async function deleteAcls(client: KafkaClient, filters: readonly AclBindingFilter[]): Promise<AclBinding[]> {
  const res = await client.send('controller', ClientApis.DeleteAcls, () => ({ filters: filters.map(filterFields) }));
  const deleted: AclBinding[] = [];
  for (const r of res.filterResults) {
    if (r.errorCode !== ErrorCode.NONE) throw new KafkaResponseError(r.errorCode, 'delete ACLs', r.errorMessage);
    deleted.push(...r.matchingAcls.map(binding));
  }
  return deleted;
}
