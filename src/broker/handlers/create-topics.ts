/**
 * CreateTopics (key 19), v0–7.
 *
 * Translation only: the entries go to the controller (validateCreate for
 * validateOnly, else createTopics, which creates every valid entry in one
 * metadata commit); the answer waits until the image has them, so
 * `timeoutMs` never expires on one node. The request-level checks Kafka's
 * ControllerApis makes come first, here:
 * - a name listed more than once: one INVALID_REQUEST "Duplicate topic name."
 *   entry for it, and none of its copies is created;
 * - `__cluster_metadata` may not be created (INVALID_REQUEST).
 * The controller checks the rest in Kafka's order (ReplicationControlManager):
 * an illegal name, an existing topic, a name that differs from an existing
 * (or earlier in the request) topic's only by '.' vs '_' (they map to the
 * same metric names: INVALID_TOPIC_EXCEPTION), a config with a null value
 * (INVALID_CONFIG), the partition count, the replication factor against the
 * registered brokers, manual assignments, the configs themselves.
 *
 * Version notes: errorMessage from v1. From v5 a successful entry carries the
 * partition count, the replication factor and every resulting topic config
 * (value, readOnly, source, sensitivity), as Kafka does for callers allowed to
 * describe the topic's configs; failed entries keep -1 / empty.
 * v7 adds the topic id (zero for validateOnly, where nothing is created:
 * Kafka returns a fresh id it then throws away).
 *
 * Authorization (Kafka's ControllerApis): CREATE on the cluster, or on the
 * topic, else TOPIC_AUTHORIZATION_FAILED "Authorization failed." and it is
 * not created; a created topic the principal may not DESCRIBE_CONFIGS is
 * answered without its configs, topicConfigErrorCode
 * TOPIC_AUTHORIZATION_FAILED.
 */
import { Apis } from '../../protocol/apis';
import { ErrorCode } from '../../protocol/errors';
import { CreateTopicsRequest, CreateTopicsResponse } from '../../protocol/messages';
import { ZERO_UUID } from '../../protocol/primitives/codec-support';
import { describeTopicConfigs } from '../../config';
import type { CreatedTopic, CreateTopicRequest } from '../../cluster/controller';
import type { BrokerContext } from '../broker-context';
import { defineHandler } from '../define-handler';
import { AclOperation as Op, CLUSTER_RESOURCE_NAME, ResourceType } from '../../security/authorizer/acl';

const CLUSTER_METADATA_TOPIC = '__cluster_metadata';

type Result = CreateTopicsResponse.CreatableTopicResult;

function failed(name: string, errorCode: number, errorMessage: string | null): Result {
  return {
    name,
    topicId: ZERO_UUID,
    errorCode,
    errorMessage,
    topicConfigErrorCode: ErrorCode.NONE,
    numPartitions: -1,
    replicationFactor: -1,
    configs: [],
  };
}

export function createTopicsHandler(b: BrokerContext) {
  function succeeded(t: CreateTopicsRequest.CreatableTopic, created: CreatedTopic, validateOnly: boolean): Result {
    return {
      name: t.name,
      topicId: validateOnly ? ZERO_UUID : created.topicId,
      errorCode: ErrorCode.NONE,
      errorMessage: null,
      topicConfigErrorCode: ErrorCode.NONE,
      numPartitions: created.partitions,
      replicationFactor: created.replicationFactor,
      configs: describeTopicConfigs(created.configs, b.config).map((c) => ({
        name: c.name,
        value: c.value,
        readOnly: c.readOnly,
        configSource: c.configSource,
        isSensitive: c.isSensitive,
      })),
    };
  }

  return defineHandler(Apis.CreateTopics, async (req: CreateTopicsRequest, ctx): Promise<CreateTopicsResponse> => {
    const seen = new Set<string>();
    const duplicates = new Set<string>();
    for (const t of req.topics) {
      if (seen.has(t.name)) duplicates.add(t.name);
      seen.add(t.name);
    }
    const names = req.topics.map((t) => t.name);
    const creatable = b.authorizer.allowed(ctx, Op.CREATE, ResourceType.CLUSTER, CLUSTER_RESOURCE_NAME)
      ? new Set(names)
      : b.authorizer.allowedNames(ctx, Op.CREATE, ResourceType.TOPIC, names);
    const describable = b.authorizer.allowedNames(ctx, Op.DESCRIBE_CONFIGS, ResourceType.TOPIC, names);
    const toCreate = req.topics.filter((t) => !duplicates.has(t.name) && t.name !== CLUSTER_METADATA_TOPIC && creatable.has(t.name));
    const requests: CreateTopicRequest[] = toCreate.map((t) => ({
      name: t.name,
      numPartitions: t.numPartitions,
      replicationFactor: t.replicationFactor,
      assignments: t.assignments.map((a) => ({ partitionIndex: a.partitionIndex, brokerIds: a.brokerIds })),
      configs: Object.fromEntries(t.configs.map((c) => [c.name, c.value])),
    }));
    const outcomes = req.validateOnly ? requests.map((r) => b.controller.validateCreate(r)) : await b.controller.createTopics(requests);
    const byName = new Map(toCreate.map((t, i) => [t.name, outcomes[i]]));
    const topics: Result[] = [];
    for (const t of req.topics) {
      if (duplicates.has(t.name)) continue;
      if (t.name === CLUSTER_METADATA_TOPIC) {
        topics.push(failed(t.name, ErrorCode.INVALID_REQUEST, `Creation of internal topic ${CLUSTER_METADATA_TOPIC} is prohibited.`));
        continue;
      }
      if (!creatable.has(t.name)) {
        topics.push(failed(t.name, ErrorCode.TOPIC_AUTHORIZATION_FAILED, 'Authorization failed.'));
        continue;
      }
      const outcome = byName.get(t.name);
      if (!outcome) continue;
      if ('errorCode' in outcome) topics.push(failed(t.name, outcome.errorCode, outcome.errorMessage));
      else if (describable.has(t.name)) topics.push(succeeded(t, outcome, req.validateOnly));
      else topics.push({ ...succeeded(t, outcome, req.validateOnly), configs: [], topicConfigErrorCode: ErrorCode.TOPIC_AUTHORIZATION_FAILED });
    }
    for (const name of duplicates) topics.push(failed(name, ErrorCode.INVALID_REQUEST, 'Duplicate topic name.'));
    return { throttleTimeMs: 0, topics };
  });
}
