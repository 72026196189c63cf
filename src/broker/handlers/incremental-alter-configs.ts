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
 * - BROKER: "" or this node's id. Weir cannot change broker configs at
 *   runtime yet: DELETE succeeds (nothing dynamic is set), any other
 *   operation is refused as Kafka refuses non-dynamic configs, with
 *   INVALID_REQUEST "Cannot update these configs dynamically: Set(…)".
 * - BROKER_LOGGER: this node's id only; Weir has no log4j loggers, so SET and
 *   DELETE name a logger that does not exist (INVALID_CONFIG, Kafka's
 *   message) and APPEND/SUBTRACT are INVALID_REQUEST, as for Kafka loggers.
 * - CLIENT_METRICS, GROUP (which Weir does not have) and unknown types:
 *   INVALID_REQUEST "Unknown resource type N".
 * No version differences beyond the encoding (v1 flexible).
 */
import { Apis } from '../../protocol/apis';
import { ErrorCode } from '../../protocol/errors';
import { IncrementalAlterConfigsRequest, IncrementalAlterConfigsResponse } from '../../protocol/messages';
import { AlterConfigOp, ConfigResourceType, applyIncrementalTopicChanges } from '../../config';
import { topicNameProblem } from '../../cluster/topic-name';
import type { BrokerContext } from '../broker-context';
import { defineHandler } from '../define-handler';

type Resource = IncrementalAlterConfigsRequest.AlterConfigsResource;

interface Outcome {
  errorCode: number;
  errorMessage: string | null;
}

const OK: Outcome = { errorCode: ErrorCode.NONE, errorMessage: null };
const OP_NAMES: Readonly<Record<number, string>> = { 0: 'SET', 1: 'DELETE', 2: 'APPEND', 3: 'SUBTRACT' };

function invalidRequest(errorMessage: string): Outcome {
  return { errorCode: ErrorCode.INVALID_REQUEST, errorMessage };
}

/** Java's Integer.parseInt: optional sign and decimal digits within int32; null where it would throw. */
function parseBrokerId(name: string): number | null {
  if (!/^[+-]?\d+$/.test(name)) return null;
  const n = Number(name);
  return n >= -2147483648 && n <= 2147483647 ? n : null;
}

export function incrementalAlterConfigsHandler(b: BrokerContext) {
  function alterTopic(r: Resource, validateOnly: boolean): Outcome {
    const name = r.resourceName;
    const current = b.topics.get(name)?.configs ?? {};
    const next = applyIncrementalTopicChanges(current, r.configs, b.config);
    // Malformed operations are rejected before the resource is looked at.
    if (!next.ok && next.error.code === ErrorCode.INVALID_REQUEST) return { errorCode: next.error.code, errorMessage: next.error.message };
    if (name === '') return invalidRequest('Default topic resources are not allowed.');
    const problem = topicNameProblem(name);
    if (problem !== null) return { errorCode: ErrorCode.INVALID_TOPIC_EXCEPTION, errorMessage: problem };
    if (!next.ok) return { errorCode: next.error.code, errorMessage: next.error.message };
    if (!b.topics.get(name)) return { errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, errorMessage: `The topic '${name}' does not exist.` };
    if (!validateOnly) b.controller.setTopicConfigs(name, Object.fromEntries(next.value));
    return OK;
  }

  function checkNodeId(name: string): Outcome | null {
    const id = parseBrokerId(name);
    if (id === null) return invalidRequest(`Node id must be an integer, but it is: ${name}`);
    if (id !== b.nodeId) return invalidRequest(`Unexpected broker id, expected ${b.nodeId}, but received ${name}`);
    return null;
  }

  function alterBroker(r: Resource): Outcome {
    if (r.resourceName !== '') {
      const bad = checkNodeId(r.resourceName);
      if (bad) return bad;
    }
    const unknownOp = r.configs.find((c) => OP_NAMES[c.configOperation] === undefined);
    if (unknownOp) return invalidRequest(`Unknown operations type ${unknownOp.configOperation}`);
    const changed = r.configs.filter((c) => c.configOperation !== AlterConfigOp.DELETE).map((c) => c.name);
    if (changed.length === 0) return OK;
    return invalidRequest(`Cannot update these configs dynamically: Set(${changed.join(', ')})`);
  }

  function alterLoggers(r: Resource): Outcome {
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
          return invalidRequest(`${OP_NAMES[c.configOperation] ?? ''} operation is not allowed for the BROKER_LOGGER resource`);
        default:
          return invalidRequest(`Unknown operation type ${c.configOperation} is not allowed for the BROKER_LOGGER resource`);
      }
    }
    return OK;
  }

  return defineHandler(Apis.IncrementalAlterConfigs, (req: IncrementalAlterConfigsRequest): IncrementalAlterConfigsResponse => {
    const seen = new Map<string, number>();
    const key = (r: Resource) => `${r.resourceType}:${r.resourceName}`;
    for (const r of req.resources) seen.set(key(r), (seen.get(key(r)) ?? 0) + 1);

    const alter = (r: Resource): Outcome => {
      if ((seen.get(key(r)) ?? 0) > 1) return invalidRequest('Each resource must appear at most once.');
      if (new Set(r.configs.map((c) => c.name)).size !== r.configs.length) return invalidRequest('Error due to duplicate config keys');
      const nulls = r.configs.filter((c) => c.configOperation !== AlterConfigOp.DELETE && c.value === null).map((c) => c.name);
      if (nulls.length > 0) return invalidRequest(`Null value not supported for : ${nulls.join(', ')}`);
      switch (r.resourceType) {
        case ConfigResourceType.TOPIC:
          return alterTopic(r, req.validateOnly);
        case ConfigResourceType.BROKER:
          return alterBroker(r);
        case ConfigResourceType.BROKER_LOGGER:
          return alterLoggers(r);
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
