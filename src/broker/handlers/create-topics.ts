/**
 * CreateTopics (key 19), v0–7.
 *
 * Each topic goes through the controller (validateCreate when the request is
 * validateOnly, createTopic otherwise); creation is synchronous, so
 * `timeoutMs` never expires. Kafka's request-level checks come first, as in
 * its ControllerApis / ReplicationControlManager:
 * - a name listed more than once: one INVALID_REQUEST "Duplicate topic name."
 *   entry for it, and none of its copies is created;
 * - `__cluster_metadata` may not be created (INVALID_REQUEST);
 * - a name that differs from an existing topic's only by '.' vs '_' collides
 *   with it (INVALID_TOPIC_EXCEPTION), since both map to the same metric names;
 * - a config with a null value: INVALID_CONFIG.
 *
 * Version notes: errorMessage from v1. From v5 a successful entry carries the
 * partition count, the replication factor and every resulting topic config
 * (value, readOnly, source, sensitivity), as Kafka does for callers allowed to
 * describe the topic (everyone here: no ACLs); failed entries keep -1 / empty.
 * v7 adds the topic id (zero for validateOnly, where nothing is created:
 * Kafka returns a fresh id it then throws away).
 */
import { Apis } from '../../protocol/apis';
import { ErrorCode } from '../../protocol/errors';
import { CreateTopicsRequest, CreateTopicsResponse } from '../../protocol/messages';
import { ZERO_UUID } from '../../protocol/primitives/codec-support';
import { describeTopicConfigs } from '../../config';
import { topicNameProblem } from '../../cluster/topic-name';
import type { BrokerContext } from '../broker-context';
import { defineHandler } from '../define-handler';

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

/** Kafka's Topic.unifyCollisionChars: '.' and '_' are the same in metric names. */
function unified(name: string): string {
  return name.replace(/\./g, '_');
}

export function createTopicsHandler(b: BrokerContext) {
  /** The existing topic `name` would collide with, if any. */
  function collidingTopic(name: string): string | undefined {
    if (!/[._]/.test(name)) return undefined;
    const key = unified(name);
    return b.topics.list().find((t) => t.name !== name && unified(t.name) === key)?.name;
  }

  function createOne(t: CreateTopicsRequest.CreatableTopic, validateOnly: boolean): Result {
    if (t.name === CLUSTER_METADATA_TOPIC) {
      return failed(t.name, ErrorCode.INVALID_REQUEST, `Creation of internal topic ${CLUSTER_METADATA_TOPIC} is prohibited.`);
    }
    if (topicNameProblem(t.name) === null && !b.topics.get(t.name)) {
      const other = collidingTopic(t.name);
      if (other !== undefined) {
        return failed(t.name, ErrorCode.INVALID_TOPIC_EXCEPTION, `Topic '${t.name}' collides with existing topic: ${other}`);
      }
    }
    const nullConfigs = t.configs.filter((c) => c.value === null).map((c) => c.name);
    if (nullConfigs.length > 0 && topicNameProblem(t.name) === null && !b.topics.get(t.name)) {
      return failed(t.name, ErrorCode.INVALID_CONFIG, `Null value not supported for topic configs: ${nullConfigs.join(',')}`);
    }
    const configs: Record<string, string> = {};
    for (const c of t.configs) if (c.value !== null) configs[c.name] = c.value;
    const request = {
      name: t.name,
      numPartitions: t.numPartitions,
      replicationFactor: t.replicationFactor,
      assignments: t.assignments.map((a) => ({ partitionIndex: a.partitionIndex, brokerIds: a.brokerIds })),
      configs,
    };

    let topicId = ZERO_UUID;
    let partitions: number;
    let overrides: Readonly<Record<string, string>>;
    if (validateOnly) {
      const checked = b.controller.validateCreate(request);
      if ('errorCode' in checked) return failed(t.name, checked.errorCode, checked.errorMessage);
      partitions = checked.partitions;
      overrides = checked.configs;
    } else {
      const created = b.controller.createTopic(request);
      if ('errorCode' in created) return failed(t.name, created.errorCode, created.errorMessage);
      topicId = created.topicId;
      partitions = created.partitions;
      overrides = created.configs;
    }
    const replicationFactor =
      t.assignments[0]?.brokerIds.length ?? (t.replicationFactor === -1 ? b.config.number('default.replication.factor') : t.replicationFactor);
    return {
      name: t.name,
      topicId,
      errorCode: ErrorCode.NONE,
      errorMessage: null,
      topicConfigErrorCode: ErrorCode.NONE,
      numPartitions: partitions,
      replicationFactor,
      configs: describeTopicConfigs(overrides, b.config).map((c) => ({
        name: c.name,
        value: c.value,
        readOnly: c.readOnly,
        configSource: c.configSource,
        isSensitive: c.isSensitive,
      })),
    };
  }

  return defineHandler(Apis.CreateTopics, (req: CreateTopicsRequest): CreateTopicsResponse => {
    const seen = new Set<string>();
    const duplicates = new Set<string>();
    for (const t of req.topics) {
      if (seen.has(t.name)) duplicates.add(t.name);
      seen.add(t.name);
    }
    const topics: Result[] = [];
    for (const t of req.topics) {
      if (!duplicates.has(t.name)) topics.push(createOne(t, req.validateOnly));
    }
    for (const name of duplicates) topics.push(failed(name, ErrorCode.INVALID_REQUEST, 'Duplicate topic name.'));
    return { throttleTimeMs: 0, topics };
  });
}
