/**
 * The broker's handler table: one handler per served API. The network layer
 * routes by api key through it, and ApiVersions advertises exactly the APIs
 * in it, with the ranges from protocol/apis.ts (a test checks that every
 * API listed there has its handler). The KIP-848 APIs (ConsumerGroupHeartbeat,
 * ConsumerGroupDescribe) are served, and advertised, only while
 * `group.coordinator.rebalance.protocols` includes `consumer`, as in Kafka.
 * In a cluster the admin APIs that write metadata are forwarded to the
 * controller (controller-channel.ts).
 *
 * A handler's module loads on the first request of its API, not at start:
 * the table holds each API's key and version range (static, from
 * protocol/apis.ts) and a function that requires the handler's module and
 * binds it. Most brokers never see most APIs, and the ~55 handler modules
 * with what they import were a third of the code loaded at start-up.
 */
import { Apis, type ApiSpec } from '../protocol/apis';
import type { BoundHandler, HandlerTable } from '../network/request-context';
import type { BrokerContext, ClusterView } from './broker-context';
import { FORWARDED_TO_CONTROLLER } from './forwarded-apis';
import { apiVersionsHandler } from './handlers/api-versions';
import { withRequestQuota } from './request-quota';

/** One served API and how to bind its handler (which requires the handler's module). */
type HandlerEntry = readonly [spec: ApiSpec<unknown, unknown>, bind: (b: BrokerContext) => BoundHandler];

export const HANDLERS: readonly HandlerEntry[] = [
  [Apis.Metadata, (b) => (require('./handlers/metadata') as typeof import('./handlers/metadata')).metadataHandler(b)],
  [Apis.Produce, (b) => (require('./handlers/produce') as typeof import('./handlers/produce')).produceHandler(b)],
  [Apis.Fetch, (b) => (require('./handlers/fetch') as typeof import('./handlers/fetch')).fetchHandler(b)],
  [Apis.ListOffsets, (b) => (require('./handlers/list-offsets') as typeof import('./handlers/list-offsets')).listOffsetsHandler(b)],
  [Apis.CreateTopics, (b) => (require('./handlers/create-topics') as typeof import('./handlers/create-topics')).createTopicsHandler(b)],
  [Apis.DeleteTopics, (b) => (require('./handlers/delete-topics') as typeof import('./handlers/delete-topics')).deleteTopicsHandler(b)],
  [Apis.CreatePartitions, (b) => (require('./handlers/create-partitions') as typeof import('./handlers/create-partitions')).createPartitionsHandler(b)],
  [Apis.DescribeConfigs, (b) => (require('./handlers/describe-configs') as typeof import('./handlers/describe-configs')).describeConfigsHandler(b)],
  [Apis.AlterConfigs, (b) => (require('./handlers/alter-configs') as typeof import('./handlers/alter-configs')).alterConfigsHandler(b)],
  [Apis.IncrementalAlterConfigs, (b) => (require('./handlers/incremental-alter-configs') as typeof import('./handlers/incremental-alter-configs')).incrementalAlterConfigsHandler(b)],
  [Apis.DeleteRecords, (b) => (require('./handlers/delete-records') as typeof import('./handlers/delete-records')).deleteRecordsHandler(b)],
  [Apis.DescribeLogDirs, (b) => (require('./handlers/describe-log-dirs') as typeof import('./handlers/describe-log-dirs')).describeLogDirsHandler(b)],
  [Apis.DescribeProducers, (b) => (require('./handlers/describe-producers') as typeof import('./handlers/describe-producers')).describeProducersHandler(b)],
  [Apis.DescribeCluster, (b) => (require('./handlers/describe-cluster') as typeof import('./handlers/describe-cluster')).describeClusterHandler(b)],
  [Apis.OffsetForLeaderEpoch, (b) => (require('./handlers/offset-for-leader-epoch') as typeof import('./handlers/offset-for-leader-epoch')).offsetForLeaderEpochHandler(b)],
  [Apis.InitProducerId, (b) => (require('./handlers/init-producer-id') as typeof import('./handlers/init-producer-id')).initProducerIdHandler(b)],
  [Apis.FindCoordinator, (b) => (require('./handlers/find-coordinator') as typeof import('./handlers/find-coordinator')).findCoordinatorHandler(b)],
  [Apis.JoinGroup, (b) => (require('./handlers/join-group') as typeof import('./handlers/join-group')).joinGroupHandler(b)],
  [Apis.SyncGroup, (b) => (require('./handlers/sync-group') as typeof import('./handlers/sync-group')).syncGroupHandler(b)],
  [Apis.Heartbeat, (b) => (require('./handlers/heartbeat') as typeof import('./handlers/heartbeat')).heartbeatHandler(b)],
  [Apis.LeaveGroup, (b) => (require('./handlers/leave-group') as typeof import('./handlers/leave-group')).leaveGroupHandler(b)],
  [Apis.OffsetCommit, (b) => (require('./handlers/offset-commit') as typeof import('./handlers/offset-commit')).offsetCommitHandler(b)],
  [Apis.OffsetFetch, (b) => (require('./handlers/offset-fetch') as typeof import('./handlers/offset-fetch')).offsetFetchHandler(b)],
  [Apis.DescribeGroups, (b) => (require('./handlers/describe-groups') as typeof import('./handlers/describe-groups')).describeGroupsHandler(b)],
  [Apis.ListGroups, (b) => (require('./handlers/list-groups') as typeof import('./handlers/list-groups')).listGroupsHandler(b)],
  [Apis.DeleteGroups, (b) => (require('./handlers/delete-groups') as typeof import('./handlers/delete-groups')).deleteGroupsHandler(b)],
  [Apis.OffsetDelete, (b) => (require('./handlers/offset-delete') as typeof import('./handlers/offset-delete')).offsetDeleteHandler(b)],
  [Apis.AddPartitionsToTxn, (b) => (require('./handlers/add-partitions-to-txn') as typeof import('./handlers/add-partitions-to-txn')).addPartitionsToTxnHandler(b)],
  [Apis.AddOffsetsToTxn, (b) => (require('./handlers/add-offsets-to-txn') as typeof import('./handlers/add-offsets-to-txn')).addOffsetsToTxnHandler(b)],
  [Apis.EndTxn, (b) => (require('./handlers/end-txn') as typeof import('./handlers/end-txn')).endTxnHandler(b)],
  [Apis.TxnOffsetCommit, (b) => (require('./handlers/txn-offset-commit') as typeof import('./handlers/txn-offset-commit')).txnOffsetCommitHandler(b)],
  [Apis.DescribeTransactions, (b) => (require('./handlers/describe-transactions') as typeof import('./handlers/describe-transactions')).describeTransactionsHandler(b)],
  [Apis.ListTransactions, (b) => (require('./handlers/list-transactions') as typeof import('./handlers/list-transactions')).listTransactionsHandler(b)],
  [Apis.DescribeTopicPartitions, (b) => (require('./handlers/describe-topic-partitions') as typeof import('./handlers/describe-topic-partitions')).describeTopicPartitionsHandler(b)],
  [Apis.GetTelemetrySubscriptions, (b) => (require('./handlers/get-telemetry-subscriptions') as typeof import('./handlers/get-telemetry-subscriptions')).getTelemetrySubscriptionsHandler(b)],
  [Apis.PushTelemetry, (b) => (require('./handlers/push-telemetry') as typeof import('./handlers/push-telemetry')).pushTelemetryHandler(b)],
  [Apis.ListClientMetricsResources, (b) => (require('./handlers/list-client-metrics-resources') as typeof import('./handlers/list-client-metrics-resources')).listClientMetricsResourcesHandler(b)],
  [Apis.SaslHandshake, () => (require('./handlers/sasl-handshake') as typeof import('./handlers/sasl-handshake')).saslHandshakeHandler()],
  [Apis.SaslAuthenticate, () => (require('./handlers/sasl-authenticate') as typeof import('./handlers/sasl-authenticate')).saslAuthenticateHandler()],
  [Apis.DescribeUserScramCredentials, (b) => (require('./handlers/describe-user-scram-credentials') as typeof import('./handlers/describe-user-scram-credentials')).describeUserScramCredentialsHandler(b)],
  [Apis.AlterUserScramCredentials, (b) => (require('./handlers/alter-user-scram-credentials') as typeof import('./handlers/alter-user-scram-credentials')).alterUserScramCredentialsHandler(b)],
  [Apis.DescribeClientQuotas, (b) => (require('./handlers/describe-client-quotas') as typeof import('./handlers/describe-client-quotas')).describeClientQuotasHandler(b)],
  [Apis.AlterClientQuotas, (b) => (require('./handlers/alter-client-quotas') as typeof import('./handlers/alter-client-quotas')).alterClientQuotasHandler(b)],
  [Apis.DescribeAcls, (b) => (require('./handlers/describe-acls') as typeof import('./handlers/describe-acls')).describeAclsHandler(b)],
  [Apis.CreateAcls, (b) => (require('./handlers/create-acls') as typeof import('./handlers/create-acls')).createAclsHandler(b)],
  [Apis.DeleteAcls, (b) => (require('./handlers/delete-acls') as typeof import('./handlers/delete-acls')).deleteAclsHandler(b)],
  [Apis.ElectLeaders, (b) => (require('./handlers/elect-leaders') as typeof import('./handlers/elect-leaders')).electLeadersHandler(b)],
  [Apis.AlterPartitionReassignments, (b) => (require('./handlers/alter-partition-reassignments') as typeof import('./handlers/alter-partition-reassignments')).alterPartitionReassignmentsHandler(b)],
  [Apis.ListPartitionReassignments, (b) => (require('./handlers/list-partition-reassignments') as typeof import('./handlers/list-partition-reassignments')).listPartitionReassignmentsHandler(b)],
  // handlers: add new ones above this line
];

/** The KIP-848 APIs, served while `group.coordinator.rebalance.protocols` includes `consumer`. */
export const CONSUMER_GROUP_HANDLERS: readonly HandlerEntry[] = [
  [Apis.ConsumerGroupHeartbeat, (b) => (require('./handlers/consumer-group-heartbeat') as typeof import('./handlers/consumer-group-heartbeat')).consumerGroupHeartbeatHandler(b)],
  [Apis.ConsumerGroupDescribe, (b) => (require('./handlers/consumer-group-describe') as typeof import('./handlers/consumer-group-describe')).consumerGroupDescribeHandler(b)],
];

/**
 * The handler of `spec`, bound on the first request of its API. Its spec is
 * known before: ApiVersions, the request quota and forwarding need only that.
 */
function lazyHandler(spec: ApiSpec<unknown, unknown>, bind: () => BoundHandler): BoundHandler {
  let bound: BoundHandler | undefined;
  return {
    spec,
    handle(request, ctx) {
      if (bound === undefined) {
        bound = bind();
        if (bound.spec !== spec) throw new Error(`the ${spec.name} handler serves ${bound.spec.name}`);
      }
      return bound.handle(request, ctx);
    },
  };
}

export function buildHandlerTable(b: BrokerContext): HandlerTable {
  const entries = b.config.list('group.coordinator.rebalance.protocols').includes('consumer') ? [...HANDLERS, ...CONSUMER_GROUP_HANDLERS] : HANDLERS;
  const handlers = entries.map(([spec, bind]) => lazyHandler(spec, () => bind(b)));
  handlers.push(apiVersionsHandler([...handlers.map((h) => h.spec), Apis.ApiVersions], () => b.metadata.image));
  const local: HandlerTable = new Map(handlers.map((h) => [h.spec.apiKey, h]));
  // Client requests count against the client's request quota; where a cluster forwards one, on this broker.
  const clientFacing = b.cluster ? forwardingToController(b.cluster, local) : local;
  const table = new Map([...clientFacing].map(([key, h]) => [key, withRequestQuota(h, b.quotas, b.now)]));
  // The inter-broker APIs (not advertised: ApiVersions was built above). Only a cluster's brokers load them.
  if (b.cluster) {
    const { envelopeHandler } = require('./handlers/envelope') as typeof import('./handlers/envelope');
    const { allocateProducerIdsHandler } = require('./handlers/allocate-producer-ids') as typeof import('./handlers/allocate-producer-ids');
    const { alterPartitionHandler } = require('./handlers/alter-partition') as typeof import('./handlers/alter-partition');
    for (const h of [envelopeHandler(b, local), allocateProducerIdsHandler(b), alterPartitionHandler(b)]) table.set(h.spec.apiKey, h);
    // Transactions across brokers: markers from a coordinator, and AddPartitionsToTxn v4+ (verification) next to the client's v0–3.
    const { writeTxnMarkersHandler } = require('./handlers/write-txn-markers') as typeof import('./handlers/write-txn-markers');
    const { addPartitionsToTxnInterBrokerHandler } = require('./handlers/add-partitions-to-txn') as typeof import('./handlers/add-partitions-to-txn');
    const writeTxnMarkers = writeTxnMarkersHandler(b);
    table.set(writeTxnMarkers.spec.apiKey, writeTxnMarkers);
    const clientAddPartitions = table.get(Apis.AddPartitionsToTxn.apiKey);
    if (clientAddPartitions) table.set(Apis.AddPartitionsToTxn.apiKey, addPartitionsToTxnInterBrokerHandler(b, clientAddPartitions));
  }
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
