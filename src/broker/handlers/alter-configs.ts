/**
 * AlterConfigs (key 33), v0–2: the legacy API that replaces a resource's
 * whole set of dynamic configs (keys not listed are removed).
 *
 * Checks in Kafka's order (ConfigAdminManager.preprocess on the broker, then
 * the controller's validation):
 * - the same (type, name) twice: INVALID_REQUEST for every copy;
 * - duplicate config keys, or null values: INVALID_REQUEST;
 * - TOPIC: "" is INVALID_REQUEST (no default topic resource), an illegal
 *   name INVALID_TOPIC_EXCEPTION, bad or unknown configs INVALID_CONFIG, a
 *   missing topic UNKNOWN_TOPIC_OR_PARTITION; then, unless validateOnly, the
 *   new overrides replace the old ones and apply to the topic's logs.
 * - BROKER: the name must be "" or this node's id (INVALID_REQUEST
 *   otherwise). Weir cannot change broker configs at runtime yet, so a
 *   non-empty set is refused the way Kafka refuses configs that are not
 *   dynamic: INVALID_REQUEST "Cannot update these configs dynamically: Set(…)".
 *   An empty set succeeds: there are no dynamic broker configs to remove.
 * - BROKER_LOGGER and any other type: INVALID_REQUEST "Unknown resource
 *   type N", as Kafka answers (legacy AlterConfigs never supported loggers);
 *   CLIENT_METRICS and GROUP get the same answer since Weir has neither.
 * No version differences beyond the encoding (v2 flexible).
 */
import { Apis } from '../../protocol/apis';
import { ErrorCode } from '../../protocol/errors';
import { AlterConfigsRequest, AlterConfigsResponse } from '../../protocol/messages';
import { ConfigResourceType, replaceTopicConfigs } from '../../config';
import { topicNameProblem } from '../../cluster/topic-name';
import type { BrokerContext } from '../broker-context';
import { defineHandler } from '../define-handler';

type Resource = AlterConfigsRequest.AlterConfigsResource;

interface Outcome {
  errorCode: number;
  errorMessage: string | null;
}

const OK: Outcome = { errorCode: ErrorCode.NONE, errorMessage: null };

function invalidRequest(errorMessage: string): Outcome {
  return { errorCode: ErrorCode.INVALID_REQUEST, errorMessage };
}

/** Java's Integer.parseInt: optional sign and decimal digits within int32; null where it would throw. */
function parseBrokerId(name: string): number | null {
  if (!/^[+-]?\d+$/.test(name)) return null;
  const n = Number(name);
  return n >= -2147483648 && n <= 2147483647 ? n : null;
}

export function alterConfigsHandler(b: BrokerContext) {
  function alterTopic(r: Resource, validateOnly: boolean): Outcome {
    const name = r.resourceName;
    if (name === '') return invalidRequest('Default topic resources are not allowed.');
    const problem = topicNameProblem(name);
    if (problem !== null) return { errorCode: ErrorCode.INVALID_TOPIC_EXCEPTION, errorMessage: problem };
    const next = replaceTopicConfigs(r.configs, b.config);
    if (!next.ok) return { errorCode: next.error.code, errorMessage: next.error.message };
    if (!b.topics.get(name)) return { errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, errorMessage: `The topic '${name}' does not exist.` };
    if (!validateOnly) b.controller.setTopicConfigs(name, Object.fromEntries(next.value));
    return OK;
  }

  function alterBroker(r: Resource): Outcome {
    if (r.resourceName !== '') {
      const id = parseBrokerId(r.resourceName);
      if (id === null) return invalidRequest(`Node id must be an integer, but it is: ${r.resourceName}`);
      if (id !== b.nodeId) return invalidRequest(`Unexpected broker id, expected ${b.nodeId}, but received ${r.resourceName}`);
    }
    if (r.configs.length === 0) return OK;
    return invalidRequest(`Cannot update these configs dynamically: Set(${r.configs.map((c) => c.name).join(', ')})`);
  }

  return defineHandler(Apis.AlterConfigs, (req: AlterConfigsRequest): AlterConfigsResponse => {
    const seen = new Map<string, number>();
    const key = (r: Resource) => `${r.resourceType}:${r.resourceName}`;
    for (const r of req.resources) seen.set(key(r), (seen.get(key(r)) ?? 0) + 1);

    const alter = (r: Resource): Outcome => {
      if ((seen.get(key(r)) ?? 0) > 1) return invalidRequest('Each resource must appear at most once.');
      if (new Set(r.configs.map((c) => c.name)).size !== r.configs.length) return invalidRequest('Error due to duplicate config keys');
      const nulls = r.configs.filter((c) => c.value === null).map((c) => c.name);
      if (nulls.length > 0) return invalidRequest(`Null value not supported for : ${nulls.join(', ')}`);
      switch (r.resourceType) {
        case ConfigResourceType.TOPIC:
          return alterTopic(r, req.validateOnly);
        case ConfigResourceType.BROKER:
          return alterBroker(r);
        default:
          return invalidRequest(`Unknown resource type ${r.resourceType}`);
      }
    };
    return {
      throttleTimeMs: 0,
      responses: req.resources.map((r) => ({ ...alter(r), resourceType: r.resourceType, resourceName: r.resourceName })),
    };
  });
}
