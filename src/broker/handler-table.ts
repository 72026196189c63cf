/**
 * The broker's handler table: one handler per served API. The network layer
 * routes by api key through it, and ApiVersions advertises exactly the APIs
 * in it, with the ranges from protocol/apis.ts (a test checks that every
 * API listed there has its handler). The KIP-848 APIs (ConsumerGroupHeartbeat,
 * ConsumerGroupDescribe) are served, and advertised, only while
 * `group.coordinator.rebalance.protocols` includes `consumer`, as in Kafka.
 * In a cluster the admin APIs that write metadata are forwarded to the
 * controller (controller-channel.ts).
 */
import { Apis } from '../protocol/apis';
import type { BoundHandler, HandlerTable } from '../network/request-context';
import type { BrokerContext, ClusterView } from './broker-context';
import { FORWARDED_TO_CONTROLLER } from './controller-channel';
import { envelopeHandler } from './handlers/envelope';
import { allocateProducerIdsHandler } from './handlers/allocate-producer-ids';
import { alterPartitionHandler } from './handlers/alter-partition';
import { withRequestQuota } from './request-quota';
import { alterConfigsHandler } from './handlers/alter-configs';
import { createPartitionsHandler } from './handlers/create-partitions';
import { createTopicsHandler } from './handlers/create-topics';
import { deleteRecordsHandler } from './handlers/delete-records';
import { deleteTopicsHandler } from './handlers/delete-topics';
import { describeClusterHandler } from './handlers/describe-cluster';
import { describeConfigsHandler } from './handlers/describe-configs';
import { describeLogDirsHandler } from './handlers/describe-log-dirs';
import { describeProducersHandler } from './handlers/describe-producers';
import { incrementalAlterConfigsHandler } from './handlers/incremental-alter-configs';
import { initProducerIdHandler } from './handlers/init-producer-id';
import { offsetForLeaderEpochHandler } from './handlers/offset-for-leader-epoch';
import { apiVersionsHandler } from './handlers/api-versions';
import { fetchHandler } from './handlers/fetch';
import { listOffsetsHandler } from './handlers/list-offsets';
import { metadataHandler } from './handlers/metadata';
import { produceHandler } from './handlers/produce';
import { findCoordinatorHandler } from './handlers/find-coordinator';
import { joinGroupHandler } from './handlers/join-group';
import { syncGroupHandler } from './handlers/sync-group';
import { heartbeatHandler } from './handlers/heartbeat';
import { leaveGroupHandler } from './handlers/leave-group';
import { offsetCommitHandler } from './handlers/offset-commit';
import { offsetFetchHandler } from './handlers/offset-fetch';
import { describeGroupsHandler } from './handlers/describe-groups';
import { listGroupsHandler } from './handlers/list-groups';
import { deleteGroupsHandler } from './handlers/delete-groups';
import { offsetDeleteHandler } from './handlers/offset-delete';
import { addPartitionsToTxnHandler } from './handlers/add-partitions-to-txn';
import { addOffsetsToTxnHandler } from './handlers/add-offsets-to-txn';
import { endTxnHandler } from './handlers/end-txn';
import { txnOffsetCommitHandler } from './handlers/txn-offset-commit';
import { describeTransactionsHandler } from './handlers/describe-transactions';
import { listTransactionsHandler } from './handlers/list-transactions';
import { consumerGroupHeartbeatHandler } from './handlers/consumer-group-heartbeat';
import { consumerGroupDescribeHandler } from './handlers/consumer-group-describe';
import { describeTopicPartitionsHandler } from './handlers/describe-topic-partitions';
import { getTelemetrySubscriptionsHandler } from './handlers/get-telemetry-subscriptions';
import { pushTelemetryHandler } from './handlers/push-telemetry';
import { listClientMetricsResourcesHandler } from './handlers/list-client-metrics-resources';
import { saslHandshakeHandler } from './handlers/sasl-handshake';
import { saslAuthenticateHandler } from './handlers/sasl-authenticate';
import { describeUserScramCredentialsHandler } from './handlers/describe-user-scram-credentials';
import { alterUserScramCredentialsHandler } from './handlers/alter-user-scram-credentials';
import { describeClientQuotasHandler } from './handlers/describe-client-quotas';
import { alterClientQuotasHandler } from './handlers/alter-client-quotas';
import { createAclsHandler } from './handlers/create-acls';
import { describeAclsHandler } from './handlers/describe-acls';
import { deleteAclsHandler } from './handlers/delete-acls';

export function buildHandlerTable(b: BrokerContext): HandlerTable {
  const handlers: BoundHandler[] = [
    metadataHandler(b),
    produceHandler(b),
    fetchHandler(b),
    listOffsetsHandler(b),
    createTopicsHandler(b),
    deleteTopicsHandler(b),
    createPartitionsHandler(b),
    describeConfigsHandler(b),
    alterConfigsHandler(b),
    incrementalAlterConfigsHandler(b),
    deleteRecordsHandler(b),
    describeLogDirsHandler(b),
    describeProducersHandler(b),
    describeClusterHandler(b),
    offsetForLeaderEpochHandler(b),
    initProducerIdHandler(b),
    findCoordinatorHandler(b),
    joinGroupHandler(b),
    syncGroupHandler(b),
    heartbeatHandler(b),
    leaveGroupHandler(b),
    offsetCommitHandler(b),
    offsetFetchHandler(b),
    describeGroupsHandler(b),
    listGroupsHandler(b),
    deleteGroupsHandler(b),
    offsetDeleteHandler(b),
    addPartitionsToTxnHandler(b),
    addOffsetsToTxnHandler(b),
    endTxnHandler(b),
    txnOffsetCommitHandler(b),
    describeTransactionsHandler(b),
    listTransactionsHandler(b),
    describeTopicPartitionsHandler(b),
    getTelemetrySubscriptionsHandler(b),
    pushTelemetryHandler(b),
    listClientMetricsResourcesHandler(b),
    saslHandshakeHandler(),
    saslAuthenticateHandler(),
    describeUserScramCredentialsHandler(b),
    alterUserScramCredentialsHandler(b),
    describeClientQuotasHandler(b),
    alterClientQuotasHandler(b),
    describeAclsHandler(b),
    createAclsHandler(b),
    deleteAclsHandler(b),
    // handlers: add new ones above this line
  ];
  if (b.config.list('group.coordinator.rebalance.protocols').includes('consumer')) {
    handlers.push(consumerGroupHeartbeatHandler(b), consumerGroupDescribeHandler(b));
  }
  handlers.push(apiVersionsHandler([...handlers.map((h) => h.spec), Apis.ApiVersions], () => b.metadata.image));
  const local: HandlerTable = new Map(handlers.map((h) => [h.spec.apiKey, h]));
  // Client requests count against the client's request quota; where a cluster forwards one, on this broker.
  const clientFacing = b.cluster ? forwardingToController(b.cluster, local) : local;
  const table = new Map([...clientFacing].map(([key, h]) => [key, withRequestQuota(h, b.quotas, b.now)]));
  // The inter-broker APIs (not advertised: ApiVersions was built above).
  if (b.cluster) for (const h of [envelopeHandler(b, local), allocateProducerIdsHandler(b), alterPartitionHandler(b)]) table.set(h.spec.apiKey, h);
  return table;
}

/**
 * A broker of a cluster: the admin requests that write metadata go to the
 * controller (forwarded in an Envelope when this broker is not it).
 */
function forwardingToController(cluster: ClusterView, local: HandlerTable): HandlerTable {
  const table = new Map(local);
  for (const key of FORWARDED_TO_CONTROLLER) {
    const inner = local.get(key);
    if (!inner) continue;
    table.set(key, { spec: inner.spec, handle: (request, ctx) => (cluster.isController() ? inner.handle(request, ctx) : cluster.forward(inner.spec, request, ctx)) });
  }
  return table;
}
