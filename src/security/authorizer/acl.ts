/**
 * ACLs as Kafka models them: a resource pattern (type, name, literal or
 * prefixed) and an entry (principal, host, operation, ALLOW or DENY). The
 * numeric codes are Kafka's wire codes (CreateAcls, DescribeAcls,
 * DeleteAcls, and the KIP-430 authorized-operations bit positions).
 */

export const ResourceType = {
  UNKNOWN: 0,
  ANY: 1,
  TOPIC: 2,
  GROUP: 3,
  CLUSTER: 4,
  TRANSACTIONAL_ID: 5,
  DELEGATION_TOKEN: 6,
  USER: 7,
} as const;
export type ResourceType = (typeof ResourceType)[keyof typeof ResourceType];

export const PatternType = { UNKNOWN: 0, ANY: 1, MATCH: 2, LITERAL: 3, PREFIXED: 4 } as const;
export type PatternType = (typeof PatternType)[keyof typeof PatternType];

export const AclOperation = {
  UNKNOWN: 0,
  ANY: 1,
  ALL: 2,
  READ: 3,
  WRITE: 4,
  CREATE: 5,
  DELETE: 6,
  ALTER: 7,
  DESCRIBE: 8,
  CLUSTER_ACTION: 9,
  DESCRIBE_CONFIGS: 10,
  ALTER_CONFIGS: 11,
  IDEMPOTENT_WRITE: 12,
  CREATE_TOKENS: 13,
  DESCRIBE_TOKENS: 14,
} as const;
export type AclOperation = (typeof AclOperation)[keyof typeof AclOperation];

export const PermissionType = { UNKNOWN: 0, ANY: 1, DENY: 2, ALLOW: 3 } as const;
export type PermissionType = (typeof PermissionType)[keyof typeof PermissionType];

/** The literal resource name that matches every resource of its type. */
export const WILDCARD_RESOURCE = '*';
/** The principal that matches every principal. */
export const WILDCARD_PRINCIPAL = 'User:*';
/** The host that matches every host. */
export const WILDCARD_HOST = '*';
/** The cluster resource's one name. */
export const CLUSTER_RESOURCE_NAME = 'kafka-cluster';

export interface ResourcePattern {
  resourceType: ResourceType;
  name: string;
  patternType: typeof PatternType.LITERAL | typeof PatternType.PREFIXED;
}

export interface AccessControlEntry {
  /** "Type:name", e.g. "User:alice", or "User:*". */
  principal: string;
  /** An IP address, or "*". */
  host: string;
  operation: AclOperation;
  permissionType: typeof PermissionType.ALLOW | typeof PermissionType.DENY;
}

export interface AclBinding {
  pattern: ResourcePattern;
  entry: AccessControlEntry;
}

/** The operations each resource type has (Kafka's per-type sets; KIP-430 reports only these). */
export const OPERATIONS_BY_RESOURCE_TYPE: ReadonlyMap<ResourceType, readonly AclOperation[]> = new Map<ResourceType, readonly AclOperation[]>([
  [ResourceType.TOPIC, [AclOperation.READ, AclOperation.WRITE, AclOperation.CREATE, AclOperation.DESCRIBE, AclOperation.DELETE, AclOperation.ALTER, AclOperation.DESCRIBE_CONFIGS, AclOperation.ALTER_CONFIGS]],
  [ResourceType.GROUP, [AclOperation.READ, AclOperation.DESCRIBE, AclOperation.DELETE]],
  [ResourceType.CLUSTER, [AclOperation.CREATE, AclOperation.CLUSTER_ACTION, AclOperation.DESCRIBE_CONFIGS, AclOperation.ALTER_CONFIGS, AclOperation.IDEMPOTENT_WRITE, AclOperation.ALTER, AclOperation.DESCRIBE]],
  [ResourceType.TRANSACTIONAL_ID, [AclOperation.DESCRIBE, AclOperation.WRITE]],
  [ResourceType.DELEGATION_TOKEN, [AclOperation.DESCRIBE]],
  [ResourceType.USER, [AclOperation.CREATE_TOKENS, AclOperation.DESCRIBE_TOKENS]],
]);
