/**
 * CreatePartitions (key 37), v0–3.
 *
 * Grows topics through the controller (validateCreatePartitions when the
 * request is validateOnly); the answer waits until the image has the new
 * partitions. A topic listed more than once gets one
 * INVALID_REQUEST "Duplicate topic name." entry and is not grown, as in
 * Kafka's ControllerApis. Manual assignments (one broker list per new
 * partition) are checked by the controller: on a single node only this
 * broker's id is valid. `timeoutMs` never expires on one node.
 * No version differences beyond the encoding (v2+ flexible).
 * Authorization (Kafka's ControllerApis): ALTER on the topic, else
 * TOPIC_AUTHORIZATION_FAILED and it is not grown.
 */
import { Apis } from '../../protocol/apis';
import { ErrorCode } from '../../protocol/errors';
import { CreatePartitionsRequest, CreatePartitionsResponse } from '../../protocol/messages';
import type { BrokerContext } from '../broker-context';
import { defineHandler } from '../define-handler';
import { AclOperation as Op, ResourceType } from '../../security/authorizer/acl';

export function createPartitionsHandler(b: BrokerContext) {
  return defineHandler(Apis.CreatePartitions, async (req: CreatePartitionsRequest, ctx): Promise<CreatePartitionsResponse> => {
    const count = new Map<string, number>();
    for (const t of req.topics) count.set(t.name, (count.get(t.name) ?? 0) + 1);
    const results: CreatePartitionsResponse.CreatePartitionsTopicResult[] = [];
    for (const t of req.topics) {
      if ((count.get(t.name) ?? 0) > 1) continue;
      if (!b.authorizer.allowed(ctx, Op.ALTER, ResourceType.TOPIC, t.name)) {
        results.push({ name: t.name, errorCode: ErrorCode.TOPIC_AUTHORIZATION_FAILED, errorMessage: 'Topic authorization failed.' });
        continue;
      }
      const assignments = t.assignments === null ? null : t.assignments.map((a) => ({ brokerIds: a.brokerIds }));
      const outcome = req.validateOnly
        ? b.controller.validateCreatePartitions(t.name, t.count, assignments)
        : await b.controller.createPartitions(t.name, t.count, assignments);
      results.push(
        'errorCode' in outcome
          ? { name: t.name, errorCode: outcome.errorCode, errorMessage: outcome.errorMessage }
          : { name: t.name, errorCode: ErrorCode.NONE, errorMessage: null },
      );
    }
    for (const [name, n] of count) {
      if (n > 1) results.push({ name, errorCode: ErrorCode.INVALID_REQUEST, errorMessage: 'Duplicate topic name.' });
    }
    return { throttleTimeMs: 0, results };
  });
}
