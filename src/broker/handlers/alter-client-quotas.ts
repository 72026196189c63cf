/**
 * AlterClientQuotas (key 49), v0–1 (v1 flexible).
 *
 * Sets or removes quotas (producer_byte_rate, consumer_byte_rate,
 * request_percentage, controller_mutation_rate on user / client-id
 * entities, connection_creation_rate on ip entities; a null entity name is
 * the default entity). The controller validates each entity as Kafka's
 * ClientQuotaControlManager does (INVALID_REQUEST with Kafka's message per
 * entity; the others still apply) and writes ClientQuotaRecords, so quotas
 * persist with the metadata log; the answer is given once the image has
 * them, and the quota managers apply them from then on. validate_only
 * checks and writes nothing. Authorization (ALTER_CONFIGS on the cluster)
 * arrives with the authorizer.
 */
import { Apis } from '../../protocol/apis';
import type { AlterClientQuotasRequest, AlterClientQuotasResponse } from '../../protocol/messages';
import type { BrokerContext } from '../broker-context';
import { defineHandler } from '../define-handler';

export function alterClientQuotasHandler(b: BrokerContext) {
  return defineHandler(Apis.AlterClientQuotas, async (req: AlterClientQuotasRequest): Promise<AlterClientQuotasResponse> => ({
    throttleTimeMs: 0,
    entries: await b.controller.alterClientQuotas(req.entries, req.validateOnly),
  }));
}
