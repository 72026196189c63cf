/**
 * The etcd messages Weir uses, as TypeScript types and as schemas for
 * etcd-protobuf.ts. Field names and numbers are etcd's own (api/etcdserverpb/
 * rpc.proto and api/mvccpb/kv.proto, etcd 3.4); fields Weir never sends or
 * reads are left out (the decoder skips them). The types keep the etcd3
 * client's shapes (int64s as decimal strings, bytes as Buffers) so code
 * written against it reads the same.
 */
import type { MessageSchema } from './etcd-protobuf';

/** An int64 as sent: a decimal string (how etcd's values are read back), or a number or bigint. */
export type Int64 = string | number | bigint;
/** Bytes as sent: a Buffer, or a string taken as UTF-8. */
export type Bytes = Buffer | string;

// ------------------------------------------------------------------ types

export interface IResponseHeader {
  readonly cluster_id: string;
  readonly member_id: string;
  readonly revision: string;
  readonly raft_term: string;
}

export interface IKeyValue {
  readonly key: Buffer;
  readonly create_revision: string;
  readonly mod_revision: string;
  readonly version: string;
  readonly value: Buffer;
  readonly lease: string;
}

export interface IEvent {
  readonly type: 'Put' | 'Delete';
  readonly kv: IKeyValue;
  readonly prev_kv?: IKeyValue;
}

export interface IRangeRequest {
  readonly key: Bytes;
  readonly range_end?: Bytes;
  readonly limit?: Int64;
  readonly revision?: Int64;
  readonly sort_order?: 'None' | 'Ascend' | 'Descend';
  readonly sort_target?: 'Key' | 'Version' | 'Create' | 'Mod' | 'Value';
  readonly keys_only?: boolean;
  readonly count_only?: boolean;
}

export interface IRangeResponse {
  readonly header: IResponseHeader;
  readonly kvs: IKeyValue[];
  readonly more: boolean;
  readonly count: string;
}

export interface IPutRequest {
  readonly key: Bytes;
  readonly value: Bytes;
  readonly lease?: Int64;
  readonly prev_kv?: boolean;
}

export interface IPutResponse {
  readonly header: IResponseHeader;
  readonly prev_kv?: IKeyValue;
}

export interface IDeleteRangeRequest {
  readonly key: Bytes;
  readonly range_end?: Bytes;
  readonly prev_kv?: boolean;
}

export interface IDeleteRangeResponse {
  readonly header: IResponseHeader;
  readonly deleted: string;
  readonly prev_kvs: IKeyValue[];
}

/** What a comparison reads of a key (etcd's Compare.CompareTarget). */
export enum CompareTarget {
  Version = 0,
  Create = 1,
  Mod = 2,
  Value = 3,
  Lease = 4,
}

/** How a comparison compares (etcd's Compare.CompareResult). */
export enum CompareResult {
  Equal = 0,
  Greater = 1,
  Less = 2,
  NotEqual = 3,
}

/** Events a watch leaves out (etcd's WatchCreateRequest.FilterType). */
export enum FilterType {
  Noput = 0,
  Nodelete = 1,
}

/** One condition of a transaction; set the field that `target` names. */
export interface ICompare {
  readonly key: Bytes;
  readonly target: CompareTarget;
  readonly result: CompareResult;
  readonly version?: Int64;
  readonly create_revision?: Int64;
  readonly mod_revision?: Int64;
  readonly value?: Bytes;
  readonly lease?: Int64;
  readonly range_end?: Bytes;
}

/** One operation of a transaction: exactly one of these. */
export interface IRequestOp {
  readonly request_range?: IRangeRequest;
  readonly request_put?: IPutRequest;
  readonly request_delete_range?: IDeleteRangeRequest;
}

export interface ITxnRequest {
  readonly compare?: readonly ICompare[];
  readonly success?: readonly IRequestOp[];
  readonly failure?: readonly IRequestOp[];
}

/** The result of one operation: the field matching its request. */
export interface IResponseOp {
  readonly response_range?: IRangeResponse;
  readonly response_put?: IPutResponse;
  readonly response_delete_range?: IDeleteRangeResponse;
}

export interface ITxnResponse {
  readonly header: IResponseHeader;
  readonly succeeded: boolean;
  readonly responses: IResponseOp[];
}

export interface ICompactionRequest {
  readonly revision: Int64;
  readonly physical?: boolean;
}

export interface ICompactionResponse {
  readonly header: IResponseHeader;
}

export interface IWatchCreateRequest {
  readonly key: Bytes;
  readonly range_end?: Bytes;
  readonly start_revision?: Int64;
  readonly filters?: readonly FilterType[];
  readonly prev_kv?: boolean;
}

export interface IWatchResponse {
  readonly header: IResponseHeader;
  readonly watch_id: string;
  readonly created: boolean;
  readonly canceled: boolean;
  readonly compact_revision: string;
  readonly cancel_reason: string;
  readonly fragment: boolean;
  readonly events: IEvent[];
}

export interface ILeaseGrantRequest {
  readonly TTL: Int64;
  readonly ID?: Int64;
}

export interface ILeaseGrantResponse {
  readonly header: IResponseHeader;
  readonly ID: string;
  readonly TTL: string;
  readonly error: string;
}

export interface ILeaseRevokeRequest {
  readonly ID: Int64;
}

export interface ILeaseRevokeResponse {
  readonly header: IResponseHeader;
}

export interface ILeaseTimeToLiveRequest {
  readonly ID: Int64;
  readonly keys?: boolean;
}

export interface ILeaseTimeToLiveResponse {
  readonly header: IResponseHeader;
  readonly ID: string;
  readonly TTL: string;
  readonly grantedTTL: string;
  readonly keys: Buffer[];
}

export interface ILeaseKeepAliveRequest {
  readonly ID: Int64;
}

export interface ILeaseKeepAliveResponse {
  readonly header: IResponseHeader;
  readonly ID: string;
  readonly TTL: string;
}

// ---------------------------------------------------------------- schemas

const ResponseHeader: MessageSchema = {
  cluster_id: { no: 1, type: 'uint64' },
  member_id: { no: 2, type: 'uint64' },
  revision: { no: 3, type: 'int64' },
  raft_term: { no: 4, type: 'uint64' },
};

const KeyValue: MessageSchema = {
  key: { no: 1, type: 'bytes' },
  create_revision: { no: 2, type: 'int64' },
  mod_revision: { no: 3, type: 'int64' },
  version: { no: 4, type: 'int64' },
  value: { no: 5, type: 'bytes' },
  lease: { no: 6, type: 'int64' },
};

const Event: MessageSchema = {
  type: { no: 1, type: 'enum', names: ['Put', 'Delete'] },
  kv: { no: 2, type: KeyValue },
  prev_kv: { no: 3, type: KeyValue },
};

export const RangeRequest: MessageSchema = {
  key: { no: 1, type: 'bytes' },
  range_end: { no: 2, type: 'bytes' },
  limit: { no: 3, type: 'int64' },
  revision: { no: 4, type: 'int64' },
  sort_order: { no: 5, type: 'enum', names: ['None', 'Ascend', 'Descend'] },
  sort_target: { no: 6, type: 'enum', names: ['Key', 'Version', 'Create', 'Mod', 'Value'] },
  keys_only: { no: 8, type: 'bool' },
  count_only: { no: 9, type: 'bool' },
};

export const RangeResponse: MessageSchema = {
  header: { no: 1, type: ResponseHeader },
  kvs: { no: 2, type: KeyValue, repeated: true },
  more: { no: 3, type: 'bool' },
  count: { no: 4, type: 'int64' },
};

export const PutRequest: MessageSchema = {
  key: { no: 1, type: 'bytes' },
  value: { no: 2, type: 'bytes' },
  lease: { no: 3, type: 'int64' },
  prev_kv: { no: 4, type: 'bool' },
};

export const PutResponse: MessageSchema = {
  header: { no: 1, type: ResponseHeader },
  prev_kv: { no: 2, type: KeyValue },
};

export const DeleteRangeRequest: MessageSchema = {
  key: { no: 1, type: 'bytes' },
  range_end: { no: 2, type: 'bytes' },
  prev_kv: { no: 3, type: 'bool' },
};

export const DeleteRangeResponse: MessageSchema = {
  header: { no: 1, type: ResponseHeader },
  deleted: { no: 2, type: 'int64' },
  prev_kvs: { no: 3, type: KeyValue, repeated: true },
};

const Compare: MessageSchema = {
  result: { no: 1, type: 'enum' },
  target: { no: 2, type: 'enum' },
  key: { no: 3, type: 'bytes' },
  version: { no: 4, type: 'int64' },
  create_revision: { no: 5, type: 'int64' },
  mod_revision: { no: 6, type: 'int64' },
  value: { no: 7, type: 'bytes' },
  lease: { no: 8, type: 'int64' },
  range_end: { no: 64, type: 'bytes' },
};

const RequestOp: MessageSchema = {
  request_range: { no: 1, type: RangeRequest },
  request_put: { no: 2, type: PutRequest },
  request_delete_range: { no: 3, type: DeleteRangeRequest },
};

const ResponseOp: MessageSchema = {
  response_range: { no: 1, type: RangeResponse },
  response_put: { no: 2, type: PutResponse },
  response_delete_range: { no: 3, type: DeleteRangeResponse },
};

export const TxnRequest: MessageSchema = {
  compare: { no: 1, type: Compare, repeated: true },
  success: { no: 2, type: RequestOp, repeated: true },
  failure: { no: 3, type: RequestOp, repeated: true },
};

export const TxnResponse: MessageSchema = {
  header: { no: 1, type: ResponseHeader },
  succeeded: { no: 2, type: 'bool' },
  responses: { no: 3, type: ResponseOp, repeated: true },
};

export const CompactionRequest: MessageSchema = {
  revision: { no: 1, type: 'int64' },
  physical: { no: 2, type: 'bool' },
};

export const CompactionResponse: MessageSchema = {
  header: { no: 1, type: ResponseHeader },
};

const WatchCreateRequest: MessageSchema = {
  key: { no: 1, type: 'bytes' },
  range_end: { no: 2, type: 'bytes' },
  start_revision: { no: 3, type: 'int64' },
  filters: { no: 5, type: 'enum', repeated: true },
  prev_kv: { no: 6, type: 'bool' },
};

export const WatchRequest: MessageSchema = {
  create_request: { no: 1, type: WatchCreateRequest },
};

export const WatchResponse: MessageSchema = {
  header: { no: 1, type: ResponseHeader },
  watch_id: { no: 2, type: 'int64' },
  created: { no: 3, type: 'bool' },
  canceled: { no: 4, type: 'bool' },
  compact_revision: { no: 5, type: 'int64' },
  cancel_reason: { no: 6, type: 'string' },
  fragment: { no: 7, type: 'bool' },
  events: { no: 11, type: Event, repeated: true },
};

export const LeaseGrantRequest: MessageSchema = {
  TTL: { no: 1, type: 'int64' },
  ID: { no: 2, type: 'int64' },
};

export const LeaseGrantResponse: MessageSchema = {
  header: { no: 1, type: ResponseHeader },
  ID: { no: 2, type: 'int64' },
  TTL: { no: 3, type: 'int64' },
  error: { no: 4, type: 'string' },
};

export const LeaseRevokeRequest: MessageSchema = {
  ID: { no: 1, type: 'int64' },
};

export const LeaseRevokeResponse: MessageSchema = {
  header: { no: 1, type: ResponseHeader },
};

export const LeaseTimeToLiveRequest: MessageSchema = {
  ID: { no: 1, type: 'int64' },
  keys: { no: 2, type: 'bool' },
};

export const LeaseTimeToLiveResponse: MessageSchema = {
  header: { no: 1, type: ResponseHeader },
  ID: { no: 2, type: 'int64' },
  TTL: { no: 3, type: 'int64' },
  grantedTTL: { no: 4, type: 'int64' },
  keys: { no: 5, type: 'bytes', repeated: true },
};

export const LeaseKeepAliveRequest: MessageSchema = {
  ID: { no: 1, type: 'int64' },
};

export const LeaseKeepAliveResponse: MessageSchema = {
  header: { no: 1, type: ResponseHeader },
  ID: { no: 2, type: 'int64' },
  TTL: { no: 3, type: 'int64' },
};
