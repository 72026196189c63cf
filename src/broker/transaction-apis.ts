/**
 * The transaction APIs brokers send each other (not advertised to clients):
 * WriteTxnMarkers (key 27, v0–1; Weir sends v1, flexible, as Kafka 2.8+)
 * and AddPartitionsToTxn in its inter-broker form (v4–5: batched
 * transactions, `verifyOnly`; clients are served v0–3 only, G19).
 */
import { lazyApi } from './controller-channel';
import {
  AddPartitionsToTxnRequestCodec,
  AddPartitionsToTxnResponseCodec,
  type AddPartitionsToTxnRequest,
  type AddPartitionsToTxnResponse,
  WriteTxnMarkersRequestCodec,
  WriteTxnMarkersResponseCodec,
  type WriteTxnMarkersRequest,
  type WriteTxnMarkersResponse,
} from '../protocol/messages';

export const WRITE_TXN_MARKERS_API = lazyApi<WriteTxnMarkersRequest, WriteTxnMarkersResponse>(
  27,
  'WriteTxnMarkers',
  1,
  () => WriteTxnMarkersRequestCodec,
  () => WriteTxnMarkersResponseCodec,
);
export const WRITE_TXN_MARKERS_VERSION = 1;

/** AddPartitionsToTxn with every version, v4+ for brokers only. */
export const ADD_PARTITIONS_TO_TXN_INTER_BROKER_API = lazyApi<AddPartitionsToTxnRequest, AddPartitionsToTxnResponse>(
  24,
  'AddPartitionsToTxn',
  5,
  () => AddPartitionsToTxnRequestCodec,
  () => AddPartitionsToTxnResponseCodec,
);
