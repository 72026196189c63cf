/**
 * IncrementalAlterConfigs (key 44), v0–1: per-key SET / DELETE / APPEND /
 * SUBTRACT on a resource's dynamic configs.
 *
 * Checks in Kafka's order (ConfigAdminManager.preprocess on the broker, then
 * the controller):
 * - the same (type, name) twice: INVALID_REQUEST for every copy;
 * - duplicate keys, or a null value for anything but DELETE: INVALID_REQUEST;
 * - TOPIC: the operations apply to the current overrides
 *   (applyIncrementalTopicChanges: unknown operation INVALID_REQUEST,
 *   APPEND/SUBTRACT on a non-list key, unknown keys and bad values
 *   INVALID_CONFIG); "" is INVALID_REQUEST, an illegal name
 *   INVALID_TOPIC_EXCEPTION, a missing topic UNKNOWN_TOPIC_OR_PARTITION;
 *   unless validateOnly the result becomes the topic's overrides.
 * - BROKER: "" (the cluster-wide default) or this node's id; an unknown
 *   operation is INVALID_REQUEST. The operations apply to the stored
 *   dynamic configs (APPEND/SUBTRACT on a non-list key INVALID_CONFIG); the
 *   set the broker would then use is checked as Kafka's ConfigAdminManager
 *   checks it (keys that cannot change at runtime, per-broker keys at the
 *   cluster level, bad values, the configuration as a whole), every refusal
 *   INVALID_REQUEST; unless validateOnly the result is stored as
 *   ConfigRecords and applied by every broker without a restart
 *   (cluster/dynamic-broker-config.ts).
 * - BROKER_LOGGER: this node's id only; Weir has no log4j loggers, so SET and
 *   DELETE name a logger that does not exist (INVALID_CONFIG, Kafka's
 *   message) and APPEND/SUBTRACT are INVALID_REQUEST, as for Kafka loggers.
 * - CLIENT_METRICS (KIP-714 subscriptions): the operations apply to the
 *   stored configs (APPEND/SUBTRACT only on `metrics` and `match`, else
 *   INVALID_CONFIG), then Kafka's ClientMetricsConfigs checks; no configs
 *   left removes the subscription.
 * - GROUP (which Weir does not have) and unknown types: INVALID_REQUEST
 *   "Unknown resource type N".
 * No version differences beyond the encoding (v1 flexible).
 *
 * Authorization (Kafka's ControllerApis): ALTER_CONFIGS on the topic, or on
 * the cluster for BROKER / BROKER_LOGGER / CLIENT_METRICS resources, else
 * TOPIC_AUTHORIZATION_FAILED / CLUSTER_AUTHORIZATION_FAILED for the resource.
 */
import { Apis } from '../../protocol/apis';
import { ErrorCode } from '../../protocol/errors';
import { IncrementalAlterConfigsRequest, IncrementalAlterConfigsResponse } from '../../protocol/messages';
import {
  ALTER_CONFIG_OP_NAMES,
  AlterConfigOp,
  ConfigResourceType,
  applyIncrementalBrokerChanges,
  applyIncrementalClientMetricsChanges,
  applyIncrementalTopicChanges,
  cleanDynamicBrokerConfigs,
} from '../../config';
import type { BrokerContext } from '../broker-context';
import {
  ALTERED,
  type AlterOutcome,
  alterEachResource,
  brokerResourceNameError,
  invalidRequest,
  parseBrokerId,
  setBrokerConfigs,
  setClientMetricsConfigs,
  setTopicOverrides,
  configResourceDenied,
} from '../config-resources';
import { defineHandler } from '../define-handler';
import { AclOperation } from '../../security/authorizer/acl';

type Resource = IncrementalAlterConfigsRequest.AlterConfigsResource;

export function incrementalAlterConfigsHandler(b: BrokerContext) {
  function alterTopic(r: Resource, validateOnly: boolean): AlterOutcome | Promise<AlterOutcome> {
    const current = b.metadata.image.topicConfigObject(r.resourceName);
    const next = applyIncrementalTopicChanges(current, r.configs, b.config);
    // Malformed operations are rejected before the resource is looked at.
    if (!next.ok && next.error.code === ErrorCode.INVALID_REQUEST) return { errorCode: next.error.code, errorMessage: next.error.message };
    return setTopicOverrides(b, r.resourceName, next, validateOnly);
  }

  function alterBroker(r: Resource, validateOnly: boolean): AlterOutcome | Promise<AlterOutcome> {
    const badName = brokerResourceNameError(r.resourceName, b.nodeId);
    if (badName) return badName;
    const unknownOp = r.configs.find((c) => ALTER_CONFIG_OP_NAMES[c.configOperation] === undefined);
    if (unknownOp) return invalidRequest(`Unknown operations type ${unknownOp.configOperation}`);
    const perBroker = r.resourceName !== '';
    const stored = b.metadata.image.brokerConfigs(perBroker ? b.nodeId : '');
    // Checked: what the broker uses of the stored set, changed; stored: the stored set, changed (Kafka keeps what it ignores).
    const candidate = applyIncrementalBrokerChanges(cleanDynamicBrokerConfigs(stored, perBroker, b.dynamicConfig).configs, r.configs);
    if (!candidate.ok) return { errorCode: candidate.error.code, errorMessage: candidate.error.message };
    const next = applyIncrementalBrokerChanges(stored, r.configs);
    if (!next.ok) return { errorCode: next.error.code, errorMessage: next.error.message };
    return setBrokerConfigs(b, r.resourceName, candidate.value, next.value, validateOnly);
  }

  function alterLoggers(r: Resource): AlterOutcome {
    const id = parseBrokerId(r.resourceName);
    if (id === null) return invalidRequest(`Node id must be an integer, but it is: ${r.resourceName}`);
    if (id !== b.nodeId) return invalidRequest(`Unexpected node id. Expected ${b.nodeId}, but received ${r.resourceName}`);
    for (const c of r.configs) {
      switch (c.configOperation) {
        case AlterConfigOp.SET:
        case AlterConfigOp.DELETE:
          return { errorCode: ErrorCode.INVALID_CONFIG, errorMessage: `Logger ${c.name} does not exist!` };
        case AlterConfigOp.APPEND:
        case AlterConfigOp.SUBTRACT:
          return invalidRequest(`${ALTER_CONFIG_OP_NAMES[c.configOperation] ?? ''} operation is not allowed for the BROKER_LOGGER resource`);
        default:
          return invalidRequest(`Unknown operation type ${c.configOperation} is not allowed for the BROKER_LOGGER resource`);
      }
    }
    return ALTERED;
  }

  return defineHandler(Apis.IncrementalAlterConfigs, async (req: IncrementalAlterConfigsRequest, ctx): Promise<IncrementalAlterConfigsResponse> => {
    const alter = (r: Resource): AlterOutcome | Promise<AlterOutcome> => {
      const denied = configResourceDenied(b, ctx, AclOperation.ALTER_CONFIGS, r.resourceType, r.resourceName);
      if (denied) return denied;
      switch (r.resourceType) {
        case ConfigResourceType.TOPIC:
          return alterTopic(r, req.validateOnly);
        case ConfigResourceType.BROKER:
          return alterBroker(r, req.validateOnly);
        case ConfigResourceType.BROKER_LOGGER:
          return alterLoggers(r);
        case ConfigResourceType.CLIENT_METRICS: {
          const next = applyIncrementalClientMetricsChanges(b.metadata.image.resourceConfigs(ConfigResourceType.CLIENT_METRICS, r.resourceName), r.configs);
          if (!next.ok) return { errorCode: next.error.code, errorMessage: next.error.message };
          return setClientMetricsConfigs(b, r.resourceName, next.value, req.validateOnly);
        }
        default:
          return invalidRequest(`Unknown resource type ${r.resourceType}`);
      }
    };
    // DELETE takes no value.
    const isDelete = (c: IncrementalAlterConfigsRequest.AlterableConfig) => c.configOperation === AlterConfigOp.DELETE;
    return { throttleTimeMs: 0, responses: await alterEachResource(req.resources, alter, isDelete) };
  });
}
