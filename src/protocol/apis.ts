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
  readonly request: MessageCodec<Req>;
  readonly response: MessageCodec<Res>;
}

function api<Req, Res>(request: MessageCodec<Req>, response: MessageCodec<Res>, minVersion: number, maxVersion: number): ApiSpec<Req, Res> {
  if (minVersion < request.minVersion || maxVersion > request.maxVersion) {
    throw new Error(`${request.name}: served range ${minVersion}-${maxVersion} is outside the schema's`);
  }
  return { apiKey: request.apiKey, name: request.name.replace(/Request$/, ''), minVersion, maxVersion, request, response };
}

export const Apis = {
  Produce: api(M.ProduceRequestCodec, M.ProduceResponseCodec, 0, 11),
  Fetch: api(M.FetchRequestCodec, M.FetchResponseCodec, 0, 17),
  ListOffsets: api(M.ListOffsetsRequestCodec, M.ListOffsetsResponseCodec, 0, 9),
  Metadata: api(M.MetadataRequestCodec, M.MetadataResponseCodec, 0, 12),
  ApiVersions: api(M.ApiVersionsRequestCodec, M.ApiVersionsResponseCodec, 0, 4),
  CreateTopics: api(M.CreateTopicsRequestCodec, M.CreateTopicsResponseCodec, 0, 7),
  DeleteTopics: api(M.DeleteTopicsRequestCodec, M.DeleteTopicsResponseCodec, 0, 6),
  DeleteRecords: api(M.DeleteRecordsRequestCodec, M.DeleteRecordsResponseCodec, 0, 2),
  InitProducerId: api(M.InitProducerIdRequestCodec, M.InitProducerIdResponseCodec, 0, 5),
  OffsetForLeaderEpoch: api(M.OffsetForLeaderEpochRequestCodec, M.OffsetForLeaderEpochResponseCodec, 0, 4),
  DescribeConfigs: api(M.DescribeConfigsRequestCodec, M.DescribeConfigsResponseCodec, 0, 4),
  AlterConfigs: api(M.AlterConfigsRequestCodec, M.AlterConfigsResponseCodec, 0, 2),
  DescribeLogDirs: api(M.DescribeLogDirsRequestCodec, M.DescribeLogDirsResponseCodec, 0, 4),
  CreatePartitions: api(M.CreatePartitionsRequestCodec, M.CreatePartitionsResponseCodec, 0, 3),
  IncrementalAlterConfigs: api(M.IncrementalAlterConfigsRequestCodec, M.IncrementalAlterConfigsResponseCodec, 0, 1),
  DescribeProducers: api(M.DescribeProducersRequestCodec, M.DescribeProducersResponseCodec, 0, 0),
  DescribeCluster: api(M.DescribeClusterRequestCodec, M.DescribeClusterResponseCodec, 0, 1),
  FindCoordinator: api(M.FindCoordinatorRequestCodec, M.FindCoordinatorResponseCodec, 0, 6),
  JoinGroup: api(M.JoinGroupRequestCodec, M.JoinGroupResponseCodec, 0, 9),
  SyncGroup: api(M.SyncGroupRequestCodec, M.SyncGroupResponseCodec, 0, 5),
  Heartbeat: api(M.HeartbeatRequestCodec, M.HeartbeatResponseCodec, 0, 4),
  LeaveGroup: api(M.LeaveGroupRequestCodec, M.LeaveGroupResponseCodec, 0, 5),
  OffsetCommit: api(M.OffsetCommitRequestCodec, M.OffsetCommitResponseCodec, 0, 9),
  OffsetFetch: api(M.OffsetFetchRequestCodec, M.OffsetFetchResponseCodec, 0, 9),
  DescribeGroups: api(M.DescribeGroupsRequestCodec, M.DescribeGroupsResponseCodec, 0, 5),
  ListGroups: api(M.ListGroupsRequestCodec, M.ListGroupsResponseCodec, 0, 5),
  DeleteGroups: api(M.DeleteGroupsRequestCodec, M.DeleteGroupsResponseCodec, 0, 2),
  OffsetDelete: api(M.OffsetDeleteRequestCodec, M.OffsetDeleteResponseCodec, 0, 0),
  // Transactions (G19): AddPartitionsToTxn only in the client's form (v0-3).
  AddPartitionsToTxn: api(M.AddPartitionsToTxnRequestCodec, M.AddPartitionsToTxnResponseCodec, 0, 3),
  AddOffsetsToTxn: api(M.AddOffsetsToTxnRequestCodec, M.AddOffsetsToTxnResponseCodec, 0, 4),
  EndTxn: api(M.EndTxnRequestCodec, M.EndTxnResponseCodec, 0, 4),
  TxnOffsetCommit: api(M.TxnOffsetCommitRequestCodec, M.TxnOffsetCommitResponseCodec, 0, 4),
  DescribeTransactions: api(M.DescribeTransactionsRequestCodec, M.DescribeTransactionsResponseCodec, 0, 0),
  ListTransactions: api(M.ListTransactionsRequestCodec, M.ListTransactionsResponseCodec, 0, 1),
  // KIP-848 consumer groups (G18: librdkafka ≥2.10 sends ConsumerGroupHeartbeat v1 only).
  ConsumerGroupHeartbeat: api(M.ConsumerGroupHeartbeatRequestCodec, M.ConsumerGroupHeartbeatResponseCodec, 0, 1),
  ConsumerGroupDescribe: api(M.ConsumerGroupDescribeRequestCodec, M.ConsumerGroupDescribeResponseCodec, 0, 0),
  // KIP-966: the Java admin client's describeTopics (it falls back to Metadata without it).
  DescribeTopicPartitions: api(M.DescribeTopicPartitionsRequestCodec, M.DescribeTopicPartitionsResponseCodec, 0, 0),
  // KIP-714 client telemetry: librdkafka ≥ 2.5 and Java ≥ 3.7 call these on their own once advertised (G17).
  GetTelemetrySubscriptions: api(M.GetTelemetrySubscriptionsRequestCodec, M.GetTelemetrySubscriptionsResponseCodec, 0, 0),
  PushTelemetry: api(M.PushTelemetryRequestCodec, M.PushTelemetryResponseCodec, 0, 0),
  ListClientMetricsResources: api(M.ListClientMetricsResourcesRequestCodec, M.ListClientMetricsResourcesResponseCodec, 0, 0),
  // SASL (G16): the network layer's authenticator answers them before authentication; the handlers after it.
  SaslHandshake: api(M.SaslHandshakeRequestCodec, M.SaslHandshakeResponseCodec, 0, 1),
  SaslAuthenticate: api(M.SaslAuthenticateRequestCodec, M.SaslAuthenticateResponseCodec, 0, 2),
  DescribeUserScramCredentials: api(M.DescribeUserScramCredentialsRequestCodec, M.DescribeUserScramCredentialsResponseCodec, 0, 0),
  AlterUserScramCredentials: api(M.AlterUserScramCredentialsRequestCodec, M.AlterUserScramCredentialsResponseCodec, 0, 0),
} as const;

export type ServedApiName = keyof typeof Apis;

/** Every served API, by key. */
export const SERVED_APIS: ReadonlyMap<number, ApiSpec<unknown, unknown>> = new Map(
  Object.values(Apis).map((a) => [a.apiKey, a as ApiSpec<unknown, unknown>]),
);
