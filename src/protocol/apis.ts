/**
 * The APIs Weir serves and the version range of each: the one table that
 * ApiVersions answers from. An API appears here only once a handler for the
 * whole range exists in `broker/` (a test checks both ways).
 *
 * Minimum versions follow clients.md: librdkafka's feature checks need v0 of
 * ApiVersions, Produce, InitProducerId, FindCoordinator, JoinGroup (G1, G2).
 */
import * as M from './messages';
import { MessageCodec } from './primitives/codec-support';

export interface ApiSpec<Req, Res> {
  readonly apiKey: number;
  readonly name: string;
  readonly minVersion: number;
  readonly maxVersion: number;
  /** The codecs load on first use (the first request of this API): start-up time and memory. */
  readonly request: MessageCodec<Req>;
  readonly response: MessageCodec<Res>;
}

/**
 * One served API. Its key comes from the schema table without loading the
 * codecs; that the served range lies within the schema's is checked by
 * apis.test.ts.
 */
function api<Req, Res>(name: string, request: () => MessageCodec<Req>, response: () => MessageCodec<Res>, minVersion: number, maxVersion: number): ApiSpec<Req, Res> {
  const schema = M.API_MESSAGES.find((m) => m.name === name);
  if (!schema) throw new Error(`${name}: no such API in the schemas`);
  let requestCodec: MessageCodec<Req> | undefined;
  let responseCodec: MessageCodec<Res> | undefined;
  return {
    apiKey: schema.apiKey,
    name,
    minVersion,
    maxVersion,
    get request() {
      return (requestCodec ??= request());
    },
    get response() {
      return (responseCodec ??= response());
    },
  };
}

export const Apis = {
  Produce: api('Produce', () => M.ProduceRequestCodec, () => M.ProduceResponseCodec, 0, 11),
  Fetch: api('Fetch', () => M.FetchRequestCodec, () => M.FetchResponseCodec, 0, 17),
  ListOffsets: api('ListOffsets', () => M.ListOffsetsRequestCodec, () => M.ListOffsetsResponseCodec, 0, 9),
  Metadata: api('Metadata', () => M.MetadataRequestCodec, () => M.MetadataResponseCodec, 0, 12),
  ApiVersions: api('ApiVersions', () => M.ApiVersionsRequestCodec, () => M.ApiVersionsResponseCodec, 0, 4),
  CreateTopics: api('CreateTopics', () => M.CreateTopicsRequestCodec, () => M.CreateTopicsResponseCodec, 0, 7),
  DeleteTopics: api('DeleteTopics', () => M.DeleteTopicsRequestCodec, () => M.DeleteTopicsResponseCodec, 0, 6),
  DeleteRecords: api('DeleteRecords', () => M.DeleteRecordsRequestCodec, () => M.DeleteRecordsResponseCodec, 0, 2),
  InitProducerId: api('InitProducerId', () => M.InitProducerIdRequestCodec, () => M.InitProducerIdResponseCodec, 0, 5),
  OffsetForLeaderEpoch: api('OffsetForLeaderEpoch', () => M.OffsetForLeaderEpochRequestCodec, () => M.OffsetForLeaderEpochResponseCodec, 0, 4),
  DescribeConfigs: api('DescribeConfigs', () => M.DescribeConfigsRequestCodec, () => M.DescribeConfigsResponseCodec, 0, 4),
  AlterConfigs: api('AlterConfigs', () => M.AlterConfigsRequestCodec, () => M.AlterConfigsResponseCodec, 0, 2),
  DescribeLogDirs: api('DescribeLogDirs', () => M.DescribeLogDirsRequestCodec, () => M.DescribeLogDirsResponseCodec, 0, 4),
  CreatePartitions: api('CreatePartitions', () => M.CreatePartitionsRequestCodec, () => M.CreatePartitionsResponseCodec, 0, 3),
  IncrementalAlterConfigs: api('IncrementalAlterConfigs', () => M.IncrementalAlterConfigsRequestCodec, () => M.IncrementalAlterConfigsResponseCodec, 0, 1),
  DescribeProducers: api('DescribeProducers', () => M.DescribeProducersRequestCodec, () => M.DescribeProducersResponseCodec, 0, 0),
  DescribeCluster: api('DescribeCluster', () => M.DescribeClusterRequestCodec, () => M.DescribeClusterResponseCodec, 0, 1),
  FindCoordinator: api('FindCoordinator', () => M.FindCoordinatorRequestCodec, () => M.FindCoordinatorResponseCodec, 0, 6),
  JoinGroup: api('JoinGroup', () => M.JoinGroupRequestCodec, () => M.JoinGroupResponseCodec, 0, 9),
  SyncGroup: api('SyncGroup', () => M.SyncGroupRequestCodec, () => M.SyncGroupResponseCodec, 0, 5),
  Heartbeat: api('Heartbeat', () => M.HeartbeatRequestCodec, () => M.HeartbeatResponseCodec, 0, 4),
  LeaveGroup: api('LeaveGroup', () => M.LeaveGroupRequestCodec, () => M.LeaveGroupResponseCodec, 0, 5),
  OffsetCommit: api('OffsetCommit', () => M.OffsetCommitRequestCodec, () => M.OffsetCommitResponseCodec, 0, 9),
  OffsetFetch: api('OffsetFetch', () => M.OffsetFetchRequestCodec, () => M.OffsetFetchResponseCodec, 0, 9),
  DescribeGroups: api('DescribeGroups', () => M.DescribeGroupsRequestCodec, () => M.DescribeGroupsResponseCodec, 0, 5),
  ListGroups: api('ListGroups', () => M.ListGroupsRequestCodec, () => M.ListGroupsResponseCodec, 0, 5),
  DeleteGroups: api('DeleteGroups', () => M.DeleteGroupsRequestCodec, () => M.DeleteGroupsResponseCodec, 0, 2),
  OffsetDelete: api('OffsetDelete', () => M.OffsetDeleteRequestCodec, () => M.OffsetDeleteResponseCodec, 0, 0),
  // Transactions (G19): AddPartitionsToTxn only in the client's form (v0-3).
  AddPartitionsToTxn: api('AddPartitionsToTxn', () => M.AddPartitionsToTxnRequestCodec, () => M.AddPartitionsToTxnResponseCodec, 0, 3),
  AddOffsetsToTxn: api('AddOffsetsToTxn', () => M.AddOffsetsToTxnRequestCodec, () => M.AddOffsetsToTxnResponseCodec, 0, 4),
  EndTxn: api('EndTxn', () => M.EndTxnRequestCodec, () => M.EndTxnResponseCodec, 0, 4),
  TxnOffsetCommit: api('TxnOffsetCommit', () => M.TxnOffsetCommitRequestCodec, () => M.TxnOffsetCommitResponseCodec, 0, 4),
  DescribeTransactions: api('DescribeTransactions', () => M.DescribeTransactionsRequestCodec, () => M.DescribeTransactionsResponseCodec, 0, 0),
  ListTransactions: api('ListTransactions', () => M.ListTransactionsRequestCodec, () => M.ListTransactionsResponseCodec, 0, 1),
  // KIP-848 consumer groups (G18: librdkafka ≥2.10 sends ConsumerGroupHeartbeat v1 only).
  ConsumerGroupHeartbeat: api('ConsumerGroupHeartbeat', () => M.ConsumerGroupHeartbeatRequestCodec, () => M.ConsumerGroupHeartbeatResponseCodec, 0, 1),
  ConsumerGroupDescribe: api('ConsumerGroupDescribe', () => M.ConsumerGroupDescribeRequestCodec, () => M.ConsumerGroupDescribeResponseCodec, 0, 0),
  // KIP-966: the Java admin client's describeTopics (it falls back to Metadata without it).
  DescribeTopicPartitions: api('DescribeTopicPartitions', () => M.DescribeTopicPartitionsRequestCodec, () => M.DescribeTopicPartitionsResponseCodec, 0, 0),
  // KIP-714 client telemetry: librdkafka ≥ 2.5 and Java ≥ 3.7 call these on their own once advertised (G17).
  GetTelemetrySubscriptions: api('GetTelemetrySubscriptions', () => M.GetTelemetrySubscriptionsRequestCodec, () => M.GetTelemetrySubscriptionsResponseCodec, 0, 0),
  PushTelemetry: api('PushTelemetry', () => M.PushTelemetryRequestCodec, () => M.PushTelemetryResponseCodec, 0, 0),
  ListClientMetricsResources: api('ListClientMetricsResources', () => M.ListClientMetricsResourcesRequestCodec, () => M.ListClientMetricsResourcesResponseCodec, 0, 0),
  // SASL (G16): the network layer's authenticator answers them before authentication; the handlers after it.
  SaslHandshake: api('SaslHandshake', () => M.SaslHandshakeRequestCodec, () => M.SaslHandshakeResponseCodec, 0, 1),
  SaslAuthenticate: api('SaslAuthenticate', () => M.SaslAuthenticateRequestCodec, () => M.SaslAuthenticateResponseCodec, 0, 2),
  DescribeUserScramCredentials: api('DescribeUserScramCredentials', () => M.DescribeUserScramCredentialsRequestCodec, () => M.DescribeUserScramCredentialsResponseCodec, 0, 0),
  AlterUserScramCredentials: api('AlterUserScramCredentials', () => M.AlterUserScramCredentialsRequestCodec, () => M.AlterUserScramCredentialsResponseCodec, 0, 0),
  // Client quotas (KIP-546); v1 is v0 made flexible.
  DescribeClientQuotas: api('DescribeClientQuotas', () => M.DescribeClientQuotasRequestCodec, () => M.DescribeClientQuotasResponseCodec, 0, 1),
  AlterClientQuotas: api('AlterClientQuotas', () => M.AlterClientQuotasRequestCodec, () => M.AlterClientQuotasResponseCodec, 0, 1),
  // Leadership and reassignment (KIP-460, KIP-455): the controller does the work; brokers forward.
  ElectLeaders: api('ElectLeaders', () => M.ElectLeadersRequestCodec, () => M.ElectLeadersResponseCodec, 0, 2),
  // ACLs (StandardAuthorizer semantics): SECURITY_DISABLED until authorizer.class.name is set, as Kafka.
  DescribeAcls: api('DescribeAcls', () => M.DescribeAclsRequestCodec, () => M.DescribeAclsResponseCodec, 0, 3),
  CreateAcls: api('CreateAcls', () => M.CreateAclsRequestCodec, () => M.CreateAclsResponseCodec, 0, 3),
  DeleteAcls: api('DeleteAcls', () => M.DeleteAclsRequestCodec, () => M.DeleteAclsResponseCodec, 0, 3),
} as const;

export type ServedApiName = keyof typeof Apis;

/** Every served API, by key. */
export const SERVED_APIS: ReadonlyMap<number, ApiSpec<unknown, unknown>> = new Map(
  Object.values(Apis).map((a) => [a.apiKey, a as ApiSpec<unknown, unknown>]),
);
