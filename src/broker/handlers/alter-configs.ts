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
import { AlterConfigsRequest, AlterConfigsResponse } from '../../protocol/messages';
import { ConfigResourceType, replaceTopicConfigs } from '../../config';
import type { BrokerContext } from '../broker-context';
import { ALTERED, type AlterOutcome, alterEachResource, brokerResourceNameError, invalidRequest, setTopicOverrides } from '../config-resources';
import { defineHandler } from '../define-handler';

type Resource = AlterConfigsRequest.AlterConfigsResource;

export function alterConfigsHandler(b: BrokerContext) {
  function alterBroker(r: Resource): AlterOutcome {
    const badName = brokerResourceNameError(r.resourceName, b.nodeId);
    if (badName) return badName;
    if (r.configs.length === 0) return ALTERED;
    return invalidRequest(`Cannot update these configs dynamically: Set(${r.configs.map((c) => c.name).join(', ')})`);
  }

  return defineHandler(Apis.AlterConfigs, async (req: AlterConfigsRequest): Promise<AlterConfigsResponse> => {
    const alter = (r: Resource): AlterOutcome | Promise<AlterOutcome> => {
      switch (r.resourceType) {
        case ConfigResourceType.TOPIC:
          return setTopicOverrides(b, r.resourceName, replaceTopicConfigs(r.configs, b.config), req.validateOnly);
        case ConfigResourceType.BROKER:
          return alterBroker(r);
        default:
          return invalidRequest(`Unknown resource type ${r.resourceType}`);
      }
    };
    return { throttleTimeMs: 0, responses: await alterEachResource(req.resources, alter) };
  });
}
