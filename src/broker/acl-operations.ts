/**
 * Authorized-operations bit sets (Kafka's AclOperation codes as bit
 * positions). Weir has no ACLs, so every client may do everything a
 * resource type supports.
 */
const enum AclOperation {
  Read = 3,
  Write = 4,
  Create = 5,
  Delete = 6,
  Alter = 7,
  Describe = 8,
  ClusterAction = 9,
  DescribeConfigs = 10,
  AlterConfigs = 11,
  IdempotentWrite = 12,
}

function bits(ops: AclOperation[]): number {
  return ops.reduce((acc, op) => acc | (1 << op), 0);
}

export const TOPIC_OPERATIONS_ALL = bits([
  AclOperation.Read, AclOperation.Write, AclOperation.Create, AclOperation.Delete, AclOperation.Alter,
  AclOperation.Describe, AclOperation.DescribeConfigs, AclOperation.AlterConfigs,
]);

export const CLUSTER_OPERATIONS_ALL = bits([
  AclOperation.Create, AclOperation.Alter, AclOperation.Describe, AclOperation.ClusterAction,
  AclOperation.DescribeConfigs, AclOperation.AlterConfigs, AclOperation.IdempotentWrite,
]);

export const GROUP_OPERATIONS_ALL = bits([AclOperation.Read, AclOperation.Delete, AclOperation.Describe]);
