/**
 * The APIs this client speaks and the version range of each.
 *
 * Minimums are where the request shape this client builds starts to exist
 * (RecordBatch v2 needs Produce v3 / Fetch v4; null topics meaning "all"
 * needs Metadata v1) and are at or below Kafka 4.0's own minimums, so old
 * and new brokers both work. Maximums are the newest versions whose request
 * shape the client fills in correctly: Fetch stops at 12 because v13+
 * addresses topics by id only.
 */
import * as M from '../protocol/messages';
import type { MessageCodec } from '../protocol/primitives/codec-support';
import type { ApiCodecs } from './connection';

export interface ClientApi<Req, Res> extends ApiCodecs<Req, Res> {
  readonly minVersion: number;
  readonly maxVersion: number;
}

function api<Req, Res>(request: MessageCodec<Req>, response: MessageCodec<Res>, minVersion: number, maxVersion: number): ClientApi<Req, Res> {
  return { apiKey: request.apiKey, name: request.name.replace(/Request$/, ''), request, response, minVersion, maxVersion };
}

export const ClientApis = {
  Produce: api(M.ProduceRequestCodec, M.ProduceResponseCodec, 3, 11),
  Fetch: api(M.FetchRequestCodec, M.FetchResponseCodec, 4, 12),
  ListOffsets: api(M.ListOffsetsRequestCodec, M.ListOffsetsResponseCodec, 1, 9),
  Metadata: api(M.MetadataRequestCodec, M.MetadataResponseCodec, 1, 12),
  ApiVersions: api(M.ApiVersionsRequestCodec, M.ApiVersionsResponseCodec, 0, 3),
  CreateTopics: api(M.CreateTopicsRequestCodec, M.CreateTopicsResponseCodec, 2, 7),
  DeleteTopics: api(M.DeleteTopicsRequestCodec, M.DeleteTopicsResponseCodec, 1, 6),
  CreatePartitions: api(M.CreatePartitionsRequestCodec, M.CreatePartitionsResponseCodec, 0, 3),
  DescribeConfigs: api(M.DescribeConfigsRequestCodec, M.DescribeConfigsResponseCodec, 1, 4),
  IncrementalAlterConfigs: api(M.IncrementalAlterConfigsRequestCodec, M.IncrementalAlterConfigsResponseCodec, 0, 1),
  FindCoordinator: api(M.FindCoordinatorRequestCodec, M.FindCoordinatorResponseCodec, 0, 6),
  ListGroups: api(M.ListGroupsRequestCodec, M.ListGroupsResponseCodec, 0, 5),
  DescribeGroups: api(M.DescribeGroupsRequestCodec, M.DescribeGroupsResponseCodec, 0, 5),
  OffsetFetch: api(M.OffsetFetchRequestCodec, M.OffsetFetchResponseCodec, 1, 9),
  OffsetCommit: api(M.OffsetCommitRequestCodec, M.OffsetCommitResponseCodec, 2, 9),
  DeleteGroups: api(M.DeleteGroupsRequestCodec, M.DeleteGroupsResponseCodec, 0, 2),
  SaslHandshake: api(M.SaslHandshakeRequestCodec, M.SaslHandshakeResponseCodec, 1, 1),
  SaslAuthenticate: api(M.SaslAuthenticateRequestCodec, M.SaslAuthenticateResponseCodec, 0, 2),
  DescribeUserScramCredentials: api(M.DescribeUserScramCredentialsRequestCodec, M.DescribeUserScramCredentialsResponseCodec, 0, 0),
  AlterUserScramCredentials: api(M.AlterUserScramCredentialsRequestCodec, M.AlterUserScramCredentialsResponseCodec, 0, 0),
  DescribeClientQuotas: api(M.DescribeClientQuotasRequestCodec, M.DescribeClientQuotasResponseCodec, 0, 1),
  AlterClientQuotas: api(M.AlterClientQuotasRequestCodec, M.AlterClientQuotasResponseCodec, 0, 1),
  // v1+: prefixed patterns (Kafka 4.0's minimum).
  DescribeAcls: api(M.DescribeAclsRequestCodec, M.DescribeAclsResponseCodec, 1, 3),
  CreateAcls: api(M.CreateAclsRequestCodec, M.CreateAclsResponseCodec, 1, 3),
  DeleteAcls: api(M.DeleteAclsRequestCodec, M.DeleteAclsResponseCodec, 1, 3),
  ElectLeaders: api(M.ElectLeadersRequestCodec, M.ElectLeadersResponseCodec, 0, 2),
  AlterPartitionReassignments: api(M.AlterPartitionReassignmentsRequestCodec, M.AlterPartitionReassignmentsResponseCodec, 0, 0),
  ListPartitionReassignments: api(M.ListPartitionReassignmentsRequestCodec, M.ListPartitionReassignmentsResponseCodec, 0, 0),
  DescribeLogDirs: api(M.DescribeLogDirsRequestCodec, M.DescribeLogDirsResponseCodec, 1, 4),
} as const;

export type ClientApiName = keyof typeof ClientApis;
