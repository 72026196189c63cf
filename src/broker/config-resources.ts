/**
 * What the config APIs (DescribeConfigs, AlterConfigs,
 * IncrementalAlterConfigs) share about the resources they name: reading a
 * broker id the way Kafka does, and, for the two alter APIs, Kafka's checks
 * in Kafka's order (ConfigAdminManager.preprocess on the broker, then the
 * controller's validation). Each handler keeps its own resource types,
 * operations and messages where Kafka's differ.
 */
import { topicNameProblem } from '../cluster/topic-name';
import { ConfigResourceType, type ConfigResult, clientMetricsConfigProblem } from '../config';
import { ErrorCode } from '../protocol/errors';
import type { BrokerContext } from './broker-context';
import type { RequestContext } from '../network/request-context';
import { AclOperation, CLUSTER_RESOURCE_NAME, ResourceType } from '../security/authorizer/acl';

/** Java's Integer.parseInt: optional sign and decimal digits within int32; null where it would throw. */
export function parseBrokerId(name: string): number | null {
  if (!/^[+-]?\d+$/.test(name)) return null;
  const n = Number(name);
  return n >= -2147483648 && n <= 2147483647 ? n : null;
}

/** One resource's answer to AlterConfigs / IncrementalAlterConfigs. */
export interface AlterOutcome {
  errorCode: number;
  errorMessage: string | null;
}

export const ALTERED: AlterOutcome = { errorCode: ErrorCode.NONE, errorMessage: null };

export function invalidRequest(errorMessage: string): AlterOutcome {
  return { errorCode: ErrorCode.INVALID_REQUEST, errorMessage };
}

const GROUP_CONFIG_RESOURCE = 32;

/**
 * Kafka's authorization of a config resource (`operation` DESCRIBE_CONFIGS or
 * ALTER_CONFIGS): a TOPIC on the topic (TOPIC_AUTHORIZATION_FAILED), a GROUP
 * on the group (GROUP_AUTHORIZATION_FAILED), BROKER, BROKER_LOGGER and
 * CLIENT_METRICS on the cluster (CLUSTER_AUTHORIZATION_FAILED). The error
 * (no message, as Kafka sends it), or null when allowed or for a type the
 * handler refuses anyway.
 */
export function configResourceDenied(
  b: Pick<BrokerContext, 'authorizer'>,
  ctx: RequestContext,
  operation: typeof AclOperation.DESCRIBE_CONFIGS | typeof AclOperation.ALTER_CONFIGS,
  resourceType: number,
  resourceName: string,
): AlterOutcome | null {
  const denied = (errorCode: number, type: ResourceType, name: string) => (b.authorizer.allowed(ctx, operation, type, name) ? null : { errorCode, errorMessage: null });
  switch (resourceType) {
    case ConfigResourceType.TOPIC:
      return denied(ErrorCode.TOPIC_AUTHORIZATION_FAILED, ResourceType.TOPIC, resourceName);
    case GROUP_CONFIG_RESOURCE:
      return denied(ErrorCode.GROUP_AUTHORIZATION_FAILED, ResourceType.GROUP, resourceName);
    case ConfigResourceType.BROKER:
    case ConfigResourceType.BROKER_LOGGER:
    case ConfigResourceType.CLIENT_METRICS:
      return denied(ErrorCode.CLUSTER_AUTHORIZATION_FAILED, ResourceType.CLUSTER, CLUSTER_RESOURCE_NAME);
    default:
      return null;
  }
}

/** A resource as both alter APIs carry it. */
interface AlterResource {
  resourceType: number;
  resourceName: string;
  configs: readonly { name: string; value: string | null }[];
}

/**
 * Answers every resource of an alter request. Before `alter` looks at a
 * resource's type, the request-wide checks: the same (type, name) twice is
 * INVALID_REQUEST for every copy, then duplicate config keys, then null
 * values (except where `nullValueAllowed`) are INVALID_REQUEST.
 */
export async function alterEachResource<R extends AlterResource>(
  resources: readonly R[],
  alter: (resource: R) => AlterOutcome | Promise<AlterOutcome>,
  nullValueAllowed: (config: R['configs'][number]) => boolean = () => false,
): Promise<(AlterOutcome & { resourceType: number; resourceName: string })[]> {
  const seen = new Map<string, number>();
  const key = (r: R) => `${r.resourceType}:${r.resourceName}`;
  for (const r of resources) seen.set(key(r), (seen.get(key(r)) ?? 0) + 1);

  const checkThenAlter = (r: R): AlterOutcome | Promise<AlterOutcome> => {
    if ((seen.get(key(r)) ?? 0) > 1) return invalidRequest('Each resource must appear at most once.');
    if (new Set(r.configs.map((c) => c.name)).size !== r.configs.length) return invalidRequest('Error due to duplicate config keys');
    const nulls = r.configs.filter((c) => !nullValueAllowed(c) && c.value === null).map((c) => c.name);
    if (nulls.length > 0) return invalidRequest(`Null value not supported for : ${nulls.join(', ')}`);
    return alter(r);
  };
  // One resource after the other, in request order: each commit sees the last.
  const out: (AlterOutcome & { resourceType: number; resourceName: string })[] = [];
  for (const r of resources) out.push({ ...(await checkThenAlter(r)), resourceType: r.resourceType, resourceName: r.resourceName });
  return out;
}

/**
 * A BROKER resource's name for the alter APIs: "" (the cluster-wide
 * default) or this node's id. Null when it is one of those, else the error.
 */
export function brokerResourceNameError(name: string, nodeId: number): AlterOutcome | null {
  if (name === '') return null;
  const id = parseBrokerId(name);
  if (id === null) return invalidRequest(`Node id must be an integer, but it is: ${name}`);
  if (id !== nodeId) return invalidRequest(`Unexpected broker id, expected ${nodeId}, but received ${name}`);
  return null;
}

/**
 * Makes `next` (the topic's new overrides, or why there are none) the
 * topic's overrides, after the checks in Kafka's order: "" is
 * INVALID_REQUEST (no default topic resource), an illegal name
 * INVALID_TOPIC_EXCEPTION, then `next`'s own error (bad or unknown configs),
 * then a missing topic UNKNOWN_TOPIC_OR_PARTITION. Nothing is stored when
 * `validateOnly`.
 */
export async function setTopicOverrides(
  b: Pick<BrokerContext, 'metadata' | 'controller'>,
  name: string,
  next: ConfigResult<ReadonlyMap<string, string>>,
  validateOnly: boolean,
): Promise<AlterOutcome> {
  if (name === '') return invalidRequest('Default topic resources are not allowed.');
  const problem = topicNameProblem(name);
  if (problem !== null) return { errorCode: ErrorCode.INVALID_TOPIC_EXCEPTION, errorMessage: problem };
  if (!next.ok) return { errorCode: next.error.code, errorMessage: next.error.message };
  if (!b.metadata.image.topics.get(name)) return { errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, errorMessage: `The topic '${name}' does not exist.` };
  if (!validateOnly) await b.controller.setTopicConfigs(name, Object.fromEntries(next.value));
  return ALTERED;
}

/**
 * Makes `next` the dynamic configs of a BROKER resource ("" or this
 * broker's id), after DynamicBrokerConfig checked `candidate` (the set the
 * broker would apply) as Kafka's ConfigAdminManager does; a refusal is
 * INVALID_REQUEST. A broker's own configs are stored under its id as the
 * broker writes it, however the request spelled it ("01", "+1").
 */
export async function setBrokerConfigs(
  b: Pick<BrokerContext, 'controller' | 'dynamicConfig' | 'nodeId'>,
  resourceName: string,
  candidate: ReadonlyMap<string, string>,
  next: ReadonlyMap<string, string>,
  validateOnly: boolean,
): Promise<AlterOutcome> {
  const name = resourceName === '' ? '' : String(b.nodeId);
  const problem = b.dynamicConfig.validate(name, candidate);
  if (problem) return invalidRequest(problem.message);
  if (!validateOnly) await b.controller.setConfigs(ConfigResourceType.BROKER, name, Object.fromEntries(next));
  return ALTERED;
}

/**
 * Makes `next` the configs of the client-metrics subscription `name`, after
 * Kafka's checks (ClientMetricsConfigs.validate: an empty name or an
 * unknown key INVALID_REQUEST, an interval out of range INVALID_REQUEST, a
 * bad match pattern INVALID_CONFIG). No configs left: the subscription is
 * gone.
 */
export async function setClientMetricsConfigs(
  b: Pick<BrokerContext, 'controller'>,
  name: string,
  next: ReadonlyMap<string, string>,
  validateOnly: boolean,
): Promise<AlterOutcome> {
  const problem = clientMetricsConfigProblem(name, next);
  if (problem) return { errorCode: problem.code, errorMessage: problem.message };
  if (!validateOnly) await b.controller.setConfigs(ConfigResourceType.CLIENT_METRICS, name, Object.fromEntries(next));
  return ALTERED;
}
