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
 * - BROKER: the name must be "" (the cluster-wide default) or this node's
 *   id (INVALID_REQUEST otherwise). The given set replaces the resource's
 *   dynamic configs after Kafka's checks (keys that cannot change at
 *   runtime, per-broker keys at the cluster level, bad values, the
 *   configuration as a whole; every refusal INVALID_REQUEST), and applies
 *   without a restart (cluster/dynamic-broker-config.ts).
 * - CLIENT_METRICS: the given set replaces the subscription's configs
 *   after Kafka's ClientMetricsConfigs checks (an empty set removes it).
 * - BROKER_LOGGER and any other type: INVALID_REQUEST "Unknown resource
 *   type N", as Kafka answers (legacy AlterConfigs never supported loggers);
 *   GROUP gets the same answer since Weir has no group configs.
 * No version differences beyond the encoding (v2 flexible).
 *
 * Authorization (Kafka's ControllerApis): ALTER_CONFIGS on the topic, or on
 * the cluster for BROKER / BROKER_LOGGER / CLIENT_METRICS resources, else
 * TOPIC_AUTHORIZATION_FAILED / CLUSTER_AUTHORIZATION_FAILED for the resource.
 */
import { Apis } from '../../protocol/apis';
import { AlterConfigsRequest, AlterConfigsResponse } from '../../protocol/messages';
import { ConfigResourceType, replaceTopicConfigs } from '../../config';
import type { BrokerContext } from '../broker-context';
import {
  type AlterOutcome,
  alterEachResource,
  brokerResourceNameError,
  invalidRequest,
  setBrokerConfigs,
  setClientMetricsConfigs,
  setTopicOverrides,
  configResourceDenied,
} from '../config-resources';
import { defineHandler } from '../define-handler';
import { AclOperation } from '../../security/authorizer/acl';

type Resource = AlterConfigsRequest.AlterConfigsResource;

export function alterConfigsHandler(b: BrokerContext) {
  function alterBroker(r: Resource, validateOnly: boolean): AlterOutcome | Promise<AlterOutcome> {
    const badName = brokerResourceNameError(r.resourceName, b.nodeId);
    if (badName) return badName;
    const next = new Map(r.configs.map((c) => [c.name, c.value ?? '']));
    return setBrokerConfigs(b, r.resourceName, next, next, validateOnly);
  }

  return defineHandler(Apis.AlterConfigs, async (req: AlterConfigsRequest, ctx): Promise<AlterConfigsResponse> => {
    const alter = (r: Resource): AlterOutcome | Promise<AlterOutcome> => {
      const denied = configResourceDenied(b, ctx, AclOperation.ALTER_CONFIGS, r.resourceType, r.resourceName);
      if (denied) return denied;
      switch (r.resourceType) {
        case ConfigResourceType.TOPIC:
          return setTopicOverrides(b, r.resourceName, replaceTopicConfigs(r.configs, b.config), req.validateOnly);
        case ConfigResourceType.BROKER:
          return alterBroker(r, req.validateOnly);
        case ConfigResourceType.CLIENT_METRICS:
          return setClientMetricsConfigs(b, r.resourceName, new Map(r.configs.map((c) => [c.name, c.value ?? ''])), req.validateOnly);
        default:
          return invalidRequest(`Unknown resource type ${r.resourceType}`);
      }
    };
    return { throttleTimeMs: 0, responses: await alterEachResource(req.resources, alter) };
  });
}
