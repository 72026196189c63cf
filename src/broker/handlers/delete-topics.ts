/**
 * DeleteTopics (key 20), v0–6.
 *
 * v0–5 name topics; v6 names each topic or gives its id (not both). Checks
 * follow Kafka's ControllerApis.deleteTopics:
 * - `delete.topic.enable=false`: every topic fails, with INVALID_REQUEST
 *   before v3 (older clients do not know the newer code) and
 *   TOPIC_DELETION_DISABLED from v3;
 * - a name or id listed twice: one INVALID_REQUEST entry for it, not deleted;
 * - neither name nor id, or both: INVALID_REQUEST;
 * - an unknown id: UNKNOWN_TOPIC_ID; an unknown name: UNKNOWN_TOPIC_OR_PARTITION;
 * - a name that resolves to an id also given by id: INVALID_REQUEST.
 * The controller deletes every topic in one metadata commit (the replica
 * manager deletes the logs when the image has it); the answer waits for
 * that, so `timeoutMs` never expires on one node. Successful entries
 * carry both the name and the id (the id only reaches v6 clients).
 * Authorization (Kafka's ControllerApis): DELETE on the cluster allows
 * every topic; otherwise a named topic the principal may not DESCRIBE is
 * TOPIC_AUTHORIZATION_FAILED before its existence is checked, and one it
 * may describe but not DELETE is TOPIC_AUTHORIZATION_FAILED too; a topic
 * given by id is answered with its name only when describable.
 * Kafka shuffles the entries to hide which topics exist from unauthorised
 * callers; here errors come first and deletions after, in request order
 * (what is denied is decided before existence, so the order tells nothing).
 */
import { Apis } from '../../protocol/apis';
import { ErrorCode } from '../../protocol/errors';
import { DeleteTopicsRequest, DeleteTopicsResponse } from '../../protocol/messages';
import { ZERO_UUID } from '../../protocol/primitives/codec-support';
import type { BrokerContext } from '../broker-context';
import { defineHandler } from '../define-handler';
import { AclOperation as Op, CLUSTER_RESOURCE_NAME, ResourceType } from '../../security/authorizer/acl';

type Result = DeleteTopicsResponse.DeletableTopicResult;

const UNKNOWN_TOPIC_ID_MESSAGE = 'This server does not host this topic ID.';
const TOPIC_AUTHORIZATION_FAILED_MESSAGE = 'Topic authorization failed.';

export function deleteTopicsHandler(b: BrokerContext) {
  return defineHandler(Apis.DeleteTopics, async (req: DeleteTopicsRequest, ctx): Promise<DeleteTopicsResponse> => {
    const v = ctx.apiVersion;
    // v0–5 carry plain names; v6 name-or-id entries. One shape for both.
    const entries: { name: string | null; topicId: string }[] =
      v >= 6 ? req.topics.map((t) => ({ name: t.name, topicId: t.topicId })) : req.topicNames.map((name) => ({ name, topicId: ZERO_UUID }));
    const result = (name: string | null, topicId: string, errorCode: number, errorMessage: string | null): Result => ({
      // Names are non-nullable before v6; an id-only entry only exists in v6.
      name: v < 6 && name === null ? '' : name,
      topicId,
      errorCode,
      errorMessage,
    });

    if (!b.config.boolean('delete.topic.enable')) {
      const errorCode = v < 3 ? ErrorCode.INVALID_REQUEST : ErrorCode.TOPIC_DELETION_DISABLED;
      const message = 'Topic deletion is disabled.';
      return { throttleTimeMs: 0, responses: entries.map((e) => result(e.name, e.topicId, errorCode, message)) };
    }

    const responses: Result[] = [];
    // Pass 1: malformed entries and duplicates (each duplicate answered once).
    const names = new Map<string, number>();
    const ids = new Map<string, number>();
    for (const e of entries) {
      if (e.name === null) {
        if (e.topicId === ZERO_UUID) responses.push(result(null, ZERO_UUID, ErrorCode.INVALID_REQUEST, 'Neither topic name nor id were specified.'));
        else ids.set(e.topicId, (ids.get(e.topicId) ?? 0) + 1);
      } else if (e.topicId !== ZERO_UUID) {
        responses.push(result(e.name, e.topicId, ErrorCode.INVALID_REQUEST, 'You may not specify both topic name and topic id.'));
      } else {
        names.set(e.name, (names.get(e.name) ?? 0) + 1);
      }
    }
    const duplicateIds = new Set<string>();
    for (const [name, n] of names) if (n > 1) responses.push(result(name, ZERO_UUID, ErrorCode.INVALID_REQUEST, 'Duplicate topic name.'));
    for (const [id, n] of ids) {
      if (n > 1) {
        duplicateIds.add(id);
        responses.push(result(null, id, ErrorCode.INVALID_REQUEST, 'Duplicate topic id.'));
      }
    }
    // Pass 2: resolve ids, then names, to the topics to delete (by id).
    const clusterDelete = b.authorizer.allowed(ctx, Op.DELETE, ResourceType.CLUSTER, CLUSTER_RESOURCE_NAME);
    const may = (op: typeof Op.DESCRIBE | typeof Op.DELETE, name: string) => clusterDelete || b.authorizer.allowed(ctx, op, ResourceType.TOPIC, name);
    const denied = (name: string | null, id: string) => result(name, id, ErrorCode.TOPIC_AUTHORIZATION_FAILED, TOPIC_AUTHORIZATION_FAILED_MESSAGE);
    const toDelete = new Map<string, string>();
    for (const [id, n] of ids) {
      if (n > 1) continue;
      const t = b.metadata.image.topics.getById(id);
      if (!t) responses.push(result(null, id, ErrorCode.UNKNOWN_TOPIC_ID, UNKNOWN_TOPIC_ID_MESSAGE));
      else if (!may(Op.DELETE, t.name)) responses.push(denied(may(Op.DESCRIBE, t.name) ? t.name : null, id));
      else toDelete.set(id, t.name);
    }
    for (const [name, n] of names) {
      if (n > 1) continue;
      const t = b.metadata.image.topics.get(name);
      if (!may(Op.DESCRIBE, name)) {
        responses.push(denied(name, ZERO_UUID));
      } else if (!t) {
        responses.push(result(name, ZERO_UUID, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, 'This server does not host this topic-partition.'));
      } else if (duplicateIds.has(t.id) || toDelete.has(t.id)) {
        // Named and given by id in the same request: neither entry is deleted.
        duplicateIds.add(t.id);
        toDelete.delete(t.id);
        responses.push(result(name, t.id, ErrorCode.INVALID_REQUEST, 'The provided topic name maps to an ID that was already supplied.'));
      } else if (!may(Op.DELETE, name)) {
        responses.push(denied(name, ZERO_UUID));
      } else {
        toDelete.set(t.id, name);
      }
    }

    // One metadata commit for every topic to delete; the answer waits until the image has it.
    const outcomes = await b.controller.deleteTopics([...toDelete.values()]);
    for (const [topicId, name] of toDelete) {
      const problem = outcomes.get(name) ?? null;
      responses.push(problem ? result(name, topicId, problem.errorCode, problem.errorMessage) : result(name, topicId, ErrorCode.NONE, null));
    }
    return { throttleTimeMs: 0, responses };
  });
}
